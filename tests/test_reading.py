"""Reading real workbooks and CSV files: header search, header matching, layout detection, sheets, error cells,
file formats and row numbers. Every workbook here is written by openpyxl into a temporary folder."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import (
    NPI,
    RTF_VALUES,
    cell,
    column_ids,
    column_names,
    csv_text,
    otf_cells,
    row_cells,
    rtf_cells,
    save_book,
    with_code,
    write_cells,
)

from calaimfiles.layouts import LAYOUT_NAMES, all_layouts, load_layout
from calaimfiles.reading.header import find_header
from calaimfiles.reading.workbook import ReadError, Workbook, scan_sheet
from calaimfiles.validate import InputError, SheetResult, ValidationRequest, collect_files, validate_file

AS_OF = dt.date(2026, 3, 5)  # the shared RTF_VALUES / OTF_VALUES rows are clean on this day


def check(path: Path, **request: Any) -> list[SheetResult]:
    return validate_file(path, ValidationRequest(as_of=AS_OF, **request))


def only(results: list[SheetResult]) -> SheetResult:
    assert len(results) == 1, results
    return results[0]


def codes_of(result: SheetResult) -> list[str]:
    return [f.code for f in result.findings]


def test_expected_cells_are_excel_cells() -> None:
    """The tests below name expected cells with builders.cell; check it against openpyxl's own column letters."""
    for layout in LAYOUT_NAMES:
        for index, column_id in enumerate(column_ids(layout)):
            assert cell(layout, column_id, 7) == f"{openpyxl.utils.get_column_letter(index + 1)}7"


# -- a clean baseline ----------------------------------------------------------------------------------------

def test_clean_rtf_and_otf_have_no_findings(tmp_path: Path) -> None:
    rtf = only(check(save_book(tmp_path / "rtf.xlsx", {"RTF": [column_names("RTF"), rtf_cells()]})))
    assert (rtf.layout, rtf.sheet, rtf.rows, rtf.findings) == ("RTF", "RTF", 1, [])
    otf = only(check(save_book(tmp_path / "otf.xlsx", {"OTF": [column_names("OTF"), otf_cells()]})))
    assert (otf.layout, otf.rows, otf.findings) == ("OTF", 1, [])


# -- where the header is ---------------------------------------------------------------------------------------

