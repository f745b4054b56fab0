"""Compare months on the page, as `calaimfiles diff` does: the library reads each file (`read_tables`), puts them
in month order, compares each month with the next (`diff_tables`) and checks the room-and-board cap across CSPRTF
months; the page shows members added, removed and changed, and the moves that make no sense, with their values
(it is the user's own screen)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from calaimfiles.findings import Finding
from calaimfiles.layouts import Layout
from calaimfiles.layouts.describe import value_text
from calaimfiles.validate import InputError, ValidationRequest, read_tables
from calaimfiles.web.common import read_form, reason, render
from calaimfiles.web.page import page_of
from calaimfiles.web.workspace import StoredFile

ROOM_AND_BOARD_LAYOUT = "CSPRTF"


@dataclass
class Month:
    file: StoredFile
    sheet: str
    rows: int
    month: dt.date | None


async def compare_page(request: Request) -> Response:
    return render(request, "compare.html", report=None)


async def compare(request: Request) -> Response:
    form = await read_form(request)
    page = page_of(request)
    uploads = [item for item in form.getlist("files") if isinstance(item, UploadFile) and item.filename]
    if len(uploads) < 2:
        return render(request, "message.html", 400, title="Compare months",
                      message="Choose at least two files of the same layout: one per month.")
    folder = page.workspace.new_folder()
    stored = [page.workspace.store(folder, item.filename or "upload", item.file, "added to compare months")
              for item in uploads]
    try:
        plan = page.config.resolve_plan(page.plan)
        report = await run_in_threadpool(_compare, stored, plan)
    except Exception as error:
        return render(request, "message.html", 400, title="Compare months", message=reason(error))
    return render(request, "compare.html", report=report)


def _compare(files: list[StoredFile], plan: str | None) -> dict[str, Any]:
    from calaimfiles.diffing import check_room_and_board, diff_tables, in_month_order, reporting_month

    tables = []
    for file in files:
        found = read_tables(file.path, ValidationRequest(plan=plan))
        if len(found) > 1:
            sheets = ", ".join(f"{t.sheet!r} ({t.layout.name})" for t in found)
            raise InputError(f"holds {len(found)} layout sheets ({sheets}); compare files with one", file.path)
        tables.append(found[0])
    first = tables[0]
    for file, table in zip(files[1:], tables[1:], strict=True):
        if table.layout.name != first.layout.name:
            raise InputError(f"holds {table.layout.name}, but {files[0].name} holds {first.layout.name}; compare "
                             "files of one layout", file.path)
    order = in_month_order(tables)
    files, tables = [files[i] for i in order], [tables[i] for i in order]
    months = [Month(f, t.sheet, len(t), reporting_month(t)) for f, t in zip(files, tables, strict=True)]
    comparisons = [(old, new, diff_tables(a, b)) for (old, a), (new, b) in
                   itertools.pairwise(zip(months, tables, strict=True))]
    cap: list[tuple[Month, Finding]] | None = None
    if first.layout.name == ROOM_AND_BOARD_LAYOUT:
        found_cap = check_room_and_board(tables)
        cap = [(month, finding) for month, findings in zip(months, found_cap, strict=True) for finding in findings]
    return {"layout": first.layout, "months": months, "comparisons": comparisons, "cap": cap,
            "key": _key_text, "value": value_text}


def _key_text(layout: Layout, key: Sequence[Any]) -> str:
    return ", ".join(value_text(layout.column(k), v) for k, v in zip(layout.key, key, strict=True))


def routes() -> Sequence[BaseRoute]:
    return [Route("/compare", compare_page), Route("/compare", compare, methods=["POST"])]
