"""Submission windows (reference section 1): does the plan take a return file of this reporting period on the
day it is checked, and which deadlines come next.

`as_of` is already a California calendar day (`today_in_california`), so a file uploaded at 23:30 Pacific on
the 10th is judged as the 10th although it is the 11th in UTC. The windows, sending days and yearly deadlines
are data (the layouts' `[window]` tables and parameters, `calendar.toml`); the date arithmetic is kept in small
pure functions that `calaimfiles calendar` shares with the checks.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from dataclasses import dataclass

import pandas as pd

from calaimfiles.findings import Finding, Severity
from calaimfiles.layouts import Window, all_layouts, load_calendar, load_layout
from calaimfiles.rules.columns import first_row_with
from calaimfiles.rules.registry import register, table_check
from calaimfiles.rules.table import Table

_S1 = "reference §1"
_WINDOWED = tuple(layout.name for layout in all_layouts() if layout.window is not None)
WINDOW_GRACE = register(
    "WINDOW-GRACE", "Return file after its due day", severity=Severity.WARNING, layouts=_WINDOWED, source=_S1,
    summary="The file of the reporting period was due by the 5th of the following month; the plan still accepts "
    "it until the 10th (RTF and OTF). Upload it now.",
    example="an RTF for period 10/2026 checked on 11/06/2026",
)
WINDOW_LATE = register(
    "WINDOW-LATE", "Return file after its window closed", severity=Severity.ERROR, layouts=_WINDOWED, source=_S1,
    summary="The plan declines the file after the last accepted day (the 10th for the RTF and OTF, the 5th for the "
    "CSPRTF, which has no grace period); the month's updates go in the next period's file.",
    example="an RTF for period 10/2026 checked on 11/11/2026",
)
PERIOD_FUTURE = register(
    "PERIOD-FUTURE", "Reporting period not over", severity=Severity.ERROR, layouts=_WINDOWED, source=_S1,
    summary="A return file reports a month that has ended: a period of the current month or later is a wrong "
    "period, or a file sent too early.",
    example="an RTF for period 11/2026 checked on 11/20/2026",
)
PERIOD_OLD = register(
    "PERIOD-OLD", "Reporting period too old", severity=Severity.ERROR, layouts=_WINDOWED, source=_S1,
    summary="The reporting period is more than a month before the month of the check: its window has passed, so "
    "the period is wrong or the file is a month late.",
    example="an RTF for period 08/2026 checked on 11/03/2026",
)


def month_day(year: int, month: int, day: int) -> dt.date:
    """Day `day` of a month, or its last day when the month is shorter: the 29th of February 2027 is the 28th."""
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after the month of `day` (before it when negative)."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Calendar months from the month of `earlier` to the month of `later`."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def ordinal(day: int) -> str:
    """1st, 2nd, 15th, 29th: how the plans write their deadlines."""
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def is_sending_day(day: dt.date, days: list[int]) -> bool:
    """One of the plan's sending days, where a day past the month's end (the 29th in February) is its last day."""
    return any(day == month_day(day.year, day.month, d) for d in days)


@dataclass(frozen=True)
class SubmissionWindow:
    """The days the plan takes the file of one reporting period (the first day of its month)."""

    period: dt.date
    due: dt.date
    last_day: dt.date


def submission_window(period: dt.date, window: Window) -> SubmissionWindow:
    """When the file of `period` is due, and the last day the plan accepts it."""
    month = add_months(period, window.months_after_period)
    return SubmissionWindow(
        period.replace(day=1),
        month_day(month.year, month.month, window.due_day),
        month_day(month.year, month.month, window.accepted_until_day),
    )


def next_window(day: dt.date, window: Window) -> SubmissionWindow:
    """The first window still open on `day`: where the updates of a file prepared that day belong."""
    current = submission_window(add_months(day, -window.months_after_period), window)
    return current if day <= current.last_day else submission_window(add_months(current.period, 1), window)


class Timing(enum.Enum):
    """How a file of one reporting period, submitted on one day, stands against its window."""

    NOT_ENDED = "the period has not ended"
    ON_TIME = "on time"
    GRACE = "after the due day, still accepted"
    LATE = "after the last accepted day"
    OLD = "after the month of its window"


def timing(period: dt.date, day: dt.date, window: Window) -> Timing:
    """Where `day` falls for the file of `period`; each edge day belongs to the earlier, milder side."""
    own = submission_window(period, window)
    if day < add_months(period, 1):
        return Timing.NOT_ENDED
    if day <= own.due:
        return Timing.ON_TIME
    if day <= own.last_day:
        return Timing.GRACE
    if months_between(period, day) > window.months_after_period:
        return Timing.OLD
    return Timing.LATE


def _day(day: dt.date) -> str:
    return f"{day:%m/%d/%Y}"


@table_check(whole_file=True)
def check_window(table: Table) -> None:
    """Judge the file's reporting period (the OTF has none: `--period` stands in) against the day of the check."""
    window = table.layout.window
    found = _reported_period(table) if window is not None else None
    if window is None or found is None:
        return
    period, position = found
    today = table.options.as_of
    when = timing(period, today, window)
    if when is Timing.ON_TIME:
        return
    own = submission_window(period, window)
    named = f"{period:%m/%Y}"
    if when is Timing.NOT_ENDED:
        rule = PERIOD_FUTURE
        ahead = "in the future" if months_between(today, period) > 0 else "a month that has not ended yet"
        text = f"is {named}, {ahead} (today is {_day(today)}): that file is due {_day(own.due)}"
    elif when is Timing.GRACE:
        rule = WINDOW_GRACE
        text = f"is {named}: that file was due {_day(own.due)}; the plan still accepts it until {_day(own.last_day)}"
    else:
        coming = next_window(today, window)
        rule = PERIOD_OLD if when is Timing.OLD else WINDOW_LATE
        ago = f", {months_between(period, today)} months ago" if when is Timing.OLD else ""
        text = (f"is {named}{ago}: the window for period {named} closed on {_day(own.last_day)}; this month's "
                f"updates go in the {coming.period:%m/%Y} file, due {_day(coming.due)}")
    column = table.layout.reporting_period
    if position is not None and column is not None:
        table.report(rule, [position], column, text)
    else:
        table.findings.append(Finding(rule.code, rule.severity, f"The reporting period given with --period {text}.",
                                      sheet=table.sheet, member_data=False))


