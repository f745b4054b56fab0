"""Validate files: read -> find the header and layout -> normalise -> run the checks -> findings.

This is the library entry point behind `calaimfiles validate`; it never prints and never writes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import zoneinfo
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from calaimfiles.findings import Finding, Severity, column_number
from calaimfiles.layouts import LAYOUT_NAMES, all_layouts, load_layout
from calaimfiles.reading.header import HEADER_SEARCH_ROWS, HeaderMatch, find_header
from calaimfiles.reading.workbook import READABLE_SUFFIXES, ReadError, Sheet, Workbook

if TYPE_CHECKING:
    from calaimfiles.rules.table import Table

CALIFORNIA = zoneinfo.ZoneInfo("America/Los_Angeles")


class InputError(Exception):
    """The input cannot be validated at all (exit code 2); the message is one sentence for the user."""


def today_in_california(now: dt.datetime | None = None) -> dt.date:
    """Dates in these files are California calendar dates, whatever the machine's time zone."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(CALIFORNIA).date()


@dataclass
class Selection:
    """Which codes to report, as with ruff: a code or a prefix (`RTF`, `RTF-R3`, `DATE`) selects or ignores."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def wants(self, code: str) -> bool:
        if self.select and not any(_matches(code, s) for s in self.select):
            return False
        return not any(_matches(code, s) for s in self.ignore)


def _matches(code: str, pattern: str) -> bool:
    """`RTF` matches RTF-R3; `RTF-R3` matches RTF-R3 and RTF-R3a but not RTF-R30."""
    code, pattern = code.upper(), pattern.upper()
    if code == pattern or code.startswith(pattern + "-"):
        return True
    rest = code[len(pattern):]
    return code.startswith(pattern) and pattern[-1:].isdigit() and rest.isalpha()


@dataclass
class ValidationRequest:
    """Everything a run needs: `as_of` is 'today' for future-date rules; `layout`/`sheet` override detection."""

    as_of: dt.date = field(default_factory=today_in_california)
    period: dt.date | None = None
    layout: str | None = None
    sheet: str | None = None
    selection: Selection = field(default_factory=Selection)


@dataclass
class SheetResult:
    """The findings for one sheet that holds a layout."""

    path: Path
    layout: str
    sheet: str
    rows: int
    findings: list[Finding]

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the readable files directly inside them (Excel's `~$` lock files skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir()
                       if p.is_file() and p.suffix.lower() in READABLE_SUFFIXES and not p.name.startswith("~$"))
            )
        else:
            files.append(path)
    return files


def validate_file(path: Path, request: ValidationRequest) -> list[SheetResult]:
    """Validate every sheet of one file that holds a known layout. Raises InputError when none can be checked."""
    with _opened(path) as book:
        # Imported here, while the sheets load in the background: the rules bring pandas, which takes a good
        # part of a second to import; overlapping the two keeps a large file's check close to its read time.
        from calaimfiles.rules.engine import check_sheet

        results = []
        for sheet, header in _layout_sheets(book, request):
            findings, rows = check_sheet(book.path, sheet, header, request.as_of, request.period)
            findings = [f for f in findings if request.selection.wants(f.code)]
            findings.sort(key=lambda f: (f.row or 0, column_number(f.cell), f.code))
            results.append(SheetResult(book.path, header.layout.name, sheet.name, rows, findings))
        return results


def read_tables(path: Path, request: ValidationRequest) -> list[Table]:
    """The normalised table of every sheet that holds a known layout, without running the checks: what
    commands that build, convert or compare files work from. Raises InputError like `validate_file`."""
    with _opened(path) as book:
        from calaimfiles.rules.table import Options, build_table

        options = Options(as_of=request.as_of, period=request.period)
        return [build_table(sheet, header, options) for sheet, header in _layout_sheets(book, request)]


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[Workbook]:
    """Open a file for reading; every way it can fail becomes an InputError with one plain sentence."""
    if not path.exists():
        raise InputError("no such file")
    if path.is_dir():
        raise InputError("is a folder; pass the folder itself to validate every workbook in it")
    if path.suffix.lower() not in READABLE_SUFFIXES:
        raise InputError(f"cannot read {path.suffix or 'files without an extension'}: use .xlsx, .xlsm, .xls or .csv")
    try:
        with _cycle_collector_paused():
            yield Workbook(path)
    except ReadError as error:
        raise InputError(str(error)) from None
    except MemoryError:
        raise InputError("the file is too large to read into memory") from None


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """A sheet read makes a million objects and no reference cycles, yet Python's cycle collector would walk
    them over and over while the checks allocate (about a sixth of the time of a 100,000-row file)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _layout_sheets(book: Workbook, request: ValidationRequest) -> Iterator[tuple[Sheet, HeaderMatch]]:
    """Each sheet that holds a known layout, with its header; InputError when there is none."""
    layouts = [load_layout(request.layout)] if request.layout else all_layouts()
    if request.sheet is not None and request.sheet not in book.sheet_names:
        raise InputError(f"has no sheet named {request.sheet!r} (sheets: {', '.join(book.sheet_names)})")
    names = [request.sheet] if request.sheet is not None else book.sheet_names
    book.prefetch(names)
    found = empty = 0
    for name in names:
        sheet = book.sheet(name)
        if not any(map(any, sheet.rows)):
            empty += 1
            continue
        header = find_header(sheet.rows, layouts, name)
        if header is not None:
            found += 1
            yield sheet, header
    if not found:
        raise InputError(_nothing_found(names, empty, request))


def _nothing_found(names: Sequence[str], empty: int, request: ValidationRequest) -> str:
    if empty == len(names):
        return "the sheet is empty" if len(names) == 1 else "every sheet is empty"
    wanted = f"the {request.layout.upper()} layout" if request.layout else f"any layout ({', '.join(LAYOUT_NAMES)})"
    if request.sheet:
        return f"sheet {request.sheet!r} has no header row matching {wanted} in its first {HEADER_SEARCH_ROWS} rows"
    return f"no header row matching {wanted} in the first {HEADER_SEARCH_ROWS} rows of any sheet"
