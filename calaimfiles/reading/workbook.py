"""Open a workbook or CSV file and hand out its sheets as grids anchored at A1.

python-calamine does the reading (several times faster than openpyxl), and a large sheet is read in pieces on
every core (`pieces`). Two of calamine's habits are corrected here: rows and columns keep the numbers Excel shows
(the grid always starts at A1), and error cells (`#N/A`, `#REF!`), which calamine returns as blanks, are recovered
from the sheet XML.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import itertools
import operator
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any
from xml.parsers import expat

import python_calamine

from calaimfiles.findings import column_number
from calaimfiles.reading import limits, pieces

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
READABLE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".csv")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# CSV injection (design notes section 3): text a spreadsheet would run as a formula. `calaimfiles convert` writes
# it behind one more apostrophe, and `_csv_rows` takes that apostrophe off; apostrophes already in front count
# too, so text that itself starts with '= comes back with its own apostrophe.
FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
_NEUTRALISED = re.compile("'" + FORMULA_START.pattern)


class ReadError(Exception):
    """The file cannot be read as a workbook; the message is one plain sentence for the user."""


class Sheet:
    """One sheet, anchored at A1: row 0 is Excel row 1 and column 0 is column A. Error cells map (row, col) ->
    text (for a sheet read in pieces, complete once its rows have been read).

    A large sheet is never held whole as Python lists: the first rows are kept (the header is among them) and
    `body` streams the rest once, for `build_table` to number as they go by. `rows` reads the whole sheet into
    lists, for callers that want them; it cannot follow `body`.
    """

    def __init__(
        self,
        name: str,
        rows: list[list[Any]],
        error_cells: dict[tuple[int, int], str] | None = None,
        hidden: bool = False,
        rest: Iterator[list[Any]] | None = None,
        width: int | None = None,
    ) -> None:
        self.name = name
        self.error_cells = {} if error_cells is None else error_cells  # filled as a sheet read in pieces goes
        self.hidden = hidden
        self.width = max(map(len, rows), default=0) if width is None else width
        self._first = rows
        self._rest = rest
        self._streamed = False

    def head(self, count: int) -> list[list[Any]]:
        """The first `count` rows (fewer when the sheet is shorter)."""
        while len(self._first) < count and self._rest is not None:
            row = next(self._rest, None)
            if row is None:
                self._rest = None
            else:
                self._first.append(row)
        return self._first[:count]

    @property
    def rows(self) -> list[list[Any]]:
        """Every row as a list, read now if still pending."""
        if self._streamed:
            raise RuntimeError(f"sheet {self.name!r} was streamed; its rows are gone")
        if self._rest is not None:
            self._first.extend(self._rest)
            self._rest = None
            width = max(map(len, self._first), default=0)
            if any(len(row) != width for row in self._first):  # a sheet read in pieces: rows as wide as the widest
                self._first = [row + [""] * (width - len(row)) for row in self._first]
            self.width = max(self.width, width)
        return self._first

    def body(self, start: int) -> Iterator[list[Any]]:
        """The rows from `start` (0-based) to the end, once; pending rows are handed out without being kept."""
        self._streamed = True
        rest, self._rest = self._rest, None
        yield from self._first[start:]
        if rest is not None:
            yield from itertools.islice(rest, max(0, start - len(self._first)), None)
        self._first = self._first[:start]


class Workbook:
    """A readable file; sheets are loaded on first use (or in the background after `prefetch`) and kept."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.suffix = path.suffix.lower()
        self._cache: dict[str, Sheet] = {}
        self._pending: dict[str, Future[Sheet]] = {}
        limits.check_limits(path)
        if self.suffix == ".csv":
            self._book = None
            self.sheet_names = [path.stem]
            self._hidden: set[str] = set()
            return
        _check_container(path, self.suffix)
        if self.suffix == ".ods":
            limits.check_ods(path)
        elif self.suffix == ".xlsb":
            limits.check_xlsb(path)
        elif self.suffix == ".xls":
            limits.check_xls(path)
        self._budget = limits.Budget.of_package(path)  # what the sheets of an .xlsx may make calamine build
        if self.is_excel:
            try:
                self._budget.shared_lengths()  # calamine reads every shared string as it opens the file
            except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error) as error:
                raise ReadError(f"the workbook is damaged ({_short(error)})") from None
        try:
            with _utf8_path(path) as name:
                self._book = python_calamine.CalamineWorkbook.from_path(name)
        except python_calamine.PasswordError:
            raise ReadError("the workbook is password-protected (encrypted); save an unprotected copy") from None
        except Exception as error:  # calamine raises several unrelated types for damaged files
            raise ReadError(f"not a readable workbook ({_short(error)})") from None
        self.sheet_names = list(self._book.sheet_names)
        if len(self.sheet_names) > limits.MAX_SHEETS:
            raise ReadError(f"the workbook has {len(self.sheet_names):,} sheets; calaimfiles reads workbooks of up to "
                            f"{limits.MAX_SHEETS:,}")
        self._parts: dict[str, str] = {}
        if self.is_excel:
            try:
                with zipfile.ZipFile(path) as archive:
                    self._parts = sheet_parts(archive)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
                raise ReadError(f"the workbook is damaged ({_short(error)})") from None
        self._hidden = {
            m.name for m in self._book.sheets_metadata if m.visible != python_calamine.SheetVisibleEnum.Visible
        }

    @property
    def is_excel(self) -> bool:
        return self.suffix in EXCEL_SUFFIXES

    def prefetch(self, names: Sequence[str]) -> None:
        """Start reading these sheets in a background thread. calamine releases the GIL while it parses, so
        the caller can meanwhile do its own work (importing the rules, say)."""
        wanted = [n for n in names if n not in self._cache and n not in self._pending]
        if not wanted:
            return
        reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="calaimfiles-read")
        self._pending.update({name: reader.submit(self._load, name) for name in wanted})
        reader.shutdown(wait=False)

    def sheet(self, name: str) -> Sheet:
        if name not in self._cache:
            pending = self._pending.pop(name, None)
            self._cache[name] = pending.result() if pending else self._load(name)
        return self._cache[name]

    def _load(self, name: str) -> Sheet:
        if self._book is None:
            return Sheet(name, [], rest=_csv_rows(self.path), width=0)
        hidden = name in self._hidden
        errors: dict[tuple[int, int], str] = {}
        part: str | None = None
        if self.is_excel:
            try:
                with zipfile.ZipFile(self.path) as archive:
                    part = self._parts.get(name)
                    if part is not None and pieces.splittable(archive, part):
                        rows = self._rows_in_pieces(name, part, errors)
                        first = next(rows, None)  # starts the pieces now, in the thread that prefetches
                        return Sheet(name, [] if first is None else [first], errors, hidden=hidden, rest=rows,
                                     width=0)
                    # First the sheet's limits, in the one pass over its XML that also finds the error cells:
                    # calamine builds the whole range in memory, so a stray far cell must be refused before.
                    if part is None or part not in archive.NameToInfo:  # calamine finds it, the checks would not
                        raise ReadError(f"sheet {name!r} cannot be found in the workbook's package (its relationship "
                                        "is missing or points elsewhere)")
                    _scan_part(archive, part, errors, self._budget)
            except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error) as error:
                raise ReadError(f"the workbook is damaged ({_short(error)})") from None
        rows, width = self._whole_rows(name, part)
        return Sheet(name, [], errors, hidden=hidden, rest=rows, width=width)

    def _whole_rows(self, name: str, part: str | None) -> tuple[Iterator[list[Any]], int]:
        """The sheet parsed whole by calamine (its limits already checked): rows from row 1, each from column A,
        made into Python lazily, and the width."""
        assert self._book is not None
        try:
            sheet = self._book.get_sheet_by_name(name)  # parsed whole, in Rust; rows become Python lazily
            lazy = sheet.iter_rows()
        except Exception as error:
            raise _sheet_problem(self.path, part, name, error) from None
        # iter_rows starts at row 1 but at the first used column: put the leading blank columns back.
        start, end = sheet.start, sheet.end
        skipped = start[1] if start else 0
        rows = (([""] * skipped + row for row in lazy) if skipped else lazy)
        return rows, end[1] + 1 if end else 0

    def _rows_in_pieces(self, name: str, part: str, found: dict[tuple[int, int], str]) -> Iterator[list[Any]]:
        """The sheet's rows read in pieces, each chunk of XML first passing the sheet's limits (its error cells
        go into `found`); the sheet is read whole from where a chunk cannot be cut."""
        guard = limits.SheetGuard(part, self._budget, lambda: _part_chunks(self.path, part))

        def inspect(chunk: bytes) -> bool:
            _inspect(guard, chunk, found)
            return not guard.columns and not guard.unreferenced

        def whole() -> Iterator[list[Any]]:
            guard.give_back()  # the whole sheet is measured again from its start
            found.update(scan_sheet(self.path, name, self._budget))
            return self._whole_rows(name, part)[0]

        try:
            yield from pieces.read_rows(self.path, part, name, inspect, whole)
        except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error) as error:
            raise ReadError(f"the workbook is damaged ({_short(error)})") from None
        except (python_calamine.CalamineError, python_calamine.XmlError, python_calamine.ZipError) as error:
            raise _sheet_problem(self.path, part, name, error) from None


