"""`calaimfiles convert`: hand a file's data to a spreadsheet, a script or a data pipeline without losing a value."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer

from calaimfiles.commands.common import Force, LayoutName, Plan, ToPlan, one_line_errors
from calaimfiles.converting import Format, convert, default_destination, retarget
from calaimfiles.paths import same_place
from calaimfiles.validate import ValidationRequest, read_tables
from calaimfiles.writing.output import OutputError, atomic_output, check_destination


def convert_command(
    path: Annotated[Path, typer.Argument(
        help="A workbook (.xlsx, .xlsm, .xls) or CSV file.", show_default=False, readable=False)],
    to: Annotated[Format, typer.Option("--to", help="The format to write.", show_default=False)],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Where to write (default: beside the input, NAME.csv, NAME.converted.xlsx, ...).",
        readable=False)] = None,
    force: Force = False,
    layout: LayoutName = None,
    plan: Plan = None,
    to_plan: ToPlan = None,
    sheet: Annotated[str | None, typer.Option(
        help="Convert only this sheet (needed for csv, parquet and xlsx when several sheets hold a layout).")] = None,
) -> None:
    """Convert a CalAIM file to CSV, Excel, JSON or Parquet: identifiers stay text, dates stay dates.

    CSV is UTF-8 for Excel, with text that would start a formula behind an apostrophe. Exit code: 0 written,
    2 the input could not be read or the output could not be written. With --to-plan the columns are named as
    that plan names them: columns it lacks are left out (a note says which), columns only it has are blank.
    """
    destination = output or default_destination(path, to)
    with one_line_errors(path):
        tables = read_tables(path, ValidationRequest(layout=layout, plan=plan, sheet=sheet))
        if to_plan is not None:
            retargeted = [retarget(table, to_plan) for table in tables]
            tables = [table for table, _ in retargeted]
            for table, dropped in retargeted:
                if dropped:
                    typer.echo(f"calaimfiles: note: plan {to_plan} has no {', '.join(dropped)}: left out of "
                               f"{table.layout.name} sheet {table.sheet!r}", err=True)
        check_destination(destination, force)
        if same_place(destination, path):
            raise OutputError(f"{destination} is the input file; write the output to another file")
        if to is Format.xlsx:
            importlib.import_module("openpyxl")  # before the output opens, so its temporaries go beside it
        with atomic_output(destination) as partial:
            convert(tables, to, partial)
    sheets = "; ".join(f"{t.layout.name} sheet {t.sheet!r}, {len(t)} rows" for t in tables)
    typer.echo(f"Wrote {destination} ({sheets})")
