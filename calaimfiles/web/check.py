"""Check files on the page, alone or together, and repair them: the library's validate, fix and reports.

Several files added at once are checked as the CLI checks a folder (each alone, then paired: an RTF with the MIF
of its month and its OTFs, a CSPRTF with its CSASF); "check together" pairs them as the page's user chooses
(`validate --against --otf`). The stored original is only ever read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from calaimfiles.findings import Finding, Severity
from calaimfiles.fixing import FixOutcome, check_fixable, plan_fixes, write_fixed
from calaimfiles.layouts import ProfileError
from calaimfiles.report import MAX_LISTED, Run, listed
from calaimfiles.validate import SheetResult, ValidationRequest, validate_file, validate_files, validate_set
from calaimfiles.web import grid
from calaimfiles.web.common import LOG, download, read_form, reason, render, request_for, stored_or_404
from calaimfiles.web.page import page_of
from calaimfiles.web.workspace import StoredFile

# -- check ----------------------------------------------------------------------------------------------------

async def check(request: Request) -> Response:
    """Store the files given and check them; several files are checked as the CLI checks a folder (paired)."""
    form = await read_form(request)
    page = page_of(request)
    uploads = [item for item in form.getlist("files") if isinstance(item, UploadFile) and item.filename]
    if not uploads:
        return render(request, "message.html", 400, title="Check files",
                      message="Choose one or more workbooks (.xlsx, .xlsm, .xls or .csv) first.")
    try:
        validation = request_for(page)
    except ProfileError as error:
        return render(request, "message.html", 400, title="Plan profile", message=str(error))
    folder = page.workspace.new_folder()
    stored = [page.workspace.store(folder, item.filename or "upload", item.file) for item in uploads]
    for item in uploads:
        await item.close()
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


def file_view(stored: StoredFile, index: int = 0, with_grid: bool = False) -> dict[str, Any]:
    sheets = []
    for number, result in enumerate(stored.results):
        prefix = f"{index}-{number}"
        findings = []
        previous_row: object = object()
        shown_here = listed(result.findings, MAX_LISTED)
        for position, finding in enumerate(shown_here):
            findings.append(_FindingView(f"f{prefix}-{position}", finding, finding.row != previous_row))
            previous_row = finding.row
        sheet_grid = None
        if with_grid:
            try:
                sheet_grid = grid.sheet_grid(stored.path, result.sheet, [(f.anchor, f.finding) for f in findings],
                                             stored.heads)
            except Exception as error:
                LOG.error("calaimfiles serve: a grid could not be drawn (%s)", type(error).__name__)
        sheets.append({
            "result": result, "prefix": prefix, "findings": findings, "grid": sheet_grid,
            "hidden": len(result.findings) - len(shown_here) + sum(result.not_kept.values()),
            "errors": result.count(Severity.ERROR), "warnings": result.count(Severity.WARNING),
            "fixable": result.fixable(),
            "codes": sorted({f.code for f in result.findings}),
            "columns": sorted({f.column for f in result.findings if f.column}),
        })
    run = Run(results=stored.results)
    return {"file": stored, "sheets": sheets, "errors": run.errors, "warnings": run.warnings,
            "fixable": run.fixable, "index": index, "fixed_name": fixed_name(stored)}


async def show_files(request: Request) -> Response:
    page = page_of(request)
    ids = request.query_params.get("ids", "").split(",")
    files = page.workspace.several(i for i in ids if i)
    if not files:
        raise HTTPException(404, "These files are no longer on the page (the server was restarted or left idle): "
                                 "add them again.")
    views = await run_in_threadpool(lambda: [file_view(f, i, with_grid=True) for i, f in enumerate(files)])
    return render(request, "files.html", views=views)


async def show_file(request: Request) -> Response:
    stored = stored_or_404(request)
    view = await run_in_threadpool(file_view, stored, 0, True)
    return render(request, "files.html", views=[view])


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


def routes() -> Sequence[BaseRoute]:
    return [
        Route("/check", check, methods=["POST"]),
        Route("/together", check_together, methods=["POST"]),
        Route("/files", show_files),
        Route("/files/{file_id}", show_file),
        Route("/files/{file_id}/fix", fix, methods=["POST"]),
        Route("/files/{file_id}/fixed", fixed_download),
        Route("/files/{file_id}/annotated", annotated_download),
        Route("/files/{file_id}/report", report_download),
    ]
