"""Limits on what calaimfiles agrees to read, checked before any parser sees the file.

The files arrive from many hands, so a hostile or broken file must end in one clear sentence, not in a crash,
a hang or all the machine's memory (every command stays under 1 GiB on the hostile files of tests/hostile.py).
Each limit is far above what a real CalAIM file needs (a 100,000-row RTF is about 15 MB packed and 135 MB
unpacked) and close to what Excel itself can hold:

- MAX_FILE_BYTES: the file on disk.
- MAX_PARTS, MAX_PART_BYTES, MAX_PACKAGE_BYTES: entries in the zip package, the unpacked size of one entry and
  of all of them, as the zip central directory declares them.
- MAX_COMPRESSION_RATIO: an entry of more than COMPRESSION_RATIO_FLOOR bytes that unpacks to more than this many
  times its packed size is a zip bomb (real sheets unpack to about 10 times their packed size).
- No DOCTYPE or ENTITY declarations in any XML part, read in the encoding an XML parser would read it in
  (UTF-16 told by its first bytes, with or without a byte-order mark; a declared encoding other than UTF-8 or
  one that keeps ASCII's bytes is refused): Excel never writes them, and entity expansion ("billion laughs") is
  the classic XML bomb; openpyxl expands entities unless defusedxml is installed.
- MAX_DESCRIPTION_BYTES: the parts that describe the package (workbook, relationships, content types), which
  the readers parse whole; MAX_SHEETS.
- MAX_ROWS, MAX_COLUMNS: Excel's grid (1,048,576 rows, 16,384 columns).
- The range of a sheet: calamine builds it whole in memory (about 32 bytes a cell) from its first to its last
  cell holding a value, so one stray cell far away could cost gigabytes. A range is allowed up to
  SPARSE_RANGE_CELLS cells, and beyond that only when at least 1/RANGE_PER_VALUE of it holds values; never more
  than MAX_SHEET_CELLS. The same holds for .ods tables (their repeats counted as calamine expands them), .xlsb
  and .xls sheets (their records walked), and CSV files (their lines padded to the widest).
- MAX_CELL_CHARS: Excel's limit on the text of one cell (32,767 characters).
- What all the sheets of a workbook make the reader build, paid for by the file's packed size (`Budget`): the
  values (a sheet of millions of one-digit cells packs into a megabyte) and the text, since calamine makes a copy
  of a shared string for every cell that refers to it (one string of 32,000 characters in 20,000 cells packs into
  100 KB and costs 640 MB), and keeps every shared string and every inline text.
- Attributes in sheets and ODS content only as Excel and LibreOffice write them, `name="value"`, which is what
  the searches of these guards read (`check_attribute_syntax`).
- For --report (openpyxl): MAX_TREE_PART_BYTES, MAX_OPENPYXL_OBJECTS (`check_before_openpyxl`).

The package checks run when a workbook is opened (`check_limits`, and `check_ods`, `check_xlsb`, `check_xls`);
the checks of a worksheet's grid and text run in the one pass the reader makes over the sheet's XML anyway (for
error cells), before python-calamine parses it: `SheetGuard`; a CSV file's, as its rows are streamed: `CsvGuard`.
"""

from __future__ import annotations

import functools
import html
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, NoReturn

import numpy as np

from calaimfiles.findings import column_number
from calaimfiles.reading import workbook  # which calls check_limits: imported as a module, so either loads first

MAX_FILE_BYTES = 1 << 29  # 512 MiB
MAX_PARTS = 10_000
MAX_PART_BYTES = 1 << 31  # 2 GiB
MAX_PACKAGE_BYTES = 1 << 32  # 4 GiB
MAX_COMPRESSION_RATIO = 200
COMPRESSION_RATIO_FLOOR = 1 << 20  # smaller entries may compress any amount: they cannot do harm
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
NARROW_COLUMNS = 78  # up to BZ: wider than any layout with a plan's extra columns, narrow enough to skip counting
MAX_SHEET_CELLS = MAX_ROWS * NARROW_COLUMNS
SPARSE_RANGE_CELLS = 8_000_000  # about 256 MB in calamine: a range this large needs no values to pay for it
RANGE_PER_VALUE = 4  # beyond it, a range at most this many times the cells that hold a value
MAX_CELL_CHARS = 32_767
# What the sheets of one workbook may make the reader build: so much whatever the file, beyond in proportion to
# its size on disk.
# A real RTF packs about 0.2 values and 1 character of text into a byte; validate holds about 75 bytes a value.
FREE_VALUES = 4_000_000
VALUES_PER_PACKED_BYTE = 0.5
FREE_TEXT = 64 << 20  # characters (counted as UTF-8 bytes)
TEXT_PER_PACKED_BYTE = 8
MAX_SHEETS = 1_000  # a CalAIM file has one to a few; each sheet is read, so thousands of empty ones would cost
MAX_TREE_PART_BYTES = 4 << 20  # for --report: a part openpyxl parses whole (a tree costs ~40 times its bytes)
MAX_OPENPYXL_OBJECTS = 2_000_000  # for --report: about 700 MB in openpyxl (a 75,000-row RTF)
MAX_DESCRIPTION_BYTES = 8 << 20  # the workbook part, relationships, content types: parsed whole by the readers

_PROLOG_BYTES = 1 << 16  # an XML part's declaration and comments before its first element fit in far less
# How much XML is looked at at once: far more than a cell at Excel's limit (32,767 characters of up to six bytes
# each, escaped), since chunks end after a cell and MAX_CELL_CHARS is checked within one chunk.
CHUNK_BYTES = 1 << 21

