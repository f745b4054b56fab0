"""The rule catalogue as Markdown (`docs/rules.md`, `calaimfiles rules --markdown`) and as a table."""

from __future__ import annotations

from calaimfiles.rules import Rule, all_rules


def _layouts(rule: Rule) -> str:
    return ", ".join(rule.layouts) if rule.layouts else "all"


def rules_markdown() -> str:
    lines = [
        "# Finding codes",
        "",
        "Every finding `calaimfiles validate` reports has one of these codes. This page is generated from the code",
        "(`calaimfiles rules --markdown > docs/rules.md`); a test fails when it is out of date.",
        "",
        "Severity is the default: `error` makes the plan reject the file, `warning` is worth a look. Some rules",
        "report a milder case as a warning; their summary says so. *Fixable* means a safe automatic fix exists.",
        "Select or ignore codes with `--select` / `--ignore` (a code or a prefix such as `RTF` or `DATE`).",
        "",
        "Rules that need a second file (RTF R7 and R9, and the RTF-MIF, RTF-OTF and CSPRTF-CSASF codes) run when the",
        "files are checked together: `validate RTF --against MIF --otf OTF`, `validate CSPRTF --against CSASF`, or a",
        "folder holding them. `calaimfiles diff` compares the files of several months: it reports the `DIFF-` codes,",
        "and `CSPRTF-C3` across every CSPRTF month given.",
        "",
        "| Code | Severity | Fixable | Layouts | What it means | Example |",
        "|---|---|---|---|---|---|",
    ]
    for rule in all_rules():
        lines.append(
            f"| `{rule.code}` | {rule.severity.label} | {'yes' if rule.fixable else 'no'} | {_layouts(rule)} "
            f"| **{rule.title}.** {rule.summary} ({rule.source}) | {rule.example} |"
        )
    return "\n".join(lines) + "\n"