@contextlib.contextmanager
def _utf8_path(path: Path) -> Iterator[str]:
    """calamine takes a path as UTF-8 text; a name with other bytes is reached through the open file
    (/proc/self/fd on Linux), not mangled into the name of a file that does not exist."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        with path.open("rb") as handle:
            yield f"/proc/self/fd/{handle.fileno()}"
        return
    yield str(path)


def _short(error: Exception) -> str:
    """The kind of a reader's error without what it quotes: calamine's messages can end in a cell's value ("Unrecognized
    boolean cell value: <a member's name>"), so quoted text and whatever follows the first colon are left out."""
    lines = str(error).strip().splitlines()
    text = _QUOTED.sub("...", lines[0]).split(":", 1)[0].strip() if lines else ""
    return text[:160] or type(error).__name__


_QUOTED = re.compile(r"""(['"`]).*?(?:\1|$)""")


def _sheet_problem(path: Path, part: str | None, name: str, error: Exception) -> ReadError:
    """A sheet calamine cannot parse, said by its kind and, for a cell whose stored type does not fit its content,
    by that cell: never by the value, which may be a member's."""
    kind = _short(error)
    for prefix, (pattern, what) in _CELL_PROBLEMS.items():
        if kind.startswith(prefix):
            cell = _first_cell(path, part, pattern) if part is not None else None
            return ReadError(f"sheet {name!r} cannot be read: {f'cell {cell}' if cell else 'a cell'} {what}")
    return ReadError(f"sheet {name!r} cannot be read ({kind})")