# The prolog of an XML part: white space, the XML declaration or processing instructions, comments.
_PROLOG_ITEM = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)
_ROOT = re.compile(rb"<(?:[\w.-]+:)?([\w.-]+)")
# What matters in a worksheet is rare in a real one, so a few cheap searches find it (each must start with its
# literal text: a leading \b or alternatives at the start cost several times more): a cell reference below the
# last row seen or from column CA on (`_far_or_wide`), an Excel error cell (`t="e"`), text kept in the sheet
# itself (`t="str"` for a formula's text, `t="inlineStr"`), and cells without a reference, which the reader
# places one after another.
_UNREFERENCED = re.compile(rb"<c(?:>|/>|\s+(?!r=)[\w:]+=)")
_ANY_ROW = re.compile(rb'r="[A-Z]*([0-9]+)"')
_CELL_TAG = re.compile(rb"<c[\s>/][^>]*")
_REFERENCE = re.compile(rb'\sr="([A-Z]+)')
_LONG_TEXT = re.compile(rb">([^<]{%d,})" % (MAX_CELL_CHARS + 1))
# The searches above read attributes as Excel writes them, `name="value"`. XML also allows single quotes and white
# space around the `=`, which the readers take as well: a part written so is refused (`check_attribute_syntax`).
# Every `=` of a chunk is looked at at once (numpy): only a chunk where one is not written `name="` is read tag by
# tag, since text and formulas may hold such an `=` too (`A1='Sheet 2'!B1`).
_WHITE_SPACE = np.zeros(256, dtype=bool)
_WHITE_SPACE[[ord(" "), ord("\t"), ord("\n"), ord("\r")]] = True
_TAG = re.compile(rb"""</?[A-Za-z_][^<>"']*(?:(?:"[^"]*"|'[^']*')[^<>"']*)*>""")  # not <?...?> nor <!...>
_DOUBLE_QUOTED = re.compile(rb'"[^"]*"')
_LOOSE_ATTRIBUTE = re.compile(rb"""'|\s=|=\s""")  # in a tag, once its double-quoted values are taken out


def check_limits(path: Path) -> None:
    """Refuse a file beyond the limits above with a workbook.ReadError; a file that cannot be opened or is not a zip
    package is left to the reader, which says what is wrong with it."""
    try:
        size = path.stat().st_size
    except OSError:
        return
    if size > MAX_FILE_BYTES:
        _refuse(f"the file is {_size(size)}; calaimfiles reads files up to {_size(MAX_FILE_BYTES)}")
    if not zipfile.is_zipfile(path):
        return
    try:
        with zipfile.ZipFile(path) as package:
            _check_directory(package.infolist())
            for info in package.infolist():
                with package.open(info) as stream:
                    _check_part(info, stream)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError):
        _refuse("the workbook is damaged: a part of its zip package cannot be unpacked")


def check_before_openpyxl(path: Path) -> None:
    """Refuse, with a workbook.ReadError, a workbook that openpyxl (which writes the annotated copy) would parse into
    more memory than a report deserves. openpyxl parses every part but the worksheets and shared strings whole into
    trees, makes an object of every cell, row, shared string, and every cell of a merged range or of a hyperlink's
    range: so each such part is held to MAX_TREE_PART_BYTES and their sum to MAX_OPENPYXL_OBJECTS. The package is
    checked again first (`check_limits`), so openpyxl never parses a part the checks have not seen, even if the
    file changed since it was read."""
    check_limits(path)
    if not zipfile.is_zipfile(path):
        return
    objects = 0
    try:
        with zipfile.ZipFile(path) as package:
            for info in package.infolist():
                with package.open(info) as stream:
                    head, _ = _as_parsed(info.filename, stream.read(_PROLOG_BYTES))
                    root = _root_element(info.filename, head)
                    if root is None:
                        continue
                    if root not in _STREAMED_ROOTS:
                        if info.file_size > MAX_TREE_PART_BYTES:
                            _refuse(f"the workbook part {info.filename} unpacks to {_size(info.file_size)}; the "
                                    f"annotated report reads parts of up to {_size(MAX_TREE_PART_BYTES)}")
                        continue
                    for chunk in xml_chunks(stream, head):
                        objects += _openpyxl_objects(chunk)
                        if objects > MAX_OPENPYXL_OBJECTS:
                            _refuse(f"the workbook holds more than {MAX_OPENPYXL_OBJECTS:,} cells, rows and texts "
                                    "(merged and linked ranges count every cell); the annotated report is written "
                                    "for smaller workbooks: validate without --report, or split the file")
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError):
        _refuse("the workbook is damaged: a part of its zip package cannot be unpacked")


_RANGE = re.compile(rb'<(?:[\w.-]+:)?(?:mergeCell|hyperlink)\b[^>]*?\sref="'
                    rb'\$?([A-Z]+)\$?([0-9]+):\$?([A-Z]+)\$?([0-9]+)"')


def _openpyxl_objects(chunk: bytes) -> int:
    """The objects openpyxl makes for a chunk of a worksheet or of the shared strings."""
    count = chunk.count(b"<c") + chunk.count(b"<row") + chunk.count(b"<si") + chunk.count(b":c ")
    for left, top, right, bottom in _RANGE.findall(chunk):
        rows = abs(int(bottom) - int(top)) + 1
        count += rows * (abs(column_number(right.decode()) - column_number(left.decode())) + 1)
    return count


def _refuse(message: str) -> NoReturn:
    raise workbook.ReadError(message)


def _check_directory(entries: list[zipfile.ZipInfo]) -> None:
    if len(entries) > MAX_PARTS:
        _refuse(f"the workbook package has {len(entries):,} parts; calaimfiles reads up to {MAX_PARTS:,}")
    total = 0
    for info in entries:
        if info.file_size > MAX_PART_BYTES:
            _refuse(f"the workbook part {info.filename} unpacks to {_size(info.file_size)}; calaimfiles "
                            f"reads parts up to {_size(MAX_PART_BYTES)}")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > COMPRESSION_RATIO_FLOOR and ratio > MAX_COMPRESSION_RATIO:
            _refuse(f"the workbook part {info.filename} unpacks to {ratio:,.0f} times its packed size "
                            f"(a zip bomb?); calaimfiles accepts up to {MAX_COMPRESSION_RATIO}")
        total += info.file_size
    if total > MAX_PACKAGE_BYTES:
        _refuse(f"the workbook unpacks to {_size(total)}; calaimfiles reads workbooks up to "
                        f"{_size(MAX_PACKAGE_BYTES)} unpacked")


def _check_part(info: zipfile.ZipInfo, stream: IO[bytes]) -> None:
    """Refuse DTDs in any XML part, text in an encoding the guards cannot read, a part that is parsed whole yet
    large, and over-long text in the shared strings. Parts that are not XML (images, macros) end the check at their
    first byte; worksheets are left to their SheetGuard."""
    name = info.filename
    head, utf8 = _as_parsed(name, stream.read(_PROLOG_BYTES))
    root = _root_element(name, head)
    if root is None:
        return
    if not utf8 and root in _STREAMED_ROOTS:
        _refuse(f"the workbook part {name} is written in UTF-16; calaimfiles reads sheets and shared strings in "
                "UTF-8, as Excel and LibreOffice write them (open the file in Excel and save it again)")
    described = root in _DESCRIPTION_ROOTS or (root == b"Relationships" and name in _DESCRIPTION_RELATIONS)
    if described and info.file_size > MAX_DESCRIPTION_BYTES:
        _refuse(f"the workbook part {name} unpacks to {_size(info.file_size)}; calaimfiles reads workbook "
                f"descriptions of up to {_size(MAX_DESCRIPTION_BYTES)} (a real one holds a few KiB)")
    if root == b"sst":
        for chunk in xml_chunks(stream, head):
            _check_text(chunk)


