"""A corpus of hostile and broken files, built in the test's folder, through every command that reads input:
each ends in exit code 2 and one line that says what is wrong, without a traceback, a hang or the machine's
memory. (Plain bad files through `validate` alone are covered in test_cli.py; this is the attacks' side.)"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from builders import column_names, csv_text, rtf_cells, save_book
from typer.testing import CliRunner, Result

from calaimfiles.commands import app
from calaimfiles.reading import limits
from calaimfiles.reading.workbook import ReadError, scan_sheet

AS_OF = "2026-03-05"


def good_rtf(path: Path) -> Path:
    return save_book(path, {"RTF": [column_names("RTF"), rtf_cells()]})


def repack(source: Path, target: Path, change: Callable[[str, bytes], bytes], *, extra: dict[str, bytes] | None = None,
           level: int | None = None) -> Path:
    """Copy a workbook package part by part, changing parts on the way (and adding `extra` ones)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as new:
        for info in old.infolist():
            new.writestr(info.filename, change(info.filename, old.read(info.filename)))
        for name, data in (extra or {}).items():
            new.writestr(name, data)
    return target


def sheet_xml(change: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes]:
    return lambda name, data: change(data) if name == "xl/worksheets/sheet1.xml" else data


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b"]>")


def entity_expansion(tmp_path: Path, part: str) -> Path:
    """The classic XML bomb in front of a workbook part: nine levels of ten entities each."""
    def change(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
        return BILLION_LAUGHS + body.replace(b"<t>Rivera</t>", b"<t>&lol9;</t>")
    return repack(good_rtf(tmp_path / "plain.xlsx"), tmp_path / "laughs.xlsx", change)


def zip_bomb(tmp_path: Path) -> Path:
    """A sheet padded with 8 MiB of blanks: it packs about a thousand times smaller than it unpacks."""
    padding = b" " * (8 << 20)
    return repack(good_rtf(tmp_path / "plain.xlsx"), tmp_path / "bomb.xlsx",
                  sheet_xml(lambda data: data.replace(b"<sheetData>", b"<sheetData>" + padding)), level=9)


def stray_far_cell(tmp_path: Path) -> Path:
    """One cell at XFD1048576 beside the data: a 17-billion-cell range for a reader that fills the range."""
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    return repack(good_rtf(tmp_path / "plain.xlsx"), tmp_path / "far.xlsx",
                  sheet_xml(lambda data: data.replace(b"</sheetData>", far)))


def beyond_excel_rows(tmp_path: Path) -> Path:
    far = b'<row r="2000000"><c r="A2000000"><v>1</v></c></row></sheetData>'
    return repack(good_rtf(tmp_path / "plain.xlsx"), tmp_path / "rows.xlsx",
                  sheet_xml(lambda data: data.replace(b"</sheetData>", far)))


def long_cell(tmp_path: Path) -> Path:
    """openpyxl cuts text at Excel's limit, so the long name goes into the XML itself."""
    return repack(good_rtf(tmp_path / "plain.xlsx"), tmp_path / "long.xlsx",
                  sheet_xml(lambda data: data.replace(b"<t>Rivera</t>", b"<t>%s</t>" % (b"x" * 40_000))))


def truncated(tmp_path: Path) -> Path:
    data = good_rtf(tmp_path / "plain.xlsx").read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


def not_a_workbook_zip(tmp_path: Path) -> Path:
    """A zip package of another kind (a word-processing document) under a workbook's name."""
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        package.writestr("word/document.xml", "<document/>")
    return path


def csv_under_xlsx_name(tmp_path: Path) -> Path:
    path = tmp_path / "export.xlsx"
    path.write_text(csv_text([column_names("RTF")]), encoding="utf-8")
    return path


def encrypted(tmp_path: Path) -> Path:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    path = tmp_path / "locked.xlsx"
    with good_rtf(tmp_path / "plain.xlsx").open("rb") as source, path.open("wb") as target:
        ooxml.OOXMLFile(source).encrypt("synthetic-password", target)
    return path


def broken_sheet_xml(tmp_path: Path) -> Path:
    return repack(good_rtf(tmp_path / "plain.xlsx"), tmp_path / "broken.xlsx",
                  sheet_xml(lambda data: data[: len(data) // 2]))


CORPUS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "truncated zip": (truncated, "truncated"),
    "zip of another kind": (not_a_workbook_zip, "not a readable workbook"),
    "csv named .xlsx": (csv_under_xlsx_name, "not an Excel workbook"),
    "zip bomb": (zip_bomb, "zip bomb"),
    "entity expansion in a sheet": (lambda p: entity_expansion(p, "xl/worksheets/sheet1.xml"), "DOCTYPE"),
    "entity expansion in workbook.xml": (lambda p: entity_expansion(p, "xl/workbook.xml"), "DOCTYPE"),
    "encrypted workbook": (encrypted, "password-protected (encrypted)"),
    "stray cell at XFD1048576": (stray_far_cell, "81,788,928 cells"),
    "rows beyond Excel's last": (beyond_excel_rows, "beyond row 1,048,576"),
    "cell longer than Excel allows": (long_cell, "32,767 characters"),
    "sheet XML cut in half": (broken_sheet_xml, "cannot be read"),
}


def commands(bad: Path, good: Path, out: Path) -> dict[str, list[str]]:
    """Every command that reads a file, with the bad file where it reads one."""
    return {
        "validate": ["validate", str(bad), "--as-of", AS_OF],
        "fix": ["fix", str(bad), "-o", str(out / f"fixed{bad.suffix}"), "--as-of", AS_OF],
        "convert": ["convert", str(bad), "--to", "csv", "-o", str(out / "out.csv")],
        "diff (old)": ["diff", str(bad), str(good)],
        "diff (new)": ["diff", str(good), str(bad), "--format", "json"],
        "build otf": ["build", "otf", "--from", str(bad), "-o", str(out / "otf.xlsx"), "--as-of", AS_OF],
    }


def assert_one_line(result: Result, *expected: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("calaimfiles: ") and "Traceback" not in result.stdout + result.stderr
    for text in expected:
        assert text in lines[0], lines[0]


@pytest.mark.parametrize("kind", CORPUS)
def test_every_command_refuses_a_hostile_file_in_one_line(tmp_path: Path, kind: str) -> None:
    make, reason = CORPUS[kind]
    (tmp_path / "made").mkdir()
    bad = make(tmp_path / "made")
    good = good_rtf(tmp_path / "good.xlsx")
    out = tmp_path / "out"
    out.mkdir()
    before = bad.read_bytes()
    for name, args in commands(bad, good, out).items():
        result = CliRunner().invoke(app, args)
        assert_one_line(result, bad.name, reason)
        assert list(out.iterdir()) == [], f"{name} left {list(out.iterdir())}"
    assert bad.read_bytes() == before


def test_the_mif_source_of_a_draft_is_checked_too(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["build", "rtf", "--from", str(zip_bomb(tmp_path)), "-o",
                                      str(tmp_path / "draft.xlsx")])
    assert_one_line(result, "bomb.xlsx", "zip bomb")
    assert not (tmp_path / "draft.xlsx").exists()


@pytest.mark.parametrize(("limit", "value", "reason"), [
    ("MAX_FILE_BYTES", 1000, "calaimfiles reads files up to 1,000 bytes"),
    ("MAX_PART_BYTES", 5000, "calaimfiles reads parts up to 4.9 KiB"),
    ("MAX_PACKAGE_BYTES", 12000, "calaimfiles reads workbooks up to 11.7 KiB unpacked"),
    ("MAX_PARTS", 5, "calaimfiles reads up to 5"),
])
def test_size_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: str, value: int, reason: str) -> None:
    """The real limits are gigabytes; lowered here so that a small workbook is over them."""
    path = good_rtf(tmp_path / "rtf.xlsx")
    monkeypatch.setattr(limits, limit, value)
    assert_one_line(CliRunner().invoke(app, ["validate", str(path)]), reason)


def test_far_rows_and_wide_columns_are_allowed_while_the_range_stays_small(tmp_path: Path) -> None:
    """Rows past 1,000,000 and columns past BZ are looked at closely; a range calamine would build in full is
    allowed while it is small or its cells pay for it, refused when a few stray cells make it huge."""
    cells = b'<row r="90000"><c r="A90000"><v>1</v></c></row>'
    path = repack(good_rtf(tmp_path / "plain.xlsx"), tmp_path / "tall.xlsx",
                  sheet_xml(lambda data: data.replace(b"</sheetData>", cells + b"</sheetData>")))
    scan_sheet(path, "RTF")  # 90,000 rows by 52 columns (the width class of AP): within the sparse allowance
    wide = b'<row r="50000"><c r="A50000"><v>1</v></c></row><row r="50001"><c r="CA50001"><v>2</v></c></row>'
    path = repack(good_rtf(tmp_path / "plain.xlsx"), tmp_path / "wide.xlsx",
                  sheet_xml(lambda data: data.replace(b"</sheetData>", wide + b"</sheetData>")))
    scan_sheet(path, "RTF")
    too_wide = repack(good_rtf(tmp_path / "plain.xlsx"), tmp_path / "too_wide.xlsx",
                      sheet_xml(lambda data: data.replace(b"</sheetData>", wide.replace(b"CA", b"XFA")
                                                          + b"</sheetData>")))
    with pytest.raises(ReadError, match="spans up to 50,001 rows by 16,381 columns"):
        scan_sheet(too_wide, "RTF")
    far = b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>'
    tall = repack(good_rtf(tmp_path / "plain.xlsx"), tmp_path / "far.xlsx",
                  sheet_xml(lambda data: data.replace(b"</sheetData>", far + b"</sheetData>")))
    with pytest.raises(ReadError, match=r"1,048,576 rows by 52 columns but holds only [0-9]+ values"):
        scan_sheet(tall, "RTF")


def test_cells_without_references_are_counted_as_the_reader_places_them(tmp_path: Path) -> None:
    """Cells without `r` sit one after another: a long run of them in a far row makes a huge range too."""
    run = b'<row r="1048000">' + b"<c><v>1</v></c>" * 200 + b"</row>"
    path = repack(good_rtf(tmp_path / "plain.xlsx"), tmp_path / "run.xlsx",
                  sheet_xml(lambda data: data.replace(b"</sheetData>", run + b"</sheetData>")))
    with pytest.raises(ReadError, match="spans up to 1,048,000 rows by 200 columns"):
        scan_sheet(path, "RTF")


def test_a_prolog_of_comments_cannot_hide_a_doctype(tmp_path: Path) -> None:
    comments = b"<!-- padding -->" * 5000  # longer than the part of the prolog that is read
    path = repack(good_rtf(tmp_path / "plain.xlsx"), tmp_path / "hidden.xlsx",
                  lambda name, data: comments + BILLION_LAUGHS + data if name == "xl/styles.xml" else data)
    assert_one_line(CliRunner().invoke(app, ["validate", str(path)]), "xl/styles.xml")


def test_utf16_parts_are_checked_too(tmp_path: Path) -> None:
    def to_utf16(name: str, data: bytes) -> bytes:
        if name != "xl/workbook.xml":
            return data
        return (BILLION_LAUGHS + data).decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode(
            "utf-16")
    path = repack(good_rtf(tmp_path / "plain.xlsx"), tmp_path / "wide.xlsx", to_utf16)
    assert_one_line(CliRunner().invoke(app, ["validate", str(path)]), "DOCTYPE")


def test_csv_with_bom_and_mixed_line_endings_is_read_row_by_row(tmp_path: Path) -> None:
    """Not an attack, but a file from many hands: \\r\\n, \\n and a lone \\r in one file, behind a BOM."""
    header = ",".join(column_names("MIF"))
    row = ",".join(["MCP1", "Example Health Plan", "91234567a"] + [""] * (len(column_names("MIF")) - 3))
    path = tmp_path / "mif.csv"
    path.write_bytes(b"\xef\xbb\xbf" + f"{header}\r\n{row}\n\n{row}\r{row}\r\n".encode())
    result = CliRunner().invoke(app, ["validate", str(path), "--format", "json", "--as-of", AS_OF])
    assert result.exit_code == 1, result.stderr
    cells = {f["cell"] for f in json.loads(result.stdout)["files"][0]["findings"]
             if f["code"] == "CIN-LOWERCASE"}
    assert cells == {"C2", "C4", "C5"}


def test_an_ordinary_zip_stream_error_is_one_line(tmp_path: Path) -> None:
    """A part whose packed bytes are damaged (the directory still intact) fails inside the unpacking."""
    path = good_rtf(tmp_path / "rtf.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as package:
        info = package.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start: start + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))
    assert_one_line(CliRunner().invoke(app, ["validate", str(path)]), "damaged")


def test_a_writer_that_puts_the_reference_last_is_measured_not_refused(tmp_path: Path) -> None:
    """Some writers put `r` after the style: such cells are counted exactly, and a far row alone is fine."""
    late = b'<row r="150000"><c s="0" r="AP150000"><v>1</v></c><c><v>2</v></c></row>'
    path = repack(good_rtf(tmp_path / "plain.xlsx"), tmp_path / "late.xlsx",
                  sheet_xml(lambda data: data.replace(b"</sheetData>", late + b"</sheetData>")))
    scan_sheet(path, "RTF")  # 150,000 rows by 43 columns, exactly: within the sparse allowance (52 would not be)
