"""Write the table of a layout sheet as CSV, JSON, Parquet or a workbook of our own, without losing a value.

Columns are the layout's canonical names in layout order. Identifiers stay text (a TIN or ZIP keeps its
leading zero); dates are ISO text in CSV and JSON, date cells in a workbook and date32 in Parquet. A reporting
period is written as its month (YYYY-MM), which `calaimfiles` reads back as the same period without a
finding. A value the reader could not understand keeps its text where the format holds text (CSV, JSON,
workbook); Parquet's typed columns cannot, so it refuses the file and says which cell to correct.

CSV is UTF-8 with a byte-order mark: without one Excel reads the file in the Windows code page and garbles
names such as Peña, while Python (`utf-8-sig`), pandas and our own reader skip it. Text a spreadsheet would
run as a formula (design notes section 3) is written behind an apostrophe, which our reader takes off again.
Every field is quoted: a reader that guesses the dialect (ours does) could otherwise take a row of such
apostrophes for quote characters.

Each writer takes a path; callers choose the destination and wrap the write in `atomic_output`. pandas and
openpyxl are imported by the writers that need them, so that the command line starts without them.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calaimfiles.layouts import Column, FieldType, load_layout
from calaimfiles.reading.workbook import FORMULA_START
from calaimfiles.writing.output import OutputError, default_output

if TYPE_CHECKING:
    from calaimfiles.rules.table import Table

_DATE_TYPES = (FieldType.DATE, FieldType.PERIOD)
_NUMBER_TYPES = (FieldType.COUNT, FieldType.MINUTES)


class ConversionError(OutputError):
    """The tables cannot be written in the chosen format; the message is one plain sentence for the user."""


class Format(enum.StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    json = "json"
    parquet = "parquet"

    @property
    def holds_several_sheets(self) -> bool:
        """JSON holds a document per sheet; the others hold one table (a layout workbook has one layout)."""
        return self is Format.json


def default_destination(source: Path, to: Format) -> Path:
    """NAME.csv, NAME.json or NAME.parquet beside the input. A workbook is NAME.converted.xlsx, so it is not
    taken for the original, and so is a CSV written from a CSV: a default never names the input itself."""
    if to is Format.xlsx or source.suffix.lower() == f".{to}":
        return default_output(source, "converted", f".{to}")
    return source.with_suffix(f".{to}")


def convert(tables: Sequence[Table], to: Format, path: Path) -> None:
    """Write the tables read from one file to `path` in the format `to`."""
    if len(tables) > 1 and not to.holds_several_sheets:
        sheets = ", ".join(repr(t.sheet) for t in tables)
        raise ConversionError(f"holds {len(tables)} layout sheets ({sheets}) and {to} holds one: choose it with "
                              "--sheet")
    if to is Format.json:
        write_json(path, tables)
    else:
        _WRITERS[to](path, tables[0])


def retarget(table: Table, plan: str | None) -> tuple[Table, list[str]]:
    """The table as another plan names its layout, and the names of the columns that plan lacks (dropped).
    Columns only that plan has are blank."""
    import numpy as np
    import pandas as pd

    target = load_layout(table.layout.name, plan)
    kept = [column.id for column in target.columns]
    dropped = [column.name for column in table.layout.columns if column.id not in kept]
    rows = len(table)
    frame, filled, raw = {}, {}, {}
    for column_id in kept:
        present = column_id in table.frame
        frame[column_id] = table.frame[column_id] if present else pd.Series([None] * rows, dtype=object)
        filled[column_id] = table.filled[column_id] if present else np.zeros(rows, dtype=bool)
        raw[column_id] = table.raw[column_id] if present else np.full(rows, None, dtype=object)
    return replace(table, layout=target, frame=frame, filled=filled, raw=raw, findings=[], _most_common={}), dropped


def write_csv(path: Path, table: Table) -> None:
    """One header row of canonical names, then a row per record; blanks are empty cells."""
    columns = table.layout.columns
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
        writer.writerow(c.name for c in columns)
        for record in as_written(table):
            writer.writerow(_csv_cell(portable(c, record[c.id])) for c in columns)


def write_json(path: Path, tables: Sequence[Table]) -> None:
    """`{"layout", "sheet", "records"}` for one sheet; a list of such documents, in sheet order, for several."""
    documents = [
        {
            "layout": table.layout.name,
            "sheet": table.sheet,
            "records": [{c.name: portable(c, record[c.id]) for c in table.layout.columns}
                        for record in as_written(table)],
        }
        for table in tables
    ]
    with path.open("w", encoding="utf-8") as handle:
        json.dump(documents[0] if len(documents) == 1 else documents, handle, ensure_ascii=False, indent=2)
        handle.write("\n")


def write_parquet(path: Path, table: Table) -> None:
    """Typed columns: text for identifiers and codes, date32 for dates and periods, Int64 for counts."""
    import pandas as pd

    records = as_written(table)
    frame = pd.DataFrame({
        column.name: pd.Series(_typed_values(table, column, [r[column.id] for r in records]),
                               dtype=_PARQUET_TYPES.get(column.type, "string"))
        for column in table.layout.columns
    })
    frame.to_parquet(path, engine="pyarrow", index=False)


def write_xlsx(path: Path, table: Table) -> None:
    """The layout workbook we hand out to fill in: text identifiers, date cells and drop-down lists."""
    from calaimfiles.writing.layout_workbook import write_layout_workbook

    write_layout_workbook(path, table.layout, as_written(table), drop_downs=True, instructions=False)


_WRITERS = {Format.csv: write_csv, Format.parquet: write_parquet, Format.xlsx: write_xlsx}
_PARQUET_TYPES = {
    FieldType.DATE: "date32[pyarrow]",
    FieldType.PERIOD: "date32[pyarrow]",
    FieldType.COUNT: "Int64",
    FieldType.MINUTES: "Int64",
}


def as_written(table: Table) -> list[dict[str, Any]]:
    """The table's records with each text value as the cell holds it: the checks read `' Peña '` as `'Peña'`
    (and flag the spaces, TEXT-WHITESPACE), but a conversion must not change a value, so the spaces stay."""
    records = table.records()
    for column_id in table.frame:
        if not any(record[column_id].__class__ is str for record in records):
            continue  # dates, counts, blanks: nothing to look up (the cells of a column are made on first use)
        for record, cell in zip(records, table.raw[column_id], strict=True):
            value = record.get(column_id)
            if value.__class__ is str and cell.__class__ is str and cell != value and cell.strip() == value:
                record[column_id] = cell
    return records


def portable(column: Column, value: Any) -> Any:
    """A record's value as CSV and JSON hold it: dates as ISO text, a period as its month; the rest unchanged."""
    if isinstance(value, dt.date):
        return f"{value:%Y-%m}" if column.type is FieldType.PERIOD else value.isoformat()
    return value


def _csv_cell(value: Any) -> str:
    """Blank for None; text that would start a formula gets an apostrophe in front (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if FORMULA_START.match(text) else text


def _typed_values(table: Table, column: Column, values: list[Any]) -> list[Any]:
    """The values of a typed Parquet column; one the reader could not understand (kept as text) is refused."""
    if column.type not in _DATE_TYPES + _NUMBER_TYPES:
        return values
    wanted, words = (dt.date, "a date") if column.type in _DATE_TYPES else (int, "a whole number")
    for position, value in enumerate(values):
        if value is not None and not isinstance(value, wanted):
            row = int(table.excel_rows[position])
            raise ConversionError(f"{column.name} in row {row} is not {words}, and Parquet columns are typed: "
                                  "correct it (calaimfiles validate explains) or convert to csv or json")
    return values
