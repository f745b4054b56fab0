"""Read a large worksheet in pieces of rows, parsed by python-calamine on every core while the rows of the pieces
already parsed go on to be checked.

calamine parses a sheet in one go, on one core, and builds the whole range before the first row comes out. Here
the sheet's XML is cut between rows into pieces of at least PIECE_BYTES; each piece, with the sheet's opening
tags, becomes a small uncompressed package holding the parts calamine needs to read values (the workbook, its
styles for dates, its shared strings), which calamine parses in a worker thread (it releases the GIL). The values
are calamine's own, so a sheet reads the same whole or in pieces (tests/test_pieces.py reads both ways).

Every chunk of XML is inspected by the caller (the sheet's limits and its error cells) before it can reach
calamine. A cut must not change what calamine reads, so the rest of the sheet is read whole (`whole`) as soon as
`inspect` declines a chunk: cells without a reference (calamine places those after the cell before, or counts
their rows, which a cut would restart) or columns past the narrow limit; a sheet whose tags carry a namespace
prefix is read whole from the start. A piece that begins above the end of the one before means cells stored out
of row order, which Excel never writes: refused, since rows already handed on cannot be mended.
"""

from __future__ import annotations

import contextlib
import io
import os
import queue
import re
import threading
import zipfile
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import python_calamine

from calaimfiles.reading import limits, workbook  # workbook imported as a module: it imports this one

SPLIT_BYTES = 32 << 20  # a sheet's XML from this size on is read in pieces (about 36,000 rows of an RTF)
PIECE_BYTES = 16 << 20  # the least XML in one piece: each piece costs calamine a read of the shared strings
MAX_PIECES = 8  # a huge sheet gets larger pieces rather than more reads of its shared strings

_OPENING = re.compile(rb"<worksheet\b[^>]*>.*?<sheetData\s*>", re.DOTALL)  # both tags plain, as _CLOSING closes
_NEEDED_RELATIONS = ("/styles", "/sharedStrings")
_CLOSING = b"</sheetData></worksheet>"
_OPENING_BYTES = 1 << 20  # the sheet's tags before its rows (views, columns, formats) fit in far less

_Piece = Future[tuple[tuple[int, int] | None, list[list[Any]]]]  # where a parsed piece starts, and its rows
_END, _WHOLE = "end", "whole"  # what the cutting thread hands on after the pieces


