"""A corpus of hostile files, as an attacker with a 10 MB upload budget would build them, and a way to run
calaimfiles on them in a child process measuring its peak memory.

Each case is a small function that writes one file (real workbooks written by openpyxl and then altered part by
part, OpenDocument and binary workbooks written record by record, CSV text) and says what calaimfiles must do
with it: refuse it in one line naming the reason, read it, or either. A synthetic member, MEMBER_NAME, sits in the
cells of every workbook, in the cells an attack puts a value into (a boolean or error cell holding a name), so
that a test can assert it never comes out where values must not: stderr, machine formats, the HTML report.

Used by tests/test_hostile_corpus.py (every case through `validate`, a representative subset through every
other command that reads a file) and by scripts/hostile_run.py (every case through every command, printing
exit code, stderr lines, peak memory and time). All data is synthetic.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from builders import column_names, rtf_cells, save_book

from calaimfiles.findings import column_letter

MEMBER_NAME = "Quillfeather"  # a synthetic last name, never to be shown outside the data (and the terminal)
MEMBER_FIRST = "Zanzibarra"
SHEET = "xl/worksheets/sheet1.xml"
GIB = 1 << 30


@dataclass(frozen=True)
class Case:
    """One hostile file: how to write it, and what calaimfiles must do with it (`refused`: True, exit 2 in one
    line holding `reason`; False, read like any file; None, either). `report_reason`: `validate --report x.xlsx`
    refuses it in one line holding this (what openpyxl, which writes the annotated copy, must not be given).
    `known_failure`: why the case does not hold yet (the runner shows it; the test leaves it out and says so)."""

    name: str
    build: Callable[[Path], Path]
    refused: bool | None
    reason: str = ""
    report_reason: str = ""
    known_failure: str = ""


# -- building blocks ----------------------------------------------------------------------------------------------

def base_workbook(path: Path, rows: int = 3) -> Path:
    """A real RTF workbook by openpyxl: header and a few rows of the synthetic member."""
    body = [rtf_cells(last_name=MEMBER_NAME, first_name=MEMBER_FIRST) for _ in range(rows)]
    return save_book(path, {"RTF": [column_names("RTF"), *body]})


def repack(source: Path, target: Path, change: Callable[[str, bytes], bytes | None],
           extra: Sequence[tuple[str, bytes]] = (), level: int = 6) -> Path:
    """Copy a package part by part, changing parts on the way (None drops one) and adding `extra` ones."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED,
                                                         compresslevel=level) as new:
        for info in old.infolist():
            data = change(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info.filename, data)
        for name, data in extra:
            new.writestr(name, data)
    return target


def altered(folder: Path, name: str, change: Callable[[str, bytes], bytes | None],
            extra: Sequence[tuple[str, bytes]] = (), level: int = 6) -> Path:
    return repack(base_workbook(folder / f"{name}.base.xlsx"), folder / f"{name}.xlsx", change, extra, level)


def in_part(part: str, change: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes]:
    return lambda name, data: change(data) if name == part else data


def before_sheet_end(xml: bytes) -> Callable[[str, bytes], bytes]:
    """Add rows at the end of the sheet's data."""
    return in_part(SHEET, lambda data: data.replace(b"</sheetData>", xml + b"</sheetData>"))


def replace_cell(cell: bytes) -> Callable[[str, bytes], bytes]:
    """Put `cell` in place of the member's last name in the first data row (column D)."""
    return in_part(SHEET, lambda data: _replace_first(data, b'<c r="D2"', cell))


def _replace_first(data: bytes, start: bytes, cell: bytes) -> bytes:
    at = data.index(start)
    end = data.index(b"</c>", at) + 4
    return data[:at] + cell + data[end:]


LAUGHS = (b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b"]>")


def without_declaration(data: bytes) -> bytes:
    return data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data


def with_doctype(data: bytes, doctype: bytes = LAUGHS, encoding: str | None = None) -> bytes:
    """The part with a DOCTYPE after its declaration (and `&lol9;` in its first text, if it has any)."""
    body = without_declaration(data)
    declaration = b'<?xml version="1.0" encoding="%s"?>' % (encoding or "UTF-8").encode()
    text = declaration + doctype + body
    return text.replace(b"<t>", b"<t>&lol9;", 1)


def dense_rows(first: int, count: int) -> bytes:
    """`count` rows of real values, 20 columns each, from row `first`."""
    cells = b"".join(b'<c r="%s%%d"><v>%d</v></c>' % (letter.encode(), n)
                     for n, letter in enumerate("ABCDEFGHIJKLMNOPQRST"))
    return b"".join(b'<row r="%d">' % r + cells.replace(b"%d", b"%d" % r) + b"</row>"
                    for r in range(first, first + count))


# -- xlsx ---------------------------------------------------------------------------------------------------------

def far_cell(reference: bytes, row: int) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        cell = b'<row r="%d"><c r="%s"><v>1</v></c></row>' % (row, reference)
        return altered(folder, f"far_{reference.decode()}", before_sheet_end(cell))
    return build


def far_cell_quoted(quoted: bytes, stem: str) -> Callable[[Path], Path]:
    """A far cell whose attributes are written as XML allows but Excel never does (single quotes, spaces around
    `=`): the reader reads them, so the guards must not look past them."""
    def build(folder: Path) -> Path:
        return altered(folder, stem, before_sheet_end(quoted))
    return build


def loose_marks_in_text(folder: Path) -> Path:
    """A sound sheet whose text and formula hold what loosely written attributes look like (`='`, ` = `): read as
    any other."""
    formula = b"<c r=\"B3\" t=\"str\"><f>IF(A1='Sheet 2'!B1, \"a = b\", \"c\")</f><v>c</v></c>"
    return altered(folder, "loose_marks", in_part(SHEET, lambda data: _replace_first(
        data.replace(b"<t>" + MEMBER_FIRST.encode() + b"</t>", b"<t>x = 'y'</t>", 1), b'<c r="B3"', formula)))


def far_cell_out_of_order(folder: Path) -> Path:
    """A cell at BZ999999 inside row 2, written before the rows that follow: the last row seen is 4."""
    return altered(folder, "far_out_of_order", in_part(SHEET, lambda data: data.replace(
        b'<c r="A2"', b'<c r="BZ999999"><v>1</v></c><c r="A2"', 1)))


