"""Normalise a sheet into a table of typed columns, reporting every cell that fails its field type.

This is the bridge from reading to validating: each distinct raw value of a column is parsed once, the
results are spread back over the rows, and the layout rules then work on whole columns (pandas) instead
of cell by cell. Every finding keeps the row and cell Excel shows.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from calaimfiles.findings import KEPT_PER_SHEET, Finding, Fix, Severity, cell_name
from calaimfiles.layouts import Column, FieldType, Layout
from calaimfiles.reading.header import HeaderMatch
from calaimfiles.reading.workbook import Sheet
from calaimfiles.rules.fields import Issue, canonical_form, is_blank, parser_for
from calaimfiles.rules.registry import Rule, get_rule, register

CELL_ERROR = register(
    "CELL-ERROR", "Excel error in a cell", severity=Severity.ERROR, source="reference §2",
    summary="The cell shows an Excel error such as #N/A or #REF! (often a broken formula or lookup); "
    "type the value itself.",
    example="`#N/A` in Member Acuity Level, left by a VLOOKUP that found nothing",
)

V = TypeVar("V")

_DATE_TYPES = (FieldType.DATE, FieldType.PERIOD)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_NAT = np.iinfo(np.int64).min  # numpy's integer form of "not a time"
_NUMBER_TYPES = (FieldType.COUNT, FieldType.MINUTES)


@dataclass
class Options:
    """What a validation run needs to know besides the file itself."""

    as_of: dt.date
    period: dt.date | None = None


@dataclass
class Table:
    """A sheet's data rows as normalised columns, keyed by layout column id.

    `frame` holds a Series per column (dates as datetime64, counts as float, the rest as text or None); a
    value that could not be read is missing there, but `filled` still says the cell was not blank, so rules
    can tell "left blank" from "written wrong" and report each problem once.

    A table may stack the rows of several sheets (`build_stack`): then `sheets` holds each sheet's own table,
    whose columns are cut from the stack's when first used, and `sheet_of` the position in `sheets` of each
    row; every finding reported on the stack goes to the table of its row's sheet.
    """

    layout: Layout
    sheet: str
    header: HeaderMatch
    options: Options
    excel_rows: np.ndarray
    frame: Mapping[str, pd.Series]
    filled: Mapping[str, np.ndarray]
    raw: Mapping[str, np.ndarray]
    findings: list[Finding] = field(default_factory=list)
    sheets: list[Table] = field(default_factory=list, repr=False)
    sheet_of: np.ndarray | None = field(default=None, repr=False)
    _most_common: dict[str, Any] = field(default_factory=dict, repr=False)
    _rows: list[int] | None = field(default=None, repr=False)
    # Findings past KEPT_PER_SHEET, counted by (code, severity, fixable) instead of kept.
    not_kept: Counter[tuple[str, Severity, bool]] = field(default_factory=Counter, repr=False)

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
        raw = self.raw[column_id] if column_id and show_value else None
        rows = self._row_numbers()
        for n, position in enumerate(positions):
            row = rows[position]
            value = raw[position] if raw is not None else None
            fix = Fix(fix_values[n]) if fix_values is not None else None
            owner = self if self.sheet_of is None else self.sheets[self.sheet_of[position]]
            if len(owner.findings) >= KEPT_PER_SHEET:
                owner.not_kept[rule.code, rule.severity if severity is None else severity, fix is not None] += 1
                continue
            owner.findings.append(
                Finding(
                    code=rule.code,
                    severity=rule.severity if severity is None else severity,
                    message=message,
                    sheet=owner.sheet,
                    row=row,
                    column=column.name if column else None,
                    cell=cell_name(row, sheet_column) if sheet_column is not None else None,
                    fix=fix,
                    value=None if is_blank(value) else _display(value),
                    member_data=column.member if column else True,
                )
            )

    def _row_numbers(self) -> list[int]:
        """The Excel row of each position as one Python int, shared by every finding on that row (a file with a
        problem in every cell would otherwise hold an int per finding)."""
        if self._rows is None:
            self._rows = self.excel_rows.tolist()
        return self._rows

    def select(self, column_ids: Sequence[str]) -> pd.DataFrame:
        """Several columns side by side, for checks across columns such as duplicate keys."""
        return pd.DataFrame({c: self.frame[c] for c in column_ids})

    def records(self) -> list[dict[str, Any]]:
        """One dict per data row, keyed by column id: the normalised value (dates as `date`, counts as `int`,
        identifiers as text), the cell's own text where it could not be read, None where blank. Nothing the
        provider wrote is lost, and nothing is "corrected" that the checks did not understand."""
        columns = {}
        for column_id, series in self.frame.items():
            if series.dtype.kind == "M":
                values = [None if pd.isna(v) else v.date() for v in series]
            elif series.dtype.kind == "f":
                values = [None if np.isnan(v) else int(v) if float(v).is_integer() else float(v) for v in series]
            else:
                values = series.tolist()
            unreadable = np.flatnonzero(self.filled[column_id] & series.isna().to_numpy())
            for position in unreadable.tolist():
                values[position] = _display(self.raw[column_id][position])
            columns[column_id] = values
        return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]

    def most_common(self, column_id: str) -> Any:
        """The value most rows agree on (None when the column is empty): the file's production date, say."""
        if column_id not in self._most_common:
            # value_counts' answer, ties going to the value seen first, for a fraction of its cost on a small sheet
            codes, values = self.frame[column_id].factorize()
            counts = np.bincount(codes[codes >= 0])
            self._most_common[column_id] = values[int(np.argmax(counts))] if len(counts) else None
        return self._most_common[column_id]


