"""Parsers for the field types of reference section 2: one raw cell value in, a normalised value and the
problems found out.

Parsers are pure and see one value at a time, so the engine can parse each distinct value of a column once.
A problem's text completes a sentence that starts with the column's name ("... must be 8 digits then one
letter"), and never quotes the value: renderers decide whether a member's value may be shown.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from calaimfiles.findings import Severity
from calaimfiles.layouts.model import CodeSet, Column, FieldType
from calaimfiles.rules.registry import register

# -- the codes this module reports -------------------------------------------------------------------------

_S2 = "reference §2"
TEXT_WHITESPACE = register(
    "TEXT-WHITESPACE", "Spaces around a value", severity=Severity.WARNING, fixable=True, source=_S2,
    summary="Leading or trailing spaces (also non-breaking spaces) around a value; the fix trims them.",
    example="` Smith` in Member Last Name",
)
CELL_MULTIPLE = register(
    "CELL-MULTIPLE", "Several values in one cell", severity=Severity.ERROR, source="reference §4",
    summary="A date or code cell lists several values; each outreach attempt or value goes on its own row.",
    example="`3/1/2026, 3/5/2026` in Date of Outreach Attempt",
)
CIN_FORMAT = register(
    "CIN-FORMAT", "CIN is not 8 digits and a letter", severity=Severity.ERROR, source=_S2,
    summary="A Medi-Cal CIN is 9 characters: 8 digits (the first a 9) then one letter.",
    example="`9123456A` (7 digits) in Member Client Index Number (CIN)",
)
CIN_NOT_MEDI_CAL = register(
    "CIN-NOT-MEDI-CAL", "CIN does not start with 9", severity=Severity.ERROR, source=_S2,
    summary="Every Medi-Cal CIN starts with 9 (a plan's validator and every CIN in a plan's own data); 8 digits "
    "and a letter starting otherwise is another number.",
    example="`12345678C` in Member Client Index Number (CIN)",
)
CIN_PLACEHOLDER = register(
    "CIN-PLACEHOLDER", "Placeholder CIN", severity=Severity.ERROR, source=_S2,
    summary="9 followed by seven identical digits is a placeholder typed when the CIN was unknown, not a member's "
    "CIN.",
    example="`99999999D` or `90000000A` in Member Client Index Number (CIN)",
)
CIN_LOWERCASE = register(
    "CIN-LOWERCASE", "CIN letter in lower case", severity=Severity.ERROR, fixable=True, source=_S2,
    summary="The CIN's letter must be upper case; the fix upper-cases it.",
    example="`91234567a` in Member Client Index Number (CIN)",
)
CIN_CARD_ID = register(
    "CIN-CARD-ID", "Benefits card ID instead of CIN", severity=Severity.ERROR, fixable=True, source=_S2,
    summary="A 14-character benefits identification card number was entered; the CIN is its first 9 characters.",
    example="`91234567A12024` in Member Client Index Number (CIN)",
)
NPI_FORMAT = register(
    "NPI-FORMAT", "NPI is not 10 digits", severity=Severity.ERROR, source=_S2,
    summary="An NPI is 10 digits starting with 1 or 2.",
    example="`123456789` in ECM Provider National Provider Identifier (NPI)",
)
NPI_CHECK_DIGIT = register(
    "NPI-CHECK-DIGIT", "NPI check digit is wrong", severity=Severity.ERROR, source=_S2,
    summary="The NPI's last digit does not match the others (Luhn check over 80840 and the first 9 digits): "
    "a digit was mistyped.",
    example="`1234567890` (the valid number is 1234567893)",
)
TIN_FORMAT = register(
    "TIN-FORMAT", "TIN is not 9 digits", severity=Severity.ERROR, source=_S2,
    summary="A Tax ID Number is 9 digits, written `NNNNNNNNN` or `NN-NNNNNNN`.",
    example="`95-12345` in ECM Provider Tax ID Number (TIN)",
)
TIN_LEADING_ZERO = register(
    "TIN-LEADING-ZERO", "TIN lost its leading zero", severity=Severity.WARNING, fixable=True, source=_S2,
    summary="A TIN stored as a number with 8 digits lost its leading zero; the fix puts it back.",
    example="the number `12345678` in a TIN column (meant `012345678`)",
)
DATE_INVALID = register(
    "DATE-INVALID", "Not a date", severity=Severity.ERROR, source=_S2,
    summary="The cell cannot be read as a calendar date; use an Excel date or MM/DD/YYYY.",
    example="`02/30/2026` or `next week` in ECM Enrollment Start Date",
)
DATE_FORMAT = register(
    "DATE-FORMAT", "Date written in another format", severity=Severity.WARNING, fixable=True, source=_S2,
    summary="A text date as YYYY-MM-DD, M/D/YYYY, MM-DD-YYYY or M-D-YYYY, a date followed by a time, or a bare "
    "Excel serial number, is accepted but should be a date cell; the fix converts it (dropping the time).",
    example="`2026-03-04`, `3/4/2026`, `03-04-2026` or `03/04/2026 14:30` in Discontinuation Date",
)
PERIOD_INVALID = register(
    "PERIOD-INVALID", "Not a reporting month", severity=Severity.ERROR, source=_S2,
    summary="A reporting period is a month: an Excel date, or text MM/YYYY or YYYY-MM.",
    example="`March` in Member Information File Reporting Period",
)
PERIOD_FORMAT = register(
    "PERIOD-FORMAT", "Reporting month written as a text date", severity=Severity.WARNING, fixable=True,
    source=_S2,
    summary="A full text date in a period column is read as its month; the fix writes the first day of the month.",
    example="`03/15/2026` in Reporting Period",
)
PHONE_INVALID = register(
    "PHONE-INVALID", "Not a 10-digit phone number", severity=Severity.ERROR, source=_S2,
    summary="A phone number has 10 digits once punctuation and a leading 1 are removed.",
    example="`555-1234` in Member Phone Number",
)
ZIP_INVALID = register(
    "ZIP-INVALID", "Not a ZIP code", severity=Severity.ERROR, source=_S2,
    summary="A ZIP code is `NNNNN` or `NNNNN-NNNN`.",
    example="`9410` (text) or `CA 94110` in Member Residential Zip",
)
ZIP_LEADING_ZERO = register(
    "ZIP-LEADING-ZERO", "ZIP lost its leading zero", severity=Severity.WARNING, fixable=True, source=_S2,
    summary="A ZIP stored as a 4-digit number lost its leading zero; the fix puts it back.",
    example="the number `2134` in Member Residential Zip (meant `02134`)",
)
ZIP_NOT_CALIFORNIA = register(
    "ZIP-NOT-CALIFORNIA", "ZIP outside California", severity=Severity.WARNING, source=_S2,
    summary="California ZIP codes start with 9; a member living elsewhere is unusual for Medi-Cal.",
    example="`10001` in Member Residential Zip",
)
STATE_INVALID = register(
    "STATE-INVALID", "Not a state code", severity=Severity.ERROR, source=_S2,
    summary="A state is a 2-letter USPS code such as CA.",
    example="`Calif.` in Member Residential State",
)
STATE_CASE = register(
    "STATE-CASE", "State code in lower case", severity=Severity.WARNING, fixable=True, source=_S2,
    summary="A state code is written in capitals; the fix upper-cases it.",
    example="`ca` in Member Residential State",
)
YN_INVALID = register(
    "YN-INVALID", "Not Y or N", severity=Severity.ERROR, source=_S2,
    summary="An indicator column takes Y or N.",
    example="`maybe` in Member Homelessness Indicator",
)
YN_SPELLING = register(
    "YN-SPELLING", "Yes/No written another way", severity=Severity.WARNING, fixable=True, source=_S2,
    summary="Yes/No/TRUE/FALSE/1/0 are accepted but the plan expects Y or N; the fix rewrites them.",
    example="`Yes` in Member New Address Indicator",
)
CODE_INVALID = register(
    "CODE-INVALID", "Not an allowed value", severity=Severity.ERROR, source="reference §7",
    summary="The value is not in the column's code set (reference section 7), nor one of its equivalent "
    "spellings; the message lists the allowed values.",
    example="`Active` in Member ECM Status, `01` in Discontinuation Reason Code (the codes are letters: DP, UE, ...)",
)
CODE_SPELLING = register(
    "CODE-SPELLING", "Allowed value spelled differently", severity=Severity.WARNING, fixable=True,
    source="reference §2, §7",
    summary="An allowed value in another letter case or spacing, a spelling the code set fixes (`Closed` for "
    "`Referral Loop Closed`), a code's meaning written instead of the code, or a numbered code without its "
    "leading zero; the fix writes the listed spelling or the code.",
    example="`low` in Member Acuity Level, `Member declined to participate` in Discontinuation Reason Code (fixed "
    "to `DP`)",
)
CODE_LABEL_MISMATCH = register(
    "CODE-LABEL-MISMATCH", "Status number and label disagree", severity=Severity.ERROR, source="reference §7.1",
    summary="A `number - label` status whose label belongs to another number; it is unclear which was meant.",
    example="`2 - Declined` in Member ECM Status",
)
COUNT_INVALID = register(
    "COUNT-INVALID", "Not a whole number", severity=Severity.ERROR, source=_S2,
    summary="A count is a whole number of 0 or more.",
    example="`-1` or `2.5` in In Person",
)
MINUTES_INVALID = register(
    "MINUTES-INVALID", "Not a number of minutes", severity=Severity.ERROR, source=_S2,
    summary="Time spent is whole minutes, at least 1.",
    example="`0` or `a while` in Time Spent Performing Outreach",
)
MINUTES_TEXT = register(
    "MINUTES-TEXT", "Time written as text", severity=Severity.WARNING, fixable=True, source=_S2,
    summary="Time written as hours and minutes text is accepted; the fix writes the number of minutes.",
    example="`1 h 5 min` in Time Spent Performing Outreach (fixed to 65)",
)
MINUTES_FRACTION = register(
    "OTF-O1", "Minutes with a fraction", severity=Severity.WARNING, fixable=True, source="reference §4 O1",
    layouts=("OTF",),
    summary="Outreach time is reported in whole minutes, rounded up; the fix rounds up.",
    example="`12.5` in Time Spent Performing Outreach (fixed to 13)",
)
EMAIL_INVALID = register(
    "EMAIL-INVALID", "Not an email address", severity=Severity.ERROR, source=_S2,
    summary="An email address has one @ and a dot in the part after it.",
    example="`jane.doe@clinic` in ECM Lead Care Manager Email",
)


# -- results -------------------------------------------------------------------------------------------------

_NO_FIX: Any = object()


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem with one cell value. `fix` is the value to write instead, or `_NO_FIX`."""

    code: str
    text: str
    fix: Any = _NO_FIX

    @property
    def fixable(self) -> bool:
        return self.fix is not _NO_FIX


