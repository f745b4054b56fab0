"""A large sheet is read in pieces parsed side by side: it must read exactly as when parsed whole.

Every test here makes each chunk of XML (a few rows) its own piece, so that a small workbook is cut in many
places, and compares with the same workbook read whole.
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from builders import AS_OF, save_book
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_malformed import repack, sheet_xml

from calaimfiles.reading import limits, pieces
from calaimfiles.reading.workbook import ReadError, Workbook
from calaimfiles.validate import ValidationRequest, validate_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def cut_small(patch: pytest.MonkeyPatch, chunk: int = 256) -> None:
    """Every sheet in pieces, each chunk of XML (it ends after a row: one or two rows) its own piece."""
    patch.setattr(pieces, "SPLIT_BYTES", 0)
    patch.setattr(pieces, "PIECE_BYTES", 1)
    patch.setattr(pieces, "workers", lambda: 2)
    patch.setattr(limits, "CHUNK_BYTES", chunk)


def read(path: Path, name: str, *, in_pieces: bool, monkeypatch: pytest.MonkeyPatch,
         chunk: int = 256) -> tuple[list[list[Any]], dict]:
    with monkeypatch.context() as patch:
        if in_pieces:
            cut_small(patch, chunk)
        else:
            patch.setattr(pieces, "SPLIT_BYTES", 1 << 62)
        sheet = Workbook(path).sheet(name)
        rows = sheet.rows
        return rows, sheet.error_cells


def same_both_ways(path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    whole, whole_errors = read(path, name, in_pieces=False, monkeypatch=monkeypatch)
    cut, cut_errors = read(path, name, in_pieces=True, monkeypatch=monkeypatch)
    width = max(map(len, whole), default=0)

    def typed(rows: list[list[Any]]) -> list[list[tuple[type, Any]]]:  # TRUE == 1 in Python: compare types too
        return [[(type(c), c) for c in row + [""] * (width - len(row))] for row in rows]

    # Blank rows come out of pieces as empty lists, and rows as wide as their piece; the cells are the same.
    assert typed(cut) == typed(whole)
    assert cut_errors == whole_errors
    return whole


def test_every_example_gives_the_same_findings_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    request = ValidationRequest(as_of=AS_OF)
    for path in sorted(EXAMPLES.glob("*.xlsx")):
        whole = validate_file(path, request)
        with monkeypatch.context() as patch:
            cut_small(patch, 512)
            cut = validate_file(path, request)
        assert [r.findings for r in cut] == [r.findings for r in whole], path.name


def test_types_gaps_offsets_and_error_cells_survive_the_cuts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.cell(row=3, column=3, value="header")
    for n in range(4, 60):
        if n % 7 == 0:
            continue  # blank rows inside the data
        sheet.cell(row=n, column=3, value=f"text {n}")
        sheet.cell(row=n, column=4, value=n * 1.5)
        sheet.cell(row=n, column=5, value=dt.date(2026, 1, 1) + dt.timedelta(days=n))
        sheet.cell(row=n, column=6, value=dt.datetime(2026, 1, 1, 10, 30) + dt.timedelta(hours=n))
        sheet.cell(row=n, column=7, value=n % 2 == 0)
        sheet.cell(row=n, column=8 + n % 5, value="#N/A" if n % 11 == 0 else n)  # ragged row ends
    sheet.cell(row=90, column=2, value="after a gap, one column further left")
    book.create_sheet("Other").append(["another sheet", 1])
    path = tmp_path / "book.xlsx"
    book.save(path)  # openpyxl stores "#N/A" as an error cell
    rows = same_both_ways(path, "Data", monkeypatch)
    assert len(rows) == 90 and rows[89][1] == "after a gap, one column further left"
    assert same_both_ways(path, "Other", monkeypatch) == [["another sheet", 1.0]]
    _, errors = read(path, "Data", in_pieces=True, monkeypatch=monkeypatch)
    assert errors and set(errors.values()) == {"#N/A"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.one_of(st.none(), st.text(max_size=6), st.integers(-5, 10**6), st.booleans(),
                                   st.floats(allow_nan=False, allow_infinity=False, width=32),
                                   st.dates(dt.date(1901, 1, 1), dt.date(2099, 12, 31))),
                         min_size=1, max_size=6), min_size=1, max_size=40))
def test_random_sheets_read_the_same_in_pieces(tmp_path_factory: pytest.TempPathFactory,
                                               monkeypatch: pytest.MonkeyPatch, grid: list[list[Any]]) -> None:
    clean = [[c if not isinstance(c, str) else "".join(ch for ch in c if ch.isprintable()) or None for c in row]
             for row in grid]
    path = save_book(tmp_path_factory.mktemp("fuzz") / "random.xlsx", {"Grid": clean})
    same_both_ways(path, "Grid", monkeypatch)


def rows_of_numbers(tmp_path: Path, count: int) -> Path:
    return save_book(tmp_path / "numbers.xlsx", {"Grid": [[f"r{n}", n, n * 2] for n in range(1, count + 1)]})


def test_rows_and_cells_without_their_numbers_read_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # calamine places a cell by its reference, so a row without its number cuts safely; cells without a reference
    # go after the cell before (or count their rows), so from there the sheet is read whole.
    book = rows_of_numbers(tmp_path, 40)
    unnumbered_row = repack(book, tmp_path / "row.xlsx", sheet_xml(lambda xml: xml.replace(b'<row r="30"', b"<row")))
    assert same_both_ways(unnumbered_row, "Grid", monkeypatch)[29] == ["r30", 30.0, 60.0]
    unreferenced = repack(book, tmp_path / "cells.xlsx",
                          sheet_xml(lambda xml: xml.replace(b'<row r="30"', b"<row").replace(b' r="A30"', b"")
                                    .replace(b' r="B30"', b"").replace(b' r="C30"', b"")))
    assert same_both_ways(unreferenced, "Grid", monkeypatch)[29] == ["r30", 30.0, 60.0]


def test_a_wide_cell_sends_the_rest_to_the_whole_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book_path = rows_of_numbers(tmp_path, 40)
    path = repack(book_path, tmp_path / "wide.xlsx",
                  sheet_xml(lambda xml: xml.replace(b'<c r="C35" t="n"><v>70</v></c>',
                                                    b'<c r="C35" t="n"><v>70</v></c><c r="CD35" t="n"><v>1</v></c>')))
    rows = same_both_ways(path, "Grid", monkeypatch)
    assert rows[34][81] == 1.0


def test_cells_stored_out_of_row_order_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = repack(rows_of_numbers(tmp_path, 40), tmp_path / "disordered.xlsx",
                  sheet_xml(lambda xml: xml.replace(b'<c r="C35"', b'<c r="C2"')))
    with pytest.raises(ReadError, match="stores cells of row 2 after row"):
        read(path, "Grid", in_pieces=True, monkeypatch=monkeypatch)


def test_stopping_early_ends_the_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = rows_of_numbers(tmp_path, 400)
    before = threading.active_count()
    with monkeypatch.context() as patch:
        cut_small(patch)
        sheet = Workbook(path).sheet("Grid")
        assert sheet.head(3)[2] == ["r3", 3.0, 6.0]
        rows = sheet.body(0)
        next(rows)
        rows.close()  # the rest is never read
    del sheet, rows
    gc.collect()
    assert threading.active_count() == before


def test_large_sheets_only_and_never_on_one_core(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = rows_of_numbers(tmp_path, 5)
    with zipfile.ZipFile(path) as archive:
        assert not pieces.splittable(archive, "xl/worksheets/sheet1.xml")  # far below SPLIT_BYTES
        monkeypatch.setattr(pieces, "SPLIT_BYTES", 0)
        monkeypatch.setattr(pieces, "workers", lambda: 1)
        assert not pieces.splittable(archive, "xl/worksheets/sheet1.xml")
        monkeypatch.setattr(pieces, "workers", lambda: 2)
        assert pieces.splittable(archive, "xl/worksheets/sheet1.xml")


def test_dates_of_the_1904_calendar_read_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904  # the date system lives in workbook.xml, which every piece carries
    sheet = book.active
    sheet.title = "Dates"
    for n in range(1, 30):
        sheet.append([f"r{n}", dt.date(2026, 1, 1) + dt.timedelta(days=n)])
    path = tmp_path / "mac.xlsx"
    book.save(path)
    rows = same_both_ways(path, "Dates", monkeypatch)
    assert rows[0][1] in (dt.date(2026, 1, 2), dt.datetime(2026, 1, 2))


def test_a_sheet_whose_root_tag_has_a_prefix_is_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    path = repack(rows_of_numbers(tmp_path, 30), tmp_path / "prefixed.xlsx",
                  sheet_xml(lambda xml: xml.replace(b"<worksheet ", b'<x:worksheet xmlns:x="%s" ' % main, 1)
                            .replace(b"</worksheet>", b"</x:worksheet>")))
    assert same_both_ways(path, "Grid", monkeypatch)[29] == ["r30", 30.0, 60.0]


@pytest.mark.parametrize("hostile", ["stray_far_cell", "beyond_excel_rows", "long_cell"])
def test_hostile_sheets_are_refused_in_pieces_as_when_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 hostile: str) -> None:
    import test_malformed

    path = getattr(test_malformed, hostile)(tmp_path)
    messages = []
    for in_pieces in (False, True):
        with pytest.raises(ReadError) as refused:
            # chunks hold a whole cell at Excel's limit, as CHUNK_BYTES does (see limits.CHUNK_BYTES)
            read(path, "RTF", in_pieces=in_pieces, monkeypatch=monkeypatch, chunk=1 << 18)
        messages.append(str(refused.value))
    assert messages[0] == messages[1]
    gc.collect()
    assert not [t.name for t in threading.enumerate() if t.name.startswith("calaimfiles-")]