def _display(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


def build_table(sheet: Sheet, header: HeaderMatch, options: Options) -> Table:
    """Parse every mapped column of the data rows below the header; skip rows that are entirely blank. The rows
    are numbered as they stream by, so a large sheet is never held whole as Python objects."""
    return _build([(sheet, header)], options, sheet.body(header.header_row + 1), sheet.width)


def build_stack(sheets: Sequence[tuple[Sheet, HeaderMatch]], options: Options) -> Table:
    """One table of the data rows of several sheets of one layout whose headers map the same columns, each
    sheet's own table in `Table.sheets`. A check run once over the stack finds in each sheet what it finds
    checking the sheet alone, for a fraction of the cost when the sheets are small: a table costs pandas about
    the same to build and check at 200 rows as at 20,000. The sheets are read whole first."""
    if len({stack_key(header) for _, header in sheets}) > 1:
        raise ValueError("stacked sheets must hold one layout with the same columns")
    bodies = [list(sheet.body(header.header_row + 1)) for sheet, header in sheets]
    return _build(sheets, options, itertools.chain.from_iterable(bodies), max(s.width for s, _ in sheets),
                  [len(body) for body in bodies])


def stack_key(header: HeaderMatch) -> tuple[int, tuple[tuple[str, int], ...]]:
    """Sheets whose headers have equal keys can be stacked: one layout, each of its columns in the same place."""
    return id(header.layout), tuple(sorted(header.columns.items()))


def _build(
    sheets: Sequence[tuple[Sheet, HeaderMatch]],
    options: Options,
    rows: Iterator[list[Any]],
    width: int,
    lengths: Sequence[int] = (),
) -> Table:
    """The table of `rows`, the bodies of `sheets` one after the other (`lengths` rows each; one sheet needs no
    length)."""
    sheet, header = sheets[0]
    layout = header.layout
    cells = _number_cells(rows, width)
    width = cells.codes.shape[1]
    starts = np.cumsum([0, *lengths[:-1]], dtype=np.int64)
    owners = np.searchsorted(starts, cells.kept, side="right") - 1  # the sheet of each row kept
    # Excel numbers rows from 1, and each sheet's data starts below its header
    first_rows = np.array([h.header_row + 2 for _, h in sheets], dtype=np.int64)
    excel_rows = cells.kept - starts[owners] + first_rows[owners]
    sheet_of = owners if len(sheets) > 1 else None
    errors_by_column: dict[int, dict[int, str]] = {}
    if any(s.error_cells for s, _ in sheets):
        row_position = {(int(k), int(r)): p for p, (k, r) in enumerate(zip(owners, excel_rows, strict=True))}
        for k, (each, _) in enumerate(sheets):
            for (row0, col0), text in each.error_cells.items():
                position = row_position.get((k, row0 + 1))
                if position is not None:
                    errors_by_column.setdefault(col0, {})[position] = text

    rows_kept = len(excel_rows)
    raw = _RawColumns(cells)
    frame: dict[str, pd.Series] = {}
    filled: dict[str, np.ndarray] = {}
    table = Table(layout, sheet.name, header, options, excel_rows, frame, filled, raw, sheet_of=sheet_of)
    if sheet_of is not None:
        bounds = np.searchsorted(sheet_of, np.arange(len(sheets) + 1))
        table.sheets = [_cut(table, each.name, h, int(a), int(b))
                        for (each, h), a, b in zip(sheets, bounds[:-1], bounds[1:], strict=True)]
    for column in layout.columns:
        index = header.columns.get(column.id)
        if index is not None and index < width:
            codes, present = pd.factorize(cells.codes[:, index])
            distinct = cells.values[present]
        else:  # a missing column reads as blank (COLUMN-MISSING says so once)
            index = None
            codes, distinct = np.zeros(rows_kept, dtype=np.intp), np.array([""], dtype=object)
        cell_errors = errors_by_column.get(index, {}) if index is not None else {}
        raw.columns[column.id] = (index, cell_errors)
        frame[column.id], filled[column.id] = _normalise_column(table, column, codes, distinct, cell_errors)
    return table


def _cut(stack: Table, sheet: str, header: HeaderMatch, start: int, stop: int) -> Table:
    """The table of one stacked sheet: rows start..stop of the stack."""
    rows = slice(start, stop)
    return Table(stack.layout, sheet, header, stack.options, stack.excel_rows[rows],
                 _Cut(stack.frame, lambda series: series.iloc[rows].reset_index(drop=True)),
                 _Cut(stack.filled, lambda values: values[rows]),
                 _Cut(stack.raw, lambda values: values[rows]))


class _Cut(Mapping[str, V]):
    """The columns of a stack cut to one sheet's rows, each when first asked for: the checks of a whole file
    look at a few columns of each sheet."""

    def __init__(self, columns: Mapping[str, V], cut: Callable[[V], V]) -> None:
        self._columns = columns
        self._cut = cut
        self._done: dict[str, V] = {}

    def __getitem__(self, column_id: str) -> V:
        if column_id not in self._done:
            self._done[column_id] = self._cut(self._columns[column_id])
        return self._done[column_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


_CHUNK_ROWS = 4096
_BLANK_CODE = 2  # the code of "" in `_number_cells`, which seeds its table with FALSE, TRUE and ""


@dataclass
class _Cells:
    """The data rows kept (not entirely blank), each cell as a code into `values`: a large sheet costs four
    bytes a cell here, however it was read. `kept` holds the 0-based positions of the kept rows in the body."""

    codes: np.ndarray
    values: np.ndarray
    kept: np.ndarray


def _number_cells(rows: Iterator[list[Any]], width: int) -> _Cells:
    """Number every distinct cell value, a chunk of rows at a time, so the sheet is never held whole. The table is
    `width` columns wide, or as wide as its widest row (a sheet read in pieces learns its width as it goes).

    Each chunk goes cell by cell, in C (`map` over a dict), into one table of codes shared by all chunks: a code
    is the order in which a value was first seen. Python holds TRUE == 1 == 1.0 (and FALSE == 0), so those cells
    are split by type: a TRUE in a Y/N column must not stand for a 1 in a count column. The table is seeded with
    FALSE and TRUE, so codes 0 and 1 gather every such cell; cells of another type than the first one seen get
    codes of their own, negative until the end as the shared table keeps growing.
    """
    table: defaultdict[Any, int] = defaultdict(itertools.count().__next__)
    for seed in (False, True, ""):  # codes 0, 1 and _BLANK_CODE ("" pads short rows)
        table[seed]
    first: dict[int, Any] = {}  # code 0 or 1 -> the first cell seen with it
    extra: dict[tuple[int, type], int] = {}
    extra_values: list[Any] = []
    parts: list[np.ndarray] = []
    kept_parts: list[np.ndarray] = []
    offset = 0
    while chunk := list(itertools.islice(rows, _CHUNK_ROWS)):
        keep = np.fromiter(map(any, chunk), dtype=bool, count=len(chunk))
        kept = np.flatnonzero(keep)
        kept_parts.append(kept + offset)
        offset += len(chunk)
        if not len(kept):
            continue
        width = max(width, max(map(len, chunk)))
        chosen = _padded(chunk if len(kept) == len(chunk) else [chunk[i] for i in kept], width)
        labels = np.fromiter(map(table.__getitem__, itertools.chain.from_iterable(chosen)), dtype=np.int32,
                             count=len(chosen) * width)
        for code in (0, 1):
            positions = np.flatnonzero(labels == code)
            if not len(positions):
                continue
            cells = [chosen[p // width][p % width] for p in positions.tolist()]
            kinds = np.array([cell.__class__ for cell in cells], dtype=object)
            canonical = first.setdefault(code, cells[0]).__class__
            for other in set(kinds.tolist()) - {canonical}:
                of_kind = kinds == other
                if (code, other) not in extra:
                    extra[(code, other)] = -1 - len(extra_values)
                    extra_values.append(cells[int(np.argmax(of_kind))])
                labels[positions[of_kind]] = extra[(code, other)]
        parts.append(labels.reshape(len(chosen), width))
    parts = [p if p.shape[1] == width else np.pad(p, ((0, 0), (0, width - p.shape[1])), constant_values=_BLANK_CODE)
             for p in parts]
    codes = np.concatenate(parts) if parts else np.empty((0, width), dtype=np.int32)
    del parts
    values = np.fromiter(table, dtype=object, count=len(table))
    values[0], values[1] = first.get(0, False), first.get(1, True)
    if extra_values:
        count = len(values)
        values = np.concatenate([values, np.fromiter(extra_values, dtype=object, count=len(extra_values))])
        for j in range(len(extra_values)):
            codes[codes == -1 - j] = count + j
    kept_rows = np.concatenate(kept_parts) if kept_parts else np.empty(0, dtype=np.int64)
    return _Cells(codes, values, kept_rows.astype(np.int64))


class _RawColumns(dict[str, np.ndarray]):
    """A table's cells as read, by column id, made on first use from the numbered cells (most columns are never
    asked for: only to show the value of a finding). An error cell reads as the text Excel shows."""

    def __init__(self, cells: _Cells) -> None:
        super().__init__()
        self.cells = cells
        self.columns: dict[str, tuple[int | None, dict[int, str]]] = {}

    def __missing__(self, column_id: str) -> np.ndarray:
        index, cell_errors = self.columns[column_id]
        if index is None:
            raw = np.full(len(self.cells.kept), "", dtype=object)
        else:
            raw = self.cells.values[self.cells.codes[:, index]]
        for position, text in cell_errors.items():
            raw[position] = text  # calamine reads an error cell as blank; keep what Excel shows
        self[column_id] = raw
        return raw


def _padded(rows: list[list[Any]], width: int) -> list[list[Any]]:
    """Rows all `width` cells long (a sheet read in pieces has rows as wide as their piece)."""
    if all(len(row) == width for row in rows):
        return rows
    return [row + [""] * (width - len(row)) for row in rows]


def _normalise_column(
    table: Table, column: Column, codes: np.ndarray, distinct_values: np.ndarray, cell_errors: dict[int, str]
) -> tuple[pd.Series, np.ndarray]:
    """Parse each distinct value of a column once, then spread values and problems back over the rows.

    `codes[row]` is the index of the row's value in `distinct_values`: everything here works on the few
    distinct values and spreads the results back with array indexing, never touching cells one by one.
    """
    distinct = distinct_values.tolist()
    normal = distinct_values.copy()  # a value already in normal form stands for itself
    blank = np.zeros(len(distinct), dtype=bool)
    problems: dict[int, tuple[Issue, ...]] = {}
    parse = parser_for(column, table.layout.codesets)
    for k in _to_parse(distinct, canonical_form(column.type) if column.codeset is None else None):
        value = distinct[k]
        if value.__class__ is str and not value.strip():
            blank[k], normal[k] = True, None
            continue
        parsed = parse(value)
        normal[k] = parsed.value
        if parsed.issues:
            problems[k] = parsed.issues
    filled = ~blank[codes]
    if problems:
        _report_issues(table, column, codes, problems)
    series = _typed(column, normal, codes)
    for position, text in cell_errors.items():
        filled[position] = True
        series.iloc[position] = None
        table.report(CELL_ERROR, [position], column.id, f"shows the Excel error {text}: type the value instead",
                     show_value=False)
    return series, filled


def _to_parse(distinct: list[Any], canonical: re.Pattern[str] | None) -> Iterable[int]:
    """Which distinct values the parser must see: all but text already in its normal form."""
    if canonical is None:
        return range(len(distinct))
    try:
        matches = list(map(canonical.fullmatch, distinct))  # the regex runs without a Python loop
    except TypeError:  # numbers or dates among the text values
        return [k for k, v in enumerate(distinct) if v.__class__ is not str or not canonical.fullmatch(v)]
    return [k for k, match in enumerate(matches) if match is None]


def _typed(column: Column, normal: np.ndarray, codes: np.ndarray) -> pd.Series:
    """The column as pandas sees it: dates as datetime64 and counts as float (blank or unreadable = missing),
    so rules compare whole columns. Built from the distinct values, then spread over the rows by index."""
    if column.type in _DATE_TYPES:
        seconds = np.fromiter(map(_seconds, normal), dtype=np.int64, count=len(normal))
        return pd.Series(seconds[codes].view("datetime64[s]"), copy=False)
    series = pd.Series(normal[codes], dtype=object, copy=False)
    return series.astype("float64") if column.type in _NUMBER_TYPES else series


def _seconds(day: dt.date | None) -> int:
    return _NAT if day is None else (day.toordinal() - _EPOCH_ORDINAL) * 86400


def _report_issues(
    table: Table, column: Column, codes: np.ndarray, problems: dict[int, tuple[Issue, ...]]
) -> None:
    """One finding per affected cell, grouped so each distinct problem text is built once."""
    has_problem = np.zeros(codes.max() + 1, dtype=bool)
    has_problem[list(problems)] = True
    by_issue: dict[tuple[int, str, str], tuple[list[int], list[Issue]]] = {}
    affected = np.flatnonzero(has_problem[codes])
    # In a stack, each sheet's cells are grouped on their own, as when the sheet is checked alone: whether a
    # group's findings carry their fixes is decided over the group.
    owners = np.zeros(len(affected), dtype=np.intp) if table.sheet_of is None else table.sheet_of[affected]
    for position, owner in zip(affected.tolist(), owners.tolist(), strict=True):
        for issue in problems[int(codes[position])]:
            positions, issues = by_issue.setdefault((owner, issue.code, issue.text), ([], []))
            positions.append(position)
            issues.append(issue)
    for (_, code, text), (positions, issues) in by_issue.items():
        rule = get_rule(code)
        fixable = all(issue.fixable for issue in issues)
        table.report(rule, positions, column.id, text, fix_values=[i.fix for i in issues] if fixable else None)
