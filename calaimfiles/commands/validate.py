"""`calaimfiles validate`: check files before upload, or as a gate in a data pipeline."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from calaimfiles.commands.common import (
    AsOf,
    LayoutName,
    ShowValues,
    as_of_day,
    fail,
    failure_reason,
    parse_month,
    report_console,
)
from calaimfiles.findings import Severity
from calaimfiles.report import Run
from calaimfiles.report.machine import render_github, render_json, render_junit
from calaimfiles.report.text import render_text
from calaimfiles.validate import Selection, ValidationRequest, collect_files, validate_file


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"
    github = "github"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"


def _split_codes(values: list[str] | None) -> tuple[str, ...]:
    return tuple(code.strip() for value in values or [] for code in value.split(",") if code.strip())


def validate_command(
    paths: Annotated[list[Path], typer.Argument(
        help="Workbooks (.xlsx, .xlsm, .xls) or CSV files, or folders of them.", show_default=False)],
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.text,
    fail_on: Annotated[FailOn, typer.Option(help="Exit 1 on errors only, or on warnings too.")] = FailOn.error,
    as_of: AsOf = None,
    period: Annotated[str | None, typer.Option(
        metavar="YYYY-MM", help="The reporting month, for OTF attempts after the period.")] = None,
    layout: LayoutName = None,
    sheet: Annotated[str | None, typer.Option(help="Check only this sheet.")] = None,
    select: Annotated[list[str] | None, typer.Option(
        help="Report only these codes or prefixes (e.g. RTF,CIN).")] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="Do not report these codes or prefixes.")] = None,
    show_values: ShowValues = False,
) -> None:
    """Check CalAIM files and explain everything the plan would reject.

    Exit code: 0 no errors, 1 errors (or warnings with --fail-on warning), 2 an input could not be processed.
    """
    request = ValidationRequest(
        as_of=as_of_day(as_of),
        period=parse_month(period),
        layout=layout,
        sheet=sheet,
        selection=Selection(_split_codes(select), _split_codes(ignore)),
    )
    run = Run()
    files = collect_files(paths)
    if not files:
        fail(f"{', '.join(map(str, paths))}: no workbooks found")
    for path in files:
        try:
            run.results.extend(validate_file(path, request))
        except Exception as error:  # a bug in one check must not cost the other files' results
            reason = failure_reason(error)
            run.failures.append((str(path), reason))
            typer.echo(f"calaimfiles: {path}: {reason}", err=True)
    _render(run, output_format, show_values)
    raise typer.Exit(run.exit_code(Severity.WARNING if fail_on is FailOn.warning else Severity.ERROR))


def _render(run: Run, output_format: OutputFormat, show_values: bool) -> None:
    if output_format is OutputFormat.text:
        console, on_terminal = report_console()
        if run.results or not run.failures:
            render_text(run, console, show_values or on_terminal)
        return
    renderers = {OutputFormat.json: render_json, OutputFormat.junit: render_junit, OutputFormat.github: render_github}
    text = renderers[output_format](run, show_values)
    if text:
        typer.echo(text)
