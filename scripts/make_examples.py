"""Write the example workbooks shipped in `examples/`.

For each of the five layouts this writes `<layout>_clean.xlsx`, which `calaimfiles validate --as-of 2026-11-05`
passes without a single finding, and `<layout>_mistakes.xlsx`: the same members with the mistakes providers
really make planted in them (listed in examples/README.md and asserted cell by cell in tests/test_examples.py).

Every person, number and organisation here is invented: surnames such as Testperson and Sampleton, CINs
9xxxxxxxA, the textbook NPI 1234567893, "Example Health Plan" and "Example Community Care", 555-01xx phones.

Calendar: reporting period October 2026. The plan's MIF and CSASF are produced on 10/15/2026; the provider's
RTF, OTF and CSPRTF on 11/03/2026.

Run from the repository root:  python scripts/make_examples.py [OUTPUT_FOLDER]   (default: examples/)
The output is deterministic: the same script always writes the same cell values.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from calaimfiles.layouts import load_layout

D = dt.date

# File-level values shared by the examples.
MCP_ID = "EHP-0000"
MCP_NAME = "Example Health Plan"
PROVIDER = "Example Community Care"
NPI = "1234567893"  # Luhn over 80840 + 123456789 gives the check digit 3
TIN = "012345678"  # starts with 0 on purpose: stored as a number it loses that zero
PROVIDER_PHONE = "(916) 555-0100"
PERIOD = D(2026, 10, 1)  # reporting month 10/2026
PLAN_PRODUCTION = D(2026, 10, 15)  # MIF and CSASF
RETURN_PRODUCTION = D(2026, 11, 3)  # RTF, OTF and CSPRTF
FIXED_TIMESTAMP = dt.datetime(2026, 11, 3, 9, 0, 0)  # workbook properties, so reruns differ in nothing

DATE_FORMAT = "mm/dd/yyyy"
PERIOD_FORMAT = "mm/yyyy"


@dataclass
class Member:
    cin: str
    last: str
    first: str
    dob: dt.date
    address: str
    city: str
    zip: str
    phone: str


# The invented members every file draws on (the ECM files use the first twelve).
MEMBERS = [
    Member("90000001A", "Testperson", "Alex", D(1980, 4, 12), "101 Example St", "Sacramento", "95814",
           "916-555-0101"),
    Member("90000002B", "Sampleton", "Bea", D(1975, 9, 3), "", "", "", "916-555-0102"),
    Member("90000003C", "Fakename", "Chris", D(1991, 1, 27), "12 Sample Ave Apt 3", "Fresno", "93721",
           "559-555-0103"),
    Member("90000004D", "Testperson", "Dana", D(1966, 11, 30), "77 Placeholder Rd", "Stockton", "95202",
           "209-555-0104"),
    Member("90000005E", "Sampleton", "Eli", D(1958, 6, 14), "5 Mock Ln", "Oakland", "94612", "510-555-0105"),
    Member("90000006F", "Demoperson", "Frankie", D(2001, 2, 8), "", "", "", ""),
    Member("90000007G", "Exampleton", "Gale", D(1984, 12, 19), "300 Dummy Blvd", "Modesto", "95354",
           "209-555-0107"),
    Member("90000008H", "Fakename", "Harper", D(1970, 3, 5), "42 Fiction Ct", "Sacramento", "95811",
           "916-555-0108"),
    Member("90000009J", "Mockwell", "Jules", D(1996, 7, 22), "9 Specimen Way", "Visalia", "93291",
           "559-555-0109"),
    Member("90000010K", "Testperson", "Kai", D(2010, 10, 1), "18 Trial St", "Merced", "95340", "209-555-0110"),
    Member("90000011L", "Sampleton", "Lee", D(1949, 5, 16), "600 Pretend Pl", "Sacramento", "95822",
           "916-555-0111"),
    Member("90000012M", "Demoperson", "Morgan", D(1988, 8, 8), "2 Imaginary Dr", "Bakersfield", "93301",
           "661-555-0112"),
    Member("90000013N", "Exampleton", "Noor", D(1962, 2, 2), "14 Sample Ave", "Fresno", "93702", "559-555-0113"),
]
M = {m.cin: m for m in MEMBERS}


@dataclass
class Sheet:
    """One example sheet: rows are dicts keyed by the layout's column ids, written in layout order."""

    layout: str
    rows: list[dict[str, Any]]
    title: str | None = None  # a title row above the header, as plan templates have
    extra_columns: list[str] = field(default_factory=list)  # headers the layout does not know

    @property
    def first_data_row(self) -> int:
        return 3 if self.title else 2

    def at(self, excel_row: int) -> dict[str, Any]:
        """The row Excel shows as `excel_row`, to plant a mistake in."""
        return self.rows[excel_row - self.first_data_row]

    def copy(self) -> Sheet:
        return copy.deepcopy(self)


