"""`calaimfiles build`: draft a return file (or a blank template) for the provider to finish in Excel.

Each command writes the workbook, validates it and lists what is left for the provider, grouped by column
with row ranges. A draft with cells left to fill is the expected result (exit 0); exit 2 means an input
could not be read or the output could not be written, said in one line on stderr.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from calaimfiles.building import (
    build_csprtf,
    build_rtf,
    describe_draft,
    group_findings,
    most_common,
    period_tag,
    records_of,
    resolve_provider_phone,
    row_ranges,
)
from calaimfiles.commands.common import (
    AsOf,
    Force,
    Plan,
    as_of_day,
    current_config,
    fail,
    one_line_errors,
    parse_month,
)
from calaimfiles.layouts import load_layout
from calaimfiles.validate import InputError, ValidationRequest, today_in_california, validate_file
from calaimfiles.wording import plural
from calaimfiles.writing.output import atomic_output, check_destination

build_app = typer.Typer(help="Draft return files from the plan's files, or blank templates.", no_args_is_help=True)


class TemplateLayout(StrEnum):
    rtf = "rtf"
    otf = "otf"
    csprtf = "csprtf"
    csasf = "csasf"
    mif = "mif"


Output = Annotated[Path | None, typer.Option("--output", "-o", help="Where to write the workbook.", readable=False)]


@build_app.command("template")
def template_command(
    layout: Annotated[TemplateLayout, typer.Argument(help="The layout of the blank workbook.")],
    output: Output = None,
    force: Force = False,
    plan: Plan = None,
) -> None:
    """A blank workbook of a layout: header, drop-down lists and an Instructions sheet."""
    target = output or Path(f"{layout.value}_template.xlsx")
    _write(target, force, layout.value.upper(), [], today_in_california(), plan, instructions=True)


@build_app.command("rtf")
def rtf_command(
    source: Annotated[Path, typer.Option(
        "--from", help="The plan's MIF for the month.", show_default=False, readable=False)],
    previous: Annotated[Path | None, typer.Option(
        help="Last month's RTF, whose answers are carried forward.", readable=False)] = None,
    provider_phone: Annotated[str | None, typer.Option(
        help="The ECM provider's phone number (default: `phone` under [provider] in the configuration file, "
             "else the one on the previous RTF).")] = None,
    as_of: AsOf = None,
    output: Output = None,
    force: Force = False,
    plan: Plan = None,
) -> None:
    """Draft the RTF: every MIF member not termed, with last month's answers carried forward by CIN."""
    day = as_of_day(as_of)
    config = current_config()
    try:
        phone = resolve_provider_phone(provider_phone, "--provider-phone", config)
    except InputError as error:
        fail(str(error))
    draft = build_rtf(_records(source, day, plan, "MIF"), _records(previous, day, plan, "RTF") if previous else [],
                      production_date=day, provider_phone=phone, plan=plan)
    target = output or source.with_name(f"rtf_{period_tag(draft.reporting_period)}.xlsx")
    _write(target, force, "RTF", draft.rows, day, plan,
           note=describe_draft(draft, "termed member", previous.name if previous else None))


@build_app.command("csprtf")
def csprtf_command(
    source: Annotated[Path, typer.Option(
        "--from", help="The plan's latest CSASF.", show_default=False, readable=False)],
    previous: Annotated[Path | None, typer.Option(
        help="Last month's CSPRTF, whose answers are carried forward.", readable=False)] = None,
    period: Annotated[str | None, typer.Option(
        metavar="YYYY-MM", help="The reporting month (default: the month the CSASF was produced).")] = None,
    as_of: AsOf = None,
    output: Output = None,
    force: Force = False,
    plan: Plan = None,
) -> None:
    """Draft the CSPRTF: every CSASF member + service not resolved, with last month's answers carried forward."""
    day = as_of_day(as_of)
    draft = build_csprtf(_records(source, day, plan, "CSASF"),
                         _records(previous, day, plan, "CSPRTF") if previous else [],
                         production_date=day, reporting_period=parse_month(period), plan=plan)
    target = output or source.with_name(f"csprtf_{period_tag(draft.reporting_period)}.xlsx")
    _write(target, force, "CSPRTF", draft.rows, day, plan,
           note=describe_draft(draft, "resolved authorization", previous.name if previous else None))


@build_app.command("otf")
def otf_command(
    source: Annotated[Path, typer.Option(
        "--from", help="The MIF or RTF of the month the outreach belongs to.", show_default=False, readable=False)],
    as_of: AsOf = None,
    output: Output = None,
    force: Force = False,
    plan: Plan = None,
) -> None:
    """An empty OTF for the month of a MIF or RTF, with drop-down lists, for the provider to log attempts."""
    day = as_of_day(as_of)
    records = _records(source, day, plan, "MIF", "RTF")
    period = most_common(records, "reporting_period")
    target = output or source.with_name(f"otf_{period_tag(period if isinstance(period, dt.date) else None)}.xlsx")
    _write(target, force, "OTF", [], day, plan)


def _records(path: Path, day: dt.date, plan: str | None, *layouts: str) -> list[dict[str, Any]]:
    with one_line_errors(path):
        return records_of(path, day, plan, *layouts)


def _write(target: Path, force: bool, layout_name: str, rows: list[dict[str, Any]], day: dt.date,
           plan: str | None, *, instructions: bool = False, note: str = "") -> None:
    """Write atomically, then validate the new file and list what the provider still has to fill."""
    layout = load_layout(layout_name, plan)
    with one_line_errors(target):
        destination = check_destination(target, force)
        from calaimfiles.writing.layout_workbook import write_layout_workbook  # openpyxl: only when writing

        with atomic_output(destination) as partial:
            write_layout_workbook(partial, layout, rows, instructions=instructions)
    typer.echo(f"Wrote {destination}: {layout_name}, {plural(len(rows), 'row')}" + (f" ({note})" if note else ""))
    results = validate_file(destination, ValidationRequest(as_of=day, layout=layout_name, plan=plan))
    groups = group_findings((f for r in results for f in r.findings), layout)
    if not groups:
        typer.echo("No findings: the file is ready to send.")
        return
    typer.echo("Left for you to fill or check before sending:")
    for group in groups:
        where = f"rows {row_ranges(group.rows)}" if len(group.rows) > 1 else (
            f"row {group.rows[0]}" if group.rows else "file")
        hint = f" ({group.hint})" if group.hint else ""
        typer.echo(f"  {group.severity.label:<7} {group.code:<16} {where}: {group.message}{hint}")
