"""`calaimfiles build` on the shipped example files: what is carried forward, what is left for the provider."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import findings_of, validate
from typer.testing import CliRunner, Result

from calaimfiles.building import (
    build_rtf,
    group_findings,
    recipe_for,
    row_ranges,
)
from calaimfiles.commands import app
from calaimfiles.findings import Finding, Severity
from calaimfiles.layouts import LAYOUT_NAMES, load_layout
from calaimfiles.validate import ValidationRequest, read_tables
from calaimfiles.writing.layout_workbook import INSTRUCTIONS_SHEET, TEXT_FORMAT, write_layout_workbook

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
AS_OF = dt.date(2026, 11, 3)  # the examples' return files are produced on this day
PERIOD = dt.date(2026, 10, 1)
runner = CliRunner()


def build(*args: Any) -> Result:
    return runner.invoke(app, ["build", *map(str, args)])


def records(path: Path, layout: str) -> list[dict[str, Any]]:
    tables = read_tables(path, ValidationRequest(as_of=AS_OF, layout=layout))
    return [r for t in tables for r in t.records()]


def by_key(rows: list[dict[str, Any]], *key: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(r[k] for k in key): r for r in rows}


def found(path: Path, layout: str) -> set[tuple[str, str | None]]:
    return {(f.code, f.column) for f in findings_of(validate(path, as_of=AS_OF, layout=layout))}


def assert_one_error_line(result: Result, *expected: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("calaimfiles: "), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for text in expected:
        assert text in lines[0]


def copy_example(name: str, folder: Path) -> Path:
    """A copy, so that whatever a command writes beside its input lands in the test's folder."""
    target = folder / name
    target.write_bytes((EXAMPLES / name).read_bytes())
    return target


@pytest.fixture
def mif(tmp_path: Path) -> Path:
    return copy_example("mif_clean.xlsx", tmp_path)


