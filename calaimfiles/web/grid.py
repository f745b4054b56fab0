"""A checked sheet drawn as Excel shows it: column letters, row numbers, and the cells that have findings.

The sheet is read again with the library's reader (the same limits on hostile files), only its first
`MAX_GRID_ROWS` rows: the findings list is always complete, the grid is there to see a flagged cell in its row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calaimfiles.findings import Finding, Severity, column_letter
from calaimfiles.reading.workbook import Workbook

MAX_GRID_ROWS = 300


@dataclass
class Cell:
    ref: str
    text: str
    severity: Severity | None = None
    findings: list[str] = field(default_factory=list)  # the anchors of this cell's findings, first to go back to
    notes: list[str] = field(default_factory=list)  # their codes, for the cell's tooltip


@dataclass
class Grid:
    columns: list[str]
    rows: list[tuple[int, list[Cell]]]
    more_rows: int  # rows of the sheet not drawn


Head = tuple[list[list[Any]], dict[tuple[int, int], str]]  # a sheet's first rows and its error cells


def sheet_grid(path: Path, sheet: str, findings: Sequence[tuple[str, Finding]],
               read: dict[str, Head] | None = None) -> Grid:
    """The sheet's first rows with each finding (given with its anchor on the page) on its cell. `read` keeps the
    rows read, by sheet, for the next drawing (the stored file holds it, so it goes when the file goes)."""
    head = read.get(sheet) if read is not None else None
    if head is None:
        loaded = Workbook(path).sheet(sheet)
        head = loaded.head(MAX_GRID_ROWS + 1), dict(loaded.error_cells)
        if read is not None:
            read[sheet] = head
    rows, errors = head
    more = len(rows) > MAX_GRID_ROWS
    rows = rows[:MAX_GRID_ROWS]
    width = max(map(len, rows), default=0)
    by_cell: dict[str, list[tuple[str, Finding]]] = {}
    for anchor, finding in findings:
        if finding.cell:
            by_cell.setdefault(finding.cell, []).append((anchor, finding))
    drawn = []
    for index, values in enumerate(rows):
        cells = []
        for column in range(width):
            ref = f"{column_letter(column)}{index + 1}"
            error = errors.get((index, column))
            cell = Cell(ref, error or cell_text(values[column] if column < len(values) else None))
            for anchor, finding in by_cell.get(ref, []):
                cell.severity = max(cell.severity or finding.severity, finding.severity)
                cell.findings.append(anchor)
                cell.notes.append(finding.code)
            cells.append(cell)
        drawn.append((index + 1, cells))
    return Grid([column_letter(c) for c in range(width)], drawn, 1 if more else 0)


def cell_text(value: Any) -> str:
    """A cell's value as a person reads it in Excel (dates as MM/DD/YYYY, whole numbers without `.0`)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        return f"{value:%m/%d/%Y}" if value.time() == dt.time() else f"{value:%m/%d/%Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%m/%d/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def quoted(value: Any) -> str:
    """A value before or after a fix, as `calaimfiles fix` shows it: text quoted (a stray space shows), a date
    written as a date cell."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dt.date):
        return f"{value:%m/%d/%Y} (date cell)"
    return cell_text(value)
