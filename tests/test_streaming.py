"""A sheet is streamed in chunks of rows into shared cell codes: where the chunks end changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import AS_OF, member_cin, rtf_row, write_xlsx

from calaimfiles.layouts import all_layouts
from calaimfiles.reading.header import HEADER_SEARCH_ROWS, find_header
from calaimfiles.reading.workbook import Workbook
from calaimfiles.rules import table as table_module
from calaimfiles.rules.table import Options, Table, build_table
from calaimfiles.validate import ValidationRequest, validate_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def read(path: Path) -> Table:
    sheet = Workbook(path).sheet("RTF")
    header = find_header(sheet.head(HEADER_SEARCH_ROWS), all_layouts(), sheet.name)
    assert header is not None
    return build_table(sheet, header, Options(as_of=AS_OF))


@pytest.mark.parametrize("name", ["rtf_mistakes.xlsx", "otf_mistakes.xlsx", "csprtf_mistakes.xlsx"])
def test_chunks_of_two_rows_give_the_same_findings(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    request = ValidationRequest(as_of=AS_OF)
    whole = validate_file(EXAMPLES / name, request)
    monkeypatch.setattr(table_module, "_CHUNK_ROWS", 2)
    assert validate_file(EXAMPLES / name, request) == whole


def test_true_and_one_keep_their_type_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Python holds TRUE == 1: the hash table of codes would merge them, a TRUE in one chunk and a 1 in the next."""
    rows = [rtf_row("2", cin=member_cin(n), in_person=1, new_address="N") for n in range(1, 6)]
    rows[4]["new_address"] = True  # written as a boolean cell, in the last chunk
    rows[0]["in_person"] = True
    path = write_xlsx(tmp_path, "RTF", rows)
    monkeypatch.setattr(table_module, "_CHUNK_ROWS", 2)
    table = read(path)
    assert [type(v) for v in table.raw["in_person"]] == [bool] + [float] * 4
    assert table.raw["new_address"][4] is True
    assert list(table.frame["in_person"][1:]) == [1.0] * 4


def test_a_streamed_sheet_keeps_only_its_first_rows(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path, "RTF", [rtf_row("2", cin=member_cin(n)) for n in range(1, 30)])
    sheet = Workbook(path).sheet("RTF")
    header = find_header(sheet.head(HEADER_SEARCH_ROWS), all_layouts(), sheet.name)
    assert header is not None
    table = build_table(sheet, header, Options(as_of=AS_OF))
    assert len(table) == 29 and list(table.excel_rows[[0, -1]]) == [2, 30]
    assert sheet.head(5) == sheet.head(1)  # the data rows went by without being kept
    with pytest.raises(RuntimeError):
        sheet.rows  # noqa: B018
