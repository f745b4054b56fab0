"""Run every check on one sheet, or on many sheets at once: normalise into a table, then apply the checks of
its layout."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from pathlib import Path

from calaimfiles.reading.header import HeaderMatch
from calaimfiles.reading.workbook import Sheet
from calaimfiles.rules.registry import checks_for, declare_all
from calaimfiles.rules.structure import structure_findings
from calaimfiles.rules.table import Options, Table, build_stack, build_table, stack_key

# Whoever imports the engine is about to check a file: load every rule now (validate imports the engine while
# the sheets are still being read, so this costs no time of its own).
declare_all()


def check_sheet(path: Path, sheet: Sheet, header: HeaderMatch, as_of: dt.date, period: dt.date | None) -> Table:
    """The sheet's table with every single-file finding (header and file findings first); the table is kept
    so that checks across files can add theirs."""
    table = build_table(sheet, header, Options(as_of=as_of, period=period))
    for check in checks_for(table):
        check(table)
    table.findings[:0] = structure_findings(path, sheet.name, header, len(table))
    return table


def check_sheets(
    sheets: Sequence[tuple[Path, Sheet, HeaderMatch]], as_of: dt.date, period: dt.date | None
) -> list[Table]:
    """What `check_sheet` gives for each sheet, in order, with the sheets of one layout whose headers map the
    same columns checked as one stack (`build_stack`): many small files cost little more than one."""
    options = Options(as_of=as_of, period=period)
    groups: dict[Hashable, list[int]] = {}
    for n, (_, _, header) in enumerate(sheets):
        groups.setdefault(stack_key(header), []).append(n)
    tables: dict[int, Table] = {}
    for members in groups.values():
        stack = build_stack([(sheets[n][1], sheets[n][2]) for n in members], options)
        for check in checks_for(stack):
            check(stack)
        for n, table in zip(members, stack.sheets or [stack], strict=True):
            path, sheet, header = sheets[n]
            table.findings[:0] = structure_findings(path, sheet.name, header, len(table))
            tables[n] = table
    return [tables[n] for n in range(len(sheets))]
