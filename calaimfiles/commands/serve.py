"""`calaimfiles serve`: the whole month on a page in the browser, served from this computer.

The server listens on 127.0.0.1 on a free port (each launch finds its own) and prints the page's address with a
secret token made for this launch; without it every request is refused. The files added on the page live in a
private folder (0700) that is removed when the server stops, and after an idle hour. The server's log names
requests by path (which carries ids only) and failures by their type: never a member's value.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from calaimfiles.commands.common import AsOf, Plan, current_config, fail, parse_day

LOOPBACK = "127.0.0.1"
STOP_GRACE_SECONDS = 5.0


def serve_command(
    host: Annotated[str, typer.Option(
        help="The address to listen on. Only this computer can reach 127.0.0.1; another address (0.0.0.0: every "
             "network) needs --allow-remote.")] = LOOPBACK,
    port: Annotated[int, typer.Option(
        min=0, max=65535, show_default="a free one",
        help="The port to listen on (by default a free one, so that several servers can run at once).")] = 0,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Allow --host to be reachable from other computers (the token is still needed; "
                               "the page is plain HTTP, so use it on a network you trust).")] = False,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open the page in the browser.")] = False,
    as_of: AsOf = None,
    plan: Plan = None,
    max_upload_mb: Annotated[float, typer.Option(
        min=0.01, help="Refuse uploads above this many megabytes (all the files of one upload together).")] = 100,
    idle_minutes: Annotated[float, typer.Option(
        min=0.01, help="Remove the files added on the page after this many minutes without use.")] = 60,
) -> None:
    """Open the care coordinator's page: check, fix, build, compare, send and fetch files in the browser.

    Prints the page's address with this launch's secret token (the browser opens it unless --no-browser).
    Ctrl-C stops the server and removes the files added on the page.
    """
    import uvicorn

    from calaimfiles.web.app import create_app
    from calaimfiles.web.page import Page
    from calaimfiles.web.security import Keys
    from calaimfiles.web.workspace import Workspace

    if not _is_loopback(host) and not allow_remote:
        fail(f"--host {host} makes the page reachable from other computers: add --allow-remote if that is what "
             "you want (the token is still needed)")
    config = current_config()
    day = parse_day(as_of)
    listener = _listen(host, port)
    bound = int(listener.getsockname()[1])
    folder = Path(tempfile.mkdtemp(prefix="calaimfiles-serve-"))  # 0700, like every mkdtemp folder
    tempfile.tempdir = str(folder)  # uploads being received, and every other temporary file, stay in it too
    token = secrets.token_urlsafe(32)
    workspace = Workspace(folder, idle_minutes * 60)
    page = Page(Keys(token, bound), workspace, config, int(max_upload_mb * (1 << 20)), as_of=day, plan=plan)
    shown_host = f"[{host}]" if ":" in host else host
    named = LOOPBACK if host in ("0.0.0.0", "::") else shown_host
    hosts = None if allow_remote else frozenset({f"{shown_host}:{bound}", f"localhost:{bound}"})
    app = create_app(page, hosts, idle_check_seconds=min(60.0, idle_minutes * 15))
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    server = uvicorn.Server(uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=2,
        server_header=False, date_header=False))
    address = f"http://{named}:{bound}/?token={token}"
    typer.echo(f"calaimfiles serve: the page is at {address}")
    if allow_remote and not _is_loopback(host):
        typer.echo(f"calaimfiles serve: from other computers: http://{socket.gethostname()}:{bound}/?token={token}")
    typer.echo(f"calaimfiles serve: files added on the page stay in {folder} until it stops; Ctrl-C stops it",
               err=True)
    if not no_browser:
        threading.Thread(target=_open_when_started, args=(server, address), daemon=True).start()
    if hasattr(signal, "SIGHUP"):  # the terminal closed: stop as on Ctrl-C, so that the folder goes too
        signal.signal(signal.SIGHUP, lambda signum, frame: setattr(server, "should_exit", True))
    try:
        server.run(sockets=[listener])
    except KeyboardInterrupt:
        pass  # uvicorn raises the Ctrl-C again once it has shut down
    finally:
        busy = _finish_work(STOP_GRACE_SECONDS)
        workspace.remove()
    typer.echo("calaimfiles serve: stopped; the files added on the page were removed", err=True)
    if busy:
        os._exit(0)  # a check or transfer still running after the grace is abandoned, as a Ctrl-C would abandon it


def _finish_work(grace: float) -> bool:
    """Give the page's worker threads (a long check, a transfer) `grace` seconds to end; True if some still run."""
    deadline = time.monotonic() + grace
    busy = [t for t in threading.enumerate() if t is not threading.current_thread() and not t.daemon]
    for thread in busy:
        thread.join(max(0.0, deadline - time.monotonic()))
    return any(thread.is_alive() for thread in busy)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on `host` (port 0: a free port the system picks), or one line saying why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.bind((host, port))
        listener.listen(128)
    except OSError as error:
        listener.close()
        hint = "; leave --port out to use a free one" if port else ""
        fail(f"cannot listen on {host}:{port} ({error.strerror or type(error).__name__}){hint}")
    listener.set_inheritable(True)
    return listener


def _open_when_started(server: object, address: str) -> None:
    import webbrowser  # only when a browser is opened: every other command starts without it

    deadline = time.monotonic() + 30
    while not getattr(server, "started", False) and time.monotonic() < deadline:
        time.sleep(0.05)
    webbrowser.open(address)
