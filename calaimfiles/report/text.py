"""The human report: a table per sheet grouped by row, then one summary line. Colour only on a terminal."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from calaimfiles.findings import Severity
from calaimfiles.report import MAX_LISTED, Run, left_out, listed
from calaimfiles.wording import plural

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render_text(run: Run, console: Console, show_values: bool, max_listed: int = MAX_LISTED) -> None:
    """A table per sheet, its findings by row (the first `max_listed`, then a line for the rest), then the
    summary line, which counts them all."""
    for result in run.results:
        heading = Text.assemble(
            (str(result.path), "bold"), f"  {result.layout}, sheet {result.sheet!r}, {plural(result.rows, 'row')}"
        )
        console.print(heading)
        if not result.findings:
            console.print(Text("  no problems found", style="green"))
            continue
        table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False, expand=False)
        table.add_column("Row", justify="right")
        table.add_column("Cell")
        table.add_column("Severity")
        table.add_column("Code")
        table.add_column("Problem", overflow="fold")
        previous_row: int | None = -1
        for finding in listed(result.findings, max_listed):
            if previous_row != -1 and finding.row != previous_row:
                table.add_section()
            label = "" if finding.row == previous_row else (str(finding.row) if finding.row else "file")
            previous_row = finding.row
            problem = Text(finding.describe(finding.may_show_value(show_values)))
            if finding.fixable:
                problem.append("  [fixable]", style="green")
            table.add_row(label, finding.cell or "", Text(finding.severity.label, style=_STYLE[finding.severity]),
                          finding.code, problem)
        console.print(table)
        if rest := left_out(result, max_listed):
            console.print(Text(f"  {rest}", style="yellow"))
    console.print(summary_line(run))


def summary_line(run: Run) -> Text:
    checked = len({r.path for r in run.results})
    text = Text(f"{plural(checked, 'file')} checked: ")
    text.append(plural(run.errors, "error"), style=_STYLE[Severity.ERROR] if run.errors else "green")
    text.append(", ")
    text.append(plural(run.warnings, "warning"), style=_STYLE[Severity.WARNING] if run.warnings else "")
    if run.fixable:
        text.append(f" ({run.fixable} fixable)", style="green")
    if run.failures:
        text.append(f"; {plural(len(run.failures), 'file')} could not be read", style="red")
    return text