# Parts read as streams (their size limited as a whole), and parts that describe the package, which readers parse
# whole into a tree (calamine reads the workbook for its sheets; openpyxl, for --report, parses every part but the
# worksheets and shared strings into trees: `check_before_openpyxl`).
_STREAMED_ROOTS = frozenset({b"worksheet", b"sst", b"chartsheet", b"dialogsheet", b"document-content"})
_DESCRIPTION_ROOTS = frozenset({b"workbook", b"Types"})
_DESCRIPTION_RELATIONS = frozenset({"_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/_rels/workbook.bin.rels"})
# The encodings an XML parser may be told to read text in that keep ASCII's bytes, so that a DOCTYPE is seen in the
# bytes as the parser sees it in the text; expat (behind openpyxl and ElementTree) reads no others.
_ASCII_COMPATIBLE = frozenset({"utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1",
                               "windows-1252", "cp1252"})
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._-]*)["']""")


def _as_parsed(name: str, head: bytes) -> tuple[bytes, bool]:
    """The first bytes of a part as an XML parser reads them, in UTF-8, and whether the part is in UTF-8 (or an
    encoding that keeps ASCII's bytes). Like expat, the encoding is told by a byte-order mark, else by a zero byte
    among the first two (UTF-16 without a mark), else by the declaration; a part in any other encoding is refused,
    since a DOCTYPE in it could pass unseen."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff", b"<\x00\x00\x00", b"\x00\x00\x00<")):
        _refuse(f"the workbook part {name} is written in UTF-32, which Excel never writes; refused")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:2]:
        little = head.startswith(b"\xff\xfe") or (not head.startswith(b"\xfe\xff") and head[:1] != b"\x00")
        text = head[: len(head) // 2 * 2].decode("utf-16-le" if little else "utf-16-be", "replace")
        return text.removeprefix("\ufeff").encode("utf-8", "replace"), False
    declared = _DECLARED_ENCODING.match(head.lstrip())
    if declared and declared.group(1).decode().lower() not in _ASCII_COMPATIBLE:
        _refuse(f"the workbook part {name} declares the text encoding {declared.group(1).decode()!r}, which Excel "
                "never writes; calaimfiles reads parts in UTF-8 (refused, since a parser could read it differently)")
    return head, True


def _root_element(name: str, head: bytes) -> bytes | None:
    """The local name of an XML part's first element (None for a part that is not XML); a DOCTYPE or any other
    declaration before it is refused. `head` is the part's start as `_as_parsed` gives it."""
    position = 0
    while match := _PROLOG_ITEM.match(head, position):
        position = match.end()
    if head.startswith(b"<!", position):
        _refuse(f"the workbook part {name} declares a DOCTYPE or entities, which Excel never writes; "
                        "refused (a file built to exhaust memory)")
    root = _ROOT.match(head, position)
    if root is None and position >= _PROLOG_BYTES:
        _refuse(f"the workbook part {name} starts with more than {_size(_PROLOG_BYTES)} of XML prolog; "
                        "refused")
    return root.group(1) if root else None


def xml_chunks(stream: IO[bytes], head: bytes = b"") -> Iterator[bytes]:
    """An XML part in pieces of about CHUNK_BYTES that end after a row (else after a cell, else before a tag),
    so that no cell, tag or text run is cut in two and a part without rows cannot grow the buffer. `head` is
    what was already read from the stream."""
    tail = head
    while chunk := stream.read(CHUNK_BYTES):
        buffer = tail + chunk
        cut = _chunk_end(buffer)
        yield buffer[:cut]
        tail = buffer[cut:]
    if tail:
        yield tail


def _chunk_end(buffer: bytes) -> int:
    for end in (b"</row>", b"</c>"):
        at = buffer.rfind(end)
        if at >= 0:
            return at + len(end)
    at = buffer.rfind(b"<")
    return at if at > 0 else len(buffer)  # one text run fills the chunk: hand it on, far over the cell limit


def check_attribute_syntax(chunk: bytes, where: str) -> None:
    """Refuse attributes written otherwise than `name="value"`: the guards' searches would not see them (a cell at
    `r='BZ1048576'`, a row repeated `number-rows-repeated='300000'` would pass unmeasured), while the readers
    read them."""
    if _loose_equals(chunk) and any(
            _LOOSE_ATTRIBUTE.search(_DOUBLE_QUOTED.sub(b'""', tag.group(0))) for tag in _TAG.finditer(chunk)):
        _refuse(f"{where} writes its XML attributes in single quotes or with spaces around '=', as Excel and "
                "LibreOffice never do; calaimfiles does not read it (open it in Excel and save it again)")


def _loose_equals(chunk: bytes) -> bool:
    """Whether an `=` of the chunk has white space before it or anything but a double quote after it."""
    data = np.frombuffer(chunk, dtype=np.uint8)
    at = np.flatnonzero(data == ord("="))
    if at.size == 0:
        return False
    after = data[np.minimum(at + 1, data.size - 1)]
    return bool((after != ord('"')).any() or _WHITE_SPACE[data[at - 1]].any())


def _check_text(chunk: bytes) -> None:
    """A text run of more bytes than the cell limit may still be within it (several bytes a character)."""
    for match in _LONG_TEXT.finditer(chunk):
        if len(html.unescape(match.group(1).decode("utf-8", "replace"))) > MAX_CELL_CHARS:
            _refuse(f"a cell holds more than {MAX_CELL_CHARS:,} characters, Excel's limit; refused")


_TEXT_RUN = re.compile(rb"<(?:[\w.-]+:)?[tv](?:\s[^>]*)?>([^<]*)<")


def _text_bytes(chunk: bytes) -> int:
    """The bytes of the text a chunk keeps in its cells (`<t>` of inline text, `<v>` of a formula's text; numbers
    counted too): never under the characters the reader makes of them."""
    return sum(map(len, _TEXT_RUN.findall(chunk)))