def workers() -> int:
    """Threads that parse pieces: one a core (calamine parses without the GIL; measured on 2 cores, two threads
    beat one, although the thread that checks the rows needs a core too)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def splittable(archive: zipfile.ZipFile, part: str) -> bool:
    """Whether a sheet is worth reading in pieces: large, and on a machine with more than one core."""
    return workers() > 1 and archive.getinfo(part).file_size >= SPLIT_BYTES


def read_rows(
    path: Path,
    part: str,
    sheet_name: str,
    inspect: Callable[[bytes], bool],
    whole: Callable[[], Iterator[list[Any]]],
) -> Iterator[list[Any]]:
    """The sheet's rows from row 1 (blank rows as empty lists), each from column A, as `whole` would give them.

    A thread cuts the XML into pieces and hands them to the parsing threads, keeping a few pieces ahead of the
    rows handed on (so memory holds a few pieces, never the sheet). `inspect(chunk)` sees every chunk first and
    answers whether it is plain enough to cut (it raises to refuse the file); `whole()` reads the whole sheet,
    for when it is not.
    """
    pool = ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="calaimfiles-piece")
    ahead: queue.Queue[_Piece | str | BaseException] = queue.Queue(maxsize=workers() + 1)
    stop = threading.Event()
    cutter = threading.Thread(target=_cut, args=(path, part, sheet_name, inspect, pool, ahead, stop),
                              name="calaimfiles-cut", daemon=True)
    cutter.start()
    handed = 0  # rows handed on so far: the next row's 0-based number
    try:
        while (item := ahead.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            if item is _WHOLE:  # a chunk could not be cut: the rest is read whole
                rows = whole()
                for _ in range(handed):
                    next(rows, None)
                yield from rows
                return
            assert isinstance(item, Future)
            handed = yield from _hand_on(item, handed)
    finally:
        stop.set()
        while cutter.is_alive():
            with contextlib.suppress(queue.Empty):
                ahead.get(timeout=0.05)  # makes room, should the cutter be waiting to hand on a piece
        pool.shutdown(wait=True, cancel_futures=True)


def _cut(
    path: Path,
    part: str,
    sheet_name: str,
    inspect: Callable[[bytes], bool],
    pool: ThreadPoolExecutor,
    ahead: queue.Queue[_Piece | str | BaseException],
    stop: threading.Event,
) -> None:
    """Cut the sheet's XML into pieces for the pool, in order, onto `ahead`; then _END, or _WHOLE where a chunk
    cannot be cut, or the exception that stopped it."""

    def hand(item: _Piece | str | BaseException) -> None:
        while not stop.is_set():
            with contextlib.suppress(queue.Full):
                ahead.put(item, timeout=0.05)
                return

    try:
        with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
            template = _template(archive, part)
            least = 0  # the first piece is one chunk, so that checking starts early; the others are larger
            piece_bytes = max(PIECE_BYTES, archive.getinfo(part).file_size // MAX_PIECES)
            opening: bytes | None = None
            head, size, closed = b"", 0, False
            body: list[bytes] = []
            for chunk in limits.xml_chunks(stream):
                if stop.is_set():
                    return
                if not inspect(chunk):
                    if opening is not None:
                        hand(pool.submit(_parse, _package(template, part, opening, body), sheet_name))
                    hand(_WHOLE)
                    return
                if opening is None:  # the sheet's opening tags, up to its rows
                    head += chunk
                    opening, chunk = _opening(head)
                    if opening is None and len(head) <= _OPENING_BYTES:
                        continue
                    if opening is None:
                        hand(_WHOLE)
                        return
                if closed:
                    continue  # what follows the rows (merged cells, page set-up) is inspected, not read
                closed, chunk = _rows_of(chunk)
                body.append(chunk)
                size += len(chunk)
                if size >= least and chunk.endswith(b"</row>"):  # a chunk may end inside a very long row
                    hand(pool.submit(_parse, _package(template, part, opening, body), sheet_name))
                    body, size = [], 0
                    least = piece_bytes
            if opening is not None and body:
                hand(pool.submit(_parse, _package(template, part, opening, body), sheet_name))
            hand(_END if opening is not None else _WHOLE)
    except BaseException as error:  # handed to the reader, which raises it
        hand(error)


def _opening(head: bytes) -> tuple[bytes | None, bytes]:
    """The sheet's XML up to and including `<sheetData>`, and what follows; None until the plain tags have come (a
    sheet whose tags carry a namespace prefix never gets them, and is read whole)."""
    match = _OPENING.search(head)
    return (None, head) if match is None else (head[:match.end()], head[match.end():])


def _rows_of(chunk: bytes) -> tuple[bool, bytes]:
    """Whether the rows end in this chunk, and the chunk's rows (the chunk without the closing of the rows)."""
    end = chunk.find(b"</sheetData>")
    return (False, chunk) if end < 0 else (True, chunk[:end])


def _template(archive: zipfile.ZipFile, part: str) -> bytes:
    """A package, stored uncompressed, of the parts calamine needs besides the sheet: the package's and the
    workbook's own, the styles (which tell dates from numbers) and the shared strings. Each piece is added to a
    copy of it, so these parts are packed once."""
    names = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"]
    names += [name for kind, name in workbook.relations(archive).values() if kind.endswith(_NEEDED_RELATIONS)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as package:
        for name in names:
            if name != part and name in archive.NameToInfo:
                package.writestr(name, archive.read(name))
    return buffer.getvalue()


def _package(template: bytes, part: str, opening: bytes, body: list[bytes]) -> bytes:
    """The template with the sheet added, holding only these rows."""
    buffer = io.BytesIO(template)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_STORED) as package:
        package.writestr(part, b"".join([opening, *body, _CLOSING]))
    return buffer.getvalue()


def _parse(package: bytes, sheet_name: str) -> tuple[tuple[int, int] | None, list[list[Any]]]:
    """Where the piece's range starts (None when it holds no values) and its rows from there. The workbook's
    other sheets are named in the package but left out of it; only this one is read."""
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(package)).get_sheet_by_name(sheet_name)
    return sheet.start, sheet.to_python(skip_empty_area=True) if sheet.start else []


def _hand_on(future: _Piece, handed: int) -> Generator[list[Any], None, int]:
    """Hand on a parsed piece's rows after the `handed` rows before it (blank rows between them as empty lists);
    returns how many rows have been handed on after it."""
    start, rows = future.result()
    if start is None:  # no values in the piece
        return handed
    first_row, first_column = start
    if first_row < handed:
        raise workbook.ReadError(f"the sheet stores cells of row {first_row + 1:,} after row {handed:,}; Excel "
                                 "keeps rows in order (open the file in Excel and save it again)")
    for _ in range(handed, first_row):
        yield []
    padding = [""] * first_column
    for row in rows:
        yield padding + row if first_column else row
    return first_row + len(rows)
