"""`calaimfiles fix` on real workbooks: every safe fix lands with the right cell type, and nothing else in the
package changes (macros, other sheets, cross-sheet drop-downs, column widths); the input is never touched."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
import python_calamine
from builders import cell, column_names, rtf_cells, save_book
from typer.testing import CliRunner, Result

from calaimfiles.commands import app
from calaimfiles.findings import Finding, Fix, Severity
from calaimfiles.fixing import plan_fixes, write_fixed
from calaimfiles.validate import SheetResult, ValidationRequest, validate_file
from calaimfiles.writing import patch
from calaimfiles.writing.patch import patch_workbook

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLES_AS_OF = "2026-11-05"
AS_OF = "2026-03-05"  # the builders' RTF_VALUES rows are clean on this day
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
runner = CliRunner()


def run(*args: Any) -> Result:
    return runner.invoke(app, ["fix", *map(str, args)])


def findings(path: Path, as_of: str = EXAMPLES_AS_OF) -> list[Finding]:
    results = validate_file(path, ValidationRequest(as_of=dt.date.fromisoformat(as_of)))
    return [f for r in results for f in r.findings]


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite_package(path: Path, replace: dict[str, bytes], add: dict[str, bytes] | None = None) -> None:
    """Replace some parts of a saved workbook and append others, keeping the order of the rest."""
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            archive.writestr(info, replace.get(info.filename, data))
        for name, data in (add or {}).items():
            archive.writestr(name, data)


def sheet_cells(xml: bytes, row: int) -> list[ElementTree.Element]:
    root = ElementTree.fromstring(xml)
    found = root.find(f".//{{{MAIN_NS}}}sheetData/{{{MAIN_NS}}}row[@r='{row}']")
    assert found is not None
    return found.findall(f"{{{MAIN_NS}}}c")


def column_of(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    assert letters is not None
    return int(openpyxl.utils.column_index_from_string(letters.group(0)))


def snapshot(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


# -- the shipped examples ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["mif", "rtf", "otf", "csasf", "csprtf"])
def test_every_fixable_finding_goes_and_the_others_stay(tmp_path: Path, layout: str) -> None:
    source = tmp_path / f"{layout}_mistakes.xlsx"
    shutil.copy2(EXAMPLES / f"{layout}_mistakes.xlsx", source)
    before = snapshot(source)
    found = findings(source)
    assert any(f.fixable for f in found)

    result = run(source, "--as-of", EXAMPLES_AS_OF)

    output = tmp_path / f"{layout}_mistakes.fixed.xlsx"
    assert result.exit_code == 1, result.output  # every mistakes file keeps errors no fix can repair
    assert f"Wrote {output}" in result.stdout
    assert snapshot(source) == before
    remaining = findings(output)
    assert not [f for f in remaining if f.fixable]
    assert [(f.code, f.cell) for f in remaining] == [(f.code, f.cell) for f in found if not f.fixable]
    # only the sheet (and, for text dates, the styles) changed; every other part is the same
    original, fixed = entries(source), entries(output)
    assert list(fixed) == list(original)
    changed = {name for name in original if original[name] != fixed[name]}
    assert changed <= {"xl/worksheets/sheet1.xml", "xl/styles.xml"}


def test_fixed_cells_hold_the_right_types(tmp_path: Path) -> None:
    output = tmp_path / "out.xlsx"
    for name in ("rtf", "otf", "csprtf"):
        result = run(EXAMPLES / f"{name}_mistakes.xlsx", "-o", output, "--force", "--as-of", EXAMPLES_AS_OF)
        assert result.exit_code == 1, result.output
        sheet = openpyxl.load_workbook(output).active
        if name == "rtf":
            assert sheet["V4"].value == dt.datetime(2026, 10, 2)  # text date -> date cell
            assert sheet["V4"].is_date
            assert sheet["AC9"].value == dt.datetime(2026, 10, 6)
            assert sheet["R3"].value == "Low"  # blank acuity
            assert sheet["C4"].value == "90000002B"
            assert sheet["C8"].value == "90000006F"  # 14-character card ID
            assert sheet["L5"].value == "09372"
            assert sheet["O4"].value == "Y"
        elif name == "otf":
            assert sheet["L4"].value == 1  # blank Mail minutes
            assert sheet["L3"].value == 13  # 12.5 rounded up
            assert sheet["L13"].value == 65
        else:
            assert sheet["E2"].value == "012345678"  # TIN text with its leading zero
            assert sheet["E2"].data_type == "s"


def test_prints_each_change_then_what_is_still_wrong(tmp_path: Path) -> None:
    result = run(EXAMPLES / "rtf_mistakes.xlsx", "-o", tmp_path / "out.xlsx", "--as-of", EXAMPLES_AS_OF,
                 "--show-values")
    lines = result.stdout.splitlines()
    assert "  C4     '90000002b' -> '90000002B'  CIN-LOWERCASE" in lines
    assert "  V4     '2026-10-02' -> 10/02/2026 (date cell)  DATE-FORMAT" in lines
    assert "  R3     (blank) -> 'Low'  RTF-R4" in lines
    assert "  Y5     '10/07/2026 14:30' -> 10/07/2026 (date cell)  DATE-FORMAT" in lines  # the time dropped
    assert "  AH7    'closed' -> 'Referral Loop Closed'  CODE-SPELLING" in lines
    wrote = lines.index(f"Wrote {tmp_path / 'out.xlsx'}")
    assert wrote == 12  # a heading and eleven changes
    assert "PHONE-INVALID" in result.stdout[result.stdout.index("Wrote"):]
    assert "1 file checked: 13 errors, 2 warnings" in lines[-1]


def test_piped_output_shows_no_member_values(tmp_path: Path) -> None:
    member_values = ["90000002b", "90000002B", "Demoperson", "90000006F12026", "9372"]
    piped = run(EXAMPLES / "rtf_mistakes.xlsx", "-o", tmp_path / "a.xlsx", "--as-of", EXAMPLES_AS_OF)
    assert "  C4     (member value) -> (fixed)  CIN-LOWERCASE" in piped.stdout.splitlines()
    assert not [v for v in member_values if v in piped.stdout + piped.stderr]
    shown = run(EXAMPLES / "rtf_mistakes.xlsx", "-o", tmp_path / "b.xlsx", "--as-of", EXAMPLES_AS_OF, "--show-values")
    assert all(v in shown.stdout for v in member_values)


def test_provider_values_are_shown_even_when_piped(tmp_path: Path) -> None:
    result = run(EXAMPLES / "csprtf_mistakes.xlsx", "-o", tmp_path / "out.xlsx", "--as-of", EXAMPLES_AS_OF)
    assert "  E2     '12345678' -> '012345678'  TIN-LEADING-ZERO" in result.stdout.splitlines()


# -- what else is in the package survives ---------------------------------------------------------------------

def test_xlsm_keeps_its_macros_and_every_other_part(tmp_path: Path) -> None:
    source = tmp_path / "rtf.xlsm"
    save_book(source, {"RTF": [column_names("RTF"), rtf_cells(cin="91234567a")]})
    parts = entries(source)
    content_types = parts["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ).replace(b"<Default ", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/><Default ',
              1)
    rels = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        b'Target="vbaProject.bin"/></Relationships>',
    )
    vba = bytes(range(256)) * 64  # stands in for the compiled macros: must come through bit for bit
    rewrite_package(source, {"[Content_Types].xml": content_types, "xl/_rels/workbook.xml.rels": rels},
                    {"xl/vbaProject.bin": vba})
    before = snapshot(source)

    result = run(source, "--as-of", AS_OF)

    output = tmp_path / "rtf.fixed.xlsm"
    assert result.exit_code == 0, result.output
    assert snapshot(source) == before
    original, fixed = entries(source), entries(output)
    assert list(fixed) == list(original)
    assert fixed["xl/vbaProject.bin"] == vba
    assert {n for n in original if original[n] != fixed[n]} == {"xl/worksheets/sheet1.xml"}
    with zipfile.ZipFile(source) as a, zipfile.ZipFile(output) as b:
        assert [i.compress_type for i in a.infolist()] == [i.compress_type for i in b.infolist()]
    book = openpyxl.load_workbook(output, keep_vba=True)
    assert book.active[cell("RTF", "cin", 2)].value == "91234567A"


def x14_list(sqref: str) -> bytes:
    """A drop-down list whose values live on another sheet, as Excel writes it (openpyxl cannot read these)."""
    return (
        b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        b'<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        b'<x14:dataValidation type="list" allowBlank="1" showErrorMessage="1"><x14:formula1>'
        b"<xm:f>Lists!$A$1:$A$3</xm:f></x14:formula1><xm:sqref>" + sqref.encode() + b"</xm:sqref>"
        b"</x14:dataValidation></x14:dataValidations></ext></extLst>"
    )


def template_with_dropdowns(path: Path) -> Path:
    """An RTF with a blank acuity (R2: no cell in the XML), an x14 drop-down on a hidden sheet, column widths."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "RTF"
    for row in [column_names("RTF"), rtf_cells(acuity=None, last_name="Rivera ")]:
        sheet.append(row)
    sheet.column_dimensions["D"].width = 31.5
    sheet.column_dimensions["R"].width = 14
    lists = book.create_sheet("Lists")
    for value in ("High", "Medium", "Low"):
        lists.append([value])
    lists.sheet_state = "hidden"
    book.save(path)
    xml = entries(path)["xl/worksheets/sheet1.xml"]
    with_dropdown = xml.replace(b"</worksheet>", x14_list("R2:R500") + b"</worksheet>")
    rewrite_package(path, {"xl/worksheets/sheet1.xml": with_dropdown})
    return path


