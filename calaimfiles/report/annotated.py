"""The annotated report: a copy of the checked workbook that shows every finding where the provider will fix it.

Each cell with a finding is filled by its worst severity and carries a comment with the codes and messages; a
`Findings` sheet lists every finding with a link to its cell, and a `Summary` sheet counts them by rule and by
column. The copy is written by openpyxl, which keeps cell formats, column widths, rich text and (with
`keep_vba`) macros, but not everything Excel can store (design notes section 3): what it would lose is detected
in the source package and returned as plain sentences, so the user is told rather than surprised.
"""

from __future__ import annotations

import math
import re
import warnings
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.hyperlink import Hyperlink

from calaimfiles.findings import Finding, Severity
from calaimfiles.reading.limits import check_before_openpyxl
from calaimfiles.reading.workbook import ReadError, sheet_part
from calaimfiles.rules import get_rule
from calaimfiles.validate import SheetResult
from calaimfiles.writing.output import OutputError

ANNOTATABLE_SUFFIXES = (".xlsx", ".xlsm")
# Strong enough to spot in a wide sheet, light enough that the cell's own black text stays readable.
FILL_COLOURS = {Severity.ERROR: "FF7C80", Severity.WARNING: "FFC000", Severity.INFO: "BDD7EE"}
AUTHOR = "calaimfiles"
NO_COLUMN = "(whole file or header)"

_FINDINGS_HEADER = ("Sheet", "Row", "Cell", "Column", "Severity", "Code", "Message", "Fixable")
_HEADER_FONT = Font(bold=True)
_LINK_FONT = Font(color="0563C1", underline="single")
_MAX_WIDTH = 100
_COMMENT_WIDTH = 320  # pixels: about 45 characters of Excel's comment font per line
_COMMENT_CHARS_PER_LINE = 45
_COMMENT_LINE_HEIGHT = 15

_X14_DROPDOWN = re.compile(rb"<x14:dataValidation\b")
_DROPDOWN_EXTENSION = b"{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}"
_EXTENSION = re.compile(rb"""<(?:[\w.-]+:)?ext\b[^>]*?uri=["']([^"']*)["']""")
_DRAWING = re.compile(r"xl/drawings/drawing\d+\.xml")
_CHART = re.compile(r"xl/charts/chart\d+\.xml")
_THREADS = re.compile(r"xl/threadedComments/[^/]+\.xml")
_THREADED_COMMENT = re.compile(rb"<(?:[\w.-]+:)?threadedComment\b")
_PICTURE = re.compile(rb"<(?:[\w.-]+:)?pic\b")  # Excel writes xdr:pic, other tools a default namespace
_SHAPE = re.compile(rb"<(?:[\w.-]+:)?(?:sp|cxnSp)\b")

Group = TypeVar("Group", str, tuple[str, str])


def write_annotated(
    source: Path, results: Sequence[SheetResult], destination: Path, *, show_values: bool = False
) -> list[str]:
    """Write the annotated copy of `source` (checked into `results`) to `destination`.

    Returns one plain sentence per kind of content the copy loses, for the caller to print; member values go
    into comments and the Findings sheet only with `show_values`, like every other output.
    """
    suffix = source.suffix.lower()
    if suffix not in ANNOTATABLE_SUFFIXES:
        raise OutputError(_unsupported(suffix))
    book = _load(source, keep_vba=suffix == ".xlsm")
    located = [(finding.sheet or result.sheet, finding) for result in results for finding in result.findings]
    losses = _losses(source, book)
    _annotate_cells(book, located, show_values)
    _write_findings(book.create_sheet(_unique_title(book, "Findings")), located, show_values)
    _write_summary(book.create_sheet(_unique_title(book, "Summary")), located)
    book.save(destination)
    return losses


def _unsupported(suffix: str) -> str:
    if suffix == ".csv":
        return ("a CSV file has no cells to colour or comment; convert it with `calaimfiles convert FILE --to xlsx` "
                "and validate the workbook it writes with --report")
    kind = f"{suffix} files" if suffix else "files without an extension"
    return (f"an annotated report can be written for .xlsx and .xlsm workbooks only, not {kind}; save the file "
            "as .xlsx in Excel (or run `calaimfiles convert FILE --to xlsx`) and validate that workbook")


