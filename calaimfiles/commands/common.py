"""What the commands share: option types, parsing of dates and months, the report console, and the rule
that any failure ends in one plain line on stderr with exit code 2."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from calaimfiles.config import Config, ConfigError, load_config
from calaimfiles.layouts import LAYOUT_NAMES, ProfileError, plan_names
from calaimfiles.paths import SHOWN_ERRORS
from calaimfiles.validate import InputError, today_in_california
from calaimfiles.writing.output import OutputError

INTERRUPTED = 130  # the shell's code for a run ended by Ctrl-C (128 + SIGINT)
PIPE_WIDTH = 140  # rich assumes 80 columns when output is piped; findings read better wider


def _layout_name(value: str | None) -> str | None:
    if value is not None and value.upper() not in LAYOUT_NAMES:
        raise typer.BadParameter(f"choose one of {', '.join(LAYOUT_NAMES)}")
    return value


_config_file: list[Path | None] = [None]  # set once per run by the app's --config option


def use_config(path: Path | None) -> None:
    _config_file[0] = path


def current_config() -> Config:
    """The configuration in force for this run (exit 2 with one line when it cannot be read)."""
    try:
        return load_config(_config_file[0])
    except ConfigError as error:
        fail(str(error))


def resolve_plan(value: str | None) -> str | None:
    """`--plan`'s profile (see Config.resolve_plan); a bad one ends the run in one line before any file is read."""
    if value is None:
        return None
    try:
        return current_config().resolve_plan(value)
    except ProfileError as error:
        fail(str(error))


Force = Annotated[bool, typer.Option("--force", help="Replace the output if it exists.")]
AsOf = Annotated[str | None, typer.Option(
    "--as-of", metavar="YYYY-MM-DD", help="The day the file is judged by (default: today in California).")]
LayoutName = Annotated[str | None, typer.Option(
    "--layout", callback=_layout_name, help=f"Treat the sheets as this layout: {', '.join(LAYOUT_NAMES)}.")]
Plan = Annotated[str | None, typer.Option(
    "--plan", metavar="NAME|FILE.toml", callback=resolve_plan,
    help=f"Read the files as this plan's templates: a profile shipped with calaimfiles ({', '.join(plan_names())}) "
         "or a profile file.")]
ToPlan = Annotated[str | None, typer.Option(
    "--to-plan", metavar="NAME|FILE.toml", callback=resolve_plan,
    help="Write with this plan's column names (default: those of --plan).")]
ShowValues = Annotated[bool, typer.Option(
    "--show-values", help="Quote member values even when the output is piped or saved (they are PHI).")]


def parse_day(text: str | None, option: str = "--as-of") -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: {text!r} is not a date: use YYYY-MM-DD")


def as_of_day(text: str | None) -> dt.date:
    """The day given with --as-of, else today in California."""
    return parse_day(text) or today_in_california()


def parse_month(text: str | None, option: str = "--period") -> dt.date | None:
    if text is None:
        return None
    for pattern in ("%Y-%m", "%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    fail(f"{option}: {text!r} is not a month: use YYYY-MM or MM/YYYY")


def report_console() -> tuple[Console, bool]:
    """The console for human reports, and whether it is a terminal (where member values may be shown)."""
    on_terminal = sys.stdout.isatty()
    return Console(highlight=False, width=None if on_terminal else PIPE_WIDTH), on_terminal


def fail(message: str) -> NoReturn:
    typer.echo(f"calaimfiles: {message}", err=True)
    raise typer.Exit(2)


def failure_reason(error: Exception) -> str:
    """One plain sentence for any failure. An unexpected exception is named by its type only: its text may
    quote a cell, and cells hold member data. CALAIMFILES_DEBUG=1 lets it through with its traceback."""
    if isinstance(error, InputError | OutputError | ProfileError):
        return str(error)
    if isinstance(error, OSError):
        return f"file system error ({error.strerror or type(error).__name__})"
    if os.environ.get("CALAIMFILES_DEBUG"):
        raise error
    return f"internal error ({type(error).__name__}); set CALAIMFILES_DEBUG=1 for details, and please report it"


@contextlib.contextmanager
def one_line_errors(subject: Path | str) -> Iterator[None]:
    """Turn any failure inside the block into `calaimfiles: SUBJECT: reason` and exit code 2."""
    try:
        yield
    except typer.Exit:
        raise
    except Exception as error:
        fail(f"{subject}: {failure_reason(error)}")


def run(app: typer.Typer) -> None:
    """Run the command line: whatever happens, the user reads plain lines and never a traceback.

    A mistake on the command line, a missing or unreadable file among them, is one line and exit code 2 (click
    would draw a box of six). An unexpected failure is one line and exit code 2, never 1, which would read as
    "the file has errors" to a pipeline. Ctrl-C ends the run with one line and exit code 130; whatever was being
    written is removed by `atomic_output` as the interrupt unwinds, so no half-written output is left. A file
    name that is not UTF-8 is shown with its odd bytes as `\\xNN` rather than failing the output.
    """
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors=SHOWN_ERRORS)
    try:
        code = app(standalone_mode=False)
    except KeyboardInterrupt:
        _interrupted()
    except ClickException as error:
        _usage_error(error)
    except typer.Abort:
        typer.echo("calaimfiles: aborted", err=True)
        raise SystemExit(2) from None
    except Exception as error:
        typer.echo(f"calaimfiles: {failure_reason(error)}", err=True)
        raise SystemExit(2) from None
    if code == INTERRUPTED:
        _interrupted()
    raise SystemExit(code if isinstance(code, int) else 0)


def _usage_error(error: ClickException) -> NoReturn:
    """`calaimfiles: validate: Missing argument 'PATHS...'. (calaimfiles validate --help)`: one line. A command
    given without arguments has had its help printed already."""
    if isinstance(error, NoArgsIsHelpError):
        raise SystemExit(2)
    context = getattr(error, "ctx", None)
    # The command's words without the program's own name (`python -m calaimfiles` or a path to the script).
    where = context.command_path.removeprefix(context.find_root().command_path).strip() if context else ""
    hint = f" (calaimfiles {where + ' ' if where else ''}--help)" if isinstance(error, UsageError) else ""
    typer.echo(f"calaimfiles: {where + ': ' if where else ''}{error.format_message()}{hint}", err=True)
    raise SystemExit(2)


def _interrupted() -> NoReturn:
    typer.echo("calaimfiles: interrupted", err=True)
    raise SystemExit(INTERRUPTED)