# calamine's message prefix -> (the cells that can cause it, what is wrong with them, in words)
_CELL_PROBLEMS: dict[str, tuple[re.Pattern[bytes], str]] = {
    "Unrecognized boolean cell value": (
        re.compile(rb'<c\b[^>]*?\bt="b"[^>]*>(?:(?!</c>).)*?<v>(?!\s*(?:0|1|true|false)\s*</v>)', re.DOTALL),
        "is marked as TRUE/FALSE but holds something else"),
    "Unsupported cell error value": (
        re.compile(rb'<c\b[^>]*?\bt="e"[^>]*>(?:(?!</c>).)*?<v>(?!#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|'
                   rb'GETTING_DATA|SPILL!|CALC!|FIELD!|BLOCKED!|CONNECT!|BUSY!|EXTERNAL!|UNKNOWN!|PYTHON!)</v>)',
                   re.DOTALL),
        "is marked as an Excel error (such as #N/A) but holds something else"),
    "Parse float error": (
        re.compile(rb'<c\b(?:(?!\bt=)[^>])*(?:\bt="n"[^>]*)?>(?:(?!</c>).)*?<v>(?!\s*[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)'
                   rb'(?:[eE][-+]?[0-9]+)?\s*</v>|(?i:\s*[-+]?(?:inf|infinity|nan)\s*</v>))', re.DOTALL),
        "is marked as a number but holds something else"),
    "Cell string index not found": (
        re.compile(rb'<c\b[^>]*?\bt="s"[^>]*>(?:(?!</c>).)*?<v>(?![0-9]+</v>)', re.DOTALL),
        "refers to shared text that the workbook does not hold"),
}
_CELL_AT = re.compile(rb'\br="([A-Z]+[0-9]+)"')