_SHARED_CELL = re.compile(rb't="s"[^>]*><(?:[\w.-]+:)?v>([0-9]{1,9})<')
_SHARED_ITEM_END = re.compile(rb"</(?:[\w.-]+:)?si>")  # calamine reads `<x:si>` as `<si>`
_SHARED_ITEM_BYTES = 8 << 20  # one shared string, however formatted, is far smaller: 32,767 characters
_SHARED_ITEM_MARKUP = len(b"<si><t></t>")


class Budget:
    """What all the sheets of one workbook may make the reader build (values, text: the reader keeps every sheet it
    has read), from the file's packed size, and what they have spent so far; also the length of each of its shared
    strings, read from the shared strings part when first needed."""

    def __init__(self, packed_bytes: int,
                 shared_strings: Callable[[], Iterator[Iterator[bytes]]] | None = None) -> None:
        self.max_values = max(FREE_VALUES, int(VALUES_PER_PACKED_BYTE * packed_bytes))
        self.max_text = max(FREE_TEXT, TEXT_PER_PACKED_BYTE * packed_bytes)
        self.values = 0
        self.text = 0
        self._shared_strings = shared_strings
        self._lengths: np.ndarray[Any, np.dtype[np.int64]] | None = None
        self.longest_shared = 0  # characters of the longest shared string, once `shared_lengths` has read them

    def spend(self, values: int = 0, text: int = 0) -> None:
        """Count what a sheet adds; refuse the workbook past either limit."""
        self.values += values
        self.text += text
        if self.values > self.max_values or self.text > self.max_text:
            self.refuse()

    def refuse(self) -> NoReturn:
        _refuse(f"the workbook holds over {self.max_values:,} values or {self.max_text:,} characters of text (all "
                "its sheets together, repeated and shared text counted for each cell), more than a file of its size "
                "holds (a file built to exhaust memory)")

    @classmethod
    def of_package(cls, path: Path) -> Budget:
        """The budget of an .xlsx or .xlsm file, its shared strings found through the workbook's relationships."""

        def shared_strings() -> Iterator[Iterator[bytes]]:
            """The part the relationships name, and the one calamine also reads by its usual name."""
            with zipfile.ZipFile(path) as archive:
                named = [target for kind, target in workbook.relations(archive).values()
                         if kind.endswith("/sharedStrings")]
                for part in dict.fromkeys([*named, "xl/sharedStrings.xml"]):
                    if part in archive.NameToInfo:
                        with archive.open(part) as stream:
                            yield xml_chunks(stream)

        return cls(path.stat().st_size, shared_strings)

    def shared_lengths(self) -> np.ndarray[Any, np.dtype[np.int64]]:
        """The length of each shared string (its bytes less the markup of a plain one: never under its
        characters), the longest of the parts that may hold it. All of them together are held by the reader too,
        so they must fit the text budget."""
        if self._lengths is None:
            longest = np.zeros(0, dtype=np.int64)
            for chunks in self._shared_strings() if self._shared_strings else ():
                lengths = _item_lengths(chunks)
                if lengths.size > longest.size:
                    lengths, longest = longest, lengths
                longest[: lengths.size] = np.maximum(longest[: lengths.size], lengths)
            self._lengths = longest
            self.longest_shared = int(longest.max(initial=0))
            if int(longest.sum()) > self.max_text:
                self.refuse()
        return self._lengths


def _item_lengths(chunks: Iterator[bytes]) -> np.ndarray[Any, np.dtype[np.int64]]:
    """The length of each `<si>` item of a shared strings part streamed in chunks."""
    lengths: list[int] = []
    carried = b""
    for chunk in chunks:
        items = _SHARED_ITEM_END.split(carried + chunk)
        carried = items.pop()
        if len(carried) > _SHARED_ITEM_BYTES:
            _refuse(f"the workbook's shared strings hold an item over {_size(_SHARED_ITEM_BYTES)}, which no cell "
                    "can hold; refused")
        if not lengths and items:  # the part's first item: without the declaration and `<sst ...>`
            items[0] = items[0][max(items[0].find(b"si>"), 0):]
        lengths.extend(map(len, items))
    return np.maximum(np.array(lengths, dtype=np.int64) - _SHARED_ITEM_MARKUP, 0)


