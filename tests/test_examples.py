"""The shipped examples: clean files pass untouched, mistakes files report exactly the planted mistakes.

The expectations below are written from the mistakes planted in scripts/make_examples.py (each commented
there with the code it should raise), not copied from the tool's output. The workbooks in examples/ must
also stay what the script writes.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import openpyxl
import pytest

from calaimfiles.validate import ValidationRequest, validate_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
AS_OF = dt.date(2026, 11, 5)
LAYOUTS = ["mif", "rtf", "otf", "csasf", "csprtf"]


def load_script() -> ModuleType:
    if "make_examples" in sys.modules:
        return sys.modules["make_examples"]
    spec = importlib.util.spec_from_file_location("make_examples", ROOT / "scripts" / "make_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_examples"] = module  # dataclasses look their module up while the script runs
    spec.loader.exec_module(module)
    return module


def findings(name: str) -> list[tuple[str, str | None]]:
    results = validate_file(EXAMPLES / name, ValidationRequest(as_of=AS_OF))
    assert len(results) == 1
    return [(f.code, f.cell) for f in results[0].findings]


# (code, cell) for every planted mistake. RTF: title row 1, header row 2, members from row 3.
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "rtf": {
        ("COLUMN-UNKNOWN", "AQ2"),  # the extra Notes column
        ("RTF-R4", "R3"),  # blank acuity
        ("CIN-LOWERCASE", "C4"),  # 90000002b
        ("YN-SPELLING", "O4"),  # Yes in Member POF Indicator
        ("DATE-FORMAT", "V4"),  # text 2026-10-02
        ("ZIP-LEADING-ZERO", "L5"),  # the number 9372
        ("ZIP-NOT-CALIFORNIA", "L5"),  # ... which, padded to 09372, is not a California ZIP
        ("PHONE-INVALID", "N5"),  # 9 digits
        ("DATE-FORMAT", "Y5"),  # text 10/07/2026 14:30, a date with a time
        ("CODE-LABEL-MISMATCH", "Q6"),  # 2 - Declined
        ("RTF-R3b", "AD7"),  # Discontinued without a Discontinuation Reason Code
        ("CODE-SPELLING", "AH7"),  # closed for Referral Loop Closed
        ("CIN-CARD-ID", "C8"),  # 14-character benefits card ID
        ("TEXT-WHITESPACE", "D8"),  # "Demoperson "
        ("CODE-SPELLING", "R9"),  # low
        ("DATE-FORMAT", "AC9"),  # text 10/6/2026
        ("RTF-R3", "T10"),  # End Date without Start Date (Not Eligible)
        ("CIN-FORMAT", "C11"),  # 7 digits
        ("RTF-R2", "S11"),  # Enrolled without Start Date
        ("RTF-R1", "AC12"),  # Pending Outreach with a Discontinuation Date
        ("CODE-INVALID", "AD12"),  # 01, an old numbered code: the codes are letters
        ("DATE-INVALID", "U13"),  # 02/30/2026
        ("DATE-FUTURE", "V13"),  # 11/04/2026, after the 11/03/2026 production date
        ("CELL-ERROR", "R14"),  # #N/A
        ("RTF-R10", "AK14"),  # another production date
        ("RTF-R10", "C15"),  # duplicate CIN of row 3
    },
    "mif": {
        ("REQUIRED-IF", "O4"),  # status 2 without ECM Enrollment Start Date
        ("REQUIRED-IF", "G8"),  # homeless N without address ...
        ("REQUIRED-IF", "H8"),  # ... and city
        ("STATE-CASE", "I9"),  # ca
        ("CODE-SPELLING", "M10"),  # POF 1A
        ("MIF-SAME-VALUE", "U12"),  # another production date
        ("MIF-DUPLICATE", "C15"),  # duplicate CIN of row 7
    },
    "otf": {
        ("OTF-O1", "L3"),  # 12.5 minutes
        ("OTF-O2", "L4"),  # Mail with a blank time
        ("CELL-MULTIPLE", "I6"),  # 10/1/2026, 10/5/2026
        ("OTF-O2", "L8"),  # Mail with 15 minutes
        ("YN-SPELLING", "K10"),  # Yes
        ("CODE-SPELLING", "J12"),  # phone
        ("MINUTES-TEXT", "L13"),  # 1 h 5 min
        ("MINUTES-INVALID", "L14"),  # 0
        ("OTF-O3", "G17"),  # same CIN, date and method as row 11
    },
    "csasf": {
        ("REQUIRED-IF", "M4"),  # Approved without Authorization Number
        ("CSASF-AUTH-DATES", "O5"),  # ends before it starts
        ("PHONE-INVALID", "G7"),  # 9 digits
        ("ZIP-INVALID", "J7"),  # text 9535
        ("DATE-FORMAT", "F8"),  # text 1970-03-05
        ("CSASF-DUPLICATE", "C13"),  # Housing Deposits again for the member of row 3 (written HD there)
    },
    "csprtf": {
        ("TIN-LEADING-ZERO", "E2"),  # the number 12345678
        ("CSPRTF-C2", "K4"),  # Receiving Services without Authorization Number
        ("CSPRTF-C1", "M7"),  # Unable to Contact after 2 attempts
        ("CODE-SPELLING", "T8"),  # Member declined to participate, the meaning of DP
        ("CSPRTF-R11", "W10"),  # Referral Loop Closed without a Reason for Referral Loop Closure
        ("CSPRTF-C5", "F12"),  # same CIN + service as row 4
    },
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_clean_example_has_no_findings(layout: str) -> None:
    assert findings(f"{layout}_clean.xlsx") == []


@pytest.mark.parametrize("layout", LAYOUTS)
def test_mistakes_example_reports_exactly_the_planted_mistakes(layout: str) -> None:
    found = set(findings(f"{layout}_mistakes.xlsx"))
    expected = EXPECTED[layout]
    assert expected - found == set(), "planted mistakes not reported"
    assert found - expected == set(), "findings nobody planted"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_mistake_is_reported_once(layout: str) -> None:
    counts = Counter(findings(f"{layout}_mistakes.xlsx"))
    assert [pair for pair, n in counts.items() if n > 1] == []


def _values(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_committed_examples_match_the_generator(tmp_path: Path) -> None:
    written = load_script().make_examples(tmp_path)
    names = sorted(p.name for p in written)
    assert names == sorted(f"{layout}_{kind}.xlsx" for layout in LAYOUTS for kind in ("clean", "mistakes"))
    assert sorted(p.name for p in EXAMPLES.glob("*.xlsx")) == names
    for name in names:
        assert _values(tmp_path / name) == _values(EXAMPLES / name), f"{name} is out of date: run make_examples.py"


def test_examples_are_small_and_synthetic() -> None:
    npi = load_script().NPI
    digits = [int(d) for d in "80840" + npi[:9]]
    # Luhn: double every second digit from the right of the payload (the check digit comes after it)
    total = sum(sum(divmod(2 * d, 10)) if i % 2 == 0 else d for i, d in enumerate(reversed(digits)))
    assert (10 - total % 10) % 10 == int(npi[9])  # the example NPI is valid (Luhn)
    for path in EXAMPLES.glob("*.xlsx"):
        assert path.stat().st_size < 30_000