def _first_cell(path: Path, part: str, pattern: re.Pattern[bytes]) -> str | None:
    """The reference of the first cell of the sheet's XML that `pattern` finds (None when none is found): looked for
    only once calamine has failed, so reading a sound sheet costs nothing."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
            for chunk in limits.xml_chunks(stream):
                found = pattern.search(chunk)
                if found:
                    cell = _CELL_AT.search(found.group(0))
                    return cell.group(1).decode() if cell else None
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error):
        return None
    return None


def _check_container(path: Path, suffix: str) -> None:
    """Tell an encrypted, truncated or mislabelled file apart before calamine gives a cryptic error."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as error:
        raise ReadError(f"cannot open the file ({error.strerror or error})") from None
    if not head:
        raise ReadError("the file is empty")
    if suffix in (".xlsx", ".xlsm", ".xlsb", ".ods"):
        if head.startswith(_OLE_MAGIC):
            raise ReadError("the workbook is password-protected (encrypted); save an unprotected copy")
        if not head.startswith(_ZIP_MAGIC):
            raise ReadError(f"not an Excel workbook: the content is not what a {suffix} file holds")
        if not zipfile.is_zipfile(path):
            raise ReadError("the workbook is damaged or truncated (its zip directory is missing)")


def _csv_rows(path: Path) -> Iterator[list[Any]]:
    """The rows of a CSV file, streamed as a large sheet's are: the file is never held whole, and its range is held
    to the fields it holds as a sheet's is to its values (`limits.CsvGuard`), so that one very wide line cannot
    make every other row that wide. UTF-8 (with or without a byte-order mark), else Windows-1252."""
    encoding = _csv_encoding(path)
    try:
        with path.open(encoding=encoding, errors="replace", newline="") as text:
            sample = text.read(_CSV_SAMPLE)
            try:
                dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
            except csv.Error:
                dialect = csv.excel
            text.seek(0)
            guard = limits.CsvGuard()
            for row in csv.reader(text, dialect):
                guard.feed(row)
                if any(map(_QUOTED_FIRST, row)):  # our own CSV with neutralised formulas: read back what was written
                    row = [c[1:] if _NEUTRALISED.match(c) else c for c in row]
                yield row
    except csv.Error as error:
        raise ReadError(f"not a readable CSV file ({_short(error)})") from None
    except OSError as error:
        raise ReadError(f"cannot read the file ({error.strerror or error})") from None


_CSV_SAMPLE = 65536
_QUOTED_FIRST = operator.methodcaller("startswith", "'")


