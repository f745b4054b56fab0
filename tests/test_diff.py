"""`calaimfiles diff` on real workbooks: member differences with their rows, the moves of reference section 9
("DIFF-STATUS-BACKWARDS", "DIFF-NEW-START"), rule C3 across months ("CSPRTF-C3"), the outputs and their PHI."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
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
    findings_of,
    member_cin,
    rtf_row,
    valid_row,
    validate,
    with_code,
    write_csv,
)
from pydantic import ValidationError
from typer.testing import CliRunner, Result

from calaimfiles.commands import app
from calaimfiles.diffing import FileDiff, check_room_and_board, diff_tables
from calaimfiles.findings import Finding
from calaimfiles.rules.table import Table
from calaimfiles.rules.transitions import Transitions, load_transitions
from calaimfiles.validate import ValidationRequest, read_tables

D = dt.date
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
Write = Callable[..., Path]

runner = CliRunner()


def run(*args: Any) -> Result:
    return runner.invoke(app, ["diff", *map(str, args)])


def table_of(path: Path) -> Table:
    [table] = read_tables(path, ValidationRequest(as_of=AS_OF))
    return table


def diff_of(write: Write, layout: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> FileDiff:
    return diff_tables(table_of(write(layout, old)), table_of(write(layout, new)))


def flags(diff: FileDiff) -> list[tuple[str, str | None]]:
    return [(f.code, f.cell) for f in diff.findings]


def assert_one_clean_error_line(result: Result, *expected: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("calaimfiles: "), result.stderr
    for text in expected:
        assert text in lines[0], lines[0]


# -- member differences ---------------------------------------------------------------------------------------

def test_added_removed_and_changed_members_with_their_rows(write: Write) -> None:
    old = [rtf_row("2", cin=member_cin(1)), rtf_row("1", cin=member_cin(2)), rtf_row("2", cin=member_cin(3))]
    new = [rtf_row("2", cin=member_cin(3), acuity="High"), rtf_row("2", cin=member_cin(1)),
           rtf_row("1", cin=member_cin(4))]
    diff = diff_of(write, "RTF", old, new)
    assert [(m.key, m.row) for m in diff.added] == [((member_cin(4),), 4)]
    assert [(m.key, m.row) for m in diff.removed] == [((member_cin(2),), 3)]
    [changed] = diff.changed
    assert (changed.key, changed.old_row, changed.new_row) == ((member_cin(3),), 4, 2)
    assert [(c.column.id, c.old, c.new) for c in changed.changes] == [("acuity", "Low", "High")]
    assert diff.findings == [] and diff.file_changes == []


def test_values_are_compared_normalised(write: Write) -> None:
    old = [rtf_row("2", status="2 - Enrolled", enrollment_start="01/15/2026")]
    assert diff_of(write, "RTF", old, [rtf_row("2")]).changed == []


def test_file_level_columns_change_once_per_file_not_per_member(write: Write) -> None:
    old = [rtf_row("2", cin=member_cin(n), reporting_period="02/2026") for n in (1, 2)]
    new = [rtf_row("2", cin=member_cin(n)) for n in (1, 2)]
    diff = diff_of(write, "RTF", old, new)
    assert [(c.column.id, c.old, c.new) for c in diff.file_changes] == [
        ("reporting_period", D(2026, 2, 1), D(2026, 3, 1))]
    assert diff.changed == []


def test_rows_without_a_usable_key_are_not_compared(write: Write) -> None:
    old = [rtf_row("2", cin=member_cin(1))]
    new = [rtf_row("2", cin=member_cin(1)), rtf_row("1", cin=member_cin(1)), rtf_row("1", cin="")]
    diff = diff_of(write, "RTF", old, new)
    assert (diff.not_compared_old, diff.not_compared_new) == ([], [3, 4])
    assert diff.added == diff.removed == diff.changed == []


def test_csprtf_members_are_matched_by_cin_and_service(write: Write) -> None:
    old = [csprtf_row("2"), csprtf_row("2", service="Housing Transition Navigation Services")]
    new = [csprtf_row("2"), csprtf_row("2", service="Respite Services")]
    diff = diff_of(write, "CSPRTF", old, new)
    assert [m.key for m in diff.added] == [(old[0]["cin"], "Respite Services")]
    assert [m.key for m in diff.removed] == [(old[0]["cin"], "Housing Transition Navigation Services")]


def test_layouts_must_match() -> None:
    with pytest.raises(ValueError, match="cannot compare"):
        diff_tables(table_of(EXAMPLES / "rtf_clean.xlsx"), table_of(EXAMPLES / "csprtf_clean.xlsx"))


# -- DIFF-STATUS-BACKWARDS ------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout_row, was", [
    (rtf_row, "5"), (rtf_row, "3"), (rtf_row, "2"), (csprtf_row, "7"), (csprtf_row, "4"), (csprtf_row, "2"),
])
def test_back_to_pending_outreach_is_flagged(write: Write, layout_row: Callable[..., dict[str, Any]],
                                             was: str) -> None:
    layout = "RTF" if layout_row is rtf_row else "CSPRTF"
    diff = diff_of(write, layout, [layout_row(was)], [layout_row("1")])
    assert flags(diff) == [("DIFF-STATUS-BACKWARDS", cell(layout, "status", 2))]
    finding = diff.findings[0]
    assert finding.severity == WARNING and finding.member_data
    assert "(row 2)" in finding.message
    assert finding.value is not None and finding.value.endswith("-> 1 (Pending Outreach)")


@pytest.mark.parametrize("was, now", [("1", "1"), ("1", "2"), ("2", "5"), ("1", "3"), ("5", "5")])
def test_forward_moves_are_not_flagged(write: Write, was: str, now: str) -> None:
    assert flags(diff_of(write, "RTF", [rtf_row(was)], [rtf_row(now)])) == []


def test_mif_status_backwards(write: Write) -> None:
    old = [valid_row("MIF", status="5")]
    assert flags(diff_of(write, "MIF", old, [valid_row("MIF", status="1", enrollment_start="")])) == [
        ("DIFF-STATUS-BACKWARDS", cell("MIF", "status", 2))]


# -- DIFF-NEW-START -------------------------------------------------------------------------------------------

def test_new_start_while_the_earlier_enrollment_is_open(write: Write) -> None:
    diff = diff_of(write, "RTF", [rtf_row("2")], [rtf_row("2", enrollment_start=D(2026, 3, 1))])
    assert flags(diff) == [("DIFF-NEW-START", cell("RTF", "enrollment_start", 2))]
    assert diff.findings[0].severity == WARNING
    assert "ECM Enrollment End Date" in diff.findings[0].message
    assert diff.findings[0].value == "2026-01-15 -> 2026-03-01"


@pytest.mark.parametrize("old, new", [
    (rtf_row("5"), rtf_row("2", enrollment_start=D(2026, 3, 25))),  # the earlier enrollment ended: re-enrolled
    (rtf_row("1"), rtf_row("2")),  # first enrollment
    (rtf_row("2"), rtf_row("2")),  # the same start
    (rtf_row("2"), rtf_row("5", enrollment_start=D(2026, 1, 20))),  # no longer enrolled: a correction on exit
])
def test_start_changes_that_are_fine(write: Write, old: dict[str, Any], new: dict[str, Any]) -> None:
    assert flags(diff_of(write, "RTF", [old], [new])) == []


def test_mif_has_no_end_date_so_any_new_start_is_flagged(write: Write) -> None:
    diff = diff_of(write, "MIF", [valid_row("MIF")], [valid_row("MIF", enrollment_start=D(2026, 3, 1))])
    assert flags(diff) == [("DIFF-NEW-START", cell("MIF", "enrollment_start", 2))]


def test_csprtf_new_service_start_while_the_service_is_open(write: Write) -> None:
    old, new = [csprtf_row("2")], [csprtf_row("2", service_start=D(2026, 3, 1))]
    assert flags(diff_of(write, "CSPRTF", old, new)) == [("DIFF-NEW-START", cell("CSPRTF", "service_start", 2))]
    ended = [csprtf_row("7")]
    assert flags(diff_of(write, "CSPRTF", ended, new)) == []


def test_transitions_data_names_only_known_statuses_and_codes() -> None:
    assert load_transitions().moves_for("RTF") and load_transitions().restarts_for("CSPRTF")
    move = {"code": "DIFF-STATUS-BACKWARDS", "layouts": ["RTF"], "old": ["enroled"], "new": ["pending_outreach"],
            "message": "x"}
    with pytest.raises(ValidationError, match="enroled"):
        Transitions(moves=[move], restarts=[])


# -- C3 across months -----------------------------------------------------------------------------------------

RC, TR = "Recuperative Care (Medical Respite)", "Transitional Rent"
MONTHS = ("01/2026", "02/2026", "03/2026")


def three_months(write: Write, rc_start: dt.date, *, shuffled: bool = False) -> list[Path]:
    """January holds a finished 91-day Recuperative Care stay from `rc_start`; February and March the member's
    open Transitional Rent from 01/01/2026 (to the end of each month). No single file reaches the cap."""
    rc = csprtf_row("7", service=RC, service_start=rc_start, service_end=rc_start + dt.timedelta(days=90))
    other = csprtf_row("2", cin=member_cin(9))
    tr = {"service": TR, "service_start": D(2026, 1, 1)}
    files = [
        write("CSPRTF", [{**rc, "reporting_period": MONTHS[0]}, {**other, "reporting_period": MONTHS[0]}]),
        write("CSPRTF", [csprtf_row("2", **tr, reporting_period=MONTHS[1]), {**other, "reporting_period": MONTHS[1]}]),
        write("CSPRTF", [{**other, "reporting_period": MONTHS[2]}, csprtf_row("2", **tr, reporting_period=MONTHS[2])]),
    ]
    return [files[2], files[0], files[1]] if shuffled else files


def test_c3_over_the_cap_across_months_is_an_error_on_the_newest_row(write: Write) -> None:
    paths = three_months(write, D(2025, 4, 1), shuffled=True)  # 91 + 90 days in 04/01/2025-03/31/2026
    found = check_room_and_board([table_of(p) for p in paths])
    assert [[(f.code, f.cell) for f in fs] for fs in found] == [[("CSPRTF-C3", cell("CSPRTF", "service_start", 3))],
                                                                [], []]
    finding = found[0][0]
    assert finding.severity == ERROR
    assert "181 days" in finding.message and "3 files, 01/2026 to 03/2026" in finding.message


def test_c3_rolling_window_edge(write: Write) -> None:
    paths = three_months(write, D(2025, 3, 31))  # one day earlier: its last day leaves every 365-day window
    assert check_room_and_board([table_of(p) for p in paths]) == [[], [], []]


def test_c3_no_single_file_is_over_the_cap(write: Write) -> None:
    for path in three_months(write, D(2025, 4, 1)):
        assert with_code(findings_of(validate(path)), "CSPRTF-C3") == []
        assert check_room_and_board([table_of(path)]) == [[]]


def test_c3_reported_where_the_latest_stay_is_when_the_member_left(write: Write) -> None:
    long_stay = csprtf_row("7", service=RC, service_start=D(2025, 6, 1), service_end=D(2025, 12, 31))
    left = write("CSPRTF", [{**long_stay, "reporting_period": "01/2026"}])
    newest = write("CSPRTF", [csprtf_row("2", cin=member_cin(9))])
    found = check_room_and_board([table_of(newest), table_of(left)])
    assert [[f.code for f in fs] for fs in found] == [[], ["CSPRTF-C3"]]


def test_c3_within_one_file_stays_a_warning(check: Callable[..., list[Finding]]) -> None:
    rows = [csprtf_row("7", service="STPHH", service_start=D(2025, 9, 1), service_end=D(2026, 3, 1))]
    assert [f.severity for f in with_code(check("CSPRTF", rows), "CSPRTF-C3")] == [WARNING]


# -- the command ----------------------------------------------------------------------------------------------

def test_identical_files_exit_zero() -> None:
    result = run(EXAMPLES / "rtf_clean.xlsx", EXAMPLES / "rtf_clean.xlsx")
    assert result.exit_code == 0, result.stderr
    assert "0 added, 0 removed, 0 changed, 0 flagged" in result.stdout


def test_text_output_names_rows_and_columns_but_no_values_when_piped(write: Write) -> None:
    old, new = write("RTF", [rtf_row("5")]), write("RTF", [rtf_row("1", reporting_period="04/2026")])
    result = run(old, new)
    assert result.exit_code == 1, result.stderr
    assert "changed: NEW row 2 (was row 2): Member ECM Status; ECM Enrollment Start Date" in result.stdout
    assert "flagged: NEW row 2  Q2  warning  DIFF-STATUS-BACKWARDS" in result.stdout
    assert "Member Information File Reporting Period 03/2026 -> 04/2026" in result.stdout  # not member data
    assert rtf_row("1")["cin"] not in result.stdout and "01/15/2026" not in result.stdout
    shown = run(old, new, "--show-values").stdout
    assert f"[{rtf_row('1')['cin']}]" in shown and "Member ECM Status 5 -> 1" in shown


def test_files_are_put_in_month_order(write: Write) -> None:
    february = write("RTF", [rtf_row("1", reporting_period="02/2026")])
    march = write("RTF", [rtf_row("2")])
    document = json.loads(run(march, february, "-f", "json").stdout)
    assert [f["path"] for f in document["files"]] == [str(february), str(march)]
    assert [f["month"] for f in document["files"]] == ["2026-02", "2026-03"]
    assert (document["comparisons"][0]["old"], document["comparisons"][0]["new"]) == (str(february), str(march))


def test_json_shape_without_member_values(write: Write) -> None:
    old = write("RTF", [rtf_row("2", cin=member_cin(1)), rtf_row("2", cin=member_cin(2))])
    new = write("RTF", [rtf_row("2", cin=member_cin(1), enrollment_start=D(2026, 3, 1)),
                        rtf_row("1", cin=member_cin(3))])
    result = run(old, new, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert set(document) == {"layout", "files", "comparisons", "room_and_board", "summary"}
    assert document["room_and_board"] is None
    [comparison] = document["comparisons"]
    assert comparison["added"] == [{"new_row": 3}]
    assert comparison["removed"] == [{"old_row": 3}]
    assert comparison["changed"] == [{"old_row": 2, "new_row": 2, "changes": [{"column": "ECM Enrollment Start Date"}]}]
    assert comparison["not_compared"] == {"old_rows": [], "new_rows": []}
    [finding] = comparison["findings"]
    assert finding == {"path": str(new), "sheet": "RTF", "row": 2, "cell": "S2", "column": "ECM Enrollment Start Date",
                       "code": "DIFF-NEW-START", "severity": "warning", "message": finding["message"]}
    assert document["summary"] == {"added": 1, "removed": 1, "changed": 1, "flagged": 1}
    for secret in (member_cin(1), member_cin(3), "2026-03-01", "2026-01-15"):
        assert secret not in result.stdout


def test_json_with_show_values(write: Write) -> None:
    old = write("RTF", [rtf_row("2")])
    new = write("RTF", [rtf_row("2", enrollment_start=D(2026, 3, 1))])
    document = json.loads(run(old, new, "-f", "json", "--show-values").stdout)
    [changed] = document["comparisons"][0]["changed"]
    assert changed["key"] == {"Member Client Index Number (CIN)": rtf_row("2")["cin"]}
    assert changed["changes"] == [{"column": "ECM Enrollment Start Date", "old": "2026-01-15", "new": "2026-03-01"}]
    assert "2026-01-15 -> 2026-03-01" in document["comparisons"][0]["findings"][0]["message"]


def test_csprtf_months_report_the_cap(write: Write) -> None:
    paths = three_months(write, D(2025, 4, 1), shuffled=True)
    document = json.loads(run(*paths, "-f", "json").stdout)
    assert len(document["comparisons"]) == 2
    [finding] = document["room_and_board"]["findings"]
    assert (finding["path"], finding["code"], finding["severity"]) == (str(paths[0]), "CSPRTF-C3", "error")
    text = run(*paths)
    assert text.exit_code == 1
    assert "Room-and-board cap (CSPRTF-C3) across 3 files, 01/2026 to 03/2026:" in text.stdout
    assert "1 member over the cap" in text.stdout
    assert run(*three_months(write, D(2025, 3, 31))).exit_code == 0


def test_xlsx_output_is_readable_and_keeps_phi_out(write: Write, tmp_path: Path) -> None:
    old = write_csv(tmp_path, "RTF", [rtf_row("5", last_name='=HYPERLINK("x")')])  # text (in a workbook: a formula)
    new = write("RTF", [rtf_row("1", last_name="Otherperson")])
    result = run(old, new, "-f", "xlsx", "-o", tmp_path / "diff.xlsx")
    assert result.exit_code == 1, result.stderr
    assert result.stdout.startswith(f"Wrote {tmp_path / 'diff.xlsx'}: ")
    book = openpyxl.load_workbook(tmp_path / "diff.xlsx")
    assert book.sheetnames == ["Summary", "Changes", "Findings"]
    changes = [row for row in book["Changes"].iter_rows(values_only=True)]
    assert changes[0][:6] == ("Older file", "Newer file", "Change", "Older row", "Newer row", "Column")
    assert ("changed", 2, 2, "Member Last Name", None, None) in [row[2:8] for row in changes]
    assert [row[5] for row in book["Findings"].iter_rows(values_only=True)] == ["Code", "DIFF-STATUS-BACKWARDS"]
    cells = {str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None}
    assert not any(rtf_row("1")["cin"] in v or "Otherperson" in v for v in cells)

    run(old, new, "-f", "xlsx", "-o", tmp_path / "shown.xlsx", "--show-values")
    shown = openpyxl.load_workbook(tmp_path / "shown.xlsx")["Changes"]
    rows = list(shown.iter_rows(values_only=True))
    assert rows[0][-1] == "Member Client Index Number (CIN)"
    [name_row] = [row for row in rows if row[5] == "Member Last Name"]
    assert name_row[6:] == ('=HYPERLINK("x")', "Otherperson", rtf_row("1")["cin"])
    assert next(c for c in shown[rows.index(name_row) + 1] if c.value == '=HYPERLINK("x")').data_type == "s"


def test_xlsx_default_name_and_no_overwrite(write: Write) -> None:
    old, new = write("RTF", [rtf_row("2")]), write("RTF", [rtf_row("2")])
    assert run(old, new, "-f", "xlsx").exit_code == 0
    assert new.with_name(f"{new.stem}.diff.xlsx").exists()
    assert_one_clean_error_line(run(old, new, "-f", "xlsx"), "already exists; use --force")
    assert_one_clean_error_line(run(old, new, "-f", "json", "-o", new, "--force"), "is an input file")


def test_layouts_that_differ_exit_2_in_one_line() -> None:
    result = run(EXAMPLES / "rtf_clean.xlsx", EXAMPLES / "csprtf_clean.xlsx")
    assert_one_clean_error_line(result, "csprtf_clean.xlsx: holds CSPRTF, but", "holds RTF", "one layout")


def test_unreadable_input_exits_2_in_one_line(tmp_path: Path) -> None:
    assert_one_clean_error_line(run(EXAMPLES / "rtf_clean.xlsx", tmp_path / "missing.xlsx"), "no such file")
