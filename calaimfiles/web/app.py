"""The page's application: its routes, its guard, and the watch that empties it after an idle hour.

Starlette with Jinja2 templates: pages are drawn on the server (they read and print without JavaScript; a small
script of our own adds the drop zone and the filters), so the stack is a router, a template engine and uvicorn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from calaimfiles.web import build, check, common, compare, exchange, home
from calaimfiles.web.page import Page
from calaimfiles.web.security import Guard

LOG = logging.getLogger("calaimfiles.serve")


def create_app(page: Page, hosts: frozenset[str] | None, idle_check_seconds: float = 60.0) -> Starlette:
    """The application with its guard; `hosts` are the Host headers accepted (None: any, with --allow-remote)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async def watch_idle() -> None:
            while True:
                await asyncio.sleep(idle_check_seconds)
                if page.workspace.wipe_if_idle():
                    LOG.warning("calaimfiles serve: the uploaded files were removed after %s minutes without use",
                                f"{page.workspace.idle_seconds / 60:g}")

        watcher = asyncio.create_task(watch_idle())
        try:
            yield
        finally:
            watcher.cancel()
            page.workspace.remove()

    static = Mount("/static", StaticFiles(packages=[("calaimfiles.web", "static")]), name="static")
    app = Starlette(
        routes=[*home.routes(), *check.routes(), *build.routes(), *compare.routes(),
                *exchange.routes(), static],
        middleware=[Middleware(Guard, keys=page.keys, max_body=page.max_upload_bytes, hosts=hosts,
                               in_use=page.workspace.in_use)],
        lifespan=lifespan,
        exception_handlers={HTTPException: common.http_error},
    )
    app.state.page = page
    return app