class SheetGuard:
    """Checks one worksheet's XML as the reader streams it, chunk by chunk (each ending before a `<`), before
    python-calamine parses it: rows, columns, the size of the range and the text of its cells.

    calamine builds a sheet's whole range in memory (about 32 bytes a cell) from its first to its last cell holding
    a value, so the range is held to what the cells pay for: up to SPARSE_RANGE_CELLS cells whatever they hold, and
    beyond that at most RANGE_PER_VALUE cells for each value stored (`<v>` or inline text). The range is measured
    cheaply and never under its true size: its last row is the last cell's row of each chunk, and a cell further
    down anywhere in a chunk (a row of more digits, or of higher first two digits) is found by the search for far
    or wide references, so a row can be missed only below a tenth more than the last row seen; its width is 26,
    52 or 78 columns (A-Z, up to AZ, up to BZ) by two searches that stop at their first hit, and exact past BZ.
    """

    def __init__(self, part: str, budget: Budget, chunks: Callable[[], Iterator[bytes]]) -> None:
        self.part = part
        self.budget = budget
        self._chunks = chunks  # the part streamed again from its start
        self.text = 0  # text the reader will build for the cells so far, or an upper bound of it
        self._spent_values = 0  # values charged to the budget so far
        self._text_counted = False  # the whole sheet's shared text counted exactly, and within the budget
        self.rows = 0  # the last row seen (a row up to a tenth further may be unseen: `_ceiling`)
        self.columns = 0  # known only past NARROW_COLUMNS
        self.width = 26  # the width class within NARROW_COLUMNS: 26, 52 or 78
        self.values = 0  # cells that hold a value, which the range may be a few times larger than
        self.unreferenced = False  # cells without a reference, placed one after the other
        self._far = _far_or_wide(0)

    def feed(self, chunk: bytes) -> bool:
        """Check a chunk; True when it holds Excel error cells, for the reader to collect."""
        check_attribute_syntax(chunk, f"the sheet in {self.part}")
        last = chunk.rfind(b'c r="')  # the last cell's, prefixed (`<x:c`) or not
        if last >= 0 and (row := _ROW_OF.match(chunk, last + 5)) is not None:
            self._raise_ceiling(int(row.group(1)))
        for reference in self._far.findall(chunk):
            letters = reference.rstrip(b"0123456789")
            self._cell(int(reference[len(letters):]), column_number(letters.decode()))
        if self.width < NARROW_COLUMNS and not self.columns:
            for width, pattern in _WIDTH_CLASSES:
                if self.width < width and pattern.search(chunk):
                    self.width = width
        inline = b't="inlineStr"' in chunk
        if inline or b't="str"' in chunk:  # text kept in the sheet rather than shared
            _check_text(chunk)
            if not self._text_counted:  # else counted with the whole sheet already
                self._spend_text(_text_bytes(chunk))
        self.values += chunk.count(b"<v>") + (chunk.count(b"<is>") if inline else 0)
        built = chunk.count(b"v>") // 2  # `<x:v>` too: never under the values
        self._spent_values += built
        self.budget.spend(values=built)
        if (shared := chunk.count(b't="s"')) and not self._text_counted:
            self.budget.shared_lengths()
            self._spend_text(shared * self.budget.longest_shared)
        # Excel writes the reference first; a cell that does not (or any other tag named <c...) is looked at
        # closely, and any other order counts as unreferenced (measured exactly, so never wrongly refused).
        if not self.unreferenced and chunk.count(b"<c") > chunk.count(b'<c r="'):
            self.unreferenced = _UNREFERENCED.search(chunk) is not None
        if not self.unreferenced:
            self._check_range(self.rows, self.columns or self.width, exact=False)
        return b't="e"' in chunk

    def give_back(self) -> None:
        """Return what this guard charged to the budget, for a sheet that another guard reads again from its
        start (a sheet first read in pieces, then whole)."""
        self.budget.values -= self._spent_values
        self.budget.text -= self.text
        self._spent_values = self.text = 0

    def _spend_text(self, amount: int) -> None:
        """Add text to the sheet's account. Past the budget, this sheet's bound (each shared-string cell at the
        longest string) gives way to an exact count over the whole sheet, made once; only a true excess is refused."""
        self.text += amount
        self.budget.text += amount
        if self.budget.text <= self.budget.max_text:
            return
        if not self._text_counted:
            self.budget.text -= self.text  # the other sheets' text
            lengths = self.budget.shared_lengths()
            self.text = 0
            for chunk in self._chunks():
                indexes = np.array(_SHARED_CELL.findall(chunk), dtype=np.int64)
                # A cell whose index is written otherwise (`+5`, `&#53;`, many zeros) counts as the longest.
                unread = chunk.count(b't="s"') - indexes.size
                exact = (int(lengths[indexes[indexes < lengths.size]].sum())
                         + max(unread, 0) * self.budget.longest_shared)
                if b't="inlineStr"' in chunk or b't="str"' in chunk:
                    exact += _text_bytes(chunk)
                self.text += exact
                self.budget.spend(text=exact)
            self._text_counted = True
        if self.budget.text > self.budget.max_text:
            self.budget.refuse()

    def finish(self, chunks: Callable[[], Iterator[bytes]]) -> None:
        """After the last chunk. A sheet that stays within NARROW_COLUMNS has been measured already; otherwise
        `chunks` streams the part again and its range is measured: every row number, and with cells without a
        reference, each cell's column as the reader counts it."""
        if not self.columns and not self.unreferenced:
            return
        widest = 0
        for chunk in chunks():
            self.rows = max(self.rows, max((int(n) for n in _ANY_ROW.findall(chunk)), default=0))
            if self.unreferenced:
                widest = max(widest, max(map(_row_width, chunk.split(b"</row>"))))
        columns = max(self.columns, widest)
        self._cell(self.rows, columns)
        self._check_range(self.rows, columns, exact=True)

    def _raise_ceiling(self, row: int) -> None:
        """A row seen; the search for far references follows the new ceiling."""
        if row > self.rows:
            self.rows = row
            self._far = _far_or_wide(row)

    def _check_range(self, rows: int, columns: int, exact: bool) -> None:
        """Refuse a range beyond the limits: `rows` is the last row seen, or with `exact` the last row."""
        cells = (rows if exact else _ceiling(rows)) * columns
        if cells > MAX_SHEET_CELLS:
            _refuse(f"the sheet in {self.part} spans up to {rows:,} rows by {columns:,} columns; calaimfiles "
                    f"reads sheets of up to {MAX_SHEET_CELLS:,} cells (delete stray cells far from the data)")
        if cells > SPARSE_RANGE_CELLS and cells > RANGE_PER_VALUE * self.values:
            _refuse(f"the sheet in {self.part} spans up to {rows:,} rows by {columns:,} columns but holds only "
                    f"{self.values:,} values; calaimfiles reads a sheet larger than {SPARSE_RANGE_CELLS:,} cells "
                    f"only when it is at least 1/{RANGE_PER_VALUE} full (delete stray cells far from the data)")

    def _cell(self, row: int, column: int) -> None:
        if row > MAX_ROWS:
            _refuse(f"the sheet in {self.part} has rows beyond row {MAX_ROWS:,}, Excel's last; refused")
        if column > MAX_COLUMNS:
            _refuse(f"the sheet in {self.part} has columns beyond column XFD, Excel's last; refused")
        self._raise_ceiling(row)
        if column > NARROW_COLUMNS:
            self.columns = max(self.columns, column)


_ROW_OF = re.compile(rb"[A-Z]*([0-9]+)")
_WIDTH_CLASSES = ((52, re.compile(rb'r="A[A-Z][0-9]')), (78, re.compile(rb'r="B[A-Z][0-9]')))


@functools.lru_cache(maxsize=128)
def _far_or_wide_pattern(lead: str) -> re.Pattern[bytes]:
    """References from column CA on, or below the ceiling of a last row whose number begins with `lead` (its first
    two digits, then zeros): rows of more digits, or as many digits beginning higher (and always rows of seven
    digits, to find those past Excel's last)."""
    digits = len(lead)
    below = [rb"[0-9]{%d,}" % min(digits + 1, 7)]
    if digits < 7:
        if lead[0] != "9":
            below.append(rb"[%d-9][0-9]{%d}" % (int(lead[0]) + 1, digits - 1))
        if digits > 1 and lead[1] != "9":
            below.append(rb"%s[%d-9][0-9]{%d}" % (lead[0].encode(), int(lead[1]) + 1, digits - 2))
    return re.compile(rb'r="([A-Z]++(?:%s)|[C-Z][A-Z][0-9]+|[A-Z]{3,}[0-9]+)"' % b"|".join(below))


def _lead(row: int) -> str:
    """A row number's first two digits, the others zeroed: 12,345 -> "12000"."""
    text = str(max(row, 1))
    return text[:2] + "0" * (len(text) - 2)


def _far_or_wide(row: int) -> re.Pattern[bytes]:
    return _far_or_wide_pattern(_lead(row))


