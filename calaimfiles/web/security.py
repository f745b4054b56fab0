"""Who may use the page, and what every response says to the browser.

Like Jupyter, `calaimfiles serve` makes a secret token at each launch and prints the page's address with it. The
request that brings `?token=` gets a cookie (HttpOnly, SameSite=Strict, named after the port, so that two
servers on one machine keep theirs apart) and is sent on to the same address without the token, which so stays
out of the browser's history. Every other request must bring that cookie or is refused, static files included.
Forms carry a second secret (CSRF) derived from the token; a request another site sends (its Origin, or the
browser's Sec-Fetch-Site) is refused before any form is read. A body above the upload limit is refused with one
sentence before it is stored anywhere. Every response forbids caching and, by its Content-Security-Policy,
anything but this server's own scripts and styles.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from html import escape
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import Headers
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOKEN_PARAMETER = "token"
CSRF_FIELD = "csrf"
MEGABYTE = 1 << 20
LOG = logging.getLogger("calaimfiles.serve")

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "cache-control": "no-store",
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # Chromium sends `Origin: null` on POSTs under no-referrer
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_OTHER_SITES = frozenset({"cross-site", "same-site"})  # same-site: another port or page of this machine

NO_TOKEN = ("This page needs the address that calaimfiles serve printed, with its token: copy it from the "
            "window where the server runs.")
WRONG_TOKEN = ("The token in this address is not this server's (a new one is made at each launch): copy the "
               "address calaimfiles serve printed.")
OTHER_SITE = "Refused: this request was sent by another site or page, not by the calaimfiles page."
WRONG_HOST = "Refused: this server answers only to the address it printed."
NO_LENGTH = "Refused: the upload did not say its size."
INTERNAL = ("Something went wrong on the server (an internal error); nothing was changed. Please report it, "
            "with what you did just before.")
BAD_FORM = "Refused: the form is out of date or did not come from this page; reload the page and try again."


def too_large(size: int, limit: int) -> str:
    return (f"The upload is {size / MEGABYTE:,.1f} MB, above this server's limit of {limit / MEGABYTE:,.0f} MB: "
            "check a smaller file, or start calaimfiles serve with a larger --max-upload-mb.")


class Keys:
    """The launch's secrets: the token people are given, the cookie it buys and the forms' CSRF value."""

    def __init__(self, token: str, port: int) -> None:
        self._token = token
        self.cookie_name = f"calaimfiles-{port}"
        self.cookie_value = self._derive("cookie")
        self.csrf = self._derive("csrf")

    def _derive(self, purpose: str) -> str:
        return hmac.new(self._token.encode(), purpose.encode(), hashlib.sha256).hexdigest()

    def is_token(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self._token.encode())

    def is_cookie(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self.cookie_value.encode())

    def is_csrf(self, given: object) -> bool:
        return isinstance(given, str) and hmac.compare_digest(given.encode(), self.csrf.encode())


def refusal(status: int, sentence: str) -> HTMLResponse:
    """A page of one sentence, without styles or scripts (the request may not be allowed to load them)."""
    body = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>calaimfiles: refused</title>'
            f'</head><body><main><h1>calaimfiles</h1><p role="alert" id="refusal">{escape(sentence)}</p>'
            "</main></body></html>")
    return HTMLResponse(body, status_code=status)


class Guard:
    """ASGI middleware in front of the whole page: the token, the host, the site, the body's size, the headers.

    `hosts` lists the Host headers accepted (None: any, for --allow-remote): a page of another site that makes
    its own name point at 127.0.0.1 (DNS rebinding) is refused even before the cookie is looked at.
    `in_use` wraps every request let through (the idle clock: a long check is use until it ends).
    """

    def __init__(self, app: ASGIApp, keys: Keys, *, max_body: int, hosts: frozenset[str] | None,
                 in_use: Callable[[], AbstractContextManager[object]] = contextlib.nullcontext) -> None:
        self.app = app
        self.keys = keys
        self.max_body = max_body
        self.hosts = hosts
        self.in_use = in_use

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode().lower() not in SECURITY_HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        response = self._screen(scope)
        if response is not None:
            await response(scope, receive, send_with_headers)
            return
        with self.in_use():
            await self._let_through(scope, receive, send_with_headers)

    async def _let_through(self, scope: Scope, receive: Receive, send_with_headers: Send) -> None:
        declared = self._declared_length(scope)
        if declared is not None and declared > self.max_body:
            # Read and dropped (up to a point), so that the browser shows the answer rather than a reset connection.
            await _drain(receive, max(4 * self.max_body, 64 * MEGABYTE))
            await refusal(413, too_large(declared, self.max_body))(scope, receive, send_with_headers)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send_with_headers(message)

        try:
            await self.app(scope, _bounded(receive, self.max_body), send_tracked)
        except Exception as error:  # never a traceback in the log: its text may quote a member's cell
            LOG.error("calaimfiles serve: %s %s failed (%s)", scope["method"], scope["path"], type(error).__name__,
                      exc_info=bool(os.environ.get("CALAIMFILES_DEBUG")))  # as the CLI: details only when asked
            if not started:
                await refusal(500, INTERNAL)(scope, receive, send_with_headers)

    def _screen(self, scope: Scope) -> Response | None:
        """The refusal for a request that may not go further, or the redirect that trades a token for a cookie."""
        headers = Headers(scope=scope)
        if self.hosts is not None and headers.get("host", "").lower() not in self.hosts:
            return refusal(403, WRONG_HOST)
        method = scope["method"]
        if method in _UNSAFE_METHODS and self._from_elsewhere(headers):
            return refusal(403, OTHER_SITE)
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        tokens = [value for key, value in query if key == TOKEN_PARAMETER]
        if tokens:
            if not self.keys.is_token(tokens[0]):
                return refusal(403, WRONG_TOKEN)
            rest = urlencode([(k, v) for k, v in query if k != TOKEN_PARAMETER])
            redirect = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), status_code=303)
            redirect.set_cookie(self.keys.cookie_name, self.keys.cookie_value, httponly=True, samesite="strict",
                                path="/")
            return redirect
        if not self.keys.is_cookie(_cookie(headers, self.keys.cookie_name)):
            return refusal(403, NO_TOKEN)
        if method in _UNSAFE_METHODS and "content-length" not in headers:
            return refusal(411, NO_LENGTH)
        return None

    @staticmethod
    def _from_elsewhere(headers: Headers) -> bool:
        if headers.get("sec-fetch-site", "") in _OTHER_SITES:
            return True
        origin, host = headers.get("origin"), headers.get("host", "")
        return origin is not None and origin.split("://", 1)[-1] != host

    @staticmethod
    def _declared_length(scope: Scope) -> int | None:
        value = Headers(scope=scope).get("content-length")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None


def _cookie(headers: Headers, name: str) -> str | None:
    for part in headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


async def _drain(receive: Receive, at_most: int) -> None:
    seen = 0
    while seen <= at_most:
        message = await receive()
        seen += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


def _bounded(receive: Receive, limit: int) -> Receive:
    """The body as declared, cut off (as a disconnect) should it run past the limit all the same."""
    seen = 0

    async def bounded() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                return {"type": "http.disconnect"}
        return message

    return bounded
