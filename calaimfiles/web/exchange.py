"""Send return files to a plan and fetch its new files on the page, as `upload` and `download` do: the library's
`UploadJob` (checks, window, hidden temporary name, atomic rename, the upload log) and `fetch` (new files only,
never overwriting). A send first shows what `upload --dry-run` says, and goes only after an explicit
confirmation. A password typed on the page is used for that one connection and kept nowhere.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from calaimfiles.config import ConfigError
from calaimfiles.transport.profile import PASSPHRASE_VARIABLE, PASSWORD_VARIABLE, SftpProfile, load_profile
from calaimfiles.validate import ValidationRequest, validate_file
from calaimfiles.web.check import file_view
from calaimfiles.web.common import read_form, reason, render, stored_or_404
from calaimfiles.web.page import Page, page_of
from calaimfiles.web.workspace import StoredFile

SEND_FIELDS = ("profile", "period", "replace", "force")


@dataclass(frozen=True)
class LogEntry:
    """One line of a profile's upload log, as the page shows it."""

    time: dt.datetime
    profile: str
    plan: str
    file: str
    path: str
    sha256: str
    remote: str
    result: str
    reason: str
    forced: bool


def upload_log(page: Page) -> list[LogEntry]:
    """Every profile's upload log, newest first; a log that cannot be read is skipped (it names files only)."""
    entries = []
    seen: set[Path] = set()
    for name in page.profiles():
        try:
            profile = load_profile(page.config, name)
        except ConfigError:
            continue
        log = profile.upload_log
        if log in seen or not log.is_file():
            continue
        seen.add(log)
        for line in log.read_text("utf-8", errors="replace").splitlines():
            try:
                record: dict[str, Any] = json.loads(line)
                entries.append(LogEntry(
                    dt.datetime.fromisoformat(record["time"]).astimezone(), str(record["profile"]),
                    _plan_of(page, str(record["profile"])), Path(str(record["file"])).name, str(record["file"]),
                    str(record.get("sha256", "")), str(record["remote"]), str(record["result"]),
                    str(record.get("reason", "")), bool(record.get("forced", False))))
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a crash: the others still count
    return sorted(entries, key=lambda entry: entry.time, reverse=True)


def _plan_of(page: Page, profile_name: str) -> str:
    try:
        return load_profile(page.config, profile_name).plan or "reference"
    except ConfigError:
        return "?"


def _key_problem(error: Exception) -> bool:
    from calaimfiles.transport.session import HostKeyError

    return isinstance(error, HostKeyError)


def _secrets(form: FormData) -> Any:
    from calaimfiles.transport.session import Secrets

    typed = str(form.get("password") or "")
    return Secrets(password=typed or os.environ.get(PASSWORD_VARIABLE) or None,
                   passphrase=os.environ.get(PASSPHRASE_VARIABLE) or None)


async def exchange_page(request: Request) -> Response:
    page = page_of(request)
    entries = await run_in_threadpool(upload_log, page)
    return render(request, "exchange.html", entries=entries, source=page.config.source)


async def send_page(request: Request) -> Response:
    stored = stored_or_404(request)
    return render(request, "send.html", file=stored, outcome=None, chosen=dict.fromkeys(SEND_FIELDS, ""),
                  sent=False)


async def send(request: Request) -> Response:
    """Preview (what `upload --dry-run` says), or, with the confirmation ticked, the upload itself."""
    form = await read_form(request)
    page = page_of(request)
    stored = stored_or_404(request)
    chosen = {key: str(form.get(key) or "") for key in SEND_FIELDS}
    sending = form.get("action") == "send"
    if sending and form.get("confirm") != "yes":
        return render(request, "message.html", 400, title=f"Send {stored.name}",
                      message="Tick the confirmation to send the file; nothing was sent.")
    try:
        profile = load_profile(page.config, chosen["profile"])
        outcome = await run_in_threadpool(_upload, page, profile, stored, chosen, _secrets(form), not sending)
    except Exception as error:
        return render(request, "send.html", 400, file=stored, outcome=None, chosen=chosen, sent=False,
                      problem=reason(error), key_problem=_key_problem(error))
    windows = await run_in_threadpool(_windows, page, stored, profile, chosen["period"])
    return render(request, "send.html", file=stored, outcome=outcome, chosen=chosen, profile=profile,
                  sent=sending, windows=windows, view=file_view(stored))


def _windows(page: Page, stored: StoredFile, profile: SftpProfile, month: str) -> list[str]:
    """The submission window of each return layout in the file, for its reporting period (an OTF's as given)."""
    from calaimfiles.layouts import load_layout
    from calaimfiles.rules.windows import submission_window

    plan = page.config.resolve_plan(profile.plan)
    periods = page.periods.of(stored.path, stored.sha256, plan) or {}
    given = dt.date.fromisoformat(f"{month}-01") if month else None
    found = []
    for layout_name, period in periods.items():
        window = load_layout(layout_name, plan).window
        period = period or given
        if window is None or period is None:
            continue
        own = submission_window(period, window)
        found.append(f"{layout_name} for {own.period:%m/%Y}: due {own.due:%m/%d/%Y}, accepted until "
                     f"{own.last_day:%m/%d/%Y} (today is {page.today():%m/%d/%Y})")
    return found


