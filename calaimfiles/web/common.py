"""What the page's handlers share: drawing a page, reading a form (CSRF first), finding a stored file, the
validation request of the moment, and one sentence for any failure, as the CLI says it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from calaimfiles.commands.common import failure_reason
from calaimfiles.config import ConfigError
from calaimfiles.findings import Severity
from calaimfiles.layouts import ProfileError
from calaimfiles.validate import InputError, ValidationRequest
from calaimfiles.web.page import Page, page_of
from calaimfiles.web.security import BAD_FORM, CSRF_FIELD, refusal
from calaimfiles.web.workspace import StoredFile
from calaimfiles.writing.output import OutputError

LOG = logging.getLogger("calaimfiles.serve")
MAX_FILES_AT_ONCE = 50
SEVERITY_ICONS = {Severity.ERROR: "\u2716", Severity.WARNING: "\u26a0", Severity.INFO: "\u2139"}


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
    stored = page_of(request).workspace.get(request.path_params["file_id"] if file_id is None else file_id)
    if stored is None:
        raise HTTPException(404, "This file is no longer on the page (the server was restarted or left idle): "
                                 "add it again.")
    return stored


def request_for(page: Page) -> ValidationRequest:
    return ValidationRequest(as_of=page.today(), plan=page.config.resolve_plan(page.plan))


def reason(error: Exception) -> str:
    """One sentence for a failure, as the CLI prints it: the file at fault named when it is a partner, the
    sFTP and configuration sentences as the transfer commands print them. Anything else is named by its type
    (its text may quote a cell), in the log too."""
    from calaimfiles.transport.session import TransportError

    if isinstance(error, TransportError | ConfigError):
        return str(error)
    where = f"{error.path.name}: " if isinstance(error, InputError) and error.path else ""
    if not isinstance(error, InputError | OutputError | ProfileError | OSError):
        LOG.error("calaimfiles serve: a request failed (%s)", type(error).__name__)
    return where + failure_reason(error)


def download(path: Path, name: str, media_type: str | None = None) -> FileResponse:
    return FileResponse(path, filename=name, media_type=media_type, content_disposition_type="attachment")


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return refusal(error.status_code, str(error.detail))
