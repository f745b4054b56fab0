"""The programs `scale.py` times, each run as `python peers.py TOOL PATH...` in a fresh process.

raw          python-calamine reads every row of each workbook into Python (`iter_rows`) and counts the filled
             cells: the least work any tool that reads the workbook must do.
read         calaimfiles' own read of the same rows, with no check run: the limits and XML checks against hostile
             files, then calamine (in pieces for a large sheet). What `validate` cannot go below; not in the table.
frictionless frictionless validates each CSV twin of the workbook (same rows; its xlsx reader is openpyxl, far
             slower) against a Table Schema with the layout's field types: dates, codes in their sets, the CIN,
             NPI, ZIP and Y/N patterns, counts as integers. No error limit, so it reads every row.
pandera      python-calamine reads each workbook into a pandas DataFrame (pandas' `engine="calamine"`), then a
             pandera DataFrameSchema runs the same field-type checks, lazily (every failure collected).

Each prints one line: rows read and problems found, so a run that silently did nothing shows.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Field types of the layout as the peers can state them: a pattern for text, or "date" / "integer".
PATTERNS = {
    "cin": r"^9\d{7}[A-Z]$",
    "npi": r"^\d{10}$",
    "tin": r"^\d{2}-?\d{7}$",
    "zip": r"^\d{5}(-\d{4})?$",
    "yn": r"^[YN]$",
    "state": r"^[A-Z]{2}$",
    "phone": r"^\(?\d{3}\)?[ -]?\d{3}-?\d{4}$",
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
}


def fields() -> list[tuple[str, str, Any]]:
    """(header, kind, detail) per RTF column: kind is pattern, codes, date, integer or text."""
    from calaimfiles.layouts import load_layout

    layout = load_layout("RTF")
    found = []
    for column in layout.columns:
        kind = column.type.value
        if column.codeset is not None:
            codes = [value.code for value in layout.codesets[column.codeset].values]
            found.append((column.name, "codes", codes))
        elif kind in ("date", "period"):
            found.append((column.name, "date", None))
        elif kind in ("count", "minutes"):
            found.append((column.name, "integer", None))
        elif kind in PATTERNS:
            found.append((column.name, "pattern", PATTERNS[kind]))
        else:
            found.append((column.name, "text", None))
    return found


def raw(paths: list[Path]) -> str:
    from python_calamine import CalamineWorkbook

    rows = cells = 0
    for path in paths:
        for row in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows():
            rows += 1
            cells += len(row) - row.count("")
    return f"{rows} rows, {cells} filled cells"


def read(paths: list[Path]) -> str:
    from calaimfiles.reading.workbook import Workbook

    rows = cells = 0
    for path in paths:
        book = Workbook(path)
        for row in book.sheet(book.sheet_names[0]).rows:
            rows += 1
            cells += len(row) - row.count("")
    return f"{rows} rows, {cells} filled cells"


def frictionless(paths: list[Path]) -> str:
    from frictionless import Resource, Schema

    schema: dict[str, Any] = {"fields": []}
    for name, kind, detail in fields():
        field: dict[str, Any] = {"name": name, "type": "string"}
        if kind == "codes":
            field["constraints"] = {"enum": detail}
        elif kind == "pattern":
            field["constraints"] = {"pattern": detail}
        elif kind in ("date", "integer"):
            field["type"] = kind
        schema["fields"].append(field)
    rows = errors = 0
    for path in paths:
        # frictionless refuses absolute paths unless they sit below the resource's basepath
        resource = Resource(path=path.name, basepath=str(path.parent), schema=Schema.from_descriptor(schema))
        report = resource.validate(limit_errors=10**9)
        if "rows" not in report.tasks[0].stats:  # the file was not read at all
            raise SystemExit(f"frictionless could not read {path}: {report.flatten(['type', 'note'])[:1]}")
        rows += report.tasks[0].stats["rows"]
        errors += report.stats["errors"]
    return f"{rows} rows, {errors} errors"


def pandera(paths: list[Path]) -> str:
    import pandas as pd
    import pandera.pandas as pa

    def is_date(value: Any) -> bool:
        return isinstance(value, dt.date)

    def is_count(value: Any) -> bool:
        return isinstance(value, float) and value.is_integer() and value >= 0

    def checks(kind: str, detail: Any) -> list[pa.Check]:
        if kind == "codes":
            return [pa.Check.isin(detail + [float(c) for c in detail if c.isdigit()])]
        if kind == "pattern":
            return [pa.Check.str_matches(detail)]
        element: dict[str, Callable[[Any], bool]] = {"date": is_date, "integer": is_count}
        return [pa.Check(element[kind], element_wise=True)] if kind in element else []

    schema = pa.DataFrameSchema(
        {name: pa.Column(object, checks(kind, detail), nullable=True, coerce=kind == "pattern")
         for name, kind, detail in fields()},
    )
    rows = failures = 0
    for path in paths:
        frame = pd.read_excel(path, engine="calamine", dtype=object)
        for name, kind, _ in fields():  # blank cells are missing values, as for the other tools
            if kind == "pattern":
                frame[name] = frame[name].where(frame[name].isna(), frame[name].astype(str))
        try:
            schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as error:
            failures += len(error.failure_cases)
        rows += len(frame)
    return f"{rows} rows, {failures} failure cases"


TOOLS = {"raw": raw, "read": read, "frictionless": frictionless, "pandera": pandera}


def expand(paths: list[str]) -> list[Path]:
    """Files, or the files of a folder, in name order."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        found.extend(sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path])
    return found


if __name__ == "__main__":
    print(TOOLS[sys.argv[1]](expand(sys.argv[2:])))