def test_header_below_title_rows_and_after_empty_columns_reports_excel_cells(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws["A1"] = "ECM Provider Return Transmission File"
    ws["A2"] = "Example Health Plan - February 2026"
    ws["A3"] = "Prepared by Example Clinic"
    # rows 4-5 empty, header in row 6 starting at column C, data in rows 7 and 8
    cin_first = ["cin", *[c for c in column_ids("RTF") if c != "cin"]]
    names = {c.id: c.name for c in load_layout("RTF").columns}
    write_cells(ws, [[names[c] for c in cin_first]], first_row=6, first_col=3)
    values = {**RTF_VALUES, "cin": "9123456A"}  # 7 digits: CIN-FORMAT
    write_cells(ws, [[values.get(c) for c in cin_first]], first_row=7, first_col=3)
    values = {**RTF_VALUES, "cin": "91234568B", "acuity": None}  # blank acuity: RTF-R4
    write_cells(ws, [[values.get(c) for c in cin_first]], first_row=8, first_col=3)
    path = tmp_path / "titled.xlsx"
    wb.save(path)

    book = Workbook(path)
    sheet = book.sheet("Sheet1")
    assert sheet.rows[5][2] == "Member Client Index Number (CIN)"  # rows[0] is Excel row 1, [0] is column A
    header = find_header(sheet.rows, all_layouts(), "Sheet1")
    assert header is not None
    assert (header.layout.name, header.header_row) == ("RTF", 5)
    assert header.columns["cin"] == 2

    result = only(check(path))
    assert (result.layout, result.rows) == ("RTF", 2)
    [cin] = with_code(result.findings, "CIN-FORMAT")
    assert (cin.row, cin.cell, cin.column) == (7, "C7", "Member Client Index Number (CIN)")
    [acuity] = with_code(result.findings, "RTF-R4")
    acuity_letter = openpyxl.utils.get_column_letter(3 + cin_first.index("acuity"))
    assert (acuity.row, acuity.cell) == (8, f"{acuity_letter}8")
    assert not with_code(result.findings, "COLUMN-UNKNOWN")  # the title cells are not header cells


def test_header_in_first_row_with_data_in_row_two(tmp_path: Path) -> None:
    path = save_book(tmp_path / "plain.xlsx", {"RTF": [column_names("RTF"), rtf_cells(cin="91234567a")]})
    [finding] = with_code(only(check(path)).findings, "CIN-LOWERCASE")
    assert (finding.row, finding.cell) == (2, "C2")


# -- header matching -----------------------------------------------------------------------------------------

def _messy(name: str) -> str:
    """The same header as a careless template writes it: other case, doubled spaces, space before '('."""
    return name.upper().replace(" ", "  ").replace("  (", "   (")


@pytest.mark.parametrize("variant", [
    str.upper,
    str.lower,
    _messy,
    lambda name: name.replace(" (", "("),
    lambda name: f"  {name}\u00a0",
])
def test_headers_match_ignoring_case_spaces_and_space_before_paren(tmp_path: Path, variant: Any) -> None:
    header = [variant(name) for name in column_names("RTF")]
    path = save_book(tmp_path / "variant.xlsx", {"Sheet1": [header, rtf_cells(in_person=-1)]})
    result = only(check(path))
    assert result.layout == "RTF"
    assert not [c for c in codes_of(result) if c.startswith("COLUMN-")], result.findings
    [count] = with_code(result.findings, "COUNT-INVALID")
    assert count.column == "In Person"
    assert count.cell == cell("RTF", "in_person", 2)


RTF_ALIASES = {
    "in_person": "In-Person",
    "telephonic": "Telephonic/Electronic",
    "zip": "Member Residential Zip Code",
    "lcm_phone": "ECM Lead Care Manager Name Phone Number",
    "status": "ECM Benefit Status",
}


@pytest.mark.parametrize("telephonic", ["Telephonic", "Telephonic/Electronic"])
def test_header_aliases_are_matched(tmp_path: Path, telephonic: str) -> None:
    aliases = {**RTF_ALIASES, "telephonic": telephonic}
    header = [aliases.get(c.id, c.name) for c in load_layout("RTF").columns]
    rows = [header, rtf_cells(in_person=-1, telephonic=1.5, status="Active")]
    result = only(check(save_book(tmp_path / "aliases.xlsx", {"Sheet1": rows})))
    assert result.layout == "RTF"
    assert not [c for c in codes_of(result) if c.startswith("COLUMN-")], result.findings
    by_column = {f.column: f.code for f in result.findings}
    assert by_column["In Person"] == "COUNT-INVALID"
    assert by_column["Telephonic/Video"] == "COUNT-INVALID"
    assert by_column["Member ECM Status"] == "CODE-INVALID"


def test_unknown_and_missing_columns_are_reported_at_the_header(tmp_path: Path) -> None:
    names = column_names("RTF")
    header = [*names[:17], "Notes", *names[18:]]  # acuity replaced by a column the layout does not know
    result = only(check(save_book(tmp_path / "cols.xlsx", {"RTF": [header, rtf_cells()]})))
    [unknown] = with_code(result.findings, "COLUMN-UNKNOWN")
    assert (unknown.row, unknown.cell) == (1, "R1")
    [missing] = with_code(result.findings, "COLUMN-MISSING")
    assert (missing.row, missing.column) == (1, "Member Acuity Level")


# -- layout detection ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_layout_detected_from_headers(tmp_path: Path, layout: str) -> None:
    path = save_book(tmp_path / "data.xlsx", {"Sheet1": [column_names(layout)]})
    result = only(check(path))
    assert result.layout == layout
    assert codes_of(result) == ["FILE-NO-ROWS"]


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_layout_detected_from_headers_in_a_shuffled_order(tmp_path: Path, layout: str) -> None:
    header = list(reversed(column_names(layout)))
    result = only(check(save_book(tmp_path / "data.xlsx", {"Data": [["Export"], [], header]})))
    assert result.layout == layout


def test_every_layout_sheet_of_a_workbook_is_validated(tmp_path: Path) -> None:
    instructions = [["How to fill in this workbook"], ["Enter one row per member."],
                    ["Member Client Index Number (CIN): 8 digits and a letter"]]
    path = save_book(tmp_path / "monthly.xlsx", {
        "Instructions": instructions,
        "Return File": [column_names("RTF"), rtf_cells(), rtf_cells(cin="91234568B", acuity="low")],
        "Outreach": [column_names("OTF"), otf_cells(), otf_cells(method="Carrier pigeon")],
    })
    results = check(path)
    assert [(r.sheet, r.layout, r.rows) for r in results] == [("Return File", "RTF", 2), ("Outreach", "OTF", 2)]
    rtf, otf = results
    assert [(f.code, f.cell) for f in rtf.findings] == [("CODE-SPELLING", cell("RTF", "acuity", 3))]
    assert [(f.code, f.cell) for f in otf.findings] == [("CODE-INVALID", cell("OTF", "method", 3))]
    assert all(f.sheet == "Outreach" for f in otf.findings)


def test_sheet_option_checks_only_that_sheet(tmp_path: Path) -> None:
    path = save_book(tmp_path / "monthly.xlsx", {
        "Instructions": [["Read me"]],
        "RTF": [column_names("RTF"), rtf_cells()],
        "OTF": [column_names("OTF"), otf_cells()],
    })
    assert [r.sheet for r in check(path, sheet="OTF")] == ["OTF"]
    with pytest.raises(InputError, match="no sheet named 'Missing'"):
        check(path, sheet="Missing")
    with pytest.raises(InputError, match="no header row"):
        check(path, sheet="Instructions")


def test_layout_option_overrides_detection(tmp_path: Path) -> None:
    path = save_book(tmp_path / "rtf.xlsx", {"Sheet1": [column_names("RTF"), rtf_cells()]})
    assert only(check(path)).layout == "RTF"
    forced = only(check(path, layout="MIF"))
    assert forced.layout == "MIF"
    assert "COLUMN-UNKNOWN" in codes_of(forced)  # RTF-only columns are unknown to the MIF
    assert only(check(path, layout="rtf")).layout == "RTF"
    cs_only = save_book(tmp_path / "cs.xlsx", {"Sheet1": [column_names("CSASF")[10:17]]})
    with pytest.raises(InputError, match="matching the OTF layout"):
        check(cs_only, layout="OTF")


def test_sheet_and_layout_together(tmp_path: Path) -> None:
    path = save_book(tmp_path / "monthly.xlsx", {
        "RTF": [column_names("RTF"), rtf_cells()],
        "OTF": [column_names("OTF"), otf_cells()],
    })
    result = only(check(path, sheet="OTF", layout="OTF"))
    assert (result.sheet, result.layout, result.findings) == ("OTF", "OTF", [])


# -- Excel error cells ---------------------------------------------------------------------------------------

def test_error_cells_are_reported_as_errors_not_blanks(tmp_path: Path) -> None:
    rows = [column_names("RTF"), rtf_cells(acuity="#N/A", cin="#REF!"), rtf_cells(cin="91234568B", dob="#DIV/0!")]
    path = save_book(tmp_path / "errors.xlsx", {"RTF": rows})
    assert scan_sheet(path, "RTF") == {
        (1, column_ids("RTF").index("acuity")): "#N/A",
        (1, 2): "#REF!",
        (2, column_ids("RTF").index("dob")): "#DIV/0!",
    }
    result = only(check(path))
    errors = {(f.cell, f.code) for f in result.findings}
    acuity_cell = cell("RTF", "acuity", 2)
    assert ("C2", "CELL-ERROR") in errors
    assert (acuity_cell, "CELL-ERROR") in errors
    assert (cell("RTF", "dob", 3), "CELL-ERROR") in errors
    # a cell that shows an error is not blank: no "required" or "blank acuity" finding for it
    assert not [f for f in result.findings if f.cell in ("C2", acuity_cell) and f.code != "CELL-ERROR"]
    assert not [f for f in result.findings if f.code in ("REQUIRED", "RTF-R4")]
    for finding in with_code(result.findings, "CELL-ERROR"):
        assert finding.severity.label == "error"
        assert finding.row in (2, 3)


def test_error_cell_in_title_area_or_unknown_column_does_not_break_reading(tmp_path: Path) -> None:
    rows = [["#N/A"], [*column_names("OTF"), "Notes"], [*otf_cells(), "#VALUE!"]]
    result = only(check(save_book(tmp_path / "otf.xlsx", {"OTF": rows})))
    assert result.layout == "OTF"
    assert result.rows == 1


# -- file formats --------------------------------------------------------------------------------------------

def make_macro_enabled(source: Path, target: Path) -> Path:
    """Rewrite an .xlsx into an .xlsm: same parts, macro-enabled workbook content type."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
                assert b"macroEnabled" in data
            dst.writestr(item, data)
    return target


def test_xlsm_workbook_is_read_like_xlsx(tmp_path: Path) -> None:
    plain = save_book(tmp_path / "plain.xlsx", {"RTF": [column_names("RTF"), rtf_cells(cin="91234567a")]})
    path = make_macro_enabled(plain, tmp_path / "rtf.xlsm")
    result = only(check(path))
    assert (result.layout, result.rows) == ("RTF", 1)
    assert codes_of(result) == ["CIN-LOWERCASE"]
    assert "FILE-FORMAT" not in codes_of(result)


def test_xlsm_error_cells_found(tmp_path: Path) -> None:
    plain = save_book(tmp_path / "plain.xlsx", {"OTF": [column_names("OTF"), otf_cells(minutes="#N/A")]})
    result = only(check(make_macro_enabled(plain, tmp_path / "otf.xlsm")))
    [finding] = result.findings
    assert (finding.code, finding.cell) == ("CELL-ERROR", cell("OTF", "minutes", 2))


MIF_VALUES: dict[str, Any] = {
    "mcp_id": "MCP1", "mcp_name": "Example Health Plan", "cin": "91234567A", "last_name": "Rivera",
    "first_name": "Alex", "dob": "05/17/1980", "address": "1 Main St", "city": "Sacramento", "state": "CA",
    "zip": "95814", "phone": "9165550123", "homeless": "N", "pof": "3", "status": "1", "acuity": "Low",
    "provider_name": "Example Clinic", "provider_npi": NPI, "provider_tin": "951234567",
    "reporting_period": "02/2026", "production_date": "02/13/2026",
}


def mif_row(**changes: Any) -> list[Any]:
    return row_cells("MIF", MIF_VALUES, **changes)


def test_csv_with_utf8_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "mif.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text([column_names("MIF"), mif_row(), mif_row(cin="9123456")]).encode())
    book = Workbook(path)
    assert book.sheet_names == ["mif"]
    assert book.sheet("mif").rows[0][0] == "Primary Payer (MCP) Identifier"  # the BOM is not part of the header
    result = only(check(path))
    assert (result.layout, result.rows) == ("MIF", 2)
    assert [(f.code, f.cell) for f in result.findings] == [("CIN-FORMAT", "C3")]


def test_csv_with_semicolon_delimiter_is_read(tmp_path: Path) -> None:
    path = tmp_path / "mif.csv"
    rows = [column_names("MIF"), mif_row(), mif_row(cin="91234568b", address="2 Oak St, Apt 5")]
    path.write_text(csv_text(rows, ";"), encoding="utf-8")
    sheet = Workbook(path).sheet("mif")
    assert sheet.rows[0] == column_names("MIF")
    assert sheet.rows[2][column_ids("MIF").index("address")] == "2 Oak St, Apt 5"
    result = only(check(path))
    assert (result.layout, result.rows) == ("MIF", 2)
    assert [(f.code, f.cell) for f in result.findings] == [("CIN-LOWERCASE", "C3")]


def test_csv_return_file_gets_file_format_error(tmp_path: Path) -> None:
    path = tmp_path / "rtf.csv"
    path.write_text(csv_text([column_names("RTF"), rtf_cells(reporting_period="02/2026")]), encoding="utf-8")
    result = only(check(path))
    assert result.layout == "RTF"
    [finding] = with_code(result.findings, "FILE-FORMAT")
    assert finding.severity.label == "error"
    assert (finding.row, finding.cell) == (None, None)
    assert codes_of(result) == ["FILE-FORMAT"]  # the file is still checked, and is otherwise clean


def test_csv_mif_has_no_file_format_error(tmp_path: Path) -> None:
    path = tmp_path / "mif.csv"
    path.write_text(csv_text([column_names("MIF"), mif_row()]), encoding="utf-8")
    result = only(check(path))
    assert result.layout == "MIF"
    assert result.findings == []


# -- row numbers ---------------------------------------------------------------------------------------------

def test_blank_rows_between_data_keep_excel_row_numbers(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        column_names("RTF"),
        rtf_cells(),                                 # row 2
        [],                                          # row 3 blank
        [None] * 5 + ["   "],                        # row 4 only spaces: blank too
        rtf_cells(cin="91234568b"),                  # row 5
        [],                                          # row 6
        rtf_cells(cin="91234569C", acuity="high"),   # row 7
    ]
    path = save_book(tmp_path / "gaps.xlsx", {"RTF": rows})
    result = only(check(path))
    assert result.rows == 3
    assert [(f.code, f.row, f.cell) for f in result.findings] == [
        ("CIN-LOWERCASE", 5, "C5"),
        ("CODE-SPELLING", 7, cell("RTF", "acuity", 7)),
    ]


def test_blank_rows_between_csv_data_keep_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "mif.csv"
    rows = [column_names("MIF"), mif_row(), [], [""] * 3, mif_row(cin="91234568b")]
    path.write_text(csv_text(rows), encoding="utf-8")
    result = only(check(path))
    assert result.rows == 2
    assert [(f.code, f.row, f.cell) for f in result.findings] == [("CIN-LOWERCASE", 5, "C5")]


# -- unreadable files ----------------------------------------------------------------------------------------

def test_unreadable_containers_raise_read_error(tmp_path: Path) -> None:
    text = tmp_path / "notes.xlsx"
    text.write_text("this is not a workbook\n")
    with pytest.raises(ReadError, match="not an Excel workbook"):
        Workbook(text)
    real = save_book(tmp_path / "real.xlsx", {"RTF": [column_names("RTF"), rtf_cells()]})
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(real.read_bytes()[: real.stat().st_size // 2])
    with pytest.raises(ReadError, match="damaged or truncated"):
        Workbook(truncated)
    ole = tmp_path / "ole.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    with pytest.raises(ReadError, match="password-protected"):
        Workbook(ole)
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(ReadError, match="empty"):
        Workbook(empty)


def test_collect_files_expands_folders(tmp_path: Path) -> None:
    (tmp_path / "b.xlsx").write_bytes(b"")
    (tmp_path / "a.csv").write_text("")
    (tmp_path / "notes.txt").write_text("")
    (tmp_path / "~$b.xlsx").write_bytes(b"")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.xlsx").write_bytes(b"")
    assert collect_files([tmp_path]) == [tmp_path / "a.csv", tmp_path / "b.xlsx"]
