"""Fixtures that write workbooks into the test's temporary folder and validate them with a fixed `as_of`, and the
real OpenSSH server the sFTP tests talk to."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from builders import AS_OF, findings_of, validate, write_xlsx
from sshd import SshServer, start_sshd, stop_sshd

from calaimfiles.findings import Finding


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """write(layout, rows, **options) -> path of a new .xlsx in tmp_path (a fresh name on every call)."""
    counter = itertools.count(1)

    def _write(layout: str, rows: Iterable[dict[str, Any]], **options: Any) -> Path:
        options.setdefault("filename", f"{layout.lower()}_{next(counter)}.xlsx")
        return write_xlsx(tmp_path, layout, rows, **options)

    return _write


@pytest.fixture
def check(write: Callable[..., Path]) -> Callable[..., list[Finding]]:
    """check(layout, rows, as_of=..., period=..., **write_options) -> the findings of the one sheet written.

    Also asserts the sheet was recognised as `layout` without forcing it.
    """

    def _check(layout: str, rows: Iterable[dict[str, Any]], *, as_of: dt.date = AS_OF,
               period: dt.date | None = None, **options: Any) -> list[Finding]:
        results = validate(write(layout, list(rows), **options), as_of=as_of, period=period)
        assert [r.layout for r in results] == [layout]
        return findings_of(results)

    return _check


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """A real OpenSSH server on 127.0.0.1 (tests/sshd.py), one per test module that asks for it."""
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    try:
        yield server
    finally:
        stop_sshd(server)