def member_columns(m: Member) -> dict[str, Any]:
    return {"cin": m.cin, "last_name": m.last, "first_name": m.first, "dob": m.dob}


# ---------------------------------------------------------------------------------------------------------------
# RTF: ECM Provider Return Transmission File (reference section 3)


def rtf_row(m: Member, status: str, acuity: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "mcp_id": MCP_ID, "mcp_name": MCP_NAME, **member_columns(m),
        "new_address": "N", "homeless": "N", "new_phone": "N", "pof_indicator": "N",
        "status": status, "acuity": acuity,
        "production_date": RETURN_PRODUCTION, "reporting_period": PERIOD,
        "provider_name": PROVIDER, "provider_npi": NPI, "provider_tin": TIN, "provider_phone": PROVIDER_PHONE,
    }
    row.update(values)
    return row


CASEY = {"lcm_name": "Casey Examplecase", "lcm_phone": "916-555-0150", "lcm_email": "casey.examplecase@example.org"}
JORDAN = {"lcm_name": "Jordan Samplewood", "lcm_phone": "916-555-0151"}


def rtf_clean() -> Sheet:
    rows = [
        # row 3: pending outreach, nothing dated yet; four unsuccessful attempts on the OTF this month
        rtf_row(M["90000001A"], "1", "Low", pof_indicator="Y", pof="3", in_person=1, telephonic=3),
        # row 4: enrolled, homeless, two populations of focus, counted encounters
        rtf_row(M["90000002B"], "2", "High", homeless="Y", pof_indicator="Y", pof="1a;3",
                enrollment_start=D(2026, 8, 4), care_plan_revision=D(2026, 9, 10), care_conference=D(2026, 10, 2),
                assessment_started=D(2026, 8, 5), assessment_completed=D(2026, 8, 20),
                last_encounter=D(2026, 10, 21), in_person=2, telephonic=1, **CASEY,
                referral_status="Accepted", referral_update=D(2026, 8, 1)),
        # row 5: enrolled, moved and got a new phone
        rtf_row(M["90000003C"], "2", "Medium", new_address="Y", address=M["90000003C"].address,
                city=M["90000003C"].city, state="CA", zip=M["90000003C"].zip,
                new_phone="Y", phone=M["90000003C"].phone, pof_indicator="Y", pof="2;5",
                enrollment_start=D(2026, 6, 15), care_plan_revision=D(2026, 7, 1), last_encounter=D(2026, 10, 7),
                in_person=1, telephonic=3, **CASEY),
        # row 6: declined after enrolling: Start = enrollment, End = Discontinuation = the day of the decision
        rtf_row(M["90000004D"], "4", "Low", enrollment_start=D(2026, 7, 1), enrollment_end=D(2026, 10, 9),
                last_encounter=D(2026, 10, 9), discontinuation_date=D(2026, 10, 9), discontinuation_code="DP",
                discontinuation_reason="Member declined further ECM services", telephonic=1),
        # row 7: discontinued, successfully completed, referral loop closed
        rtf_row(M["90000005E"], "5", "Low", enrollment_start=D(2026, 3, 2), enrollment_end=D(2026, 10, 15),
                assessment_started=D(2026, 3, 3), assessment_completed=D(2026, 3, 17),
                last_encounter=D(2026, 10, 14), in_person=1, discontinuation_date=D(2026, 10, 15),
                discontinuation_code="SC", referral_status="Referral Loop Closed", referral_update=D(2026, 10, 15),
                loop_closure_reason="Services Received"),
        # row 8: unable to contact, never enrolled: Discontinuation Date only; outreach since 07/20 on the OTF
        rtf_row(M["90000006F"], "3", "Low", homeless="Y", pof_indicator="Y", pof="1a",
                discontinuation_date=D(2026, 10, 20), discontinuation_code="UE", telephonic=4,
                referral_status="Referral Loop Closed", referral_update=D(2026, 10, 20),
                loop_closure_reason="Unable to Contact"),
        # row 9: declined before enrolling: Discontinuation Date only
        rtf_row(M["90000007G"], "4 - Declined", "Low", discontinuation_date=D(2026, 10, 6),
                discontinuation_code="DP", telephonic=2),
        # row 10: not eligible (lost Medi-Cal)
        rtf_row(M["90000008H"], "6", "Medium", discontinuation_date=D(2026, 10, 12), discontinuation_code="OH",
                discontinuation_reason="Medi-Cal coverage ended"),
        # row 11: enrolled this month
        rtf_row(M["90000009J"], "2 - Enrolled", "Medium", enrollment_start=D(2026, 10, 1),
                assessment_started=D(2026, 10, 1), last_encounter=D(2026, 10, 1), in_person=1, **JORDAN),
        # row 12: pending outreach, a child in child welfare: the population written by its name, as the DHCS
        # quarterly report spells it (an equivalent spelling of 8)
        rtf_row(M["90000010K"], "1", "Medium", pof_indicator="Y", pof="Children/Youth - Child Welfare", telephonic=2),
        # row 13: enrolled for a year, last encounter before the period
        rtf_row(M["90000011L"], "Enrolled", "Medium", pof_indicator="Y", pof="5", enrollment_start=D(2025, 11, 17),
                care_plan_revision=D(2026, 5, 20), care_conference=D(2026, 9, 15), last_encounter=D(2026, 9, 28),
                **JORDAN),
        # row 14: pending outreach, status written as its label; reached in person on 10/27
        rtf_row(M["90000012M"], "Pending Outreach", "Low", in_person=1),
    ]
    title = "ECM Provider Return Transmission File - Example Community Care - reporting period 10/2026 (SYNTHETIC)"
    return Sheet("RTF", rows, title=title)


