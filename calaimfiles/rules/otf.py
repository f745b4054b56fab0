"""OTF rules O1-O4 of reference section 4. O1 (whole minutes) is part of the minutes field type; O3's
duplicate check and O4's one-provider check are the layout's duplicate and same-value rules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from calaimfiles.findings import Severity
from calaimfiles.rules.columns import with_role
from calaimfiles.rules.registry import register, table_check
from calaimfiles.rules.table import Table

_S4 = "reference §4"
O2 = register(
    "OTF-O2", "Mailed attempt time", severity=Severity.WARNING, fixable=True, layouts=("OTF",), source=_S4,
    summary="A mailed attempt is recorded with 1 minute: a blank time on a Mail row is fixed to 1; another "
    "time is reported without a fix.",
    example="method `Mail` with a blank Time Spent Performing Outreach",
)
O3 = register(
    "OTF-O3", "Attempt after the period, or repeated", severity=Severity.ERROR, layouts=("OTF",), source=_S4,
    summary="No attempt is dated after the reporting period when it is known (`--period`, or the RTF checked "
    "with `--otf`) (error; after today "
    "is DATE-FUTURE); the same CIN, date and method twice is a possible duplicate (warning).",
    example="an attempt on 04/02/2026 in the file for 03/2026",
)
O4 = register(
    "OTF-O4", "Provider differs between rows", severity=Severity.ERROR, layouts=("OTF",), source=_S4,
    summary="ECM Provider Name, NPI and TIN hold one value for the whole file.",
    example="two different ECM Provider NPIs in one file",
)


@table_check("OTF", needs=("method", "minutes"))
def check_o2_mail_minutes(table: Table) -> None:
    minutes_for_mail = int(table.layout.parameter("mail_minutes"))
    mail = with_role(table, "method", "mail")
    blank = mail & ~table.filled["minutes"]
    positions = np.flatnonzero(blank)
    table.report(O2, positions, "minutes", f"is blank on a Mail attempt: mailed attempts count {minutes_for_mail} "
                 "minute", fix_values=[minutes_for_mail] * len(positions))
    other = mail & table.filled["minutes"] & (table.frame["minutes"] != minutes_for_mail).to_numpy(dtype=bool)
    table.report(O2, np.flatnonzero(other), "minutes",
                 f"on a Mail attempt should be {minutes_for_mail} minute, the time the plan counts for mail")


@table_check("OTF", needs=("attempt_date",))
def check_o3_after_period(table: Table) -> None:
    period = table.options.period
    if period is None:
        return
    end = pd.Timestamp(period) + pd.offsets.MonthBegin(1)
    late = (table.frame["attempt_date"] >= end).to_numpy(dtype=bool, na_value=False)
    table.report(O3, np.flatnonzero(late), "attempt_date",
                 f"is after the reporting period {period:%m/%Y}: report it in the next month's file")
