"""Checks every layout shares: required and conditional cells, future dates, dates of birth, duplicate keys,
file-level values, the header (COLUMN-*) and the file itself (FILE-*)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from builders import (
    AS_OF,
    ERROR,
    WARNING,
    cell,
    codes,
    column_ids,
    csprtf_row,
    findings_of,
    one,
    rtf_row,
    valid_row,
    valid_rows,
    validate,
    write_csv,
)

from calaimfiles.findings import column_letter
from calaimfiles.layouts import load_layout
from calaimfiles.rules import all_rules

D = dt.date
LAYOUTS = ["MIF", "RTF", "OTF", "CSASF", "CSPRTF"]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_valid_rows_have_no_findings(check, layout) -> None:
    assert codes(check(layout, valid_rows(layout, 3))) == []


@pytest.mark.parametrize("status", ["1", "2", "3", "4", "5", "6"])
def test_valid_rtf_row_of_every_status_has_no_findings(check, status) -> None:
    assert codes(check("RTF", [rtf_row(status)])) == []


@pytest.mark.parametrize("status", ["1", "2", "3", "4", "5", "6", "7"])
def test_valid_csprtf_row_of_every_status_has_no_findings(check, status) -> None:
    assert codes(check("CSPRTF", [csprtf_row(status)])) == []


# -- REQUIRED ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("layout", "column"), [
    ("RTF", "last_name"), ("RTF", "mcp_name"), ("RTF", "provider_phone"), ("MIF", "dob"), ("MIF", "pof"),
    ("OTF", "successful"), ("CSASF", "date_assigned"), ("CSPRTF", "service"), ("CSPRTF", "mcp_id"),
])
def test_blank_required_cell(check, layout, column) -> None:
    rows = valid_rows(layout, 2)
    rows[1][column] = ""
    found = check(layout, rows)
    assert codes(found) == [("REQUIRED", cell(layout, column, 3))]
    assert found[0].severity == ERROR
    assert found[0].row == 3
    assert not found[0].fixable


def test_cell_of_spaces_only_is_blank(check) -> None:
    found = check("RTF", [valid_row("RTF", first_name="   ")])
    assert codes(found) == [("REQUIRED", cell("RTF", "first_name", 2))]


@pytest.mark.parametrize(("layout", "column"), [
    ("MIF", "acuity"), ("MIF", "phone"), ("RTF", "dob"), ("RTF", "lcm_email"), ("RTF", "care_conference"),
    ("OTF", "provider_type"), ("CSASF", "authorized_units"), ("CSPRTF", "units_delivered"),
])
def test_blank_optional_cell(check, layout, column) -> None:
    assert codes(check(layout, [valid_row(layout, **{column: ""})])) == []


def test_required_cell_filled_is_not_reported(check) -> None:
    assert codes(check("RTF", [valid_row("RTF", last_name="X")])) == []


# -- REQUIRED-IF and VALUE-IGNORED -----------------------------------------------------------------------------

REQUIRED_IF_CASES = [
    ("RTF", {"new_phone": "Y", "phone": ""}, "phone"),
    ("RTF", {"new_address": "Y", "homeless": "N", "city": ""}, "city"),
    ("RTF", {"new_address": "Y", "homeless": "N", "zip": ""}, "zip"),
    ("RTF", {"pof_indicator": "Y", "pof": ""}, "pof"),
    ("RTF", {"referral_status": "Pending", "referral_update": ""}, "referral_update"),
    ("MIF", {"homeless": "N", "address": ""}, "address"),
    ("MIF", {"status": "2", "enrollment_start": ""}, "enrollment_start"),
    ("MIF", {"status": "5", "enrollment_start": ""}, "enrollment_start"),
    ("CSASF", {"authorization_status": "Approved", "authorization_end": ""}, "authorization_end"),
    ("CSASF", {"authorization_status": "Expired", "authorization_number": ""}, "authorization_number"),
    ("CSPRTF", {"outreach_attempts": 2, "first_outreach": ""}, "first_outreach"),
    ("CSPRTF", {"status": "2", "service_start": ""}, "service_start"),
]


@pytest.mark.parametrize(("layout", "values", "column"), REQUIRED_IF_CASES)
def test_conditionally_required_cell_blank(check, layout, values, column) -> None:
    found = check(layout, [valid_row(layout, **values)])
    assert codes(found) == [("REQUIRED-IF", cell(layout, column, 2))]
    assert found[0].severity == ERROR
    assert not found[0].fixable


CONDITION_FALSE_AND_BLANK = [
    ("RTF", {"new_phone": "N", "phone": ""}),
    ("RTF", {"new_address": "N", "address": "", "city": "", "state": "", "zip": ""}),
    ("RTF", {"new_address": "Y", "homeless": "Y", "address": "", "city": "", "state": "", "zip": ""}),
    ("RTF", {"pof_indicator": "N", "pof": ""}),
    ("RTF", {"pof_indicator": "", "pof": ""}),
    ("MIF", {"homeless": "Y", "address": "", "city": "", "state": "", "zip": ""}),
    ("MIF", {"status": "1", "enrollment_start": ""}),
    ("CSASF", {"authorization_status": "Pending", "authorization_number": "", "authorization_start": "",
               "authorization_end": ""}),
    ("CSASF", {"authorization_status": "Potential Member", "authorization_number": "", "authorization_start": "",
               "authorization_end": ""}),
    ("CSPRTF", {"outreach_attempts": 0, "first_outreach": ""}),
    ("CSPRTF", {"outreach_attempts": "", "first_outreach": ""}),
]


@pytest.mark.parametrize(("layout", "values"), CONDITION_FALSE_AND_BLANK)
def test_conditional_cell_blank_when_not_required(check, layout, values) -> None:
    assert codes(check(layout, [valid_row(layout, **values)])) == []


VALUE_IGNORED_CASES = [
    ("RTF", {"new_phone": "N"}, "phone"),
    ("RTF", {"pof_indicator": "N"}, "pof"),
    ("RTF", {"discontinuation_code": "OTH"}, "discontinuation_code"),  # no Discontinuation Date, status 2
    ("MIF", {"status": "1", "enrollment_start": D(2026, 1, 15)}, "enrollment_start"),
    ("CSASF", {"authorization_status": "Denied", "authorization_start": "", "authorization_end": ""},
     "authorization_number"),
    ("CSPRTF", {"outreach_attempts": 0}, "first_outreach"),
]


@pytest.mark.parametrize(("layout", "values", "column"), VALUE_IGNORED_CASES)
def test_conditional_cell_filled_when_condition_false(check, layout, values, column) -> None:
    found = check(layout, [valid_row(layout, **values)])
    assert codes(found) == [("VALUE-IGNORED", cell(layout, column, 2))]
    assert found[0].severity == WARNING
    assert not found[0].fixable


def test_value_ignored_lists_every_filled_column_of_the_condition(check) -> None:
    found = check("RTF", [valid_row("RTF", new_address="N")])
    assert codes(found) == [("VALUE-IGNORED", cell("RTF", c, 2)) for c in ("address", "city", "state", "zip")]


def test_unreadable_condition_does_not_make_a_value_ignored(check) -> None:
    found = check("RTF", [valid_row("RTF", new_phone="maybe")])
    assert codes(found) == [("YN-INVALID", cell("RTF", "new_phone", 2))]


# -- DATE-FUTURE -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("layout", "column", "value"), [
    ("RTF", "care_conference", D(2026, 4, 4)),  # after the production date 04/03, before today
    ("RTF", "last_encounter", D(2026, 4, 4)),
    ("MIF", "enrollment_start", D(2026, 3, 11)),  # MIF produced 03/10
    ("CSASF", "date_assigned", D(2026, 3, 30)),  # CSASF produced 03/29
    ("CSPRTF", "service_start", D(2026, 4, 4)),
    ("OTF", "attempt_date", D(2026, 4, 21)),  # no production date: after today
    ("CSASF", "dob", D(2026, 5, 1)),
])
def test_date_in_the_future(check, layout, column, value) -> None:
    found = check(layout, [valid_row(layout, **{column: value})])
    assert codes(found) == [("DATE-FUTURE", cell(layout, column, 2))]
    assert found[0].severity == ERROR


@pytest.mark.parametrize(("layout", "column", "value"), [
    ("RTF", "care_conference", D(2026, 4, 3)),  # the production date itself
    ("OTF", "attempt_date", AS_OF),  # today
    ("CSASF", "authorization_start", D(2026, 5, 1)),  # authorizations may lie ahead
    ("CSASF", "authorization_end", D(2027, 6, 30)),
])
def test_date_not_in_the_future(check, layout, column, value) -> None:
    assert codes(check(layout, [valid_row(layout, **{column: value})])) == []


def test_production_date_after_today(check) -> None:
    found = check("RTF", [valid_row("RTF", production_date=D(2026, 4, 25), care_conference=D(2026, 4, 21))])
    # the production date is in the future, so other dates are judged against today
    assert codes(found) == [("DATE-FUTURE", cell("RTF", "care_conference", 2)),
                            ("DATE-FUTURE", cell("RTF", "production_date", 2))]


def test_date_up_to_today_is_fine_when_production_date_is_in_the_future(check) -> None:
    found = check("RTF", [valid_row("RTF", production_date=D(2026, 4, 25), care_conference=AS_OF)])
    assert codes(found) == [("DATE-FUTURE", cell("RTF", "production_date", 2))]


# -- DOB-RANGE ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("layout", "dob"), [("MIF", "01/01/1890"), ("RTF", D(1906, 4, 4)),
                                             ("CSPRTF", "01/01/1900")])
def test_date_of_birth_more_than_120_years_ago(check, layout, dob) -> None:
    found = check(layout, [valid_row(layout, dob=dob)])
    assert codes(found) == [("DOB-RANGE", cell(layout, "dob", 2))]
    assert found[0].severity == ERROR


def test_date_of_birth_exactly_120_years_ago_is_fine(check) -> None:
    assert codes(check("MIF", [valid_row("MIF", dob=D(1906, 4, 5))])) == []


def test_date_of_birth_range_on_a_leap_day(check) -> None:
    leap = D(2028, 2, 29)
    rows = [valid_row("MIF", dob=D(1908, 2, 27)), valid_row("MIF", cin="91234568A", dob=D(1908, 2, 28))]
    found = check("MIF", rows, as_of=leap)
    assert codes(found) == [("DOB-RANGE", cell("MIF", "dob", 2))]


def test_date_of_birth_in_the_future_is_an_error(check) -> None:
    found = check("MIF", [valid_row("MIF", dob=D(2026, 6, 1))])
    assert found, "a date of birth in the future must be reported"
    assert all(f.severity == ERROR and f.cell == cell("MIF", "dob", 2) for f in found)


# -- duplicates --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("layout", "code"), [("MIF", "MIF-DUPLICATE"), ("CSASF", "CSASF-DUPLICATE")])
def test_duplicate_key_reported_after_the_first(check, layout, code) -> None:
    rows = valid_rows(layout, 4)
    rows[2]["cin"] = rows[0]["cin"]
    rows[3]["cin"] = rows[0]["cin"]
    found = check(layout, rows)
    assert codes(found) == [(code, cell(layout, "cin", 4)), (code, cell(layout, "cin", 5))]
    assert all(f.severity == ERROR for f in found)
    assert "row 2" in found[0].message


def test_same_member_with_another_service_is_not_a_csasf_duplicate(check) -> None:
    rows = [valid_row("CSASF"), valid_row("CSASF", service="Housing Tenancy and Sustaining Services")]
    assert codes(check("CSASF", rows)) == []


def test_short_form_of_a_service_is_the_same_service(check) -> None:
    rows = [valid_row("CSASF"), valid_row("CSASF", service="HD")]
    assert codes(check("CSASF", rows)) == [("CSASF-DUPLICATE", cell("CSASF", "cin", 3))]


def test_distinct_members_are_not_mif_duplicates(check) -> None:
    assert codes(check("MIF", valid_rows("MIF", 5))) == []


# -- one value on every row -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("layout", "code", "column", "other"), [
    ("MIF", "MIF-SAME-VALUE", "provider_npi", "2000000002"),
    ("MIF", "MIF-SAME-VALUE", "reporting_period", "02/2026"),
    ("MIF", "MIF-SAME-VALUE", "provider_name", "Otherclinic"),
    ("CSASF", "CSASF-SAME-VALUE", "production_date", D(2026, 3, 15)),
    ("CSASF", "CSASF-SAME-VALUE", "provider_npi", 2000000002),
    ("CSPRTF", "CSPRTF-SAME-VALUE", "reporting_period", "2026-02"),
    ("CSPRTF", "CSPRTF-SAME-VALUE", "provider_name", "Otherclinic CS"),
])
def test_file_level_value_differs_on_one_row(check, layout, code, column, other) -> None:
    rows = valid_rows(layout, 3)
    rows[1][column] = other
    found = check(layout, rows)
    assert codes(found) == [(code, cell(layout, column, 3))]
    assert found[0].severity == ERROR
    assert not found[0].fixable


def test_same_date_as_text_and_as_date_cell_is_the_same_value(check) -> None:
    rows = valid_rows("MIF", 3)
    rows[1]["production_date"] = "03/10/2026"
    rows[2]["reporting_period"] = "2026-03"
    assert codes(check("MIF", rows)) == []


def test_csasf_tin_may_differ_between_rows(check) -> None:
    rows = valid_rows("CSASF", 3)
    rows[1]["provider_tin"] = "951234568"
    assert codes(check("CSASF", rows)) == []


# -- MIF production day ------------------------------------------------------------------------------------------

def test_mif_produced_after_the_15th(check) -> None:
    found = check("MIF", valid_rows("MIF", 2, production_date=D(2026, 3, 20)))
    assert codes(found) == [("MIF-PRODUCTION-DAY", cell("MIF", "production_date", 2))]
    assert found[0].severity == WARNING


@pytest.mark.parametrize("day", [D(2026, 3, 15), D(2026, 3, 1)])
def test_mif_produced_by_the_15th(check, day) -> None:
    assert codes(check("MIF", valid_rows("MIF", 2, production_date=day))) == []


# -- header: COLUMN-* -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("layout", "column"), [("RTF", "acuity"), ("RTF", "phone"), ("MIF", "dob"),
                                                ("OTF", "minutes"), ("CSPRTF", "authorization_number")])
def test_required_column_missing(check, layout, column) -> None:
    found = check(layout, [valid_row(layout)], drop=[column])
    assert codes(found) == [("COLUMN-MISSING", None)]
    finding = found[0]
    assert finding.severity == ERROR
    assert finding.row == 1
    assert finding.column == load_layout(layout).column(column).name


@pytest.mark.parametrize(("layout", "column"), [("RTF", "care_conference"), ("RTF", "dob"), ("MIF", "phone"),
                                                ("OTF", "provider_type"), ("CSPRTF", "referral_status")])
def test_optional_column_missing(check, layout, column) -> None:
    found = check(layout, [valid_row(layout)], drop=[column])
    assert codes(found) == [("COLUMN-OPTIONAL-MISSING", None)]
    assert found[0].severity == WARNING
    assert found[0].row == 1


def test_missing_column_is_reported_on_the_header_row_below_titles(check) -> None:
    found = check("RTF", [valid_row("RTF")], drop=["acuity"], title_rows=["Plan template", ""])
    assert [(f.code, f.row) for f in found] == [("COLUMN-MISSING", 3)]


def test_repeated_column(check) -> None:
    width = len(column_ids("RTF"))
    found = check("RTF", [valid_row("RTF")], extra=[("ECM Benefit Status", "bogus status")])
    assert codes(found) == [("COLUMN-REPEATED", f"{column_letter(width)}1")]
    assert found[0].severity == ERROR
    assert found[0].column == "Member ECM Status"


def test_repeated_column_spelled_differently(check) -> None:
    width = len(column_ids("CSASF"))
    found = check("CSASF", [valid_row("CSASF")], extra=[("member client index number(CIN)", "91234567A")],
                  title_rows=["Authorization Status File"])
    assert codes(found) == [("COLUMN-REPEATED", f"{column_letter(width)}2")]


def test_unknown_column(check) -> None:
    width = len(column_ids("RTF"))
    found = check("RTF", [valid_row("RTF")], extra=[("Notes", "called twice")])
    assert codes(found) == [("COLUMN-UNKNOWN", f"{column_letter(width)}1")]
    assert found[0].severity == WARNING
    assert "Notes" in found[0].message


def test_aliases_and_spelling_of_headers_are_known_columns(check) -> None:
    rename = {
        "in_person": "In-Person", "telephonic": "Telephonic/Electronic", "zip": "Member Residential Zip Code",
        "status": "ECM Benefit Status", "cin": "MEMBER  CLIENT INDEX NUMBER (CIN)",
        "lcm_phone": "ECM Lead Care Manager Name Phone Number", "provider_npi": "ECM Provider National Provider "
        "Identifier(NPI)",
    }
    assert codes(check("RTF", [valid_row("RTF")], rename=rename)) == []


# -- file: FILE-* ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
def test_header_without_rows(check, layout) -> None:
    found = check(layout, [])
    assert codes(found) == [("FILE-NO-ROWS", None)]
    assert found[0].severity == WARNING


def test_blank_rows_are_skipped_and_rows_keep_their_excel_numbers(check) -> None:
    blank = dict.fromkeys(column_ids("RTF"), "")
    rows = [valid_row("RTF"), blank, valid_row("RTF", cin="91234568A", lcm_email="x@y")]
    found = check("RTF", rows)
    assert codes(found) == [("EMAIL-INVALID", cell("RTF", "lcm_email", 4))]


def test_only_blank_rows_is_no_rows(check) -> None:
    found = check("OTF", [dict.fromkeys(column_ids("OTF"), "")] * 2)
    assert codes(found) == [("FILE-NO-ROWS", None)]


@pytest.mark.parametrize("layout", ["RTF", "OTF", "CSPRTF"])
def test_return_file_as_csv(tmp_path: Path, layout) -> None:
    results = validate(write_csv(tmp_path, layout, valid_rows(layout, 2)))
    assert [r.layout for r in results] == [layout]
    found = findings_of(results)
    assert codes(found) == [("FILE-FORMAT", None)]
    assert one(found, "FILE-FORMAT").severity == ERROR


@pytest.mark.parametrize("layout", ["MIF", "CSASF"])
def test_plan_file_as_csv_is_fine(tmp_path: Path, layout) -> None:
    assert codes(validate(write_csv(tmp_path, layout, valid_rows(layout, 2)))) == []


def test_return_file_as_xlsm_is_fine(check) -> None:
    assert codes(check("RTF", [valid_row("RTF")], filename="rtf.xlsm")) == []


def test_return_file_as_csv_is_still_checked(tmp_path: Path) -> None:
    found = findings_of(validate(write_csv(tmp_path, "OTF", [valid_row("OTF", cin="9123456A")])))
    assert codes(found) == [("FILE-FORMAT", None), ("CIN-FORMAT", cell("OTF", "cin", 2))]


# -- every code has a test ------------------------------------------------------------------------------------

def test_every_finding_code_is_tested() -> None:
    tests = Path(__file__).parent
    text = "".join(p.read_text("utf-8") for p in [*tests.glob("test_rules_*.py"), tests / "test_diff.py",
                                                  tests / "test_crossfile.py", tests / "test_windows.py"])
    quoted = set(re.findall(r'"([A-Z][A-Za-z0-9-]+)"', text))
    untested = [rule.code for rule in all_rules() if rule.code not in quoted]
    assert untested == []


# -- conditional columns and column groups (reference convention; section 3 closed-loop referral columns) ---------

CLR = ["referral_status", "referral_update", "loop_closure_reason"]


def test_conditional_column_is_not_missing_when_its_condition_column_is_absent(check) -> None:
    # Member Phone Number is required only when Member New Phone Number Indicator is Y: without that indicator
    # column (itself reported missing) the phone column is not missing
    found = check("RTF", [valid_row("RTF")], drop=["new_phone", "phone"])
    assert codes(found) == [("COLUMN-MISSING", None)]
    assert found[0].column == "Member New Phone Number Indicator"


def _months_earlier(day: dt.date, months: int) -> dt.date:
    month = day.year * 12 + day.month - 1 - months
    return day.replace(year=month // 12, month=month % 12 + 1)


def _rtf_months_earlier(months: int, count: int = 1) -> tuple[list[dict[str, Any]], dt.date]:
    """Clean RTF rows (and the day to check them) of a reporting period `months` before the builders' March 2026:
    every date moved back as much."""
    rows = []
    for row in valid_rows("RTF", count):
        moved = {k: _months_earlier(v, months) if isinstance(v, dt.date) else v for k, v in row.items()}
        moved["reporting_period"] = f"{_months_earlier(D(2026, 3, 1), months):%m/%Y}"
        rows.append(moved)
    return rows, _months_earlier(AS_OF, months)


@pytest.mark.parametrize("months", [9, 14])  # periods 06/2025 and 01/2025
def test_rtf_before_july_2025_without_the_referral_columns_has_no_finding(check, months) -> None:
    rows, as_of = _rtf_months_earlier(months)
    assert codes(check("RTF", rows, drop=CLR, as_of=as_of)) == []


@pytest.mark.parametrize("months", [8, 0])  # periods 07/2025 and 03/2026
def test_rtf_from_july_2025_without_the_referral_columns_warns_once_on_the_header(check, months) -> None:
    rows, as_of = _rtf_months_earlier(months, 3)
    found = check("RTF", rows, drop=CLR, title_rows=["Plan template"], as_of=as_of)
    assert codes(found) == [("RTF-CLR-COLUMNS", None)]
    assert found[0].severity == WARNING and found[0].row == 2 and not found[0].fixable
    assert "Referral Status" in found[0].message and "07/2025" in found[0].message


def test_rtf_with_some_referral_columns_misses_those_they_need(check) -> None:
    found = check("RTF", [valid_row("RTF")], drop=["referral_update", "loop_closure_reason"])
    assert sorted((f.code, f.column) for f in found) == [
        ("COLUMN-MISSING", "Date of Referral Status Update"), ("COLUMN-MISSING", "Reason for Referral Loop Closure")]


def test_csprtf_without_the_referral_columns_has_no_finding(check) -> None:
    assert codes(check("CSPRTF", [valid_row("CSPRTF")], drop=CLR)) == []


@pytest.mark.parametrize("header", ["MEMBER_FIRST_NAME", "Member\nFirst Name", "member first\r\nname",
                                    "Member_First_Name"])
def test_header_matching_ignores_line_breaks_and_underscores(check, header) -> None:
    assert codes(check("RTF", [valid_row("RTF")], rename={"first_name": header})) == []


@pytest.mark.parametrize("layout", ["MIF", "RTF", "OTF", "CSASF", "CSPRTF"])
@pytest.mark.parametrize("header", ["Member Client Index Number", "CIN", "cin", "MEMBER_CLIENT_INDEX_NUMBER"])
def test_cin_aliases_in_every_layout(check, layout, header) -> None:
    assert codes(check(layout, [valid_row(layout)], rename={"cin": header})) == []
