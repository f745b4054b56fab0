"""The guard of `calaimfiles serve` at the HTTP level, where a browser would not go: forged Host and Origin headers,
a stolen form without its CSRF value, a body that does not say its size, file names that try to leave the folder.
These need no browser: a real server (a subprocess) and raw HTTP.
"""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import Served, start_server, stop_server

from calaimfiles.web.security import Keys
from calaimfiles.web.workspace import safe_name


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start_server(tmp_path_factory.mktemp("office"))
    try:
        yield server
    finally:
        stop_server(server)


def keys_of(served: Served) -> Keys:
    return Keys(served.url.rsplit("token=", 1)[1], int(served.origin.rsplit(":", 1)[1]))


def ask(served: Served, method: str, path: str, headers: dict[str, str] | None = None,
        body: bytes | None = None) -> tuple[int, str, dict[str, str]]:
    port = int(served.origin.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    keys = keys_of(served)
    sent = {"Host": f"127.0.0.1:{port}", "Cookie": f"{keys.cookie_name}={keys.cookie_value}", **(headers or {})}
    connection.request(method, path, body=body, headers=sent)
    response = connection.getresponse()
    text = response.read().decode(errors="replace")
    connection.close()
    return response.status, text, {k.lower(): v for k, v in response.getheaders()}


def form(served: Served, **fields: str) -> bytes:
    return "&".join(f"{k}={v}" for k, v in {"csrf": keys_of(served).csrf, **fields}.items()).encode()


URLENCODED = {"Content-Type": "application/x-www-form-urlencoded"}


def test_the_cookie_opens_the_page_and_every_answer_forbids_caching(served: Served) -> None:
    status, text, headers = ask(served, "GET", "/")
    assert status == 200
    assert "Check your CalAIM files" in text
    assert headers["cache-control"] == "no-store"
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "<script>" not in text and " style=" not in text  # nothing inline for the policy to allow


def test_another_host_name_is_refused_even_with_the_cookie(served: Served) -> None:
    """DNS rebinding: a site that points its own name at 127.0.0.1 reaches the server under that name."""
    port = served.origin.rsplit(":", 1)[1]
    status, text, _ = ask(served, "GET", "/", {"Host": f"attacker.example:{port}"})
    assert status == 403
    assert "answers only to the address it printed" in text


def test_a_post_from_another_origin_is_refused_with_a_valid_form(served: Served) -> None:
    status, text, _ = ask(served, "POST", "/plan", {**URLENCODED, "Origin": "http://attacker.example"},
                          form(served, plan="large-plan"))
    assert status == 403
    assert "another site or page" in text
    status, _, _ = ask(served, "POST", "/plan", {**URLENCODED, "Sec-Fetch-Site": "same-site"},
                       form(served, plan="large-plan"))
    assert status == 403  # another port of this machine is another page
    assert 'value="large-plan" selected' not in ask(served, "GET", "/")[1]


def test_a_form_without_its_csrf_value_is_refused_and_with_it_accepted(served: Served) -> None:
    status, text, _ = ask(served, "POST", "/plan", URLENCODED, b"plan=large-plan")
    assert status == 403
    assert "out of date or did not come from this page" in text
    status, _, _ = ask(served, "POST", "/plan", URLENCODED, form(served, plan="large-plan"))
    assert status == 303
    assert 'value="large-plan" selected' in ask(served, "GET", "/")[1]
    assert ask(served, "POST", "/plan", URLENCODED, form(served, plan=""))[0] == 303


def test_a_body_that_does_not_say_its_size_is_refused_before_it_is_read(served: Served) -> None:
    """The upload limit is checked on the declared size, so a body must declare it (browsers always do)."""
    port = int(served.origin.rsplit(":", 1)[1])
    keys = keys_of(served)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        raw.sendall(f"POST /check HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {keys.cookie_name}="
                    f"{keys.cookie_value}\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        raw.sendall(b"5\r\nhello\r\n0\r\n\r\n")
        answer = ""
        while "</html>" not in answer and (chunk := raw.recv(65536)):
            answer += chunk.decode(errors="replace")
    assert answer.startswith("HTTP/1.1 411")
    assert "did not say its size" in answer


def test_a_file_id_that_does_not_exist_is_a_plain_404(served: Served) -> None:
    for path in ("/files/0123456789abcdef", "/files/../../etc/passwd", "/files/x/fixed"):
        status, text, _ = ask(served, "GET", path)
        assert status == 404, path
        assert "/etc/passwd" not in text.replace(path, "")


@pytest.mark.parametrize(("given", "stored"), [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\coordinator\\Desktop\\rtf march.xlsx", "rtf march.xlsx"),
    (".hidden.xlsx", "hidden.xlsx"),
    ("rtf<script>.xlsx", "rtf_script_.xlsx"),
    ("", "upload"),
    ("..", "upload"),
    ("a" * 300 + ".xlsx", "a" * 115 + ".xlsx"),
])
def test_an_uploaded_name_stays_in_its_folder(given: str, stored: str, tmp_path: Path) -> None:
    assert safe_name(given) == stored
    assert (tmp_path / safe_name(given)).resolve().parent == tmp_path.resolve()


def test_allow_remote_still_needs_the_token(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--host", "0.0.0.0", "--allow-remote")
    try:
        port = int(server.origin.rsplit(":", 1)[1])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/", headers={"Host": f"office-pc.example:{port}"})
        response = connection.getresponse()
        assert response.status == 403
        assert "needs the address that calaimfiles serve printed" in response.read().decode()
        connection.close()
        status, text, _ = ask(server, "GET", "/", {"Host": f"office-pc.example:{port}"})
        assert status == 200  # with the cookie, under whatever name the office network gives the machine
        assert "Check your CalAIM files" in text
    finally:
        stop_server(server)


@pytest.mark.parametrize(("path", "fields", "status", "sentence"), [
    ("/together", {"primary": ""}, 404, "no longer on the page"),
    ("/together", {}, 404, "no longer on the page"),
    ("/check", {}, 400, "Choose one or more workbooks"),
    ("/compare", {}, 400, "at least two files"),
    ("/build/rtf", {}, 400, "to draft from first"),
    ("/build/nothing", {}, 404, "no such draft"),
    ("/files/0123456789abcdef/fix", {}, 404, "no longer on the page"),
    ("/plan", {"plan": "no-such-plan"}, 400, "no-such-plan"),
    ("/fetch", {"profile": "none"}, 400, "no sFTP profiles"),
])
def test_a_form_that_makes_no_sense_gets_one_sentence(served: Served, path: str, fields: dict[str, str],
                                                      status: int, sentence: str) -> None:
    answer_status, text, _ = ask(served, "POST", path, URLENCODED, form(served, **fields))
    assert answer_status == status
    assert sentence in text