@pytest.mark.filterwarnings("ignore:Data Validation extension")  # openpyxl, reading the result, would drop it
def test_cross_sheet_dropdowns_widths_and_other_sheets_survive(tmp_path: Path) -> None:
    source = template_with_dropdowns(tmp_path / "template.xlsx")
    acuity = cell("RTF", "acuity", 2)
    assert f'r="{acuity}"'.encode() not in entries(source)["xl/worksheets/sheet1.xml"]
    before = snapshot(source)

    result = run(source, "--as-of", AS_OF)

    assert result.exit_code == 0, result.output
    assert snapshot(source) == before
    output = tmp_path / "template.fixed.xlsx"
    original, fixed = entries(source), entries(output)
    assert {n for n in original if original[n] != fixed[n]} == {"xl/worksheets/sheet1.xml"}
    old_sheet, new_sheet = original["xl/worksheets/sheet1.xml"], fixed["xl/worksheets/sheet1.xml"]
    # everything outside the changed row is byte for byte the same: widths, the x14 drop-down, the rest
    old_head, old_tail = old_sheet.split(b'<row r="2"')[0], old_sheet.split(b"</row>")[-1]
    assert new_sheet.startswith(old_head)
    assert new_sheet.endswith(old_tail)
    assert x14_list("R2:R500") in old_tail
    # the blank acuity cell was inserted in column order, and both readers see it
    cells = sheet_cells(new_sheet, 2)
    columns = [column_of(c.get("r", "")) for c in cells]
    assert columns == sorted(columns) and len(set(columns)) == len(columns)
    inserted = next(c for c in cells if c.get("r") == acuity)
    assert inserted.get("t") == "inlineStr"
    book = openpyxl.load_workbook(output)
    assert book["RTF"][acuity].value == "Low"
    assert book["RTF"]["D2"].value == "Rivera"
    assert book["Lists"].sheet_state == "hidden"
    calamine = python_calamine.CalamineWorkbook.from_path(str(output))
    rows = calamine.get_sheet_by_name("RTF").to_python()
    assert rows[1][column_of(acuity) - 1] == "Low"
    assert not findings(output, AS_OF)


