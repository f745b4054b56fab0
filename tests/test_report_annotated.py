"""The annotated report on real workbooks: every finding shows in its cell, on the Findings sheet (with a link that
lands on the cell) and in the Summary counts; macros, formats and the input survive; member values stay out
unless asked; what openpyxl cannot carry is said, not silently lost."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import openpyxl
import pytest
from builders import AS_OF, column_names, rtf_cells, save_book, write_csv, write_xlsx

from calaimfiles.findings import Finding, Severity
from calaimfiles.reading.workbook import sheet_part
from calaimfiles.report.annotated import AUTHOR, FILL_COLOURS, NO_COLUMN, internal_link, write_annotated
from calaimfiles.rules import get_rule
from calaimfiles.validate import SheetResult, ValidationRequest, validate_file
from calaimfiles.writing.output import OutputError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLES_AS_OF = dt.date(2026, 11, 5)
FINDINGS_HEADER = ["Sheet", "Row", "Cell", "Column", "Severity", "Code", "Message", "Fixable"]
LINK = re.compile(r"'((?:[^']|'')+)'!([A-Z]+[0-9]+)")


def annotate(source: Path, output: Path, *, as_of: dt.date = EXAMPLES_AS_OF,
             show_values: bool = False) -> tuple[list[SheetResult], list[str]]:
    results = validate_file(source, ValidationRequest(as_of=as_of))
    return results, write_annotated(source, results, output, show_values=show_values)


def all_findings(results: list[SheetResult]) -> list[tuple[str, Finding]]:
    return [(f.sheet or r.sheet, f) for r in results for f in r.findings]


def entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite_package(path: Path, replace: dict[str, bytes], add: dict[str, bytes]) -> None:
    """Replace some parts of a saved workbook and append others, keeping the order of the rest."""
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            archive.writestr(info, replace.get(info.filename, data))
        for name, data in add.items():
            archive.writestr(name, data)


def resolve(book: Any, location: str) -> Any:
    """Follow an internal hyperlink as Excel does: a quoted sheet name (apostrophes doubled), then a cell."""
    match = LINK.fullmatch(location)
    assert match, location
    return book[match.group(1).replace("''", "'")][match.group(2)]


def shown(finding: Finding) -> str:
    """A finding's message as the report writes it by default: provider values quoted, member values not."""
    return finding.describe(finding.may_show_value(False))


def fill_of(cell: Any) -> str:
    return str(cell.fill.fgColor.rgb)[-6:] if cell.fill.fill_type == "solid" else ""