def rtf_mistakes() -> Sheet:
    s = rtf_clean()
    s.extra_columns = ["Notes"]  # COLUMN-UNKNOWN
    s.at(3).update(acuity=None, Notes="left vm")  # blank acuity: RTF-R4
    s.at(4).update(cin="90000002b", pof_indicator="Yes",  # CIN-LOWERCASE, YN-SPELLING
                   care_conference="2026-10-02")  # a text date YYYY-MM-DD: DATE-FORMAT
    s.at(5).update(zip=int(M["90000003C"].zip[:4]),  # 9372 as a number: ZIP-LEADING-ZERO
                   phone="559-555-010",  # 9 digits: PHONE-INVALID
                   last_encounter="10/07/2026 14:30")  # a date with a time, as a vendor writes it: DATE-FORMAT
    s.at(6).update(status="2 - Declined")  # number and label disagree: CODE-LABEL-MISMATCH
    s.at(7).update(discontinuation_code=None,  # an exit without a reason code: RTF-R3b
                   referral_status="closed")  # for Referral Loop Closed: CODE-SPELLING
    s.at(8).update(cin="90000006F12026",  # benefits card ID: CIN-CARD-ID
                   last_name="Demoperson ")  # trailing space: TEXT-WHITESPACE
    s.at(9).update(discontinuation_date="10/6/2026",  # a text date M/D/YYYY: DATE-FORMAT
                   acuity="low")  # CODE-SPELLING
    s.at(10).update(enrollment_end=D(2026, 10, 12))  # End Date without Start Date: RTF-R3
    s.at(11).update(enrollment_start=None,  # Enrolled without a Start Date: RTF-R2
                    cin="9000009J")  # 7 digits: CIN-FORMAT
    s.at(12).update(discontinuation_date=D(2026, 10, 20),  # Pending Outreach with a discontinuation: RTF-R1
                    discontinuation_code="01")  # an old numbered code, not a real one: CODE-INVALID
    s.at(13).update(care_plan_revision="02/30/2026",  # DATE-INVALID
                    care_conference=D(2026, 11, 4))  # after the 11/03 production date: DATE-FUTURE
    s.at(14).update(acuity="#N/A",  # an Excel error cell: CELL-ERROR
                    production_date=D(2026, 10, 31))  # another production date than the rest: RTF-R10
    s.rows.append(copy.deepcopy(s.at(3)) | {"acuity": "Low", "Notes": "dup?"})  # row 15: duplicate CIN: RTF-R10
    return s