def _ceiling(row: int) -> int:
    """The last row that `_far_or_wide(row)` does not find: 12,999 for 12,345."""
    lead = _lead(row)
    step: int = 10 ** max(len(lead) - 2, 0)
    return min(int(lead) + step - 1, MAX_ROWS)


class CsvGuard:
    """Checks a CSV file row by row as it is streamed: its rows are padded to the widest one, so the range is
    held to the fields that pay for it, as a worksheet's is to its values (one line of a million commas would
    otherwise make every row a million cells wide)."""

    def __init__(self) -> None:
        self.rows = 0
        self.width = 0
        self.fields = 0

    def feed(self, row: list[str]) -> None:
        width = len(row)
        self.rows += 1
        self.fields += width
        if width > self.width:
            if width > MAX_COLUMNS:
                _refuse(f"a line holds {width:,} fields; calaimfiles reads up to {MAX_COLUMNS:,}, Excel's columns")
            self.width = width
        cells = self.rows * self.width
        if cells > SPARSE_RANGE_CELLS and cells > RANGE_PER_VALUE * self.fields:
            _refuse(f"the file's {self.rows:,} lines are padded to {self.width:,} fields but hold only "
                    f"{self.fields:,}; calaimfiles reads a file larger than {SPARSE_RANGE_CELLS:,} cells only when it "
                    f"is at least 1/{RANGE_PER_VALUE} full (delete the stray fields of the widest line)")


def check_ods(path: Path) -> None:
    """Refuse an OpenDocument spreadsheet whose tables calamine would expand beyond the limits. A row or cell can
    stand for many (`number-rows-repeated`, `number-columns-repeated`), and calamine builds each repeat of a cell
    that holds a value: an 857-byte file can ask for billions of cells. Empty repeats after the last value are
    not built (LibreOffice pads every table to the end of the grid that way), so the range of each table runs to
    its last cell with a value, and it is held to the cells actually written as a worksheet's is to its values."""
    try:
        with zipfile.ZipFile(path) as package, package.open("content.xml") as stream:
            tables = _OdsTables(Budget(path.stat().st_size))
            for chunk in xml_chunks(stream):
                tables.feed(chunk)
            tables.finish()
    except KeyError:
        return  # no content: calamine says what is wrong
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError):
        _refuse("the workbook is damaged: a part of its zip package cannot be unpacked")


_ODS_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)\b([^>]*)>")
_ROWS_REPEATED = re.compile(rb'number-rows-repeated="([0-9]+)"')
_COLUMNS_REPEATED = re.compile(rb'number-columns-repeated="([0-9]+)"')


