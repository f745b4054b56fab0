"""Property tests for the field parsers of reference section 2 (calaimfiles/rules/fields.py)."""

from __future__ import annotations

import datetime as dt
import math
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from calaimfiles.layouts import load_layout
from calaimfiles.rules.fields import (
    USPS_STATES,
    CodeParser,
    Issue,
    Parsed,
    parse_cin,
    parse_count,
    parse_date,
    parse_email,
    parse_minutes,
    parse_npi,
    parse_period,
    parse_phone,
    parse_state,
    parse_tin,
    parse_yes_no,
    parse_zip,
    parser_for,
)
from calaimfiles.rules.registry import get_rule

# Per-test settings (no global profile, so other test modules keep theirs): quick, and no deadline because the
# first call of a parser may be slow on a loaded machine.
fast = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DIGITS = "0123456789"
digits = st.text(alphabet=DIGITS, min_size=1, max_size=1)
upper = st.sampled_from(string.ascii_uppercase)
lower = st.sampled_from(string.ascii_lowercase)


def codes(parsed: Parsed) -> list[str]:
    return [issue.code for issue in parsed.issues]


def only_issue(parsed: Parsed, code: str) -> Issue:
    assert codes(parsed) == [code], parsed
    return parsed.issues[0]


# -- CIN -----------------------------------------------------------------------------------------------------

eight_digits = st.text(alphabet=DIGITS, min_size=8, max_size=8)
# a Medi-Cal CIN's digits: a 9, then seven digits that are not all the same (those are placeholders)
cin_digits = st.text(alphabet=DIGITS, min_size=7, max_size=7).filter(lambda t: len(set(t)) > 1).map("9".__add__)


@fast
@given(cin_digits, upper)
def test_cin_eight_digits_and_capital_is_valid_unchanged(number: str, letter: str) -> None:
    parsed = parse_cin(number + letter)
    assert parsed == Parsed(number + letter)


@fast
@given(cin_digits, lower)
def test_cin_lower_case_letter_is_error_fixed_by_upper_casing(number: str, letter: str) -> None:
    parsed = parse_cin(number + letter)
    issue = only_issue(parsed, "CIN-LOWERCASE")
    assert issue.fixable
    assert issue.fix == number + letter.upper()
    assert parsed.value == number + letter.upper()
    assert get_rule("CIN-LOWERCASE").severity.label == "error"


@fast
@given(cin_digits, upper, st.sampled_from(DIGITS + string.ascii_uppercase),
       st.text(alphabet=DIGITS, min_size=4, max_size=4))
def test_cin_benefits_card_id_fixes_to_first_nine(number: str, letter: str, check: str, issued: str) -> None:
    card = number + letter + check + issued
    assert len(card) == 14
    parsed = parse_cin(card)
    issue = only_issue(parsed, "CIN-CARD-ID")
    assert issue.fix == card[:9]
    assert parsed.value == card[:9]


@fast
@given(st.one_of(st.text(alphabet=DIGITS, min_size=0, max_size=12).filter(lambda t: len(t) != 8),
                 st.integers(min_value=0, max_value=10**10)))
def test_cin_without_its_letter_is_a_format_error(value: Any) -> None:
    parsed = parse_cin(value)
    assert parsed.value is None
    assert codes(parsed) == ["CIN-FORMAT"]
    assert not parsed.issues[0].fixable


# -- NPI -----------------------------------------------------------------------------------------------------

def luhn_check_digit(payload: str) -> str:
    """The digit that makes `payload + digit` pass the Luhn check (computed independently of the code)."""
    total = 0
    for position, char in enumerate(reversed(payload)):
        value = int(char)
        if position % 2 == 0:  # the digit right of it will be the check digit, so these are doubled
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def npi_with_check(prefix: str) -> str:
    return prefix + luhn_check_digit("80840" + prefix)


npi_prefix = st.builds(lambda first, rest: first + rest, st.sampled_from("12"),
                       st.text(alphabet=DIGITS, min_size=8, max_size=8))


def test_known_npi_examples() -> None:
    assert npi_with_check("123456789") == "1234567893"  # the CMS example
    assert parse_npi("1234567893") == Parsed("1234567893")
    assert codes(parse_npi("1234567890")) == ["NPI-CHECK-DIGIT"]


