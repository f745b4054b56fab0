"""The reading guards' own parts, checked directly: the search for far rows never misses a row above its ceiling,
the encodings an XML parser would see, the compound-file reader against olefile, the CSV guard, and read errors
that name the cell without its value."""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import Any

import hostile
import olefile
import pytest
from hypothesis import given
from hypothesis import strategies as st

from calaimfiles.reading import limits
from calaimfiles.reading.workbook import ReadError, Workbook


@given(st.integers(1, limits.MAX_ROWS), st.integers(1, 2 * limits.MAX_ROWS), st.sampled_from(["A", "BZ", "AP"]))
def test_a_row_above_the_ceiling_is_always_found(last: int, row: int, column: str) -> None:
    """The cheap estimate of a sheet's last row is never under the truth: any reference below the ceiling of
    the last row seen is found by the search that runs on every chunk."""
    found = limits._far_or_wide(last).findall(f'<c r="{column}{row}"><v>1</v></c>'.encode())
    if row > limits._ceiling(last):
        assert found, (last, row)
    assert limits._ceiling(last) >= min(last, limits.MAX_ROWS)
    assert limits._ceiling(last) <= max(last * 11 // 10 + 10, last)  # at most a tenth more (and 10 for tiny rows)


@pytest.mark.parametrize(("encoding", "mark"), [("utf-16-le", b""), ("utf-16-be", b""), ("utf-16-le", b"\xff\xfe"),
                                                ("utf-16-be", b"\xfe\xff")])
def test_utf16_is_read_as_the_parser_reads_it(encoding: str, mark: bytes) -> None:
    part = mark + ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e "e">]><root/>').encode(encoding)
    head, utf8 = limits._as_parsed("docProps/core.xml", part)
    assert not utf8
    with pytest.raises(ReadError, match="DOCTYPE"):
        limits._root_element("docProps/core.xml", head)


def test_declared_encodings_that_hide_bytes_are_refused() -> None:
    assert limits._as_parsed("a.xml", b'<?xml version="1.0" encoding="windows-1252"?><a/>')[1]
    with pytest.raises(ReadError, match="UTF-7"):
        limits._as_parsed("a.xml", b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE')
    with pytest.raises(ReadError, match="UTF-32"):
        limits._as_parsed("a.xml", "<a/>".encode("utf-32-le"))


@pytest.mark.parametrize("size", [1, 100, 3000, 4095, 4096, 5000, 60_000])
def test_the_compound_file_reader_agrees_with_olefile(size: int) -> None:
    """Small streams live in the mini stream, larger ones in the file's own sectors: both read as olefile does."""
    stream = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    data = hostile.compound_file(stream)
    assert olefile.OleFileIO(io.BytesIO(data)).openstream("Workbook").read() == stream
    assert limits._compound_stream(data, ("workbook",)) == stream


def test_a_compound_file_whose_chain_loops_is_damaged(tmp_path: Path) -> None:
    data = bytearray(hostile.compound_file(b"x" * 5000))
    fat = 512 + 10 * 512  # the allocation table follows the stream's ten sectors
    data[fat + 4 * 3: fat + 4 * 4] = (1).to_bytes(4, "little")  # sector 3 leads back to sector 1
    path = tmp_path / "loop.xls"
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError, match="compound file cannot be read"):
        limits.check_xls(path)


def test_the_csv_guard_holds_the_range_to_the_fields() -> None:
    guard = limits.CsvGuard()
    guard.feed(["a"] * 40)
    for _ in range(100_000):
        guard.feed(["a"] * 40)  # full rows: any number of them
    wide = limits.CsvGuard()
    wide.feed(["a"] * 16_000)
    with pytest.raises(ReadError, match="padded to 16,000 fields"):
        for _ in range(1_000):
            wide.feed(["a"])


@pytest.mark.parametrize(("kind", "problem"), [("b", "TRUE/FALSE"), ("e", "Excel error"), ("tn", "number")])
def test_a_read_error_names_the_cell_not_the_value(tmp_path: Path, kind: str, problem: str) -> None:
    path = hostile.typed_cell(kind)(tmp_path)
    with pytest.raises(ReadError) as raised:
        Workbook(path).sheet("RTF").rows  # noqa: B018
    message = str(raised.value)
    assert "sheet 'RTF' cannot be read: cell D2 is marked as" in message and problem in message
    assert hostile.MEMBER_NAME not in message


