"""Find the header row of a sheet and the layout it belongs to.

Plan templates put title rows above the header, rename a column or two and add their own columns, so
the header is searched in the first rows and scored against every layout: the layout whose columns explain
most of the header cells, and most of whose columns are present, wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from calaimfiles.layouts import Layout, header_key

HEADER_SEARCH_ROWS = 20
MIN_MATCHED_COLUMNS = 3
MIN_LAYOUT_COVERAGE = 0.3
SHEET_NAME_BONUS = 0.05


@dataclass
class HeaderMatch:
    """Where a layout's header is and which sheet column holds each layout column (0-based indexes)."""

    layout: Layout
    header_row: int
    columns: dict[str, int]
    unknown: list[tuple[int, str]] = field(default_factory=list)
    repeated: list[tuple[int, str]] = field(default_factory=list)
    score: float = 0.0

    @property
    def missing(self) -> list[str]:
        return [c.id for c in self.layout.columns if c.id not in self.columns]


def _labels(row: Sequence[Any]) -> list[tuple[int, str, str]]:
    """The text cells of a row: (index, text, header key), worked out once for every layout."""
    return [(index, cell.strip(), header_key(cell)) for index, cell in enumerate(row)
            if isinstance(cell, str) and cell.strip()]


def match_row(
    layout: Layout, lookup: dict[str, str], labels: list[tuple[int, str, str]], row_index: int, sheet_name: str = ""
) -> HeaderMatch:
    """Score one row (its `_labels`) as the header of `layout`, whose `Layout.header_lookup` is `lookup`."""
    columns: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    repeated: list[tuple[int, str]] = []
    for index, text, key in labels:
        column_id = lookup.get(key)
        if column_id is None:
            unknown.append((index, text))
        elif column_id in columns:
            repeated.append((index, column_id))
        else:
            columns[column_id] = index
    matched = len(columns)
    if matched == 0:
        return HeaderMatch(layout, row_index, columns, unknown, repeated, 0.0)
    precision = matched / len(labels)
    recall = matched / len(layout.columns)
    score = 2 * precision * recall / (precision + recall)
    if _names_sheet(layout, sheet_name):
        score += SHEET_NAME_BONUS
    return HeaderMatch(layout, row_index, columns, unknown, repeated, score)


def find_header(
    rows: Sequence[Sequence[Any]], layouts: Sequence[Layout], sheet_name: str = ""
) -> HeaderMatch | None:
    """The best (row, layout) pair among the first rows, or None when no row looks like a known header.

    The search stops at a row no later row can beat: every cell a column of the layout and every column there
    (with the sheet-name bonus when a layout could earn it), as in a file written from the template itself.
    """
    best: HeaderMatch | None = None
    lookups = [(layout, layout.header_lookup) for layout in layouts]
    highest = 1 + (SHEET_NAME_BONUS if any(_names_sheet(layout, sheet_name) for layout in layouts) else 0)
    for row_index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if best is not None and best.score >= highest:
            break
        labels = _labels(row)
        if len(labels) < MIN_MATCHED_COLUMNS:
            continue
        for layout, lookup in lookups:
            candidate = match_row(layout, lookup, labels, row_index, sheet_name)
            recall = len(candidate.columns) / len(layout.columns)
            if len(candidate.columns) < MIN_MATCHED_COLUMNS or recall < MIN_LAYOUT_COVERAGE:
                continue
            if best is None or candidate.score > best.score:
                best = candidate
    return best


def _names_sheet(layout: Layout, sheet_name: str) -> bool:
    """The sheet has one of the names the layout's template gives it."""
    return sheet_name.strip().casefold() in {n.casefold() for n in layout.sheet_names}