@dataclass(frozen=True, slots=True)
class Parsed:
    """A normalised value (None when it cannot be read) and the problems found on the way."""

    value: Any
    issues: tuple[Issue, ...] = ()


Parser = Callable[[Any], Parsed]

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_RANGE = (1, 2_958_465)  # 1900-01-01 .. 9999-12-31, as Excel counts
_FAKE_LEAP_DAY = 60
_MULTI_SPLIT = re.compile(r"\s*(?:[,;]|\band\b|&)\s*", re.IGNORECASE)


def _ok(value: Any) -> Parsed:
    return Parsed(value)


def _bad(code: str, text: str) -> Parsed:
    return Parsed(None, (Issue(code, text),))


def _fixed(value: Any, code: str, text: str) -> Parsed:
    """A value that is wrong as written but whose intended form is certain: normalise it and say so."""
    return Parsed(value, (Issue(code, text, value),))


def _is_whole(number: float) -> bool:
    return math.isfinite(number) and number == int(number)


def _digits_of_number(value: Any) -> str | None:
    """A numeric cell holding an identifier -> its digits; None for fractions and non-numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not _is_whole(value):
        return None
    return str(int(value)) if value >= 0 else None


# -- the parsers ---------------------------------------------------------------------------------------------

def parse_text(value: Any) -> Parsed:
    if isinstance(value, float) and _is_whole(value):
        return _ok(str(int(value)))
    if isinstance(value, (dt.date, dt.time)):
        return _ok(value.isoformat())
    return _ok(str(value))


_CIN = re.compile(r"(?!9([0-9])\1{6})9[0-9]{7}[A-Z]")  # a Medi-Cal CIN that is no placeholder: its normal form
_CIN_ANY_CASE = re.compile(r"[0-9]{8}[A-Za-z]")
_CIN_PLACEHOLDER = re.compile(r"9([0-9])\1{6}[A-Za-z]")
_CARD_ID = re.compile(r"([0-9]{8}[A-Za-z])[0-9A-Za-z][0-9]{4}")


def _cin_shape(cin: str) -> Parsed | None:
    """What is wrong with 8 digits and a letter: not starting with 9, or a placeholder; None when it is fine."""
    if cin[0] != "9":
        return _bad(CIN_NOT_MEDI_CAL.code, "is not a Medi-Cal CIN: a Medi-Cal CIN starts with 9")
    if _CIN_PLACEHOLDER.fullmatch(cin):
        return _bad(CIN_PLACEHOLDER.code, "is a placeholder, not a member's CIN: write the member's real CIN")
    return None


def parse_cin(value: Any) -> Parsed:
    if not isinstance(value, str):
        return _bad(CIN_FORMAT.code, "must be 8 digits then one letter (like 91234567A); "
                    "a number here has lost its letter")
    if _CIN.fullmatch(value):
        return _ok(value)
    if _CIN_ANY_CASE.fullmatch(value):
        wrong = _cin_shape(value)
        if wrong is not None:
            return wrong
        return _fixed(value.upper(), CIN_LOWERCASE.code, "must end in a capital letter")
    card = _CARD_ID.fullmatch(value)
    if card:
        wrong = _cin_shape(card.group(1))
        if wrong is not None:
            return wrong
        return _fixed(card.group(1).upper(), CIN_CARD_ID.code,
                      "holds the 14-character benefits card number; the CIN is its first 9 characters")
    return _bad(CIN_FORMAT.code, "must be 8 digits then one letter (like 91234567A)")


def npi_check_digit_ok(npi: str) -> bool:
    """Luhn check over the prefix 80840 and the NPI's ten digits."""
    total = 0
    for position, char in enumerate(reversed("80840" + npi)):
        digit = ord(char) - 48
        if position % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