@pytest.mark.parametrize(("make", "reason"), [
    (hostile.utf16_part("docProps/core.xml", "utf-16-le"), "DOCTYPE"),
    (hostile.merged_everything, "annotated report"),
    (hostile.hyperlink_everything, "annotated report"),
    (hostile.styles_bloat, "annotated report reads parts of up to 4 MiB"),
])
def test_openpyxl_is_never_given_what_the_checks_have_not_seen(tmp_path: Path, make: Any, reason: str) -> None:
    """The annotated report checks the package itself before openpyxl parses it, whatever ran before."""
    from calaimfiles.report.annotated import write_annotated
    from calaimfiles.writing.output import OutputError

    source = make(tmp_path)
    with pytest.raises(OutputError, match=reason):
        write_annotated(source, [], tmp_path / "report.xlsx")
    assert not (tmp_path / "report.xlsx").exists()


@pytest.mark.parametrize("chunk", [
    b"<c r='BZ1048576'><v>1</v></c>", b'<c r ="BZ1048576">', b'<c r= "BZ1048576">', b'<row\tr\t=\t"1048576">',
    b"<c x=\">\" r='BZ1048576'>",  # a > inside a value does not end the tag
    b"<table:table-row table:number-rows-repeated='300000'>",
])
def test_attributes_the_guards_cannot_see_are_refused(chunk: bytes) -> None:
    """The guards search for `name="value"`; a reader takes single quotes and spaces around `=` as well."""
    with pytest.raises(ReadError, match="single quotes"):
        limits.check_attribute_syntax(chunk, "the sheet")


@pytest.mark.parametrize("chunk", [
    b"<?xml version='1.0' encoding='UTF-8'?><worksheet>",  # how Python's ElementTree writes the declaration
    b"<c r=\"A1\" t=\"inlineStr\"><is><t>O'Brien = 'x'</t></is></c>",
    b'<dataValidation prompt="1 = Pending Outreach; 2 = Enrolled" sqref="Q2:Q1000"/>',
    b"<c r=\"B3\" t=\"str\"><f>IF(A1='Sheet 2'!B1, 1, 2)</f><v>2</v></c>",
])
def test_text_values_and_declarations_may_hold_the_same_marks(chunk: bytes) -> None:
    limits.check_attribute_syntax(chunk, "the sheet")


def test_the_shared_strings_of_an_xls_are_read_across_continue_records() -> None:
    """A string whose characters run on into the next record, which starts with their new width (two bytes each
    from there), then a rich string with formatting runs: their lengths as calamine reads them."""
    first = struct.pack("<HB", 10, 0) + b"abcd"
    continued = b"\x01" + "efghij".encode("utf-16-le") + struct.pack("<HBH", 3, 0x08, 1) + b"xyz" + b"\0" * 4
    assert limits._sst_lengths([first, continued]) == [10, 3]


def test_an_xls_that_repeats_a_long_shared_string_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = b"Q" * 8000
    table = hostile._biff(0x00FC, struct.pack("<II", 200, 1) + struct.pack("<HB", len(text), 0) + text)
    stream = hostile.biff_workbook([hostile.xls_shared(2 + n // 40, n % 40, 0) for n in range(200)])
    globals_end = stream.index(hostile._biff(0x000A))
    stream = stream[:globals_end] + table + stream[globals_end:]
    sheet_offset = len(hostile._biff_bof(0x0005)) + 4  # the BOUNDSHEET record's pointer to the sheet moves
    moved = struct.unpack_from("<I", stream, sheet_offset)[0] + len(table)
    path = tmp_path / "repeated.xls"
    stream = stream[:sheet_offset] + struct.pack("<I", moved) + stream[sheet_offset + 4:]
    path.write_bytes(hostile.compound_file(stream))
    limits.check_xls(path)  # 1.6 million characters: within the budget of any file
    monkeypatch.setattr(limits, "FREE_TEXT", 1_000_000)
    with pytest.raises(ReadError, match="characters of text"):
        limits.check_xls(path)
