"""Write rows of a layout as a workbook we own: typed cells, drop-down lists and, on request, instructions.

Providers type into these files by hand, so the workbook does the teaching: identifier columns are text
(a TIN or ZIP keeps its leading zero), dates are real date cells, code and Y/N columns offer their allowed
values as drop-downs, and the Instructions sheet says in words what each column needs. Drop-downs are plain
list validations (design notes section 3): inline when short enough, else a range on a hidden "Lists" sheet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from calaimfiles.layouts import Column, FieldType, Layout
from calaimfiles.layouts.describe import allowed_values, explain_conditions

LISTS_SHEET = "Lists"
INSTRUCTIONS_SHEET = "Instructions"
VALIDATED_ROWS = 1000  # drop-downs reach at least this row, so a provider can add members below the data
INLINE_LIST_LIMIT = 255  # Excel refuses an inline list (`"a,b,c"`) longer than this
PROMPT_LIMIT = 255  # Excel's limit on a validation's input message
DATE_FORMAT = "MM/DD/YYYY"
PERIOD_FORMAT = "MM/YYYY"
TEXT_FORMAT = "@"

_MIN_WIDTH, _MAX_WIDTH = 10, 45
_NUMBER_FORMATS = {
    FieldType.DATE: DATE_FORMAT,
    FieldType.PERIOD: PERIOD_FORMAT,
    FieldType.COUNT: "0",
    FieldType.MINUTES: "General",  # an unrounded fraction must stay visible for the provider to fix
}
_TYPE_WORDS = {
    FieldType.TEXT: "text",
    FieldType.CIN: "Medi-Cal CIN: 8 digits then a capital letter (91234567A)",
    FieldType.NPI: "NPI: 10 digits",
    FieldType.TIN: "Tax ID: 9 digits (keep the leading zero)",
    FieldType.DATE: "date, MM/DD/YYYY",
    FieldType.PERIOD: "reporting month, MM/YYYY",
    FieldType.PHONE: "phone: 10 digits",
    FieldType.ZIP: "ZIP code: 5 digits or ZIP+4",
    FieldType.STATE: "2-letter state code (CA)",
    FieldType.YES_NO: "Y or N",
    FieldType.CODE: "a value from the list",
    FieldType.COUNT: "whole number, 0 or more",
    FieldType.MINUTES: "whole minutes, 1 or more (round up)",
    FieldType.EMAIL: "email address",
}
_INSTRUCTION_HEADERS = ("#", "Column", "Field type", "Required", "Allowed values", "Notes")
_INSTRUCTION_WIDTHS = (5, 45, 30, 50, 60, 50)


def write_layout_workbook(
    path: Path,
    layout: Layout,
    rows: Sequence[Mapping[str, Any]],
    *,
    drop_downs: bool = True,
    instructions: bool = False,
) -> None:
    """Write `rows` (dicts keyed by column id, normalised values) as an .xlsx of `layout` at `path`.

    Callers choose the destination and wrap this in `atomic_output`; a value a row lacks is left blank. The
    workbook is written row by row (openpyxl's write-only mode), so a large conversion holds no cell objects:
    a workbook of cells held in memory costs about 500 bytes a cell.
    """
    book = Workbook(write_only=True)
    sheet = book.create_sheet(layout.sheet_names[0] if layout.sheet_names else layout.name)
    _write_data(sheet, layout, rows)
    if drop_downs:
        _add_drop_downs(book, sheet, layout, last_row=max(len(rows) + 1, VALIDATED_ROWS))
    if instructions:
        _write_instructions(book.create_sheet(INSTRUCTIONS_SHEET), layout)
    book.save(path)


def _write_data(sheet: Worksheet, layout: Layout, rows: Sequence[Mapping[str, Any]]) -> None:
    """The header and the rows. Column widths and formats come first (a sheet written row by row takes them before
    its rows), so the values are looked at once for the widths, then written."""
    formats = [_number_format(column) for column in layout.columns]
    widths = []
    for index, (column, number_format) in enumerate(zip(layout.columns, formats, strict=True), start=1):
        longest = max((len(str(value)) if not isinstance(value, dt.date) else len(number_format)
                       for row in rows if (value := _cell_value(column, row.get(column.id))) is not None), default=0)
        width = min(max(longest, min(len(column.name), 24), _MIN_WIDTH) + 2, _MAX_WIDTH)
        dimension = sheet.column_dimensions[get_column_letter(index)]
        # The column's own format applies to cells the provider types later, not only to the rows written.
        dimension.number_format, dimension.width = number_format, width
        widths.append(width)
    # A wrapped header needs room for its lines; Excel does not grow a row written by another program.
    lines = max((-(-len(c.name) // max(w - 2, 1)) for c, w in zip(layout.columns, widths, strict=True)), default=1)
    sheet.row_dimensions[1].height = 15 * lines
    sheet.freeze_panes = "A2"
    bold, header_alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    sheet.append([_styled(sheet, column.name, font=bold, alignment=header_alignment) for column in layout.columns])
    for row in rows:
        cells: list[WriteOnlyCell | None] = []
        for column, number_format in zip(layout.columns, formats, strict=True):
            value = _cell_value(column, row.get(column.id))
            if value is None:
                cells.append(None)
            elif isinstance(value, str):
                # Text stays text: openpyxl would store `=...` as a formula that Excel runs (formula injection),
                # and a value the reader could not parse (kept as its text) must stay visible as written.
                cell = _styled(sheet, value, number_format=TEXT_FORMAT)
                cell.data_type = "s"
                cells.append(cell)
            else:
                cells.append(_styled(sheet, value, number_format=number_format))
        sheet.append(cells)


def _styled(sheet: Worksheet, value: Any, **style: Any) -> WriteOnlyCell:
    """A cell for a sheet written row by row, with its style (font, alignment, number_format)."""
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _number_format(column: Column) -> str:
    return _NUMBER_FORMATS.get(column.type, TEXT_FORMAT)


def _cell_value(column: Column, value: Any) -> Any:
    """The value as its cell should hold it: a period is the first of its month, identifiers are text."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1) if column.type is FieldType.PERIOD else value
    if column.type in (FieldType.COUNT, FieldType.MINUTES) and isinstance(value, int | float):
        return value
    return str(value)


def _add_drop_downs(book: Workbook, sheet: Worksheet, layout: Layout, last_row: int) -> None:
    listed: list[tuple[Column, Sequence[str]]] = []  # the lists too long to write inline: on the Lists sheet
    for index, column in enumerate(layout.columns, start=1):
        values = allowed_values(layout, column)
        if not values:
            continue
        inline = ",".join(values)
        if len(inline) <= INLINE_LIST_LIMIT and not any("," in v or '"' in v for v in values):
            formula = f'"{inline}"'
        else:
            listed.append((column, values))
            letter = get_column_letter(len(listed))
            formula = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showDropDown=False)
        validation.showInputMessage = True
        prompt = _prompt(layout, column)
        if prompt:
            validation.promptTitle, validation.prompt = column.name[:32], prompt
        validation.showErrorMessage = True
        validation.errorTitle = column.name[:32]
        if column.separator:
            # Several codes may share a cell (`1a;3`), which no list holds: Excel informs instead of refusing.
            validation.errorStyle = "information"
            validation.error = f"Pick one value, or type several separated by '{column.separator}'."
        else:
            validation.error = "Pick a value from the list (see the Instructions sheet)."
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{last_row}")
        sheet.data_validations.append(validation)
    if listed:
        _write_lists(book.create_sheet(LISTS_SHEET), listed)


