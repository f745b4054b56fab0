"""Benchmark: what the page of `calaimfiles serve` adds to a check, against the library's own check.

For a synthetic RTF of each size (`workbooks.py`), a running `calaimfiles serve` is sent the workbook as the
browser sends it (a multipart form over HTTP), checks it and draws its results page (the findings and the grid
of its first rows); then the page is asked for again (the grid's rows are kept by then). The baseline is
`validate_file` on the same file in this process, warm (its imports done), as the server is. Rounds are
interleaved and the table gives medians; figures are printed, never asserted.

    python benchmarks/web.py                    # 1,000 and 10,000 rows, 3 rounds
    python benchmarks/web.py --rows 100000      # a large file
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workbooks import CACHE_DIR, rtf_files  # noqa: E402

from calaimfiles.validate import ValidationRequest, validate_file  # noqa: E402
from calaimfiles.web.security import CSRF_FIELD, Keys  # noqa: E402

AS_OF = "2026-11-05"


class Client:
    """Just enough HTTP to talk to the page as the browser does: the cookie the token buys, the form's CSRF."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        keys = Keys(url.rsplit("token=", 1)[1], self.port)
        self.cookie = f"{keys.cookie_name}={keys.cookie_value}"
        self.csrf = keys.csrf

    def request(self, method: str, path: str, body: bytes = b"", content_type: str = "") -> tuple[int, dict[str, str],
                                                                                                   bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=600)
        headers = {"Cookie": self.cookie, "Host": f"{self.host}:{self.port}"}
        if content_type:
            headers["Content-Type"] = content_type
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def upload(self, path: Path) -> str:
        boundary = secrets.token_hex(16)
        body = b"".join([
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{CSRF_FIELD}\"\r\n\r\n{self.csrf}\r\n".encode(),
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{path.name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n".encode(),
            path.read_bytes(), f"\r\n--{boundary}--\r\n".encode(),
        ])
        status, headers, _ = self.request("POST", "/check", body, f"multipart/form-data; boundary={boundary}")
        if status != 303:
            raise RuntimeError(f"the upload was answered with {status}")
        return headers["location"]


def timed(step: object) -> tuple[float, object]:
    start = time.perf_counter()
    result = step() if callable(step) else None
    return time.perf_counter() - start, result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=CACHE_DIR)
    options = parser.parse_args(argv)
    request = ValidationRequest(as_of=dt.date.fromisoformat(AS_OF))
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen([sys.executable, "-m", "calaimfiles", "serve", "--no-browser", "--as-of", AS_OF,
                                   "--max-upload-mb", "2000"], cwd=folder, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        try:
            assert server.stdout is not None
            found = re.search(r"(http://\S+)", server.stdout.readline())
            if found is None:
                sys.exit("calaimfiles serve did not start")
            client = Client(found.group(1))
            client.request("GET", "/")  # the server's first page loads what every later one shares
            print(f"{'rows':>9}  {'validate_file s':>15}  {'upload+check+page s':>19}  {'page again s':>12}  "
                  f"{'page KiB':>8}  {'x validate_file':>15}")
            for rows in options.rows:
                xlsx, _ = rtf_files(rows, options.cache)
                validate_file(xlsx, request)  # warm, as the server is
                base, web, again, size = [], [], [], 0
                for _ in range(options.repeat):
                    base.append(timed(lambda path=xlsx: validate_file(path, request))[0])

                    def through_the_page(path: Path = xlsx) -> bytes:
                        return client.request("GET", client.upload(path))[2]

                    seconds, page = timed(through_the_page)
                    web.append(seconds)
                    assert isinstance(page, bytes)
                    size = len(page)
                    location = re.search(rb'href="(/files/[0-9a-f]+)/annotated"', page)
                    if location:
                        where = location.group(1).decode()
                        again.append(timed(lambda where=where: client.request("GET", where))[0])
                b, w = statistics.median(base), statistics.median(web)
                a = statistics.median(again) if again else float("nan")
                print(f"{rows:>9,}  {b:>15.2f}  {w:>19.2f}  {a:>12.2f}  {size / 1024:>8,.0f}  {w / b:>15.2f}")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