class _OdsTables:
    """Walks the tags of an ODS content part, table by table, measuring each table's range as calamine builds it."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self._weight = 0  # how many times calamine builds the content now being read (a cell's, repeated)
        self._new_table(b"")

    def _new_table(self, name: bytes) -> None:
        self.name = name
        self.row = 0  # rows so far in this table
        self.repeat = 1  # how many times the current row stands
        self.column = 0  # cells so far in the current row
        self.row_width = 0  # the current row's last column holding a value
        self.last_row = 0  # the last row holding a value
        self.width = 0  # the widest row's last value
        self.written = 0  # cell elements written

    def feed(self, chunk: bytes) -> None:
        check_attribute_syntax(chunk, "the workbook's content.xml")
        read = 0  # where the content being weighed starts in this chunk
        for tag in _ODS_TAG.finditer(chunk):
            closing, kind, attributes = tag.groups()
            self._spend(tag.start() - read)
            read, self._weight = tag.end(), 0
            if kind == b"table":
                if closing:
                    self.finish()
                else:
                    self._new_table(attributes)
            elif kind == b"table-row":
                if closing:
                    self._end_row()
                else:
                    found = _ROWS_REPEATED.search(attributes)
                    self.repeat = int(found.group(1)) if found else 1
                    self.column = self.row_width = 0
                    if attributes.endswith(b"/"):
                        self._end_row()
            elif not closing:
                found = _COLUMNS_REPEATED.search(attributes)
                count = int(found.group(1)) if found else 1
                self.written += 1
                self.column += count
                if b"value-type" in attributes or not attributes.endswith(b"/"):
                    self.row_width = self.column
                    self.budget.spend(values=count * self.repeat)
                    self._weight = count * self.repeat
                    self._spend(len(attributes))  # a value kept in an attribute (office:value="...")
        self._spend(len(chunk) - read)

    def _spend(self, content: int) -> None:
        """Count content (bytes, never under its text) built as many times as its cell stands."""
        self.budget.spend(text=content * self._weight)

    def _end_row(self) -> None:
        self.row += self.repeat
        if self.row_width:
            self.last_row = self.row
            self.width = max(self.width, self.row_width)
        if self.row > MAX_ROWS * 4 or self.column > MAX_COLUMNS * 4:  # far past Excel's grid: stop counting
            self.finish()
        self.repeat = 1

    def finish(self) -> None:
        rows, columns, cells = self.last_row, self.width, self.last_row * self.width
        where = f"the table {_table_name(self.name)}"
        if rows > MAX_ROWS or columns > MAX_COLUMNS:
            _refuse(f"{where} has values beyond row {MAX_ROWS:,} or column XFD, Excel's last; refused")
        if cells > MAX_SHEET_CELLS or (cells > SPARSE_RANGE_CELLS and cells > RANGE_PER_VALUE * self.written):
            _refuse(f"{where} spans {rows:,} rows by {columns:,} columns but writes only {self.written:,} cells "
                    "(the others are repeats); calaimfiles reads such a table only when it is within "
                    f"{SPARSE_RANGE_CELLS:,} cells or at least 1/{RANGE_PER_VALUE} written out")


def _table_name(attributes: bytes) -> str:
    found = re.search(rb'table:name="([^"]*)"', attributes)
    return repr(html.unescape(found.group(1).decode("utf-8", "replace"))) if found else "(unnamed)"


def check_xlsb(path: Path) -> None:
    """Refuse a binary workbook (.xlsb) whose sheets calamine would build beyond the limits, before it parses
    them: each sheet's records are walked for the rows and columns of the cells that hold a value (calamine takes
    any 32-bit column number, and aborts the process when the range cannot be allocated), and for shared-text
    indexes past the end of the shared strings (which make calamine panic)."""
    try:
        with zipfile.ZipFile(path) as package:
            targets = {kind.rpartition("/")[2]: part for kind, part in
                       workbook.relations(package, "xl/_rels/workbook.bin.rels").values()}
            budget = Budget(path.stat().st_size)
            strings: list[int] = []  # the length of each shared string
            if "sharedStrings" in targets and targets["sharedStrings"] in package.NameToInfo:
                with package.open(targets["sharedStrings"]) as stream:
                    strings = [int.from_bytes(data[1:5], "little") for kind, data in _records(stream)
                               if kind == _BRT_SST_ITEM]
                if sum(strings) > budget.max_text:  # calamine holds them all
                    budget.refuse()
            for info in package.infolist():
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".bin"):
                    with package.open(info) as stream:
                        _check_xlsb_sheet(info.filename, stream, strings, budget)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError, struct.error):
        _refuse("the workbook is damaged: a part of its zip package cannot be unpacked")


_BRT_ROW_HEADER, _BRT_CELL_BLANK, _BRT_CELL_SHARED, _BRT_LAST_CELL = 0x0000, 0x0001, 0x0007, 0x000B
_BRT_END_SHEET_DATA, _BRT_SST_ITEM = 0x0092, 0x0013
_MAX_RECORD_BYTES = 1 << 24


def _check_xlsb_sheet(part: str, stream: IO[bytes], strings: list[int], budget: Budget) -> None:
    row, values = 0, 0
    top = left = 1 << 40
    bottom = right = -1
    for kind, data in _records(stream):
        if kind == _BRT_ROW_HEADER:
            row = int.from_bytes(data[:4], "little")
            if row > MAX_ROWS:
                break  # calamine stops reading the sheet there
        elif _BRT_CELL_BLANK < kind <= _BRT_LAST_CELL:
            column = int.from_bytes(data[:4], "little")
            if column >= MAX_COLUMNS:
                _refuse(f"the sheet in {part} has columns beyond column XFD, Excel's last; refused")
            if kind == _BRT_CELL_SHARED:
                index = int.from_bytes(data[8:12], "little")
                if index >= len(strings):
                    _refuse(f"the sheet in {part} has a cell that refers to shared text the workbook does not hold")
                budget.spend(values=1, text=strings[index])
            else:
                budget.spend(values=1, text=len(data))  # text kept in the cell's own record is within it
            values += 1
            top, bottom, left, right = min(top, row), max(bottom, row), min(left, column), max(right, column)
        elif kind == _BRT_END_SHEET_DATA:
            break
    if values:
        _check_sheet_range(f"the sheet in {part}", bottom - top + 1, right - left + 1, values)


def _records(stream: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """The records of a binary part (MS-XLSB 2.1.4): each type and the first 12 bytes of its data, streamed."""
    buffer, at = b"", 0
    while True:
        if len(buffer) - at < 8:
            buffer, at = buffer[at:] + stream.read(1 << 20), 0
            if at >= len(buffer):
                return
        kind = buffer[at] & 0x7F
        if buffer[at] & 0x80:
            kind |= (buffer[at + 1] & 0x7F) << 7
            at += 1
        at += 1
        size = shift = 0
        for _ in range(4):
            if at >= len(buffer):
                raise ValueError("record cut short")
            byte = buffer[at]
            at += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if size > _MAX_RECORD_BYTES:
            raise ValueError("record too large")
        while len(buffer) - at < size:
            more = stream.read(max(size, 1 << 20))
            if not more:
                raise ValueError("record cut short")
            buffer, at = buffer[at:] + more, 0
        yield kind, buffer[at: at + 12]
        at += size


def check_xls(path: Path) -> None:
    """Refuse an Excel 97-2003 workbook (.xls) whose sheets calamine would build beyond the limits, before it
    parses them: the records of the workbook stream are walked for the rows and columns of the cells that hold a
    value (a record can name any of 65,536 columns; calamine aborts the process when the range cannot be
    allocated) and for shared-text indexes past the end of the shared strings."""
    try:
        stream = _compound_stream(path.read_bytes(), ("workbook", "book"))
    except (ValueError, IndexError, struct.error):
        _refuse("the workbook is damaged: its compound file cannot be read")
    if stream is not None:
        _check_biff(stream, Budget(path.stat().st_size))


_FREE, _END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE


def _compound_stream(data: bytes, names: tuple[str, ...]) -> bytes | None:
    """The stream of one of these names (lower case) in a compound file (MS-CFB), or None; ValueError when the
    file's chains do not hold together (they are followed at most once through each sector)."""
    if not data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") or len(data) < 512:
        return None
    sector = 1 << struct.unpack_from("<H", data, 30)[0]
    if sector not in (512, 4096):
        raise ValueError("sector size")
    mini_sector = 1 << struct.unpack_from("<H", data, 32)[0]
    fat_count, first_directory = struct.unpack_from("<II", data, 44)
    cutoff, first_mini_fat, _, first_difat, difat_count = struct.unpack_from("<IIIII", data, 56)
    sectors = (len(data) - 512) // sector

    def at(number: int) -> bytes:
        if number >= sectors:
            raise ValueError("sector outside the file")
        return data[512 + number * sector: 512 + (number + 1) * sector]

    fat_sectors: list[int] = [n for n in struct.unpack_from("<109I", data, 76) if n != _FREE]
    next_difat = first_difat
    for _ in range(min(difat_count, sectors)):
        if next_difat in (_FREE, _END_OF_CHAIN):
            break
        difat = struct.unpack(f"<{sector // 4}I", at(next_difat))
        fat_sectors += [n for n in difat[:-1] if n != _FREE]
        next_difat = difat[-1]
    fat = [n for number in fat_sectors[:fat_count] for n in struct.unpack(f"<{sector // 4}I", at(number))]

    def chain(start: int, table: list[int], read: Callable[[int], bytes]) -> bytes:
        parts: list[bytes] = []
        seen: set[int] = set()
        number = start
        while number not in (_END_OF_CHAIN, _FREE):
            if number in seen or number >= len(table):
                raise ValueError("broken chain")
            seen.add(number)
            parts.append(read(number))
            number = table[number]
        return b"".join(parts)

    directory = chain(first_directory, fat, at)
    entries = [directory[i: i + 128] for i in range(0, len(directory) - 127, 128)]
    if not entries:
        raise ValueError("no directory")
    root_start, root_size = struct.unpack_from("<IQ", entries[0], 116)
    for entry in entries:
        length = struct.unpack_from("<H", entry, 64)[0]
        name = entry[: max(length - 2, 0)].decode("utf-16-le", "replace").lower()
        if entry[66] != 2 or name not in names:
            continue
        start, size = struct.unpack_from("<IQ", entry, 116)
        if size >= cutoff:
            return chain(start, fat, at)[:size]
        return _mini_stream_part(chain, fat, at, (root_start, root_size, first_mini_fat, mini_sector), start)[:size]
    return None