_NPI = re.compile(r"[12][0-9]{9}")


def parse_npi(value: Any) -> Parsed:
    text = _digits_of_number(value) if not isinstance(value, str) else value
    if text is None or not _NPI.fullmatch(text):
        return _bad(NPI_FORMAT.code, "must be 10 digits starting with 1 or 2")
    if not npi_check_digit_ok(text):
        return _bad(NPI_CHECK_DIGIT.code, "is not a valid NPI: its check digit does not match (a digit is mistyped)")
    return _ok(text)


_TIN = re.compile(r"([0-9]{2})-?([0-9]{7})")


def parse_tin(value: Any) -> Parsed:
    if not isinstance(value, str):
        digits = _digits_of_number(value)
        if digits is not None and len(digits) == 9:
            return _ok(digits)
        if digits is not None and len(digits) == 8:
            return _fixed("0" + digits, TIN_LEADING_ZERO.code,
                          "has 8 digits: Excel dropped its leading zero (format the column as text)")
        return _bad(TIN_FORMAT.code, "must be 9 digits (NN-NNNNNNN)")
    match = _TIN.fullmatch(value)
    if match:
        return _ok(match.group(1) + match.group(2))
    return _bad(TIN_FORMAT.code, "must be 9 digits (NN-NNNNNNN)")