def table_rows(sheet: Any) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def summary_tables(sheet: Any) -> dict[str, list[tuple[Any, ...]]]:
    """The Summary sheet's tables by their title: the rows under each title's header row."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    current: list[tuple[Any, ...]] = []
    for row in table_rows(sheet):
        if row[0] is not None and row[1] is None:
            current = tables.setdefault(str(row[0]), [])
        elif row[0] is not None:
            current.append(row)
    return {title: rows[1:] for title, rows in tables.items()}


@pytest.fixture
def example(tmp_path: Path) -> Path:
    source = tmp_path / "rtf_mistakes.xlsx"
    shutil.copy2(EXAMPLES / "rtf_mistakes.xlsx", source)
    return source


# -- the shipped example ----------------------------------------------------------------------------------------

def test_every_finding_cell_is_filled_by_its_worst_severity_and_commented(example: Path, tmp_path: Path) -> None:
    results, losses = annotate(example, tmp_path / "annotated.xlsx")

    assert losses == []
    book = openpyxl.load_workbook(tmp_path / "annotated.xlsx")
    assert book.sheetnames == ["RTF", "Findings", "Summary"]
    by_cell: dict[str, list[Finding]] = {}
    for _, finding in all_findings(results):
        assert finding.cell
        by_cell.setdefault(finding.cell, []).append(finding)
    assert len(by_cell) < len(all_findings(results))  # L5 holds two warnings: one comment of two lines
    for ref, found in by_cell.items():
        cell = book["RTF"][ref]
        assert fill_of(cell) == FILL_COLOURS[max(f.severity for f in found)], ref
        assert cell.comment.author == AUTHOR
        assert cell.comment.text.splitlines() == [f"{f.code}: {shown(f)}" for f in found]
    assert fill_of(book["RTF"]["R3"]) == FILL_COLOURS[Severity.ERROR]
    assert fill_of(book["RTF"]["O4"]) == FILL_COLOURS[Severity.WARNING]
    untouched = [c for row in book["RTF"].iter_rows() for c in row if c.coordinate not in by_cell]
    assert not [c.coordinate for c in untouched if c.comment is not None or fill_of(c)]


def test_a_cell_with_an_error_and_a_warning_is_red(tmp_path: Path) -> None:
    source = write_xlsx(tmp_path, "RTF", [], filename="rtf.xlsx")
    findings = [
        Finding("ZIP-NOT-CALIFORNIA", Severity.WARNING, "a warning", sheet="RTF", row=2, column="Zip", cell="L2"),
        Finding("PHONE-INVALID", Severity.ERROR, "an error", sheet="RTF", row=2, column="Zip", cell="L2"),
        Finding("FILE-FORMAT", Severity.INFO, "a note", sheet="RTF", row=2, column="Zip", cell="M2"),
    ]
    write_annotated(source, [SheetResult(source, "RTF", "RTF", 0, findings)], tmp_path / "out.xlsx")

    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")["RTF"]
    assert fill_of(sheet["L2"]) == FILL_COLOURS[Severity.ERROR]
    assert sheet["L2"].comment.text == "ZIP-NOT-CALIFORNIA: a warning\nPHONE-INVALID: an error"
    assert fill_of(sheet["M2"]) == FILL_COLOURS[Severity.INFO]


def test_findings_sheet_has_a_row_and_a_working_link_per_finding(example: Path, tmp_path: Path) -> None:
    results, _ = annotate(example, tmp_path / "annotated.xlsx")

    book = openpyxl.load_workbook(tmp_path / "annotated.xlsx")
    sheet = book["Findings"]
    rows = table_rows(sheet)
    found = all_findings(results)
    assert list(rows[0]) == FINDINGS_HEADER
    assert len(rows) - 1 == len(found) == 26
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:H{len(found) + 1}"
    for number, (row, (title, finding)) in enumerate(zip(rows[1:], found, strict=True), start=2):
        assert row == (title, finding.row, finding.cell, finding.column, finding.severity.label, finding.code,
                       shown(finding), "Y" if finding.fixable else "N")
        link = sheet[f"C{number}"].hyperlink
        assert link.location == f"'RTF'!{finding.cell}"
        assert not link.target  # an internal link: no relationship to an outside file
        assert resolve(book, link.location).coordinate == finding.cell
    widths = [sheet.column_dimensions[chr(ord("A") + i)].width for i in range(len(FINDINGS_HEADER))]
    assert all(width > len(title) for width, title in zip(widths, FINDINGS_HEADER, strict=True))
    assert widths[FINDINGS_HEADER.index("Message")] == 100  # the longest messages: capped at a readable width


def test_summary_counts_by_rule_and_by_column(example: Path, tmp_path: Path) -> None:
    results, _ = annotate(example, tmp_path / "annotated.xlsx")

    tables = summary_tables(openpyxl.load_workbook(tmp_path / "annotated.xlsx")["Summary"])
    found = [f for _, f in all_findings(results)]
    by_rule = tables["Findings by rule"]
    assert {row[0]: row[1:] for row in by_rule} == {
        code: (get_rule(code).title,
               sum(1 for f in found if f.code == code and f.severity == Severity.ERROR),
               sum(1 for f in found if f.code == code and f.severity == Severity.WARNING),
               sum(1 for f in found if f.code == code))
        for code in {f.code for f in found}
    }
    assert [row[0] for row in by_rule[:3]] == ["DATE-FORMAT", "CODE-SPELLING", "RTF-R10"]  # found most often
    by_column = tables["Findings by column"]
    assert Counter({(row[0], row[1]): row[4] for row in by_column}) == Counter(
        ("RTF", f.column or NO_COLUMN) for f in found)
    assert by_column[0] == ("RTF", "Member Client Index Number (CIN)", 4, 0, 4)
    assert [row[4] for row in by_column] == sorted((row[4] for row in by_column), reverse=True)
    assert sum(row[4] for row in by_rule) == sum(row[4] for row in by_column) == len(found)


def test_the_input_is_unchanged(example: Path, tmp_path: Path) -> None:
    before = example.read_bytes(), example.stat().st_mtime_ns
    annotate(example, tmp_path / "annotated.xlsx")
    assert (example.read_bytes(), example.stat().st_mtime_ns) == before


# -- member values --------------------------------------------------------------------------------------------

def report_text(path: Path) -> str:
    """The text of the parts the report adds: the Findings and Summary sheets and the cell comments."""
    with zipfile.ZipFile(path) as archive:
        parts = [sheet_part(archive, "Findings"), sheet_part(archive, "Summary")]
        parts += [n for n in archive.namelist() if n.startswith("xl/comments")]
        assert all(parts) and len(parts) == 3
        return "\n".join("".join(ElementTree.fromstring(archive.read(str(p))).itertext()) for p in parts)


def member_values(source: Path, results: list[SheetResult]) -> set[str]:
    """CINs, names and every member value a finding holds; shorter values occur inside ordinary words."""
    sheet = openpyxl.load_workbook(source)["RTF"]
    names = [str(sheet[f"{column}{row}"].value).strip() for column in "CDE" for row in range(3, 16)]
    quoted = [f.value for _, f in all_findings(results) if f.member_data and f.value]
    return {value for value in names + quoted if len(value) >= 5}


def test_no_member_value_is_added_unless_asked(example: Path, tmp_path: Path) -> None:
    results, _ = annotate(example, tmp_path / "private.xlsx")
    values = member_values(example, results)
    assert {"90000002b", "Sampleton", "Frankie", "90000006F12026", "2 - Declined"} <= values

    assert not [v for v in values if v in report_text(tmp_path / "private.xlsx")]
    assert "11/03/2026" in report_text(tmp_path / "private.xlsx")  # the production date is not member data

    annotate(example, tmp_path / "shown.xlsx", show_values=True)
    shown = report_text(tmp_path / "shown.xlsx")
    assert "(found: '90000002b')" in shown
    assert "(found: '2 - Declined')" in shown


# -- what survives --------------------------------------------------------------------------------------------

def make_xlsm(path: Path, vba: bytes) -> Path:
    """A macro workbook as Excel stores one: the RTF example plus a vbaProject part, its content type and its
    relationship from the workbook."""
    openpyxl.load_workbook(EXAMPLES / "rtf_mistakes.xlsx").save(path)
    parts = entries(path)
    content_types = parts["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    ).replace(b"</Types>", b'<Override PartName="/xl/vbaProject.bin" '
                           b'ContentType="application/vnd.ms-office.vbaProject"/></Types>')
    rels = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        b'Target="vbaProject.bin"/></Relationships>',
    )
    rewrite_package(path, {"[Content_Types].xml": content_types, "xl/_rels/workbook.xml.rels": rels},
                    {"xl/vbaProject.bin": vba})
    return path


def content_type(types: bytes, part: str) -> str | None:
    """The content type a package gives a part: its Override, or else the Default for its extension."""
    namespace = "{http://schemas.openxmlformats.org/package/2006/content-types}"
    root = ElementTree.fromstring(types)
    for override in root.iter(f"{namespace}Override"):
        if override.get("PartName") == part:
            return override.get("ContentType")
    for default in root.iter(f"{namespace}Default"):
        if part.endswith("." + str(default.get("Extension"))):
            return default.get("ContentType")
    return None


def test_xlsm_keeps_its_macros(tmp_path: Path) -> None:
    vba = bytes(range(256)) * 64  # stands in for the compiled macros: must come through bit for bit
    source = make_xlsm(tmp_path / "rtf.xlsm", vba)

    results, losses = annotate(source, tmp_path / "annotated.xlsm")

    assert losses == []
    written = entries(tmp_path / "annotated.xlsm")
    assert written["xl/vbaProject.bin"] == vba
    assert content_type(written["[Content_Types].xml"], "/xl/workbook.xml") == \
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    assert content_type(written["[Content_Types].xml"], "/xl/vbaProject.bin") == "application/vnd.ms-office.vbaProject"
    assert b"relationships/vbaProject" in written["xl/_rels/workbook.xml.rels"]
    book = openpyxl.load_workbook(tmp_path / "annotated.xlsm", keep_vba=True)
    assert book.sheetnames == ["RTF", "Findings", "Summary"]
    assert all(book["RTF"][f.cell].comment for _, f in all_findings(results) if f.cell)


def test_formats_widths_and_rich_text_survive(example: Path, tmp_path: Path) -> None:
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    styled = openpyxl.load_workbook(example)
    sheet = styled["RTF"]
    sheet["A1"] = CellRichText(["RTF for ", TextBlock(InlineFont(b=True, color="FFC00000"), "October 2026")])
    for cell in sheet[2]:
        cell.font = openpyxl.styles.Font(bold=True, color="FF1F4E78")
    sheet["AF3"].number_format = "0.00"
    sheet["V4"].number_format = "@"
    sheet.column_dimensions["D"].width = 31.5
    sheet.row_dimensions[2].height = 42
    styled.save(example)

    results, _ = annotate(example, tmp_path / "annotated.xlsx")

    assert any(f.cell == "AQ2" for _, f in all_findings(results))  # a header cell gets a fill too
    out = openpyxl.load_workbook(tmp_path / "annotated.xlsx", rich_text=True)["RTF"]
    assert out["A1"].value == sheet["A1"].value
    assert out["AQ2"].font.b and out["AQ2"].font.color.rgb == "FF1F4E78"
    assert fill_of(out["AQ2"]) == FILL_COLOURS[Severity.WARNING]
    assert out["AF3"].number_format == "0.00"
    assert out["V4"].number_format == "@" and fill_of(out["V4"])
    assert out["F3"].value == dt.datetime(1980, 4, 12) and out["F3"].number_format == "mm/dd/yyyy"
    assert out.column_dimensions["C"].width == 32
    assert out.column_dimensions["D"].width == 31.5
    assert out.row_dimensions[2].height == 42


def test_a_note_already_on_a_cell_is_kept_and_merged_cells_annotate_their_anchor(tmp_path: Path) -> None:
    source = tmp_path / "rtf.xlsx"
    save_book(source, {"RTF": [column_names("RTF"), rtf_cells(acuity=None), rtf_cells(acuity=None)]})
    book = openpyxl.load_workbook(source)
    book["RTF"]["R2"].comment = openpyxl.comments.Comment("Asked the care manager", "Dana")
    book["RTF"].merge_cells("R3:S3")
    book.save(source)
    findings = [Finding("RTF-R4", Severity.ERROR, "blank acuity", sheet="RTF", row=row, cell=ref)
                for row, ref in ((2, "R2"), (3, "S3"))]

    write_annotated(source, [SheetResult(source, "RTF", "RTF", 2, findings)], tmp_path / "out.xlsx")

    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx")["RTF"]
    assert sheet["R2"].comment.text == "Asked the care manager\n\nRTF-R4: blank acuity"
    assert sheet["R3"].comment.text == "RTF-R4: blank acuity"
    assert fill_of(sheet["R3"]) == FILL_COLOURS[Severity.ERROR]
    assert openpyxl.load_workbook(tmp_path / "out.xlsx")["Findings"]["C3"].hyperlink.location == "'RTF'!S3"


# -- sheet names ------------------------------------------------------------------------------------------------

def test_a_sheet_name_with_a_space_and_an_apostrophe_gets_a_working_link(tmp_path: Path) -> None:
    title = "Bea's March RTF"
    source = save_book(tmp_path / "rtf.xlsx", {"Notes": [["see the RTF"]],
                                               title: [column_names("RTF"), rtf_cells(cin="91234567a")]})

    results, _ = annotate(source, tmp_path / "out.xlsx", as_of=dt.date(2026, 3, 5))  # rtf_cells: period 02/2026

    assert [(t, f.code, f.cell) for t, f in all_findings(results)] == [(title, "CIN-LOWERCASE", "C2")]
    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    location = book["Findings"]["C2"].hyperlink.location
    assert location == internal_link(title, "C2") == "'Bea''s March RTF'!C2"
    target = resolve(book, location)
    assert target.parent.title == title and target.comment.text.startswith("CIN-LOWERCASE: ")


def test_existing_findings_and_summary_sheets_are_kept_and_new_ones_named_apart(tmp_path: Path) -> None:
    source = save_book(tmp_path / "rtf.xlsx", {"RTF": [column_names("RTF"), rtf_cells(cin="91234567a")],
                                               "Findings": [["our own notes"]], "summary": [["totals"]],
                                               "Findings (2)": [["older notes"]]})

    annotate(source, tmp_path / "out.xlsx", as_of=AS_OF)

    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert book.sheetnames == ["RTF", "Findings", "summary", "Findings (2)", "Findings (3)", "Summary (2)"]
    assert book["Findings"]["A1"].value == "our own notes"
    assert book["Findings (3)"]["F2"].value == "CIN-LOWERCASE"
    assert book["Summary (2)"]["A3"].value == "CIN-LOWERCASE"


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    title = "=1+1"
    source = save_book(tmp_path / "rtf.xlsx", {title: [column_names("RTF"), rtf_cells(cin="91234567a")]})

    annotate(source, tmp_path / "out.xlsx", as_of=AS_OF)

    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert book["Findings"]["A2"].value == title and book["Findings"]["A2"].data_type == "s"
    assert book["Summary"].cell(row=book["Summary"].max_row, column=1).value == title


# -- what cannot be annotated, or not carried -----------------------------------------------------------------

@pytest.mark.parametrize(("name", "hint"), [("rtf.csv", "calaimfiles convert FILE --to xlsx"),
                                            ("rtf.xls", "save the file as .xlsx")])
def test_only_xlsx_and_xlsm_can_be_annotated(tmp_path: Path, name: str, hint: str) -> None:
    source = write_csv(tmp_path, "RTF", [], filename=name)
    with pytest.raises(OutputError, match=re.escape(hint)):
        write_annotated(source, [], tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_a_damaged_workbook_is_an_output_error(tmp_path: Path) -> None:
    source = tmp_path / "rtf.xlsx"
    source.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(OutputError, match="openpyxl cannot open the workbook"):
        write_annotated(source, [], tmp_path / "out.xlsx")


def x14_dropdown(sqref: str) -> bytes:
    """A drop-down list whose values live on another sheet, as Excel writes it (openpyxl cannot read these)."""
    return (
        b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        b'<x14:dataValidations count="2" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        + b"".join(b'<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>Lists!$A$1:$A$3</xm:f>'
                   b"</x14:formula1><xm:sqref>" + ref.encode() + b"</xm:sqref></x14:dataValidation>"
                   for ref in sqref.split())
        + b"</x14:dataValidations></ext></extLst>"
    )


def excel_drawing() -> bytes:
    """A drawing part as Excel writes it: the chart openpyxl placed (rId1), a picture and a text box."""
    def anchor(column: int, content: str) -> str:
        return (f"<xdr:twoCellAnchor><xdr:from><xdr:col>{column}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>8"
                f"</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>{column + 2}</xdr:col><xdr:colOff>"
                f"0</xdr:colOff><xdr:row>12</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>{content}<xdr:clientData/>"
                "</xdr:twoCellAnchor>")

    shape = '<xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/>'
    chart = ('<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="Chart 1"/>'
             '<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/>'
             '</xdr:xfrm><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
             '<c:chart r:id="rId1"/></a:graphicData></a:graphic></xdr:graphicFrame>')
    picture = ('<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="3" name="Logo"/><xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill>'
               '<a:blip r:embed="rIdLogo"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill>'
               f"{shape}</a:prstGeom></xdr:spPr></xdr:pic>")
    text_box = ('<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="4" name="Note"/><xdr:cNvSpPr txBox="1"/>'
                f"</xdr:nvSpPr>{shape}</a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr/><a:p><a:r><a:t>Send by the 10th"
                "</a:t></a:r></a:p></xdr:txBody></xdr:sp>")
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
            'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
            'xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f"{anchor(3, chart)}{anchor(6, picture)}{anchor(9, text_box)}</xdr:wsDr>").encode()


DATA_BARS = (b'<extLst><ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
             b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:conditionalFormattings/>'
             b"</ext></extLst>")

THREADED_COMMENTS = (
    b'<ThreadedComments xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
    b'<threadedComment ref="C2" dT="2026-04-01T10:00:00.00" personId="{00000000-0000-0000-0000-000000000001}" '
    b'id="{00000000-0000-0000-0000-0000000000A1}"><text>Is this the new CIN?</text></threadedComment>'
    b'<threadedComment ref="C2" dT="2026-04-02T10:00:00.00" personId="{00000000-0000-0000-0000-000000000002}" '
    b'id="{00000000-0000-0000-0000-0000000000A2}" parentId="{00000000-0000-0000-0000-0000000000A1}">'
    b"<text>Yes, from the plan</text></threadedComment></ThreadedComments>"
)


@pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl, reading the result, warns about what it drops
def test_what_openpyxl_cannot_carry_is_reported(tmp_path: Path) -> None:
    from openpyxl.chart import BarChart, Reference

    source = tmp_path / "template.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "RTF"
    sheet.append(column_names("RTF"))
    sheet.append(rtf_cells(cin="91234567a"))
    lists = book.create_sheet("Lists")
    for value in ("High", "Medium", "Low"):
        lists.append([value, 1])
    chart = BarChart()
    chart.add_data(Reference(lists, min_col=2, min_row=1, max_row=3))
    lists.add_chart(chart, "D2")
    book.save(source)
    parts = entries(source)
    rtf_part = "xl/worksheets/sheet1.xml"
    lists_part, drawing = "xl/worksheets/sheet2.xml", "xl/drawings/drawing1.xml"
    rewrite_package(source, {
        rtf_part: parts[rtf_part].replace(b"</worksheet>", x14_dropdown("R2:R500 O2:O500") + b"</worksheet>"),
        lists_part: parts[lists_part].replace(b"</worksheet>", DATA_BARS + b"</worksheet>"),
        drawing: excel_drawing(),
        "xl/drawings/_rels/drawing1.xml.rels": parts["xl/drawings/_rels/drawing1.xml.rels"].replace(
            b"</Relationships>", b'<Relationship Id="rIdLogo" Target="/xl/media/image1.png" Type="http://schemas.'
                                 b'openxmlformats.org/officeDocument/2006/relationships/image"/></Relationships>'),
    }, {"xl/media/image1.png": b"\x89PNG\r\n\x1a\n",  # not a readable picture: dropped even with Pillow
        "xl/threadedComments/threadedComment1.xml": THREADED_COMMENTS})

    _, losses = annotate(source, tmp_path / "out.xlsx", as_of=AS_OF)

    assert losses == [
        "the annotated copy drops 2 drop-down lists whose choices are on another sheet: openpyxl cannot read them",
        "the annotated copy drops newer Excel features (such as data bars, icon sets or sparklines) of sheet "
        "'Lists': openpyxl cannot carry them",
        "the annotated copy drops 1 image: openpyxl cannot carry them",
        "the annotated copy drops 1 shape or text box: openpyxl cannot carry them",
        "the annotated copy turns 2 threaded comments into plain notes: openpyxl keeps only their text",
        "the annotated copy redraws 1 chart: openpyxl keeps the data but may lose colours and formatting",
    ]
    assert openpyxl.load_workbook(tmp_path / "out.xlsx")["Findings"]["F2"].value == "CIN-LOWERCASE"