def _mini_stream_part(chain: Callable[[int, list[int], Callable[[int], bytes]], bytes], fat: list[int],
                      at: Callable[[int], bytes], mini: tuple[int, int, int, int], start: int) -> bytes:
    """A small stream, kept in the root's mini stream in sectors of its own (MS-CFB 2.2)."""
    root_start, root_size, first_mini_fat, mini_sector = mini
    stream = chain(root_start, fat, at)[:root_size]
    raw = chain(first_mini_fat, fat, at)
    mini_fat = list(struct.unpack(f"<{len(raw) // 4}I", raw[: len(raw) // 4 * 4]))
    return chain(start, mini_fat, lambda n: stream[n * mini_sector: (n + 1) * mini_sector])


# BIFF8 records (MS-XLS 2.3) of cells that hold a value: row and column in their first four bytes
_BIFF_VALUE_CELLS = frozenset({0x0203, 0x027E, 0x00FD, 0x0204, 0x0205, 0x0006, 0x00D6})
_BIFF_BOF, _BIFF_EOF, _BIFF_MULRK, _BIFF_SST, _BIFF_LABELSST = 0x0809, 0x000A, 0x00BD, 0x00FC, 0x00FD
_BIFF_CONTINUE = 0x003C


def _check_biff(stream: bytes, budget: Budget) -> None:
    strings: list[int] = []  # the length of each shared string
    shared: list[bytes] | None = None  # the SST record and its CONTINUE records, while they are being read
    values = 0
    top = left = 1 << 40
    bottom = right = -1
    at = 0
    while at + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, at)
        data = stream[at + 4: at + 4 + size]
        at += 4 + size
        if shared is not None:
            if kind == _BIFF_CONTINUE:
                shared.append(data)
                continue
            strings, shared = _sst_lengths(shared), None
            if sum(strings) > budget.max_text:  # calamine holds them all
                budget.refuse()
        cells: list[tuple[int, int]] = []
        if kind in _BIFF_VALUE_CELLS and size >= 4:
            cells = [struct.unpack_from("<HH", data)]
            if kind == _BIFF_LABELSST and size >= 10:
                index = struct.unpack_from("<I", data, 6)[0]
                if index >= len(strings):
                    _refuse("a cell refers to shared text that the workbook does not hold")
                budget.spend(text=strings[index])
            else:
                budget.spend(text=size)  # text kept in the cell's own record, if any, is within it
        elif kind == _BIFF_MULRK and size >= 6:
            row, first = struct.unpack_from("<HH", data)
            last = struct.unpack_from("<H", data, size - 2)[0]
            cells = [(row, column) for column in range(first, max(first, last) + 1)][: (size - 6) // 6 or 1]
        elif kind == _BIFF_SST and size >= 8:
            shared = [data[8:]]
        elif kind == _BIFF_BOF:
            values, top, left, bottom, right = 0, 1 << 40, 1 << 40, -1, -1
        elif kind == _BIFF_EOF and values:
            _check_sheet_range("a sheet", bottom - top + 1, right - left + 1, values)
            values = 0
        budget.spend(values=len(cells))
        for row, column in cells:
            values += 1
            top, bottom, left, right = min(top, row), max(bottom, row), min(left, column), max(right, column)
    if values:
        _check_sheet_range("a sheet", bottom - top + 1, right - left + 1, values)


def _sst_lengths(records: list[bytes]) -> list[int]:
    """The length in characters of each string of the shared string table (MS-XLS SST, XLUnicodeRichExtendedString),
    read across its CONTINUE records: where a string's characters run on into the next record, that record starts
    with a byte saying their width. What cannot be read ends the list (an index past it is refused as missing)."""
    lengths: list[int] = []
    record, at = 0, 0

    def skip(count: int) -> bool:
        nonlocal record, at
        while count > 0 and record < len(records):
            step = min(count, len(records[record]) - at)
            at, count = at + step, count - step
            if at >= len(records[record]):
                record, at = record + 1, 0
        return count == 0

    while record < len(records):
        if at >= len(records[record]):
            record, at = record + 1, 0
            continue
        head = records[record]
        if at + 3 > len(head):
            break
        characters, flags = struct.unpack_from("<HB", head, at)
        at += 3
        runs = struct.unpack_from("<H", head, at)[0] if flags & 0x08 and at + 2 <= len(head) else 0
        at += 2 if flags & 0x08 else 0
        extra = struct.unpack_from("<I", head, at)[0] if flags & 0x04 and at + 4 <= len(head) else 0
        at += 4 if flags & 0x04 else 0
        lengths.append(characters)
        width, left = 2 if flags & 0x01 else 1, characters
        while left > 0 and record < len(records):
            room = (len(records[record]) - at) // width
            if room <= 0:  # on into the next record, which starts with the width of what follows
                record, at = record + 1, 1
                if record < len(records):
                    width = 2 if records[record][:1] == b"\x01" else 1
                continue
            taken = min(left, room)
            at, left = at + taken * width, left - taken
        if left > 0 or not skip(4 * runs + extra):
            break
    return lengths


def _check_sheet_range(where: str, rows: int, columns: int, values: int) -> None:
    """Refuse an exact range (rows by columns, `values` of its cells holding one) beyond the limits."""
    if columns > MAX_COLUMNS:
        _refuse(f"{where} has columns beyond column XFD, Excel's last; refused")
    cells = rows * columns
    if cells > MAX_SHEET_CELLS or (cells > SPARSE_RANGE_CELLS and cells > RANGE_PER_VALUE * values):
        _refuse(f"{where} spans {rows:,} rows by {columns:,} columns but holds only {values:,} values; calaimfiles "
                f"reads a sheet larger than {SPARSE_RANGE_CELLS:,} cells only when it is at least 1/{RANGE_PER_VALUE} "
                "full (delete stray cells far from the data)")


def _row_width(row: bytes) -> int:
    """The last column of a row: a cell without a reference goes one column right of the cell before it."""
    column = widest = 0
    for tag in _CELL_TAG.findall(row):
        reference = _REFERENCE.search(tag)
        column = column_number(reference.group(1).decode()) if reference else column + 1
        widest = max(widest, column)
    return widest


def _size(count: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:,.1f} {unit}".replace(".0 ", " ")
    return f"{count:,} bytes"