def far_cell_after_real_rows(folder: Path) -> Path:
    """45,000 rows of real values (a sheet large enough to be read in pieces), then one cell at BZ1048576."""
    return altered(folder, "far_after_rows", before_sheet_end(
        dense_rows(10, 45_000) + b'<row r="1048576"><c r="BZ1048576"><v>1</v></c></row>'))


def far_cell_behind_another_namespace(folder: Path) -> Path:
    """The sheet's relationship id under a prefix bound to another namespace (calamine reads it by its prefix),
    and a cell at BZ1048576: the checks must find the same sheet part as the reader."""
    def change(name: str, data: bytes) -> bytes:
        if name == "xl/workbook.xml":
            return data.replace(b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"',
                                b'xmlns:r="urn:x-elsewhere"')
        if name == SHEET:
            return data.replace(b"</sheetData>", b'<row r="1048576"><c r="BZ1048576"><v>1</v></c></row></sheetData>')
        return data
    return altered(folder, "far_namespace", change)


def valueless_far_cell(folder: Path) -> Path:
    return altered(folder, "valueless_far", before_sheet_end(b'<row r="1048576"><c r="BZ1048576" s="0"/></row>'))


def huge_dimension(folder: Path) -> Path:
    return altered(folder, "dimension", in_part(SHEET, lambda data: data.replace(
        b'<dimension ref="A1:AP4" />', b'<dimension ref="A1:XFD1048576" />')))


def unreferenced_far_run(folder: Path) -> Path:
    run = b'<row r="1048000">' + b"<c><v>1</v></c>" * 200 + b"</row>"
    return altered(folder, "unreferenced", before_sheet_end(run))


def rows_beyond_excel(folder: Path) -> Path:
    return altered(folder, "beyond", before_sheet_end(b'<row r="2000000"><c r="A2000000"><v>1</v></c></row>'))


def zip_bomb(folder: Path) -> Path:
    padding = b" " * (64 << 20)
    return altered(folder, "bomb", in_part(SHEET, lambda data: data.replace(b"<sheetData>",
                                                                           b"<sheetData>" + padding)), level=9)


def many_parts(folder: Path) -> Path:
    return altered(folder, "parts", lambda name, data: data,
                   extra=[(f"xl/media/junk{n}.bin", b"x") for n in range(10_001)])


def workbook_junk_elements(folder: Path) -> Path:
    """xl/workbook.xml padded with three million empty elements of changing names (so that it packs within the
    zip-bomb ratio): a few MB on disk, a tree of gigabytes for a parser that builds one."""
    junk = b"".join(b"<a%x/>" % n for n in range(3_000_000))
    return altered(folder, "workbook_junk", in_part("xl/workbook.xml", lambda data: data.replace(
        b"<sheets>", junk + b"<sheets>")))


def workbook_deep_nesting(folder: Path) -> Path:
    """xl/workbook.xml with 400,000 nested elements inside it (within the size of a workbook description)."""
    names = [b"n%x" % n for n in range(400_000)]  # names of their own, so that the part packs as real text does
    nested = b"".join(b"<%s>" % name for name in names) + b"".join(b"</%s>" % name for name in reversed(names))
    return altered(folder, "workbook_deep", in_part("xl/workbook.xml", lambda data: data.replace(
        b"<sheets>", nested + b"<sheets>")))


def deep_nesting_in_sheet(folder: Path) -> Path:
    names = [b"n%x" % n for n in range(200_000)]
    nested = b"".join(b"<%s>" % name for name in names) + b"".join(b"</%s>" % name for name in reversed(names))
    return altered(folder, "sheet_deep", before_sheet_end(
        b'<row r="10"><c r="A10" t="inlineStr"><is>' + nested + b"<t>1</t></is></c></row>"))