def _serial_to_date(number: float) -> dt.date | None:
    """Excel's day numbers; Excel counts a 29 February 1900 that never was, so days before it shift by one."""
    if not _SERIAL_RANGE[0] <= number <= _SERIAL_RANGE[1] or int(number) == _FAKE_LEAP_DAY:
        return None
    days = int(number) + (1 if number < _FAKE_LEAP_DAY else 0)
    return _EXCEL_EPOCH + dt.timedelta(days=days)


_TIME = r"(?:[ T]+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?\s*([AaPp]\.?[Mm]\.?)?)?"
_DATE_US = re.compile(r"([0-9]{1,2})([/-])([0-9]{1,2})\2([0-9]{4})" + _TIME)
_DATE_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})" + _TIME)
_DATE_TEXT_ADVICE = "is not a date: use a date cell or MM/DD/YYYY"


def _several(text: str) -> bool:
    parts = [p for p in _MULTI_SPLIT.split(text) if p]
    return len(parts) > 1


def _time_ok(match: re.Match[str], first: int) -> bool:
    """The time after a date (groups `first`..`first + 3`: hours, minutes, seconds, AM/PM) is a real time."""
    hours, minutes, seconds, half = match.group(first, first + 1, first + 2, first + 3)
    if hours is None:
        return True
    limit = (1, 12) if half else (0, 23)
    return limit[0] <= int(hours) <= limit[1] and int(minutes) <= 59 and (seconds is None or int(seconds) <= 59)


