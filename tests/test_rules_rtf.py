"""RTF rules R1-R11 of reference section 3 that one file can decide."""

from __future__ import annotations

import datetime as dt

import pytest
from builders import (
    ERROR,
    WARNING,
    cell,
    codes,
    findings_of,
    member_cin,
    one,
    rtf_row,
    valid_row,
    valid_rows,
    validate,
    write_xlsx,
)

D = dt.date
START, END, STOP = D(2026, 1, 15), D(2026, 3, 20), D(2026, 3, 20)


def at(column: str, row: int = 2) -> str:
    return cell("RTF", column, row)


def assert_only(found, code: str, cells: list[str], severity) -> None:
    assert codes(found) == [(code, c) for c in cells]
    assert all(f.severity == severity for f in found)
    assert not any(f.fixable for f in found)


# -- R1 Pending Outreach -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "column"), [
    ({"enrollment_start": START}, "enrollment_start"),
    ({"enrollment_end": END}, "enrollment_end"),
    ({"discontinuation_date": STOP, "discontinuation_code": "DP"}, "discontinuation_date"),
    ({"status": "Pending Outreach", "enrollment_start": START}, "enrollment_start"),
    ({"status": "1 - Pending Outreach", "enrollment_start": START}, "enrollment_start"),
])
def test_r1_pending_outreach_with_a_date(check, values, column) -> None:
    assert_only(check("RTF", [rtf_row("1", **values)]), "RTF-R1", [at(column)], ERROR)


def test_r1_pending_outreach_without_dates(check) -> None:
    assert codes(check("RTF", [rtf_row("1")])) == []


# -- R2 Enrolled ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("values", "column"), [
    ({"enrollment_start": ""}, "enrollment_start"),
    ({"lcm_name": ""}, "lcm_name"),
    ({"lcm_phone": ""}, "lcm_phone"),
    ({"enrollment_end": END}, "enrollment_end"),
    ({"discontinuation_date": STOP, "discontinuation_code": "WM"}, "discontinuation_date"),
    ({"status": "Enrolled", "enrollment_start": ""}, "enrollment_start"),
    ({"status": "2 - Enrolled", "lcm_name": ""}, "lcm_name"),
])
def test_r2_enrolled_member_incomplete(check, values, column) -> None:
    assert_only(check("RTF", [rtf_row("2", **values)]), "RTF-R2", [at(column)], ERROR)


def test_r2_enrolled_member_complete(check) -> None:
    assert codes(check("RTF", [rtf_row("2")])) == []


def test_r2_status_in_another_letter_case_is_still_enrolled(check) -> None:
    # 'enrolled' is status 2 written in lower case: a spelling warning, and the row is judged as enrolled
    found = check("RTF", [rtf_row("2", status="enrolled", enrollment_start="")])
    assert codes(found) == [("CODE-SPELLING", at("status")), ("RTF-R2", at("enrollment_start"))]


# -- R3 End Date and Discontinuation Date ------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "values"), [
    ("3", {"enrollment_start": START}),  # enrolled before, leaves: needs End Date too
    ("5", {"enrollment_end": ""}),
    ("6", {"enrollment_end": END}),  # never enrolled: End Date must stay blank
    ("3", {"enrollment_end": END}),
])
def test_r3_end_and_discontinuation_dates_do_not_fit(check, status, values) -> None:
    assert_only(check("RTF", [rtf_row(status, **values)]), "RTF-R3", [at("enrollment_end")], ERROR)


@pytest.mark.parametrize(("status", "values"), [
    ("3", {}), ("6", {}),  # never enrolled: Discontinuation Date only
    ("3", {"enrollment_start": START, "enrollment_end": END}),  # enrolled: both
    ("5", {}),
])
def test_r3_dates_fit(check, status, values) -> None:
    assert codes(check("RTF", [rtf_row(status, **values)])) == []


# -- R3a Declined -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("values", [{"enrollment_end": END}, {"enrollment_start": START}])
def test_r3a_declined_dates(check, values) -> None:
    assert_only(check("RTF", [rtf_row("4", **values)]), "RTF-R3a", [at("enrollment_end")], ERROR)


@pytest.mark.parametrize("values", [{}, {"enrollment_start": START, "enrollment_end": END}])
def test_r3a_declined_dates_fit(check, values) -> None:
    assert codes(check("RTF", [rtf_row("4", **values)])) == []


# -- R3b exits ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "values", "columns"), [
    ("3", {"discontinuation_date": ""}, ["discontinuation_date"]),
    ("4", {"discontinuation_code": ""}, ["discontinuation_code"]),
    ("6", {"discontinuation_date": "", "discontinuation_code": ""}, ["discontinuation_date", "discontinuation_code"]),
    ("5", {"enrollment_start": "", "enrollment_end": ""}, ["enrollment_start"]),
    ("5", {"enrollment_start": "", "enrollment_end": "", "discontinuation_code": ""},
     ["enrollment_start", "discontinuation_code"]),
])
def test_r3b_exit_without_discontinuation(check, status, values, columns) -> None:
    assert_only(check("RTF", [rtf_row(status, **values)]), "RTF-R3b", [at(c) for c in columns], ERROR)