# ---------------------------------------------------------------------------------------------------------------
# MIF: ECM Member Information File (reference section 10), what the plan sent on 10/15/2026


def mif_row(m: Member, status: str, pof: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "mcp_id": MCP_ID, "mcp_name": MCP_NAME, **member_columns(m),
        "homeless": "N", "address": m.address, "city": m.city, "state": "CA", "zip": m.zip, "phone": m.phone or None,
        "pof": pof, "status": status,
        "provider_name": PROVIDER, "provider_npi": NPI, "provider_tin": TIN,
        "reporting_period": PERIOD, "production_date": PLAN_PRODUCTION,
    }
    row.update(values)
    return row


HOMELESS = {"homeless": "Y", "address": None, "city": None, "state": None, "zip": None}


def mif_clean() -> Sheet:
    rows = [
        mif_row(M["90000001A"], "1", "3"),  # row 2
        mif_row(M["90000002B"], "2", "1a;3", enrollment_start=D(2026, 8, 4), acuity="High", **HOMELESS),  # row 3
        mif_row(M["90000003C"], "2", "2;5", enrollment_start=D(2026, 6, 15), acuity="Medium"),  # row 4
        mif_row(M["90000004D"], "2", "2", enrollment_start=D(2026, 7, 1), acuity="Low"),  # row 5
        mif_row(M["90000005E"], "2", "3", enrollment_start=D(2026, 3, 2), acuity="Low"),  # row 6
        mif_row(M["90000006F"], "1", "1a", **HOMELESS),  # row 7
        mif_row(M["90000007G"], "1", "2"),  # row 8
        mif_row(M["90000008H"], "1", "4"),  # row 9
        mif_row(M["90000009J"], "1", "9"),  # row 10
        mif_row(M["90000010K"], "1", "8"),  # row 11
        mif_row(M["90000011L"], "2", "5", enrollment_start=D(2025, 11, 17), acuity="Medium"),  # row 12
        mif_row(M["90000012M"], "1", "1b;2"),  # row 13
        mif_row(M["90000013N"], "6 - Not Eligible", "2", acuity="Low"),  # row 14: termed, left for the record
    ]
    return Sheet("MIF", rows)


def mif_mistakes() -> Sheet:
    s = mif_clean()
    s.at(4).update(enrollment_start=None)  # status 2 without a Start Date: REQUIRED-IF
    s.at(8).update(address=None, city=None)  # not homeless, but no street address or city: REQUIRED-IF twice
    s.at(9).update(state="ca")  # STATE-CASE
    s.at(10).update(pof="9;1A")  # 1A for 1a: CODE-SPELLING
    s.at(12).update(production_date=D(2026, 10, 14))  # another production date: MIF-SAME-VALUE
    s.rows.append(copy.deepcopy(s.at(7)))  # row 15: Frankie listed twice: MIF-DUPLICATE
    return s


# ---------------------------------------------------------------------------------------------------------------
# OTF: ECM Outreach Tracker File (reference section 4), one row per outreach attempt in October 2026, and the
# earlier attempts of the member the RTF reports Unable to Contact (rule R9 looks at the whole outreach)


def otf_row(m: Member, day: int | dt.date, method: str, successful: str, minutes: Any) -> dict[str, Any]:
    return {
        "mcp_id": MCP_ID, "mcp_name": MCP_NAME, "provider_name": PROVIDER, "provider_npi": NPI, "provider_tin": TIN,
        "client_name": f"{m.first} {m.last}", "cin": m.cin, "provider_type": "Community Health Worker",
        "attempt_date": day if isinstance(day, dt.date) else D(2026, 10, day), "method": method,
        "successful": successful, "minutes": minutes,
    }


