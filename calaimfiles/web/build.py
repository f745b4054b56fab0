"""Draft return files and blank templates on the page, as `calaimfiles build` does: the library drafts
(`building`), writes (`write_layout_workbook`) and checks the draft, and the page lists what is left to fill.

A draft is kept on the page like any checked file, so that it can be checked again, fixed or sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

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
from calaimfiles.layouts import LAYOUT_NAMES, load_layout
from calaimfiles.validate import ValidationRequest, validate_file
from calaimfiles.web.common import download, read_form, reason, render
from calaimfiles.web.page import Page, page_of
from calaimfiles.web.workspace import StoredFile, Workspace
from calaimfiles.writing.output import atomic_output


async def build_page(request: Request) -> Response:
    page = page_of(request)
    phone = page.config.provider.get("phone")
    return render(request, "build.html", layouts=LAYOUT_NAMES, provider_phone=str(phone) if phone else "")


def _uploads(form: FormData, workspace: Workspace, *names: str) -> dict[str, StoredFile | None]:
    """The files of the form's file fields, stored together in a new folder (an unused field gives None)."""
    given = {name: form.get(name) for name in names}
    chosen = {name: item for name, item in given.items() if isinstance(item, UploadFile) and item.filename}
    folder = workspace.new_folder() if chosen else None
    return {name: workspace.store(folder, item.filename or name, item.file, "added to build a draft")
            if folder and item else None
            for name in names for item in [chosen.get(name)]}


async def build(request: Request) -> Response:
    """Draft an RTF (from a MIF), an OTF (from a MIF or RTF) or a CSPRTF (from a CSASF), then show what is left."""
    kind = request.path_params["kind"]
    if kind not in ("rtf", "otf", "csprtf"):
        raise HTTPException(404, "There is no such draft: choose an RTF, an OTF or a CSPRTF.")
    form = await read_form(request)
    page = page_of(request)
    files = _uploads(form, page.workspace, "source", "previous")
    source, previous = files["source"], files["previous"]
    if source is None:
        return render(request, "message.html", 400, title="Build",
                      message="Choose the plan's file to draft from first.")
    try:
        plan = page.config.resolve_plan(page.plan)
        built = await run_in_threadpool(_draft, kind, page, source, previous, form, plan)
    except Exception as error:
        return render(request, "message.html", 400, title="Build", message=reason(error))
    return render(request, "built.html", **built)


def _draft(kind: str, page: Page, source: StoredFile, previous: StoredFile | None, form: FormData,
           plan: str | None) -> dict[str, Any]:
    day = page.today()
    note = ""
    if kind == "rtf":
        phone = resolve_provider_phone(str(form.get("provider_phone") or "").strip(), "the provider phone", page.config)
        draft = build_rtf(records_of(source.path, day, plan, "MIF"),
                          records_of(previous.path, day, plan, "RTF") if previous else [],
                          production_date=day, provider_phone=phone, plan=plan)
        rows, period, layout_name = draft.rows, draft.reporting_period, "RTF"
        note = describe_draft(draft, "termed member", previous.name if previous else None)
    elif kind == "csprtf":
        month = str(form.get("period") or "").strip()
        chosen = dt.date.fromisoformat(f"{month}-01") if month else None
        draft = build_csprtf(records_of(source.path, day, plan, "CSASF"),
                             records_of(previous.path, day, plan, "CSPRTF") if previous else [],
                             production_date=day, reporting_period=chosen, plan=plan)
        rows, period, layout_name = draft.rows, draft.reporting_period, "CSPRTF"
        note = describe_draft(draft, "resolved authorization", previous.name if previous else None)
    else:
        found = most_common(records_of(source.path, day, plan, "MIF", "RTF"), "reporting_period")
        rows, period, layout_name = [], found if isinstance(found, dt.date) else None, "OTF"
    name = f"{kind}_{period_tag(period)}.xlsx"
    return _write(page, name, layout_name, rows, day, plan, note=note, origin=f"drafted from {source.name}")


def _write(page: Page, name: str, layout_name: str, rows: list[dict[str, Any]], day: dt.date, plan: str | None,
           *, note: str = "", origin: str) -> dict[str, Any]:
    """Write the workbook into the page's folder, check it, and list what the provider still has to fill."""
    from calaimfiles.writing.layout_workbook import write_layout_workbook

    layout = load_layout(layout_name, plan)
    target = page.workspace.new_folder() / name
    with atomic_output(target) as partial:
        write_layout_workbook(partial, layout, rows)
    stored = page.workspace.register(target, origin)
    results = validate_file(target, ValidationRequest(as_of=day, layout=layout_name, plan=plan))
    stored.results, stored.checked = results, True
    groups = group_findings((f for r in results for f in r.findings), layout)
    left = [(g, f"rows {row_ranges(g.rows)}" if len(g.rows) > 1 else f"row {g.rows[0]}" if g.rows else "file")
            for g in groups]
    return {"file": stored, "layout": layout_name, "rows": len(rows), "note": note, "left": left}


async def template(request: Request) -> Response:
    """A blank workbook of a layout: header, drop-down lists and an Instructions sheet."""
    layout_name = request.path_params["layout"].upper()
    if layout_name not in LAYOUT_NAMES:
        raise HTTPException(404, f"There is no {layout_name} layout: choose one of {', '.join(LAYOUT_NAMES)}.")
    page = page_of(request)
    name = f"{layout_name.lower()}_template.xlsx"
    try:
        path = await run_in_threadpool(_template, page, layout_name, name)
    except Exception as error:
        return render(request, "message.html", 400, title="Template", message=reason(error))
    return download(path, name)


def _template(page: Page, layout_name: str, name: str) -> Path:
    """Written like a draft, not kept on the page's list: a blank form has nothing to check."""
    from calaimfiles.writing.layout_workbook import write_layout_workbook

    target = page.workspace.new_folder() / name
    with atomic_output(target) as partial:
        layout = load_layout(layout_name, page.config.resolve_plan(page.plan))
        write_layout_workbook(partial, layout, [], instructions=True)
    return target


async def stored_download(request: Request) -> Response:
    file_id = request.path_params["file_id"]
    stored = page_of(request).workspace.get(file_id)
    if stored is None:
        raise HTTPException(404, "This file is no longer on the page (the server was restarted or left idle).")
    return download(stored.path, stored.name)


def routes() -> Sequence[BaseRoute]:
    return [
        Route("/build", build_page),
        Route("/build/template/{layout}", template),
        Route("/build/{kind}", build, methods=["POST"]),
        Route("/files/{file_id}/download", stored_download),
    ]
