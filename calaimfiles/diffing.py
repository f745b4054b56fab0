"""Compare files of one layout month to month: who was added, removed or changed, which moves make no sense
(reference section 9), and rule C3 (the room-and-board cap) across several months of CSPRTF.

Pure functions over normalised tables: they never print, write or touch a table's own findings. Members are
matched by the layout's key (CIN, or CIN + service); a row whose key is incomplete or repeats an earlier row's
cannot be matched and is listed as not compared (`validate` reports why). Columns that hold one value for the
whole file (provider, production date, reporting period) are compared once per file, not per member.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from calaimfiles.building import most_common
from calaimfiles.findings import Finding, cell_name
from calaimfiles.layouts import CodeSet, Column, Layout
from calaimfiles.rules.community import C3, over_room_and_board_cap, room_and_board_stays
from calaimfiles.rules.registry import Rule, get_rule
from calaimfiles.rules.table import Table
from calaimfiles.rules.transitions import STATUS, load_transitions, statuses

Key = tuple[Any, ...]


@dataclass(frozen=True)
class Change:
    """One column whose value differs; `old` and `new` are normalised values (None for blank)."""

    column: Column
    old: Any
    new: Any


@dataclass(frozen=True)
class Member:
    """A member found in one of the two files only, at this Excel row."""

    key: Key
    row: int


@dataclass(frozen=True)
class ChangedMember:
    """A member in both files, at these Excel rows, whose values differ."""

    key: Key
    old_row: int
    new_row: int
    changes: tuple[Change, ...]


@dataclass
class FileDiff:
    """The differences between an older and a newer file of one layout. `findings` (the moves that make no
    sense) are on the newer file's rows."""

    layout: Layout
    file_changes: list[Change]
    added: list[Member]
    removed: list[Member]
    changed: list[ChangedMember]
    not_compared_old: list[int]
    not_compared_new: list[int]
    findings: list[Finding]


@dataclass
class _Side:
    """One file's records, and the position of each member's row by key."""

    table: Table
    records: list[dict[str, Any]]
    positions: dict[Key, int]
    not_compared: list[int]

    def row(self, position: int) -> int:
        return int(self.table.excel_rows[position])


def _side(table: Table) -> _Side:
    records = table.records()
    positions: dict[Key, int] = {}
    not_compared = []
    for position, record in enumerate(records):
        key = tuple(record[k] for k in table.layout.key)
        if None in key or key in positions:
            not_compared.append(int(table.excel_rows[position]))
        else:
            positions[key] = position
    return _Side(table, records, positions, not_compared)


def diff_tables(old: Table, new: Table) -> FileDiff:
    """Member-level differences from `old` to `new` (two files of one layout), with the flagged moves."""
    if old.layout.name != new.layout.name:
        raise ValueError(f"cannot compare a {old.layout.name} with a {new.layout.name}")
    layout = new.layout
    before, after = _side(old), _side(new)
    shared = [c for c in layout.columns if old.has(c.id) and new.has(c.id) and c.id not in layout.key]
    per_file = [c for c in shared if c.same_every_row]
    per_member = [c for c in shared if not c.same_every_row]
    file_changes = [
        Change(c, was, now) for c in per_file
        if (was := most_common(before.records, c.id)) != (now := most_common(after.records, c.id))
    ]
    matched = {key: (before.positions[key], p) for key, p in after.positions.items() if key in before.positions}
    pairs = list(matched.values())
    changed = []
    for key, (o, n) in matched.items():
        changes = tuple(
            Change(c, before.records[o][c.id], after.records[n][c.id]) for c in per_member
            if before.records[o][c.id] != after.records[n][c.id]
        )
        if changes:
            changed.append(ChangedMember(key, before.row(o), after.row(n), changes))
    return FileDiff(
        layout=layout,
        file_changes=file_changes,
        added=[Member(k, after.row(p)) for k, p in after.positions.items() if k not in before.positions],
        removed=[Member(k, before.row(p)) for k, p in before.positions.items() if k not in after.positions],
        changed=changed,
        not_compared_old=before.not_compared,
        not_compared_new=after.not_compared,
        findings=sorted(_moves(before, after, pairs) + _restarts(before, after, pairs), key=lambda f: f.row or 0),
    )