def many_sheets(count: int, rows: bytes = b"", stem: str = "sheets") -> Callable[[Path], Path]:
    """A workbook of `count` sheets, each its own part: the first the base workbook's, the others empty but for
    `rows`."""
    def build(folder: Path) -> Path:
        source = base_workbook(folder / f"{stem}{count}.base.xlsx")
        with zipfile.ZipFile(source) as old:
            sheet = old.read(SHEET)
            rels = old.read("xl/_rels/workbook.xml.rels")
            book = old.read("xl/workbook.xml")
            types = old.read("[Content_Types].xml")
        names = [f"S{n}" for n in range(2, count + 1)]
        book = book.replace(b"</sheets>", b"".join(
            b'<sheet name="%s" sheetId="%d" r:id="rIdS%d"/>' % (name.encode(), n, n)
            for n, name in enumerate(names, start=2)) + b"</sheets>")
        if b'xmlns:r=' not in book:
            book = book.replace(b"<workbook ", b'<workbook xmlns:r="http://schemas.openxmlformats.org/'
                                b'officeDocument/2006/relationships" ', 1)
        rels = rels.replace(b"</Relationships>", b"".join(
            b'<Relationship Id="rIdS%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'worksheet" Target="worksheets/s%d.xml"/>' % (n, n) for n in range(2, count + 1)) + b"</Relationships>")
        types = types.replace(b"</Types>", b"".join(
            b'<Override PartName="/xl/worksheets/s%d.xml" ContentType="application/vnd.openxmlformats-officedocument'
            b'.spreadsheetml.worksheet+xml"/>' % n for n in range(2, count + 1)) + b"</Types>")
        changes = {"xl/workbook.xml": book, "xl/_rels/workbook.xml.rels": rels, "[Content_Types].xml": types}
        other = sheet[: sheet.index(b"<sheetData>")] + b"<sheetData>" + rows + b"</sheetData></worksheet>"
        return repack(source, folder / f"{stem}{count}.xlsx", lambda name, data: changes.get(name, data),
                      extra=[(f"xl/worksheets/s{n}.xml", other) for n in range(2, count + 1)])
    return build


def doctype_in(part: str, doctype: bytes = LAUGHS) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        stem = "dtd_" + part.replace("/", "_").replace(".", "_")
        return altered(folder, stem, in_part(part, lambda data: with_doctype(data, doctype)))
    return build


def utf16_part(part: str, encoding: str, doctype: bool = True) -> Callable[[Path], Path]:
    """The part written in UTF-16 (`utf-16-le`/`utf-16-be` without a byte-order mark, `utf-16` with one), with
    the billion laughs inside when `doctype`."""
    def build(folder: Path) -> Path:
        def change(data: bytes) -> bytes:
            text = with_doctype(data, encoding="UTF-16") if doctype else data.replace(
                b'encoding="UTF-8"', b'encoding="UTF-16"')
            return text.decode("utf-8").encode(encoding)
        stem = f"utf16_{part.replace('/', '_').replace('.', '_')}_{encoding}"
        return altered(folder, stem, in_part(part, change))
    return build


def declared_encoding(folder: Path) -> Path:
    """A part that says it is UTF-7, in which `+ADw-` is a `<`: a DOCTYPE a byte search would never see."""
    return altered(folder, "utf7", in_part("xl/styles.xml", lambda data: b'<?xml version="1.0" encoding="UTF-7"?>'
                                           + without_declaration(data)))


def long_prolog(folder: Path) -> Path:
    return altered(folder, "prolog", in_part("xl/styles.xml", lambda data: b"<!-- padding -->" * 5000
                                             + with_doctype(data)))


def long_cell(folder: Path) -> Path:
    return altered(folder, "long_cell", in_part(SHEET, lambda data: data.replace(
        b"<t>" + MEMBER_NAME.encode() + b"</t>", b"<t>" + b"x" * 40_000 + b"</t>", 1)))


def huge_shared_strings(folder: Path) -> Path:
    """Two million distinct short strings in the shared strings, which no cell uses."""
    strings = b"".join(b"<si><t>%x</t></si>" % n for n in range(2_000_000))
    sst = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
           b'2006/main" count="2000000" uniqueCount="2000000">' + strings + b"</sst>")
    return _with_shared_strings(folder, "sst_huge", sst)


def _with_shared_strings(folder: Path, stem: str, sst: bytes) -> Path:
    relation = (b'<Relationship Id="rIdSst" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                b'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    override = (b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                b'officedocument.spreadsheetml.sharedStrings+xml"/></Types>')

    def change(name: str, data: bytes) -> bytes | None:
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(b"</Relationships>", relation)
        if name == "[Content_Types].xml":
            return data.replace(b"</Types>", override)
        return None if name == "xl/sharedStrings.xml" else data

    return altered(folder, stem, change, extra=[("xl/sharedStrings.xml", sst)])


def shared_string_repeated(prefix: bytes = b"", index: int = 0) -> Callable[[Path], Path]:
    """One shared string of 30,000 characters in 20,000 cells: 100 KB packed, and calamine makes a copy for every
    cell (600 MB). With `prefix`, the shared strings' elements carry it (`<x:si>`), as calamine reads them too.
    With `index` 1 the cells hold a short string instead, and the long one sits unused: a real file's long note."""
    def build(folder: Path) -> Path:
        declared = b":" + prefix[:-1] if prefix else b""
        sst = (b'<?xml version="1.0" encoding="UTF-8"?><%ssst xmlns%s="http://schemas.openxmlformats.org/'
               b'spreadsheetml/2006/main" count="20000" uniqueCount="2"><%ssi><%st>' % (prefix, declared, prefix,
                                                                                       prefix)
               + b"Q" * 30_000 + b"</%st></%ssi><%ssi><%st>Enrolled</%st></%ssi></%ssst>" % ((prefix,) * 7))
        cells = b"".join(b'<row r="%d">' % r + b"".join(b'<c r="%s%d" t="s"><v>%d</v></c>' % (letter, r, index)
                                                          for letter in (b"A", b"B", b"C", b"D")) + b"</row>"
                         for r in range(3, 5_003))
        stem = f"sst_repeated{prefix.decode().strip(':')}{index}"
        path = _with_shared_strings(folder, stem, sst)
        return repack(path, folder / f"{stem}_cells.xlsx", before_sheet_end(cells))
    return build


def shared_strings_by_their_usual_name(benign_related: bool) -> Callable[[Path], Path]:
    """The long shared string of `shared_string_repeated` in `xl/sharedStrings.xml`, which calamine reads by that
    name whatever the relationships say: with no relationship to it, or with one to a harmless part elsewhere."""
    def build(folder: Path) -> Path:
        stem = "sst_related_elsewhere" if benign_related else "sst_unrelated"
        hostile = shared_string_repeated()(folder)
        harmless = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>ok</t></si></sst>')

        def change(name: str, data: bytes) -> bytes:
            if name == "xl/_rels/workbook.xml.rels":
                return data.replace(b'Target="sharedStrings.xml"', b'Target="elsewhere.xml"' if benign_related
                                    else b'Target="sharedStrings.xml" TargetMode="Ignored"').replace(
                    b'relationships/sharedStrings"', b'relationships/sharedStrings"' if benign_related
                    else b'relationships/unknown"')
            return data

        return repack(hostile, folder / f"{stem}.xlsx", change,
                      extra=[("xl/elsewhere.xml", harmless)] if benign_related else ())
    return build


def dense_values(folder: Path) -> Path:
    """4.2 million one-digit values without references, 50 a row: about 400 KB packed, 75 bytes each in memory."""
    row = b"<c><v>1</v></c>" * 50
    rows = b"".join(b'<row r="%d">%s</row>' % (r, row) for r in range(3, 84_003))
    return altered(folder, "dense_values", before_sheet_end(rows))


def merged_everything(folder: Path) -> Path:
    return altered(folder, "merged", in_part(SHEET, lambda data: data.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A10:XFD1048576"/></mergeCells>')))


def hyperlink_everything(folder: Path) -> Path:
    link = (b'<hyperlinks><hyperlink ref="A10:XFD1048576" location="\'RTF\'!A1" display="x"/></hyperlinks>')
    return altered(folder, "hyperlink", in_part(SHEET, lambda data: _after_sheet_data(data, link)))


def validation_everything(folder: Path) -> Path:
    rule = (b'<dataValidations count="1"><dataValidation type="list" allowBlank="1" sqref="A1:XFD1048576">'
            b'<formula1>"Y,N"</formula1></dataValidation></dataValidations>')
    return altered(folder, "validation", in_part(SHEET, lambda data: _after_sheet_data(data, rule)))


def garbage_rows(folder: Path) -> Path:
    """80,000 rows of `x` in every one of the RTF's columns, packed to under 10 MB: some 2.6 million findings
    (every cell is wrong), which once were all kept and written as one document."""
    letters = [column_letter(n) for n in range(len(column_names("RTF")))]
    cells = b"".join(b'<c r="%s#" t="inlineStr"><is><t>x</t></is></c>' % letter.encode() for letter in letters)

    def flood(data: bytes) -> bytes:
        header_end = data.index(b"</row>") + len(b"</row>")
        rows = b"".join(b'<row r="%d">' % n + cells.replace(b"#", b"%d" % n) + b"</row>" for n in range(2, 80_002))
        return data[:header_end] + rows + data[data.index(b"</sheetData>"):]
    return altered(folder, "garbage", in_part(SHEET, flood), level=9)


def _after_sheet_data(data: bytes, xml: bytes) -> bytes:
    at = data.index(b"</sheetData>") + len(b"</sheetData>")
    return data[:at] + xml + data[at:]


def styles_bloat(folder: Path) -> Path:
    """Five MB of cell formats, as workbooks copied between many others collect them."""
    formats = b"".join(b'<xf numFmtId="%d" fontId="0" fillId="0" borderId="0" xfId="%d"/>' % (n % 164, n)
                       for n in range(80_000))
    return altered(folder, "styles", in_part("xl/styles.xml", lambda data: data.replace(
        b"</cellXfs>", formats + b"</cellXfs>")))


def formula_injection(folder: Path) -> Path:
    """Text that a spreadsheet would run, in text cells (put into the XML: openpyxl would store it as formulas),
    and a real formula."""
    texts = ["=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-1+1", '=HYPERLINK("http://x.invalid")']
    body = [rtf_cells(last_name=MEMBER_NAME, first_name=f"INJECT{n}") for n in range(len(texts))]
    path = save_book(folder / "formulas.base.xlsx", {"RTF": [column_names("RTF"), *body]})
    formula = b'<c r="B3" t="str"><f>HYPERLINK("http://x.invalid","x")</f><v>x</v></c>'

    def change(data: bytes) -> bytes:
        for n, text in enumerate(texts):
            escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            data = data.replace(b"<t>INJECT%d</t>" % n, b"<t>" + escaped.encode() + b"</t>")
        return _replace_first(data, b'<c r="B3"', formula)

    return repack(path, folder / "formulas.xlsx", in_part(SHEET, change))


def typed_cell(kind: str) -> Callable[[Path], Path]:
    """The member's name in a cell stored as boolean, error, number, date or a shared string out of range."""
    cells = {
        "b": b'<c r="D2" t="b"><v>%s</v></c>',
        "e": b'<c r="D2" t="e"><v>%s</v></c>',
        "n": b'<c r="D2"><v>%s</v></c>',
        "tn": b'<c r="D2" t="n"><v>%s</v></c>',
        "d": b'<c r="D2" t="d"><v>%s</v></c>',
        "s": b'<c r="D2" t="s"><v>99999</v></c>',
    }

    def build(folder: Path) -> Path:
        cell = cells[kind] % MEMBER_NAME.encode() if b"%s" in cells[kind] else cells[kind]
        return altered(folder, f"typed_{kind}", replace_cell(cell))
    return build


def truncated(folder: Path) -> Path:
    data = base_workbook(folder / "cut.base.xlsx").read_bytes()
    path = folder / "cut.xlsx"
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


# -- ods ----------------------------------------------------------------------------------------------------------

_ODS_MANIFEST = (b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:'
                 b'opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path='
                 b'"/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
                 b'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')


def ods_cell(text: str, repeat: int = 1) -> str:
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell office:value-type="string"{repeated}><text:p>{text}</text:p></table:table-cell>'


def ods_header() -> str:
    return "<table:table-row>" + "".join(ods_cell(name) for name in column_names("RTF")) + "</table:table-row>"


def write_ods(path: Path, rows: str, prolog: bytes = b"", encoding: str = "utf-8") -> Path:
    content = ('<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               f'<office:spreadsheet><table:table table:name="RTF">{rows}</table:table></office:spreadsheet>'
               "</office:body></office:document-content>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        package.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        declaration = f'<?xml version="1.0" encoding="{encoding.upper().removesuffix("-LE")}"?>'
        package.writestr("content.xml", (declaration.encode() + prolog).decode() .encode(encoding)
                         + content.encode(encoding))
    return path


def ods_rows_repeated(folder: Path) -> Path:
    """A row of 78 copies of one value, repeated 300,000 times: under a kilobyte, 23 million cells."""
    row = f'<table:table-row table:number-rows-repeated="300000">{ods_cell(MEMBER_NAME, 78)}</table:table-row>'
    return write_ods(folder / "ods_rows.ods", ods_header() + row)


def ods_rows_repeated_quoted(folder: Path) -> Path:
    """ods_rows_repeated with its repeats in single quotes, which calamine reads as well."""
    cell = ods_cell(MEMBER_NAME, 78).replace('number-columns-repeated="78"', "number-columns-repeated='78'")
    row = f"<table:table-row table:number-rows-repeated='300000'>{cell}</table:table-row>"
    return write_ods(folder / "ods_rows_quoted.ods", ods_header() + row)


def ods_text_repeated(folder: Path) -> Path:
    """A cell of 30,000 characters repeated on 78 columns and 200 rows: 1.4 KB, and calamine builds 470 MB."""
    row = f'<table:table-row table:number-rows-repeated="200">{ods_cell("Q" * 30_000, 78)}</table:table-row>'
    return write_ods(folder / "ods_text.ods", ods_header() + row)


def ods_columns_repeated(folder: Path) -> Path:
    row = f'<table:table-row table:number-rows-repeated="1000">{ods_cell("x", 16384)}</table:table-row>'
    return write_ods(folder / "ods_columns.ods", ods_header() + row)


def ods_libreoffice_padding(folder: Path) -> Path:
    """How LibreOffice ends every table: empty rows and cells repeated to the end of the grid. Read normally."""
    data = "<table:table-row>" + "".join(ods_cell(str(v)) for v in rtf_cells(last_name=MEMBER_NAME)) + \
        '<table:table-cell table:number-columns-repeated="16300"/></table:table-row>'
    pad = ('<table:table-row table:number-rows-repeated="1048574"><table:table-cell '
           'table:number-columns-repeated="16384"/></table:table-row>')
    return write_ods(folder / "ods_padding.ods", ods_header() + data + pad)


def ods_doctype(folder: Path) -> Path:
    return write_ods(folder / "ods_dtd.ods", ods_header(), prolog=LAUGHS)


def ods_utf16(folder: Path) -> Path:
    row = f'<table:table-row table:number-rows-repeated="300000">{ods_cell("x", 78)}</table:table-row>'
    return write_ods(folder / "ods_utf16.ods", ods_header() + row, encoding="utf-16-le")


# -- xlsb: records written by hand (MS-XLSB) ----------------------------------------------------------------------

def _record(kind: int, data: bytes = b"") -> bytes:
    def varint(value: int, limit: int) -> bytes:
        out = bytearray()
        for _ in range(limit):
            byte = value & 0x7F
            value >>= 7
            out.append(byte | (0x80 if value else 0))
            if not value:
                break
        return bytes(out)
    return varint(kind, 2) + varint(len(data), 4) + data


def _wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def write_xlsb(path: Path, cells: Sequence[tuple[int, int, bytes]], strings: Sequence[str] = ()) -> Path:
    """A binary workbook of one sheet `RTF`: cells are (row, column, record): `xlsb_text`, `xlsb_number`..."""
    sheet = bytearray(_record(0x0081) + _record(0x0094, struct.pack("<IIII", 0, 0, 0, 0)) + _record(0x0091))
    row = -1
    for r, _, record in sorted(cells, key=lambda cell: cell[:2]):
        if r != row:
            sheet += _record(0x0000, struct.pack("<IIHBBBI", r, 0, 300, 0, 0, 0, 0))
            row = r
        sheet += record
    sheet += _record(0x0092) + _record(0x0082)
    book = (_record(0x0083) + _record(0x0099, b"\x00" * 4 + b"\x00" * 4 + _wide("")) + _record(0x008F)
            + _record(0x009C, struct.pack("<II", 0, 1) + _wide("rId1") + _wide("RTF")) + _record(0x0090)
            + _record(0x0084))
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rels = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.bin"/>'
            + (f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.bin"/>' if strings else "")
            + "</Relationships>")
    root_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 f'package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
                 'Target="xl/workbook.bin"/></Relationships>')
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             'content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macro'
             'Enabled.main"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Override PartName="/xl/workbook.bin" ContentType="application/vnd.ms-excel.'
             'sheet.binary.macroEnabled.main"/><Override PartName="/xl/worksheets/sheet1.bin" ContentType='
             '"application/vnd.ms-excel.worksheet"/></Types>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", types)
        package.writestr("_rels/.rels", root_rels)
        package.writestr("xl/workbook.bin", book)
        package.writestr("xl/_rels/workbook.bin.rels", rels)
        package.writestr("xl/worksheets/sheet1.bin", bytes(sheet))
        if strings:
            sst = _record(0x009F, struct.pack("<II", len(strings), len(strings)))
            sst += b"".join(_record(0x0013, b"\x00" + _wide(text)) for text in strings) + _record(0x00A0)
            package.writestr("xl/sharedStrings.bin", sst)
    return path


def xlsb_text(row: int, column: int, text: str) -> tuple[int, int, bytes]:
    return row, column, _record(0x0006, struct.pack("<II", column, 0) + _wide(text))


def xlsb_number(row: int, column: int, value: float) -> tuple[int, int, bytes]:
    return row, column, _record(0x0005, struct.pack("<IId", column, 0, value))


def xlsb_shared(row: int, column: int, index: int) -> tuple[int, int, bytes]:
    return row, column, _record(0x0007, struct.pack("<III", column, 0, index))


def _xlsb_rtf(extra: Sequence[tuple[int, int, bytes]], stem: str, folder: Path,
              strings: Sequence[str] = ()) -> Path:
    header = [xlsb_text(0, c, name) for c, name in enumerate(column_names("RTF"))]
    row = [xlsb_text(1, c, str(v)) for c, v in enumerate(rtf_cells(last_name=MEMBER_NAME)) if str(v)]
    return write_xlsb(folder / f"{stem}.xlsb", [*header, *row, *extra], strings)


def xlsb_far_cell(folder: Path) -> Path:
    return _xlsb_rtf([xlsb_number(1_048_575, 77, 1.0)], "xlsb_far", folder)


def xlsb_far_column(folder: Path) -> Path:
    """A column number no grid has (calamine takes any 32-bit number)."""
    return _xlsb_rtf([xlsb_number(5, 4_000_000_000, 1.0)], "xlsb_column", folder)


def xlsb_plain(folder: Path) -> Path:
    return _xlsb_rtf([], "xlsb_plain", folder)


def xlsb_shared_repeated(folder: Path) -> Path:
    """One shared string of 30,000 characters in 20,000 cells: 7 KB, and 600 MB in calamine."""
    cells = [xlsb_shared(2 + n // 40, n % 40, 0) for n in range(20_000)]
    return _xlsb_rtf(cells, "xlsb_repeated", folder, strings=["Q" * 30_000])


def xlsb_shared_out_of_range(folder: Path) -> Path:
    return _xlsb_rtf([xlsb_shared(2, 3, 99_999)], "xlsb_sst", folder, strings=[MEMBER_NAME])


# -- xls: BIFF8 records in a compound file, written by hand (MS-XLS, MS-CFB) ----------------------------------------

def _biff(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _biff_bof(kind: int) -> bytes:
    return _biff(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x0006))


def xls_number(row: int, column: int, value: float) -> bytes:
    return _biff(0x0203, struct.pack("<HHHd", row, column, 0, value))


def xls_text(row: int, column: int, text: str) -> bytes:
    return _biff(0x0204, struct.pack("<HHHHB", row, column, 0, len(text), 1) + text.encode("utf-16-le"))


def xls_shared(row: int, column: int, index: int) -> bytes:
    return _biff(0x00FD, struct.pack("<HHHI", row, column, 0, index))


def biff_workbook(cells: Sequence[bytes], name: str = "RTF") -> bytes:
    """The workbook stream: globals (one sheet) and the sheet's substream with these cell records."""
    eof = _biff(0x000A)
    sheet_at = len(_biff_bof(0x0005)) + 4 + 8 + len(name) + len(eof)
    book = _biff_bof(0x0005) + _biff(0x0085, struct.pack("<IBBBB", sheet_at, 0, 0, len(name), 0) + name.encode())
    return book + eof + _biff_bof(0x0010) + _biff(0x0200, struct.pack("<IIHHH", 0, 1, 0, 1, 0)) + b"".join(cells) + eof


def compound_file(stream: bytes, name: str = "Workbook") -> bytes:
    """A compound file of 512-byte sectors holding one stream (of up to 60 KB: one sector of allocation table);
    a stream under 4,096 bytes goes, as the format wants, into the mini stream (64-byte sectors inside the root
    entry's stream)."""
    free, end, fat_mark = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD

    def padded(data: bytes, size: int) -> bytes:
        return data + b"\0" * (-len(data) % size)

    def entry(title: str, kind: int, start: int, size: int, child: int = free) -> bytes:
        encoded = (title + "\0").encode("utf-16-le")
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1)
                + struct.pack("<III", free, free, child) + b"\0" * 36 + struct.pack("<IQ", start, size))

    mini = len(stream) < 4096
    body = padded(padded(stream, 64) if mini else stream, 512)
    count = len(body) // 512
    chain = [*range(1, count), end]
    mini_fat_at, fat_at, directory_at = count, count + (1 if mini else 0), count + (2 if mini else 1)
    sectors = body
    if mini:
        mini_count = len(padded(stream, 64)) // 64
        sectors += padded(struct.pack(f"<{mini_count}I", *range(1, mini_count), end), 512)
        chain.append(end)
    fat = [*chain, fat_mark, end]
    assert len(fat) <= 128, "the stream is too large for this writer"
    sectors += struct.pack("<128I", *fat, *[free] * (128 - len(fat)))
    root = entry("Root Entry", 5, 0 if mini else end, len(body) if mini else 0, child=1)
    sectors += root + entry(name, 2, 0, len(stream)) + b"\0" * 256
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
              + b"\0" * 6 + struct.pack("<IIIIIIIII", 0, 1, directory_at, 0, 4096, mini_fat_at if mini else end,
                                        1 if mini else 0, end, 0)
              + struct.pack("<109I", fat_at, *[free] * 108))
    return header + sectors


def write_xls(path: Path, cells: Sequence[bytes]) -> Path:
    path.write_bytes(compound_file(biff_workbook(cells)))
    return path


def _xls_rtf(extra: Sequence[bytes], stem: str, folder: Path, body: bool = True) -> Path:
    header = [xls_text(0, c, name) for c, name in enumerate(column_names("RTF"))]
    row = [xls_text(1, c, str(v)) for c, v in enumerate(rtf_cells(last_name=MEMBER_NAME)) if str(v) and body]
    return write_xls(folder / f"{stem}.xls", [*header, *row, *extra])


def xls_plain(folder: Path) -> Path:
    return _xls_rtf([], "xls_plain", folder)


def xls_far_cell(folder: Path) -> Path:
    """A cell at IV65536, the corner of the old grid: 16.7 million cells (a gigabyte in calamine)."""
    return _xls_rtf([xls_number(65_535, 255, 1.0)], "xls_far", folder)


def xls_far_column(folder: Path) -> Path:
    """Column 65,536 (a record can name it; calamine then cannot allocate the range and aborts the process)."""
    return _xls_rtf([xls_number(65_535, 65_535, 1.0)], "xls_column", folder)


def xls_shared_out_of_range(folder: Path) -> Path:
    return _xls_rtf([xls_shared(2, 3, 99_999)], "xls_sst", folder)


# -- csv ----------------------------------------------------------------------------------------------------------

def csv_header() -> str:
    return ",".join(column_names("RTF")) + "\n"


def csv_member_row() -> str:
    return ",".join(str(v) for v in rtf_cells(last_name=MEMBER_NAME, first_name=MEMBER_FIRST)) + "\n"


def csv_file(stem: str, text: Callable[[], str | bytes]) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        path = folder / f"{stem}.csv"
        content = text()
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path
    return build


CASES: list[Case] = [
    # the grid: ranges far larger than the cells that pay for them
    Case("xlsx cell at BZ1048576", far_cell(b"BZ1048576", 1_048_576), True, "far from the data"),
    Case("xlsx cell at XFD1048576", far_cell(b"XFD1048576", 1_048_576), True, "far from the data"),
    Case("xlsx far cell out of row order", far_cell_out_of_order, True, "far from the data"),
    Case("xlsx far cell with single-quoted attributes",
         far_cell_quoted(b"<row r='1048576'><c r='BZ1048576'><v>1</v></c></row>", "far_quoted"), True,
         "single quotes"),
    Case("xlsx far row single-quoted, its cell without a reference",
         far_cell_quoted(b"<row r='1048576'><c><v>1</v></c></row>", "far_row_quoted"), True, "single quotes"),
    Case("xlsx far cell with spaces around =",
         far_cell_quoted(b'<row r = "1048576"><c r = "BZ1048576"><v>1</v></c></row>', "far_spaced"), True,
         "single quotes"),
    Case("xlsx text and formula holding ='", loose_marks_in_text, False),
    Case("xlsx far cell after 45,000 real rows", far_cell_after_real_rows, True, "far from the data"),
    Case("xlsx far cell, sheet named under another namespace", far_cell_behind_another_namespace, True,
         "far from the data"),
    Case("xlsx valueless far cell", valueless_far_cell, None),
    Case("xlsx huge dimension element", huge_dimension, False),
    Case("xlsx cells without references in a far row", unreferenced_far_run, True, "far from the data"),
    Case("xlsx rows beyond Excel's last", rows_beyond_excel, True, "beyond row 1,048,576"),
    Case("xlsx merged range over the whole grid", merged_everything, False, report_reason="annotated report"),
    Case("xlsx hyperlink over the whole grid", hyperlink_everything, False, report_reason="annotated report"),
    Case("xlsx data validation over the whole grid", validation_everything, False),
    # the package
    Case("xlsx zip bomb (64 MiB of blanks)", zip_bomb, True, "zip bomb"),
    Case("xlsx 10,001 parts", many_parts, True, "10,000"),
    Case("xlsx workbook.xml of 3 million empty elements", workbook_junk_elements, True, "workbook descriptions"),
    Case("xlsx workbook.xml nested 400,000 deep", workbook_deep_nesting, None, report_reason="annotated report"),
    Case("xlsx sheet nested 200,000 deep in a cell", deep_nesting_in_sheet, None),
    Case("xlsx 1,001 sheets", many_sheets(1_001), True, "1,000"),
    Case("xlsx 300 sheets", many_sheets(300), False),
    Case("xlsx two million shared strings", huge_shared_strings, False),
    Case("xlsx one long shared string in 20,000 cells", shared_string_repeated(), True,
         "more than a file of its size holds"),
    Case("xlsx one long shared string in 20,000 cells, its elements prefixed", shared_string_repeated(b"x:"), True,
         "more than a file of its size holds"),
    Case("xlsx one long shared string unused, 20,000 cells of a short one", shared_string_repeated(index=1), False),
    Case("xlsx repeated shared string under its usual name, unrelated", shared_strings_by_their_usual_name(False),
         True, "more than a file of its size holds"),
    Case("xlsx repeated shared string under its usual name, related elsewhere",
         shared_strings_by_their_usual_name(True), True, "more than a file of its size holds"),
    Case("xlsx 4.2 million one-digit values", dense_values, True, "more than a file of its size holds"),
    Case("xlsx three sheets of 2 million one-digit values",
         many_sheets(3, b"".join(b'<row r="%d">%s</row>' % (r, b"<c><v>1</v></c>" * 50) for r in range(1, 40_001)),
                     "dense_sheets"), True, "more than a file of its size holds"),
    Case("xlsx 5 MB of cell formats", styles_bloat, False, report_reason="annotated report"),
    Case("xlsx truncated", truncated, True, "truncated"),
    # XML declarations and encodings
    Case("xlsx billion laughs in the sheet", doctype_in(SHEET), True, "DOCTYPE"),
    Case("xlsx billion laughs in workbook.xml", doctype_in("xl/workbook.xml"), True, "DOCTYPE"),
    Case("xlsx billion laughs in docProps/core.xml", doctype_in("docProps/core.xml"), True, "DOCTYPE"),
    Case("xlsx external entity (XXE) in styles.xml",
         doctype_in("xl/styles.xml", b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'), True, "DOCTYPE"),
    Case("xlsx core.xml in UTF-16LE without BOM, with laughs", utf16_part("docProps/core.xml", "utf-16-le"), True,
         "DOCTYPE"),
    Case("xlsx core.xml in UTF-16BE without BOM, with laughs", utf16_part("docProps/core.xml", "utf-16-be"), True,
         "DOCTYPE"),
    Case("xlsx styles.xml in UTF-16 with BOM, with laughs", utf16_part("xl/styles.xml", "utf-16"), True, "DOCTYPE"),
    Case("xlsx sheet in UTF-16 without BOM", utf16_part(SHEET, "utf-16-le", doctype=False), True, "UTF-16"),
    Case("xlsx part declared UTF-7", declared_encoding, True, "UTF-7"),
    Case("xlsx DOCTYPE behind 80 KB of comments", long_prolog, True, "prolog"),
    # cells
    Case("xlsx cell of 40,000 characters", long_cell, True, "32,767"),
    Case("xlsx formula injection", formula_injection, False),
    Case("xlsx of 80,000 rows of garbage (findings in every cell)", garbage_rows, False),
    Case("xlsx member name in a boolean cell", typed_cell("b"), True, "TRUE/FALSE"),
    Case("xlsx member name in an error cell", typed_cell("e"), True, "Excel error"),
    Case("xlsx member name in a number cell", typed_cell("n"), None),
    Case("xlsx member name in a cell typed as a number", typed_cell("tn"), True, "number"),
    Case("xlsx member name in a date cell", typed_cell("d"), False),
    Case("xlsx shared string out of range", typed_cell("s"), True, "shared text"),
    # other formats
    Case("ods 78 cells repeated on 300,000 rows (1 KB)", ods_rows_repeated, True, "repeat"),
    Case("ods 16,384 cells repeated on 1,000 rows", ods_columns_repeated, True, "repeat"),
    Case("ods rows repeated, single-quoted", ods_rows_repeated_quoted, True, "single quotes"),
    Case("ods long text repeated 15,600 times", ods_text_repeated, True, "more than a file of its size holds"),
    Case("ods LibreOffice padding to the grid's end", ods_libreoffice_padding, False),
    Case("ods billion laughs", ods_doctype, True, "DOCTYPE"),
    Case("ods content in UTF-16", ods_utf16, True, "UTF-16"),
    Case("xlsb plain", xlsb_plain, False),
    Case("xlsb cell at BZ1048576", xlsb_far_cell, True, "far from the data"),
    Case("xlsb column 4,000,000,000", xlsb_far_column, True, "XFD"),
    Case("xlsb shared string out of range", xlsb_shared_out_of_range, True, "shared text"),
    Case("xlsb one long shared string in 20,000 cells", xlsb_shared_repeated, True,
         "more than a file of its size holds"),
    Case("xls plain", xls_plain, False),
    Case("xls cell at IV65536", xls_far_cell, True, "far from the data"),
    Case("xls column 65,536", xls_far_column, True, "XFD"),
    Case("xls shared string out of range", xls_shared_out_of_range, True, "shared text"),
    Case("csv of 10 MB of empty lines", csv_file("csv_empty", lambda: csv_header() + "\n" * (10 << 20)), True,
         "padded"),
    Case("csv with one line of 5 million fields",
         csv_file("csv_wide", lambda: csv_header() + "," * 5_000_000 + "\n" + csv_member_row()), True, "fields"),
    Case("csv with a stray far field", csv_file("csv_stray", lambda: csv_header() + csv_member_row()
                                                + ",a\n" * 400_000 + "," * 16_000 + "x\n"), True, "padded"),
    Case("csv field of 200,000 characters",
         csv_file("csv_field", lambda: csv_header() + '"' + "x" * 200_000 + '"\n'), True, "CSV"),
    Case("csv with NUL bytes", csv_file("csv_nul", lambda: (csv_header() + csv_member_row()).replace(",", ",\0", 3)),
         None),
    Case("csv formula injection", csv_file("csv_formulas", lambda: csv_header() + csv_member_row().replace(
        MEMBER_FIRST, "=cmd|' /C calc'!A0")), False),
    Case("csv of 10 MB of one member's row repeated (findings on every row)", csv_file(
        "csv_flood", lambda: csv_header() + csv_member_row() * (10_000_000 // len(csv_member_row()))), False),
    Case("csv of 4 MB of one-digit values", csv_file(
        "csv_dense", lambda: csv_header() + ("1," * 41 + "1\n") * 47_000), False),
    Case("csv in Windows-1252", csv_file("csv_1252", lambda: (csv_header() + csv_member_row().replace(
        MEMBER_FIRST, "Zanzíbarra")).encode("cp1252")), False),
]


def build(folder: Path, names: Sequence[str] | None = None) -> dict[str, Path]:
    """Write the cases (all, or those named) into `folder`; returns name -> file."""
    folder.mkdir(parents=True, exist_ok=True)
    return {case.name: case.build(folder) for case in CASES if names is None or case.name in names}


CASE_BY_NAME = {case.name: case for case in CASES}


# -- running calaimfiles in a child, measured ---------------------------------------------------------------------

@dataclass
class Run:
    code: int  # -N when killed by signal N
    stdout: str  # its first MiB; the whole is in `stdout_file` (a flood of findings writes hundreds of MB)
    stderr: str
    peak_bytes: int  # the child's peak resident memory (ru_maxrss)
    seconds: float
    timed_out: bool
    stdout_file: Path


def run_measured(args: Sequence[str | Path], cwd: Path, timeout: float = 120.0) -> Run:
    """`python -m calaimfiles ARGS` in a child process, and its peak memory.

    On Linux a child starts with its parent's peak resident memory as its own (the memory map it is spawned from
    counts), so a large test process would make every child look large. The child is therefore started by a
    small launcher, a fresh interpreter that imports next to nothing, which waits for it and reads
    `resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`: the peak of that one child."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("CALAIMFILES_DEBUG", None)
    report = cwd / ".measured"
    output = cwd / ".stdout"
    started = time.monotonic()
    with output.open("wb") as stdout:
        launched = subprocess.run(
            [sys.executable, "-I", "-c", _LAUNCHER, str(report), str(timeout), sys.executable, "-m", "calaimfiles",
             *map(str, args)], cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE,
            timeout=timeout + 60)
    seconds = time.monotonic() - started
    code, peak, timed_out = report.read_text().split()
    report.unlink()
    assert launched.returncode == 0, launched.stderr
    with output.open("rb") as stdout:
        head = stdout.read(1 << 20).decode("utf-8", "replace")
    return Run(int(code), head, launched.stderr.decode("utf-8", "replace"), int(peak) * 1024, seconds,
               timed_out == "1", output)


_LAUNCHER = """
import resource, subprocess, sys
report, timeout, command = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
child = subprocess.Popen(command)
try:
    code, timed_out = child.wait(timeout), 0
except subprocess.TimeoutExpired:
    child.kill()
    code, timed_out = child.wait(), 1
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(report, "w") as out:
    out.write(f"{code} {peak} {timed_out}")
"""


AS_OF = "2026-04-05"


def commands(bad: Path, good: Path, out: Path) -> dict[str, list[str]]:
    """Every command that reads a file, with the hostile file where it reads one (outputs into `out`)."""
    suffix = bad.suffix
    return {
        "validate": ["validate", str(bad), "--as-of", AS_OF],
        "validate json": ["validate", str(bad), "--format", "json", "--as-of", AS_OF],
        "validate junit": ["validate", str(bad), "--format", "junit", "--as-of", AS_OF],
        "validate sarif": ["validate", str(bad), "--format", "sarif", "--as-of", AS_OF],
        "validate github": ["validate", str(bad), "--format", "github", "--as-of", AS_OF],
        "validate --report xlsx": ["validate", str(bad), "--as-of", AS_OF, "--report", str(out / f"report{suffix}")
                                   if suffix in (".xlsx", ".xlsm") else str(out / "report.xlsx")],
        "validate --report html": ["validate", str(bad), "--as-of", AS_OF, "--report", str(out / "report.html")],
        "fix": ["fix", str(bad), "-o", str(out / f"fixed{suffix}"), "--as-of", AS_OF],
        "convert": ["convert", str(bad), "--to", "csv", "-o", str(out / "converted.csv")],
        "convert xlsx": ["convert", str(bad), "--to", "xlsx", "-o", str(out / "converted.xlsx")],
        "diff": ["diff", str(bad), str(good), "--format", "json"],
        "build otf": ["build", "otf", "--from", str(bad), "-o", str(out / "otf.xlsx"), "--as-of", AS_OF],
    }


def leaks(run: Run, out: Path) -> list[str]:
    """Where the member's name came out: stdout, stderr, or an output file that must not hold values (the HTML
    report; JSON, JUnit, SARIF, GitHub output go to stdout). Data outputs (the annotated, fixed, converted and
    drafted copies) are copies of the member data by design."""
    found = ["stdout"] if _holds(run.stdout_file, MEMBER_NAME.encode()) else []
    found += ["stderr"] if MEMBER_NAME in run.stderr else []
    report = out / "report.html"
    if report.exists() and MEMBER_NAME in report.read_text(encoding="utf-8", errors="replace"):
        found.append(str(report))
    return found


def _holds(path: Path, text: bytes) -> bool:
    """Whether the file holds `text`, read a MiB at a time (the tail of each block kept for a match across)."""
    carried = b""
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            if text in carried + block:
                return True
            carried = block[-len(text):]
    return False


def zip_member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as package:
        return package.read(name)


__all__ = ["CASES", "CASE_BY_NAME", "GIB", "MEMBER_NAME", "Case", "Run", "build", "commands", "leaks",
           "run_measured", "zip_member"]
