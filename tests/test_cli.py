"""`calaimfiles validate` from the outside: exit codes, bad inputs, output formats, PHI and options."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from builders import cell, column_names, csv_text, otf_cells, rtf_cells, save_book
from typer.testing import CliRunner, Result

from calaimfiles.commands import app

AS_OF = "2026-03-05"  # the shared RTF_VALUES / OTF_VALUES rows are clean on this day
REPO = Path(__file__).resolve().parents[1]
FINDING_KEYS = {"code", "severity", "row", "column", "cell", "message", "fixable"}
FILE_KEYS = {"path", "layout", "sheet", "rows", "findings"}


def clean_rtf(path: Path) -> Path:
    return save_book(path, {"RTF": [column_names("RTF"), rtf_cells()]})


def rtf_with_error(path: Path) -> Path:
    return save_book(path, {"RTF": [column_names("RTF"), rtf_cells(), rtf_cells(cin="9123456A")]})  # C3: CIN-FORMAT


def rtf_with_warning(path: Path) -> Path:
    return save_book(path, {"RTF": [column_names("RTF"), rtf_cells(acuity="low")]})  # CODE-SPELLING, a warning


runner = CliRunner()


def run(*args: Any) -> Result:
    return runner.invoke(app, ["validate", *map(str, args)])


def assert_one_clean_error_line(result: Result, *expected: str) -> str:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert lines[0].startswith("calaimfiles: ")
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


# -- exit codes ----------------------------------------------------------------------------------------------

def test_clean_file_exits_zero(tmp_path: Path) -> None:
    result = run(clean_rtf(tmp_path / "rtf.xlsx"), "--as-of", AS_OF)
    assert result.exit_code == 0, result.stdout
    assert result.stderr == ""
    assert "no problems found" in result.stdout
    assert "1 file checked: 0 errors, 0 warnings" in result.stdout


def test_errors_exit_one(tmp_path: Path) -> None:
    result = run(rtf_with_error(tmp_path / "rtf.xlsx"), "--as-of", AS_OF)
    assert result.exit_code == 1
    assert result.stderr == ""
    assert "CIN-FORMAT" in result.stdout
    assert "1 error" in result.stdout


def test_warnings_exit_zero_unless_fail_on_warning(tmp_path: Path) -> None:
    path = rtf_with_warning(tmp_path / "rtf.xlsx")
    assert run(path, "--as-of", AS_OF).exit_code == 0
    assert run(path, "--as-of", AS_OF, "--fail-on", "error").exit_code == 0
    assert run(path, "--as-of", AS_OF, "--fail-on", "warning").exit_code == 1
    assert run(clean_rtf(tmp_path / "clean.xlsx"), "--as-of", AS_OF, "--fail-on", "warning").exit_code == 0


@pytest.mark.parametrize("args", [
    ["--as-of", "03/10/2026"],
    ["--period", "March"],
    ["--layout", "XYZ"],
    ["--format", "yaml"],
    ["--fail-on", "info"],
])
def test_bad_options_exit_two(tmp_path: Path, args: list[str]) -> None:
    result = run(clean_rtf(tmp_path / "rtf.xlsx"), *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.stdout + result.stderr


# -- bad inputs: exit 2, one line on stderr, no traceback ------------------------------------------------------

def test_text_file_renamed_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("Member list\nRivera, Alex\n")
    assert_one_clean_error_line(run(path), "notes.xlsx", "not an Excel workbook")


def test_truncated_xlsx(tmp_path: Path) -> None:
    real = clean_rtf(tmp_path / "real.xlsx")
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(real.read_bytes()[: real.stat().st_size // 2])
    assert_one_clean_error_line(run(path), "truncated.xlsx", "truncated")


def test_encrypted_workbook(tmp_path: Path) -> None:
    msoffcrypto = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = clean_rtf(tmp_path / "plain.xlsx")
    path = tmp_path / "encrypted.xlsx"
    with plain.open("rb") as source, path.open("wb") as target:
        msoffcrypto.OOXMLFile(source).encrypt("s3cret", target)
    assert path.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    assert_one_clean_error_line(run(path), "encrypted.xlsx", "password-protected")


def test_ole2_header_in_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "protected.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1016)
    assert_one_clean_error_line(run(path), "protected.xlsx", "password-protected")


def test_empty_sheet(tmp_path: Path) -> None:
    path = save_book(tmp_path / "empty.xlsx", {"Sheet1": []})
    assert_one_clean_error_line(run(path), "empty.xlsx", "empty")


def test_zero_byte_file(tmp_path: Path) -> None:
    path = tmp_path / "zero.xlsx"
    path.write_bytes(b"")
    assert_one_clean_error_line(run(path), "zero.xlsx", "empty")


def test_headers_matching_no_layout(tmp_path: Path) -> None:
    path = save_book(tmp_path / "other.xlsx", {"Sheet1": [["Name", "Amount", "Date"], ["Rivera", 12, "x"]]})
    assert_one_clean_error_line(run(path), "other.xlsx", "no header row")


def test_nonexistent_path(tmp_path: Path) -> None:
    assert_one_clean_error_line(run(tmp_path / "missing.xlsx"), "missing.xlsx", "no such file")


def test_folder_without_workbooks(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("nothing to see")
    assert_one_clean_error_line(run(tmp_path), "no workbooks found")


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "members.txt"
    path.write_text("x")
    assert_one_clean_error_line(run(path), "members.txt")


def test_one_bad_file_among_good_ones_still_reports_the_good_ones(tmp_path: Path) -> None:
    good = rtf_with_error(tmp_path / "good.xlsx")
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    result = run(good, bad, "--as-of", AS_OF, "--format", "json")
    assert_one_clean_error_line(result, "bad.xlsx")
    document = json.loads(result.stdout)
    assert [f["path"] for f in document["files"]] == [str(good)]
    assert document["summary"]["errors"] == 1


# -- several files, folders ----------------------------------------------------------------------------------

def test_several_files_in_one_call(tmp_path: Path) -> None:
    paths = [clean_rtf(tmp_path / "a.xlsx"), rtf_with_error(tmp_path / "b.xlsx"),
             save_book(tmp_path / "c.xlsx", {"OTF": [column_names("OTF"), otf_cells()]})]
    result = run(*paths, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [(f["path"], f["layout"]) for f in document["files"]] == [
        (str(paths[0]), "RTF"), (str(paths[1]), "RTF"), (str(paths[2]), "OTF")]
    text = run(*paths, "--as-of", AS_OF)
    assert "3 files checked: 1 error, 0 warnings" in text.stdout


def test_folder_validates_every_workbook_in_it(tmp_path: Path) -> None:
    folder = tmp_path / "march"
    folder.mkdir()
    clean_rtf(folder / "rtf.xlsx")
    save_book(folder / "otf.xlsx", {"OTF": [column_names("OTF"), otf_cells()]})
    (folder / "mif.csv").write_text(",".join(column_names("MIF")) + "\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a workbook")
    result = run(folder, "--as-of", AS_OF, "--format", "json")
    assert result.stderr == ""
    document = json.loads(result.stdout)
    assert sorted(Path(f["path"]).name for f in document["files"]) == ["mif.csv", "otf.xlsx", "rtf.xlsx"]
    assert result.exit_code == 0


# -- JSON ----------------------------------------------------------------------------------------------------

def test_json_has_exactly_the_documented_keys(tmp_path: Path) -> None:
    xlsx = save_book(tmp_path / "rtf.xlsx", {"RTF": [column_names("RTF"), rtf_cells(cin="91234567a", acuity="low")]})
    csv_path = tmp_path / "rtf.csv"
    csv_path.write_text(csv_text([column_names("RTF"), rtf_cells(reporting_period="02/2026")]), encoding="utf-8")
    result = run(xlsx, csv_path, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 1  # the CSV return file: FILE-FORMAT error
    document = json.loads(result.stdout)
    assert set(document) == {"files", "summary"}
    assert set(document["summary"]) == {"errors", "warnings", "fixable"}
    assert len(document["files"]) == 2
    for entry in document["files"]:
        assert set(entry) == FILE_KEYS
        assert isinstance(entry["rows"], int)
        for finding in entry["findings"]:
            assert set(finding) == FINDING_KEYS
            assert finding["severity"] in ("error", "warning", "info")
            assert isinstance(finding["fixable"], bool)
            assert isinstance(finding["message"], str) and finding["message"]
    cells = {f["code"]: f for f in document["files"][0]["findings"]}
    assert cells["CIN-LOWERCASE"] == {
        **cells["CIN-LOWERCASE"], "severity": "error", "row": 2, "column": "Member Client Index Number (CIN)",
        "cell": "C2", "fixable": True,
    }
    assert cells["CODE-SPELLING"]["cell"] == cell("RTF", "acuity", 2)
    assert cells["CODE-SPELLING"]["severity"] == "warning"
    [file_level] = document["files"][1]["findings"]
    assert file_level["code"] == "FILE-FORMAT"
    assert (file_level["row"], file_level["column"], file_level["cell"]) == (None, None, None)
    assert document["summary"] == {"errors": 2, "warnings": 1, "fixable": 2}


def test_json_header_findings_have_no_cell_when_a_column_is_missing(tmp_path: Path) -> None:
    names = column_names("RTF")
    rows = [names[:17] + names[18:], [v for i, v in enumerate(rtf_cells()) if i != 17]]
    result = run(save_book(tmp_path / "rtf.xlsx", {"RTF": rows}), "--as-of", AS_OF, "--format", "json")
    [missing] = [f for f in json.loads(result.stdout)["files"][0]["findings"] if f["code"] == "COLUMN-MISSING"]
    assert (missing["row"], missing["column"], missing["cell"]) == (1, "Member Acuity Level", None)


def test_json_for_clean_file(tmp_path: Path) -> None:
    result = run(clean_rtf(tmp_path / "rtf.xlsx"), "--as-of", AS_OF, "--format", "json")
    document = json.loads(result.stdout)
    assert document == {
        "files": [{"path": str(tmp_path / "rtf.xlsx"), "layout": "RTF", "sheet": "RTF", "rows": 1, "findings": []}],
        "summary": {"errors": 0, "warnings": 0, "fixable": 0},
    }


# -- JUnit and GitHub ----------------------------------------------------------------------------------------

def test_junit_parses_with_one_failure_per_error(tmp_path: Path) -> None:
    rows = [column_names("RTF"), rtf_cells(cin="9123456A"), rtf_cells(cin="91234568B", acuity=None),
            rtf_cells(cin="91234569C", acuity="low")]
    path = save_book(tmp_path / "rtf.xlsx", {"RTF": rows})
    document = json.loads(run(path, "--as-of", AS_OF, "--format", "json").stdout)
    errors = [f for f in document["files"][0]["findings"] if f["severity"] == "error"]
    assert len(errors) >= 2
    result = run(path, "--as-of", AS_OF, "--format", "junit")
    assert result.exit_code == 1
    root = ElementTree.fromstring(result.stdout.encode())
    assert root.tag == "testsuites"
    failures = root.findall(".//failure")
    assert len(failures) == len(errors) == int(root.get("failures", "-1"))
    assert sorted(f.get("type") for f in failures) == sorted(f["code"] for f in errors)
    assert int(root.get("tests", "0")) == len(document["files"][0]["findings"])


def test_junit_for_clean_file_has_no_failures(tmp_path: Path) -> None:
    result = run(clean_rtf(tmp_path / "rtf.xlsx"), "--as-of", AS_OF, "--format", "junit")
    root = ElementTree.fromstring(result.stdout.encode())
    assert root.findall(".//failure") == []
    assert root.get("failures") == "0"


GITHUB_LINE = re.compile(
    r"^::(error|warning|notice) file=(?P<file>[^,]+)(,line=(?P<line>[0-9]+))?,title=(?P<title>[^:]+)::(?P<msg>.+)$"
)


def test_github_annotations(tmp_path: Path) -> None:
    path = save_book(tmp_path / "rtf.xlsx", {"RTF": [column_names("RTF"), rtf_cells(), rtf_cells(cin="9123456A"),
                                                     rtf_cells(cin="91234569C", acuity="low")]})
    result = run(path, "--as-of", AS_OF, "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    for line in lines:
        assert GITHUB_LINE.match(line), line
    assert lines[0].startswith(f"::error file={path},line=3,title=CIN-FORMAT C3::Member Client Index Number")
    assert lines[1].startswith(f"::warning file={path},line=4,title=CODE-SPELLING {cell('RTF', 'acuity', 4)}::")


# -- PHI -----------------------------------------------------------------------------------------------------

NAME = "Testperson"
CIN = "91234567a"


def phi_workbook(path: Path) -> Path:
    """Member values that are themselves wrong, so that a finding could quote them."""
    rows = [column_names("RTF"), rtf_cells(cin=CIN, last_name=f" {NAME}"), rtf_cells(cin="91234568B", last_name=NAME)]
    return save_book(path, {"RTF": rows})


@pytest.mark.parametrize("output_format", ["json", "junit", "github", "text"])
def test_member_values_hidden_without_show_values(tmp_path: Path, output_format: str) -> None:
    path = phi_workbook(tmp_path / "members.xlsx")
    result = run(path, "--as-of", AS_OF, "--format", output_format)
    assert result.exit_code == 1
    assert "CIN-LOWERCASE" in result.stdout
    assert "TEXT-WHITESPACE" in result.stdout
    output = result.stdout + result.stderr
    assert NAME not in output
    assert CIN not in output
    assert CIN.upper() not in output  # the fixed value is member data too


@pytest.mark.parametrize("output_format", ["json", "junit", "github", "text"])
def test_member_values_shown_with_show_values(tmp_path: Path, output_format: str) -> None:
    path = phi_workbook(tmp_path / "members.xlsx")
    result = run(path, "--as-of", AS_OF, "--format", output_format, "--show-values")
    assert result.exit_code == 1
    assert NAME in result.stdout
    assert CIN in result.stdout
    if output_format == "json":
        findings = json.loads(result.stdout)["files"][0]["findings"]
        by_code = {f["code"]: f["message"] for f in findings}
        assert CIN in by_code["CIN-LOWERCASE"]
        assert NAME in by_code["TEXT-WHITESPACE"]
        assert "91234568B" not in result.stdout  # only offending values are quoted


def test_unreadable_file_message_has_no_member_values(tmp_path: Path) -> None:
    path = tmp_path / "Q1.xlsx"
    path.write_text(f"{NAME},{CIN}\n")
    for output_format in ("json", "junit", "github", "text"):
        result = run(path, "--format", output_format)
        assert result.exit_code == 2
        assert NAME not in result.stdout + result.stderr
        assert CIN not in result.stdout + result.stderr


# -- options -------------------------------------------------------------------------------------------------

def test_as_of_changes_future_date_findings(tmp_path: Path) -> None:
    path = clean_rtf(tmp_path / "rtf.xlsx")  # production date 03/04/2026
    before = run(path, "--as-of", "2026-03-01", "--format", "json")
    codes = [f["code"] for f in json.loads(before.stdout)["files"][0]["findings"]]
    assert "DATE-FUTURE" in codes
    assert before.exit_code == 1
    on_the_day = run(path, "--as-of", "2026-03-04", "--format", "json")
    assert json.loads(on_the_day.stdout)["files"][0]["findings"] == []
    assert on_the_day.exit_code == 0
    after = run(path, "--as-of", "2026-03-05", "--format", "json")
    assert after.exit_code == 0


def test_select_and_ignore_filter_codes(tmp_path: Path) -> None:
    rows = [column_names("RTF"), rtf_cells(cin="91234567a", acuity=None), rtf_cells(cin="9123456", acuity="low")]
    path = save_book(tmp_path / "rtf.xlsx", {"RTF": rows})

    def codes(*args: str) -> list[str]:
        result = run(path, "--as-of", AS_OF, "--format", "json", *args)
        return [f["code"] for f in json.loads(result.stdout)["files"][0]["findings"]]

    everything = codes()
    assert {"CIN-LOWERCASE", "CIN-FORMAT", "RTF-R4", "CODE-SPELLING"} <= set(everything)
    assert codes("--select", "RTF") == ["RTF-R4"]
    assert "CIN" not in " ".join(codes("--ignore", "CIN"))
    assert sorted(codes("--ignore", "CIN")) == sorted(c for c in everything if not c.startswith("CIN-"))
    assert sorted(codes("--select", "CIN,RTF")) == sorted(c for c in everything if c.startswith(("CIN-", "RTF-")))
    assert codes("--select", "RTF", "--select", "CIN-FORMAT") == ["RTF-R4", "CIN-FORMAT"]
    assert codes("--select", "CIN", "--ignore", "CIN-FORMAT") == ["CIN-LOWERCASE"]
    # only the reported findings count for the exit code
    assert run(path, "--as-of", AS_OF, "--select", "CODE-SPELLING").exit_code == 0


def test_sheet_and_layout_options(tmp_path: Path) -> None:
    path = save_book(tmp_path / "both.xlsx", {
        "Instructions": [["Fill in one row per member"]],
        "RTF": [column_names("RTF"), rtf_cells()],
        "OTF": [column_names("OTF"), otf_cells()],
    })
    both = json.loads(run(path, "--as-of", AS_OF, "--format", "json").stdout)
    assert [(f["sheet"], f["layout"]) for f in both["files"]] == [("RTF", "RTF"), ("OTF", "OTF")]
    one = json.loads(run(path, "--as-of", AS_OF, "--format", "json", "--sheet", "OTF").stdout)
    assert [(f["sheet"], f["layout"]) for f in one["files"]] == [("OTF", "OTF")]
    forced = run(path, "--as-of", AS_OF, "--format", "json", "--sheet", "RTF", "--layout", "mif")
    assert [(f["sheet"], f["layout"]) for f in json.loads(forced.stdout)["files"]] == [("RTF", "MIF")]
    assert_one_clean_error_line(run(path, "--sheet", "Nope"), "Nope")


def test_inputs_are_not_modified(tmp_path: Path) -> None:
    paths = [phi_workbook(tmp_path / "a.xlsx"), tmp_path / "b.csv"]
    paths[1].write_text(",".join(column_names("MIF")) + "\n", encoding="utf-8")
    old = 1_600_000_000_000_000_000
    for path in paths:
        os.utime(path, ns=(old, old))
    before = [(p.read_bytes(), p.stat().st_mtime_ns) for p in paths]
    for output_format in ("text", "json", "junit", "github"):
        run(*paths, "--as-of", AS_OF, "--format", output_format, "--show-values")
    assert [(p.read_bytes(), p.stat().st_mtime_ns) for p in paths] == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.csv"]  # nothing written beside them


# -- as a real process ---------------------------------------------------------------------------------------

def run_process(*args: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "calaimfiles", "validate", *map(str, args)],
                          capture_output=True, text=True, timeout=120, cwd=REPO, env=env, check=False)


def test_subprocess_exit_codes_and_json(tmp_path: Path) -> None:
    clean = run_process(clean_rtf(tmp_path / "clean.xlsx"), "--as-of", AS_OF)
    assert clean.returncode == 0, clean.stderr
    assert clean.stderr == ""
    assert "no problems found" in clean.stdout

    bad = run_process(rtf_with_error(tmp_path / "bad.xlsx"), "--as-of", AS_OF, "--format", "json")
    assert bad.returncode == 1, bad.stderr
    assert json.loads(bad.stdout)["summary"]["errors"] == 1


def test_subprocess_bad_input_one_line_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_text("hello")
    result = run_process(path, tmp_path / "missing.xlsx")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2  # one line per bad input
    assert "notes.xlsx" in lines[0] and "missing.xlsx" in lines[1]


def test_subprocess_text_output_hides_values(tmp_path: Path) -> None:
    result = run_process(phi_workbook(tmp_path / "members.xlsx"), "--as-of", AS_OF)
    assert result.returncode == 1
    assert "CIN-LOWERCASE" in result.stdout
    assert NAME not in result.stdout
    assert CIN not in result.stdout
    assert "\x1b[" not in result.stdout  # no colour codes when not on a terminal
