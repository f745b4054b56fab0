"""Run every check on one sheet: normalise it into a table, then apply the checks of its layout."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from calaimfiles.reading.header import HeaderMatch
from calaimfiles.reading.workbook import Sheet
from calaimfiles.rules.registry import checks_for, declare_all
from calaimfiles.rules.structure import structure_findings
from calaimfiles.rules.table import Options, Table, build_table

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
