"""Change cell values inside a copy of a workbook package, leaving everything else as it was.

Re-saving a workbook with openpyxl loses what openpyxl does not model: drop-down lists that refer to another
sheet (x14 extensions), images, charts and, without `keep_vba`, macros (design notes section 3). So a fixed
workbook is made by copying the zip package entry by entry, in the same order and with the same compression
method, and rewriting only the `<c>` elements of the cells that change (plus cell formats appended to the
styles part when a date goes into a cell without a date format). Sheet XML streams through as bytes, a chunk
of whole rows at a time, so a 100,000-row sheet costs one pass and little memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO
from xml.etree import ElementTree

from calaimfiles.findings import column_number
from calaimfiles.reading.workbook import sheet_part

CellValue = str | int | float | dt.date
"""What a cell can be set to: text, a number, or a date (written as a date cell; days only)."""

_CHUNK = 1 << 24
_ZIP64_HINT = 1 << 30  # entries this large may grow past 2 GiB once patched: write them with zip64 headers
_STYLES_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
# Built-in number formats that show a date: 14-17 and 22 everywhere, 27-36 and 50-58 in East Asian locales.
_DATE_FORMAT_IDS = frozenset([14, 15, 16, 17, 22, *range(27, 37), *range(50, 59)])
_DATE_FORMAT_ID = b"14"  # the built-in short date, shown in the reader's regional format

_P = rb"(?:[\w.-]+:)?"  # an optional namespace prefix
_ROW_START = re.compile(rb"<((?:[\w.-]+:)?)row\b([^>]*?)(/?)>")
_CELL = re.compile(rb"<" + _P + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"c\s*>)", re.DOTALL)
_COL = re.compile(rb"<" + _P + rb"col\b([^>]*)>")
_SHEET_DATA_START = re.compile(rb"<((?:[\w.-]+:)?)sheetData\b")
_SHEET_DATA_END = re.compile(rb"</" + _P + rb"sheetData\s*>|<" + _P + rb"sheetData\b[^>]*/>")
_FORMULA = re.compile(rb"<" + _P + rb"f\b")
_CELL_XFS = re.compile(rb"<" + _P + rb"cellXfs\b([^>]*)>(.*?)</" + _P + rb"cellXfs\s*>", re.DOTALL)
_XF = re.compile(rb"<" + _P + rb"xf\b[^>]*?(?:/>|>.*?</" + _P + rb"xf\s*>)", re.DOTALL)
_XF_START = re.compile(rb"<" + _P + rb"xf\b[^>]*?(?=/?>)")
_NUM_FMT = re.compile(rb"<" + _P + rb"""numFmt\b[^>]*?numFmtId=["']([0-9]+)["'][^>]*?formatCode=["']([^"']*)["']""")
_NUM_FMT_CODE_FIRST = re.compile(
    rb"<" + _P + rb"""numFmt\b[^>]*?formatCode=["']([^"']*)["'][^>]*?numFmtId=["']([0-9]+)["']""")
_DATE1904 = re.compile(rb"<" + _P + rb"""workbookPr\b[^>]*?date1904=["'](?:1|true)["']""")


def _attribute(name: str, value: bytes = rb"[0-9]+") -> re.Pattern[bytes]:
    return re.compile(rb"(?<![\w:])" + name.encode() + rb"""=["'](""" + value + rb""")["']""")


_ROW_NUMBER = _attribute("r")
_CELL_REF = re.compile(rb"""(?<![\w:])r=["']([A-Z]+)[0-9]+["']""")
_STYLE_ATTR = _attribute("s")
_CUSTOM_FORMAT = _attribute("customFormat", rb"1|true")
_NUM_FMT_ID = _attribute("numFmtId")
_ATTRIBUTE = {name: _attribute(name) for name in ("min", "max", "style")}
_SPANS_ATTR = re.compile(rb"""\s+spans=["'][^"']*["']""")
_NUMBER_FORMAT_ATTRS = re.compile(rb"""\s+(?:numFmtId|applyNumberFormat)=["'][^"']*["']""")
_END_TAGS: dict[bytes, re.Pattern[bytes]] = {}  # `</row\s*>` for each namespace prefix met
_COUNT = re.compile(rb"""\s*(?<![\w:])count=["'][0-9]*["']""")


class PatchError(Exception):
    """The package cannot be patched (damaged, or missing a part a change needs); one plain sentence."""


Skipped = dict[tuple[str, str], str]
"""Cells left unchanged: (sheet, cell) -> why."""


def patch_workbook(source: Path, destination: Path, edits: Mapping[str, Mapping[str, CellValue]],
                   dropped: list[str] | None = None) -> Skipped:
    """Copy `source` to `destination` with `edits` ({sheet name: {"C5": value}}) applied.

    A package member whose name points outside the package (`../../x`, `/tmp/x`) is left out, since an unzip
    tool would write it there, and its name added to `dropped` for the caller to tell the user.

    Returns the cells left unchanged: formula cells (their value is Excel's to compute) and cells whose row is
    not in the sheet. Raises PatchError when the package cannot be read or a sheet in `edits` does not exist.
    """
    try:
        with zipfile.ZipFile(source) as archive:
            return _patch_package(archive, destination, edits, [] if dropped is None else dropped)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
        raise PatchError(f"the workbook package is damaged ({error})") from None


def _patch_package(archive: zipfile.ZipFile, destination: Path,
                   edits: Mapping[str, Mapping[str, CellValue]], dropped: list[str]) -> Skipped:
    wants_dates = any(isinstance(v, dt.date) for cells in edits.values() for v in cells.values())
    styles = _Styles(archive) if wants_dates else None
    if "xl/workbook.xml" not in archive.NameToInfo:
        raise PatchError("the workbook package has no xl/workbook.xml part")
    epoch = dt.date(1904, 1, 1) if _DATE1904.search(archive.read("xl/workbook.xml")) else dt.date(1899, 12, 30)
    skipped: Skipped = {}
    with contextlib.ExitStack() as stack:
        # Sheets are patched first, into unnamed temporary files beside the output (they hold member data):
        # the date formats they need must be in styles.xml, which may come before them in the package.
        patched: dict[str, IO[bytes]] = {}
        for sheet, cells in edits.items():
            part = sheet_part(archive, sheet)
            if part is None or part not in archive.NameToInfo:
                raise PatchError(f"the workbook has no sheet part for {sheet!r}")
            if not cells:
                continue
            temporary = stack.enter_context(tempfile.TemporaryFile(dir=destination.parent))
            rows = _SheetEdits(cells, styles, epoch)
            with archive.open(part) as reader:
                for piece in rows.patch(reader):
                    temporary.write(piece)
            temporary.seek(0)
            patched[part] = temporary
            skipped.update({(sheet, ref): why for ref, why in rows.skipped().items()})
        with zipfile.ZipFile(destination, "w") as out:
            for info in archive.infolist():
                if _outside(info.filename):
                    dropped.append(info.filename)
                    continue
                copy = _same_entry(info)
                if info.is_dir():
                    out.writestr(copy, b"")
                elif styles is not None and styles.added and info.filename == styles.part:
                    out.writestr(copy, styles.patched())
                else:
                    with (patched.get(info.filename) or archive.open(info)) as reader, \
                            out.open(copy, "w", force_zip64=info.file_size > _ZIP64_HINT) as writer:
                        shutil.copyfileobj(reader, writer, _CHUNK)
    return skipped


def _outside(name: str) -> bool:
    """Whether a member's name would land outside the folder it is unpacked into: absolute (`/tmp/x`, `C:x`,
    `\\server\\x`) or climbing out (`../x`, `a/../../x`)."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or bool(re.match(r"[A-Za-z]:", name)) or ".." in parts


def _same_entry(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A fresh entry with the original's name, time, compression and attributes (not its offsets)."""
    copy = zipfile.ZipInfo(info.filename, info.date_time)
    copy.compress_type = info.compress_type
    copy.external_attr = info.external_attr
    copy.create_system = info.create_system
    copy.comment = info.comment
    copy.file_size = info.file_size
    return copy


# -- sheets ----------------------------------------------------------------------------------------------------

@dataclass
class _Target:
    ref: str
    value: CellValue


class _SheetEdits:
    """The changes to one sheet, applied while its XML streams through in chunks that end after a `</row>`."""

    def __init__(self, cells: Mapping[str, CellValue], styles: _Styles | None, epoch: dt.date) -> None:
        self._pending: dict[int, dict[int, _Target]] = {}
        for ref, value in cells.items():
            letters, number = _split_ref(ref)
            self._pending.setdefault(number, {})[_column_index(letters)] = _Target(ref.upper(), value)
        self._styles = styles
        self._epoch = epoch
        self._skipped: dict[str, str] = {}
        self._column_styles: list[tuple[int, int, bytes]] = []
        self._last_row = 0
        self._done = False

    def skipped(self) -> dict[str, str]:
        """Cells not changed, with why; call after `patch` has run to the end."""
        missing = {t.ref: "its row is not in the sheet" for row in self._pending.values() for t in row.values()}
        return {**self._skipped, **missing}

    def patch(self, reader: IO[bytes]) -> Iterator[bytes]:
        tail = b""
        row_end: bytes | None = None
        while True:
            chunk = reader.read(_CHUNK)
            buffer = tail + chunk
            if not chunk:
                yield self._patch_rows(buffer)
                return
            if row_end is None:
                start = _SHEET_DATA_START.search(buffer)
                if start is None:
                    tail = buffer
                    continue
                row_end = b"</" + start.group(1) + b"row"
                self._column_styles = [_column_style(m.group(1)) for m in _COL.finditer(buffer, 0, start.start())]
            cut = _after_last_end_tag(buffer, row_end)
            if cut < 0:
                tail = buffer
                continue
            yield self._patch_rows(buffer[:cut])
            tail = buffer[cut:]

    def _patch_rows(self, segment: bytes) -> bytes:
        if self._done or not self._pending:
            return segment
        end = _SHEET_DATA_END.search(segment) if b"sheetData" in segment else None
        pieces: list[bytes] = []
        position = 0
        for row in _ROW_START.finditer(segment, 0, end.start() if end else len(segment)):
            prefix, attributes, empty = row.groups()
            number_found = _ROW_NUMBER.search(attributes)
            self._last_row = int(number_found.group(1)) if number_found else self._last_row + 1
            targets = self._pending.pop(self._last_row, None)
            if targets is None:
                continue
            close = _END_TAGS.setdefault(prefix, re.compile(rb"</" + re.escape(prefix) + rb"row\s*>"))
            closing = None if empty else close.search(segment, row.end())
            if not empty and closing is None:
                raise PatchError(f"row {self._last_row} of the sheet has no end")
            body_end = row.end() if closing is None else closing.start()
            body, inserted = self._patch_cells(segment[row.end():body_end], targets, prefix, _row_style(attributes))
            if inserted:  # `spans` is an optional hint of the row's used columns; a new cell may fall outside it
                attributes = _SPANS_ATTR.sub(b"", attributes)
            pieces += [segment[position:row.start()], b"<", prefix, b"row", attributes, b">", body,
                       b"</" + prefix + b"row>"]
            position = body_end if closing is None else closing.end()
            if not self._pending:
                break
        if end is not None:
            self._done = True
        pieces.append(segment[position:])
        return b"".join(pieces)

    def _patch_cells(self, body: bytes, targets: dict[int, _Target], prefix: bytes,
                     row_style: bytes | None) -> tuple[bytes, bool]:
        """Replace the targeted cells of one row; insert those absent, in column order."""
        order = sorted(targets)
        pieces: list[bytes] = []
        position = after_last = 0
        column = -1
        inserted = False
        for cell in _CELL.finditer(body):
            if not order:
                break
            attributes, content = cell.groups()
            ref = _CELL_REF.search(attributes)
            column = _column_index(ref.group(1).decode()) if ref else column + 1
            while order and order[0] < column:
                absent = order.pop(0)
                new = self._cell(prefix, targets[absent], self._blank_style(row_style, absent))
                pieces += [body[position:cell.start()], new]
                position = cell.start()
                inserted = True
            if order and order[0] == column:
                target = targets[order.pop(0)]
                if content and _FORMULA.search(content):
                    self._skipped[target.ref] = "the cell holds a formula"
                else:
                    style = _STYLE_ATTR.search(attributes)
                    pieces += [body[position:cell.start()],
                               self._cell(prefix, target, style.group(1) if style else None)]
                    position = cell.end()
            after_last = cell.end()
        if order:
            pieces.append(body[position:after_last])
            position = after_last
            pieces += [self._cell(prefix, targets[c], self._blank_style(row_style, c)) for c in order]
            inserted = True
        pieces.append(body[position:])
        return b"".join(pieces), inserted

    def _blank_style(self, row_style: bytes | None, column: int) -> bytes | None:
        """The format Excel shows a blank cell with: its row's when the row has its own, else its column's."""
        if row_style is not None:
            return row_style
        return next((style for first, last, style in self._column_styles if first <= column <= last), None)

    def _cell(self, prefix: bytes, target: _Target, style: bytes | None) -> bytes:
        value = target.value
        if isinstance(value, str):
            kind = b' t="inlineStr"'
            content = (b"<" + prefix + b'is><' + prefix + b't xml:space="preserve">' + _escape(value).encode()
                       + b"</" + prefix + b"t></" + prefix + b"is>")
        else:
            kind = b""
            if isinstance(value, dt.date):
                assert self._styles is not None  # made whenever an edit writes a date
                style = str(self._styles.date_style(int(style or 0))).encode()
                number = str(value.toordinal() - self._epoch.toordinal())
            else:
                number = str(value) if isinstance(value, int) else repr(value)
            content = b"<" + prefix + b"v>" + number.encode() + b"</" + prefix + b"v>"
        styled = b' s="' + style + b'"' if style is not None else b""
        return (b"<" + prefix + b'c r="' + target.ref.encode() + b'"' + styled + kind + b">" + content
                + b"</" + prefix + b"c>")


def _after_last_end_tag(buffer: bytes, opening: bytes) -> int:
    """Where the last complete end tag starting with `opening` (`</row`) ends in `buffer`, or -1. XML allows
    white space before its `>` (`</row >`); one cut off by the end of the buffer is not complete."""
    position = len(buffer)
    while (start := buffer.rfind(opening, 0, position)) >= 0:
        end = start + len(opening)
        while end < len(buffer) and buffer[end] in b" \t\r\n":
            end += 1
        if buffer[end:end + 1] == b">":
            return end + 1
        position = start
    return -1


def _split_ref(ref: str) -> tuple[str, int]:
    """`C17` -> ("C", 17)."""
    found = re.fullmatch(r"([A-Za-z]{1,3})([1-9][0-9]*)", ref)
    if found is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    return found.group(1).upper(), int(found.group(2))


def _column_index(letters: str) -> int:
    """`A` -> 0, `AA` -> 26."""
    return column_number(letters) - 1


def _column_style(attributes: bytes) -> tuple[int, int, bytes]:
    """(first, last) 0-based columns of a `<col>` element, and its style ("0" when it has none)."""
    first, last, style = (_ATTRIBUTE[name].search(attributes) for name in ("min", "max", "style"))
    low = int(first.group(1)) - 1 if first else 0
    return low, int(last.group(1)) - 1 if last else low, style.group(1) if style else b"0"


def _row_style(attributes: bytes) -> bytes | None:
    style = _STYLE_ATTR.search(attributes)
    return style.group(1) if style and _CUSTOM_FORMAT.search(attributes) else None


def _escape(text: str) -> str:
    """Text content for XML; a carriage return is written as a reference, as parsers turn a raw one into \\n."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


# -- styles ----------------------------------------------------------------------------------------------------

class _Styles:
    """The cell formats (`cellXfs`) of the styles part: which show a date, and date formats added to them."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.part = _styles_part(archive)
        self._xml = archive.read(self.part)
        block = _CELL_XFS.search(self._xml)
        if block is None:
            raise PatchError("the workbook's styles have no cell formats; cannot write a date")
        self._block = block
        self._xfs = [m.group(0) for m in _XF.finditer(block.group(2))]
        if not self._xfs:
            raise PatchError("the workbook's styles have no cell formats; cannot write a date")
        custom = {int(m.group(1)): m.group(2) for m in _NUM_FMT.finditer(self._xml)}
        custom.update({int(m.group(2)): m.group(1) for m in _NUM_FMT_CODE_FIRST.finditer(self._xml)})
        self._date_formats = _DATE_FORMAT_IDS | {i for i, code in custom.items() if _shows_date(code)}
        self._clones: dict[int, int] = {}
        self.added: list[bytes] = []

    def date_style(self, style: int) -> int:
        """A cell format that shows a date: `style` itself when it does, else a copy of it with format 14."""
        if style >= len(self._xfs):
            style = 0
        if self._is_date(self._xfs[style]):
            return style
        if style not in self._clones:
            xf = self._xfs[style]
            start = _XF_START.match(xf)
            assert start is not None  # every element _XF matches starts this way
            tag = _NUMBER_FORMAT_ATTRS.sub(b"", start.group(0))
            self.added.append(tag + b' numFmtId="' + _DATE_FORMAT_ID + b'" applyNumberFormat="1"' + xf[start.end():])
            self._clones[style] = len(self._xfs) + len(self.added) - 1
        return self._clones[style]

    def _is_date(self, xf: bytes) -> bool:
        start = _XF_START.match(xf)
        found = _NUM_FMT_ID.search(start.group(0) if start else xf)
        return found is not None and int(found.group(1)) in self._date_formats

    def patched(self) -> bytes:
        """The styles part with the added formats appended to `cellXfs` and its count updated."""
        block = self._block
        count = str(len(self._xfs) + len(self.added)).encode()
        attributes = _COUNT.sub(b"", block.group(1)).rstrip(b" /") + b' count="' + count + b'"'
        opening = block.group(0)[:block.start(1) - block.start()] + attributes + b">"
        closing = block.group(0)[block.end(2) - block.start():]
        return (self._xml[:block.start()] + opening + block.group(2) + b"".join(self.added) + closing
                + self._xml[block.end():])


def _styles_part(archive: zipfile.ZipFile) -> str:
    try:
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        raise PatchError("the workbook's relationships cannot be read") from None
    for rel in rels:
        if rel.get("Type") == _STYLES_TYPE:
            target = rel.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            if part in archive.NameToInfo:
                return part
    raise PatchError("the workbook has no styles part; cannot write a date")


def _shows_date(code: bytes) -> bool:
    """A custom number format shows a date when it has day or year tokens outside quotes and brackets."""
    text = code.decode("utf-8", "replace").replace("&quot;", '"')
    return bool(re.search(r"[dDyY]", re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", text)))