def _upload(page: Page, profile: SftpProfile, stored: StoredFile, chosen: dict[str, str], secrets: Any,
            dry_run: bool) -> Any:
    from calaimfiles.transport.session import Link
    from calaimfiles.transport.upload import UploadJob

    period = dt.date.fromisoformat(f"{chosen['period']}-01") if chosen["period"] else None
    validation = ValidationRequest(as_of=page.today(), period=period, plan=page.config.resolve_plan(profile.plan))
    with Link(profile, secrets) as link:
        job = UploadJob(profile, link, validation, force=chosen["force"] == "yes",
                        replace=chosen["replace"] == "yes", dry_run=dry_run)
        return job.run(stored.path)


async def fetch(request: Request) -> Response:
    """The plan's new files (MIF, CSASF) into the profile's folder, each checked as it lands and put on the page."""
    form = await read_form(request)
    page = page_of(request)
    name = str(form.get("profile") or "")
    try:
        profile = load_profile(page.config, name)
        fetched = await run_in_threadpool(_fetch, page, profile, _secrets(form))
    except Exception as error:
        return render(request, "message.html", 400, title="Fetch new files", message=reason(error),
                      trust_profile=name if _key_problem(error) else None)
    return render(request, "fetched.html", profile=profile,
                  fetched=[(name, file_view(stored) if stored else None, note) for name, stored, note in fetched])


def _fetch(page: Page, profile: SftpProfile, secrets: Any) -> list[tuple[str, StoredFile | None, str]]:
    from functools import partial

    from calaimfiles.transport.download import download_folder, fetch, outbound_files
    from calaimfiles.transport.session import Link

    validation = ValidationRequest(as_of=page.today(), plan=page.config.resolve_plan(profile.plan))
    found: list[tuple[str, StoredFile | None, str]] = []
    with download_folder(profile.local_dir) as state, Link(profile, secrets) as link:
        new = [remote for remote in link.run(lambda sftp: outbound_files(sftp, profile), profile.outbound)
               if state.is_new(remote)]
        for remote in new:
            got = link.run(partial(fetch, remote=remote, folder=profile.local_dir), remote.path)
            state.remember(got)
            if got.duplicate:
                found.append((remote.name, None, f"already in {profile.local_dir} with the same content"))
                continue
            stored = page.workspace.register(got.local, f"fetched from {profile.name}")
            _check_arrival(stored, validation)
            renamed = f" (your {remote.name} differs and was kept)" if got.local.name != remote.name else ""
            found.append((remote.name, stored, f"saved as {got.local}{renamed}"))
    return found


def _check_arrival(stored: StoredFile, validation: ValidationRequest) -> None:
    try:
        stored.results = validate_file(stored.path, validation)
        stored.checked = True
    except Exception as error:
        stored.error = reason(error)


async def trust_page(request: Request) -> Response:
    """The key the plan's server shows, to compare with the fingerprint the plan gave (`sftp trust`)."""
    page = page_of(request)
    try:
        profile = load_profile(page.config, request.query_params.get("profile", ""))
        key, known = await run_in_threadpool(_keys, profile)
    except Exception as error:
        return render(request, "message.html", 400, title="The server's key", message=reason(error))
    from calaimfiles.transport.hostkeys import describe, fingerprint

    return render(request, "trust.html", profile=profile, offered=describe(key), fingerprint=fingerprint(key),
                  trusted=any(k.asbytes() == key.asbytes() for k in known), known=[describe(k) for k in known],
                  recorded=False)


async def trust(request: Request) -> Response:
    """Record the key, if the server still shows the one the user confirmed."""
    from calaimfiles.transport.hostkeys import describe, fingerprint, record

    form = await read_form(request)
    page = page_of(request)
    if form.get("confirm") != "yes":
        return render(request, "message.html", 400, title="The server's key",
                      message="Tick the confirmation to trust the key; nothing was recorded.")
    try:
        profile = load_profile(page.config, str(form.get("profile") or ""))
        key, known = await run_in_threadpool(_keys, profile)
        if fingerprint(key) != form.get("fingerprint"):
            raise ValueError(f"{profile.address} now shows {fingerprint(key)}, not the key you confirmed: "
                             "nothing was recorded")
        await run_in_threadpool(record, profile.known_hosts, profile.address, key)
    except ValueError as error:
        return render(request, "message.html", 400, title="The server's key", message=str(error))
    except Exception as error:
        return render(request, "message.html", 400, title="The server's key", message=reason(error))
    return render(request, "trust.html", profile=profile, offered=describe(key), fingerprint=fingerprint(key),
                  trusted=True, known=[describe(k) for k in known], recorded=True)


def _keys(profile: SftpProfile) -> tuple[Any, list[Any]]:
    from calaimfiles.transport.hostkeys import known_keys
    from calaimfiles.transport.session import offered_key

    return offered_key(profile), known_keys(profile.known_hosts, profile.address)


def routes() -> Sequence[BaseRoute]:
    return [
        Route("/log", exchange_page),
        Route("/trust", trust_page),
        Route("/trust", trust, methods=["POST"]),
        Route("/fetch", fetch, methods=["POST"]),
        Route("/files/{file_id}/send", send_page),
        Route("/files/{file_id}/send", send, methods=["POST"]),
    ]