def test_r3b_exit_with_date_and_reason(check) -> None:
    rows = [rtf_row(s, cin=member_cin(n)) for n, s in enumerate(["3", "4", "5", "6"], 1)]
    assert codes(check("RTF", rows)) == []


# -- R3c same day ---------------------------------------------------------------------------------------------------

def test_r3c_end_and_discontinuation_dates_differ(check) -> None:
    found = check("RTF", [rtf_row("5", enrollment_end=D(2026, 3, 10), discontinuation_date=D(2026, 3, 12))])
    assert_only(found, "RTF-R3c", [at("discontinuation_date")], WARNING)


def test_r3c_same_day_written_differently(check) -> None:
    assert codes(check("RTF", [rtf_row("5", enrollment_end="03/20/2026")])) == []


# -- R4 acuity --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["1", "2", "3", "6"])
def test_r4_blank_acuity_is_an_error_fixed_to_low(check, status) -> None:
    found = check("RTF", [rtf_row(status, acuity="")])
    assert codes(found) == [("RTF-R4", at("acuity"))]
    finding = found[0]
    assert finding.severity == ERROR
    assert finding.fixable
    assert finding.fix.value == "Low"


def test_r4_acuity_in_lower_case_is_a_spelling_not_blank(check) -> None:
    found = check("RTF", [valid_row("RTF", acuity="medium")])
    assert codes(found) == [("CODE-SPELLING", at("acuity"))]
    assert found[0].fix.value == "Medium"


@pytest.mark.parametrize("acuity", ["Low", "Medium", "High"])
def test_r4_acuity_filled(check, acuity) -> None:
    assert codes(check("RTF", [valid_row("RTF", acuity=acuity)])) == []


# -- R5 date order ----------------------------------------------------------------------------------------------

def test_r5_enrollment_start_after_end_and_discontinuation(check) -> None:
    found = check("RTF", [rtf_row("5", enrollment_start=D(2026, 3, 25))])
    assert_only(found, "RTF-R5", [at("enrollment_end"), at("discontinuation_date")], ERROR)


def test_r5_assessment_completed_before_it_started(check) -> None:
    found = check("RTF", [valid_row("RTF", assessment_started=D(2026, 2, 10), assessment_completed=D(2026, 2, 5))])
    assert_only(found, "RTF-R5", [at("assessment_completed")], ERROR)


def test_r5_dates_on_the_same_day_are_in_order(check) -> None:
    rows = [rtf_row("5", enrollment_start=END),
            valid_row("RTF", cin=member_cin(2), assessment_started=D(2026, 2, 5), assessment_completed=D(2026, 2, 5))]
    assert codes(check("RTF", rows)) == []


# -- R6 encounters ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("encounter", "counts"), [
    (D(2026, 3, 14), {"in_person": "", "telephonic": ""}),
    (D(2026, 3, 1), {"in_person": 0, "telephonic": 0}),
    (D(2026, 3, 31), {"in_person": "", "telephonic": 0}),
])
def test_r6_encounter_in_the_period_without_counts(check, encounter, counts) -> None:
    found = check("RTF", [valid_row("RTF", last_encounter=encounter, **counts)])
    assert_only(found, "RTF-R6", [at("last_encounter")], WARNING)


@pytest.mark.parametrize(("encounter", "counts"), [
    (D(2026, 2, 28), {"in_person": "", "telephonic": ""}),  # before the period
    (D(2026, 3, 14), {"in_person": "", "telephonic": 1}),
    (D(2026, 3, 14), {"in_person": 1, "telephonic": ""}),
    ("", {"in_person": "", "telephonic": ""}),
])
def test_r6_encounter_counted_or_outside_the_period(check, encounter, counts) -> None:
    assert codes(check("RTF", [valid_row("RTF", last_encounter=encounter, **counts)])) == []


def test_r6_period_written_as_a_date_cell_of_another_day(check) -> None:
    found = check("RTF", [valid_row("RTF", reporting_period=D(2026, 3, 17), in_person="", telephonic="")])
    assert_only(found, "RTF-R6", [at("last_encounter")], WARNING)


# -- R8 case load -----------------------------------------------------------------------------------------------

def test_r8_more_than_50_enrolled_members_per_lead_care_manager(check) -> None:
    rows = valid_rows("RTF", 51)
    for row in rows[25:]:
        row["lcm_name"] = "casey  COORDINATOR"  # the same name in another case and spacing
    found = check("RTF", rows)
    assert_only(found, "RTF-R8", [at("lcm_name")], WARNING)
    assert "51" in found[0].message


def test_r8_fifty_enrolled_members_is_the_limit(check) -> None:
    rows = [*valid_rows("RTF", 50), rtf_row("1", cin=member_cin(99)), rtf_row("5", cin=member_cin(98))]
    assert codes(check("RTF", rows)) == []