def test_formula_cells_are_reported_not_fixed(tmp_path: Path) -> None:
    source = save_book(tmp_path / "rtf.xlsx", {"RTF": [column_names("RTF"), rtf_cells(acuity='=""')]})
    result = run(source, "--as-of", AS_OF)
    acuity = cell("RTF", "acuity", 2)
    assert f"  {acuity:<6} not fixed: the cell holds a formula  RTF-R4" in result.stdout.splitlines()
    assert result.exit_code == 1  # the blank acuity is still an error
    assert entries(tmp_path / "rtf.fixed.xlsx") == entries(source)


def test_date_cell_keeps_a_date_style_it_already_has(tmp_path: Path) -> None:
    source = save_book(tmp_path / "rtf.xlsx", {"RTF": [column_names("RTF"), rtf_cells(production_date="2026-03-04")]})
    book = openpyxl.load_workbook(source)
    ref = cell("RTF", "production_date", 2)
    book.active[ref].number_format = "mm/dd/yyyy"
    book.save(source)
    style = next(c for c in sheet_cells(entries(source)["xl/worksheets/sheet1.xml"], 2) if c.get("r") == ref).get("s")
    assert style is not None

    assert run(source, "--as-of", AS_OF).exit_code == 0
    output = tmp_path / "rtf.fixed.xlsx"
    assert entries(output)["xl/styles.xml"] == entries(source)["xl/styles.xml"]
    fixed = next(c for c in sheet_cells(entries(output)["xl/worksheets/sheet1.xml"], 2) if c.get("r") == ref)
    assert fixed.get("s") == style
    assert openpyxl.load_workbook(output).active[ref].value == dt.datetime(2026, 3, 4)