def otf_clean() -> Sheet:
    alex, frankie, gale, kai, morgan = (M[c] for c in ("90000001A", "90000006F", "90000007G", "90000010K",
                                                       "90000012M"))
    rows = [
        otf_row(alex, 2, "Phone", "N", 5),  # row 2
        otf_row(alex, 2, "Text", "N", 2),  # row 3
        otf_row(alex, 9, "Mail", "N", 1),  # row 4: a letter counts 1 minute
        otf_row(alex, 16, "In Person", "N", 45),  # row 5
        otf_row(frankie, 1, "Phone", "N", 4),  # row 6
        otf_row(frankie, 5, "Email", "N", 3),  # row 7
        otf_row(frankie, 8, "Mail", "N", 1),  # row 8
        otf_row(frankie, 12, "Text", "N", 2),  # row 9
        otf_row(gale, 3, "Phone", "Y", 20),  # row 10
        otf_row(gale, 6, "Video", "Y", 30),  # row 11
        otf_row(kai, 14, "Phone", "N", 6),  # row 12
        otf_row(kai, 21, "Other Electronic", "N", 3),  # row 13
        otf_row(morgan, 27, "In Person", "Y", 60),  # row 14
        # rows 15-16: Frankie's outreach before October, so that it spans 92 days (07/20 to the 10/20
        # discontinuation) with 6 attempts by 5 methods, as Unable to Contact needs (RTF rule R9)
        otf_row(frankie, D(2026, 7, 20), "In Person", "N", 40),  # row 15
        otf_row(frankie, D(2026, 8, 24), "In Person", "N", 35),  # row 16
    ]
    return Sheet("OTF", rows)


def otf_mistakes() -> Sheet:
    s = otf_clean()
    s.at(3).update(minutes=12.5)  # OTF-O1: whole minutes, rounded up
    s.at(4).update(minutes=None)  # Mail with a blank time: OTF-O2
    s.at(6).update(attempt_date="10/1/2026, 10/5/2026")  # two attempts in one cell: CELL-MULTIPLE
    s.at(8).update(minutes=15)  # a letter with 15 minutes: OTF-O2 (no fix)
    s.at(10).update(successful="Yes")  # YN-SPELLING
    s.at(12).update(method="phone")  # CODE-SPELLING
    s.at(13).update(minutes="1 h 5 min")  # MINUTES-TEXT
    s.at(14).update(minutes=0)  # MINUTES-INVALID
    s.rows.append(copy.deepcopy(s.at(11)))  # row 17: Gale's video call entered twice: OTF-O3
    return s


# ---------------------------------------------------------------------------------------------------------------
# CSASF: Community Supports Authorization Status File (reference section 5), what the plan sent on 10/15/2026


def csasf_row(m: Member, service: str, status: str, assigned: dt.date, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "mcp_id": MCP_ID, "mcp_name": MCP_NAME, **member_columns(m),
        "phone": m.phone or None, "address": m.address or None, "city": m.city or None, "zip": m.zip or None,
        "service": service, "authorization_status": status, "date_assigned": assigned,
        "provider_name": PROVIDER, "provider_npi": NPI, "provider_tin": TIN, "production_date": PLAN_PRODUCTION,
    }
    row.update(values)
    return row


def auth(number: str, start: dt.date, end: dt.date, units: int | None = None) -> dict[str, Any]:
    return {"authorization_number": number, "authorization_start": start, "authorization_end": end,
            "authorized_units": units}


def csasf_clean() -> Sheet:
    rows = [
        csasf_row(M["90000002B"], "Housing Transition Navigation Services", "Approved", D(2026, 8, 20),
                  **auth("EX-AUTH-0001", D(2026, 9, 1), D(2027, 2, 28))),  # row 2
        csasf_row(M["90000002B"], "HD", "Approved as Modified", D(2026, 9, 2),  # row 3: short form, 2nd service
                  **auth("EX-AUTH-0002", D(2026, 9, 15), D(2026, 12, 15), 1)),
        csasf_row(M["90000003C"], "MTM", "Approved", D(2026, 9, 10),
                  **auth("EX-AUTH-0003", D(2026, 10, 1), D(2026, 12, 31), 180)),  # row 4
        csasf_row(M["90000005E"], "Recuperative Care (Medical Respite)", "Expired", D(2026, 5, 1),
                  **auth("EX-AUTH-0004", D(2026, 5, 4), D(2026, 8, 1), 90)),  # row 5
        csasf_row(M["90000006F"], "Transitional Rent", "Approved", D(2026, 10, 1),
                  **auth("EX-AUTH-0005", D(2026, 11, 1), D(2027, 4, 30), 6)),  # row 6: starts after production
        csasf_row(M["90000007G"], "Personal Care and Homemaker Services", "Pending", D(2026, 10, 8)),  # row 7
        csasf_row(M["90000008H"], "Asthma Remediation", "Denied", D(2026, 9, 25)),  # row 8
        csasf_row(M["90000009J"], "Housing Tenancy and Sustaining Services", "Potential Member",
                  D(2026, 8, 31)),  # row 9
        csasf_row(M["90000011L"], "HTSS", "Potential Member", D(2026, 10, 13)),  # row 10: short form
        csasf_row(M["90000012M"], "Sobering Centers", "Approved", D(2026, 10, 3),
                  **auth("EX-AUTH-0006", D(2026, 10, 3), D(2026, 10, 4), 1)),  # row 11
        csasf_row(M["90000013N"], "Environmental Accessibility Adaptations (Home Modifications)", "Pending",
                  D(2026, 10, 14)),  # row 12
    ]
    return Sheet("CSASF", rows)


