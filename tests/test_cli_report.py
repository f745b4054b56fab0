"""`calaimfiles validate --report`: the annotated workbook and the HTML page written after the check, with the
validation's exit code, never over an existing file without --force, never over an input, and no member
values without --show-values."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import column_names, csv_text, rtf_cells, save_book
from typer.testing import CliRunner, Result

from calaimfiles.commands import app

AS_OF = "2026-03-10"
CIN, NAME = "91234567a", "Zyxwvutsonian"  # wrong member values, which a finding could quote

runner = CliRunner()


def run(*args: Any) -> Result:
    return runner.invoke(app, ["validate", *map(str, args), "--as-of", AS_OF])


def clean_rtf(path: Path) -> Path:
    return save_book(path, {"RTF": [column_names("RTF"), rtf_cells()]})


def rtf_with_member_errors(path: Path) -> Path:
    """C2: CIN-LOWERCASE (an error) and D2: TEXT-WHITESPACE, both on member values."""
    return save_book(path, {"RTF": [column_names("RTF"), rtf_cells(cin=CIN, last_name=f" {NAME}")]})


def assert_one_error_line(result: Result, *expected: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("calaimfiles: ")
    assert "Traceback" not in result.stdout + result.stderr
    for text in expected:
        assert text in lines[0], lines[0]


def added_text(path: Path) -> str:
    """What a report adds: the page, or the workbook's comments and its Findings and Summary sheets (its cells
    are a copy of the input and hold the member values anyway)."""
    if path.suffix != ".xlsx":
        return path.read_text(encoding="utf-8")
    book = openpyxl.load_workbook(path)
    parts = [cell.comment.text for row in book["RTF"].iter_rows() for cell in row if cell.comment is not None]
    for title in ("Findings", "Summary"):
        parts.extend(str(value) for row in book[title].iter_rows(values_only=True) for value in row)
    return "\n".join(parts)


# -- writing -----------------------------------------------------------------------------------------------------

def test_annotated_workbook_after_the_check_with_the_check_s_exit_code(tmp_path: Path) -> None:
    source = rtf_with_member_errors(tmp_path / "rtf.xlsx")
    before = source.read_bytes()
    report = tmp_path / "rtf.report.xlsx"
    result = run(source, "--report", report)
    assert result.exit_code == 1  # the errors, not the report, decide
    assert result.stderr == f"Wrote {report}\n"
    assert "CIN-LOWERCASE" in result.stdout
    book = openpyxl.load_workbook(report)
    assert "Findings" in book.sheetnames
    assert "CIN-LOWERCASE" in book["RTF"]["C2"].comment.text
    assert "TEXT-WHITESPACE" in book["RTF"]["D2"].comment.text
    assert stat.S_IMODE(report.stat().st_mode) == 0o600  # member data: readable by the user only
    assert source.read_bytes() == before


def test_html_page_with_a_clean_check_exits_zero(tmp_path: Path) -> None:
    report = tmp_path / "march.html"
    result = run(clean_rtf(tmp_path / "rtf.xlsx"), "--report", report)
    assert result.exit_code == 0
    assert result.stderr == f"Wrote {report}\n"
    page = report.read_text(encoding="utf-8")
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert stat.S_IMODE(report.stat().st_mode) == 0o600


def test_html_page_covers_several_inputs(tmp_path: Path) -> None:
    report = tmp_path / "march.htm"
    paths = [clean_rtf(tmp_path / "a.xlsx"), rtf_with_member_errors(tmp_path / "b.xlsx")]
    result = run(*paths, "--report", report)
    assert result.exit_code == 1
    page = report.read_text(encoding="utf-8")
    assert "b.xlsx" in page and "CIN-LOWERCASE" in page


def test_both_reports_at_once_keep_stdout_for_machine_output(tmp_path: Path) -> None:
    source = rtf_with_member_errors(tmp_path / "rtf.xlsx")
    workbook, page = tmp_path / "out.xlsx", tmp_path / "out.html"
    with_reports = run(source, "--format", "json", "--report", workbook, "--report", page)
    without = run(source, "--format", "json")
    assert with_reports.exit_code == without.exit_code == 1
    assert with_reports.stdout == without.stdout
    json.loads(with_reports.stdout)
    assert with_reports.stderr.splitlines() == [f"Wrote {workbook}", f"Wrote {page}"]
    assert workbook.is_file() and page.is_file()


def test_quiet_leaves_out_the_wrote_line(tmp_path: Path) -> None:
    report = tmp_path / "out.html"
    result = run(clean_rtf(tmp_path / "rtf.xlsx"), "--report", report, "--quiet")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert report.is_file()


def test_xlsm_input_gives_an_xlsm_copy(tmp_path: Path) -> None:
    source = rtf_with_member_errors(tmp_path / "rtf.xlsx").rename(tmp_path / "rtf.xlsm")
    assert_one_error_line(run(source, "--report", tmp_path / "out.xlsx"), "out.xlsx", ".xlsm")
    assert not (tmp_path / "out.xlsx").exists()
    result = run(source, "--report", tmp_path / "out.xlsm")
    assert result.exit_code == 1, result.stderr
    assert (tmp_path / "out.xlsm").is_file()


# -- member values -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["out.xlsx", "out.html"])
def test_member_values_only_with_show_values(tmp_path: Path, name: str) -> None:
    source = rtf_with_member_errors(tmp_path / "rtf.xlsx")
    hidden, shown = tmp_path / "hidden" / name, tmp_path / "shown" / name
    hidden.parent.mkdir()
    shown.parent.mkdir()
    assert run(source, "--report", hidden).exit_code == 1
    assert run(source, "--report", shown, "--show-values").exit_code == 1

    assert "CIN-LOWERCASE" in added_text(hidden)
    assert CIN not in added_text(hidden) and NAME not in added_text(hidden)
    assert CIN in added_text(shown) and NAME in added_text(shown)


# -- refusals before the check -----------------------------------------------------------------------------------

def test_existing_report_is_kept_unless_force(tmp_path: Path) -> None:
    source = clean_rtf(tmp_path / "rtf.xlsx")
    report = tmp_path / "out.html"
    report.write_text("mine")
    result = run(source, "--report", report)
    assert_one_error_line(result, "out.html", "--force")
    assert result.stdout == ""  # refused before the check
    assert report.read_text() == "mine"
    forced = run(source, "--report", report, "--force")
    assert forced.exit_code == 0
    assert report.read_text(encoding="utf-8") != "mine"


@pytest.mark.parametrize("name", ["out.pdf", "out.csv", "out"])
def test_other_suffixes_are_refused(tmp_path: Path, name: str) -> None:
    result = run(clean_rtf(tmp_path / "rtf.xlsx"), "--report", tmp_path / name)
    assert_one_error_line(result, name, ".xlsx", ".html")
    assert result.stdout == ""
    assert not (tmp_path / name).exists()


def test_annotated_workbook_needs_exactly_one_input(tmp_path: Path) -> None:
    paths = [clean_rtf(tmp_path / "a.xlsx"), clean_rtf(tmp_path / "b.xlsx")]
    assert_one_error_line(run(*paths, "--report", tmp_path / "out.xlsx"), "exactly one input", "2 files")
    folder = tmp_path / "march"
    folder.mkdir()
    for path in paths:
        path.rename(folder / path.name)
    assert_one_error_line(run(folder, "--report", tmp_path / "out.xlsx"), "exactly one input")
    assert not (tmp_path / "out.xlsx").exists()


def test_report_never_replaces_an_input(tmp_path: Path) -> None:
    source = clean_rtf(tmp_path / "rtf.xlsx")
    before = source.read_bytes()
    assert_one_error_line(run(source, "--report", source, "--force"), "input")
    assert source.read_bytes() == before


def test_one_report_of_each_kind(tmp_path: Path) -> None:
    result = run(clean_rtf(tmp_path / "rtf.xlsx"), "--report", tmp_path / "a.html", "--report", tmp_path / "b.htm")
    assert_one_error_line(result, "at most one")


def test_missing_folder_is_refused_before_the_check(tmp_path: Path) -> None:
    result = run(clean_rtf(tmp_path / "rtf.xlsx"), "--report", tmp_path / "nowhere" / "out.html")
    assert_one_error_line(result, "nowhere", "does not exist")
    assert result.stdout == ""


# -- failures after the check ------------------------------------------------------------------------------------

def test_csv_input_has_no_annotated_copy_but_its_findings_are_shown(tmp_path: Path) -> None:
    source = tmp_path / "rtf.csv"
    source.write_text(csv_text([column_names("RTF"), rtf_cells()]), encoding="utf-8")
    report = tmp_path / "out.xlsx"
    result = run(source, "--report", report)
    assert_one_error_line(result, "out.xlsx", "convert")  # exit 2 although the check found no error
    assert "1 file checked" in result.stdout
    assert not report.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["rtf.csv"]  # no partial file left behind


def test_unreadable_input_has_no_annotated_copy(tmp_path: Path) -> None:
    source = tmp_path / "rtf.xlsx"
    source.write_text("not a workbook")
    result = runner.invoke(app, ["validate", str(source), "--report", str(tmp_path / "out.xlsx")])
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2  # why the input failed, then why there is no report
    assert lines[1].startswith("calaimfiles: --report ") and "could not be checked" in lines[1]
    assert not (tmp_path / "out.xlsx").exists()


def test_html_page_also_lists_unreadable_inputs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    report = tmp_path / "out.html"
    result = run(clean_rtf(tmp_path / "rtf.xlsx"), bad, "--report", report)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Wrote {report}"
    assert "bad.xlsx" in report.read_text(encoding="utf-8")
