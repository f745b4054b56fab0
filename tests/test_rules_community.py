"""Community Supports: the CSASF checks of reference section 5, CSPRTF rules C1-C5 and R11 of section 6, and
the Transitional Rent start of section 7.7."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from builders import AS_OF, ERROR, WARNING, cell, codes, csprtf_row, valid_row

from calaimfiles.findings import Finding
from calaimfiles.layouts import Layout, load_layout
from calaimfiles.reading.header import find_header
from calaimfiles.reading.workbook import Workbook
from calaimfiles.rules import checks_for
from calaimfiles.rules.table import Options, build_table

D = dt.date


def asf(column: str, row: int = 2) -> str:
    return cell("CSASF", column, row)


def prtf(column: str, row: int = 2) -> str:
    return cell("CSPRTF", column, row)


# -- CSASF authorization dates ---------------------------------------------------------------------------------

def test_authorization_ends_before_it_starts(check) -> None:
    found = check("CSASF", [valid_row("CSASF", authorization_start=D(2026, 4, 1),
                                      authorization_end=D(2026, 3, 1))])
    assert codes(found) == [("CSASF-AUTH-DATES", asf("authorization_end"))]
    assert found[0].severity == ERROR
    assert not found[0].fixable


def test_authorization_of_one_day(check) -> None:
    row = valid_row("CSASF", authorization_start=D(2026, 4, 1), authorization_end=D(2026, 4, 1))
    assert codes(check("CSASF", [row])) == []


# -- CSASF production day ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("produced", "as_of"), [
    (D(2026, 3, 20), AS_OF), (D(2026, 3, 30), AS_OF), (D(2026, 3, 14), AS_OF),
    (D(2026, 2, 27), AS_OF), (D(2028, 2, 28), D(2028, 3, 1)),  # 2028 has a 29th of February
])
def test_csasf_not_produced_on_a_sending_day(check, produced, as_of) -> None:
    rows = [valid_row("CSASF", production_date=produced, date_assigned=D(2026, 2, 1)),
            valid_row("CSASF", cin="91234568A", production_date=produced, date_assigned=D(2026, 2, 1))]
    found = check("CSASF", rows, as_of=as_of)
    assert codes(found) == [("CSASF-PRODUCTION-DAY", asf("production_date"))]
    assert found[0].severity == WARNING


@pytest.mark.parametrize(("produced", "as_of"), [
    (D(2026, 3, 15), AS_OF), (D(2026, 3, 29), AS_OF), (D(2026, 2, 15), AS_OF),
    (D(2026, 2, 28), AS_OF),  # the last day of February stands for the 29th
    (D(2028, 2, 29), D(2028, 3, 1)),
])
def test_csasf_produced_on_a_sending_day(check, produced, as_of) -> None:
    row = valid_row("CSASF", production_date=produced, date_assigned=D(2026, 2, 1))
    assert codes(check("CSASF", [row], as_of=as_of)) == []


# -- CS-SERVICE-NOT-YET ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout_values", [
    ("CSASF", {"service": "Transitional Rent", "authorization_start": D(2025, 6, 1)}),
    ("CSASF", {"service": "TR", "authorization_start": D(2025, 6, 30)}),
    # no authorization yet: the Date Assigned dates the row
    ("CSASF", {"service": "Transitional Rent", "authorization_status": "Potential Member",
               "authorization_number": "", "authorization_start": "", "authorization_end": "",
               "date_assigned": D(2025, 6, 15)}),
    ("CSPRTF", {"service": "Transitional Rent", "status": "7", "service_start": D(2025, 6, 15),
                "service_end": D(2025, 6, 30)}),
    ("CSPRTF", {"service": "H0044 U6", "status": "7", "service_start": D(2025, 6, 15),  # its billing code
                "service_end": D(2025, 6, 30)}),
])
def test_transitional_rent_dated_before_july_2025(check, layout_values) -> None:
    layout, values = layout_values
    found = check(layout, [valid_row(layout, **values)])
    assert codes(found) == [("CS-SERVICE-NOT-YET", cell(layout, "service", 2))]
    assert found[0].severity == WARNING
    assert not found[0].fixable


def test_transitional_rent_short_form_in_lower_case_is_still_transitional_rent(check) -> None:
    # short forms are accepted in any letter case (reference 7.7), and mean the service
    found = check("CSASF", [valid_row("CSASF", service="tr", authorization_start=D(2025, 6, 1))])
    assert codes(found) == [("CS-SERVICE-NOT-YET", asf("service"))]


@pytest.mark.parametrize("layout_values", [
    ("CSASF", {"service": "Transitional Rent", "authorization_start": D(2025, 7, 1)}),
    ("CSASF", {"service": "Housing Deposits", "authorization_start": D(2025, 6, 1)}),
    ("CSPRTF", {"service": "TR", "service_start": D(2025, 12, 2)}),
    ("CSPRTF", {"service": "Recuperative Care (Medical Respite)", "service_start": D(2025, 12, 15)}),
])
def test_service_dated_when_it_exists(check, layout_values) -> None:
    layout, values = layout_values
    assert codes(check(layout, [valid_row(layout, **values)])) == []


# -- C1 Unable to Contact ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "column"), [
    ({"outreach_attempts": 4}, "outreach_attempts"),
    ({"outreach_modalities": 2}, "outreach_modalities"),
    ({"outreach_attempts": "", "first_outreach": ""}, "outreach_attempts"),
])
def test_c1_unable_to_contact_without_enough_outreach(check, values, column) -> None:
    found = check("CSPRTF", [csprtf_row("3", **values)])
    assert codes(found) == [("CSPRTF-C1", prtf(column))]
    assert found[0].severity == ERROR


def test_c1_unable_to_contact_less_than_30_days_after_first_attempt(check) -> None:
    found = check("CSPRTF", [csprtf_row("3", first_outreach=D(2026, 2, 1), discontinuation_date=D(2026, 3, 2))])
    assert codes(found) == [("CSPRTF-C1", prtf("discontinuation_date"))]
    assert found[0].severity == WARNING


@pytest.mark.parametrize(("status", "values"), [
    ("3", {}),
    ("3", {"outreach_attempts": 9, "outreach_modalities": 4}),
    ("3", {"first_outreach": D(2026, 2, 1), "discontinuation_date": D(2026, 3, 3)}),  # exactly 30 days
    ("4", {"outreach_attempts": 1, "outreach_modalities": 1}),  # only Unable to Contact needs the outreach
])
def test_c1_enough_outreach(check, status, values) -> None:
    assert codes(check("CSPRTF", [csprtf_row(status, **values)])) == []


# -- C2 authorization -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["2", "5", "7", "Receiving Services"])
def test_c2_served_without_authorization(check, status) -> None:
    row = csprtf_row("2" if not status.isdigit() else status, status=status, authorization_number="")
    found = check("CSPRTF", [row])
    assert codes(found) == [("CSPRTF-C2", prtf("authorization_number"))]
    assert found[0].severity == ERROR


@pytest.mark.parametrize("status", ["1", "3", "4", "6"])
def test_c2_not_served_needs_no_authorization(check, status) -> None:
    assert codes(check("CSPRTF", [csprtf_row(status, authorization_number="")])) == []


# -- C3 room and board ----------------------------------------------------------------------------------------

RC = "Recuperative Care (Medical Respite)"
RC_START, RC_END = D(2025, 9, 1), D(2025, 11, 30)


def _stays(second_end: dt.date | str, second_status: str = "7", first_start: dt.date = RC_START,
           first_end: dt.date = RC_END) -> list[dict]:
    """Recuperative Care (91 days from 09/01/2025) then Transitional Rent from 01/01/2026 for one member."""
    return [
        csprtf_row("7", service=RC, service_start=first_start, service_end=first_end),
        csprtf_row(second_status, service="Transitional Rent", service_start=D(2026, 1, 1), service_end=second_end),
    ]


def test_c3_room_and_board_over_180_days(check) -> None:
    found = check("CSPRTF", _stays(D(2026, 3, 31)))  # 91 + 90 = 181 days
    assert codes(found) == [("CSPRTF-C3", prtf("service_start", 3))]
    assert found[0].severity == WARNING
    assert "181" in found[0].message


def test_c3_open_stay_counts_to_the_end_of_the_reporting_period(check) -> None:
    found = check("CSPRTF", _stays("", second_status="2"))  # open: to 03/31/2026, 181 days
    assert codes(found) == [("CSPRTF-C3", prtf("service_start", 3))]


def test_c3_one_long_stay(check) -> None:
    row = csprtf_row("7", service="STPHH", service_start=D(2025, 9, 1), service_end=D(2026, 3, 1))
    assert codes(check("CSPRTF", [row])) == [("CSPRTF-C3", prtf("service_start"))]


def test_c3_exactly_180_days_is_allowed(check) -> None:
    assert codes(check("CSPRTF", _stays(D(2026, 3, 30)))) == []


def test_c3_stays_more_than_a_year_apart(check) -> None:
    rows = _stays(D(2026, 3, 31), first_start=D(2024, 9, 1), first_end=D(2024, 11, 30))
    assert codes(check("CSPRTF", rows)) == []


def test_c3_counts_per_member_and_only_room_and_board(check) -> None:
    rows = _stays(D(2026, 3, 31))
    rows[1]["cin"] = "91234568A"
    long_other = csprtf_row("7", cin="91234569A", service="Housing Tenancy and Sustaining Services",
                            service_start=D(2025, 6, 1), service_end=D(2026, 3, 31))
    assert codes(check("CSPRTF", [*rows, long_other])) == []


# -- C4 referral status required by a plan profile ---------------------------------------------------------------

def _profile_requiring_referral_status() -> Layout:
    data = load_layout("CSPRTF").model_dump()
    data["columns"] = [{**c, "required": True} if c["id"] == "referral_status" else c for c in data["columns"]]
    return Layout(**data)


def _findings_with_layout(path: Path, layout: Layout) -> list[Finding]:
    """validate_file takes a layout name only, so run the pieces it runs with a custom profile."""
    book = Workbook(path)
    sheet = book.sheet(book.sheet_names[0])
    header = find_header(sheet.rows, [layout], sheet.name)
    assert header is not None
    table = build_table(sheet, header, Options(as_of=AS_OF))
    for check in checks_for(table):
        check(table)
    return sorted(table.findings, key=lambda f: (f.row or 0, f.code))


def test_c4_profile_requiring_referral_status(write) -> None:
    path = write("CSPRTF", [csprtf_row("2")])
    found = _findings_with_layout(path, _profile_requiring_referral_status())
    assert codes(found) == [("CSPRTF-C4", prtf("referral_status"))]
    assert found[0].severity == ERROR


@pytest.mark.parametrize(("values", "expected"), [
    ({"service": "Sobering Centers"}, []),
    ({"service": "SC"}, []),
    ({"service": "sc"}, []),
    ({"service": "sobering centers"}, [("CODE-SPELLING", prtf("service"))]),
    ({"referral_status": "Pending", "referral_update": D(2026, 3, 10)}, []),
    ({"referral_status": "closed", "referral_update": D(2026, 3, 10), "loop_closure_reason": "Other"},
     [("CODE-SPELLING", prtf("referral_status"))]),
])
def test_c4_sobering_centers_are_exempt_and_filled_status_passes(write, values, expected) -> None:
    path = write("CSPRTF", [csprtf_row("2", **values)])
    found = _findings_with_layout(path, _profile_requiring_referral_status())
    assert codes(found) == expected


def test_c4_reference_profile_leaves_referral_status_optional(check) -> None:
    assert codes(check("CSPRTF", [csprtf_row("2", referral_status="")])) == []


# -- C5 duplicates ----------------------------------------------------------------------------------------------

def test_c5_duplicate_member_and_service(check) -> None:
    rows = [csprtf_row("2"), csprtf_row("7", cin="91234568A"), csprtf_row("1", service="HD")]
    found = check("CSPRTF", rows)
    assert codes(found) == [("CSPRTF-C5", prtf("cin", 4))]
    assert found[0].severity == ERROR
    assert "row 2" in found[0].message


def test_c5_same_member_with_another_service(check) -> None:
    rows = [csprtf_row("2"), csprtf_row("2", service="Housing Transition Navigation Services")]
    assert codes(check("CSPRTF", rows)) == []


# -- CSPRTF-R11 --------------------------------------------------------------------------------------------------

CLOSED = {"referral_status": "Referral Loop Closed", "referral_update": D(2026, 3, 10)}


def test_csprtf_r11_closed_referral_without_a_reason(check) -> None:
    found = check("CSPRTF", [csprtf_row("7", **CLOSED)])
    assert codes(found) == [("CSPRTF-R11", prtf("loop_closure_reason"))]
    assert found[0].severity == ERROR


@pytest.mark.parametrize("status", ["1", "3", "4", "6"])
def test_csprtf_r11_services_received_without_service(check, status) -> None:
    found = check("CSPRTF", [csprtf_row(status, loop_closure_reason="Services Received", **CLOSED)])
    assert codes(found) == [("CSPRTF-R11", prtf("loop_closure_reason"))]
    assert found[0].severity == WARNING


@pytest.mark.parametrize(("status", "reason"), [("2", "Services Received"), ("5", "Services Received"),
                                                ("7", "Services Received"), ("4", "Member Declined")])
def test_csprtf_r11_fitting_reason(check, status, reason) -> None:
    assert codes(check("CSPRTF", [csprtf_row(status, loop_closure_reason=reason, **CLOSED)])) == []