@fast
@given(npi_prefix)
def test_npi_with_computed_check_digit_is_valid(prefix: str) -> None:
    npi = npi_with_check(prefix)
    assert parse_npi(npi) == Parsed(npi)
    assert parse_npi(int(npi)) == Parsed(npi)  # a numeric cell is read as its digits
    assert parse_npi(float(npi)) == Parsed(npi)


@fast
@given(npi_prefix, st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_npi_any_single_digit_change_fails(prefix: str, position: int, shift: int) -> None:
    npi = npi_with_check(prefix)
    changed_digit = str((int(npi[position]) + shift) % 10)
    changed = npi[:position] + changed_digit + npi[position + 1:]
    assert changed != npi
    parsed = parse_npi(changed)
    assert parsed.value is None
    expected = "NPI-FORMAT" if changed[0] not in "12" else "NPI-CHECK-DIGIT"
    assert codes(parsed) == [expected]


@fast
@given(st.text(alphabet=DIGITS, max_size=14).filter(lambda t: len(t) != 10))
def test_npi_wrong_length_is_format_error(text: str) -> None:
    assert codes(parse_npi(text)) == ["NPI-FORMAT"]


# -- TIN -----------------------------------------------------------------------------------------------------

nine_digits = st.text(alphabet=DIGITS, min_size=9, max_size=9)


@fast
@given(nine_digits)
def test_tin_text_with_or_without_dash(tin: str) -> None:
    assert parse_tin(tin) == Parsed(tin)
    assert parse_tin(f"{tin[:2]}-{tin[2:]}") == Parsed(tin)


@fast
@given(st.integers(min_value=100_000_000, max_value=999_999_999))
def test_tin_number_cell_of_nine_digits_is_fine(number: int) -> None:
    assert parse_tin(number) == Parsed(str(number))
    assert parse_tin(float(number)) == Parsed(str(number))


@fast
@given(st.integers(min_value=10_000_000, max_value=99_999_999))
def test_tin_number_cell_of_eight_digits_lost_its_leading_zero(number: int) -> None:
    parsed = parse_tin(number)
    issue = only_issue(parsed, "TIN-LEADING-ZERO")
    assert issue.fix == "0" + str(number)
    assert get_rule("TIN-LEADING-ZERO").severity.label == "warning"


# -- dates ---------------------------------------------------------------------------------------------------

dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
dates_from_march_1900 = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31))


def excel_serial(day: dt.date) -> int:
    """The number Excel (1900 date system) stores for a date: 1 = 1900-01-01, and Excel's phantom
    1900-02-29 is number 60, so from 1900-03-01 on the count runs one ahead of the calendar."""
    serial = (day - dt.date(1899, 12, 31)).days
    return serial + 1 if day >= dt.date(1900, 3, 1) else serial


@fast
@given(dates)
def test_date_mm_dd_yyyy_text_is_valid(day: dt.date) -> None:
    assert parse_date(day.strftime("%m/%d/%Y")) == Parsed(day)


@fast
@given(dates)
def test_date_cells_are_valid(day: dt.date) -> None:
    assert parse_date(day) == Parsed(day)
    moment = dt.datetime.combine(day, dt.time(0, 0))
    assert parse_date(moment) == Parsed(day)


@fast
@given(dates, st.times())
def test_datetime_cell_with_a_time_reads_as_its_date(day: dt.date, time: dt.time) -> None:
    assert parse_date(dt.datetime.combine(day, time)) == Parsed(day)


@fast
@given(dates)
def test_date_iso_text_is_a_fixable_warning(day: dt.date) -> None:
    parsed = parse_date(day.isoformat())
    assert parsed.value == day
    issue = only_issue(parsed, "DATE-FORMAT")
    assert issue.fix == day
    assert get_rule("DATE-FORMAT").severity.label == "warning"


@fast
@given(dates.filter(lambda d: d.month < 10 or d.day < 10))
def test_date_m_d_yyyy_text_is_a_fixable_warning(day: dt.date) -> None:
    text = f"{day.month}/{day.day}/{day.year}"
    parsed = parse_date(text)
    assert parsed.value == day
    assert only_issue(parsed, "DATE-FORMAT").fix == day


@fast
@given(dates_from_march_1900, st.floats(min_value=0, max_value=0.999, allow_nan=False))
def test_date_excel_serial_number_round_trips(day: dt.date, time_of_day: float) -> None:
    serial = excel_serial(day)
    for number in (serial, float(serial), serial + time_of_day):
        parsed = parse_date(number)
        assert parsed.value == day, number
        assert only_issue(parsed, "DATE-FORMAT").fix == day