def _write_lists(lists: Worksheet, listed: Sequence[tuple[Column, Sequence[str]]]) -> None:
    """The hidden sheet of the long lists, one column each, in the order their ranges name them."""
    lists.sheet_state = "hidden"
    bold = Font(bold=True)
    lists.append([_styled(lists, column.name, font=bold) for column, _ in listed])
    for position in range(max(len(values) for _, values in listed)):
        lists.append([_styled(lists, values[position], number_format=TEXT_FORMAT) if position < len(values)
                      else None for _, values in listed])


def _prompt(layout: Layout, column: Column) -> str | None:
    """The labels behind the codes (`1 = Pending Outreach`), when they fit Excel's input message."""
    if column.codeset is None:
        return None
    labelled = [f"{v.code} = {v.label}" for v in layout.codesets[column.codeset].values if v.label]
    text = "; ".join(labelled)
    return text if labelled and len(text) <= PROMPT_LIMIT else None


def _write_instructions(sheet: Worksheet, layout: Layout) -> None:
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for index, width in enumerate(_INSTRUCTION_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([_styled(sheet, title, font=bold) for title in _INSTRUCTION_HEADERS])
    for number, column in enumerate(layout.columns, start=1):
        values = (number, column.name, _TYPE_WORDS[column.type], requirement(layout, column),
                  allowed_values_text(layout, column), column.note or "")
        sheet.append([_styled(sheet, value, alignment=wrap) for value in values])


def requirement(layout: Layout, column: Column) -> str:
    """Whether a column is required, in the words the validator uses for its findings."""
    if column.required:
        text = "yes"
    elif column.required_if:
        text = f"when {explain_conditions(layout, column.required_if)}"
    else:
        text = "no"
    if column.unless and text != "no":
        # Exempt rows are not free: another rule judges them (the column's note names it).
        text += f" (rows where {explain_conditions(layout, column.unless)} follow their own rule)"
    if column.same_every_row:
        text += "; the same value on every row"
    if column.default is not None:
        text += f"; if unsure enter {column.default}"
    return text


def allowed_values_text(layout: Layout, column: Column) -> str:
    """The allowed values of a code or Y/N column: each code with its label or meaning, and the other spellings
    accepted for it (short form, the spellings plans use, billing codes)."""
    if column.type is FieldType.YES_NO:
        return "Y or N"
    if column.codeset is None:
        return ""
    codeset = layout.codesets[column.codeset]
    shown = []
    for value in codeset.values:
        text = f"{value.code} - {value.label}" if value.label else value.code
        also = [*([value.short] if value.short else []), *value.spellings, *value.billing]
        shown.append(f"{text} (also accepted: {', '.join(also)})" if also else text)
    text = "; ".join(shown)
    if codeset.label_is_meaning:
        text += ". Write the code; the words after it say what it means"
    elif codeset.numbered:
        text += ". The number, the label or 'number - label' are accepted"
    if column.separator:
        text += f". Several values may be separated by '{column.separator}'"
    return text
