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

from calaimfiles.building import Draft, build_csprtf, build_rtf, group_findings, most_common, period_tag, row_ranges
from calaimfiles.layouts import LAYOUT_NAMES, load_layout
from calaimfiles.validate import InputError, ValidationRequest, read_tables, validate_file
from calaimfiles.web.common import download, plural, read_form, reason, render
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


def _records(path: Path, day: dt.date, plan: str | None, *layouts: str) -> list[dict[str, Any]]:
    """The records of every sheet of `path` holding one of `layouts` (detected, never forced: a CSASF shares
    enough columns with the MIF to pass for one)."""
    tables = read_tables(path, ValidationRequest(as_of=day, plan=plan))
    wanted = [table for table in tables if table.layout.name in layouts]
    if not wanted:
        found = ", ".join(sorted({table.layout.name for table in tables}))
        raise InputError(f"holds no {' or '.join(layouts)} (found {found})", path)
    return [record for table in wanted for record in table.records()]


def _describe(draft: Draft, left_out_word: str, previous: StoredFile | None) -> str:
    """What the draft was made of, so the provider can tell a carried-forward file from a fresh one."""
    parts = [f"{draft.carried} carried forward from {previous.name}, {draft.new} new" if previous else ""]
    if draft.left_out:
        parts.append(f"{plural(draft.left_out, left_out_word)} left out")
    if previous and draft.dropped:
        parts.append(f"{plural(draft.dropped, 'row')} of {previous.name} no longer on the plan's file")
    return "; ".join(p for p in parts if p)


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
        plan = page.resolve_plan(page.plan)
        built = await run_in_threadpool(_draft, kind, page, source, previous, form, plan)
    except Exception as error:
        return render(request, "message.html", 400, title="Build", message=reason(error))
    return render(request, "built.html", **built)


def _draft(kind: str, page: Page, source: StoredFile, previous: StoredFile | None, form: FormData,
           plan: str | None) -> dict[str, Any]:
    day = page.today()
    note = ""
    if kind == "rtf":
        phone = _provider_phone(page, str(form.get("provider_phone") or "").strip())
        draft = build_rtf(_records(source.path, day, plan, "MIF"),
                          _records(previous.path, day, plan, "RTF") if previous else [],
                          production_date=day, provider_phone=phone, plan=plan)
        rows, period, layout_name = draft.rows, draft.reporting_period, "RTF"
        note = _describe(draft, "termed member", previous)
    elif kind == "csprtf":
        month = str(form.get("period") or "").strip()
        chosen = dt.date.fromisoformat(f"{month}-01") if month else None
        draft = build_csprtf(_records(source.path, day, plan, "CSASF"),
                             _records(previous.path, day, plan, "CSPRTF") if previous else [],
                             production_date=day, reporting_period=chosen, plan=plan)
        rows, period, layout_name = draft.rows, draft.reporting_period, "CSPRTF"
        note = _describe(draft, "resolved authorization", previous)
    else:
        found = most_common(_records(source.path, day, plan, "MIF", "RTF"), "reporting_period")
        rows, period, layout_name = [], found if isinstance(found, dt.date) else None, "OTF"
    name = f"{kind}_{period_tag(period)}.xlsx"
    return _write(page, name, layout_name, rows, day, plan, note=note, origin=f"drafted from {source.name}")


def _provider_phone(page: Page, given: str) -> str | None:
    """The provider's phone from the form, else `[provider] phone` of the configuration; InputError if not one."""
    from calaimfiles.rules.fields import parse_phone

    configured = page.config.provider.get("phone")
    text = given or (str(configured) if configured is not None else "")
    if not text:
        return None
    phone = parse_phone(text).value
    if phone is None:
        where = "the provider phone" if given else f"[provider] phone in {page.config.source}"
        raise InputError(f"{where} {text!r} is not a 10-digit phone number")
    return str(phone)


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
        write_layout_workbook(partial, load_layout(layout_name, page.resolve_plan(page.plan)), [], instructions=True)
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