def _text_date(value: str) -> Parsed | None:
    """A date written as text: MM/DD/YYYY as it is; M/D/YYYY, MM-DD-YYYY, YYYY-MM-DD and a date with a time
    (the time dropped) with a fixable warning; None when the text is none of these."""
    us = _DATE_US.fullmatch(value)
    iso = None if us else _DATE_ISO.fullmatch(value)
    if not (us or iso):
        return None
    try:
        if us:
            day = dt.date(int(us.group(4)), int(us.group(1)), int(us.group(3)))
            timed, dashed = us.group(5) is not None, us.group(2) == "-"
            short = len(us.group(1)) < 2 or len(us.group(3)) < 2
            if not _time_ok(us, 5):
                return _bad(DATE_INVALID.code, "holds a time that is not a real time; write the date alone")
        else:
            day = dt.date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))  # type: ignore[union-attr]
            timed, dashed, short = iso.group(4) is not None, False, False  # type: ignore[union-attr]
            if not _time_ok(iso, 4):  # type: ignore[arg-type]
                return _bad(DATE_INVALID.code, "holds a time that is not a real time; write the date alone")
    except ValueError:
        return _bad(DATE_INVALID.code, "is not a real calendar date (check the day and month)")
    if timed:
        return _fixed(day, DATE_FORMAT.code, "holds a time as well as the date; the plan expects the date alone "
                      "(the fix drops the time)")
    if iso:
        return _fixed(day, DATE_FORMAT.code, "is written YYYY-MM-DD; the plan expects MM/DD/YYYY or a date cell")
    if dashed:
        return _fixed(day, DATE_FORMAT.code, "is written with dashes (MM-DD-YYYY); the plan expects MM/DD/YYYY or "
                      "a date cell")
    if short:
        return _fixed(day, DATE_FORMAT.code, "is written M/D/YYYY; the plan expects MM/DD/YYYY or a date cell")
    return _ok(day)


def parse_date(value: Any) -> Parsed:
    if isinstance(value, dt.datetime):
        return _ok(value.date())
    if isinstance(value, dt.date):
        return _ok(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        day = _serial_to_date(value)
        if day is None:
            return _bad(DATE_INVALID.code, _DATE_TEXT_ADVICE)
        return _fixed(day, DATE_FORMAT.code, "holds a bare Excel date number; format the cell as a date")
    if not isinstance(value, str):
        return _bad(DATE_INVALID.code, _DATE_TEXT_ADVICE)
    parsed = _text_date(value)
    if parsed is not None:
        return parsed
    if _several(value):
        return _bad(CELL_MULTIPLE.code, "holds several dates: put each on its own row")
    return _bad(DATE_INVALID.code, _DATE_TEXT_ADVICE)


_PERIOD_US = re.compile(r"([0-9]{1,2})/([0-9]{4})")
_PERIOD_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_PERIOD_ADVICE = "is not a reporting month: use MM/YYYY, YYYY-MM or a date cell"


def parse_period(value: Any) -> Parsed:
    if isinstance(value, (dt.date, dt.datetime)):
        return _ok(dt.date(value.year, value.month, 1))
    if isinstance(value, str):
        us = _PERIOD_US.fullmatch(value)
        iso = None if us else _PERIOD_ISO.fullmatch(value)
        if us or iso:
            year, month = (int(us.group(2)), int(us.group(1))) if us else (int(iso.group(1)), int(iso.group(2)))  # type: ignore[union-attr]
            if 1 <= month <= 12 and year >= 1:
                return _ok(dt.date(year, month, 1))
            return _bad(PERIOD_INVALID.code, _PERIOD_ADVICE)
    as_date = parse_date(value)
    if as_date.value is None:
        return _bad(PERIOD_INVALID.code, _PERIOD_ADVICE)
    month = as_date.value.replace(day=1)
    return _fixed(month, PERIOD_FORMAT.code, "is a full date; a reporting period is a month (MM/YYYY)")


_PHONE_PUNCTUATION = re.compile(r"[\s().+\-/]")
_DIGITS = re.compile(r"[0-9]+")


def parse_phone(value: Any) -> Parsed:
    text = value if isinstance(value, str) else _digits_of_number(value)
    digits = _PHONE_PUNCTUATION.sub("", text) if text is not None else ""
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10 and _DIGITS.fullmatch(digits):
        return _ok(digits)
    return _bad(PHONE_INVALID.code, "must be a 10-digit phone number, like (916) 555-0123")


_ZIP = re.compile(r"[0-9]{5}(?:-[0-9]{4})?")


def parse_zip(value: Any) -> Parsed:
    issues: list[Issue] = []
    if isinstance(value, str):
        text = value
    else:
        digits = _digits_of_number(value)
        if digits is not None and len(digits) == 4:
            text = "0" + digits
            issues.append(Issue(ZIP_LEADING_ZERO.code, "has 4 digits: Excel dropped its leading zero", text))
            issues.append(Issue(ZIP_NOT_CALIFORNIA.code, "with its leading zero back is not a California ZIP code "
                                "(California ZIP codes start with 9)"))
            return Parsed(text, tuple(issues))
        elif digits is not None and len(digits) == 9:
            text = f"{digits[:5]}-{digits[5:]}"
        else:
            text = digits or ""
    if not _ZIP.fullmatch(text):
        return _bad(ZIP_INVALID.code, "must be a 5-digit ZIP code (or ZIP+4, NNNNN-NNNN)")
    if not text.startswith("9"):
        issues.append(Issue(ZIP_NOT_CALIFORNIA.code, "is not a California ZIP code (California ZIP codes start "
                            "with 9)"))
    return Parsed(text, tuple(issues))


USPS_STATES = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
    "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
    "AS", "GU", "MP", "PR", "VI", "UM", "AA", "AE", "AP",
})