@fast
@example(dt.date(1900, 1, 1))
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(1900, 2, 28)))
def test_date_excel_serial_number_round_trips_in_early_1900(day: dt.date) -> None:
    # Excel shows serial 1 as 01/01/1900 (fields.py's _SERIAL_RANGE comment says so too).
    parsed = parse_date(excel_serial(day))
    assert parsed.value == day


@fast
@given(st.integers(min_value=1, max_value=12), st.integers(min_value=29, max_value=31), st.integers(1901, 2099))
def test_date_impossible_calendar_day_is_invalid(month: int, day: int, year: int) -> None:
    try:
        dt.date(year, month, day)
    except ValueError:
        parsed = parse_date(f"{month:02d}/{day:02d}/{year}")
        assert parsed.value is None
        assert codes(parsed) == ["DATE-INVALID"]


# -- periods -------------------------------------------------------------------------------------------------

@fast
@given(dates)
def test_period_from_any_date_cell_is_first_of_month(day: dt.date) -> None:
    first = day.replace(day=1)
    assert parse_period(day) == Parsed(first)
    assert parse_period(dt.datetime.combine(day, dt.time(13, 45))) == Parsed(first)


@fast
@given(dates)
def test_period_text_forms_give_first_of_month(day: dt.date) -> None:
    first = day.replace(day=1)
    assert parse_period(day.strftime("%m/%Y")) == Parsed(first)
    assert parse_period(day.strftime("%Y-%m")) == Parsed(first)
    assert parse_period(f"{day.month}/{day.year}") == Parsed(first)


@fast
@given(dates)
def test_period_as_full_text_date_is_fixed_to_first_of_month(day: dt.date) -> None:
    parsed = parse_period(day.strftime("%m/%d/%Y"))
    assert parsed.value == day.replace(day=1)
    assert only_issue(parsed, "PERIOD-FORMAT").fix == day.replace(day=1)


@fast
@given(st.integers(min_value=13, max_value=99), st.integers(min_value=1900, max_value=2100))
def test_period_month_out_of_range_is_invalid(month: int, year: int) -> None:
    assert codes(parse_period(f"{month}/{year}")) == ["PERIOD-INVALID"]
    assert codes(parse_period(f"{year}-{month}")) == ["PERIOD-INVALID"]


# -- phone ---------------------------------------------------------------------------------------------------

PUNCTUATION = st.text(alphabet=" ()-./", max_size=2)


@st.composite
def punctuated_phones(draw: st.DrawFn) -> tuple[str, str]:
    ten = draw(st.text(alphabet=DIGITS, min_size=10, max_size=10))
    prefix = draw(st.sampled_from(["", "1", "+1", "1 ", "+1 ", "1-"]))
    pieces = [prefix, draw(PUNCTUATION)]
    for char in ten:
        pieces += [char, draw(PUNCTUATION)]
    return ten, "".join(pieces)


@fast
@given(punctuated_phones())
def test_phone_ten_digits_with_punctuation_and_leading_one_normalise(case: tuple[str, str]) -> None:
    ten, written = case
    assert parse_phone(written) == Parsed(ten), written


@fast
@given(st.integers(min_value=2_000_000_000, max_value=9_999_999_999))
def test_phone_number_cell_is_fine(number: int) -> None:
    assert parse_phone(number) == Parsed(str(number))
    assert parse_phone(float(number)) == Parsed(str(number))
    assert parse_phone(10_000_000_000 + number) == Parsed(str(number))  # leading 1


@fast
@given(st.text(alphabet=DIGITS, min_size=1, max_size=9))
def test_phone_too_few_digits_is_invalid(text: str) -> None:
    assert codes(parse_phone(text)) == ["PHONE-INVALID"]


# -- ZIP -----------------------------------------------------------------------------------------------------

@fast
@given(st.integers(min_value=1000, max_value=9999))
def test_zip_four_digit_number_gets_its_leading_zero_back(number: int) -> None:
    parsed = parse_zip(number)
    assert parsed.value == f"0{number}"
    leading = [i for i in parsed.issues if i.code == "ZIP-LEADING-ZERO"]
    assert len(leading) == 1
    assert leading[0].fix == f"0{number}"
    assert get_rule("ZIP-LEADING-ZERO").severity.label == "warning"
    assert all(i.code in {"ZIP-LEADING-ZERO", "ZIP-NOT-CALIFORNIA"} for i in parsed.issues)


