"""Field types of reference section 2 (and the code sets of section 7): one bad cell, one finding, at its cell."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from builders import ERROR, WARNING, cell, codes, one, rtf_row, valid_row, valid_rows

from calaimfiles.layouts import load_codesets, load_layout
from calaimfiles.layouts.model import CodeValue
from calaimfiles.rules.fields import CodeParser

NO_FIX = object()
D = dt.date

# (layout, column id, value written, code, severity, fix value or NO_FIX)
BAD_VALUES = [
    # CIN
    ("RTF", "cin", "91234567a", "CIN-LOWERCASE", ERROR, "91234567A"),
    ("RTF", "cin", "91234567A12024", "CIN-CARD-ID", ERROR, "91234567A"),
    ("OTF", "cin", "91234567b12024", "CIN-CARD-ID", ERROR, "91234567B"),
    ("RTF", "cin", "9123456A", "CIN-FORMAT", ERROR, NO_FIX),
    ("RTF", "cin", "912345678A", "CIN-FORMAT", ERROR, NO_FIX),
    ("RTF", "cin", 91234567, "CIN-FORMAT", ERROR, NO_FIX),
    # NPI
    ("RTF", "provider_npi", "1234567890", "NPI-CHECK-DIGIT", ERROR, NO_FIX),
    ("CSASF", "provider_npi", 1234567891, "NPI-CHECK-DIGIT", ERROR, NO_FIX),
    ("RTF", "provider_npi", "123456789", "NPI-FORMAT", ERROR, NO_FIX),
    ("RTF", "provider_npi", "3234567893", "NPI-FORMAT", ERROR, NO_FIX),
    ("OTF", "provider_npi", "12345-67893", "NPI-FORMAT", ERROR, NO_FIX),
    # TIN
    ("RTF", "provider_tin", "95-12345", "TIN-FORMAT", ERROR, NO_FIX),
    ("RTF", "provider_tin", 1234567, "TIN-FORMAT", ERROR, NO_FIX),
    ("RTF", "provider_tin", 12345678, "TIN-LEADING-ZERO", WARNING, "012345678"),
    ("CSPRTF", "provider_tin", 12345678, "TIN-LEADING-ZERO", WARNING, "012345678"),
    # dates
    ("RTF", "care_plan_revision", "2026-02-01", "DATE-FORMAT", WARNING, D(2026, 2, 1)),
    ("RTF", "care_plan_revision", "2/1/2026", "DATE-FORMAT", WARNING, D(2026, 2, 1)),
    ("RTF", "care_plan_revision", 46054, "DATE-FORMAT", WARNING, D(2026, 2, 1)),  # a bare Excel serial
    ("RTF", "care_plan_revision", "02/30/2026", "DATE-INVALID", ERROR, NO_FIX),
    ("RTF", "care_plan_revision", "next week", "DATE-INVALID", ERROR, NO_FIX),
    ("MIF", "dob", "13/01/1980", "DATE-INVALID", ERROR, NO_FIX),
    # several values in one cell
    ("RTF", "care_plan_revision", "02/01/2026, 02/05/2026", "CELL-MULTIPLE", ERROR, NO_FIX),
    ("OTF", "attempt_date", "3/1/2026 and 3/5/2026", "CELL-MULTIPLE", ERROR, NO_FIX),
    ("OTF", "method", "Phone, Text", "CELL-MULTIPLE", ERROR, NO_FIX),
    ("OTF", "method", "Phone and Mail", "CELL-MULTIPLE", ERROR, NO_FIX),
    ("OTF", "attempt_date", "3/1, 3/5", "CELL-MULTIPLE", ERROR, NO_FIX),  # the reference's own example
    # periods
    ("RTF", "reporting_period", "03/15/2026", "PERIOD-FORMAT", WARNING, D(2026, 3, 1)),
    ("CSPRTF", "reporting_period", "03/31/2026", "PERIOD-FORMAT", WARNING, D(2026, 3, 1)),
    ("RTF", "reporting_period", "March", "PERIOD-INVALID", ERROR, NO_FIX),
    ("MIF", "reporting_period", "13/2026", "PERIOD-INVALID", ERROR, NO_FIX),
    # phone
    ("RTF", "phone", "555-1234", "PHONE-INVALID", ERROR, NO_FIX),
    ("RTF", "lcm_phone", "(916) 555-01234", "PHONE-INVALID", ERROR, NO_FIX),
    ("CSASF", "phone", "call the front desk", "PHONE-INVALID", ERROR, NO_FIX),
    # ZIP
    ("RTF", "zip", "9410", "ZIP-INVALID", ERROR, NO_FIX),
    ("RTF", "zip", "CA 94110", "ZIP-INVALID", ERROR, NO_FIX),
    ("MIF", "zip", 941101, "ZIP-INVALID", ERROR, NO_FIX),
    ("RTF", "zip", "10001", "ZIP-NOT-CALIFORNIA", WARNING, NO_FIX),
    ("CSASF", "zip", 10001, "ZIP-NOT-CALIFORNIA", WARNING, NO_FIX),
    # state
    ("RTF", "state", "ca", "STATE-CASE", WARNING, "CA"),
    ("MIF", "state", "Ca", "STATE-CASE", WARNING, "CA"),
    ("RTF", "state", "Calif.", "STATE-INVALID", ERROR, NO_FIX),
    ("RTF", "state", "XX", "STATE-INVALID", ERROR, NO_FIX),
    # Y/N
    ("RTF", "new_address", "maybe", "YN-INVALID", ERROR, NO_FIX),
    ("OTF", "successful", "2", "YN-INVALID", ERROR, NO_FIX),
    ("RTF", "new_address", "Yes", "YN-SPELLING", WARNING, "Y"),
    ("RTF", "new_address", True, "YN-SPELLING", WARNING, "Y"),
    ("RTF", "pof_indicator", "TRUE", "YN-SPELLING", WARNING, "Y"),
    ("OTF", "successful", 1, "YN-SPELLING", WARNING, "Y"),
    ("MIF", "homeless", "No", "YN-SPELLING", WARNING, "N"),
    ("OTF", "successful", "false", "YN-SPELLING", WARNING, "N"),
    # codes
    ("RTF", "status", "Active", "CODE-INVALID", ERROR, NO_FIX),
    ("RTF", "status", 2.5, "CODE-INVALID", ERROR, NO_FIX),
    ("RTF", "acuity", "Very high", "CODE-INVALID", ERROR, NO_FIX),
    ("RTF", "pof", "1a;11", "CODE-INVALID", ERROR, NO_FIX),
    ("CSASF", "service", "Housing", "CODE-INVALID", ERROR, NO_FIX),
    ("OTF", "method", "Carrier pigeon", "CODE-INVALID", ERROR, NO_FIX),
    ("RTF", "status", "2 - Declined", "CODE-LABEL-MISMATCH", ERROR, NO_FIX),
    ("MIF", "status", "1 - Enrolled", "CODE-LABEL-MISMATCH", ERROR, NO_FIX),
    ("CSPRTF", "status", "2 - Services Completed", "CODE-LABEL-MISMATCH", ERROR, NO_FIX),
    ("RTF", "acuity", "low", "CODE-SPELLING", WARNING, "Low"),
    ("MIF", "acuity", "HIGH", "CODE-SPELLING", WARNING, "High"),
    ("RTF", "status", "enrolled", "CODE-SPELLING", WARNING, "Enrolled"),
    ("RTF", "pof", "1A", "CODE-SPELLING", WARNING, "1a"),
    ("RTF", "pof", "1A;3", "CODE-SPELLING", WARNING, "1a;3"),
    ("OTF", "method", "phone", "CODE-SPELLING", WARNING, "Phone"),
    ("CSASF", "service", "housing deposits", "CODE-SPELLING", WARNING, "Housing Deposits"),
    ("CSASF", "authorization_status", "approved", "CODE-SPELLING", WARNING, "Approved"),
    # counts
    ("RTF", "in_person", -1, "COUNT-INVALID", ERROR, NO_FIX),
    ("RTF", "in_person", 2.5, "COUNT-INVALID", ERROR, NO_FIX),
    ("RTF", "telephonic", "two", "COUNT-INVALID", ERROR, NO_FIX),
    ("CSASF", "authorized_units", "-3", "COUNT-INVALID", ERROR, NO_FIX),
    # minutes
    ("OTF", "minutes", 0, "MINUTES-INVALID", ERROR, NO_FIX),
    ("OTF", "minutes", -5, "MINUTES-INVALID", ERROR, NO_FIX),
    ("OTF", "minutes", "a while", "MINUTES-INVALID", ERROR, NO_FIX),
    ("OTF", "minutes", "1 h 5 min", "MINUTES-TEXT", WARNING, 65),
    ("OTF", "minutes", "1:05", "MINUTES-TEXT", WARNING, 65),
    ("OTF", "minutes", "20 minutes", "MINUTES-TEXT", WARNING, 20),
    # email
    ("RTF", "lcm_email", "jane.doe@clinic", "EMAIL-INVALID", ERROR, NO_FIX),
    ("RTF", "lcm_email", "jane@@clinic.org", "EMAIL-INVALID", ERROR, NO_FIX),
    ("RTF", "lcm_email", "jane doe@clinic.org", "EMAIL-INVALID", ERROR, NO_FIX),
    # whitespace
    ("RTF", "last_name", " Testperson", "TEXT-WHITESPACE", WARNING, "Testperson"),
    ("RTF", "first_name", "Alex\u00a0", "TEXT-WHITESPACE", WARNING, "Alex"),
    ("OTF", "client_name", "Alex Testperson  ", "TEXT-WHITESPACE", WARNING, "Alex Testperson"),
]


def _id(case: tuple[Any, ...]) -> str:
    layout, column, value, code = case[:4]
    return f"{code}-{layout}-{column}-{value!r}"


@pytest.mark.parametrize(("layout", "column", "value", "code", "severity", "fix"), BAD_VALUES,
                         ids=[_id(c) for c in BAD_VALUES])
def test_bad_value_is_reported_once_at_its_cell(check, layout, column, value, code, severity, fix) -> None:
    found = check(layout, [valid_row(layout, **{column: value})])
    assert codes(found) == [(code, cell(layout, column, 2))]
    finding = found[0]
    assert finding.severity == severity
    assert finding.row == 2
    assert finding.column == load_layout(layout).column(column).name
    if fix is NO_FIX:
        assert not finding.fixable
        assert finding.fix is None
    else:
        assert finding.fixable
        assert finding.fix is not None
        assert finding.fix.value == fix


# (layout, column id, value written): accepted as they are, without any finding
GOOD_VALUES = [
    ("RTF", "cin", "91234567A"),
    ("OTF", "cin", "90000001Z"),
    ("RTF", "provider_npi", 1234567893),
    ("RTF", "provider_npi", "1234567893"),
    ("CSASF", "provider_npi", "2000000002"),
    ("RTF", "provider_tin", "95-1234567"),
    ("RTF", "provider_tin", 951234567),
    ("RTF", "provider_tin", "012345678"),
    ("RTF", "care_plan_revision", "02/01/2026"),
    ("RTF", "care_plan_revision", dt.datetime(2026, 2, 1, 0, 0)),
    ("RTF", "reporting_period", "2026-03"),
    ("RTF", "reporting_period", "3/2026"),
    ("RTF", "reporting_period", D(2026, 3, 1)),
    ("RTF", "reporting_period", D(2026, 3, 17)),  # a date cell: any day of the month
    ("RTF", "phone", "1-916-555-0100"),
    ("RTF", "phone", "916.555.0100"),
    ("RTF", "phone", 9165550100),
    ("RTF", "phone", 19165550100),
    ("RTF", "zip", "95814-1234"),
    ("RTF", "zip", 95814),
    ("MIF", "zip", 958141234),
    ("RTF", "state", "CA"),
    ("RTF", "new_address", "y"),
    ("MIF", "homeless", "n"),
    ("RTF", "status", "2 - Enrolled"),
    ("RTF", "status", "Enrolled"),
    ("RTF", "status", 2),
    ("RTF", "acuity", "Medium"),
    ("RTF", "pof", "1a;3"),
    ("RTF", "pof", "9"),
    ("CSASF", "service", "HD"),
    ("CSASF", "service", "hd"),  # short forms are accepted in any letter case (reference 7.7)
    ("CSPRTF", "service", "Htss"),
    ("CSASF", "service", "Housing Deposits"),
    ("OTF", "method", "Other Electronic"),
    ("RTF", "in_person", 0),
    ("RTF", "in_person", "3"),
    ("RTF", "telephonic", 4.0),
    ("OTF", "minutes", 1),
    ("OTF", "minutes", "15"),
    ("OTF", "minutes", 90),
    ("RTF", "lcm_email", "c.coordinator@clinic.example.org"),
    ("RTF", "last_name", "Testperson-Example"),
]


@pytest.mark.parametrize(("layout", "column", "value"), GOOD_VALUES, ids=[_id((*c, "ok")) for c in GOOD_VALUES])
def test_good_value_is_accepted(check, layout, column, value) -> None:
    assert codes(check(layout, [valid_row(layout, **{column: value})])) == []


def test_zip_number_of_four_digits_gets_its_zero_back_and_is_not_californian(check) -> None:
    found = check("RTF", [valid_row("RTF", zip=2134)])
    zip_cell = cell("RTF", "zip", 2)
    assert sorted(codes(found)) == [("ZIP-LEADING-ZERO", zip_cell), ("ZIP-NOT-CALIFORNIA", zip_cell)]
    leading = one(found, "ZIP-LEADING-ZERO")
    assert leading.severity == WARNING
    assert leading.fix is not None and leading.fix.value == "02134"
    assert one(found, "ZIP-NOT-CALIFORNIA").severity == WARNING
    assert not one(found, "ZIP-NOT-CALIFORNIA").fixable


def test_text_zip_of_four_digits_is_invalid_not_a_lost_zero(check) -> None:
    assert codes(check("RTF", [valid_row("RTF", zip="2134")])) == [("ZIP-INVALID", cell("RTF", "zip", 2))]


def test_spaces_around_a_fixable_value_fix_both_problems_at_once(check) -> None:
    found = check("RTF", [valid_row("RTF", state=" ca ")])
    state_cell = cell("RTF", "state", 2)
    assert sorted(codes(found)) == [("STATE-CASE", state_cell), ("TEXT-WHITESPACE", state_cell)]
    assert one(found, "TEXT-WHITESPACE").fix.value == "CA"
    assert one(found, "STATE-CASE").fix.value == "CA"


def test_spaces_around_a_valid_code_are_only_whitespace(check) -> None:
    found = check("RTF", [valid_row("RTF", acuity="Low ")])
    assert codes(found) == [("TEXT-WHITESPACE", cell("RTF", "acuity", 2))]
    assert found[0].fix.value == "Low"


def test_spaces_around_a_bad_cin_still_report_the_cin(check) -> None:
    found = check("RTF", [valid_row("RTF", cin=" 9123456A")])
    cin_cell = cell("RTF", "cin", 2)
    assert sorted(codes(found)) == [("CIN-FORMAT", cin_cell), ("TEXT-WHITESPACE", cin_cell)]
    assert one(found, "CIN-FORMAT").severity == ERROR


@pytest.mark.parametrize("value", ["01", "1", 1, "09"])
def test_old_numbered_discontinuation_codes_are_invalid_and_the_message_lists_the_real_codes(check, value) -> None:
    found = check("RTF", [rtf_row("3", discontinuation_code=value)])
    assert codes(found) == [("CODE-INVALID", cell("RTF", "discontinuation_code", 2))]
    assert found[0].severity == ERROR and found[0].fix is None
    for code in ("WM", "DP", "UE", "UBE", "EXP", "NE", "OH", "CAP", "ERR", "OTH", "SC", "DNC"):
        assert f"{code} (" in found[0].message
    assert "Member declined to participate" in found[0].message


def test_a_numbered_code_of_a_plan_without_its_leading_zero() -> None:
    """A plan whose codes are numbers with a leading zero: `1` is understood as `01` (a fixable warning)."""
    codeset = load_codesets()["discontinuation_reason"].model_copy(
        update={"values": (CodeValue(code="01", label="Declined"), CodeValue(code="02", label="Other"))})
    parsed = CodeParser(codeset)(1)
    assert parsed.value == "01"
    assert [(i.code, i.fix) for i in parsed.issues] == [("CODE-SPELLING", "01")]
    assert CodeParser(codeset)("01").issues == ()


def test_same_bad_value_on_several_rows_is_reported_on_each(check) -> None:
    rows = valid_rows("RTF", 3)
    rows[0]["lcm_email"] = rows[2]["lcm_email"] = "nobody@clinic"
    found = check("RTF", rows)
    assert codes(found) == [("EMAIL-INVALID", cell("RTF", "lcm_email", 2)),
                            ("EMAIL-INVALID", cell("RTF", "lcm_email", 4))]


# -- Excel error cells --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("column", "error"), [("acuity", "#N/A"), ("care_conference", "#REF!"),
                                               ("cin", "#VALUE!")])
def test_excel_error_cell_is_reported(check, column, error) -> None:
    found = check("RTF", [valid_row("RTF"), valid_row("RTF", **{"cin": "91234568B", column: error})])
    assert codes(found) == [("CELL-ERROR", cell("RTF", column, 3))]
    finding = found[0]
    assert finding.severity == ERROR
    assert not finding.fixable
    assert error in finding.message
    assert finding.column == load_layout("RTF").column(column).name


def test_excel_error_in_required_column_is_not_also_blank(check) -> None:
    # the #N/A replaces the acuity: only CELL-ERROR, not RTF-R4 (blank acuity) nor REQUIRED
    found = check("OTF", [valid_row("OTF", method="#N/A")])
    assert codes(found) == [("CELL-ERROR", cell("OTF", "method", 2))]


def test_excel_error_below_title_rows_is_placed_on_its_row(check) -> None:
    found = check("RTF", [valid_row("RTF", acuity="#N/A")], title_rows=["Return Transmission File", "March 2026"])
    assert codes(found) == [("CELL-ERROR", cell("RTF", "acuity", 4))]
    assert found[0].row == 4


def test_text_that_looks_like_an_error_code_is_not_an_error_cell(check) -> None:
    # the text 'N/A' is just an invalid acuity, not an Excel error
    found = check("RTF", [valid_row("RTF", acuity="N/A")])
    assert codes(found) == [("CODE-INVALID", cell("RTF", "acuity", 2))]


# -- CIN: first digit 9, no placeholders (reference section 2) ---------------------------------------------------

@pytest.mark.parametrize(("value", "code"), [("12345678C", "CIN-NOT-MEDI-CAL"), ("81234567a", "CIN-NOT-MEDI-CAL"),
                                             ("99999999D", "CIN-PLACEHOLDER"), ("90000000A", "CIN-PLACEHOLDER"),
                                             ("95555555x", "CIN-PLACEHOLDER"),
                                             ("12345678C12024", "CIN-NOT-MEDI-CAL")])
def test_cin_not_a_medi_cal_cin_or_a_placeholder(check, value, code) -> None:
    found = check("RTF", [valid_row("RTF", cin=value)])
    assert codes(found) == [(code, cell("RTF", "cin", 2))]
    assert found[0].severity == ERROR and not found[0].fixable


@pytest.mark.parametrize("value", ["91234567A", "90000001A", "99999998Z"])
def test_medi_cal_cins_pass(check, value) -> None:
    assert codes(check("RTF", [valid_row("RTF", cin=value)])) == []


# -- dates with dashes or a time (reference section 2 [field]) ---------------------------------------------------

@pytest.mark.parametrize("value", ["03-04-2026", "3-4-2026", "03/04/2026 14:30", "3/4/2026 2:30 PM",
                                   "2026-03-04T14:30:00", "03-04-2026 09:15:00"])
def test_date_with_dashes_or_a_time_is_a_fixable_warning(check, value) -> None:
    found = check("RTF", [valid_row("RTF", last_encounter=value)])
    assert codes(found) == [("DATE-FORMAT", cell("RTF", "last_encounter", 2))]
    assert found[0].severity == WARNING
    assert found[0].fix.value == D(2026, 3, 4)


@pytest.mark.parametrize("value", ["03-04-26", "03/04/2026 25:10", "13-04-2026", "03/04/2026 14:30 later"])
def test_broken_dates_with_dashes_or_times_are_errors(check, value) -> None:
    found = check("RTF", [valid_row("RTF", last_encounter=value)])
    assert codes(found) == [("DATE-INVALID", cell("RTF", "last_encounter", 2))]