def test_text_date_in_a_1904_workbook(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    book.active.title = "RTF"
    for row in [column_names("RTF"), rtf_cells(production_date="3/4/2026")]:
        book.active.append(row)
    source = tmp_path / "rtf.xlsx"
    book.save(source)
    assert run(source, "--as-of", AS_OF).exit_code == 0
    fixed = openpyxl.load_workbook(tmp_path / "rtf.fixed.xlsx").active
    assert fixed[cell("RTF", "production_date", 2)].value == dt.datetime(2026, 3, 4)


# -- the patcher on its own --------------------------------------------------------------------------------------

def test_prefixed_sheet_xml_is_patched_in_its_own_prefix(tmp_path: Path) -> None:
    source = save_book(tmp_path / "p.xlsx", {"Data": [["a", "b", "c"], ["x", None, 5]]})
    xml = entries(source)["xl/worksheets/sheet1.xml"].decode()
    xml = re.sub(r"<(/?)(?!\?)([A-Za-z]\w*)(?=[\s/>])", r"<\1x:\2", xml).replace(f'xmlns="{MAIN_NS}"',
                                                                                   f'xmlns:x="{MAIN_NS}"')
    rewrite_package(source, {"xl/worksheets/sheet1.xml": xml.encode()})
    output = tmp_path / "out.xlsx"

    skipped = patch_workbook(source, output, {"Data": {"B2": "new & <odd>", "C2": 7, "D2": dt.date(2026, 1, 2)}})

    assert skipped == {}
    cells = {c.get("r"): c for c in sheet_cells(entries(output)["xl/worksheets/sheet1.xml"], 2)}
    assert list(cells) == ["A2", "B2", "C2", "D2"]
    assert "".join(cells["B2"].itertext()) == "new & <odd>"
    assert cells["C2"].findtext(f"{{{MAIN_NS}}}v") == "7"
    assert cells["D2"].findtext(f"{{{MAIN_NS}}}v") == "46024"
    assert b"<x:c " in entries(output)["xl/worksheets/sheet1.xml"]


def test_small_chunks_give_the_same_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = EXAMPLES / "rtf_mistakes.xlsx"
    results = validate_file(source, ValidationRequest(as_of=dt.date.fromisoformat(EXAMPLES_AS_OF)))
    write_fixed(source, tmp_path / "whole.xlsx", plan_fixes(results))
    monkeypatch.setattr(patch, "_CHUNK", 97)  # rows straddle many chunk boundaries
    write_fixed(source, tmp_path / "chunked.xlsx", plan_fixes(results))
    assert entries(tmp_path / "chunked.xlsx") == entries(tmp_path / "whole.xlsx")


def test_rows_missing_from_the_sheet_are_reported(tmp_path: Path) -> None:
    source = save_book(tmp_path / "s.xlsx", {"Data": [["a"], ["b"]]})
    skipped = patch_workbook(source, tmp_path / "out.xlsx", {"Data": {"A2": "B", "A9": "x"}})
    assert skipped == {("Data", "A9"): "its row is not in the sheet"}
    assert openpyxl.load_workbook(tmp_path / "out.xlsx").active["A2"].value == "B"


def test_a_large_sheet_is_patched_in_one_fast_pass(tmp_path: Path) -> None:
    source = save_book(tmp_path / "big.xlsx", {"Data": [["x"]]})
    xml = entries(source)["xl/worksheets/sheet1.xml"]
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>member %d</t></is></c><c r="B%d"><v>%d</v></c>'
        b'<c r="D%d" t="inlineStr"><is><t>2026-01-01</t></is></c></row>' % (n, n, n, n, n, n) for n in range(1, 100_001)
    )
    xml = re.sub(rb"<sheetData>.*</sheetData>", b"<sheetData>" + rows + b"</sheetData>", xml, flags=re.DOTALL)
    rewrite_package(source, {"xl/worksheets/sheet1.xml": xml})
    edits: dict[str, patch.CellValue] = {"C1": "first", "D50000": dt.date(2026, 1, 1), "C99999": 1, "A100000": "last"}

    started = time.perf_counter()
    assert patch_workbook(source, tmp_path / "out.xlsx", {"Data": edits}) == {}
    assert time.perf_counter() - started < 10

    calamine = python_calamine.CalamineWorkbook.from_path(str(tmp_path / "out.xlsx"))
    read = calamine.get_sheet_by_name("Data").to_python()
    assert len(read) == 100_000
    assert read[0][2] == "first"
    assert read[49_999][3] == dt.date(2026, 1, 1)
    assert read[99_998][2] == 1
    assert read[99_999][0] == "last"
    assert read[99_999][1] == 100_000


