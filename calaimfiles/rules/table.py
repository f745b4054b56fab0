"""Normalise a sheet into a table of typed columns, reporting every cell that fails its field type.

This is the bridge from reading to validating: each distinct raw value of a column is parsed once, the
results are spread back over the rows, and the layout rules then work on whole columns (pandas) instead
of cell by cell. Every finding keeps the row and cell Excel shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from calaimfiles.findings import Finding, Fix, Severity, cell_name
from calaimfiles.layouts import Column, FieldType, Layout
from calaimfiles.reading.header import HeaderMatch
from calaimfiles.reading.workbook import Sheet
from calaimfiles.rules.fields import Issue, Parsed, is_blank, parser_for
from calaimfiles.rules.registry import Rule, get_rule, register

CELL_ERROR = register(
    "CELL-ERROR", "Excel error in a cell", severity=Severity.ERROR, source="reference §2",
    summary="The cell shows an Excel error such as #N/A or #REF! (often a broken formula or lookup); "
    "type the value itself.",
    example="`#N/A` in Member Acuity Level, left by a VLOOKUP that found nothing",
)

_DATE_TYPES = (FieldType.DATE, FieldType.PERIOD)
_NUMBER_TYPES = (FieldType.COUNT, FieldType.MINUTES)


@dataclass
class Options:
    """What a validation run needs to know besides the file itself."""

    as_of: dt.date
    period: dt.date | None = None


@dataclass
class Table:
    """A sheet's data rows as normalised columns, keyed by layout column id.

    `frame` holds values (dates as datetime64, counts as float, the rest as text or None); a value that
    could not be read is missing there, but `filled` still says the cell was not blank, so rules can tell
    "left blank" from "written wrong" and report each problem once.
    """

    layout: Layout
    sheet: str
    header: HeaderMatch
    options: Options
    excel_rows: np.ndarray
    frame: pd.DataFrame
    filled: dict[str, np.ndarray]
    raw: dict[str, Sequence[Any]]
    findings: list[Finding] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.excel_rows)

    def has(self, *column_ids: str) -> bool:
        return all(c in self.header.columns for c in column_ids)

    def column(self, column_id: str) -> Column:
        return self.layout.column(column_id)

    def report(
        self,
        rule: Rule,
        positions: Iterable[int],
        column_id: str | None,
        text: str,
        *,
        severity: Severity | None = None,
        fix_values: Sequence[Any] | None = None,
        show_value: bool = True,
    ) -> None:
        """Add one finding per data row position. Cell findings name the column; `text` completes its name."""
        column = self.layout.column(column_id) if column_id else None
        sheet_column = self.header.columns.get(column_id) if column_id else None
        message = f"{column.name} {text}" if column and text[:1].islower() else text
        raw = self.raw.get(column_id) if column_id and show_value else None
        for n, position in enumerate(positions):
            row = int(self.excel_rows[position])
            value = raw[position] if raw is not None else None
            fix = Fix(fix_values[n]) if fix_values is not None else None
            self.findings.append(
                Finding(
                    code=rule.code,
                    severity=severity or rule.severity,
                    message=message,
                    sheet=self.sheet,
                    row=row,
                    column=column.name if column else None,
                    cell=cell_name(row, sheet_column) if sheet_column is not None else None,
                    fix=fix,
                    value=None if is_blank(value) else _display(value),
                    member_data=column.member if column else True,
                )
            )

    def most_common(self, column_id: str) -> Any:
        """The value most rows agree on (None when the column is empty): the file's production date, say."""
        values = self.frame[column_id].dropna()
        if values.empty:
            return None
        return values.mode().iloc[0]


def _display(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def build_table(sheet: Sheet, header: HeaderMatch, options: Options) -> Table:
    """Parse every mapped column of the data rows below the header; skip rows that are entirely blank."""
    layout = header.layout
    body = sheet.rows[header.header_row + 1:]
    keep = [i for i, row in enumerate(body) if any(v != "" and not is_blank(v) for v in row)]
    first_data_row = header.header_row + 2  # Excel numbers rows from 1, and the data starts below the header
    excel_rows = np.asarray(keep, dtype=np.int64) + first_data_row
    data = [body[i] for i in keep]
    columns = list(zip(*data, strict=True)) if data else []
    width = len(columns)
    errors_by_column: dict[int, dict[int, str]] = {}
    row_position = {int(r): p for p, r in enumerate(excel_rows)}
    for (row0, col0), text in sheet.error_cells.items():
        position = row_position.get(row0 + 1)
        if position is not None:
            errors_by_column.setdefault(col0, {})[position] = text

    table = Table(layout, sheet.name, header, options, excel_rows, pd.DataFrame(index=range(len(data))), {}, {})
    values: dict[str, Any] = {}
    for column in layout.columns:
        index = header.columns.get(column.id)
        raw: Sequence[Any] = columns[index] if index is not None and index < width else ("",) * len(data)
        cell_errors = errors_by_column.get(index, {}) if index is not None else {}
        table.raw[column.id] = raw
        values[column.id], table.filled[column.id] = _normalise_column(table, column, raw, cell_errors)
    table.frame = pd.DataFrame(values, index=range(len(data)))
    return table


def _normalise_column(
    table: Table, column: Column, raw: Sequence[Any], cell_errors: dict[int, str]
) -> tuple[Any, np.ndarray]:
    parse = parser_for(column, table.layout.codesets)
    results: dict[Any, Parsed] = {}
    blank: set[Any] = set()
    for value in set(raw):
        if is_blank(value):
            blank.add(value)
        else:
            results[value] = parse(value)
    value_of: dict[Any, Any] = {v: r.value for v, r in results.items()}
    value_of.update(dict.fromkeys(blank))
    normalised = list(map(value_of.__getitem__, raw))
    filled = np.fromiter(map(results.__contains__, raw), dtype=bool, count=len(raw))

    bad = {v for v, r in results.items() if r.issues}
    if bad:
        _report_issues(table, column, raw, results, bad)
    for position, text in cell_errors.items():
        filled[position] = True
        normalised[position] = None
        table.report(CELL_ERROR, [position], column.id, f"shows the Excel error {text}: type the value instead",
                     show_value=False)
    return _typed(column, normalised), filled


def _report_issues(
    table: Table, column: Column, raw: Sequence[Any], results: dict[Any, Parsed], bad: set[Any]
) -> None:
    by_issue: dict[tuple[str, str], tuple[list[int], list[Issue]]] = {}
    for position, value in enumerate(raw):
        if value in bad:
            for issue in results[value].issues:
                positions, issues = by_issue.setdefault((issue.code, issue.text), ([], []))
                positions.append(position)
                issues.append(issue)
    for (code, text), (positions, issues) in by_issue.items():
        rule = get_rule(code)
        fixable = all(issue.fixable for issue in issues)
        table.report(rule, positions, column.id, text, fix_values=[i.fix for i in issues] if fixable else None)


def _typed(column: Column, values: list[Any]) -> Any:
    if column.type in _DATE_TYPES:
        return pd.array(values, dtype="datetime64[s]")
    if column.type in _NUMBER_TYPES:
        return pd.array([np.nan if v is None else v for v in values], dtype="float64")
    return pd.array(values, dtype=object)
