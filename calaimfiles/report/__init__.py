"""Renderers: each turns the same validation run into one output format, and does nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field

from calaimfiles.findings import Finding, Severity
from calaimfiles.validate import SheetResult

FORMATS = ("text", "json", "junit", "github", "sarif")


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
        return sum(1 for f in self.findings() if f.fixable)

    def exit_code(self, fail_on: Severity) -> int:
        """0 clean, 1 findings at or above `fail_on`, 2 when an input could not be processed."""
        if self.failures:
            return 2
        return 1 if any(f.severity >= fail_on for f in self.findings()) else 0