def parse_state(value: Any) -> Parsed:
    if isinstance(value, str) and value.upper() in USPS_STATES:
        if value in USPS_STATES:
            return _ok(value)
        return _fixed(value.upper(), STATE_CASE.code, "must be written in capitals")
    return _bad(STATE_INVALID.code, "must be a 2-letter state code such as CA")


_YES_NO = {"Y": "Y", "N": "N", "y": "Y", "n": "N"}
_YES_NO_SPELLINGS = {"yes": "Y", "true": "Y", "1": "Y", "no": "N", "false": "N", "0": "N"}


def parse_yes_no(value: Any) -> Parsed:
    if isinstance(value, str):
        exact = _YES_NO.get(value)
        if exact:
            return _ok(exact)
        spelled = _YES_NO_SPELLINGS.get(value.casefold())
    elif isinstance(value, (bool, int, float)) and value in (0, 1):
        spelled = "Y" if value else "N"
    else:
        spelled = None
    if spelled:
        return _fixed(spelled, YN_SPELLING.code, "must be Y or N")
    return _bad(YN_INVALID.code, "must be Y or N")


def parse_count(value: Any) -> Parsed:
    number: float | None = None
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        number = float(value) if not isinstance(value, str) or _DIGITS.fullmatch(value) else None
    if number is None or number < 0 or not _is_whole(number):
        return _bad(COUNT_INVALID.code, "must be a whole number, 0 or more")
    return _ok(int(number))


_HOURS_MINUTES = re.compile(
    r"(?:(?P<h>[0-9]+(?:\.[0-9]+)?)\s*(?:h|hr|hrs|hour|hours))?\s*"
    r"(?:(?P<m>[0-9]+(?:\.[0-9]+)?)\s*(?:m|min|mins|minute|minutes))?",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"([0-9]+):([0-5][0-9])")


def _minutes_from_text(text: str) -> float | None:
    clock = _CLOCK.fullmatch(text)
    if clock:
        return int(clock.group(1)) * 60 + int(clock.group(2))
    match = _HOURS_MINUTES.fullmatch(text)
    if not match or not (match.group("h") or match.group("m")):
        return None
    return float(match.group("h") or 0) * 60 + float(match.group("m") or 0)


def parse_minutes(value: Any) -> Parsed:
    if isinstance(value, bool):
        return _bad(MINUTES_INVALID.code, "must be a number of minutes, at least 1")
    if isinstance(value, (int, float)):
        number: float | None = float(value)
        spelled = False
    elif isinstance(value, str):
        try:
            number, spelled = float(value), False
        except ValueError:
            number, spelled = _minutes_from_text(value), True
    else:
        number, spelled = None, False
    if number is None or not math.isfinite(number) or number <= 0:
        return _bad(MINUTES_INVALID.code, "must be a number of minutes, at least 1")
    whole = math.ceil(number)
    if spelled:
        return _fixed(whole, MINUTES_TEXT.code, "is written as text; the plan expects a number of minutes")
    if whole != number:
        return _fixed(whole, MINUTES_FRACTION.code, "must be whole minutes, rounded up")
    return _ok(whole)


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def parse_email(value: Any) -> Parsed:
    if isinstance(value, str) and _EMAIL.fullmatch(value):
        return _ok(value)
    return _bad(EMAIL_INVALID.code, "is not an email address (name@example.org)")