def csasf_mistakes() -> Sheet:
    s = csasf_clean()
    s.at(4).update(authorization_number=None)  # Approved without an authorization number: REQUIRED-IF
    s.at(5).update(authorization_end=D(2026, 4, 1))  # ends before it starts: CSASF-AUTH-DATES
    s.at(7).update(phone="(209) 555-010", zip="9535")  # PHONE-INVALID, ZIP-INVALID (4 characters of text)
    s.at(8).update(dob="1970-03-05")  # text date: DATE-FORMAT
    s.rows.append(copy.deepcopy(s.at(3)) | {"service": "Housing Deposits"})  # row 13: HD again: CSASF-DUPLICATE
    return s


# ---------------------------------------------------------------------------------------------------------------
# CSPRTF: Community Supports Provider Return Transmission File (reference section 6), sent 11/03/2026


def csprtf_row(m: Member, service: str, status: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "mcp_id": MCP_ID, "mcp_name": MCP_NAME, "provider_name": PROVIDER, "provider_npi": NPI, "provider_tin": TIN,
        **member_columns(m), "service": service, "status": status,
        "reporting_period": PERIOD, "production_date": RETURN_PRODUCTION,
    }
    row.update(values)
    return row


def csprtf_clean() -> Sheet:
    rows = [
        # row 2: receiving services
        csprtf_row(M["90000002B"], "Housing Transition Navigation Services", "2", authorization_number="EX-AUTH-0001",
                   outreach_attempts=1, outreach_modalities=1, first_outreach=D(2026, 8, 21),
                   service_start=D(2026, 9, 1), units_delivered=6,
                   referral_status="Accepted", referral_update=D(2026, 8, 21)),
        # row 3: a one-time deposit, completed
        csprtf_row(M["90000002B"], "HD", "7 - Services Completed", authorization_number="EX-AUTH-0002",
                   service_start=D(2026, 10, 1), service_end=D(2026, 10, 1), units_delivered=1,
                   referral_status="Referral Loop Closed", referral_update=D(2026, 10, 2),
                   loop_closure_reason="Services Received"),
        # row 4: meals
        csprtf_row(M["90000003C"], "MTM", "2", authorization_number="EX-AUTH-0003", service_start=D(2026, 10, 1),
                   units_delivered=62),
        # row 5: recuperative care, named by its billing code; discontinued when the authorization ran out
        csprtf_row(M["90000005E"], "T2033 U6", "5", authorization_number="EX-AUTH-0004", service_start=D(2026, 5, 4),
                   service_end=D(2026, 8, 1), units_delivered=90, discontinuation_date=D(2026, 8, 1),
                   discontinuation_code="OTH"),
        # row 6: pending outreach, two tries so far
        csprtf_row(M["90000007G"], "Personal Care and Homemaker Services", "1", outreach_attempts=2,
                   outreach_modalities=2, first_outreach=D(2026, 10, 10)),
        # row 7: unable to contact after 6 attempts, 3 modalities, over 45 days
        csprtf_row(M["90000009J"], "Housing Tenancy and Sustaining Services", "3", outreach_attempts=6,
                   outreach_modalities=3, first_outreach=D(2026, 9, 2), discontinuation_date=D(2026, 10, 17),
                   discontinuation_code="UE", referral_status="Referral Loop Closed", referral_update=D(2026, 10, 17),
                   loop_closure_reason="Unable to Contact"),
        # row 8: declined
        csprtf_row(M["90000011L"], "HTSS", "4", outreach_attempts=1, outreach_modalities=1,
                   first_outreach=D(2026, 10, 14), discontinuation_date=D(2026, 10, 14), discontinuation_code="DP",
                   referral_status="Declined", referral_update=D(2026, 10, 14)),
        # row 9: sobering center visit, completed
        csprtf_row(M["90000012M"], "Sobering Centers", "7", authorization_number="EX-AUTH-0006",
                   service_start=D(2026, 10, 3), service_end=D(2026, 10, 4), units_delivered=1),
        # row 10: not eligible
        csprtf_row(M["90000013N"], "EAA", "6", outreach_attempts=1, outreach_modalities=1,
                   first_outreach=D(2026, 10, 15), discontinuation_date=D(2026, 10, 20), discontinuation_code="NE",
                   referral_status="Referral Loop Closed", referral_update=D(2026, 10, 20),
                   loop_closure_reason="Not Eligible"),
        # row 11: Transitional Rent approved from 11/01 (CSASF row 6), no outreach yet
        csprtf_row(M["90000006F"], "Transitional Rent", "1"),
    ]
    return Sheet("CSPRTF", rows)


