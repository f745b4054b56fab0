"""`calaimfiles validate`: check files before upload, or as a gate in a data pipeline."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from calaimfiles.commands.common import (
    AsOf,
    Force,
    LayoutName,
    Plan,
    ShowValues,
    as_of_day,
    fail,
    failure_reason,
    one_line_errors,
    parse_month,
    report_console,
)
from calaimfiles.commands.progress import FileProgress
from calaimfiles.findings import Severity
from calaimfiles.paths import same_place
from calaimfiles.report import MAX_LISTED, Run
from calaimfiles.report.machine import render_github, render_json, render_junit
from calaimfiles.report.sarif import render_sarif
from calaimfiles.report.streamed import write_chunks
from calaimfiles.report.text import render_text
from calaimfiles.validate import (
    InputError,
    Selection,
    ValidationRequest,
    collect_files,
    default_jobs,
    validate_files,
    validate_set,
)
from calaimfiles.writing.output import OutputError, atomic_output, check_destination


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"
    github = "github"
    sarif = "sarif"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"


WORKBOOK_REPORT = (".xlsx", ".xlsm")
PAGE_REPORT = (".html", ".htm")


def _split_codes(values: list[str] | None) -> tuple[str, ...]:
    return tuple(code.strip() for value in values or [] for code in value.split(",") if code.strip())


def validate_command(
    paths: Annotated[list[Path], typer.Argument(
        help="Workbooks (.xlsx, .xlsm, .xls) or CSV files, or folders of them.", show_default=False, readable=False)],
    output_format: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.text,
    fail_on: Annotated[FailOn, typer.Option(help="Exit 1 on errors only, or on warnings too.")] = FailOn.error,
    as_of: AsOf = None,
    period: Annotated[str | None, typer.Option(
        metavar="YYYY-MM", help="The reporting month, for OTF attempts after the period.")] = None,
    layout: LayoutName = None,
    plan: Plan = None,
    sheet: Annotated[str | None, typer.Option(help="Check only this sheet.")] = None,
    select: Annotated[list[str] | None, typer.Option(
        help="Report only these codes or prefixes (e.g. RTF,CIN).")] = None,
    ignore: Annotated[list[str] | None, typer.Option(help="Do not report these codes or prefixes.")] = None,
    against: Annotated[Path | None, typer.Option(
        "--against", metavar="FILE", show_default=False,
        help="Check the one return file against the plan's file it answers: an RTF against its MIF, a CSPRTF "
             "against its CSASF.", readable=False)] = None,
    otf: Annotated[list[Path] | None, typer.Option(
        "--otf", metavar="FILE", show_default=False,
        help="Check the one RTF against this outreach tracker (R9 and the encounter counts); give it once per "
             "month of outreach.", readable=False)] = None,
    show_values: ShowValues = False,
    report: Annotated[list[Path] | None, typer.Option(
        "--report", metavar="PATH", show_default=False,
        help="Also write the findings to PATH: .xlsx/.xlsm, a copy of the one input workbook with each finding "
             "marked on its cell; .html, a page to open or share. Give it twice for both.", readable=False)] = None,
    force: Force = False,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, show_default="all cores",
        help="Check this many files at a time, each in its own process (a folder or several files).")] = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress bar and no notes such as 'Wrote PATH'; the report and every problem "
                              "are shown as usual.")] = False,
    max_listed: Annotated[int, typer.Option(
        "--max-listed", min=0, metavar="N",
        help="List at most N findings per sheet in the text report and the HTML report, then one line for the "
             "rest by code (0: list all). The counts, the exit code and the other formats include every finding.",
    )] = MAX_LISTED,
) -> None:
    """Check CalAIM files and explain everything the plan would reject.

    A folder's files are also checked against each other: an RTF with the MIF of its month and the OTFs of its
    provider, a CSPRTF with the latest CSASF.

    Exit code: 0 no errors, 1 errors (or warnings with --fail-on warning), 2 an input could not be processed
    or a --report could not be written.
    """
    request = ValidationRequest(
        as_of=as_of_day(as_of),
        period=parse_month(period),
        layout=layout,
        plan=plan,
        sheet=sheet,
        selection=Selection(_split_codes(select), _split_codes(ignore)),
    )
    partners = ([against] if against else []) + (otf or [])
    if partners and (len(paths) != 1 or paths[0].is_dir()):
        fail("--against and --otf check exactly one file, not a folder or several files")
    run = Run()
    files = collect_files(paths)
    if not files:
        fail(f"{', '.join(map(str, paths))}: no workbooks found")
    reports = report or []
    _check_reports(reports, files, partners, force)
    _check_all(run, paths, files, request, against, otf or [], quiet, jobs or default_jobs())
    _render(run, output_format, show_values, max_listed)
    code = run.exit_code(Severity.WARNING if fail_on is FailOn.warning else Severity.ERROR)
    for destination in reports:
        if not _write_report(destination, run, files[0], show_values, force, quiet, max_listed):
            code = 2
    raise typer.Exit(code)


def _check_all(
    run: Run, paths: list[Path], files: list[Path], request: ValidationRequest, against: Path | None,
    otf: list[Path], quiet: bool, jobs: int,
) -> None:
    """Check every file once, in order: a file given with partners together with them, the files of a folder
    also against each other."""
    progress = FileProgress(files, quiet=quiet)
    if against or otf:
        for path in progress:
            try:
                run.results.extend(validate_set(path, request, against, otf))
            except Exception as error:  # reported like any file's failure, naming the partner at fault
                _failed(run, progress.say, path, error)
        return
    ticks = iter(progress)  # the bar moves on as each file's own checks end
    next(ticks, None)
    folders = {path: collect_files([path]) for path in paths if path.is_dir()}
    for outcome in validate_files(files, request, folders, jobs, on_file=lambda _: next(ticks, None)):
        if outcome.error is not None:
            _failed(run, progress.say, outcome.path, outcome.error)
        else:
            run.results.extend(outcome.results)


def _failed(run: Run, say: Callable[[str], None], path: Path, error: Exception) -> None:
    """Record a file that could not be checked, under the name of the file at fault (maybe a partner)."""
    where = error.path if isinstance(error, InputError) and error.path else path
    reason = failure_reason(error)
    run.failures.append((str(where), reason))
    say(f"calaimfiles: {where}: {reason}")


def _check_reports(reports: list[Path], files: list[Path], partners: list[Path], force: bool) -> None:
    """Refuse a report that could not be written before the validation starts, which may take minutes."""
    for path in reports:
        if path.suffix.lower() not in WORKBOOK_REPORT + PAGE_REPORT:
            fail(f"--report {path}: the report must end in .xlsx or .xlsm (a marked-up copy) or .html (a page)")
    kinds = [_is_workbook(path) for path in reports]
    if len(set(kinds)) < len(kinds):
        fail("--report: give at most one workbook (.xlsx, .xlsm) and one page (.html)")
    source_suffix = files[0].suffix.lower()
    for path, workbook in zip(reports, kinds, strict=True):
        if workbook and len(files) != 1:
            fail(f"--report {path}: a marked-up copy needs exactly one input workbook, not {len(files)} files")
        if workbook and source_suffix in WORKBOOK_REPORT and path.suffix.lower() != source_suffix:
            fail(f"--report {path}: the marked-up copy must end in {source_suffix} like the input, or Excel "
                 "refuses to open it")
        if any(same_place(path, file) for file in files + partners):
            fail(f"--report {path}: that is an input file; write the report to another file")
        with one_line_errors(f"--report {path}"):
            check_destination(path, force)


def _is_workbook(path: Path) -> bool:
    return path.suffix.lower() in WORKBOOK_REPORT


def _write_report(destination: Path, run: Run, source: Path, show_values: bool, force: bool, quiet: bool,
                  max_listed: int) -> bool:
    """Write one --report; False when it could not be written, which one line on stderr explains."""
    try:
        if _is_workbook(destination) and run.failures:
            raise OutputError(f"not written, because {source} could not be checked")
        check_destination(destination, force)  # again: the validation may have taken a while
        if _is_workbook(destination):
            # Imported on use: the writers bring openpyxl and the rule catalogue, which most runs never need.
            from calaimfiles.report.annotated import write_annotated

            own = [result for result in run.results if result.path == source]  # not its partners' findings
            with atomic_output(destination) as partial:
                notes = write_annotated(source, own, partial, show_values=show_values)
        else:
            from calaimfiles.report.html import render_html

            page = render_html(run, show_values=show_values, max_listed=max_listed)
            with atomic_output(destination) as partial:
                partial.write_text(page, encoding="utf-8")
            notes = []
    except Exception as error:
        typer.echo(f"calaimfiles: --report {destination}: {failure_reason(error)}", err=True)
        return False
    for note in notes:
        typer.echo(f"calaimfiles: {destination}: {note}", err=True)
    if not quiet:
        typer.echo(f"Wrote {destination}", err=True)
    return True


def _render(run: Run, output_format: OutputFormat, show_values: bool, max_listed: int) -> None:
    if output_format is OutputFormat.text:
        console, on_terminal = report_console()
        if run.results or not run.failures:
            render_text(run, console, show_values or on_terminal, max_listed)
        return
    renderers = {OutputFormat.json: render_json, OutputFormat.junit: render_junit, OutputFormat.github: render_github,
                 OutputFormat.sarif: render_sarif}
    wrote = False

    def write(text: str) -> None:
        nonlocal wrote
        wrote = True
        typer.echo(text, nl=False)

    write_chunks(renderers[output_format](run, show_values), write)
    if wrote:
        typer.echo()
