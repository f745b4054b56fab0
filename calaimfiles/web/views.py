"""The page's handlers: each reads a form, calls the library as the matching CLI command does, and draws a page.

Work that reads or writes workbooks runs in a worker thread (`run_in_threadpool`), so one long check never stalls
the page's other requests. Every failure the library explains (a hostile file, a damaged one, a plan profile that
does not load) is shown as the CLI says it, in one sentence; anything else is named by its type only, since its
text may quote a member's cell.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from calaimfiles.commands.common import failure_reason
from calaimfiles.findings import Finding, Severity
from calaimfiles.fixing import FixOutcome, check_fixable, plan_fixes, write_fixed
from calaimfiles.layouts import ProfileError
from calaimfiles.report import Run
from calaimfiles.validate import InputError, SheetResult, ValidationRequest, validate_file, validate_files, validate_set
from calaimfiles.web import grid
from calaimfiles.web.page import Page, page_of
from calaimfiles.web.security import BAD_FORM, CSRF_FIELD, refusal
from calaimfiles.web.workspace import StoredFile

LOG = logging.getLogger("calaimfiles.serve")
MAX_FILES_AT_ONCE = 50
SEVERITY_ICONS = {Severity.ERROR: "\u2716", Severity.WARNING: "\u26a0", Severity.INFO: "\u2139"}


# -- shared ---------------------------------------------------------------------------------------------------

def render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    page = page_of(request)
    context.update(
        csrf_field=CSRF_FIELD, csrf=page.keys.csrf, plan=page.plan or "", plans=page.plan_choices(),
        today=page.today(), profiles=page.profiles(), icons=SEVERITY_ICONS, wiped=page.workspace.wiped,
        idle_minutes=page.workspace.idle_seconds / 60,
        max_upload_mb=page.max_upload_bytes / (1 << 20), current=request.url.path,
    )
    return page.templates.TemplateResponse(request, name, context, status_code=status)


async def read_form(request: Request) -> FormData:
    """The form, once its CSRF field proves it came from this page."""
    form = await request.form(max_files=MAX_FILES_AT_ONCE, max_fields=200)
    if not page_of(request).keys.is_csrf(form.get(CSRF_FIELD)):
        raise HTTPException(403, BAD_FORM)
    return form


def stored_or_404(request: Request, file_id: str | None = None) -> StoredFile:
    stored = page_of(request).workspace.get(file_id or request.path_params["file_id"])
    if stored is None:
        raise HTTPException(404, "This file is no longer on the page (the server was restarted or left idle): "
                                 "add it again.")
    return stored


def request_for(page: Page) -> ValidationRequest:
    return ValidationRequest(as_of=page.today(), plan=page.resolve_plan(page.plan))


def reason(error: Exception) -> str:
    """One sentence for a failure, as the CLI prints it (the file at fault named when it is a partner)."""
    where = f"{error.path.name}: " if isinstance(error, InputError) and error.path else ""
    if not isinstance(error, InputError | ProfileError | OSError):
        LOG.error("calaimfiles serve: a check failed (%s)", type(error).__name__)
    return where + failure_reason(error)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# -- home -----------------------------------------------------------------------------------------------------

async def home(request: Request) -> Response:
    page = page_of(request)
    from calaimfiles.rules.windows import add_months, upcoming_deadlines

    today = page.today()
    try:
        deadlines = await run_in_threadpool(upcoming_deadlines, today, add_months(today, 2),
                                            page.resolve_plan(page.plan))
    except ProfileError as error:
        return render(request, "message.html", 400, title="Plan profile", message=str(error))
    return render(request, "home.html", files=[_file_view(f) for f in page.workspace.files()],
                  deadlines=[(d.day, (d.day - today).days, d.what) for d in deadlines])


async def choose_plan(request: Request) -> Response:
    form = await read_form(request)
    page = page_of(request)
    chosen = str(form.get("plan") or "")
    try:
        page.resolve_plan(chosen)
    except ProfileError as error:
        return render(request, "message.html", 400, title="Plan profile", message=str(error))
    page.plan = chosen or None
    return RedirectResponse("/", status_code=303)


# -- check ----------------------------------------------------------------------------------------------------

async def check(request: Request) -> Response:
    """Store the files given and check them; several files are checked as the CLI checks a folder (paired)."""
    form = await read_form(request)
    page = page_of(request)
    uploads = [item for item in form.getlist("files") if isinstance(item, UploadFile) and item.filename]
    if not uploads:
        return render(request, "message.html", 400, title="Check files",
                      message="Choose one or more workbooks (.xlsx, .xlsm, .xls or .csv) first.")
    folder = page.workspace.new_folder()
    stored = [page.workspace.store(folder, item.filename or "upload", item.file) for item in uploads]
    for item in uploads:
        await item.close()
    try:
        validation = request_for(page)
    except ProfileError as error:
        return render(request, "message.html", 400, title="Plan profile", message=str(error))
    await run_in_threadpool(_check_stored, stored, validation)
    return RedirectResponse(f"/files?ids={','.join(f.id for f in stored)}", status_code=303)


def _check_stored(stored: list[StoredFile], validation: ValidationRequest) -> None:
    paths = [file.path for file in stored]
    outcomes = validate_files(paths, validation, {paths[0].parent: paths} if len(paths) > 1 else None)
    by_path = {file.path: file for file in stored}
    for outcome in outcomes:
        file = by_path.get(outcome.path)
        if file is None:  # the checks across a folder's files failed: each file keeps its own results
            across = f"the checks across these files failed: {reason(outcome.error)}" if outcome.error else None
            for each in stored:
                each.error = each.error or across
            continue
        file.checked = True
        file.results = outcome.results
        file.error = reason(outcome.error) if outcome.error is not None else None
        file.partners = [other.name for other in stored if other is not file] if len(stored) > 1 else []


async def check_together(request: Request) -> Response:
    """A return file with the plan's file it answers and an RTF's outreach trackers, chosen on the page."""
    form = await read_form(request)
    page = page_of(request)
    primary = stored_or_404(request, str(form.get("primary") or ""))
    against_id = str(form.get("against") or "")
    against = stored_or_404(request, against_id) if against_id else None
    trackers = page.workspace.several(str(v) for v in form.getlist("otf"))
    partners = [f for f in [against, *trackers] if f is not None and f is not primary]
    if not partners:
        return render(request, "message.html", 400, title="Check files together",
                      message="Choose the plan's file the return file answers, or its outreach trackers.")
    try:
        results = await run_in_threadpool(
            validate_set, primary.path, request_for(page), against.path if against else None,
            [t.path for t in trackers if t is not primary])
    except Exception as error:
        primary.error = reason(error)
    else:
        primary.results = [r for r in results if r.path == primary.path]
        primary.error = None
    primary.checked = True
    primary.partners = [f.name for f in partners]
    return RedirectResponse(f"/files/{primary.id}", status_code=303)


@dataclass
class _FindingView:
    anchor: str
    finding: Finding
    first_of_row: bool


def _file_view(stored: StoredFile, index: int = 0, with_grid: bool = False) -> dict[str, Any]:
    sheets = []
    for number, result in enumerate(stored.results):
        prefix = f"{index}-{number}"
        findings = []
        previous_row: object = object()
        for position, finding in enumerate(result.findings):
            findings.append(_FindingView(f"f{prefix}-{position}", finding, finding.row != previous_row))
            previous_row = finding.row
        sheet_grid = None
        if with_grid:
            try:
                sheet_grid = grid.sheet_grid(stored.path, result.sheet, [(f.anchor, f.finding) for f in findings])
            except Exception as error:
                LOG.error("calaimfiles serve: a grid could not be drawn (%s)", type(error).__name__)
        sheets.append({
            "result": result, "prefix": prefix, "findings": findings, "grid": sheet_grid,
            "errors": result.count(Severity.ERROR), "warnings": result.count(Severity.WARNING),
            "fixable": sum(1 for f in result.findings if f.fixable),
            "codes": sorted({f.code for f in result.findings}),
            "columns": sorted({f.column for f in result.findings if f.column}),
        })
    run = Run(results=stored.results)
    return {"file": stored, "sheets": sheets, "errors": run.errors, "warnings": run.warnings,
            "fixable": run.fixable, "index": index}


async def show_files(request: Request) -> Response:
    page = page_of(request)
    ids = request.query_params.get("ids", "").split(",")
    files = page.workspace.several(i for i in ids if i)
    if not files:
        raise HTTPException(404, "These files are no longer on the page (the server was restarted or left idle): "
                                 "add them again.")
    views = await run_in_threadpool(lambda: [_file_view(f, i, with_grid=True) for i, f in enumerate(files)])
    return render(request, "files.html", views=views, others=page.workspace.files())


async def show_file(request: Request) -> Response:
    stored = stored_or_404(request)
    view = await run_in_threadpool(_file_view, stored, 0, True)
    return render(request, "files.html", views=[view], others=page_of(request).workspace.files())


# -- fix and reports ------------------------------------------------------------------------------------------

def fixed_name(stored: StoredFile) -> str:
    path = Path(stored.name)
    return f"{path.stem}.fixed{path.suffix}"


async def fix(request: Request) -> Response:
    """Every safe fix into NAME.fixed.xlsx (the stored original only read), each change shown, then what is left."""
    await read_form(request)
    page = page_of(request)
    stored = stored_or_404(request)
    destination = page.workspace.output_folder(stored) / fixed_name(stored)
    try:
        outcome, remaining = await run_in_threadpool(_fix, stored.path, destination, request_for(page))
    except Exception as error:
        return render(request, "message.html", 400, title=f"Fix {stored.name}", message=reason(error))
    run = Run(results=remaining)
    return render(request, "fixed.html", file=stored, outcome=outcome, fixed=fixed_name(stored),
                  errors=run.errors, warnings=run.warnings, remaining=run.findings())


def _fix(source: Path, destination: Path, validation: ValidationRequest) -> tuple[FixOutcome, list[SheetResult]]:
    check_fixable(source)
    destination.unlink(missing_ok=True)
    outcome = write_fixed(source, destination, plan_fixes(validate_file(source, validation)))
    return outcome, validate_file(destination, validation)


def download(path: Path, name: str, media_type: str | None = None) -> FileResponse:
    return FileResponse(path, filename=name, media_type=media_type, content_disposition_type="attachment")


async def fixed_download(request: Request) -> Response:
    stored = stored_or_404(request)
    path = page_of(request).workspace.output_folder(stored) / fixed_name(stored)
    if not path.is_file():
        raise HTTPException(404, "Apply the fixes first: the fixed workbook is made by the Fix button.")
    return download(path, fixed_name(stored))


async def annotated_download(request: Request) -> Response:
    """The checked workbook with each finding on its cell, as `validate --report NAME.xlsx` writes it."""
    from calaimfiles.report.annotated import write_annotated

    stored = stored_or_404(request)
    path = Path(stored.name)
    name = f"{path.stem}.annotated{path.suffix}"
    target = page_of(request).workspace.output_folder(stored) / name
    target.unlink(missing_ok=True)
    try:
        await run_in_threadpool(write_annotated, stored.path, stored.results, target, show_values=True)
    except Exception as error:
        return render(request, "message.html", 400, title="Annotated workbook", message=reason(error))
    return download(target, name)


async def report_download(request: Request) -> Response:
    """The HTML report of `validate --report NAME.html`, with the member values this screen shows."""
    from calaimfiles.report.html import render_html

    stored = stored_or_404(request)
    page_text = await run_in_threadpool(lambda: render_html(Run(results=stored.results), show_values=True,
                                                            title=f"calaimfiles report: {stored.name}"))
    target = page_of(request).workspace.output_folder(stored) / f"{Path(stored.name).stem}.report.html"
    target.write_text(page_text, encoding="utf-8")
    return download(target, target.name, "text/html")


# -- references -----------------------------------------------------------------------------------------------

async def rules(request: Request) -> Response:
    from calaimfiles.rules import all_rules

    return render(request, "rules.html", rules=all_rules())


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return refusal(error.status_code, str(error.detail))


def routes() -> Sequence[BaseRoute]:
    return [
        Route("/", home),
        Route("/plan", choose_plan, methods=["POST"]),
        Route("/check", check, methods=["POST"]),
        Route("/together", check_together, methods=["POST"]),
        Route("/files", show_files),
        Route("/files/{file_id}", show_file),
        Route("/files/{file_id}/fix", fix, methods=["POST"]),
        Route("/files/{file_id}/fixed", fixed_download),
        Route("/files/{file_id}/annotated", annotated_download),
        Route("/files/{file_id}/report", report_download),
        Route("/rules", rules),
    ]

