"""`calaimfiles convert` on real workbooks: nothing is lost on the way, and no CSV cell can become a formula."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from builders import column_names, otf_cells, rtf_cells, save_book, valid_row, write_xlsx
from typer.testing import CliRunner, Result

from calaimfiles.commands import app
from calaimfiles.converting import Format, as_written, default_destination
from calaimfiles.layouts import FieldType, Layout, load_layout
from calaimfiles.reading.workbook import Workbook
from calaimfiles.rules.table import Table
from calaimfiles.validate import ValidationRequest, read_tables

EXAMPLE_FOLDER = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted([*EXAMPLE_FOLDER.glob("*_clean.xlsx"), *EXAMPLE_FOLDER.glob("*_mistakes.xlsx")])
INJECTIONS = {"last_name": '=HYPERLINK("x")', "first_name": "-1+2", "lcm_name": "@SUM(A1)"}

runner = CliRunner()


def convert(*args: Any) -> Result:
    return runner.invoke(app, ["convert", *map(str, args)])


def converted(source: Path, to: str, output: Path) -> Path:
    result = convert(source, "--to", to, "-o", output)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert result.stdout.startswith(f"Wrote {output} ("), result.stdout
    return output


def only_table(path: Path) -> Table:
    [table] = read_tables(path, ValidationRequest())
    return table


def as_json(layout: Layout, record: dict[str, Any]) -> dict[str, Any]:
    """A record as the JSON output should hold it: canonical names, ISO dates, a period as its month."""
    def value(field_type: FieldType, v: Any) -> Any:
        if isinstance(v, dt.date):
            return f"{v:%Y-%m}" if field_type is FieldType.PERIOD else v.isoformat()
        return v

    return {c.name: value(c.type, record[c.id]) for c in layout.columns}


def csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def assert_one_error_line(result: Result, *expected: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("calaimfiles: ")
    for text in expected:
        assert text in line, line


@pytest.fixture
def zeros(tmp_path: Path) -> Path:
    """An RTF whose provider TIN and member ZIP start with 0, written as text as the plan template asks."""
    return write_xlsx(tmp_path, "RTF", [valid_row("RTF", provider_tin="012345678", zip="02134")])


# -- the round trip ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_xlsx_to_csv_to_xlsx_to_json_keeps_every_record(example: Path, tmp_path: Path) -> None:
    original = only_table(example)
    first_csv = converted(example, "csv", tmp_path / "first.csv")
    workbook = converted(first_csv, "xlsx", tmp_path / "again.xlsx")
    document = json.loads(converted(workbook, "json", tmp_path / "last.json").read_text(encoding="utf-8"))

    assert (document["layout"], len(document["records"])) == (original.layout.name, len(original))
    for excel_row, record, got in zip(original.excel_rows, as_written(original), document["records"], strict=True):
        assert got == as_json(original.layout, record), excel_row


def test_an_excel_error_cell_keeps_its_text(tmp_path: Path) -> None:
    example = next(p for p in EXAMPLES if p.name == "rtf_mistakes.xlsx")
    document = json.loads(converted(example, "json", tmp_path / "rtf.json").read_text(encoding="utf-8"))
    assert "#N/A" in [record["Member Acuity Level"] for record in document["records"]]


# -- every format ----------------------------------------------------------------------------------------------

def test_leading_zeros_survive_in_every_format(zeros: Path, tmp_path: Path) -> None:
    layout = load_layout("RTF")
    tin, zip_code = layout.column("provider_tin").name, layout.column("zip").name

    header, row = csv_rows(converted(zeros, "csv", tmp_path / "z.csv"))
    assert (row[header.index(tin)], row[header.index(zip_code)]) == ("012345678", "02134")

    [record] = json.loads(converted(zeros, "json", tmp_path / "z.json").read_text(encoding="utf-8"))["records"]
    assert (record[tin], record[zip_code]) == ("012345678", "02134")

    frame = pd.read_parquet(converted(zeros, "parquet", tmp_path / "z.parquet"))
    assert (frame[tin][0], frame[zip_code][0]) == ("012345678", "02134")

    sheet = openpyxl.load_workbook(converted(zeros, "xlsx", tmp_path / "z.xlsx")).active
    cells = {c.value: sheet.cell(row=2, column=c.column) for c in sheet[1]}
    assert [(cells[n].data_type, cells[n].value) for n in (tin, zip_code)] == [("s", "012345678"), ("s", "02134")]


def test_csv_is_utf8_with_a_byte_order_mark_and_dates_in_iso(zeros: Path, tmp_path: Path) -> None:
    output = converted(zeros, "csv", tmp_path / "z.csv")
    assert output.read_bytes().startswith(b'\xef\xbb\xbf"Primary Payer (MCP) Identifier","')
    header, row = csv_rows(output)
    assert header == column_names("RTF")
    layout = load_layout("RTF")
    assert row[header.index(layout.column("dob").name)] == "1980-05-17"
    assert row[header.index(layout.column("reporting_period").name)] == "2026-03"
    assert row[header.index(layout.column("enrollment_end").name)] == ""


def text_cells(path: Path) -> Path:
    """Make every cell of the workbook that openpyxl took for a formula a text cell, as a provider types it."""
    book = openpyxl.load_workbook(path)
    for row in book.active.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
    book.save(path)
    return path


def test_csv_neutralises_formulas_and_reads_back_the_text(tmp_path: Path) -> None:
    source = text_cells(write_xlsx(tmp_path, "RTF", [valid_row("RTF", **INJECTIONS, address="'=already quoted")]))
    assert only_table(source).records()[0]["last_name"] == INJECTIONS["last_name"]
    output = converted(source, "csv", tmp_path / "rtf.csv")
    header, row = csv_rows(output)
    layout = load_layout("RTF")
    written = {column_id: row[header.index(layout.column(column_id).name)] for column_id in [*INJECTIONS, "address"]}
    assert written == {"last_name": '\'=HYPERLINK("x")', "first_name": "'-1+2", "lcm_name": "'@SUM(A1)",
                       "address": "''=already quoted"}

    [record] = only_table(output).records()
    assert {column_id: record[column_id] for column_id in written} == {**INJECTIONS, "address": "'=already quoted"}


def test_csv_gives_back_every_text_that_looks_like_a_formula(tmp_path: Path) -> None:
    texts = ["=", "-", "+1", "@", "'", "'x", "''=x", "'''-x", "a=b", "O'Brien", "'\t=1"]
    # An unreadable date keeps its cell's text untrimmed, so a leading tab reaches the CSV too.
    rows = [valid_row("RTF", last_name=text, dob=f"\t{text}") for text in texts]
    source = text_cells(write_xlsx(tmp_path, "RTF", rows))
    original = only_table(source).records()
    assert [r["last_name"] for r in original] == texts
    assert only_table(converted(source, "csv", tmp_path / "rtf.csv")).records() == original


def test_the_csv_reader_removes_only_the_apostrophe_before_a_formula(tmp_path: Path) -> None:
    path = tmp_path / "cells.csv"
    path.write_text("""a,b,c,d,e,f\n"'=1+2","''@x","'\tTab","O'Brien","'plain","'-3"\n""", encoding="utf-8")
    rows = Workbook(path).sheet("cells").rows
    assert rows[1] == ["=1+2", "'@x", "\tTab", "O'Brien", "'plain", "-3"]


def test_parquet_has_typed_columns(tmp_path: Path) -> None:
    example = next(p for p in EXAMPLES if p.name == "rtf_clean.xlsx")
    original = only_table(example)
    frame = pd.read_parquet(converted(example, "parquet", tmp_path / "rtf.parquet"))

    assert list(frame.columns) == column_names("RTF")
    expected_types = {FieldType.DATE: "date32[day][pyarrow]", FieldType.PERIOD: "date32[day][pyarrow]",
                      FieldType.COUNT: "Int64"}
    for column in original.layout.columns:
        assert str(frame[column.name].dtype) == expected_types.get(column.type, "string"), column.name
    values = [{c.id: None if pd.isna(v) else v for c, v in zip(original.layout.columns, row, strict=True)}
              for row in frame.itertuples(index=False)]
    assert values == original.records()


def test_parquet_refuses_a_value_it_cannot_type(tmp_path: Path) -> None:
    source = write_xlsx(tmp_path, "RTF", [valid_row("RTF"), valid_row("RTF", cin="92345678B", dob="13/45/1980")])
    result = convert(source, "--to", "parquet")
    assert_one_error_line(result, "Member Date of Birth in row 3 is not a date", "convert to csv or json")
    assert "13/45" not in result.stderr  # member data stays out of messages
    assert not source.with_suffix(".parquet").exists()


def test_xlsx_has_date_cells_and_text_identifiers(zeros: Path, tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(converted(zeros, "xlsx", tmp_path / "z.xlsx")).active
    layout = load_layout("RTF")
    assert [c.value for c in sheet[1]] == column_names("RTF")
    cells = {c.id: sheet.cell(row=2, column=n) for n, c in enumerate(layout.columns, start=1)}
    assert cells["dob"].is_date and cells["dob"].value.date() == dt.date(1980, 5, 17)
    assert cells["reporting_period"].is_date and cells["reporting_period"].value.date() == dt.date(2026, 3, 1)
    for column_id in ("cin", "provider_npi", "provider_tin", "zip", "phone"):
        assert cells[column_id].data_type == "s", column_id


def test_xlsx_keeps_formula_like_text_as_text(tmp_path: Path) -> None:
    source = text_cells(write_xlsx(tmp_path, "RTF", [valid_row("RTF", **INJECTIONS)]))
    sheet = openpyxl.load_workbook(converted(source, "xlsx", tmp_path / "out.xlsx")).active
    assert not [c.coordinate for c in sheet[2] if c.data_type == "f"]
    assert set(INJECTIONS.values()) <= {c.value for c in sheet[2] if c.data_type == "s"}


# -- several sheets --------------------------------------------------------------------------------------------

@pytest.fixture
def two_layouts(tmp_path: Path) -> Path:
    return save_book(tmp_path / "both.xlsx", {"RTF": [column_names("RTF"), rtf_cells()],
                                              "OTF": [column_names("OTF"), otf_cells(), otf_cells()]})


@pytest.mark.parametrize("to", ["csv", "parquet", "xlsx"])
def test_one_table_formats_ask_for_a_sheet(two_layouts: Path, to: str) -> None:
    assert_one_error_line(convert(two_layouts, "--to", to), "2 layout sheets ('RTF', 'OTF')", "--sheet")
    result = convert(two_layouts, "--to", to, "--sheet", "OTF")
    assert result.exit_code == 0, result.stderr
    assert "OTF sheet 'OTF', 2 rows" in result.stdout


def test_json_holds_a_document_per_sheet(two_layouts: Path) -> None:
    assert convert(two_layouts, "--to", "json").exit_code == 0
    documents = json.loads(two_layouts.with_suffix(".json").read_text(encoding="utf-8"))
    assert [(d["layout"], d["sheet"], len(d["records"])) for d in documents] == [("RTF", "RTF", 1), ("OTF", "OTF", 2)]


# -- where it writes, and what it refuses --------------------------------------------------------------------

def test_default_outputs_sit_beside_the_input_and_never_name_it() -> None:
    source = Path("in/rtf_march.xlsx")
    assert [default_destination(source, to) for to in Format] == [
        Path("in/rtf_march.csv"), Path("in/rtf_march.converted.xlsx"), Path("in/rtf_march.json"),
        Path("in/rtf_march.parquet"),
    ]
    assert default_destination(Path("in/rtf.csv"), Format.csv) == Path("in/rtf.converted.csv")


def test_an_existing_output_is_replaced_only_with_force(zeros: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.json"
    output.write_text("keep me", encoding="utf-8")
    assert_one_error_line(convert(zeros, "--to", "json", "-o", output), "already exists; use --force")
    assert output.read_text(encoding="utf-8") == "keep me"
    assert convert(zeros, "--to", "json", "-o", output, "--force").exit_code == 0
    assert json.loads(output.read_text(encoding="utf-8"))["layout"] == "RTF"


def test_the_input_is_never_the_output(zeros: Path, tmp_path: Path) -> None:
    source = converted(zeros, "csv", tmp_path / "rtf.csv")
    before = source.read_bytes()
    assert_one_error_line(convert(source, "--to", "csv", "-o", source, "--force"), "is the input file")
    assert source.read_bytes() == before


@pytest.mark.parametrize("content", [b"", b"not a workbook at all"], ids=["empty", "garbage"])
def test_an_unreadable_input_exits_2_with_one_line(tmp_path: Path, content: bytes) -> None:
    source = tmp_path / "broken.xlsx"
    source.write_bytes(content)
    assert_one_error_line(convert(source, "--to", "csv"), str(source))
    assert not source.with_suffix(".csv").exists()
    assert_one_error_line(convert(tmp_path / "missing.xlsx", "--to", "json"), "no such file")


def test_an_output_folder_that_does_not_exist_exits_2(zeros: Path, tmp_path: Path) -> None:
    assert_one_error_line(convert(zeros, "--to", "csv", "-o", tmp_path / "nowhere" / "out.csv"), "does not exist")


@pytest.mark.parametrize("to", list(Format))
def test_the_input_is_left_unchanged(zeros: Path, to: Format) -> None:
    before = (zeros.read_bytes(), zeros.stat().st_mtime_ns)
    result = convert(zeros, "--to", to)
    assert result.exit_code == 0, result.stderr
    assert (zeros.read_bytes(), zeros.stat().st_mtime_ns) == before
