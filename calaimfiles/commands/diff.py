"""`calaimfiles diff`: what changed for each member from one month's file to the next, the moves that make no
sense, and (for CSPRTF) the room-and-board cap across every month given.

Member values are PHI. Text on a terminal shows keys and values, like `validate`; text sent to a pipe or a
file, JSON and the workbook show them only with `--show-values`, and otherwise name members by their row in
each file (`NEW row 12 (was row 9)`) and changes by column. Values of plan and provider columns (reporting
period, production date, Lead Care Manager) are always shown.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from calaimfiles.commands.common import Force, LayoutName, Plan, ShowValues, fail, one_line_errors, report_console
from calaimfiles.converting import portable
from calaimfiles.findings import Finding
from calaimfiles.layouts import Column, Layout
from calaimfiles.layouts.describe import value_text
from calaimfiles.paths import same_place, shown
from calaimfiles.validate import ValidationRequest, read_tables
from calaimfiles.wording import plural
from calaimfiles.writing.output import OutputError, atomic_output, check_destination, default_output

if TYPE_CHECKING:  # the rules bring pandas: imported where used, so every other command starts quickly
    from calaimfiles.diffing import Change, FileDiff
    from calaimfiles.rules.table import Table

ROOM_AND_BOARD_LAYOUT = "CSPRTF"


class DiffFormat(StrEnum):
    text = "text"
    json = "json"
    xlsx = "xlsx"


@dataclass
class _File:
    path: Path
    table: Table

    @property
    def month(self) -> dt.date | None:
        from calaimfiles.diffing import reporting_month

        return reporting_month(self.table)


@dataclass
class _Comparison:
    old: _File
    new: _File
    diff: FileDiff


@dataclass
class _Report:
    """Everything the renderers show: the files oldest first, each month against the next, and the cap check
    (None when the layout has no cap)."""

    layout: Layout
    files: list[_File]
    comparisons: list[_Comparison]
    cap: list[tuple[_File, Finding]] | None

    @property
    def flagged(self) -> int:
        return sum(len(c.diff.findings) for c in self.comparisons) + len(self.cap or [])


def diff_command(
    old: Annotated[Path, typer.Argument(
        help="The older file (.xlsx, .xlsm, .xls or .csv).", show_default=False, readable=False)],
    new: Annotated[Path, typer.Argument(help="The newer file, of the same layout.", show_default=False,
                                        readable=False)],
    more: Annotated[list[Path] | None, typer.Argument(
        help="More months of the same layout; each month is compared with the next.", show_default=False,
        readable=False)] = None,
    output_format: Annotated[DiffFormat, typer.Option("--format", "-f", help="Output format.")] = DiffFormat.text,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file (default: text and json to the screen, xlsx to "
                               "NEWEST.diff.xlsx beside the newest file).", show_default=False, readable=False)] = None,
    force: Force = False,
    show_values: ShowValues = False,
    layout: LayoutName = None,
    plan: Plan = None,
) -> None:
    """Compare files of one layout month to month: members added, removed and changed, and status moves that
    make no sense. Given CSPRTF files, also checks the room-and-board cap (rule C3) across all of them.

    Files are put in order by their reporting period, whatever the order of the arguments. Exit code: 0 nothing
    flagged, 1 a flagged move or a member over the cap, 2 an input could not be read or the output written.
    """
    report = _compare([old, new, *(more or [])], layout, plan)
    destination = output or (default_output(report.files[-1].path, "diff", ".xlsx")
                             if output_format is DiffFormat.xlsx else None)
    if destination is None:
        _, on_terminal = report_console()
        shown = show_values or (on_terminal and output_format is DiffFormat.text)
        typer.echo(_render(report, output_format, shown), nl=False)
    else:
        with one_line_errors(destination):
            _write(report, output_format, destination, force, show_values)
        typer.echo(f"Wrote {destination}: {_summary(report)}")
    raise typer.Exit(1 if report.flagged else 0)


def _compare(paths: list[Path], layout: str | None, plan: str | None) -> _Report:
    from calaimfiles.diffing import check_room_and_board, diff_tables, in_month_order

    files = [_read(path, layout, plan) for path in paths]
    first = files[0]
    for file in files[1:]:
        if file.table.layout.name != first.table.layout.name:
            fail(f"{file.path}: holds {file.table.layout.name}, but {first.path} holds {first.table.layout.name}; "
                 "diff compares files of one layout")
    with one_line_errors("diff"):
        files = [files[i] for i in in_month_order([f.table for f in files])]
        comparisons = [_Comparison(a, b, diff_tables(a.table, b.table)) for a, b in itertools.pairwise(files)]
        cap = None
        if first.table.layout.name == ROOM_AND_BOARD_LAYOUT:
            found = check_room_and_board([f.table for f in files])
            cap = [(file, finding) for file, findings in zip(files, found, strict=True) for finding in findings]
        return _Report(first.table.layout, files, comparisons, cap)


def _read(path: Path, layout: str | None, plan: str | None) -> _File:
    with one_line_errors(path):
        tables = read_tables(path, ValidationRequest(layout=layout, plan=plan))
    if len(tables) > 1:
        sheets = ", ".join(f"{t.sheet!r} ({t.layout.name})" for t in tables)
        fail(f"{path}: holds {len(tables)} layout sheets ({sheets}); diff compares one: choose it with --layout")
    return _File(path, tables[0])


def _write(report: _Report, output_format: DiffFormat, destination: Path, force: bool, show_values: bool) -> None:
    check_destination(destination, force)
    if any(same_place(destination, f.path) for f in report.files):
        raise OutputError(f"{destination} is an input file; write the output to another file")
    if output_format is DiffFormat.xlsx:
        importlib.import_module("openpyxl")  # before the output opens, so its temporaries go beside it
    with atomic_output(destination) as partial:
        if output_format is DiffFormat.xlsx:
            _write_xlsx(report, partial, show_values)
        else:
            partial.write_text(_render(report, output_format, show_values), encoding="utf-8")


def _render(report: _Report, output_format: DiffFormat, show_values: bool) -> str:
    if output_format is DiffFormat.json:
        return json.dumps(_document(report, show_values), indent=2, ensure_ascii=False) + "\n"
    return "\n".join(_text_lines(report, show_values)) + "\n"


# -- shared ---------------------------------------------------------------------------------------------------

def _may_show(column: Column, show_values: bool) -> bool:
    """Member columns are PHI; plan and provider columns may always be shown."""
    return show_values or not column.member


def _key_columns(layout: Layout) -> list[Column]:
    return [layout.column(k) for k in layout.key]


def _key_text(layout: Layout, key: Sequence[Any], show_values: bool) -> str:
    """`[91234567A, Housing Deposits]`, or nothing when the key may not be shown."""
    shown = [value_text(c, v) for c, v in zip(_key_columns(layout), key, strict=True) if _may_show(c, show_values)]
    return f" [{', '.join(shown)}]" if shown else ""


def _name(file: _File) -> str:
    month = file.month
    when = f"{month:%m/%Y}, " if month else ""
    return f"{shown(file.path)} ({when}sheet {file.table.sheet!r}, {len(file.table)} rows)"


def _counts(diff: FileDiff) -> str:
    return (f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed, "
            f"{len(diff.findings)} flagged")


def _summary(report: _Report) -> str:
    parts = [f"{shown(c.old.path.name)} -> {shown(c.new.path.name)}: {_counts(c.diff)}" for c in report.comparisons]
    if report.cap is not None:
        parts.append(f"{plural(len(report.cap), 'member')} over the room-and-board cap")
    return "; ".join(parts)


# -- text -----------------------------------------------------------------------------------------------------

def _text_lines(report: _Report, show_values: bool) -> list[str]:
    layout = report.layout
    lines: list[str] = []
    for comparison in report.comparisons:
        diff = comparison.diff
        lines.append(f"{layout.name}: {_name(comparison.old)} -> {_name(comparison.new)}")
        lines.extend(f"  file: {_change_text(c, show_values)}" for c in diff.file_changes)
        lines.extend(f"  added:   NEW row {m.row}{_key_text(layout, m.key, show_values)}" for m in diff.added)
        lines.extend(f"  removed: OLD row {m.row}{_key_text(layout, m.key, show_values)}" for m in diff.removed)
        lines.extend(
            f"  changed: NEW row {m.new_row} (was row {m.old_row}){_key_text(layout, m.key, show_values)}: "
            + "; ".join(_change_text(c, show_values) for c in m.changes)
            for m in diff.changed
        )
        for side, rows in (("OLD", diff.not_compared_old), ("NEW", diff.not_compared_new)):
            if rows:
                lines.append(f"  not compared (key blank or repeated): {side} rows {', '.join(map(str, rows))}")
        lines.extend(f"  flagged: NEW {_finding_text(f, show_values)}" for f in diff.findings)
        lines.append(f"  {_counts(diff)}")
    if report.cap is not None:
        months = [f.month for f in report.files]
        lines.append(f"Room-and-board cap (CSPRTF-C3) across {plural(len(report.files), 'file')}"
                     + (f", {months[0]:%m/%Y} to {months[-1]:%m/%Y}" if months[0] and months[-1] else "") + ":")
        lines.extend(f"  {shown(file.path)} {_finding_text(f, show_values)}" for file, f in report.cap)
        lines.append(f"  {plural(len(report.cap), 'member')} over the cap")
    return lines


def _change_text(change: Change, show_values: bool) -> str:
    if not _may_show(change.column, show_values):
        return change.column.name
    return f"{change.column.name} {value_text(change.column, change.old)} -> {value_text(change.column, change.new)}"


def _finding_text(finding: Finding, show_values: bool) -> str:
    return (f"row {finding.row}  {finding.cell or ''}  {finding.severity.label}  {finding.code}  "
            f"{finding.describe(finding.may_show_value(show_values))}")


# -- json -----------------------------------------------------------------------------------------------------

def _document(report: _Report, show_values: bool) -> dict[str, Any]:
    """The JSON document; keys and member values appear only with `show_values`."""
    layout = report.layout
    return {
        "layout": layout.name,
        "files": [
            {"path": shown(f.path), "sheet": f.table.sheet, "rows": len(f.table),
             "month": f"{f.month:%Y-%m}" if f.month else None}
            for f in report.files
        ],
        "comparisons": [
            {
                "old": shown(c.old.path),
                "new": shown(c.new.path),
                "file_changes": [_change_json(change, show_values) for change in c.diff.file_changes],
                "added": [{"new_row": m.row, **_key_json(layout, m.key, show_values)} for m in c.diff.added],
                "removed": [{"old_row": m.row, **_key_json(layout, m.key, show_values)} for m in c.diff.removed],
                "changed": [
                    {"old_row": m.old_row, "new_row": m.new_row, **_key_json(layout, m.key, show_values),
                     "changes": [_change_json(change, show_values) for change in m.changes]}
                    for m in c.diff.changed
                ],
                "not_compared": {"old_rows": c.diff.not_compared_old, "new_rows": c.diff.not_compared_new},
                "findings": [_finding_json(c.new, f, show_values) for f in c.diff.findings],
            }
            for c in report.comparisons
        ],
        "room_and_board": None if report.cap is None else {
            "findings": [_finding_json(file, f, show_values) for file, f in report.cap],
        },
        "summary": {
            "added": sum(len(c.diff.added) for c in report.comparisons),
            "removed": sum(len(c.diff.removed) for c in report.comparisons),
            "changed": sum(len(c.diff.changed) for c in report.comparisons),
            "flagged": report.flagged,
        },
    }


def _key_json(layout: Layout, key: Sequence[Any], show_values: bool) -> dict[str, Any]:
    if not show_values:
        return {}
    return {"key": {c.name: portable(c, v) for c, v in zip(_key_columns(layout), key, strict=True)}}


def _change_json(change: Change, show_values: bool) -> dict[str, Any]:
    if not _may_show(change.column, show_values):
        return {"column": change.column.name}
    column = change.column
    return {"column": column.name, "old": portable(column, change.old), "new": portable(column, change.new)}


def _finding_json(file: _File, finding: Finding, show_values: bool) -> dict[str, Any]:
    return {
        "path": shown(file.path), "sheet": finding.sheet, "row": finding.row, "cell": finding.cell,
        "column": finding.column, "code": finding.code, "severity": finding.severity.label,
        "message": finding.describe(finding.may_show_value(show_values)),
    }


# -- xlsx -----------------------------------------------------------------------------------------------------

_CHANGES_HEADER = ("Older file", "Newer file", "Change", "Older row", "Newer row", "Column", "Older value",
                   "Newer value")
_FINDINGS_HEADER = ("File", "Sheet", "Row", "Cell", "Severity", "Code", "Message")


def _write_xlsx(report: _Report, path: Path, show_values: bool) -> None:
    """A Summary sheet (counts per comparison), Changes (one row per changed column or member) and Findings.
    With `show_values` the Changes sheet also names each member by key."""
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    _put_rows(summary, [("Older file", "Newer file", "Added", "Removed", "Changed", "Flagged")] + [
        (shown(c.old.path), shown(c.new.path), len(c.diff.added), len(c.diff.removed), len(c.diff.changed),
         len(c.diff.findings)) for c in report.comparisons])
    if report.cap is not None:
        summary.append([])
        _put_rows(summary, [(f"Members over the room-and-board cap across {len(report.files)} files",
                             len(report.cap))])
    key_header = tuple(c.name for c in _key_columns(report.layout)) if show_values else ()
    _put_rows(book.create_sheet("Changes"), [_CHANGES_HEADER + key_header] + [
        row for c in report.comparisons for row in _change_rows(c, report.layout, show_values)])
    findings = [(c.new, f) for c in report.comparisons for f in c.diff.findings] + (report.cap or [])
    _put_rows(book.create_sheet("Findings"), [_FINDINGS_HEADER] + [
        (shown(file.path), f.sheet, f.row, f.cell, f.severity.label, f.code,
         f.describe(f.may_show_value(show_values))) for file, f in findings])
    book.save(path)


def _change_rows(comparison: _Comparison, layout: Layout, show_values: bool) -> list[tuple[Any, ...]]:
    files = (shown(comparison.old.path), shown(comparison.new.path))
    diff = comparison.diff

    def key(values: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(values) if show_values else ()

    def values(change: Change) -> tuple[Any, Any]:
        return (change.old, change.new) if _may_show(change.column, show_values) else (None, None)

    return [
        *[(*files, "file", None, None, c.column.name, *values(c)) for c in diff.file_changes],
        *[(*files, "added", None, m.row, None, None, None, *key(m.key)) for m in diff.added],
        *[(*files, "removed", m.row, None, None, None, None, *key(m.key)) for m in diff.removed],
        *[(*files, "changed", m.old_row, m.new_row, c.column.name, *values(c), *key(m.key))
          for m in diff.changed for c in m.changes],
        *[(*files, "not compared", row, None, None, None, None) for row in diff.not_compared_old],
        *[(*files, "not compared", None, row, None, None, None) for row in diff.not_compared_new],
    ]


def _put_rows(sheet: Any, rows: Sequence[Sequence[Any]]) -> None:
    """Append rows; text stays text even when it starts with `=` (no cell becomes a formula), dates are date
    cells."""
    for values in rows:
        sheet.append(list(values))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "MM/DD/YYYY"
