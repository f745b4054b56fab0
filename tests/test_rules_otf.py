"""OTF rules O1-O4 of reference section 4."""

from __future__ import annotations

import datetime as dt

import pytest
from builders import ERROR, WARNING, cell, codes, valid_row, valid_rows

D = dt.date
MARCH = D(2026, 3, 1)


def at(column: str, row: int = 2) -> str:
    return cell("OTF", column, row)


# -- O1 whole minutes ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("minutes", "fixed"), [(12.5, 13), (0.5, 1), (30.01, 31), ("7.2", 8)])
def test_o1_minutes_with_a_fraction_round_up(check, minutes, fixed) -> None:
    found = check("OTF", [valid_row("OTF", minutes=minutes)])
    assert codes(found) == [("OTF-O1", at("minutes"))]
    assert found[0].severity == WARNING
    assert found[0].fixable
    assert found[0].fix.value == fixed


@pytest.mark.parametrize("minutes", [12, 12.0, "45"])
def test_o1_whole_minutes(check, minutes) -> None:
    assert codes(check("OTF", [valid_row("OTF", minutes=minutes)])) == []


# -- O2 mailed attempts -----------------------------------------------------------------------------------------

def test_o2_blank_time_on_a_mail_attempt_is_fixed_to_one_minute(check) -> None:
    found = check("OTF", [valid_row("OTF", method="Mail", minutes="")])
    assert codes(found) == [("OTF-O2", at("minutes"))]
    assert found[0].severity == WARNING
    assert found[0].fixable
    assert found[0].fix.value == 1


def test_o2_other_time_on_a_mail_attempt_is_reported_without_a_fix(check) -> None:
    found = check("OTF", [valid_row("OTF", method="Mail", minutes=5)])
    assert codes(found) == [("OTF-O2", at("minutes"))]
    assert found[0].severity == WARNING
    assert not found[0].fixable


def test_o2_mail_attempt_of_one_minute(check) -> None:
    assert codes(check("OTF", [valid_row("OTF", method="Mail", minutes=1)])) == []


def test_o2_blank_time_on_another_method_is_required(check) -> None:
    found = check("OTF", [valid_row("OTF", method="Text", minutes="")])
    assert codes(found) == [("REQUIRED", at("minutes"))]


# -- O3 after the period, and repeated attempts ------------------------------------------------------------------

@pytest.mark.parametrize("day", [D(2026, 4, 1), D(2026, 4, 2)])
def test_o3_attempt_after_the_reporting_period(check, day) -> None:
    found = check("OTF", [valid_row("OTF", attempt_date=day)], period=MARCH)
    assert codes(found) == [("OTF-O3", at("attempt_date"))]
    assert found[0].severity == ERROR
    assert "03/2026" in found[0].message


@pytest.mark.parametrize("day", [D(2026, 3, 31), D(2026, 2, 20)])
def test_o3_attempt_within_or_before_the_period(check, day) -> None:
    assert codes(check("OTF", [valid_row("OTF", attempt_date=day)], period=MARCH)) == []


def test_o3_period_unknown_so_no_limit(check) -> None:
    assert codes(check("OTF", [valid_row("OTF", attempt_date=D(2026, 4, 2))])) == []


def test_o3_same_member_date_and_method_twice(check) -> None:
    rows = [valid_row("OTF"), valid_row("OTF", cin="91234568A"), valid_row("OTF", successful="N", minutes=5)]
    found = check("OTF", rows)
    assert codes(found) == [("OTF-O3", at("cin", 4))]
    assert found[0].severity == WARNING
    assert "row 2" in found[0].message


@pytest.mark.parametrize("change", [{"method": "Text"}, {"attempt_date": D(2026, 3, 6)}, {"cin": "91234568A"}])
def test_o3_attempts_that_differ_are_not_repeats(check, change) -> None:
    assert codes(check("OTF", [valid_row("OTF"), valid_row("OTF", **change)])) == []


# -- O4 one provider --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("column", "other"), [("provider_npi", "2000000002"), ("provider_name", "Otherclinic"),
                                               ("provider_tin", 951234568)])
def test_o4_provider_differs_between_rows(check, column, other) -> None:
    rows = valid_rows("OTF", 3)
    rows[2][column] = other
    found = check("OTF", rows)
    assert codes(found) == [("OTF-O4", at(column, 4))]
    assert found[0].severity == ERROR


def test_o4_provider_written_differently_is_the_same(check) -> None:
    rows = valid_rows("OTF", 3)
    rows[1]["provider_tin"] = "95-1234567"
    rows[2]["provider_npi"] = 1234567893
    assert codes(check("OTF", rows)) == []
