"""Checks every layout shares, driven entirely by the layout data: required and conditional cells, values
that must agree on every row, duplicate keys, dates in the future and dates of birth.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from calaimfiles.findings import Finding, Severity
from calaimfiles.layouts import Condition, FieldType
from calaimfiles.layouts.describe import code_names, explain_conditions
from calaimfiles.rules.registry import get_rule, register, table_check
from calaimfiles.rules.table import Table

_S1 = "reference §1"
REQUIRED = register(
    "REQUIRED", "Required cell is blank", severity=Severity.ERROR, source=_S1,
    summary="A column the plan requires on every row is blank on this row.",
    example="a blank Member ECM Status",
)
REQUIRED_IF = register(
    "REQUIRED-IF", "Cell required by another column is blank", severity=Severity.ERROR, source=_S1,
    summary="This row's other values make the column required (e.g. a phone number when New Phone Number "
    "Indicator is Y), but it is blank.",
    example="Member New Phone Number Indicator `Y` with a blank Member Phone Number",
)
VALUE_IGNORED = register(
    "VALUE-IGNORED", "Value the plan will ignore", severity=Severity.WARNING, source=_S1,
    summary="A conditional column is filled although its condition does not hold, so the plan ignores it; "
    "check whether the condition column is wrong.",
    example="a Member Phone Number while Member New Phone Number Indicator is `N`",
)
DATE_FUTURE = register(
    "DATE-FUTURE", "Date in the future", severity=Severity.ERROR, source="reference §2",
    summary="No date may be later than the file's production date or the day of the check (`--as-of`); "
    "the CSASF's authorization dates are the exception.",
    example="an ECM Enrollment Start Date after the file's production date",
)
DOB_RANGE = register(
    "DOB-RANGE", "Impossible date of birth", severity=Severity.ERROR, source="reference §2",
    summary="A date of birth lies in the past and at most 120 years back.",
    example="Member Date of Birth `01/01/1890`",
)
SAME_VALUE_RULES = {
    layout: register(
        f"{layout}-SAME-VALUE", f"{layout} file-level value differs", severity=Severity.ERROR, layouts=(layout,),
        source="reference §5, §6, §10",
        summary="Columns such as the provider NPI and the production date hold one value for the whole file; "
        "rows that differ from the most common value are reported.",
        example="one row with another File Production Date than the rest",
    )
    for layout in ("MIF", "CSASF", "CSPRTF")
}
DUPLICATE_RULES = {
    layout: register(
        f"{layout}-DUPLICATE", f"Duplicate {layout} row", severity=Severity.ERROR, layouts=(layout,),
        source="reference §5, §10",
        summary="The same member (and service) appears twice; every occurrence after the first is reported.",
        example="the same CIN on rows 5 and 90",
    )
    for layout in ("MIF", "CSASF")
}

DOB_MAX_AGE_YEARS = 120


def condition_mask(table: Table, conditions: Sequence[Condition]) -> np.ndarray:
    """Rows on which every clause holds."""
    mask = np.ones(len(table), dtype=bool)
    for clause in conditions:
        values = table.frame[clause.column]
        if clause.filled is not None:
            holds = table.filled[clause.column] == clause.filled
        elif clause.greater_than is not None:
            holds = (values > clause.greater_than).to_numpy(dtype=bool, na_value=False)
        else:
            if clause.role or clause.flag:
                codeset = table.layout.codeset_of(clause.column)
                codes = codeset.codes_with_role(*clause.role) | (
                    codeset.codes_with_flag(clause.flag) if clause.flag else frozenset()
                )
            else:
                codes = frozenset(clause.equals)
            holds = values.isin(codes).to_numpy(dtype=bool)
        mask &= ~holds if clause.negate else holds
    return mask


def readable(table: Table, column_id: str) -> np.ndarray:
    """Rows where the column is blank or holds a value that could be read (so conditions on it are known)."""
    return ~table.filled[column_id] | table.frame[column_id].notna().to_numpy()


@table_check()
def check_required(table: Table) -> None:
    for column in table.layout.columns:
        if column.id not in table.header.columns or not (column.required or column.required_if):
            continue
        if not all(table.has(c.column) for c in column.required_if + column.unless):
            continue
        blank = ~table.filled[column.id]
        exempt = condition_mask(table, column.unless) if column.unless else np.zeros(len(table), dtype=bool)
        if column.required:
            rule = get_rule(column.required_rule) if column.required_rule else REQUIRED
            positions = np.flatnonzero(blank & ~exempt)
            if column.default is None:
                table.report(rule, positions, column.id, "is required but blank")
            else:
                table.report(rule, positions, column.id,
                             f"is required but blank; the plan rejects the file, and if unsure enter {column.default}",
                             fix_values=[column.default] * len(positions))
        else:
            _check_conditional(table, column.id, blank, exempt)


def _check_conditional(table: Table, column_id: str, blank: np.ndarray, exempt: np.ndarray) -> None:
    column = table.column(column_id)
    applies = condition_mask(table, column.required_if)
    known = np.ones(len(table), dtype=bool)
    for clause in column.required_if:
        known &= readable(table, clause.column)
    rule = get_rule(column.required_rule) if column.required_rule else REQUIRED_IF
    because = explain_conditions(table.layout, column.required_if)
    table.report(rule, np.flatnonzero(applies & blank & ~exempt), column_id,
                 f"is required when {because}, but it is blank")
    ignored = ~applies & known & ~blank & ~exempt
    table.report(VALUE_IGNORED, np.flatnonzero(ignored), column_id,
                 f"is only used when {because}; on this row the plan ignores it")


@table_check(whole_file=True)
def check_same_value(table: Table) -> None:
    rule = get_rule(table.layout.same_value_rule)
    for column in table.layout.columns:
        if not column.same_every_row or column.id not in table.header.columns:
            continue
        common = table.most_common(column.id)
        if common is None:
            continue
        values = table.frame[column.id].to_numpy()  # numpy rather than pandas: a small sheet costs far less
        differs = pd.notna(values) & (values != (common.to_datetime64() if isinstance(common, pd.Timestamp)
                                                 else common))
        shown = _format_value(common, column.type)
        table.report(rule, np.flatnonzero(differs), column.id,
                     f"must be the same on every row; most rows have {shown}")


def _format_value(value: object, field_type: FieldType) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%m/%Y" if field_type is FieldType.PERIOD else "%m/%d/%Y")
    return str(value)


@table_check(whole_file=True)
def check_duplicate_keys(table: Table) -> None:
    key = list(table.layout.key)
    if not table.has(*key):
        return
    columns = [table.frame[k].to_numpy() for k in key]
    complete = np.flatnonzero(np.logical_and.reduce([pd.notna(values) for values in columns]))
    groups = np.zeros(len(complete), dtype=np.int64)  # rows with equal keys share a number
    for values in columns:
        codes, distinct = pd.factorize(values[complete])
        groups, _ = pd.factorize(groups * len(distinct) + codes)
    _, first = np.unique(groups, return_index=True)
    repeats = np.flatnonzero(first[groups] != np.arange(len(groups)))
    if not len(repeats):
        return
    rule = get_rule(table.layout.duplicate_rule)
    names = " + ".join(table.column(k).name for k in key)
    severity = Severity.parse(table.layout.duplicate_severity)
    for n in repeats.tolist():
        earlier = int(table.excel_rows[complete[first[groups[n]]]])
        table.report(rule, [int(complete[n])], key[0], f"{names} repeats row {earlier}: each appears once per file",
                     severity=severity)


def date_limit(table: Table) -> tuple[dt.date, str]:
    """The latest date a cell may hold: the production date when there is one (and it is not itself in the
    future), else the day of the check."""
    as_of = table.options.as_of
    if table.layout.production_date and table.has(table.layout.production_date):
        produced = table.most_common(table.layout.production_date)
        if produced is not None and produced.date() <= as_of:
            return produced.date(), f"the file's production date ({produced:%m/%d/%Y})"
    return as_of, f"today ({as_of:%m/%d/%Y})"


@table_check(whole_file=True)
def check_future_dates(table: Table) -> None:
    limit, limit_text = date_limit(table)
    as_of = table.options.as_of
    exempt = set(table.layout.parameters.get("future_dates_allowed", ()))
    for column in table.layout.columns:
        if column.type is not FieldType.DATE or column.id in exempt or column.id not in table.header.columns:
            continue
        values = table.frame[column.id].to_numpy()  # datetime64: a blank (NaT) is never late
        if column.id == table.layout.production_date:
            late = values > np.datetime64(as_of)
            text = f"is in the future (after today, {as_of:%m/%d/%Y})"
        else:
            late = values > np.datetime64(limit)
            text = f"is after {limit_text}"
        table.report(DATE_FUTURE, np.flatnonzero(late), column.id, text)


@table_check(needs=("dob",))
def check_date_of_birth(table: Table) -> None:
    as_of = table.options.as_of
    earliest = pd.Timestamp(as_of.replace(year=as_of.year - DOB_MAX_AGE_YEARS) if not (
        as_of.month == 2 and as_of.day == 29) else dt.date(as_of.year - DOB_MAX_AGE_YEARS, 2, 28))
    values = table.frame["dob"]
    too_old = (values < earliest).to_numpy(dtype=bool, na_value=False)
    table.report(DOB_RANGE, np.flatnonzero(too_old), "dob", f"is more than {DOB_MAX_AGE_YEARS} years ago")


@table_check(whole_file=True)
def check_absent_column_groups(table: Table) -> None:
    """A column group absent as a whole (an older template) is worth one warning from the period it was added."""
    for group in table.layout.column_groups:
        if group.absent_rule is None or group.absent_from is None or any(table.has(c) for c in group.columns):
            continue
        period = _reporting_month(table)
        since = dt.date.fromisoformat(group.absent_from)
        if period is None or period < since:
            continue
        rule = get_rule(group.absent_rule)
        names = ", ".join(table.column(c).name for c in group.columns)
        table.findings.append(Finding(
            rule.code, rule.severity,
            f"The header row has none of the columns {names}: the plan's template for reporting periods from "
            f"{since:%m/%Y} has them; use the plan's current template.",
            sheet=table.sheet, row=table.header.header_row + 1, member_data=False,
        ))


def _reporting_month(table: Table) -> dt.date | None:
    """The file's reporting month: its period column, else `--period`, else its production date's month."""
    for column_id in (table.layout.reporting_period, table.layout.production_date):
        if column_id and table.has(column_id):
            value = table.most_common(column_id)
            if value is not None:
                return dt.date(value.year, value.month, 1)
        if column_id == table.layout.reporting_period and table.options.period is not None:
            return table.options.period.replace(day=1)
    return None


def with_role(table: Table, column_id: str, *roles: str) -> np.ndarray:
    """Rows whose code in `column_id` has one of these roles (e.g. the status that means Enrolled)."""
    return condition_mask(table, [Condition(column=column_id, role=roles)])


def with_flag(table: Table, column_id: str, flag: str) -> np.ndarray:
    """Rows whose code in `column_id` carries this flag (e.g. every status that ends ECM)."""
    return condition_mask(table, [Condition(column=column_id, flag=flag)])


def status_names(table: Table, column_id: str, roles: Sequence[str] = (), flag: str | None = None) -> str:
    return ", ".join(code_names(table.layout, column_id, roles, flag))


def first_row_with(table: Table, column_id: str, value: object) -> int:
    """Position of the first row holding `value`: where a file-level finding is shown once."""
    matches = np.flatnonzero((table.frame[column_id] == value).to_numpy(dtype=bool, na_value=False))
    return int(matches[0])