@fast
@given(st.text(alphabet=DIGITS, min_size=4, max_size=4), st.text(alphabet=DIGITS, min_size=4, max_size=4))
def test_california_zip_text_and_number_are_valid(rest: str, plus4: str) -> None:
    zip5 = "9" + rest
    assert parse_zip(zip5) == Parsed(zip5)
    assert parse_zip(f"{zip5}-{plus4}") == Parsed(f"{zip5}-{plus4}")
    assert parse_zip(int(zip5)) == Parsed(zip5)
    assert parse_zip(float(zip5)) == Parsed(zip5)


@fast
@given(st.integers(min_value=10000, max_value=89999))
def test_zip_outside_california_is_only_a_warning(number: int) -> None:
    parsed = parse_zip(str(number))
    assert parsed.value == str(number)
    assert codes(parsed) == ["ZIP-NOT-CALIFORNIA"]
    assert get_rule("ZIP-NOT-CALIFORNIA").severity.label == "warning"


# -- state ---------------------------------------------------------------------------------------------------

@fast
@given(st.sampled_from(sorted(USPS_STATES)))
def test_state_codes(state: str) -> None:
    assert parse_state(state) == Parsed(state)
    parsed = parse_state(state.lower())
    assert only_issue(parsed, "STATE-CASE").fix == state


# -- Y/N -----------------------------------------------------------------------------------------------------

@fast
@given(st.sampled_from(["Y", "N", "y", "n"]))
def test_yes_no_letters(text: str) -> None:
    assert parse_yes_no(text) == Parsed(text.upper())


@st.composite
def case_variants(draw: st.DrawFn, words: list[str]) -> str:
    word = draw(st.sampled_from(words))
    flips = draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    return "".join(c.upper() if f else c.lower() for c, f in zip(word, flips, strict=True))


@fast
@given(case_variants(["yes", "true", "1", "no", "false", "0"]))
def test_yes_no_other_spellings_are_fixable_warnings(text: str) -> None:
    expected = "Y" if text.lower() in ("yes", "true", "1") else "N"
    parsed = parse_yes_no(text)
    assert parsed.value == expected
    assert only_issue(parsed, "YN-SPELLING").fix == expected


@fast
@given(st.sampled_from([True, False, 1, 0, 1.0, 0.0]))
def test_yes_no_boolean_and_number_cells(value: Any) -> None:
    expected = "Y" if value else "N"
    assert only_issue(parse_yes_no(value), "YN-SPELLING").fix == expected


# -- counts --------------------------------------------------------------------------------------------------

@fast
@given(st.integers(min_value=0, max_value=10**9))
def test_count_non_negative_whole_numbers(number: int) -> None:
    assert parse_count(number) == Parsed(number)
    assert parse_count(float(number)) == Parsed(number)
    assert parse_count(str(number)) == Parsed(number)


@fast
@given(st.integers(max_value=-1))
def test_count_negative_is_invalid(number: int) -> None:
    for value in (number, float(number), str(number)):
        parsed = parse_count(value)
        assert parsed.value is None
        assert codes(parsed) == ["COUNT-INVALID"]


@fast
@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer()))
def test_count_fraction_is_invalid(number: float) -> None:
    assert codes(parse_count(number)) == ["COUNT-INVALID"]
    assert codes(parse_count(str(number))) == ["COUNT-INVALID"]


# -- minutes -------------------------------------------------------------------------------------------------

@fast
@given(st.floats(min_value=0, exclude_min=True, max_value=1e6).filter(lambda x: not x.is_integer()))
def test_minutes_fraction_rounds_up_with_otf_o1_fix(number: float) -> None:
    parsed = parse_minutes(number)
    assert parsed.value == math.ceil(number)
    issue = only_issue(parsed, "OTF-O1")
    assert issue.fix == math.ceil(number)
    assert issue.fix >= number


@fast
@given(st.integers(min_value=1, max_value=10**6))
def test_minutes_whole_positive_is_fine(number: int) -> None:
    assert parse_minutes(number) == Parsed(number)
    assert parse_minutes(float(number)) == Parsed(number)
    assert parse_minutes(str(number)) == Parsed(number)


@fast
@given(st.one_of(st.integers(max_value=0), st.floats(max_value=0), st.just(math.nan), st.just(math.inf)))
def test_minutes_zero_negative_or_not_finite_are_invalid(number: float) -> None:
    assert codes(parse_minutes(number)) == ["MINUTES-INVALID"]


