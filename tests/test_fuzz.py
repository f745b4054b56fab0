"""Fuzzing the readers and validators with real workbooks: random cell types and values, merged cells, hidden
sheets, formulas, long and unicode text, blank rows between data, with or without a layout's header. Whatever
the file holds, a run ends in exit code 0, 1 or 2, and exit code 2 comes with exactly one line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import openpyxl
from builders import column_names
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from calaimfiles.commands import app
from calaimfiles.layouts import LAYOUT_NAMES

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

printable = st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"])  # openpyxl refuses control characters
text = st.one_of(
    st.text(printable, max_size=30),
    st.text(printable, min_size=1, max_size=200),
    st.sampled_from(["91234567a", "#N/A", "Y", "n", "2 - Enrolled", "02/30/2026", "1a;3", " ", "\u00a0"]),
    st.integers(1000, 40_000).map(lambda n: "\u00e9" * n),  # long text, up to past Excel's limit
)
cell = st.one_of(
    st.none(), text,
    st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)),
    st.sampled_from(["=1/0", "=A1+1", "=SUM(A:A)", '=NA()', "=B2&\"x\""]),
)
row = st.lists(cell, max_size=12)


@st.composite
def sheet(draw: st.DrawFn) -> dict[str, Any]:
    header = draw(st.one_of(st.none(), st.sampled_from(LAYOUT_NAMES).map(column_names)))
    body = draw(st.lists(st.one_of(row, st.just([])), max_size=15))  # [] is a blank row between data
    return {
        "rows": ([header] if header else []) + body,
        "start_row": draw(st.integers(1, 4)),
        "start_col": draw(st.integers(1, 3)),
        "merge": draw(st.lists(st.tuples(st.integers(1, 12), st.integers(1, 8), st.integers(0, 2), st.integers(0, 2)),
                               max_size=3)),
        "hidden": draw(st.booleans()),
    }


def write(path: Path, sheets: list[dict[str, Any]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for index, spec in enumerate(sheets):
        ws = book.create_sheet(f"Sheet {index + 1}")
        for r, values in enumerate(spec["rows"]):
            for c, value in enumerate(values):
                if value is not None:
                    ws.cell(row=spec["start_row"] + r, column=spec["start_col"] + c, value=value)
        for top, left, down, right in spec["merge"]:
            if down or right:
                ws.merge_cells(start_row=top, start_column=left, end_row=top + down, end_column=left + right)
        if spec["hidden"] and index:  # a workbook keeps at least one visible sheet
            ws.sheet_state = "hidden"
    book.save(path)
    return path


def assert_ended_cleanly(result: Result) -> None:
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code == 2:
        assert len(result.stderr.splitlines()) == 1, result.stderr


@FUZZ
@given(st.lists(sheet(), min_size=1, max_size=3))
def test_random_workbooks_end_in_a_known_exit_code(sheets: list[dict[str, Any]]) -> None:
    with TemporaryDirectory() as folder:
        path = write(Path(folder) / "fuzz.xlsx", sheets)
        assert_ended_cleanly(CliRunner().invoke(app, ["validate", str(path), "--format", "json",
                                                      "--as-of", "2026-03-05"]))
        fixed = Path(folder) / "fixed.xlsx"
        assert_ended_cleanly(CliRunner().invoke(app, ["fix", str(path), "-o", str(fixed), "--as-of", "2026-03-05"]))
        assert not fixed.exists() or openpyxl.load_workbook(fixed, read_only=True).sheetnames


line_end = st.sampled_from(["\r\n", "\n", "\r"])


@FUZZ
@given(st.booleans(), st.lists(st.tuples(st.lists(text.filter(lambda t: len(t) < 500), max_size=8), line_end),
                               max_size=20), st.sampled_from([None, *LAYOUT_NAMES]))
def test_random_csv_files_end_in_a_known_exit_code(bom: bool, lines: list[tuple[list[str], str]],
                                                   layout: str | None) -> None:
    header = ",".join(column_names(layout)) + "\r\n" if layout else ""
    body = "".join(",".join(f'"{v}"' if "," in v else v for v in values) + end for values, end in lines)
    with TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.csv"
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (header + body).encode())
        assert_ended_cleanly(CliRunner().invoke(app, ["validate", str(path), "--as-of", "2026-03-05"]))
        assert_ended_cleanly(CliRunner().invoke(app, ["convert", str(path), "--to", "json", "-o",
                                                      str(Path(folder) / "out.json")]))
