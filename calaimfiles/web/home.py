"""The start page (files on the page, the coming deadlines, this month at a glance), the plan profile in use,
and the finding codes explained."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from calaimfiles.layouts import ProfileError
from calaimfiles.web.check import file_view
from calaimfiles.web.common import read_form, render
from calaimfiles.web.exchange import upload_log
from calaimfiles.web.glance import month_at_a_glance
from calaimfiles.web.page import page_of


async def home(request: Request) -> Response:
    page = page_of(request)
    from calaimfiles.rules.windows import add_months, upcoming_deadlines

    today = page.today()
    try:
        plan = page.config.resolve_plan(page.plan)
        deadlines = await run_in_threadpool(upcoming_deadlines, today, add_months(today, 2), plan)
    except ProfileError as error:
        return render(request, "message.html", 400, title="Plan profile", message=str(error))
    glance = await run_in_threadpool(lambda: month_at_a_glance(page, upload_log(page), page.periods))
    return render(request, "home.html", files=[file_view(f) for f in page.workspace.files()], glance=glance,
                  deadlines=[(d.day, (d.day - today).days, d.what) for d in deadlines])


async def choose_plan(request: Request) -> Response:
    form = await read_form(request)
    page = page_of(request)
    chosen = str(form.get("plan") or "")
    try:
        page.config.resolve_plan(chosen)
    except ProfileError as error:
        return render(request, "message.html", 400, title="Plan profile", message=str(error))
    page.plan = chosen or None
    return RedirectResponse("/", status_code=303)


async def rules(request: Request) -> Response:
    from calaimfiles.rules import all_rules

    return render(request, "rules.html", rules=all_rules())


def routes() -> Sequence[BaseRoute]:
    return [Route("/", home), Route("/plan", choose_plan, methods=["POST"]), Route("/rules", rules)]