def _load(source: Path, keep_vba: bool) -> Any:
    """Open for a faithful copy: formulas stay formulas, rich text keeps its runs, macros stay with `keep_vba`.
    The package passes the reading limits and openpyxl's own first (`check_before_openpyxl`): openpyxl parses
    every part, and makes an object of every cell. Its errors are told by their type only: their text can quote a
    cell ("Invalid datetime value <a member's name>")."""
    try:
        check_before_openpyxl(source)
    except ReadError as error:
        raise OutputError(str(error)) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about each part it drops; _losses says so in words
            return openpyxl.load_workbook(source, keep_vba=keep_vba, rich_text=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, TypeError, InvalidFileException) as error:
        raise OutputError(f"openpyxl cannot open the workbook to annotate it ({type(error).__name__})") from None


# -- what openpyxl cannot carry -------------------------------------------------------------------------------

@dataclass
class _Contents:
    """What the source package holds that openpyxl may not carry."""

    dropdowns: int = 0
    extended: list[str] = field(default_factory=list)
    pictures: int = 0
    shapes: int = 0
    charts: int = 0
    threaded_comments: int = 0


def _scan(source: Path, titles: Iterable[str]) -> _Contents:
    """Count in the package itself, since openpyxl's model has no trace of what it skipped."""
    found = _Contents()
    with zipfile.ZipFile(source) as archive:
        names = archive.namelist()
        for title in titles:
            part = sheet_part(archive, title)
            if part is None or part not in names:
                continue
            xml = archive.read(part)
            found.dropdowns += len(_X14_DROPDOWN.findall(xml))
            if any(uri != _DROPDOWN_EXTENSION for uri in _EXTENSION.findall(xml)):
                found.extended.append(title)
        for name in names:
            if _DRAWING.fullmatch(name):
                drawing = archive.read(name)
                found.pictures += len(_PICTURE.findall(drawing))
                found.shapes += len(_SHAPE.findall(drawing))
            elif _CHART.fullmatch(name):
                found.charts += 1
            elif _THREADS.fullmatch(name):
                found.threaded_comments += len(_THREADED_COMMENT.findall(archive.read(name)))
    return found


def _losses(source: Path, book: Any) -> list[str]:
    """Compare the package with what openpyxl loaded: drop-downs and extensions it never reads, shapes it
    skips, pictures it keeps only when Pillow is installed, charts it rebuilds from its own model (or drops,
    when it cannot parse their drawing)."""
    found = _scan(source, book.sheetnames)
    kept_pictures = sum(len(sheet._images) for sheet in book.worksheets)
    kept_charts = sum(len(sheet._charts) for sheet in [*book.worksheets, *book.chartsheets])
    losses = []
    if found.dropdowns:
        dropdowns = _count(found.dropdowns, "drop-down list", "drop-down lists")
        losses.append(f"the annotated copy drops {dropdowns} whose choices are on another sheet: openpyxl cannot "
                      "read them")
    if found.extended:
        losses.append("the annotated copy drops newer Excel features (such as data bars, icon sets or sparklines) "
                      f"of {_sheets(found.extended)}: openpyxl cannot carry them")
    for lost, word, plural in ((found.pictures - kept_pictures, "image", "images"),
                               (found.shapes, "shape or text box", "shapes or text boxes"),
                               (found.charts - kept_charts, "chart", "charts")):
        if lost:
            losses.append(f"the annotated copy drops {_count(lost, word, plural)}: openpyxl cannot carry them")
    if found.threaded_comments:
        comments = _count(found.threaded_comments, "threaded comment", "threaded comments")
        losses.append(f"the annotated copy turns {comments} into plain notes: openpyxl keeps only their text")
    if kept_charts:
        losses.append(f"the annotated copy redraws {_count(kept_charts, 'chart', 'charts')}: openpyxl keeps the "
                      "data but may lose colours and formatting")
    return losses


def _count(number: int, word: str, plural: str) -> str:
    return f"{number} {word if number == 1 else plural}"


def _sheets(titles: list[str]) -> str:
    names = ", ".join(repr(t) for t in titles)
    return f"sheet {names}" if len(titles) == 1 else f"sheets {names}"


# -- the original sheets --------------------------------------------------------------------------------------

def _annotate_cells(book: Any, located: Iterable[tuple[str, Finding]], show_values: bool) -> None:
    """Fill each finding's cell by the worst severity found there and comment it with every finding, keeping
    any note the workbook already had on that cell."""
    by_cell: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for title, finding in located:
        if finding.cell:
            by_cell[(title, _anchor(book[title], finding.cell))].append(finding)
    for (title, ref), found in by_cell.items():
        cell = book[title][ref]
        colour = FILL_COLOURS[max(f.severity for f in found)]
        cell.fill = PatternFill(fill_type="solid", start_color=colour, end_color=colour)
        lines = [f"{f.code}: {f.describe(f.may_show_value(show_values))}" for f in found]
        if cell.comment is not None:
            lines.insert(0, cell.comment.text + "\n")
        cell.comment = _comment("\n".join(lines))


