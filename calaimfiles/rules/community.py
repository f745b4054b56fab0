"""Community Supports rules: the CSASF checks of reference section 5 and CSPRTF rules C1-C5 of section 6.

C2 (an Authorization Number for served statuses) and C4 (referral columns, when a profile requires them,
exempt Sobering Centers) are declared in the layout data as conditional requirements; C5 is the CSPRTF's
duplicate rule. C3 is judged here within one file (a warning); `calaimfiles diff` judges it across the files of
several months (an error), from the same stays and the same count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pandas as pd

from calaimfiles.findings import Severity
from calaimfiles.layouts import Layout
from calaimfiles.rules.columns import first_row_with, with_role
from calaimfiles.rules.registry import register, table_check
from calaimfiles.rules.rtf import check_r11
from calaimfiles.rules.table import Table
from calaimfiles.rules.windows import is_sending_day, ordinal

_S5, _S6 = "reference §5", "reference §6"
CSASF_AUTH_DATES = register(
    "CSASF-AUTH-DATES", "Authorization ends before it starts", severity=Severity.ERROR, layouts=("CSASF",),
    source=_S5,
    summary="Authorization End Date is on or after Authorization Start Date.",
    example="Authorization Start Date `04/01/2026`, End Date `03/01/2026`",
)
CSASF_PRODUCTION_DAY = register(
    "CSASF-PRODUCTION-DAY", "CSASF not produced on a sending day", severity=Severity.WARNING,
    layouts=("CSASF",), source=_S5,
    summary="The plan sends the CSASF on the 15th and the 29th (the last day of February); another production "
    "date suggests a wrong date.",
    example="File Production Date `03/20/2026`",
)
CS_SERVICE_NOT_YET = register(
    "CS-SERVICE-NOT-YET", "Service dated before it existed", severity=Severity.WARNING,
    layouts=("CSASF", "CSPRTF"), source="reference §7.7",
    summary="Transitional Rent could first be offered by plans from 07/01/2025 (required from 2026); a row dated "
    "earlier is probably the wrong service.",
    example="Transitional Rent with an Authorization Start Date in June 2025",
)
C1 = register(
    "CSPRTF-C1", "Unable to Contact too early", severity=Severity.ERROR, layouts=("CSPRTF",), source=_S6,
    summary="Status 3 (Unable to Contact) needs at least 5 outreach attempts using at least 3 modalities "
    "(errors), over at least 30 calendar days from the first attempt to the discontinuation (warning).",
    example="status `3` with Number of Outreach Attempts `2`",
)
C2 = register(
    "CSPRTF-C2", "Served without authorization", severity=Severity.ERROR, layouts=("CSPRTF",), source=_S6,
    summary="Services are rendered only after approval: statuses 2, 5 and 7 need an Authorization Number.",
    example="status `2` (Receiving Services) with a blank Authorization Number",
)
C3 = register(
    "CSPRTF-C3", "Room-and-board cap exceeded", severity=Severity.ERROR, layouts=("CSPRTF",), source=_S6,
    summary="Short-Term Post-Hospitalization Housing, Recuperative Care and Transitional Rent together may not "
    "exceed 180 service days in any 365 days for one member. Across the files of several months "
    "(`calaimfiles diff`) this is an error; within one file, which may not show every stay, a warning.",
    example="one member with Recuperative Care for 120 days and Transitional Rent for 90 days",
)
C4 = register(
    "CSPRTF-C4", "Referral status required", severity=Severity.ERROR, layouts=("CSPRTF",), source=_S6,
    summary="When a plan profile requires the closed-loop referral columns, every service but Sobering Centers "
    "needs a Referral Status (the reference profile leaves them optional).",
    example="a profile requiring Referral Status, and a Housing Deposits row without one",
)
C5 = register(
    "CSPRTF-C5", "Duplicate member and service", severity=Severity.ERROR, layouts=("CSPRTF",), source=_S6,
    summary="A CIN + service pair appears once; every occurrence after the first is reported.",
    example="the same CIN with Housing Deposits on two rows",
)
CSPRTF_R11 = register(
    "CSPRTF-R11", "Closed referral without a reason", severity=Severity.ERROR, layouts=("CSPRTF",),
    source="reference §3 R11",
    summary="A Referral Status of Referral Loop Closed needs a Reason for Referral Loop Closure (error); Services "
    "Received fits only statuses 2, 5 and 7 (warning).",
    example="Referral Status `Referral Loop Closed` with a blank Reason for Referral Loop Closure",
)


@table_check("CSASF", needs=("authorization_start", "authorization_end"))
def check_authorization_dates(table: Table) -> None:
    start, end = table.frame["authorization_start"], table.frame["authorization_end"]
    backwards = (end < start).to_numpy(dtype=bool, na_value=False)
    table.report(CSASF_AUTH_DATES, np.flatnonzero(backwards), "authorization_end",
                 "is before Authorization Start Date")


@table_check("CSASF", needs=("production_date",), whole_file=True)
def check_csasf_production_day(table: Table) -> None:
    produced = table.most_common("production_date")
    days = [int(d) for d in table.layout.parameter("production_days")]
    if produced is None or is_sending_day(produced.date(), days):
        return
    table.report(CSASF_PRODUCTION_DAY, [first_row_with(table, "production_date", produced)], "production_date",
                 f"is not a sending day of the CSASF (the {' or the '.join(map(ordinal, days))})")


@table_check("CSASF", "CSPRTF", needs=("service",))
def check_service_availability(table: Table) -> None:
    dates = [c for c in table.layout.parameter("service_date_columns") if table.has(c)]
    if not dates:
        return
    when = table.frame[dates[0]]
    for column_id in dates[1:]:
        when = when.fillna(table.frame[column_id])
    for value in table.layout.codeset_of("service").values:
        if value.available_from is None:
            continue
        starts = pd.Timestamp(value.available_from)
        early = ((table.frame["service"] == value.code) & (when < starts)).to_numpy(dtype=bool, na_value=False)
        table.report(CS_SERVICE_NOT_YET, np.flatnonzero(early), "service",
                     f"is {value.code}, which exists from {starts:%m/%d/%Y}, but the row is dated earlier")


@table_check("CSPRTF", needs=("status", "outreach_attempts", "outreach_modalities"))
def check_c1_unable_to_contact(table: Table) -> None:
    unable = with_role(table, "status", "unable_to_contact")
    for column_id, minimum, what in (
        ("outreach_attempts", int(table.layout.parameter("uc_min_attempts")), "outreach attempts"),
        ("outreach_modalities", int(table.layout.parameter("uc_min_modalities")), "outreach modalities"),
    ):
        short = unable & (table.frame[column_id].fillna(0) < minimum).to_numpy()
        table.report(C1, np.flatnonzero(short), column_id,
                     f"must be at least {minimum} before a member is Unable to Contact ({what})")
    if table.has("first_outreach", "discontinuation_date"):
        days = int(table.layout.parameter("uc_min_days"))
        span = (table.frame["discontinuation_date"] - table.frame["first_outreach"]).dt.days
        early = unable & (span < days).to_numpy(dtype=bool, na_value=False)
        table.report(C1, np.flatnonzero(early), "discontinuation_date",
                     f"is less than {days} days after the first outreach attempt: outreach must last {days} days "
                     "before Unable to Contact", severity=Severity.WARNING)


@table_check("CSPRTF", needs=("cin", "service", "service_start"), whole_file=True)
def check_c3_room_and_board(table: Table) -> None:
    for member, text in over_room_and_board_cap(room_and_board_stays(table), table.layout):
        last = int(np.asarray(member.index)[member["start"].to_numpy().argmax()])
        table.report(C3, [last], "service_start", text, severity=Severity.WARNING)


def room_and_board_stays(table: Table) -> pd.DataFrame:
    """The started room-and-board services of a CSPRTF: `cin`, `start` and `end`, indexed by row position. An
    open stay runs to the end of the reporting period (to `as_of` when the period is unknown)."""
    room = table.frame["service"].isin(table.layout.codeset_of("service").codes_with_flag("room_and_board"))
    period = table.most_common("reporting_period") if table.has("reporting_period") else None
    open_until = (period + pd.offsets.MonthEnd(0)) if period is not None else pd.Timestamp(table.options.as_of)
    end = table.frame["service_end"] if table.has("service_end") else pd.Series(pd.NaT, index=range(len(table)))
    return pd.DataFrame({
        "cin": table.frame["cin"], "start": table.frame["service_start"], "end": end.fillna(open_until),
    })[room.to_numpy(dtype=bool) & table.frame["service_start"].notna().to_numpy()]


def over_room_and_board_cap(stays: pd.DataFrame, layout: Layout) -> Iterator[tuple[pd.DataFrame, str]]:
    """Each member whose stays exceed the cap in some window: the member's stays, and words saying by how much."""
    cap = int(layout.parameter("room_and_board_max_days"))
    window = int(layout.parameter("room_and_board_window_days"))
    for _, member in stays.groupby("cin"):
        days = most_days_in_window(list(zip(member["start"], member["end"], strict=True)), window)
        if days > cap:
            yield member, (f"brings this member's room-and-board services to {days} days in {window} days; "
                           f"the cap is {cap}")


def most_days_in_window(stays: list[tuple[pd.Timestamp, pd.Timestamp]], window: int) -> int:
    """The most service days (each day counted once) inside any `window`-day span starting on a stay's start."""
    covered: set[dt.date] = set()
    for start, end in stays:
        covered.update(d.date() for d in pd.date_range(start, max(start, end), freq="D"))
    best = 0
    for start, _ in stays:
        limit = start.date() + dt.timedelta(days=window)
        best = max(best, sum(1 for d in covered if start.date() <= d < limit))
    return best


@table_check("CSPRTF", needs=("status", "loop_closure_reason"))
def check_csprtf_r11(table: Table) -> None:
    check_r11(table, CSPRTF_R11.code)