@fast
@given(st.integers(min_value=0, max_value=12), st.integers(min_value=0, max_value=59),
       st.sampled_from(["h", "hr", "hrs", "hour", "hours", "H"]), st.sampled_from(["min", "m", "mins", "minutes"]),
       st.sampled_from(["", " "]))
def test_minutes_hours_and_minutes_text(hours: int, minutes: int, h_unit: str, m_unit: str, gap: str) -> None:
    total = hours * 60 + minutes
    text = f"{hours}{gap}{h_unit} {minutes}{gap}{m_unit}"
    parsed = parse_minutes(text)
    if total == 0:
        assert codes(parsed) == ["MINUTES-INVALID"]
        return
    assert parsed.value == total, text
    assert only_issue(parsed, "MINUTES-TEXT").fix == total


# -- email ---------------------------------------------------------------------------------------------------

local_part = st.text(alphabet=string.ascii_letters + DIGITS + "._+-", min_size=1, max_size=12)
label = st.text(alphabet=string.ascii_lowercase + DIGITS, min_size=1, max_size=10)


@fast
@given(local_part, label, st.sampled_from(["org", "com", "gov", "ca.gov"]))
def test_email_plain_address_is_valid(name: str, domain: str, tld: str) -> None:
    address = f"{name}@{domain}.{tld}"
    assert parse_email(address) == Parsed(address)
    assert codes(parse_email(f"{name}@{domain}")) == ["EMAIL-INVALID"]
    assert codes(parse_email(f"{name}{domain}.{tld}")) == ["EMAIL-INVALID"]


# -- spaces around values (the wrapper every column's parser gets) -------------------------------------------

RTF = load_layout("RTF")
OTF = load_layout("OTF")
padding = st.text(alphabet=" \t\u00a0", min_size=1, max_size=3)


@st.composite
def valid_texts(draw: st.DrawFn) -> tuple[str, str]:
    """(column id of an RTF/OTF column, a valid text value of it)."""
    kind = draw(st.sampled_from(["cin", "dob", "new_address", "phone", "provider_npi", "provider_tin", "zip",
                                 "state", "in_person", "status", "acuity", "lcm_email", "last_name", "minutes",
                                 "reporting_period"]))
    if kind == "cin":
        return kind, draw(cin_digits) + draw(upper)
    if kind == "dob":
        return kind, draw(dates).strftime("%m/%d/%Y")
    if kind == "new_address":
        return kind, draw(st.sampled_from(["Y", "N"]))
    if kind == "phone":
        return kind, draw(st.text(alphabet=DIGITS, min_size=10, max_size=10))
    if kind == "provider_npi":
        return kind, npi_with_check(draw(npi_prefix))
    if kind == "provider_tin":
        return kind, draw(nine_digits)
    if kind == "zip":
        return kind, "9" + draw(st.text(alphabet=DIGITS, min_size=4, max_size=4))
    if kind == "state":
        return kind, draw(st.sampled_from(sorted(USPS_STATES)))
    if kind == "in_person":
        return kind, str(draw(st.integers(0, 500)))
    if kind == "status":
        return kind, draw(st.sampled_from(["1", "2", "3", "Enrolled", "4 - Declined"]))
    if kind == "acuity":
        return kind, draw(st.sampled_from(["Low", "Medium", "High"]))
    if kind == "lcm_email":
        return kind, f"{draw(local_part)}@{draw(label)}.org"
    if kind == "minutes":
        return kind, str(draw(st.integers(1, 600)))
    if kind == "reporting_period":
        return kind, draw(dates).strftime("%m/%Y")
    return kind, draw(st.text(alphabet=string.ascii_letters, min_size=1, max_size=15))


def column_parser(column_id: str) -> Any:
    if column_id == "minutes":
        column = next(c for c in OTF.columns if c.type.value == "minutes")
        return parser_for(column, OTF.codesets)
    return parser_for(RTF.column(column_id), RTF.codesets)


@fast
@given(valid_texts(), padding, padding, st.sampled_from(["both", "before", "after"]))
def test_spaces_around_a_valid_value_are_a_fixable_warning(case: tuple[str, str], before: str, after: str,
                                                            where: str) -> None:
    column_id, text = case
    parse = column_parser(column_id)
    clean = parse(text)
    assert clean.issues == (), (column_id, text, clean)
    written = (before if where != "after" else "") + text + (after if where != "before" else "")
    parsed = parse(written)
    assert parsed.value == clean.value
    issue = only_issue(parsed, "TEXT-WHITESPACE")
    assert issue.fix == clean.value
    assert get_rule("TEXT-WHITESPACE").severity.label == "warning"