def non_termed(mif_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    termed = load_layout("MIF").codeset_of("status").codes_with_flag("termed")
    return [r for r in mif_rows if r["status"] not in termed]


# -- templates ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", LAYOUT_NAMES)
def test_template_of_every_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.chdir(tmp_path)
    result = build("template", name.lower())
    assert result.exit_code == 0, result.stderr
    path = tmp_path / f"{name.lower()}_template.xlsx"
    assert f"Wrote {path.name}: {name}, 0 rows" in result.stdout
    assert "FILE-NO-ROWS" in result.stdout
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == load_layout(name).sheet_names[0]
    assert book[INSTRUCTIONS_SHEET].max_row == len(load_layout(name).columns) + 1
    assert {code for code, _ in found(path, name)} <= {"FILE-NO-ROWS", "REQUIRED"}


def test_existing_output_is_refused_without_force(tmp_path: Path) -> None:
    target = tmp_path / "rtf.xlsx"
    target.write_bytes(b"keep me")
    assert_one_error_line(build("template", "rtf", "-o", target), "already exists", "--force")
    assert target.read_bytes() == b"keep me"
    assert build("template", "rtf", "-o", target, "--force").exit_code == 0
    assert openpyxl.load_workbook(target).sheetnames[0] == "RTF"


def test_unknown_layout_and_missing_folder(tmp_path: Path) -> None:
    assert build("template", "abc").exit_code == 2
    assert_one_error_line(build("template", "mif", "-o", tmp_path / "nowhere" / "x.xlsx"), "does not exist")


# -- RTF --------------------------------------------------------------------------------------------------

def test_rtf_from_the_mif_alone(mif: Path) -> None:
    result = build("rtf", "--from", mif, "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.stderr
    out = mif.with_name("rtf_2026-10.xlsx")
    assert f"Wrote {out}: RTF, 12 rows (1 termed member left out)" in result.stdout
    mif_rows = records(mif, "MIF")
    rtf = records(out, "RTF")
    assert [r["cin"] for r in rtf] == [r["cin"] for r in non_termed(mif_rows)]
    source = by_key(mif_rows, "cin")
    for row in rtf:
        plan = source[(row["cin"],)]
        for column in ("mcp_id", "mcp_name", "last_name", "first_name", "dob", "homeless", "status",
                       "enrollment_start", "acuity", "provider_name", "provider_npi", "provider_tin"):
            assert row[column] == plan[column], column
        assert (row["reporting_period"], row["production_date"]) == (PERIOD, AS_OF)
        assert row["provider_phone"] is None and row["lcm_name"] is None and row["address"] is None
    # What is left is exactly what only the provider knows.
    assert found(out, "RTF") == {
        ("REQUIRED", "Member New Address Indicator"),
        ("REQUIRED", "Member New Phone Number Indicator"),
        ("REQUIRED", "ECM Provider Phone Number"),
        ("RTF-R4", "Member Acuity Level"),  # members pending outreach have no acuity on the MIF
        ("RTF-R2", "ECM Lead Care Manager Name"),
        ("RTF-R2", "ECM Lead Care Manager Phone Number"),
    }
    assert "rows 2-13: Member New Address Indicator is required but blank (choose Y or N)" in result.stdout


def test_rtf_carries_last_months_answers_forward(mif: Path, tmp_path: Path) -> None:
    previous_rows = records(EXAMPLES / "rtf_clean.xlsx", "RTF")
    new_cin = "90000003C"
    previous = tmp_path / "rtf_september.xlsx"
    write_layout_workbook(previous, load_layout("RTF"), [r for r in previous_rows if r["cin"] != new_cin])
    out = tmp_path / "draft.xlsx"
    result = build("rtf", "--from", mif, "--previous", previous, "--as-of", AS_OF.isoformat(), "-o", out)
    assert result.exit_code == 0, result.stderr
    assert "12 rows (11 carried forward from rtf_september.xlsx, 1 new; 1 termed member left out)" in result.stdout
    rtf = by_key(records(out, "RTF"), "cin")
    last = by_key(previous_rows, "cin")
    rtf_recipe = recipe_for(load_layout("RTF"))
    carried_columns = rtf_recipe.carried + rtf_recipe.carried_only
    for (cin,), row in rtf.items():
        assert row["provider_phone"] == "9165550100"  # from the previous RTF
        assert (row["reporting_period"], row["production_date"]) == (PERIOD, AS_OF)
        assert row["new_address"] is None and row["in_person"] is None  # answered afresh each month
        if cin != new_cin:
            for column in carried_columns:
                assert row[column] == last[(cin,)][column], (cin, column)
    new = rtf[(new_cin,)]
    plan = by_key(records(mif, "MIF"), "cin")[(new_cin,)]
    assert (new["status"], new["enrollment_start"], new["acuity"]) == (
        plan["status"], plan["enrollment_start"], plan["acuity"])
    assert new["lcm_name"] is None
    assert found(out, "RTF") == {
        ("REQUIRED", "Member New Address Indicator"),
        ("REQUIRED", "Member New Phone Number Indicator"),
        ("RTF-R2", "ECM Lead Care Manager Name"),  # the new enrolled member
        ("RTF-R2", "ECM Lead Care Manager Phone Number"),
        # last month's encounter dates fall in this period only because the example RTF is of the same month
        ("RTF-R6", "Date of Most Recent Encounter with Member"),
    }


def test_rtf_keeps_leading_zeros_as_text(mif: Path) -> None:
    assert build("rtf", "--from", mif, "--as-of", AS_OF.isoformat(), "--provider-phone", "(916) 555-0100"
                 ).exit_code == 0
    book = openpyxl.load_workbook(mif.with_name("rtf_2026-10.xlsx"))
    sheet = book["RTF"]
    ids = [c.id for c in load_layout("RTF").columns]
    tin = sheet.cell(row=2, column=ids.index("provider_tin") + 1)
    phone = sheet.cell(row=2, column=ids.index("provider_phone") + 1)
    assert (tin.value, tin.number_format) == ("012345678", TEXT_FORMAT)
    assert phone.value == "9165550100"


def test_rtf_bad_inputs_exit_2(mif: Path, tmp_path: Path) -> None:
    assert_one_error_line(build("rtf", "--from", tmp_path / "none.xlsx"), "none.xlsx", "no such file")
    csasf = copy_example("csasf_clean.xlsx", tmp_path)
    assert_one_error_line(build("rtf", "--from", csasf), "holds no MIF (found CSASF)")
    assert_one_error_line(build("rtf", "--from", mif, "--provider-phone", "555"), "--provider-phone")
    assert_one_error_line(build("rtf", "--from", mif, "--as-of", "11/03/2026"), "--as-of")
    assert not mif.with_name("rtf_2026-10.xlsx").exists()


def test_rtf_previous_rows_not_on_the_mif_are_dropped() -> None:
    mif_rows = [{"cin": "90000001A", "status": "1", "reporting_period": PERIOD}]
    previous = [{"cin": "90000001A", "status": "4", "provider_phone": "9165550100"},
                {"cin": "90000099Z", "status": "2"}]
    draft = build_rtf(mif_rows, previous, production_date=AS_OF, provider_phone="9165550111")
    assert (draft.carried, draft.new, draft.left_out, draft.dropped) == (1, 0, 0, 1)
    assert [(r["cin"], r["status"], r["provider_phone"]) for r in draft.rows] == [("90000001A", "4", "9165550111")]


# -- CSPRTF -----------------------------------------------------------------------------------------------

def test_csprtf_from_the_csasf(tmp_path: Path) -> None:
    out = tmp_path / "csprtf.xlsx"
    result = build("csprtf", "--from", EXAMPLES / "csasf_clean.xlsx", "--as-of", AS_OF.isoformat(), "-o", out)
    assert result.exit_code == 0, result.stderr
    csasf = records(EXAMPLES / "csasf_clean.xlsx", "CSASF")
    resolved = load_layout("CSASF").codeset_of("authorization_status").codes_with_flag("resolved")
    wanted = [r for r in csasf if r["authorization_status"] not in resolved]
    assert len(wanted) < len(csasf)  # the example holds a Denied authorization
    rows = records(out, "CSPRTF")
    assert [(r["cin"], r["service"]) for r in rows] == [(r["cin"], r["service"]) for r in wanted]
    for row, plan in zip(rows, wanted, strict=True):
        assert row["authorization_number"] == plan["authorization_number"]
        assert row["provider_tin"] == plan["provider_tin"] == "012345678"
        assert (row["reporting_period"], row["production_date"], row["status"]) == (PERIOD, AS_OF, None)
    assert found(out, "CSPRTF") == {
        ("REQUIRED", "Member CS Status"),
        # an authorization number waits for a status of 2, 5 or 7 to be chosen
        ("VALUE-IGNORED", "Authorization Number"),
    }


def test_csprtf_carries_last_months_answers_forward(tmp_path: Path) -> None:
    out = tmp_path / "csprtf.xlsx"
    result = build("csprtf", "--from", EXAMPLES / "csasf_clean.xlsx", "--previous", EXAMPLES / "csprtf_clean.xlsx",
                   "--as-of", AS_OF.isoformat(), "--period", "2026-10", "-o", out)
    assert result.exit_code == 0, result.stderr
    rows = by_key(records(out, "CSPRTF"), "cin", "service")
    last = by_key(records(EXAMPLES / "csprtf_clean.xlsx", "CSPRTF"), "cin", "service")
    carried = [key for key in rows if key in last]
    assert len(carried) == 10  # the clean CSPRTF answers every open CSASF row
    for key in carried:
        for column in recipe_for(load_layout("CSPRTF")).carried_only:
            assert rows[key][column] == last[key][column], (key, column)
        assert rows[key]["units_delivered"] is None  # a count of the month, answered afresh
    assert "10 carried forward from csprtf_clean.xlsx, 0 new" in result.stdout


# -- OTF --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", ["mif", "rtf"])
def test_empty_otf_for_the_month(tmp_path: Path, source: str) -> None:
    result = build("otf", "--from", copy_example(f"{source}_clean.xlsx", tmp_path))
    assert result.exit_code == 0, result.stderr
    out = tmp_path / "otf_2026-10.xlsx"
    sheet = openpyxl.load_workbook(out)["OTF"]
    assert [c.value for c in sheet[1]] == [c.name for c in load_layout("OTF").columns]
    assert sheet.max_row == 1 and len(sheet.data_validations.dataValidation) == 2  # method, successful
    assert found(out, "OTF") == {("FILE-NO-ROWS", None)}


def test_otf_needs_a_mif_or_rtf(tmp_path: Path) -> None:
    csasf = copy_example("csasf_clean.xlsx", tmp_path)
    assert_one_error_line(build("otf", "--from", csasf), "holds no MIF or RTF (found CSASF)")
    assert list(tmp_path.iterdir()) == [csasf]


# -- the summary ------------------------------------------------------------------------------------------

def test_row_ranges() -> None:
    assert row_ranges([7, 2, 3, 4, 9, 10, 3]) == "2-4, 7, 9-10"
    assert row_ranges([]) == ""


def test_findings_grouped_by_code_and_column() -> None:
    def finding(row: int | None, code: str = "REQUIRED", column: str | None = "Member New Address Indicator",
                severity: Severity = Severity.ERROR) -> Finding:
        return Finding(code, severity, f"{column} is required but blank", row=row, column=column)

    groups = group_findings([finding(3), finding(2), finding(5, "RTF-R6", "In Person", Severity.WARNING),
                             finding(4), finding(None, "FILE-NO-ROWS", None, Severity.WARNING)],
                            load_layout("RTF"))
    assert [(g.code, g.rows, g.hint) for g in groups] == [
        ("REQUIRED", (2, 3, 4), "choose Y or N"),
        ("FILE-NO-ROWS", (), None),
        ("RTF-R6", (5,), None),
    ]
