"""Checks across files (reference section 9, RTF R7 and R9) on real workbooks: the library's `validate_set`,
`validate --against/--otf` and folder pairing. Every finding lands on the return file, the one to change."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import (
    AS_OF,
    ERROR,
    WARNING,
    cell,
    csprtf_row,
    member_cin,
    rtf_row,
    valid_row,
    valid_rows,
    write_xlsx,
)
from typer.testing import CliRunner, Result

from calaimfiles.commands import app
from calaimfiles.findings import Finding
from calaimfiles.validate import InputError, SheetResult, ValidationRequest, validate_set

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
D = dt.date
REQUEST = ValidationRequest(as_of=AS_OF)


def by_file(results: list[SheetResult]) -> dict[str, list[Finding]]:
    return {result.path.name: result.findings for result in results}


def found(results: list[SheetResult], name: str) -> list[tuple[str, str | None]]:
    return [(f.code, f.cell) for f in by_file(results)[name]]


def run(*args: Any) -> Result:
    return CliRunner().invoke(app, ["validate", *map(str, args), "--as-of", AS_OF.isoformat()])


def mif(tmp_path: Path, *statuses: str, name: str = "mif.xlsx", **overrides: Any) -> Path:
    """A MIF of members 1, 2, ... in these statuses (5 and 6 are termed)."""
    rows = [valid_row("MIF", **{"cin": member_cin(n), "status": status,
                                **({} if status in ("2", "5") else {"enrollment_start": ""}), **overrides})
            for n, status in enumerate(statuses, 1)]
    return write_xlsx(tmp_path, "MIF", rows, filename=name)


def rtf(tmp_path: Path, *rows: dict[str, Any], name: str = "rtf.xlsx") -> Path:
    return write_xlsx(tmp_path, "RTF", rows, filename=name)


# -- the shipped examples -------------------------------------------------------------------------------------
# The clean examples answer each other: the RTF lists every MIF member, its In Person / Telephonic/Video counts are
# the OTF's attempts of 10/2026, the Unable to Contact member (RTF row 8) has 92 days of outreach on the OTF, and
# the CSPRTF answers every unresolved CSASF member and service.

def test_clean_examples_checked_together() -> None:
    request = ValidationRequest(as_of=D(2026, 11, 5))
    results = validate_set(EXAMPLES / "rtf_clean.xlsx", request, EXAMPLES / "mif_clean.xlsx",
                           [EXAMPLES / "otf_clean.xlsx"])
    assert [r.path.name for r in results] == ["rtf_clean.xlsx", "mif_clean.xlsx", "otf_clean.xlsx"]
    assert {name: [] for name in by_file(results)} == by_file(results)

    results = validate_set(EXAMPLES / "csprtf_clean.xlsx", request, EXAMPLES / "csasf_clean.xlsx")
    assert [r.path.name for r in results] == ["csprtf_clean.xlsx", "csasf_clean.xlsx"]
    assert {name: [] for name in by_file(results)} == by_file(results)


@pytest.mark.parametrize(("files", "summary"), [
    (["rtf_clean.xlsx", "--against", "mif_clean.xlsx", "--otf", "otf_clean.xlsx"], "3 files checked"),
    (["csprtf_clean.xlsx", "--against", "csasf_clean.xlsx"], "2 files checked"),
])
def test_clean_examples_pair_cleanly_on_the_command_line(files: list[str], summary: str) -> None:
    args = [arg if arg.startswith("--") else str(EXAMPLES / arg) for arg in files]
    result = CliRunner().invoke(app, ["validate", *args, "--as-of", "2026-11-05"])
    assert result.exit_code == 0, result.stdout
    assert f"{summary}: 0 errors, 0 warnings" in result.stdout


# -- RTF + MIF ------------------------------------------------------------------------------------------------

def test_rtf_lists_every_mif_member_not_termed(tmp_path: Path) -> None:
    plan = mif(tmp_path, "1", "2", "5", "6")  # members 3 and 4 are termed: no RTF row needed
    answer = rtf(tmp_path, rtf_row("1", cin=member_cin(1)), rtf_row("2", cin=member_cin(2)))
    assert found(validate_set(answer, REQUEST, plan), "rtf.xlsx") == []


def test_mif_member_missing_from_the_rtf(tmp_path: Path) -> None:
    plan = mif(tmp_path, "2", "1", "2")
    answer = rtf(tmp_path, rtf_row("2", cin=member_cin(1)))
    results = validate_set(answer, REQUEST, plan)
    missing = by_file(results)["rtf.xlsx"]
    assert [(f.code, f.severity, f.sheet, f.row, f.cell) for f in missing] == [
        ("RTF-MIF-MISSING", ERROR, "RTF", None, None), ("RTF-MIF-MISSING", ERROR, "RTF", None, None),
    ]
    assert [f.message.split(" lists")[0] for f in missing] == ["Row 3 of mif.xlsx", "Row 4 of mif.xlsx"]
    assert [f.value for f in missing] == [member_cin(2), member_cin(3)]  # the CIN only as a value: PHI
    assert all(f.member_data and member_cin(2) not in f.message for f in missing)
    assert by_file(results)["mif.xlsx"] == []


def test_rtf_member_not_on_the_mif_is_r7(tmp_path: Path) -> None:
    plan = mif(tmp_path, "2")
    answer = rtf(tmp_path, rtf_row("2", cin=member_cin(1)), rtf_row("1", cin=member_cin(9)))
    (r7,) = by_file(validate_set(answer, REQUEST, plan))["rtf.xlsx"]
    assert (r7.code, r7.severity, r7.row, r7.cell) == ("RTF-R7", ERROR, 3, cell("RTF", "cin", 3))
    assert "portal or by fax" in r7.message and r7.value == member_cin(9)


def test_rtf_and_mif_of_different_months(tmp_path: Path) -> None:
    plan = mif(tmp_path, "2", "1", reporting_period="02/2026")
    answer = rtf(tmp_path, rtf_row("2", cin=member_cin(3)))  # would be R7 and two missing in the same month
    (period,) = by_file(validate_set(answer, REQUEST, plan))["rtf.xlsx"]
    assert (period.code, period.row, period.cell) == ("RTF-MIF-PERIOD", 2, cell("RTF", "reporting_period", 2))
    assert "03/2026" in period.message and "02/2026" in period.message


# -- RTF + OTF ------------------------------------------------------------------------------------------------

def attempt(day: dt.date, method: str, cin: str = member_cin(1)) -> dict[str, Any]:
    return valid_row("OTF", cin=cin, attempt_date=day, method=method, minutes=1 if method == "Mail" else 10)


# Five attempts with four methods from 12/15/2025; two of them (Phone, In Person) in the period 03/2026.
OUTREACH = [attempt(D(2025, 12, 15), "Phone"), attempt(D(2026, 1, 10), "Mail"), attempt(D(2026, 2, 5), "Text"),
            attempt(D(2026, 3, 1), "Phone"), attempt(D(2026, 3, 18), "In Person")]


def unable(**overrides: Any) -> dict[str, Any]:
    """Member 1, Unable to Contact since 03/20/2026 (95 days after the first attempt), counts as in OUTREACH."""
    return rtf_row("3", **{"cin": member_cin(1), "in_person": 1, "telephonic": 1, **overrides})


def test_unable_to_contact_after_the_required_outreach(tmp_path: Path) -> None:
    otf = write_xlsx(tmp_path, "OTF", OUTREACH)
    assert found(validate_set(rtf(tmp_path, unable()), REQUEST, otf=[otf]), "rtf.xlsx") == []


def test_outreach_of_earlier_months_on_their_own_trackers(tmp_path: Path) -> None:
    earlier = write_xlsx(tmp_path, "OTF", OUTREACH[:3], filename="otf_02.xlsx")
    current = write_xlsx(tmp_path, "OTF", OUTREACH[3:], filename="otf_03.xlsx")
    results = validate_set(rtf(tmp_path, unable()), REQUEST, otf=[current, earlier])
    assert [(r.path.name, r.findings) for r in results] == [("rtf.xlsx", []), ("otf_03.xlsx", []),
                                                             ("otf_02.xlsx", [])]
    alone = validate_set(rtf(tmp_path, unable()), REQUEST, otf=[current])
    (r9,) = by_file(alone)["rtf.xlsx"]
    assert (r9.code, r9.severity, r9.cell) == ("RTF-R9", ERROR, cell("RTF", "status", 2))
    assert "19 days (at least 90), 2 attempts (at least 5), 2 modalities (at least 3)" in r9.message


@pytest.mark.parametrize(("outreach", "short"), [
    ([attempt(D(2026, 1, 9), "Phone"), *OUTREACH[1:]], "70 days (at least 90)"),
    (OUTREACH[:2] + OUTREACH[3:], "4 attempts (at least 5)"),
    ([attempt(a["attempt_date"], "Phone" if a["method"] != "In Person" else "Text") for a in OUTREACH],
     "2 modalities (at least 3)"),
    ([], "0 days (at least 90), 0 attempts (at least 5), 0 modalities (at least 3)"),
])
def test_unable_to_contact_too_early(tmp_path: Path, outreach: list[dict[str, Any]], short: str) -> None:
    otf = write_xlsx(tmp_path, "OTF", outreach or [attempt(D(2026, 3, 2), "Phone", cin=member_cin(7))])
    counts = {"in_person": "", "telephonic": ""}  # the counts are not what this test is about
    results = validate_set(rtf(tmp_path, unable(**counts)), REQUEST, otf=[otf])
    r9 = [f for f in by_file(results)["rtf.xlsx"] if f.code == "RTF-R9"]
    assert len(r9) == 1 and f"falls short: {short};" in r9[0].message


def test_attempts_after_the_member_left_do_not_count(tmp_path: Path) -> None:
    otf = write_xlsx(tmp_path, "OTF", [*OUTREACH[:4], attempt(D(2026, 3, 25), "In Person")])
    results = validate_set(rtf(tmp_path, unable()), REQUEST, otf=[otf])
    assert found(results, "rtf.xlsx") == [("RTF-R9", cell("RTF", "status", 2))]


@pytest.mark.parametrize(("status", "in_person", "telephonic", "expected"), [
    ("1", 1, 1, []),  # never enrolled: equal to the OTF
    ("1", "", 1, [("RTF-OTF-COUNTS", cell("RTF", "in_person", 2))]),
    ("1", 1, 3, [("RTF-OTF-COUNTS", cell("RTF", "telephonic", 2))]),
    ("2", 2, 5, []),  # enrolled: care encounters come on top of the outreach
    ("2", 0, 1, [("RTF-OTF-COUNTS", cell("RTF", "in_person", 2))]),
])
def test_encounter_counts_against_the_otf(
    tmp_path: Path, status: str, in_person: Any, telephonic: Any, expected: list[tuple[str, str]]
) -> None:
    answer = rtf(tmp_path, rtf_row(status, cin=member_cin(1), in_person=in_person, telephonic=telephonic,
                                   last_encounter=D(2026, 3, 18)))
    otf = write_xlsx(tmp_path, "OTF", OUTREACH)
    findings = by_file(validate_set(answer, REQUEST, otf=[otf]))["rtf.xlsx"]
    assert [(f.code, f.cell) for f in findings] == expected
    assert all(f.severity is WARNING for f in findings)


def test_a_copy_of_the_tracker_counts_once(tmp_path: Path) -> None:
    otf = write_xlsx(tmp_path, "OTF", OUTREACH)
    copy = shutil.copy(otf, tmp_path / "otf.fixed.xlsx")
    assert found(validate_set(rtf(tmp_path, unable()), REQUEST, otf=[otf, copy]), "rtf.xlsx") == []


def test_otf_attempt_after_the_rtf_period(tmp_path: Path) -> None:
    otf = write_xlsx(tmp_path, "OTF", [*OUTREACH, attempt(D(2026, 4, 2), "Phone", cin=member_cin(5))])
    results = validate_set(rtf(tmp_path, unable()), REQUEST, otf=[otf])
    assert found(results, "otf.xlsx") == [("OTF-O3", cell("OTF", "attempt_date", 7))]


# -- CSPRTF + CSASF -------------------------------------------------------------------------------------------

def assignments(tmp_path: Path) -> Path:
    """Member 1 Approved, 2 Pending, 3 Denied (resolved), 4 Potential Member, 5 Expired."""
    statuses = ["Approved", "Pending", "Denied", "Potential Member", "Expired"]
    rows = [valid_row("CSASF", cin=member_cin(n), authorization_status=status,
                      **({} if status in ("Approved", "Expired") else
                         {"authorization_number": "", "authorization_start": "", "authorization_end": ""}))
            for n, status in enumerate(statuses, 1)]
    return write_xlsx(tmp_path, "CSASF", rows)


def test_csprtf_reports_every_unresolved_assignment(tmp_path: Path) -> None:
    answer = write_xlsx(tmp_path, "CSPRTF", [
        csprtf_row("2", cin=member_cin(1)), csprtf_row("1", cin=member_cin(2)), csprtf_row("1", cin=member_cin(4)),
        csprtf_row("5", cin=member_cin(5)),
    ])
    assert found(validate_set(answer, REQUEST, assignments(tmp_path)), "csprtf.xlsx") == []


def test_csasf_assignment_missing_from_the_csprtf(tmp_path: Path) -> None:
    answer = write_xlsx(tmp_path, "CSPRTF", [csprtf_row("2", cin=member_cin(1))])
    findings = by_file(validate_set(answer, REQUEST, assignments(tmp_path)))["csprtf.xlsx"]
    assert [(f.code, f.severity, f.row, f.cell) for f in findings] == [
        ("CSPRTF-CSASF-MISSING", WARNING, None, None)] * 3
    assert [f.message.split(" lists")[0] for f in findings] == [f"Row {n} of csasf.xlsx" for n in (3, 5, 6)]
    assert [f.value for f in findings] == [member_cin(n) for n in (2, 4, 5)]


def test_another_service_of_an_assigned_member_is_not_on_the_csasf(tmp_path: Path) -> None:
    answer = write_xlsx(tmp_path, "CSPRTF", [
        csprtf_row("2", cin=member_cin(1)),
        csprtf_row("1", cin=member_cin(1), service="Respite Services"),  # self-referred, no authorization yet
        csprtf_row("2", cin=member_cin(8), authorization_number="AUTH-0008"),  # authorized since the CSASF
    ])
    csasf = write_xlsx(tmp_path, "CSASF", [valid_row("CSASF", cin=member_cin(1))])
    findings = by_file(validate_set(answer, REQUEST, csasf))
    (unknown,) = findings["csprtf.xlsx"]
    assert (unknown.code, unknown.severity, unknown.cell) == (
        "CSPRTF-CSASF-UNKNOWN", ERROR, cell("CSPRTF", "authorization_number", 3))


# -- partner files and the library's errors -------------------------------------------------------------------

def test_partner_that_cannot_be_used(tmp_path: Path) -> None:
    answer = rtf(tmp_path, rtf_row("2"))
    with pytest.raises(InputError, match="no such file") as missing:
        validate_set(answer, REQUEST, tmp_path / "nowhere.xlsx")
    assert missing.value.path == tmp_path / "nowhere.xlsx"
    csasf = write_xlsx(tmp_path, "CSASF", [valid_row("CSASF")])
    with pytest.raises(InputError, match="holds the CSASF layout, not the MIF layout the RTF is checked against"):
        validate_set(answer, REQUEST, csasf)
    with pytest.raises(InputError, match="holds the CSASF layout, not the OTF layout"):
        validate_set(answer, REQUEST, otf=[csasf])
    with pytest.raises(InputError, match="--otf checks an RTF, but this file holds the CSASF layout") as primary:
        validate_set(csasf, REQUEST, otf=[answer])
    assert primary.value.path is None


# -- the command line -----------------------------------------------------------------------------------------

def missing_member(tmp_path: Path) -> tuple[Path, Path]:
    return rtf(tmp_path, rtf_row("2", cin=member_cin(1))), mif(tmp_path, "2", "1")


@pytest.mark.parametrize("output_format", ["json", "junit", "github", "sarif", "text"])
def test_cli_against_keeps_the_cin_out_of_output(tmp_path: Path, output_format: str) -> None:
    answer, plan = missing_member(tmp_path)
    hidden = run(answer, "--against", plan, "--format", output_format)
    assert hidden.exit_code == 1, hidden.stderr
    assert "RTF-MIF-MISSING" in hidden.stdout and member_cin(2) not in hidden.stdout
    shown = run(answer, "--against", plan, "--format", output_format, "--show-values")
    assert member_cin(2) in shown.stdout


def test_cli_against_and_otf(tmp_path: Path) -> None:
    plan = mif(tmp_path, "3")
    otf = write_xlsx(tmp_path, "OTF", OUTREACH)
    result = run(rtf(tmp_path, unable()), "--against", plan, "--otf", otf, "--format", "json")
    document = json.loads(result.stdout)
    assert result.exit_code == 0, result.stdout
    assert [Path(f["path"]).name for f in document["files"]] == ["rtf.xlsx", "mif.xlsx", "otf.xlsx"]
    short = run(rtf(tmp_path, unable(), name="rtf2.xlsx"), "--otf", write_xlsx(tmp_path, "OTF", OUTREACH[2:],
                                                                                  filename="otf2.xlsx"))
    assert short.exit_code == 1 and "RTF-R9" in short.stdout


def test_cli_report_workbook_marks_only_the_primary_file(tmp_path: Path) -> None:
    answer = rtf(tmp_path, rtf_row("2", cin=member_cin(9)))
    plan = write_xlsx(tmp_path, "MIF", [valid_row("MIF", cin=member_cin(1))] * 2)  # MIF-DUPLICATE: not the RTF's
    result = run(answer, "--against", plan, "--report", tmp_path / "marked.xlsx", "--quiet")
    assert result.exit_code == 1, result.stderr
    sheet = openpyxl.load_workbook(tmp_path / "marked.xlsx")["Findings"]
    codes = {row[5] for row in sheet.iter_rows(values_only=True)}
    assert codes == {"Code", "RTF-R7", "RTF-MIF-MISSING"}


@pytest.mark.parametrize(("options", "message"), [
    (["--against", "nowhere.xlsx"], "nowhere.xlsx: no such file"),
    (["--against", "csasf.xlsx"], "csasf.xlsx: holds the CSASF layout, not the MIF layout the RTF is checked against"),
    (["--otf", "csasf.xlsx"], "csasf.xlsx: holds the CSASF layout, not the OTF layout"),
])
def test_cli_bad_partner_exits_2_with_one_line(tmp_path: Path, options: list[str], message: str) -> None:
    answer = rtf(tmp_path, rtf_row("2"))
    write_xlsx(tmp_path, "CSASF", [valid_row("CSASF")])
    result = run(answer, *[tmp_path / o if o.endswith(".xlsx") else o for o in options])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("calaimfiles: ") and lines[0].endswith(message), lines
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("where", ["folder", "two files"])
def test_cli_against_needs_exactly_one_file(tmp_path: Path, where: str) -> None:
    answer, plan = missing_member(tmp_path)
    inputs = [tmp_path] if where == "folder" else [answer, plan]
    result = run(*inputs, "--against", plan)
    assert result.exit_code == 2
    assert result.stderr.strip() == "calaimfiles: --against and --otf check exactly one file, not a folder or " \
                                    "several files"


# -- folders --------------------------------------------------------------------------------------------------

def folder_findings(folder: Path) -> dict[str, list[tuple[str, str | None]]]:
    result = run(folder, "--format", "json")
    assert result.exit_code in (0, 1), result.stderr
    return {Path(f["path"]).name: [(x["code"], x["cell"]) for x in f["findings"]]
            for f in json.loads(result.stdout)["files"]}


def test_folder_pairs_a_providers_month(tmp_path: Path) -> None:
    mif(tmp_path, "2", "3", name="mif_03.xlsx")
    mif(tmp_path, "2", "1", "1", name="mif_02.xlsx", reporting_period="02/2026", production_date=D(2026, 2, 10))
    rtf(tmp_path, rtf_row("2", cin=member_cin(1)), unable(cin=member_cin(2)), name="rtf_03.xlsx")
    write_xlsx(tmp_path, "OTF", [attempt(a["attempt_date"], a["method"], member_cin(2)) for a in OUTREACH[:3]],
               filename="otf_02.xlsx")
    write_xlsx(tmp_path, "OTF", [attempt(a["attempt_date"], a["method"], member_cin(2)) for a in OUTREACH[3:]],
               filename="otf_03.xlsx")
    write_xlsx(tmp_path, "CSASF", valid_rows("CSASF", 2, production_date=D(2026, 3, 29)))
    write_xlsx(tmp_path, "CSPRTF", [csprtf_row("2", cin=member_cin(1))])
    assert folder_findings(tmp_path) == {
        "csasf.xlsx": [], "csprtf.xlsx": [("CSPRTF-CSASF-MISSING", None)], "mif_02.xlsx": [], "mif_03.xlsx": [],
        "otf_02.xlsx": [], "otf_03.xlsx": [], "rtf_03.xlsx": [],
    }
    (tmp_path / "otf_02.xlsx").unlink()  # the outreach of February is gone: R9 on the March RTF
    assert folder_findings(tmp_path)["rtf_03.xlsx"] == [("RTF-R9", cell("RTF", "status", 3))]


def test_folder_one_rtf_and_one_mif_of_different_months(tmp_path: Path) -> None:
    mif(tmp_path, "2", reporting_period="02/2026")
    rtf(tmp_path, rtf_row("2", cin=member_cin(1)))
    assert folder_findings(tmp_path)["rtf.xlsx"] == [("RTF-MIF-PERIOD", cell("RTF", "reporting_period", 2))]


def test_folder_files_of_another_provider_stay_alone(tmp_path: Path) -> None:
    mif(tmp_path, "2", "1", provider_npi="1000000004")
    rtf(tmp_path, rtf_row("2", cin=member_cin(9)))
    write_xlsx(tmp_path, "CSASF", [valid_row("CSASF")])
    assert folder_findings(tmp_path) == {"csasf.xlsx": [], "mif.xlsx": [], "rtf.xlsx": []}