def _anchor(sheet: Any, ref: str) -> str:
    """Inside a merged range only the top-left cell can hold a comment (and is what Excel shows)."""
    if isinstance(sheet[ref], MergedCell):
        for merged in sheet.merged_cells.ranges:
            if ref in merged:
                return str(merged.start_cell.coordinate)
    return ref


def _comment(text: str) -> Comment:
    """Excel's default note box shows about two lines; size it to the text so no message is cut off."""
    lines = sum(max(1, math.ceil(len(line) / _COMMENT_CHARS_PER_LINE)) for line in text.split("\n"))
    return Comment(text, AUTHOR, height=(lines + 1) * _COMMENT_LINE_HEIGHT, width=_COMMENT_WIDTH)


# -- the added sheets -----------------------------------------------------------------------------------------

def _unique_title(book: Any, wanted: str) -> str:
    """`Findings`, or `Findings (2)`... when the workbook has one already (Excel compares names ignoring case)."""
    taken = {title.casefold() for title in book.sheetnames}
    title, number = wanted, 1
    while title.casefold() in taken:
        number += 1
        title = f"{wanted} ({number})"
    return title


def internal_link(title: str, ref: str) -> str:
    """The location of a cell as a hyperlink names it: the sheet always quoted, its apostrophes doubled."""
    return "'{}'!{}".format(title.replace("'", "''"), ref)


def _write_findings(sheet: Any, located: Sequence[tuple[str, Finding]], show_values: bool) -> None:
    _put_row(sheet, 1, _FINDINGS_HEADER, _HEADER_FONT)
    for number, (title, finding) in enumerate(located, start=2):
        _put_row(sheet, number, (
            title, finding.row, finding.cell, finding.column, finding.severity.label, finding.code,
            finding.describe(finding.may_show_value(show_values)), "Y" if finding.fixable else "N",
        ))
        if finding.cell:
            link = sheet.cell(row=number, column=_FINDINGS_HEADER.index("Cell") + 1)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=internal_link(title, finding.cell))
            link.font = _LINK_FONT
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(_FINDINGS_HEADER))}{len(located) + 1}"
    _fit_widths(sheet)


def _write_summary(sheet: Any, located: Sequence[tuple[str, Finding]]) -> None:
    by_rule: dict[str, Counter[Severity]] = defaultdict(Counter)
    by_column: dict[tuple[str, str], Counter[Severity]] = defaultdict(Counter)
    for title, finding in located:
        by_rule[finding.code][finding.severity] += 1
        by_column[(title, finding.column or NO_COLUMN)][finding.severity] += 1
    row = _put_row(sheet, 1, ("Findings by rule",), _HEADER_FONT)
    row = _put_row(sheet, row, ("Code", "Title", "Errors", "Warnings", "Total"), _HEADER_FONT)
    for code, counts in _most_first(by_rule):
        row = _put_row(sheet, row, (code, get_rule(code).title, *_totals(counts)))
    row = _put_row(sheet, row + 1, ("Findings by column",), _HEADER_FONT)
    row = _put_row(sheet, row, ("Sheet", "Column", "Errors", "Warnings", "Total"), _HEADER_FONT)
    for (title, column), counts in _most_first(by_column):
        row = _put_row(sheet, row, (title, column, *_totals(counts)))
    _fit_widths(sheet)


def _most_first(groups: dict[Group, Counter[Severity]]) -> list[tuple[Group, Counter[Severity]]]:
    """Largest count first, then by name, so the report reads the same on every run."""
    return sorted(groups.items(), key=lambda item: (-item[1].total(), item[0]))


def _totals(counts: Counter[Severity]) -> tuple[int, int, int]:
    return counts[Severity.ERROR], counts[Severity.WARNING], counts.total()


def _put_row(sheet: Any, row: int, values: Sequence[object], font: Font | None = None) -> int:
    """Write one row and return the next row number. Text is stored as text even when it starts with `=`
    (a sheet name can), so the report never turns a workbook's content into a formula."""
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        if font is not None:
            cell.font = font
    return row + 1


def _fit_widths(sheet: Any) -> None:
    """Columns as wide as their longest text (up to a readable limit) so the report reads without resizing."""
    widths: dict[int, int] = defaultdict(int)
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None:
                widths[cell.column] = max(widths[cell.column], len(str(cell.value)))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, _MAX_WIDTH)
