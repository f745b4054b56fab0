"""RTF rules R1-R11 of reference section 3 that can be decided from the RTF alone.

R7 (member not on the MIF) and R9 (outreach before Unable to Contact) need the MIF and the OTF: they are
cross-file checks. Statuses are found by their role in the code set, so a plan that renumbers them keeps
these rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calaimfiles.findings import Severity
from calaimfiles.layouts.describe import code_names
from calaimfiles.rules.columns import status_names, with_flag, with_role
from calaimfiles.rules.registry import get_rule, register, table_check
from calaimfiles.rules.table import Table

_S3 = "reference §3"
R1 = register(
    "RTF-R1", "Pending Outreach with dates", severity=Severity.ERROR, layouts=("RTF",), source=_S3,
    summary="A member in status 1 (Pending Outreach) has no enrollment dates and no discontinuation date yet.",
    example="status `1` with an ECM Enrollment Start Date",
)
R2 = register(
    "RTF-R2", "Enrolled member incomplete", severity=Severity.ERROR, layouts=("RTF",), source=_S3,
    summary="A member in status 2 (Enrolled) needs an Enrollment Start Date and a Lead Care Manager name and "
    "phone, and no End Date or Discontinuation Date.",
    example="status `2` with a blank ECM Enrollment Start Date",
)
R3 = register(
    "RTF-R3", "End Date and Discontinuation Date do not fit", severity=Severity.ERROR, layouts=("RTF",),
    source=_S3,
    summary="A member who was enrolled (has a Start Date) and leaves ECM needs both End Date and Discontinuation "
    "Date; a member never enrolled needs the Discontinuation Date only, and the End Date stays blank.",
    example="status `3` with a Start Date but no End Date",
)
R3A = register(
    "RTF-R3a", "Declined member's dates", severity=Severity.ERROR, layouts=("RTF",), source=_S3,
    summary="Status 4 (Declined) after enrolling: Start Date = enrollment, End Date = the day the member "
    "decided not to take part. Declined without a Start Date: Discontinuation Date only.",
    example="status `4` with no Start Date but an End Date",
)
R3B = register(
    "RTF-R3b", "Exit without discontinuation", severity=Severity.ERROR, layouts=("RTF",), source=_S3,
    summary="Statuses 3-6 end ECM: each needs a Discontinuation Date and a Discontinuation Reason Code; status 5 "
    "(Discontinued) also needs a Start Date, since only an enrolled member can be discontinued.",
    example="status `5` with a blank Discontinuation Date",
)
R3C = register(
    "RTF-R3c", "End and Discontinuation Dates differ", severity=Severity.WARNING, layouts=("RTF",), source=_S3,
    summary="When both End Date and Discontinuation Date are filled they should be the same day.",
    example="End Date `03/10/2026` with Discontinuation Date `03/12/2026`",
)
R3D = register(
    "RTF-R3d", "Reason code does not fit the status", severity=Severity.WARNING, layouts=("RTF",), source=_S3,
    summary="The Discontinuation Reason Code should fit the status: Unable to Contact takes UE or ERR, Declined "
    "takes DP, Not Eligible takes NE, OH or CAP, Discontinued any code but DP. The pairs are layout data "
    "(`reason_fits_status`), which a plan profile may change.",
    example="status `4` (Declined) with reason code `WM`",
)
R4 = register(
    "RTF-R4", "Blank acuity", severity=Severity.ERROR, fixable=True, layouts=("RTF",), source=_S3,
    summary="The plan's intake rejects a blank Member Acuity Level on any row; providers default it to Low, "
    "which is the fix (the default is layout data). Another letter case such as `low` is CODE-SPELLING.",
    example="a blank Member Acuity Level",
)
R5 = register(
    "RTF-R5", "Dates out of order", severity=Severity.ERROR, layouts=("RTF",), source=_S3,
    summary="Start Date on or before End Date and Discontinuation Date; Date Assessment Started on or before the "
    "most recent completed assessment. (Dates after the production date are DATE-FUTURE, impossible birth "
    "dates DOB-RANGE.)",
    example="ECM Enrollment End Date before ECM Enrollment Start Date",
)
R6 = register(
    "RTF-R6", "Encounter without a counted encounter", severity=Severity.WARNING, layouts=("RTF",), source=_S3,
    summary="The most recent successful encounter falls in the reporting period, but In Person plus "
    "Telephonic/Video is 0; encounters in the period must be counted.",
    example="an encounter on 03/14 in the 03/2026 file with In Person and Telephonic/Video blank",
)
R8 = register(
    "RTF-R8", "Lead Care Manager case load over 1:50", severity=Severity.WARNING, layouts=("RTF",), source=_S3,
    summary="More than 50 enrolled members under one Lead Care Manager name exceeds the 1:50 case load.",
    example="51 rows in status `2` naming the same ECM Lead Care Manager Name",
)
R10 = register(
    "RTF-R10", "Duplicate member or inconsistent file values", severity=Severity.ERROR, layouts=("RTF",),
    source=_S3,
    summary="A CIN appears once (later repeats are reported); production date, reporting period and provider "
    "name, NPI and TIN hold one value for the whole file (rows that differ from the most common are reported).",
    example="the same CIN on two rows; one row with another reporting period",
)
R11 = register(
    "RTF-R11", "Closed referral without a reason", severity=Severity.ERROR, layouts=("RTF",), source=_S3,
    summary="A Referral Status of Referral Loop Closed needs a Reason for Referral Loop Closure (error); Services "
    "Received fits only a member who is or was enrolled, status 2 or 5 (warning).",
    example="Referral Status `Referral Loop Closed` with a blank Reason for Referral Loop Closure",
)
CLR_COLUMNS = register(
    "RTF-CLR-COLUMNS", "Closed-loop referral columns absent", severity=Severity.WARNING, layouts=("RTF",),
    source="reference §3",
    summary="DHCS added Referral Status, Date of Referral Status Update and Reason for Referral Loop Closure to "
    "the RTF for reporting periods from July 2025. A file on an older template (none of the three) is fine "
    "before then; from July 2025 it gets this warning, once, on the header row.",
    example="an RTF for 09/2025 without the three closed-loop referral columns",
)


def _filled(table: Table, column_id: str) -> np.ndarray:
    return table.filled[column_id]


def _status_text(table: Table, *roles: str, flag: str | None = None) -> str:
    return status_names(table, "status", roles, flag)


@table_check("RTF", needs=("status", "enrollment_start", "enrollment_end", "discontinuation_date"))
def check_r1_pending(table: Table) -> None:
    pending = with_role(table, "status", "pending_outreach")
    for column_id in ("enrollment_start", "enrollment_end", "discontinuation_date"):
        table.report(R1, np.flatnonzero(pending & _filled(table, column_id)), column_id,
                     f"must be blank while the member's status is {_status_text(table, 'pending_outreach')}")


@table_check("RTF", needs=("status", "enrollment_start", "enrollment_end", "discontinuation_date"))
def check_r2_enrolled(table: Table) -> None:
    enrolled = with_role(table, "status", "enrolled")
    status = _status_text(table, "enrolled")
    table.report(R2, np.flatnonzero(enrolled & ~_filled(table, "enrollment_start")), "enrollment_start",
                 f"is required for a member in status {status}")
    for column_id in ("enrollment_end", "discontinuation_date"):
        table.report(R2, np.flatnonzero(enrolled & _filled(table, column_id)), column_id,
                     f"must be blank while the member's status is {status}; when the member leaves ECM, use "
                     f"status {_status_text(table, flag='exit')}")


@table_check("RTF", needs=("status", "enrollment_start", "enrollment_end", "discontinuation_date"))
def check_r3_exit_dates(table: Table) -> None:
    exits = with_flag(table, "status", "exit")
    declined = with_role(table, "status", "declined")
    started = _filled(table, "enrollment_start")
    ended = _filled(table, "enrollment_end")
    for rule, rows in ((R3, exits & ~declined), (R3A, declined)):
        table.report(rule, np.flatnonzero(rows & started & ~ended), "enrollment_end",
                     "is required: a member who was enrolled and leaves ECM needs both End Date and "
                     "Discontinuation Date")
        table.report(rule, np.flatnonzero(rows & ~started & ended), "enrollment_end",
                     "must be blank for a member who was never enrolled (no Start Date): fill only the "
                     "Discontinuation Date")


@table_check("RTF", needs=("status", "discontinuation_date", "discontinuation_code", "enrollment_start"))
def check_r3b_exit_reason(table: Table) -> None:
    exits = with_flag(table, "status", "exit")
    exit_text = _status_text(table, flag="exit")
    for column_id in ("discontinuation_date", "discontinuation_code"):
        table.report(R3B, np.flatnonzero(exits & ~_filled(table, column_id)), column_id,
                     f"is required when the member leaves ECM, as with status {exit_text}")
    discontinued = with_role(table, "status", "discontinued")
    table.report(R3B, np.flatnonzero(discontinued & ~_filled(table, "enrollment_start")), "enrollment_start",
                 f"is required for status {_status_text(table, 'discontinued')}: only an enrolled member can be "
                 f"discontinued; a member never enrolled leaves with status "
                 f"{_status_text(table, 'declined', 'unable_to_contact', 'not_eligible')}")


@table_check("RTF", needs=("status", "discontinuation_code"))
def check_r3d_reason_fits_status(table: Table) -> None:
    codes = table.frame["discontinuation_code"]
    for role, pairs in table.layout.parameter("reason_fits_status").items():
        allowed, excluded = pairs.get("allowed"), pairs.get("excluded", ())
        fits = codes.isin(allowed) if allowed is not None else ~codes.isin(excluded)
        misfit = with_role(table, "status", role) & codes.notna().to_numpy() & ~fits.to_numpy(dtype=bool)
        if allowed is not None:
            wanted = f"takes {' or '.join(allowed)}"
        else:
            wanted = f"takes any code but {' or '.join(excluded)}"
        table.report(R3D, np.flatnonzero(misfit), "discontinuation_code",
                     f"does not fit the status: {', '.join(code_names(table.layout, 'status', (role,)))} {wanted}")


@table_check("RTF", needs=("enrollment_end", "discontinuation_date"))
def check_r3c_same_day(table: Table) -> None:
    end, stop = table.frame["enrollment_end"], table.frame["discontinuation_date"]
    differ = (end.notna() & stop.notna() & (end != stop)).to_numpy(dtype=bool)
    table.report(R3C, np.flatnonzero(differ), "discontinuation_date",
                 "should be the same day as ECM Enrollment End Date")


_DATE_ORDER = (
    ("enrollment_start", "enrollment_end"),
    ("enrollment_start", "discontinuation_date"),
    ("assessment_started", "assessment_completed"),
)


@table_check("RTF")
def check_r5_date_order(table: Table) -> None:
    for earlier, later in _DATE_ORDER:
        if not table.has(earlier, later):
            continue
        before = (table.frame[later] < table.frame[earlier]).to_numpy(dtype=bool, na_value=False)
        table.report(R5, np.flatnonzero(before), later,
                     f"is before {table.column(earlier).name}; check both dates")


@table_check("RTF", needs=("last_encounter", "reporting_period"), whole_file=True)
def check_r6_encounters(table: Table) -> None:
    period = table.most_common("reporting_period")
    if period is None:
        return
    start, end = period.to_datetime64(), (period + pd.offsets.MonthBegin(1)).to_datetime64()
    encounter = table.frame["last_encounter"].to_numpy()  # datetime64: a blank (NaT) is in no period
    in_period = (encounter >= start) & (encounter < end)
    counted = np.zeros(len(table))
    for column_id in ("in_person", "telephonic"):
        if table.has(column_id):
            counts = table.frame[column_id].to_numpy()
            counted += np.where(np.isnan(counts), 0, counts)
    table.report(R6, np.flatnonzero(in_period & (counted == 0)), "last_encounter",
                 "falls in the reporting period, but In Person plus Telephonic/Video is 0: count the encounters "
                 "of the period", severity=Severity.WARNING)


@table_check("RTF", needs=("status", "lcm_name"), whole_file=True)
def check_r8_caseload(table: Table) -> None:
    limit = int(table.layout.parameter("caseload_max"))
    names = table.frame["lcm_name"].to_numpy()
    rows = np.flatnonzero(with_role(table, "status", "enrolled") & pd.notna(names))
    name_codes, distinct = pd.factorize(names[rows])
    # One care manager, however the name's spaces and capitals are typed: each distinct name is folded once.
    folded = np.array([" ".join(str(name).split()).casefold() for name in distinct], dtype=object)
    person_codes, _ = pd.factorize(folded)
    person = person_codes[name_codes]
    counts = np.bincount(person, minlength=len(folded))
    for code in np.flatnonzero(counts > limit).tolist():
        table.report(R8, [int(rows[np.argmax(person == code)])], "lcm_name",
                     f"has {counts[code]} enrolled members in this file; the case load limit is 1:{limit}")


def check_r11(table: Table, rule_code: str) -> None:
    """Shared by the RTF and the CSPRTF: Services Received fits only a member who is or was served."""
    rule = get_rule(rule_code)
    roles = table.layout.parameter("services_received_roles")
    received = with_role(table, "loop_closure_reason", "services_received")
    served = with_role(table, "status", *roles)
    readable_status = table.frame["status"].notna().to_numpy()
    table.report(rule, np.flatnonzero(received & ~served & readable_status), "loop_closure_reason",
                 f"says Services Received, which fits only status {status_names(table, 'status', roles)}",
                 severity=Severity.WARNING)


@table_check("RTF", needs=("status", "loop_closure_reason"))
def check_r11_services_received(table: Table) -> None:
    check_r11(table, R11.code)