def _moves(before: _Side, after: _Side, pairs: list[tuple[int, int]]) -> list[Finding]:
    """Status moves of the transitions table, e.g. Discontinued back to Pending Outreach."""
    layout = after.table.layout
    moves = load_transitions().moves_for(layout.name)
    if not moves or not (before.table.has(STATUS) and after.table.has(STATUS)):
        return []
    codeset = layout.codeset_of(STATUS)
    found = []
    for move in moves:
        was_in, now_in = statuses(codeset, move.old), statuses(codeset, move.new)
        for o, n in pairs:
            was, now = before.records[o][STATUS], after.records[n][STATUS]
            if was in was_in and now in now_in:
                found.append(_flag(after.table, get_rule(move.code), n, STATUS,
                                   f"{move.message} (row {before.row(o)})",
                                   f"{_status_name(codeset, was)} -> {_status_name(codeset, now)}"))
    return found


def _restarts(before: _Side, after: _Side, pairs: list[tuple[int, int]]) -> list[Finding]:
    """A start date that changed while the older file shows no end: a second enrollment over an open one."""
    layout = after.table.layout
    found = []
    for restart in load_transitions().restarts_for(layout.name):
        serving = statuses(layout.codeset_of(STATUS), restart.status)
        end = "end date" if restart.end is None else layout.column(restart.end).name
        for o, n in pairs:
            was, now = before.records[o], after.records[n]
            started, starts = was[restart.start], now[restart.start]
            if (now[STATUS] in serving and started is not None and starts is not None and starts != started
                    and (restart.end is None or was[restart.end] is None)):
                found.append(_flag(after.table, get_rule(restart.code), n, restart.start,
                                   f"changed although the earlier one (older file, row {before.row(o)}) has no "
                                   f"{end}: end it first, or keep the start date",
                                   f"{_shown(started)} -> {_shown(starts)}"))
    return found


def _status_name(codeset: CodeSet, code: Any) -> str:
    """`5 (Discontinued)`; a code outside the set as it was written."""
    label = next((v.label for v in codeset.values if v.code == code), None)
    return f"{code} ({label})" if label else str(code)


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _flag(table: Table, rule: Rule, position: int, column_id: str, text: str, value: str | None = None) -> Finding:
    """A finding on one row of `table`, placed as `Table.report` places it, without adding it to the table."""
    column = table.column(column_id)
    row = int(table.excel_rows[position])
    index = table.header.columns.get(column_id)
    return Finding(code=rule.code, severity=rule.severity, message=f"{column.name} {text}", sheet=table.sheet,
                   row=row, column=column.name, cell=cell_name(row, index) if index is not None else None,
                   value=value, member_data=column.member)


def reporting_month(table: Table) -> dt.date | None:
    """The month a file reports on (its reporting period, else its production date); None when unknown."""
    column_id = table.layout.reporting_period or table.layout.production_date
    if column_id is None or not table.has(column_id):
        return None
    value = table.most_common(column_id)
    return None if value is None else value.date()


def in_month_order(tables: Sequence[Table]) -> list[int]:
    """Positions of `tables` from the oldest month to the newest, so the order of the arguments does not matter;
    files of one month keep their order, and all keep it when any file's month is unknown."""
    months = [reporting_month(t) for t in tables]
    known = [m for m in months if m is not None]
    if len(known) < len(months):
        return list(range(len(tables)))
    return sorted(range(len(tables)), key=known.__getitem__)


def check_room_and_board(tables: Sequence[Table]) -> list[list[Finding]]:
    """Rule C3 across several months of CSPRTF: per member, the room-and-board service days of every file
    together (an open stay runs to the end of its file's reporting period), against the cap in any window.

    Across months the cap is judged on the member's whole history, so it is an error (within one file it is
    only a warning). Each member over the cap is reported once, on the row that starts the latest stay, in the
    newest file that shows it. Returns the findings of each table, in the order given.
    """
    found: list[list[Finding]] = [[] for _ in tables]
    if not tables:
        return found
    if {t.layout.name for t in tables} != {"CSPRTF"}:
        raise ValueError("the room-and-board cap is checked across CSPRTF files only")
    order = in_month_order(tables)
    stays = pd.concat(
        [room_and_board_stays(tables[i]).rename_axis("position").reset_index().assign(file=i, rank=rank)
         for rank, i in enumerate(order)],
        ignore_index=True,
    )
    months = [reporting_month(tables[i]) for i in (order[0], order[-1])]
    span = f" (counted across {len(tables)} files" + (
        f", {months[0]:%m/%Y} to {months[1]:%m/%Y})" if months[0] and months[1] else ")")
    for member, text in over_room_and_board_cap(stays, tables[0].layout):
        latest = member.sort_values(["start", "rank"]).iloc[-1]
        file = int(latest["file"])
        found[file].append(_flag(tables[file], C3, int(latest["position"]), "service_start", text + span))
    return found