# -- planning ---------------------------------------------------------------------------------------------------

def test_fixes_on_one_cell_must_agree() -> None:
    def finding(code: str, ref: str, value: Any) -> Finding:
        return Finding(code, Severity.WARNING, "m", sheet="RTF", row=5, cell=ref, fix=Fix(value), value=" v")

    result = SheetResult(Path("x.xlsx"), "RTF", "RTF", 4, [
        finding("TEXT-WHITESPACE", "C5", "91234567A"), finding("CIN-LOWERCASE", "C5", "91234567A"),
        finding("TEXT-WHITESPACE", "D5", "1"), finding("CODE-SPELLING", "D5", 1),
    ])
    plan = plan_fixes([result])
    assert [(f.cell, f.after, f.codes) for f in plan.fixes] == [("C5", "91234567A",
                                                                  ("CIN-LOWERCASE", "TEXT-WHITESPACE"))]
    assert [(n.cell, n.reason) for n in plan.not_fixed] == [("D5", "the fixes offered disagree")]


# -- the command line -------------------------------------------------------------------------------------------

def one_error_line(result: Result, *expected: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("calaimfiles: "), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert all(text in lines[0] for text in expected), lines[0]


def lowercase_cin(path: Path) -> Path:
    return save_book(path, {"RTF": [column_names("RTF"), rtf_cells(cin="91234567a")]})


def test_exit_zero_when_every_error_is_fixed(tmp_path: Path) -> None:
    result = run(lowercase_cin(tmp_path / "rtf.xlsx"), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "no problems found" in result.stdout


def test_an_existing_output_is_refused_without_force(tmp_path: Path) -> None:
    source = lowercase_cin(tmp_path / "rtf.xlsx")
    output = tmp_path / "mine.xlsx"
    output.write_bytes(b"keep me")
    one_error_line(run(source, "-o", output, "--as-of", AS_OF), "already exists", "--force")
    assert output.read_bytes() == b"keep me"
    assert run(source, "-o", output, "--force", "--as-of", AS_OF).exit_code == 0
    assert openpyxl.load_workbook(output).active[cell("RTF", "cin", 2)].value == "91234567A"


def test_the_output_cannot_be_the_input_or_change_its_kind(tmp_path: Path) -> None:
    source = lowercase_cin(tmp_path / "rtf.xlsx")
    before = snapshot(source)
    one_error_line(run(source, "-o", source, "--force", "--as-of", AS_OF), "--in-place")
    one_error_line(run(source, "-o", tmp_path / "rtf.xlsm", "--as-of", AS_OF), "must end in .xlsx")
    assert run(source, "--in-place", "-o", tmp_path / "other.xlsx").exit_code == 2
    assert snapshot(source) == before


def test_in_place_writes_a_backup_first(tmp_path: Path) -> None:
    source = lowercase_cin(tmp_path / "rtf.xlsx")
    os.chmod(source, 0o640)
    original = source.read_bytes()

    result = run(source, "--in-place", "--as-of", AS_OF)

    assert result.exit_code == 0, result.output
    backup = tmp_path / "rtf.xlsx.bak"
    assert backup.read_bytes() == original
    assert f"Wrote {source} (the original is in {backup})" in result.stdout
    assert openpyxl.load_workbook(source).active[cell("RTF", "cin", 2)].value == "91234567A"
    assert source.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rtf.xlsx", "rtf.xlsx.bak"]


def test_in_place_never_replaces_an_existing_backup(tmp_path: Path) -> None:
    source = lowercase_cin(tmp_path / "rtf.xlsx")
    backup = tmp_path / "rtf.xlsx.bak"
    backup.write_bytes(b"older backup")
    before = snapshot(source)
    result = run(source, "--in-place", "--force", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert backup.read_bytes() == b"older backup"
    assert (tmp_path / "rtf.xlsx.1.bak").read_bytes() == before[0]
    assert "the original is in" in result.stdout and "rtf.xlsx.1.bak" in result.stdout


def test_in_place_with_nothing_to_fix_changes_nothing(tmp_path: Path) -> None:
    source = save_book(tmp_path / "rtf.xlsx", {"RTF": [column_names("RTF"), rtf_cells()]})
    before = snapshot(source)
    result = run(source, "--in-place", "--as-of", AS_OF)
    assert result.exit_code == 0
    assert f"nothing to fix; {source} left as it was" in result.stdout
    assert snapshot(source) == before and not (tmp_path / "rtf.xlsx.bak").exists()


@pytest.mark.parametrize("name", ["rtf.csv", "rtf.xls"])
def test_only_workbooks_can_be_fixed(tmp_path: Path, name: str) -> None:
    source = tmp_path / name
    source.write_text(",".join(column_names("RTF")) + "\n")
    one_error_line(run(source), "only .xlsx and .xlsm", f"calaimfiles convert {name} --to xlsx")


def test_bad_inputs_exit_two(tmp_path: Path) -> None:
    one_error_line(run(tmp_path / "missing.xlsx"), "no such file")
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a zip")
    one_error_line(run(damaged), "damaged")
    one_error_line(run(lowercase_cin(tmp_path / "rtf.xlsx"), "-o", tmp_path / "no" / "out.xlsx"), "does not exist")
    assert not list(tmp_path.glob("*.fixed.xlsx"))
