"""`calaimfiles serve` started as a user starts it, for the tests of the page (tests/test_web*.py)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

AS_OF = "2026-11-05"  # the examples report period 10/2026, due 11/05/2026
LIMIT_MB = 2  # the upload limit of the servers the tests start


@dataclass
class Served:
    """A running `calaimfiles serve`: its address with the token, its private folder, its process and log."""

    url: str
    folder: Path
    process: subprocess.Popen[str]
    log: Path

    @property
    def origin(self) -> str:
        return self.url.split("/?", 1)[0]


def start_server(cwd: Path, *extra: str, browser: str | None = None) -> Served:
    """`calaimfiles serve` as a user starts it; its log (stderr) goes to a file, read when the test wants it.
    `browser` is the command Python's webbrowser runs to open the page (`$BROWSER`); None: --no-browser."""
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    environment.pop("CALAIMFILES_SFTP_PASSWORD", None)
    if browser is not None:
        environment["BROWSER"] = browser
    log = cwd / f"serve-{time.monotonic_ns()}.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "calaimfiles", "serve", *([] if browser else ["--no-browser"]), "--as-of", AS_OF,
             "--max-upload-mb", str(LIMIT_MB), *extra],
            cwd=cwd, stdout=subprocess.PIPE, stderr=stderr, text=True, env=environment)
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"(http://\S+/\?token=\S+)", line)
    deadline = time.monotonic() + 10
    while (folder := re.search(r"stay in (\S+) until", log.read_text())) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not match or not folder:
        process.kill()
        raise AssertionError(f"serve did not start: {line!r} {log.read_text()}")
    return Served(match.group(1), Path(folder.group(1)), process, log)


def stop_server(served: Served, sig: int = signal.SIGINT) -> tuple[int, list[str]]:
    """Stop it as Ctrl-C does; the exit code and the log lines written after the start."""
    if served.process.poll() is None:
        served.process.send_signal(sig)
    try:
        served.process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.communicate()
    return served.process.returncode, served.log.read_text().splitlines()[1:]
