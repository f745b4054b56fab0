"""Submission windows and the deadline calendar (reference section 1): every edge of the windows, judged on real
workbooks, in California time; the CSASF's sending days around the end of February; `calaimfiles calendar`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from builders import ERROR, WARNING, cell, codes, csprtf_row, valid_row
from pydantic import ValidationError
from typer.testing import CliRunner, Result

from calaimfiles.commands import app
from calaimfiles.layouts import Window, load_layout
from calaimfiles.rules.windows import (
    Timing,
    is_sending_day,
    month_day,
    next_window,
    submission_window,
    timing,
    upcoming_deadlines,
)
from calaimfiles.validate import today_in_california

D = dt.date
UTC = dt.UTC
PERIOD = "10/2026"  # the reporting period of the files below
PRODUCED = D(2026, 11, 3)
RTF_WINDOW = Window(due_day=5, accepted_until_day=10)


def rtf(**overrides: object) -> dict[str, object]:
    return valid_row("RTF", **{"reporting_period": PERIOD, "production_date": PRODUCED, **overrides})


def csprtf(**overrides: object) -> dict[str, object]:
    return csprtf_row("2", **{"reporting_period": PERIOD, "production_date": PRODUCED, **overrides})


def otf(**overrides: object) -> dict[str, object]:
    return valid_row("OTF", **{"attempt_date": D(2026, 10, 20), **overrides})


def period_cell(layout: str, row: int = 2) -> str:
    return cell(layout, "reporting_period", row)


# -- the windows as data ---------------------------------------------------------------------------------------

def test_windows_come_from_the_layout_data() -> None:
    assert load_layout("RTF").window == load_layout("OTF").window == RTF_WINDOW
    assert load_layout("CSPRTF").window == Window(due_day=5, accepted_until_day=5)
    assert load_layout("MIF").window is None and load_layout("CSASF").window is None


def test_a_window_cannot_close_before_it_is_due() -> None:
    with pytest.raises(ValidationError):
        Window(due_day=10, accepted_until_day=5)


# -- the date arithmetic ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("year", "month", "day", "expected"), [
    (2027, 2, 29, D(2027, 2, 28)), (2028, 2, 29, D(2028, 2, 29)), (2026, 4, 31, D(2026, 4, 30)),
    (2026, 5, 29, D(2026, 5, 29)),
])
def test_month_day_is_the_last_day_of_a_shorter_month(year, month, day, expected) -> None:
    assert month_day(year, month, day) == expected


def test_submission_window_and_the_next_one() -> None:
    october = submission_window(D(2026, 10, 17), RTF_WINDOW)
    assert (october.period, october.due, october.last_day) == (D(2026, 10, 1), D(2026, 11, 5), D(2026, 11, 10))
    december = submission_window(D(2026, 12, 1), RTF_WINDOW)
    assert (december.due, december.last_day) == (D(2027, 1, 5), D(2027, 1, 10))  # across the year
    assert next_window(D(2026, 11, 10), RTF_WINDOW) == october
    assert next_window(D(2026, 11, 11), RTF_WINDOW) == submission_window(D(2026, 11, 1), RTF_WINDOW)


@pytest.mark.parametrize(("day", "expected"), [
    (D(2026, 10, 31), Timing.NOT_ENDED), (D(2026, 11, 1), Timing.ON_TIME), (D(2026, 11, 5), Timing.ON_TIME),
    (D(2026, 11, 6), Timing.GRACE), (D(2026, 11, 10), Timing.GRACE), (D(2026, 11, 11), Timing.LATE),
    (D(2026, 11, 30), Timing.LATE), (D(2026, 12, 1), Timing.OLD),
])
def test_timing_of_every_edge(day, expected) -> None:
    assert timing(D(2026, 10, 1), day, RTF_WINDOW) == expected


# -- RTF: due the 5th, accepted until the 10th -----------------------------------------------------------------

@pytest.mark.parametrize("as_of", [D(2026, 11, 3), D(2026, 11, 5)])
def test_rtf_on_time(check, as_of) -> None:
    assert codes(check("RTF", [rtf()], as_of=as_of)) == []


@pytest.mark.parametrize("as_of", [D(2026, 11, 6), D(2026, 11, 10)])
def test_rtf_after_the_5th_is_a_warning_until_the_10th(check, as_of) -> None:
    found = check("RTF", [rtf()], as_of=as_of)
    assert codes(found) == [("WINDOW-GRACE", period_cell("RTF"))]
    assert found[0].severity == WARNING
    assert found[0].message == ("Member Information File Reporting Period is 10/2026: that file was due 11/05/2026; "
                                "the plan still accepts it until 11/10/2026")


def test_rtf_on_the_11th_is_late_and_names_the_next_window(check) -> None:
    found = check("RTF", [rtf()], as_of=D(2026, 11, 11))
    assert codes(found) == [("WINDOW-LATE", period_cell("RTF"))]
    assert found[0].severity == ERROR
    assert found[0].message == (
        "Member Information File Reporting Period is 10/2026: the window for period 10/2026 closed on 11/10/2026; "
        "this month's updates go in the 11/2026 file, due 12/05/2026")


def test_window_finding_is_shown_once_on_the_first_row_with_the_period(check) -> None:
    rows = [rtf(cin="90000001A", reporting_period="09/2026"), rtf(cin="90000002A"), rtf(cin="90000003A")]
    found = check("RTF", rows, as_of=D(2026, 11, 11))
    assert codes(found) == [("RTF-R10", period_cell("RTF", 2)), ("WINDOW-LATE", period_cell("RTF", 3))]


def test_period_in_the_current_month_has_not_ended(check) -> None:
    found = check("RTF", [rtf(reporting_period="11/2026")], as_of=D(2026, 11, 20))
    assert codes(found) == [("PERIOD-FUTURE", period_cell("RTF"))]
    assert found[0].severity == ERROR
    assert found[0].message == ("Member Information File Reporting Period is 11/2026, a month that has not ended yet "
                                "(today is 11/20/2026): that file is due 12/05/2026")


def test_period_in_a_later_month_is_in_the_future(check) -> None:
    found = check("RTF", [rtf(reporting_period="12/2026")], as_of=D(2026, 11, 5))
    assert codes(found) == [("PERIOD-FUTURE", period_cell("RTF"))]
    assert "is 12/2026, in the future (today is 11/05/2026)" in found[0].message


def test_period_two_months_old(check) -> None:
    found = check("RTF", [rtf(reporting_period="09/2026")], as_of=D(2026, 11, 5))
    assert codes(found) == [("PERIOD-OLD", period_cell("RTF"))]
    assert found[0].severity == ERROR
    assert found[0].message == (
        "Member Information File Reporting Period is 09/2026, 2 months ago: the window for period 09/2026 closed on "
        "10/10/2026; this month's updates go in the 10/2026 file, due 11/05/2026")


def test_blank_period_is_left_to_the_required_rule(check) -> None:
    found = check("RTF", [rtf(reporting_period="")], as_of=D(2026, 11, 20))
    assert codes(found) == [("REQUIRED", period_cell("RTF"))]


# -- CSPRTF: due the 5th, no grace ------------------------------------------------------------------------------

def test_csprtf_on_the_5th_is_on_time(check) -> None:
    assert codes(check("CSPRTF", [csprtf()], as_of=D(2026, 11, 5))) == []


def test_csprtf_on_the_6th_is_late(check) -> None:
    found = check("CSPRTF", [csprtf()], as_of=D(2026, 11, 6))
    assert codes(found) == [("WINDOW-LATE", period_cell("CSPRTF"))]
    assert found[0].message == ("Reporting Period is 10/2026: the window for period 10/2026 closed on 11/05/2026; "
                                "this month's updates go in the 11/2026 file, due 12/05/2026")


def test_csprtf_production_date_in_the_future(check) -> None:
    found = check("CSPRTF", [csprtf(production_date=D(2026, 11, 6))], as_of=D(2026, 11, 5))
    assert codes(found) == [("DATE-FUTURE", cell("CSPRTF", "production_date", 2))]
    assert found[0].severity == ERROR


# -- OTF: no period column, --period stands in -------------------------------------------------------------------

def test_otf_without_a_period_is_not_judged(check) -> None:
    assert codes(check("OTF", [otf()], as_of=D(2026, 11, 11))) == []


@pytest.mark.parametrize(("as_of", "expected"), [
    (D(2026, 11, 5), []), (D(2026, 11, 10), [("WINDOW-GRACE", None)]), (D(2026, 11, 11), [("WINDOW-LATE", None)]),
])
def test_otf_is_judged_by_the_period_given(check, as_of, expected) -> None:
    found = check("OTF", [otf()], as_of=as_of, period=D(2026, 10, 1))
    assert codes(found) == expected
    assert all(f.row is None and f.message.startswith("The reporting period given with --period is 10/2026")
               for f in found)


# -- California time --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("utc", "california"), [
    (dt.datetime(2026, 11, 11, 7, 59, tzinfo=UTC), D(2026, 11, 10)),  # PST: UTC-8
    (dt.datetime(2026, 11, 11, 8, 0, tzinfo=UTC), D(2026, 11, 11)),
    (dt.datetime(2026, 7, 11, 6, 59, tzinfo=UTC), D(2026, 7, 10)),  # PDT: UTC-7
    (dt.datetime(2026, 7, 11, 7, 0, tzinfo=UTC), D(2026, 7, 11)),
    (dt.datetime(2026, 3, 8, 7, 59, tzinfo=UTC), D(2026, 3, 7)),  # the night clocks spring forward
    (dt.datetime(2026, 3, 9, 6, 59, tzinfo=UTC), D(2026, 3, 8)),
    (dt.datetime(2026, 11, 2, 7, 59, tzinfo=UTC), D(2026, 11, 1)),  # the night clocks fall back
    (dt.datetime(2026, 11, 2, 8, 0, tzinfo=UTC), D(2026, 11, 2)),
])
def test_today_in_california_across_daylight_saving(utc, california) -> None:
    assert today_in_california(now=utc) == california


def test_2359_pacific_on_the_10th_is_on_time_although_utc_says_the_11th(check) -> None:
    before_midnight = today_in_california(now=dt.datetime(2026, 11, 11, 7, 59, tzinfo=UTC))
    assert [code for code, _ in codes(check("RTF", [rtf()], as_of=before_midnight))] == ["WINDOW-GRACE"]
    after_midnight = today_in_california(now=dt.datetime(2026, 11, 11, 8, 0, tzinfo=UTC))
    assert [code for code, _ in codes(check("RTF", [rtf()], as_of=after_midnight))] == ["WINDOW-LATE"]


def test_2359_pacific_on_the_5th_is_on_time_for_the_csprtf(check) -> None:
    as_of = today_in_california(now=dt.datetime(2026, 11, 6, 7, 59, tzinfo=UTC))
    assert codes(check("CSPRTF", [csprtf()], as_of=as_of)) == []


# -- CSASF: the 15th and the 29th, the last day of February ------------------------------------------------------

@pytest.mark.parametrize("produced", [
    D(2027, 2, 28),  # no 29th in 2027
    D(2028, 2, 29),  # a leap year
    D(2026, 4, 29), D(2026, 5, 29),  # a 30-day and a 31-day month
    D(2026, 4, 15),
])
def test_csasf_produced_on_a_sending_day(check, produced) -> None:
    assert codes(check("CSASF", [valid_row("CSASF", production_date=produced)], as_of=produced)) == []


@pytest.mark.parametrize("produced", [D(2028, 2, 28), D(2026, 4, 30), D(2026, 5, 31), D(2026, 4, 14)])
def test_csasf_produced_on_another_day(check, produced) -> None:
    found = check("CSASF", [valid_row("CSASF", production_date=produced)], as_of=produced)
    assert codes(found) == [("CSASF-PRODUCTION-DAY", cell("CSASF", "production_date", 2))]
    assert found[0].severity == WARNING


def test_calendar_and_production_day_rules_read_the_same_sending_days() -> None:
    days = [int(d) for d in load_layout("CSASF").parameter("production_days")]
    mif_day = int(load_layout("MIF").parameter("production_last_day"))
    start, end = D(2027, 1, 1), D(2028, 12, 31)
    listed = upcoming_deadlines(start, end)
    csasf = {d.day for d in listed if d.what.startswith("CSASF")}
    every_day = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    assert csasf == {day for day in every_day if is_sending_day(day, days)}
    assert {d.day for d in listed if d.what.startswith("MIF")} == {day for day in every_day if day.day == mif_day}


# -- calaimfiles calendar ---------------------------------------------------------------------------------------

runner = CliRunner()


def calendar(*args: str) -> Result:
    return runner.invoke(app, ["calendar", *args])


def test_calendar_lists_the_next_two_months() -> None:
    result = calendar("--as-of", "2026-11-05")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Deadlines from Thu 11/05/2026 to Tue 01/05/2027 (California dates)",
        "Date            Days left  Deadline",
        "Thu 11/05/2026      today  RTF and OTF for period 10/2026 due",
        "Thu 11/05/2026      today  CSPRTF for period 10/2026 due; no grace period",
        "Tue 11/10/2026          5  RTF and OTF for period 10/2026: last day the plan accepts them",
        "Sun 11/15/2026         10  MIF sent by the plan (by the 15th)",
        "Sun 11/15/2026         10  CSASF sent by the plan",
        "Sun 11/29/2026         24  CSASF sent by the plan",
        "Sat 12/05/2026         30  RTF and OTF for period 11/2026 due",
        "Sat 12/05/2026         30  CSPRTF for period 11/2026 due; no grace period",
        "Thu 12/10/2026         35  RTF and OTF for period 11/2026: last day the plan accepts them",
        "Tue 12/15/2026         40  MIF sent by the plan (by the 15th)",
        "Tue 12/15/2026         40  CSASF sent by the plan",
        "Tue 12/29/2026         54  CSASF sent by the plan",
        "Tue 01/05/2027         61  RTF and OTF for period 12/2026 due",
        "Tue 01/05/2027         61  CSPRTF for period 12/2026 due; no grace period",
    ]


def test_calendar_february_of_a_leap_year() -> None:
    result = calendar("--as-of", "2028-02-11", "--months", "1")
    assert result.stdout.splitlines() == [
        "Deadlines from Fri 02/11/2028 to Sat 03/11/2028 (California dates)",
        "Date            Days left  Deadline",
        "Tue 02/15/2028          4  MIF sent by the plan (by the 15th)",
        "Tue 02/15/2028          4  CSASF sent by the plan",
        "Tue 02/29/2028         18  CSASF sent by the plan",
        "Sun 03/05/2028         23  RTF and OTF for period 02/2028 due",
        "Sun 03/05/2028         23  CSPRTF for period 02/2028 due; no grace period",
        "Fri 03/10/2028         28  RTF and OTF for period 02/2028: last day the plan accepts them",
    ]


def test_calendar_february_of_another_year_and_the_quarterly_report() -> None:
    result = calendar("--as-of", "2027-01-31", "--months", "1")
    assert result.stdout.splitlines() == [
        "Deadlines from Sun 01/31/2027 to Sun 02/28/2027 (California dates)",
        "Date            Days left  Deadline",
        "Sun 01/31/2027      today  Quarterly staffing and capacity report due",
        "Fri 02/05/2027          5  RTF and OTF for period 01/2027 due",
        "Fri 02/05/2027          5  CSPRTF for period 01/2027 due; no grace period",
        "Wed 02/10/2027         10  RTF and OTF for period 01/2027: last day the plan accepts them",
        "Mon 02/15/2027         15  MIF sent by the plan (by the 15th)",
        "Mon 02/15/2027         15  CSASF sent by the plan",
        "Sun 02/28/2027         28  CSASF sent by the plan (the month's last day, for the 29th)",
    ]


@pytest.mark.parametrize("args", [["--as-of", "2026-13-01"], ["--months", "0"]])
def test_calendar_rejects_bad_options(args) -> None:
    assert calendar(*args).exit_code == 2


# -- validate: exit codes ---------------------------------------------------------------------------------------

def test_validate_exit_codes_follow_the_window(write) -> None:
    path: Path = write("RTF", [rtf()])

    def run(*args: str) -> int:
        return runner.invoke(app, ["validate", str(path), *args]).exit_code

    assert run("--as-of", "2026-11-05", "--fail-on", "warning") == 0
    assert run("--as-of", "2026-11-10") == 0
    assert run("--as-of", "2026-11-10", "--fail-on", "warning") == 1
    assert run("--as-of", "2026-11-11") == 1
    assert run("--as-of", "2026-11-11", "--ignore", "WINDOW") == 0