def _reported_period(table: Table) -> tuple[dt.date, int | None] | None:
    """The file's reporting period and the row to show it on; without a readable period column, `--period`
    (shown on no row), else None."""
    column = table.layout.reporting_period
    if column is not None and table.has(column):
        value = table.most_common(column)
        if isinstance(value, pd.Timestamp):
            return value.date(), first_row_with(table, column, value)
    return (table.options.period, None) if table.options.period is not None else None


@dataclass(frozen=True)
class Deadline:
    """One dated item of `calaimfiles calendar`."""

    day: dt.date
    what: str


def upcoming_deadlines(start: dt.date, end: dt.date, plan: str | None = None) -> list[Deadline]:
    """Every deadline from `start` to `end`, both included, in date order: the return files' due and last
    accepted days, the plan's sending days, and the yearly deadlines (windows and days as `plan` has them)."""
    found: list[Deadline] = []
    month = start.replace(day=1)
    while month <= end:
        found += _return_deadlines(month, plan) + _sending_days(month, plan) + _yearly_deadlines(month)
        month = add_months(month, 1)
    return sorted((d for d in found if start <= d.day <= end), key=lambda d: d.day)


def _return_deadlines(month: dt.date, plan: str | None) -> list[Deadline]:
    """The windows that fall in `month`; layouts sharing a window (RTF and OTF) are named together."""
    by_window: dict[Window, list[str]] = {}
    for layout in all_layouts(plan):
        if layout.window is not None:
            by_window.setdefault(layout.window, []).append(layout.name)
    found = []
    for window, names in by_window.items():
        own = submission_window(add_months(month, -window.months_after_period), window)
        files = " and ".join(names)
        subject = f"{files} for period {own.period:%m/%Y}"
        if own.last_day == own.due:
            found.append(Deadline(own.due, f"{subject} due; no grace period"))
        else:
            found.append(Deadline(own.due, f"{subject} due"))
            them = "them" if len(names) > 1 else "it"
            found.append(Deadline(own.last_day, f"{subject}: last day the plan accepts {them}"))
    return found


def _sending_days(month: dt.date, plan: str | None) -> list[Deadline]:
    """The days the plan sends its files, from the same parameters the MIF and CSASF production-day rules read."""
    mif_day = int(load_layout("MIF", plan).parameter("production_last_day"))
    found = [Deadline(month_day(month.year, month.month, mif_day), f"MIF sent by the plan (by the {ordinal(mif_day)})")]
    for day in load_layout("CSASF", plan).parameter("production_days"):
        sent = month_day(month.year, month.month, int(day))
        last = "" if sent.day == int(day) else f" (the month's last day, for the {ordinal(int(day))})"
        found.append(Deadline(sent, f"CSASF sent by the plan{last}"))
    return found


def _yearly_deadlines(month: dt.date) -> list[Deadline]:
    found = []
    for deadline in load_calendar().deadlines:
        for month_and_day in deadline.days:
            due_month, day = (int(part) for part in month_and_day.split("-"))
            if due_month == month.month:
                found.append(Deadline(month_day(month.year, due_month, day), deadline.what))
    return found
