"""Renderers: each turns the same validation run into one output format, and does nothing else."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from calaimfiles.findings import KEPT_PER_SHEET, Finding, Severity
from calaimfiles.validate import SheetResult

FORMATS = ("text", "json", "junit", "github", "sarif")
MAX_LISTED = 2000  # findings a report for people lists per sheet (a page stays quick); machine formats list all


def listed(findings: Sequence[Finding], max_listed: int) -> Sequence[Finding]:
    """The findings of a sheet a report for people lists: the first `max_listed` (0: all)."""
    return findings[:max_listed] if max_listed else findings


def left_out(result: SheetResult, max_listed: int) -> str:
    """What a report for people leaves out of a sheet, in a sentence naming the codes ('' when nothing is): a
    file with a problem on every row says so in a few lines, not in a million."""
    counts = Counter(f.code for f in result.findings[len(listed(result.findings, max_listed)):])
    for (code, _, _), count in result.not_kept.items():
        counts[code] += count
    rest = sum(counts.values())
    if not rest:
        return ""
    ranked = counts.most_common()
    named = ", ".join(f"{code} {count:,}" for code, count in ranked[:5])
    if len(ranked) > 5:
        named += f" and {len(ranked) - 5} other codes"
    where = ("--format json lists every one, --select CODE one kind, --max-listed 0 all of them here"
             if not result.not_kept else not_kept_sentence(result))
    return f"{rest:,} more finding{'' if rest == 1 else 's'} on this sheet not listed ({named}): {where}"


def not_kept_sentence(result: SheetResult) -> str:
    """Why some findings of a sheet appear in no output, only in the counts."""
    dropped = sum(result.not_kept.values())
    return (f"past {KEPT_PER_SHEET:,} findings on one sheet the other {dropped:,} are counted, not kept (this is not a "
            "file to correct cell by cell: check that it is the right file, or correct the columns first)")


@dataclass
class Run:
    """The results of one `validate` call: a result per checked sheet, and the files that could not be read."""

    results: list[SheetResult] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)

    def findings(self) -> list[Finding]:
        return [f for r in self.results for f in r.findings]

    @property
    def errors(self) -> int:
        return sum(r.count(Severity.ERROR) for r in self.results)

    @property
    def warnings(self) -> int:
        return sum(r.count(Severity.WARNING) for r in self.results)

    @property
    def fixable(self) -> int:
        return sum(r.fixable() for r in self.results)

    def exit_code(self, fail_on: Severity) -> int:
        """0 clean, 1 findings at or above `fail_on` (counted ones too), 2 when an input could not be processed."""
        if self.failures:
            return 2
        return 1 if any(r.count(level) for r in self.results for level in Severity if level >= fail_on) else 0