def csprtf_mistakes() -> Sheet:
    s = csprtf_clean()
    s.at(2).update(provider_tin=12345678)  # a number that lost its leading zero: TIN-LEADING-ZERO
    s.at(4).update(authorization_number=None)  # Receiving Services without an authorization number: CSPRTF-C2
    s.at(7).update(outreach_attempts=2)  # Unable to Contact after 2 attempts: CSPRTF-C1
    s.at(10).update(loop_closure_reason=None)  # Referral Loop Closed without a reason: CSPRTF-R11
    s.at(8).update(discontinuation_code="Member declined to participate")  # the meaning for DP: CODE-SPELLING
    s.rows.append(copy.deepcopy(s.at(4)) | {"authorization_number": "EX-AUTH-0003"})  # row 12: CSPRTF-C5
    return s


# ---------------------------------------------------------------------------------------------------------------
# Writing


EXAMPLES = {
    "mif": (mif_clean, mif_mistakes),
    "rtf": (rtf_clean, rtf_mistakes),
    "otf": (otf_clean, otf_mistakes),
    "csasf": (csasf_clean, csasf_mistakes),
    "csprtf": (csprtf_clean, csprtf_mistakes),
}


def write_sheet(sheet: Sheet, path: Path) -> None:
    layout = load_layout(sheet.layout)
    columns = [c for c in layout.columns]
    headers = [c.name for c in columns] + sheet.extra_columns
    keys = [c.id for c in columns] + sheet.extra_columns
    book = Workbook()
    ws = book.active
    ws.title = layout.sheet_names[0] if layout.sheet_names else layout.name
    if sheet.title:
        ws.append([sheet.title])
    ws.append(headers)
    for row in sheet.rows:
        unknown = set(row) - set(keys)
        if unknown:
            raise ValueError(f"{sheet.layout}: values for unknown columns {sorted(unknown)}")
        ws.append([row.get(key) for key in keys])
    period_columns = {i + 1 for i, c in enumerate(columns) if c.type == "period"}
    for cells in ws.iter_rows(min_row=sheet.first_data_row):
        for cell in cells:
            if isinstance(cell.value, dt.date):
                cell.number_format = PERIOD_FORMAT if cell.column in period_columns else DATE_FORMAT
    for index, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(index)].width = min(max(len(header), 12), 40)
    ws.freeze_panes = ws.cell(row=sheet.first_data_row, column=1)
    book.properties.creator = "calaimfiles scripts/make_examples.py"
    book.properties.created = FIXED_TIMESTAMP
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(_reproducible(buffer.getvalue()))


def _reproducible(xlsx: bytes) -> bytes:
    """openpyxl stamps the save time into the zip entries and docProps/core.xml; pin both so reruns are identical."""
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return out.getvalue()


def make_examples(folder: Path) -> list[Path]:
    """Write the ten example workbooks into `folder` (created if needed); returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (clean, mistakes) in EXAMPLES.items():
        for kind, build in (("clean", clean), ("mistakes", mistakes)):
            path = folder / f"{name}_{kind}.xlsx"
            write_sheet(build(), path)
            written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    folder = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "examples"
    for path in make_examples(folder):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