@fast
@given(cin_digits, lower, padding)
def test_spaces_around_a_fixable_value_fix_both_at_once(number: str, letter: str, pad: str) -> None:
    parsed = column_parser("cin")(pad + number + letter + pad)
    assert codes(parsed) == ["TEXT-WHITESPACE", "CIN-LOWERCASE"]
    assert parsed.issues[0].fix == number + letter.upper()


# -- robustness: no parser raises, whatever the cell holds ---------------------------------------------------

PARSERS = [parse_cin, parse_npi, parse_tin, parse_date, parse_period, parse_phone, parse_zip, parse_state,
           parse_yes_no, parse_count, parse_minutes, parse_email]
ALL_LAYOUT_PARSERS = [
    (f"{name}.{column.id}", parser_for(column, layout.codesets))
    for name in ("MIF", "RTF", "OTF", "CSASF", "CSPRTF")
    for layout in [load_layout(name)]
    for column in layout.columns
]
CODE_PARSERS = [CodeParser(codeset, ";") for codeset in RTF.codesets.values()] + [
    CodeParser(codeset) for codeset in load_layout("CSPRTF").codesets.values()
]

datelike_text = st.one_of(
    st.from_regex(r"\A[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}\Z"),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}( 00:00(:00)?)?\Z"),
    st.from_regex(r"\A[0-9]{1,2}/[0-9]{4}\Z"),
    st.from_regex(r"\A[0-9]{4}-[0-9]{1,2}\Z"),
    st.from_regex(r"\A[0-9]{1,3}(\.[0-9]+)? ?(h|hours?) ?[0-9]{0,3} ?(m|min)?\Z"),
    st.from_regex(r"\A[0-9]{1,6}:[0-9]{2}\Z"),
)
anything = st.one_of(
    st.text(),
    datelike_text,
    st.floats(),  # includes nan, inf, -inf, -0.0, subnormals
    st.integers(),
    st.booleans(),
    st.dates(),
    st.datetimes(),
    st.times(),
)


def check_result(parsed: Any) -> None:
    assert isinstance(parsed, Parsed)
    assert isinstance(parsed.issues, tuple)
    for issue in parsed.issues:
        assert isinstance(issue, Issue)
        get_rule(issue.code)  # every code a parser reports is a registered rule


@settings(max_examples=400, deadline=None)
@example("01/0000")
@example("0000-01")
@example("00/00/0000")
@example(float("nan"))
@example(float("inf"))
@example(-0.0)
@example(10**20)
@given(anything)
def test_field_parsers_never_raise(value: Any) -> None:
    for parse in PARSERS:
        parsed = parse(value)
        check_result(parsed)
        if parsed.value is None:
            assert parsed.issues, (parse.__name__, value)


@settings(max_examples=200, deadline=None)
@given(st.one_of(anything, st.builds(lambda p, v, a: f"{p}{v}{a}", padding, st.text(max_size=12), padding)))
def test_every_layout_column_parser_never_raises(value: Any) -> None:
    for _name, parse in ALL_LAYOUT_PARSERS:
        check_result(parse(value))
    for parse in CODE_PARSERS:
        check_result(parse(value))


@pytest.mark.parametrize("text", ["01/0000", "0000-01"])
def test_period_with_year_zero_is_invalid_not_a_crash(text: str) -> None:
    assert codes(parse_period(text)) == ["PERIOD-INVALID"]


@fast
@given(eight_digits.filter(lambda t: t[0] != "9"), st.sampled_from(string.ascii_letters))
def test_cin_not_starting_with_9_is_not_a_medi_cal_cin(number: str, letter: str) -> None:
    parsed = parse_cin(number + letter)
    assert parsed.value is None and codes(parsed) == ["CIN-NOT-MEDI-CAL"]


@fast
@given(digits, st.sampled_from(string.ascii_letters))
def test_cin_of_a_9_and_seven_same_digits_is_a_placeholder(digit: str, letter: str) -> None:
    parsed = parse_cin("9" + digit * 7 + letter)
    assert parsed.value is None and codes(parsed) == ["CIN-PLACEHOLDER"]