def _csv_encoding(path: Path) -> str:
    """utf-8-sig when the whole file is UTF-8, else cp1252: checked in blocks, never holding the file."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    except OSError as error:
        raise ReadError(f"cannot read the file ({error.strerror or error})") from None
    return "utf-8-sig"


# -- error cells -----------------------------------------------------------------------------------------------

_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"
_ERROR_CELL = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]+)([0-9]+)"[^>]*?\bt="e"[^>]*>(?:(?!</(?:\w+:)?c>).)*?'
    rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>",
    re.DOTALL,
)
_ERROR_CELL_T_FIRST = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\bt="e"[^>]*?\br="([A-Z]+)([0-9]+)"[^>]*>(?:(?!</(?:\w+:)?c>).)*?'
    rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>",
    re.DOTALL,
)


def relations(archive: zipfile.ZipFile, part: str = "xl/_rels/workbook.xml.rels") -> dict[str, tuple[str, str]]:
    """The workbook's relationships: id -> (type, zip member it points to); empty when they cannot be read."""
    found = {}
    for rel in _elements(archive, part, "Relationship"):
        target = rel.get("Target", "")
        part = posixpath.normpath(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
        found[rel.get("Id", "")] = (rel.get("Type", ""), part)
    return found


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """The zip member that holds each sheet, by sheet name, found through workbook.xml and its relationships."""
    ids = {sheet.get("name", ""): _relation_id(sheet) for sheet in _elements(archive, "xl/workbook.xml", "sheet")}
    rels = relations(archive) if ids else {}
    return {name: rels[rel_id][1] for name, rel_id in ids.items() if rel_id in rels}


def _relation_id(sheet: dict[str, str]) -> str | None:
    """The sheet's relationship id: `r:id` in the relationships namespace, else (as calamine reads it, by its
    name whatever namespace the prefix stands for) any attribute named `id`, so that both find the same part."""
    return sheet.get(_REL_NS) or next((value for key, value in sheet.items() if key.rpartition(" ")[2] == "id"), None)


def sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip member that holds a sheet (None when the workbook names no such sheet)."""
    return sheet_parts(archive).get(sheet_name)


def _elements(archive: zipfile.ZipFile, part: str, local_name: str) -> list[dict[str, str]]:
    """The attributes of each element of that local name in a package part (empty when the part is missing or is
    not XML). The part is parsed as a stream: a part padded with millions of other elements costs no memory."""
    found: list[dict[str, str]] = []

    def start(tag: str, attributes: dict[str, str]) -> None:
        if tag.rpartition(" ")[2] == local_name:
            found.append(attributes)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    try:
        with archive.open(part) as stream:
            parser.ParseFile(stream)
    except (KeyError, expat.ExpatError):
        return []
    return found


def scan_sheet(path: Path, sheet_name: str, budget: limits.Budget | None = None) -> dict[tuple[int, int], str]:
    """Stream the sheet's XML once: refuse it when it is beyond the limits (`limits.SheetGuard`), and find the
    cells stored with type `e` (Excel errors; usually none), which calamine would return as blanks."""
    found: dict[tuple[int, int], str] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet_name)
            if part is not None:
                _scan_part(archive, part, found, budget or limits.Budget.of_package(path))
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error) as error:
        raise ReadError(f"the workbook is damaged ({_short(error)})") from None
    return found


def _scan_part(archive: zipfile.ZipFile, part: str, found: dict[tuple[int, int], str], budget: limits.Budget) -> None:
    def again() -> Iterator[bytes]:
        with archive.open(part) as stream:
            yield from limits.xml_chunks(stream)

    guard = limits.SheetGuard(part, budget, again)
    for chunk in again():
        _inspect(guard, chunk, found)
    guard.finish(again)


def _part_chunks(path: Path, part: str) -> Iterator[bytes]:
    """A package part's XML in chunks, from a file of its own (for a reader in another thread)."""
    with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
        yield from limits.xml_chunks(stream)


def _inspect(guard: limits.SheetGuard, chunk: bytes, found: dict[tuple[int, int], str]) -> None:
    """A chunk of a sheet's XML through its limits (refused with a ReadError), its error cells into `found`."""
    if guard.feed(chunk):
        _collect_errors(chunk, found)


def _collect_errors(buffer: bytes, found: dict[tuple[int, int], str]) -> None:
    for pattern in (_ERROR_CELL, _ERROR_CELL_T_FIRST):
        for match in pattern.finditer(buffer):
            row = int(match.group(2)) - 1
            found[(row, column_number(match.group(1).decode()) - 1)] = match.group(3).decode("utf-8", "replace")
