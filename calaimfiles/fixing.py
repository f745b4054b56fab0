"""Apply the validator's safe fixes to a copy of a workbook: plan them from the findings, then patch the cells.

This is the library behind `calaimfiles fix`; it never prints. Only findings that carry a `Fix` are applied,
and a cell is changed only when every fix offered for it agrees on the new value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from calaimfiles.findings import Finding, column_number
from calaimfiles.paths import input_problem
from calaimfiles.reading.workbook import EXCEL_SUFFIXES, READABLE_SUFFIXES
from calaimfiles.validate import InputError, SheetResult
from calaimfiles.writing.output import atomic_output
from calaimfiles.writing.patch import CellValue, PatchError, patch_workbook


def check_fixable(path: Path) -> None:
    """Only Excel workbooks can be patched; other files are converted first (InputError otherwise). A path that
    is not a readable file is refused first, from its `stat` alone."""
    if (problem := input_problem(path)) is not None:
        raise InputError(problem)
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return
    if path.suffix.lower() in READABLE_SUFFIXES:
        raise InputError(f"only .xlsx and .xlsm workbooks can be fixed; make one first with "
                         f"`calaimfiles convert {path.name} --to xlsx`")
    raise InputError("only .xlsx and .xlsm workbooks can be fixed")


@dataclass(frozen=True)
class CellFix:
    """One cell to change: `before` is the finding's view of the old value (None when blank)."""

    sheet: str
    cell: str
    row: int
    before: str | None
    after: CellValue
    codes: tuple[str, ...]
    member_data: bool


@dataclass(frozen=True)
class NotFixed:
    """A cell with fixes offered that was left as it was, and why."""

    sheet: str
    cell: str
    codes: tuple[str, ...]
    reason: str


@dataclass
class FixPlan:
    """The fixes to apply and the cells whose fixes disagree (left alone)."""

    fixes: list[CellFix] = field(default_factory=list)
    not_fixed: list[NotFixed] = field(default_factory=list)


def plan_fixes(results: Sequence[SheetResult]) -> FixPlan:
    """One change per cell from the findings that offer a fix; cells offered different values are skipped."""
    plan = FixPlan()
    for result in results:
        by_cell: dict[str, list[Finding]] = {}
        for finding in result.findings:
            if finding.fix is not None and finding.cell:
                by_cell.setdefault(finding.cell, []).append(finding)
        for cell, findings in by_cell.items():
            codes = tuple(sorted({f.code for f in findings}))
            values = [f.fix.value for f in findings if f.fix is not None]
            if any(not _same(v, values[0]) for v in values[1:]):
                plan.not_fixed.append(NotFixed(result.sheet, cell, codes, "the fixes offered disagree"))
                continue
            first = findings[0]
            before = next((f.value for f in findings if f.value is not None), None)
            plan.fixes.append(CellFix(result.sheet, cell, first.row or 0, before, _cell_value(values[0]), codes,
                                      first.member_data))
    plan.fixes.sort(key=lambda f: (f.sheet, f.row, column_number(f.cell)))
    return plan


def _same(a: object, b: object) -> bool:
    """Equal and of the same type: the text '1' and the number 1 are different fixes."""
    return type(a) is type(b) and a == b


def _cell_value(value: object) -> CellValue:
    if isinstance(value, bool) or not isinstance(value, str | int | float | dt.date):
        raise TypeError(f"a fix must be text, a number or a date, not {type(value).__name__}")
    return value


@dataclass
class FixOutcome:
    """What was written: the changes made and the cells left as they were."""

    applied: list[CellFix]
    not_fixed: list[NotFixed]
    dropped_members: list[str] = field(default_factory=list)
    """Package members left out because their names point outside the package (`../../x`)."""


def write_fixed(source: Path, destination: Path, plan: FixPlan) -> FixOutcome:
    """Write `source` with the plan's fixes to `destination`, atomically. The source is only read.

    Raises InputError when the workbook package cannot be patched; OSError when the destination cannot be
    written. The caller checks the destination first (`check_destination`).
    """
    check_fixable(source)
    edits: dict[str, dict[str, CellValue]] = {}
    for fix in plan.fixes:
        edits.setdefault(fix.sheet, {})[fix.cell] = fix.after
    dropped: list[str] = []
    try:
        with atomic_output(destination) as partial:
            skipped = patch_workbook(source, partial, edits, dropped)
    except PatchError as error:
        raise InputError(str(error)) from None
    applied = [f for f in plan.fixes if (f.sheet, f.cell) not in skipped]
    left = [NotFixed(f.sheet, f.cell, f.codes, skipped[(f.sheet, f.cell)]) for f in plan.fixes
            if (f.sheet, f.cell) in skipped]
    return FixOutcome(applied, plan.not_fixed + left, dropped)