def _fold(text: str) -> str:
    """How code spellings are compared for a fixable warning: another letter case or spacing."""
    return " ".join(text.split()).casefold()


def billing_spellings(billing: str) -> tuple[str, ...]:
    """`T2033 U6` -> the three ways plans write a billing code with its modifier."""
    procedure, _, modifier = billing.partition(" ")
    if not modifier:
        return (billing,)
    return (f"{procedure} {modifier}", f"{procedure}-{modifier}", f"{procedure}{modifier}")


class CodeParser:
    """Reads a code column (reference section 7 and the convention at its top): the code, its label, `code -
    label`, its short form (any case) and its equivalent spellings (labels and spellings also behind one of the
    set's prefixes) are accepted as they are; another letter case or spacing of them, a spelling the set fixes
    (`Closed`) and a label that is the code's meaning are fixable warnings; anything else is an error.

    Every spelling goes into one dict when the parser is made (once per column and code set), so a cell costs a
    dict lookup or two."""

    _NUMBER_LABEL = re.compile(r"([0-9]+[a-z]?)\s*[-\u2013:.]\s*(.+)", re.IGNORECASE)

    def __init__(self, codeset: CodeSet, separator: str | None = None) -> None:
        self.codeset = codeset
        self.separator = separator
        self._exact: dict[str, str] = {}
        # folded spelling -> (code, spelling written by the fix, what the finding says)
        self._warned: dict[str, tuple[str, str, str]] = {}
        self._short: dict[str, str] = {}  # short forms are accepted in any letter case (reference 7.7)
        named: list[tuple[str, str]] = []  # (label or spelling, code): what prefixes and variants apply to
        for item in codeset.values:
            self._accept(item.code, item.code)
            if item.short:
                self._short[item.short.casefold()] = item.code
            if item.label:
                for dash in ("-", "\u2013"):
                    self._accept(f"{item.code} {dash} {item.label}", item.code)
                if codeset.label_is_meaning:
                    self._fix_to_code(item.label, item.code, f"is the meaning of code {item.code}: write the code")
                else:
                    self._accept(item.label, item.code)
                    named.append((item.label, item.code))
            for spelling in item.spellings:
                self._accept(spelling, item.code)
                named.append((spelling, item.code))
            for billing in item.billing:
                for spelling in billing_spellings(billing):
                    self._accept(spelling, item.code)
            for spelling in item.fixed_spellings:
                self._fix_to_code(spelling, item.code, f"should be written {item.code!r}")
        for text, code in named:  # after every listed spelling, which win over made ones
            forms = [text, *(text.replace(a, b) for a, b in codeset.variants if a in text)]
            for form in forms:
                self._accept(form, code)
                for prefix in codeset.prefixes:
                    self._accept(prefix + form, code)
        self._allowed_text = "; ".join(f"{v.code} ({v.label})" if v.label else v.code for v in codeset.values)
        self._codes_are_numbers = any(v.code.isdigit() for v in codeset.values)

    def _accept(self, spelling: str, code: str) -> None:
        """The first code listed with a spelling keeps it, and the first spelling with a fold is the fix's."""
        self._exact.setdefault(spelling, code)
        self._warned.setdefault(_fold(spelling), (code, spelling, f"should be written {spelling!r}"))

    def _fix_to_code(self, spelling: str, code: str, text: str) -> None:
        self._warned.setdefault(_fold(spelling), (code, code, text))

    def __call__(self, value: Any) -> Parsed:
        if self.separator and isinstance(value, str) and self.separator in value:
            return self._parse_list(value)
        return self._parse_one(value)

    def _parse_list(self, text: str) -> Parsed:
        parts = [p.strip() for p in text.split(self.separator) if p.strip()]
        results = [self._parse_one(p) for p in parts]
        if any(r.value is None for r in results):
            return _bad(CODE_INVALID.code, f"holds a value that is not allowed; allowed: {self._allowed_text}")
        joined = (self.separator or ";").join(r.value for r in results)
        if any(r.issues for r in results):
            return _fixed(joined, CODE_SPELLING.code, "should use the spelling of the code list")
        return _ok(joined)

    def _parse_one(self, value: Any) -> Parsed:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not _is_whole(value):
                return _bad(CODE_INVALID.code, f"is not an allowed value; allowed: {self._allowed_text}")
            value = str(int(value))
        elif not isinstance(value, str):
            return _bad(CODE_INVALID.code, f"is not an allowed value; allowed: {self._allowed_text}")
        exact = self._exact.get(value) or self._short.get(value.casefold())
        if exact is not None:
            return _ok(exact)
        warned = self._warned.get(_fold(value))
        if warned is not None:
            code, spelling, text = warned
            return Parsed(code, (Issue(CODE_SPELLING.code, text, spelling),))
        if value.isdigit():
            padded = self._warned.get(value.zfill(2))
            if padded is not None:
                return _fixed(padded[0], CODE_SPELLING.code, f"needs its leading zero: {padded[0]}")
            if not self._codes_are_numbers:
                return _bad(CODE_INVALID.code, f"is a number, but these codes are not numbers; write one of: "
                            f"{self._allowed_text}")
        if self.codeset.numbered:
            mismatch = self._number_label_mismatch(value)
            if mismatch:
                return _bad(CODE_LABEL_MISMATCH.code, mismatch)
        if _several(value) and all(self._known(p) for p in _MULTI_SPLIT.split(value) if p):
            return _bad(CELL_MULTIPLE.code, "holds several values: put each on its own row")
        return _bad(CODE_INVALID.code, f"is not an allowed value; allowed: {self._allowed_text}")

    def _known(self, text: str) -> bool:
        return _fold(text) in self._warned or text.casefold() in self._short

    def _number_label_mismatch(self, text: str) -> str | None:
        match = self._NUMBER_LABEL.fullmatch(text)
        if not match:
            return None
        by_number = self._warned.get(_fold(match.group(1)))
        by_label = self._warned.get(_fold(match.group(2)))
        if by_number and by_label and by_number[0] != by_label[0]:
            return (f"says number {by_number[0]} but the label of {by_label[0]}; "
                    f"write one status, e.g. {by_number[0]} or {by_label[0]}")
        return None