def test_r8_counts_each_lead_care_manager_separately(check) -> None:
    rows = valid_rows("RTF", 60)
    for row in rows[30:]:
        row["lcm_name"] = "Robin Coordinator"
    assert codes(check("RTF", rows)) == []


# -- R10 duplicates and file-level values -----------------------------------------------------------------------

def test_r10_duplicate_cin(check) -> None:
    rows = valid_rows("RTF", 3)
    rows[2]["cin"] = rows[0]["cin"]
    found = check("RTF", rows)
    assert_only(found, "RTF-R10", [at("cin", 4)], ERROR)
    assert "row 2" in found[0].message


@pytest.mark.parametrize(("column", "other"), [
    ("reporting_period", "02/2026"),
    ("production_date", D(2026, 4, 2)),
    ("provider_name", "Otherclinic ECM"),
    ("provider_npi", "2000000002"),
    ("provider_tin", "95-7654321"),
])
def test_r10_file_level_value_differs(check, column, other) -> None:
    rows = valid_rows("RTF", 3)
    rows[1][column] = other
    assert_only(check("RTF", rows), "RTF-R10", [at(column, 3)], ERROR)


def test_r10_same_values_written_differently(check) -> None:
    rows = valid_rows("RTF", 3)
    rows[1]["production_date"] = "04/03/2026"
    rows[1]["provider_tin"] = "95-1234567"
    rows[2]["reporting_period"] = D(2026, 3, 1)
    rows[2]["provider_npi"] = 1234567893
    assert codes(check("RTF", rows)) == []


# -- R11 referral loop closure ------------------------------------------------------------------------------------

REFERRAL = {"referral_status": "Referral Loop Closed", "referral_update": D(2026, 3, 10)}


def test_r11_closed_referral_without_a_reason(check) -> None:
    found = check("RTF", [rtf_row("2", **REFERRAL)])
    assert_only(found, "RTF-R11", [at("loop_closure_reason")], ERROR)


@pytest.mark.parametrize("status", ["1", "3", "4", "6"])
def test_r11_services_received_for_a_member_never_enrolled(check, status) -> None:
    found = check("RTF", [rtf_row(status, loop_closure_reason="Services Received", **REFERRAL)])
    assert_only(found, "RTF-R11", [at("loop_closure_reason")], WARNING)


@pytest.mark.parametrize(("status", "reason"), [("2", "Services Received"), ("5", "Services Received"),
                                                ("3", "Unable to Contact"), ("4", "Member Declined")])
def test_r11_closed_referral_with_a_fitting_reason(check, status, reason) -> None:
    assert codes(check("RTF", [rtf_row(status, loop_closure_reason=reason, **REFERRAL)])) == []


def test_r11_reason_without_a_closed_referral_is_ignored(check) -> None:
    found = check("RTF", [rtf_row("2", referral_status="Pending", referral_update=D(2026, 3, 10),
                                  loop_closure_reason="Other")])
    assert codes(found) == [("VALUE-IGNORED", at("loop_closure_reason"))]
    assert one(found, "VALUE-IGNORED").severity == WARNING


# -- R3d reason code fits the status ------------------------------------------------------------------------------

@pytest.mark.parametrize(("status", "code"), [("3", "UE"), ("3", "ERR"), ("4", "DP"), ("6", "NE"), ("6", "OH"),
                                              ("6", "CAP"), ("5", "WM"), ("5", "EXP"), ("5", "SC"), ("5", "OTH")])
def test_r3d_reason_code_that_fits_the_status(check, status, code) -> None:
    assert codes(check("RTF", [rtf_row(status, discontinuation_code=code)])) == []


@pytest.mark.parametrize(("status", "code", "wanted"), [("3", "DP", "UE or ERR"), ("4", "WM", "DP"),
                                                        ("6", "UE", "NE or OH or CAP"), ("5", "DP", "but DP")])
def test_r3d_reason_code_that_does_not_fit_the_status(check, status, code, wanted) -> None:
    found = check("RTF", [rtf_row(status, discontinuation_code=code)])
    assert_only(found, "RTF-R3d", [at("discontinuation_code")], WARNING)
    assert wanted in found[0].message


def test_r3d_pairs_are_data_a_plan_can_change(tmp_path) -> None:
    profile = tmp_path / "p.toml"
    profile.write_text('name = "p"\ntitle = "P"\n[layouts.RTF.parameters.reason_fits_status]\n'
                       'declined = { allowed = ["DP", "OTH"] }\n', encoding="utf-8")
    path = write_xlsx(tmp_path, "RTF", [rtf_row("4", discontinuation_code="OTH")])
    assert codes(findings_of(validate(path, plan=str(profile)))) == []
    assert codes(findings_of(validate(path))) == [("RTF-R3d", at("discontinuation_code"))]
    # the pairs the plan does not name stay as the reference has them
    unfit = write_xlsx(tmp_path, "RTF", [rtf_row("3", discontinuation_code="DP")], filename="unfit.xlsx")
    assert codes(findings_of(validate(unfit, plan=str(profile)))) == [("RTF-R3d", at("discontinuation_code"))]
