"""`calaimfiles validate`: check files before upload, or as a gate in a data pipeline."""

from __future__ import annotations

import datetime as dt
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from calaimfiles.findings import Severity
from calaimfiles.layouts import LAYOUT_NAMES
from calaimfiles.report import Run
from calaimfiles.report.machine import render_github, render_json, render_junit
from calaimfiles.report.text import render_text
from calaimfiles.validate import (
    InputError,
    Selection,
    ValidationRequest,
    collect_files,
    today_in_california,
    validate_file,
)

_PIPE_WIDTH = 140  # rich assumes 80 columns when output is piped; findings read better wider


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"
    github = "github"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"


def _parse_day(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date: use YYYY-MM-DD", param_hint=option) from None


def _parse_month(text: str | None) -> dt.date | None:
    if text is None:
        return None
    for pattern in ("%Y-%m", "%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise typer.BadParameter(f"{text!r} is not a month: use YYYY-MM or MM/YYYY", param_hint="--period")


def _split_codes(values: list[str] | None) -> tuple[str, ...]:
    return tuple(code.strip() for value in values or [] for code in value.split(",") if code.strip())


def validate_command(
    paths: Annotated[list[Path], typer.Argument(
        help="Workbooks (.xlsx, .xlsm, .xls) or CSV files, or folders of them.", show_default=False)],
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.text,
    fail_on: Annotated[FailOn, typer.Option(help="Exit 1 on errors only, or on warnings too.")] = FailOn.error,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", metavar="YYYY-MM-DD", help="The day future dates are judged by (default: today in California).",
    )] = None,
    period: Annotated[str | None, typer.Option(
        metavar="YYYY-MM", help="The reporting month, for OTF attempts after the period.")] = None,
    layout: Annotated[str | None, typer.Option(
        help=f"Treat the sheets as this layout: {', '.join(LAYOUT_NAMES)}.")] = None,
    sheet: Annotated[str | None, typer.Option(help="Check only this sheet.")] = None,
    select: Annotated[list[str] | None, typer.Option(
        help="Report only these codes or prefixes (e.g. RTF,CIN).")] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="Do not report these codes or prefixes.")] = None,
    show_values: Annotated[bool, typer.Option("--show-values",
                                              help="Quote member values in every format (they are PHI).")] = False,
) -> None:
    """Check CalAIM files and explain everything the plan would reject.

    Exit code: 0 no errors, 1 errors (or warnings with --fail-on warning), 2 an input could not be processed.
    """
    if layout is not None and layout.upper() not in LAYOUT_NAMES:
        raise typer.BadParameter(f"choose one of {', '.join(LAYOUT_NAMES)}", param_hint="--layout")
    request = ValidationRequest(
        as_of=_parse_day(as_of, "--as-of") or today_in_california(),
        period=_parse_month(period),
        layout=layout,
        sheet=sheet,
        selection=Selection(_split_codes(select), _split_codes(ignore)),
    )
    run = Run()
    files = collect_files(paths)
    if not files:
        typer.echo(f"calaimfiles: {', '.join(map(str, paths))}: no workbooks found", err=True)
        raise typer.Exit(2)
    for path in files:
        try:
            run.results.extend(validate_file(path, request))
            continue
        except InputError as error:
            reason = str(error)
        except Exception as error:  # a bug in one check must not cost the other files' results
            if os.environ.get("CALAIMFILES_DEBUG"):
                raise
            # The exception's text may quote a cell (member data), so only its type is shown.
            reason = (f"internal error ({type(error).__name__}); set CALAIMFILES_DEBUG=1 for details, "
                      "and please report it")
        run.failures.append((str(path), reason))
        typer.echo(f"calaimfiles: {path}: {reason}", err=True)
    _render(run, output_format, show_values)
    raise typer.Exit(run.exit_code(Severity.WARNING if fail_on is FailOn.warning else Severity.ERROR))


def _render(run: Run, output_format: OutputFormat, show_values: bool) -> None:
    if output_format is OutputFormat.text:
        on_terminal = sys.stdout.isatty()
        console = Console(highlight=False, width=None if on_terminal else _PIPE_WIDTH)
        if run.results or not run.failures:
            render_text(run, console, show_values or on_terminal)
        return
    renderers = {OutputFormat.json: render_json, OutputFormat.junit: render_junit, OutputFormat.github: render_github}
    text = renderers[output_format](run, show_values)
    if text:
        typer.echo(text)