_PARSERS: dict[FieldType, Parser] = {
    FieldType.TEXT: parse_text,
    FieldType.CIN: parse_cin,
    FieldType.NPI: parse_npi,
    FieldType.TIN: parse_tin,
    FieldType.DATE: parse_date,
    FieldType.PERIOD: parse_period,
    FieldType.PHONE: parse_phone,
    FieldType.ZIP: parse_zip,
    FieldType.STATE: parse_state,
    FieldType.YES_NO: parse_yes_no,
    FieldType.COUNT: parse_count,
    FieldType.MINUTES: parse_minutes,
    FieldType.EMAIL: parse_email,
}


_CANONICAL: dict[FieldType, re.Pattern[str]] = {
    FieldType.TEXT: re.compile(r"\S(?:.*\S)?", re.DOTALL),
    FieldType.CIN: _CIN,
    FieldType.PHONE: re.compile(r"[0-9]{10}"),
    FieldType.ZIP: re.compile(r"9[0-9]{4}(?:-[0-9]{4})?"),
}


def canonical_form(field_type: FieldType) -> re.Pattern[str] | None:
    """A pattern of text values that are already in their normal form: the parser would return them unchanged
    and find nothing. Checking it first skips the parser for the many distinct names, CINs and phones."""
    return _CANONICAL.get(field_type)


@functools.lru_cache(maxsize=64)
def code_parser(codeset: CodeSet, separator: str | None) -> CodeParser:
    """One parser per code set and separator, its spelling dicts built once however many sheets use it."""
    return CodeParser(codeset, separator)


def parser_for(column: Column, codesets: dict[str, CodeSet]) -> Parser:
    """The parser of one column, wrapped so that surrounding spaces are reported and trimmed first."""
    inner = code_parser(codesets[column.codeset], column.separator) if column.codeset else _PARSERS[column.type]
    return _trimming(inner)


def _trimming(inner: Parser) -> Parser:
    def parse(value: Any) -> Parsed:
        if not isinstance(value, str):
            return inner(value)
        trimmed = value.strip()
        if trimmed == value:
            return inner(value)
        result = inner(trimmed)
        all_fixable = all(issue.fixable for issue in result.issues)
        fix = result.value if all_fixable and result.value is not None else trimmed
        whitespace = Issue(TEXT_WHITESPACE.code, "has spaces before or after the value", fix)
        return Parsed(result.value, (whitespace, *result.issues))

    return parse


def is_blank(value: Any) -> bool:
    """Calamine reads empty cells as ''; a cell of spaces only is blank too."""
    return value is None or (isinstance(value, str) and not value.strip())
