"""`calaimfiles schemas`: the JSON Schemas derived from the layout models, for other tools."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from calaimfiles.commands.common import Plan, report_console
from calaimfiles.layouts import LAYOUT_NAMES, all_layouts, load_layout
from calaimfiles.layouts.records import schema_text, write_schemas

schemas_app = typer.Typer(help="JSON Schemas of the layouts (one normalised row each).", no_args_is_help=True)


@schemas_app.command("export")
def export_command(
    folder: Annotated[Path, typer.Argument(help="Folder to write <layout>.schema.json files into.")] = Path("schemas"),
) -> None:
    """Write a JSON Schema per layout (the repository keeps them in schemas/)."""
    for path in write_schemas(all_layouts(), folder):
        typer.echo(f"Wrote {path}")


@schemas_app.command("json")
def json_command(
    layout: Annotated[str, typer.Argument(help=f"One of {', '.join(LAYOUT_NAMES)}.")],
) -> None:
    """Print the JSON Schema of one layout."""
    try:
        typer.echo(schema_text(load_layout(layout)), nl=False)
    except KeyError as error:
        raise typer.BadParameter(str(error.args[0]), param_hint="LAYOUT") from None


@schemas_app.command("show")
def show_command(
    layout: Annotated[str, typer.Argument(help=f"One of {', '.join(LAYOUT_NAMES)}.")],
    plan: Plan = None,
) -> None:
    """Print the columns of one layout as a plan has it: id, header, type, required and accepted aliases."""
    try:
        effective = load_layout(layout, plan)
    except KeyError as error:
        raise typer.BadParameter(str(error.args[0]), param_hint="LAYOUT") from None
    console, _ = report_console()
    table = Table(title=f"{effective.name}: {effective.title} ({plan or 'reference'} profile)", title_justify="left")
    for heading in ("id", "name", "type", "required", "aliases"):
        table.add_column(heading, overflow="fold")
    for column in effective.columns:
        required = "yes" if column.required else "conditional" if column.required_if else ""
        table.add_row(column.id, column.name, column.type.value, required, "; ".join(column.aliases))
    console.print(table)
