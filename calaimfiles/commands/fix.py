"""`calaimfiles fix`: apply every safe fix to a new workbook, show each change, then what is still wrong."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from calaimfiles.commands.common import (
    AsOf,
    Force,
    LayoutName,
    Plan,
    ShowValues,
    as_of_day,
    one_line_errors,
    report_console,
)
from calaimfiles.findings import KEPT_PER_SHEET, Severity
from calaimfiles.fixing import CellFix, FixOutcome, NotFixed, check_fixable, plan_fixes, write_fixed
from calaimfiles.report import Run
from calaimfiles.report.text import render_text
from calaimfiles.validate import SheetResult, ValidationRequest, validate_file
from calaimfiles.wording import plural
from calaimfiles.writing.output import OutputError, check_destination, default_output, exclusive_lock, keep_original
from calaimfiles.writing.patch import CellValue


def fix_command(
    path: Annotated[Path, typer.Argument(help="The workbook to fix (.xlsx or .xlsm); left as it is unless --in-place.",
                                         show_default=False, readable=False)],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Where to write the fixed workbook (default: NAME.fixed.xlsx beside it).",
        show_default=False, readable=False)] = None,
    force: Force = False,
    in_place: Annotated[bool, typer.Option(
        "--in-place", help="Fix the file itself, after copying it to NAME.xlsx.bak (NAME.xlsx.1.bak... if that "
                           "exists: a backup is never replaced). A link's target is fixed.")] = False,
    as_of: AsOf = None,
    layout: LayoutName = None,
    plan: Plan = None,
    sheet: Annotated[str | None, typer.Option(help="Fix only this sheet.")] = None,
    show_values: ShowValues = False,
) -> None:
    """Apply every safe fix the validator offers and write a new workbook; then report what is still wrong.

    Macros, other sheets, formatting, column widths and drop-down lists are kept as they were.
    Exit code: 0 no errors left, 1 errors left, 2 the file could not be fixed or written.
    """
    if in_place and output is not None:
        raise typer.BadParameter("use either --output or --in-place", param_hint="--in-place")
    request = ValidationRequest(as_of=as_of_day(as_of), layout=layout, plan=plan, sheet=sheet)
    console, on_terminal = report_console()
    with one_line_errors(path):
        code = _fix(path, output, force, in_place, request, console, show_values or on_terminal)
    raise typer.Exit(code)


def _fix(path: Path, output: Path | None, force: bool, in_place: bool, request: ValidationRequest,
         console: Console, show_values: bool) -> int:
    check_fixable(path)
    if in_place:
        return _fix_in_place(path, request, console, show_values)
    destination = _destination(path, output, force)
    results = validate_file(path, request)
    outcome = write_fixed(path, destination, plan_fixes(results))
    _print_changes(console, path, outcome, show_values)
    _print_not_examined(console, results)
    console.print(f"Wrote {destination}", soft_wrap=True)
    console.print()
    return _remaining(console, validate_file(destination, request), show_values)


def _fix_in_place(path: Path, request: ValidationRequest, console: Console, show_values: bool) -> int:
    """Fix the file itself, locked against another run for the whole time, after keeping its bytes in the first
    free backup. A link stays a link: the file it points to is fixed, and the message says so."""
    linked = path.is_symlink()
    target = Path(os.path.realpath(path)) if linked else path
    through = f" (through the link {path})" if linked else ""
    with exclusive_lock(target):
        results = validate_file(path, request)
        plan = plan_fixes(results)
        if not plan.fixes:
            _print_not_fixed(console, plan.not_fixed)
            console.print(f"nothing to fix; {target}{through} left as it was", soft_wrap=True)
            return _remaining(console, results, show_values)
        mode = stat.S_IMODE(target.stat().st_mode)
        backup = keep_original(target)
        outcome = write_fixed(target, target, plan)
        os.chmod(target, mode)  # the fixed file replaces the original: keep who may read it
    _print_changes(console, path, outcome, show_values)
    _print_not_examined(console, results)
    console.print(f"Wrote {target}{through} (the original is in {backup})", soft_wrap=True)
    console.print()
    return _remaining(console, validate_file(path, request), show_values)


def _destination(path: Path, output: Path | None, force: bool) -> Path:
    """The output must be another file, with the input's extension (an .xlsm keeps its macros only as .xlsm)."""
    destination = output or default_output(path, "fixed")
    if destination.suffix.lower() != path.suffix.lower():
        raise OutputError(f"the output must end in {path.suffix.lower()}, like the input")
    if destination.exists() and path.exists() and destination.samefile(path):
        raise OutputError("the output would replace the input; use --in-place to fix the file itself")
    return check_destination(destination, force)


def _print_changes(console: Console, path: Path, outcome: FixOutcome, show_values: bool) -> None:
    for name in outcome.dropped_members:
        typer.echo(f"calaimfiles: note: {path}: left out the package member {name!r}: its name points outside "
                   "the workbook (a zip tool would write it there)", err=True)
    sheets = dict.fromkeys([f.sheet for f in outcome.applied] + [n.sheet for n in outcome.not_fixed])
    if not sheets:
        console.print(f"{path}: nothing to fix", soft_wrap=True)
    for sheet in sheets:
        applied = [f for f in outcome.applied if f.sheet == sheet]
        heading = Text.assemble((str(path), "bold"), f"  sheet {sheet!r}: {_changes(len(applied))}")
        console.print(heading, soft_wrap=True)
        for fix in applied:
            line = Text(f"  {fix.cell:<6} ")
            line.append(_change(fix, show_values or not fix.member_data))
            line.append(f"  {', '.join(fix.codes)}", style="green")
            console.print(line, soft_wrap=True)
        _print_not_fixed(console, [n for n in outcome.not_fixed if n.sheet == sheet])


def _print_not_examined(console: Console, results: list[SheetResult]) -> None:
    """Fixable cells past the findings kept of a sheet (`KEPT_PER_SHEET`) were counted, not fixed: say so."""
    more = sum(n for result in results for (_, _, fixable), n in result.not_kept.items() if fixable)
    if more:
        console.print(Text(f"{more:,} more cells could be fixed, past the {KEPT_PER_SHEET:,} findings kept of a "
                           "sheet: run fix again on the fixed file", style="yellow"), soft_wrap=True)


def _print_not_fixed(console: Console, not_fixed: list[NotFixed]) -> None:
    for item in not_fixed:
        console.print(Text(f"  {item.cell:<6} not fixed: {item.reason}  {', '.join(item.codes)}", style="yellow"),
                      soft_wrap=True)


def _changes(count: int) -> str:
    return f"{plural(count, 'cell')} fixed"


def _change(fix: CellFix, show: bool) -> str:
    """`'91234567a ' -> '91234567A'`; member values only when they may be shown (PHI)."""
    before = "(blank)" if fix.before is None else repr(fix.before) if show else "(member value)"
    return f"{before} -> {_shown(fix.after) if show else '(fixed)'}"


def _shown(value: CellValue) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, int | float):
        return str(value)
    return f"{value:%m/%d/%Y} (date cell)"


def _remaining(console: Console, results: list[SheetResult], show_values: bool) -> int:
    """Report what is still wrong with the validate renderer; the exit code is 1 when errors remain."""
    run = Run(results=results)
    render_text(run, console, show_values)
    return run.exit_code(Severity.ERROR)
