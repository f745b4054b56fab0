"""write_layout_workbook on real workbooks: read back with openpyxl and validated like any provider file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from builders import findings_of, valid_row, validate

from calaimfiles.layouts import LAYOUT_NAMES, FieldType, load_layout
from calaimfiles.writing.layout_workbook import (
    DATE_FORMAT,
    INLINE_LIST_LIMIT,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    PERIOD_FORMAT,
    TEXT_FORMAT,
    VALIDATED_ROWS,
    write_layout_workbook,
)

TEXT_TYPES = {FieldType.TEXT, FieldType.CIN, FieldType.NPI, FieldType.TIN, FieldType.PHONE, FieldType.ZIP,
              FieldType.STATE, FieldType.YES_NO, FieldType.CODE, FieldType.EMAIL}


def _validations(sheet: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, tuple[str, str]]:
    """Column letter -> (formula, range) of each data validation."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        assert validation.type == "list"
        (cell_range,) = str(validation.sqref).split()
        found[cell_range.split(":")[0].rstrip("0123456789")] = (validation.formula1, cell_range)
    return found


@pytest.mark.parametrize("name", LAYOUT_NAMES)
def test_template_sheets_header_formats_and_drop_downs(tmp_path: Path, name: str) -> None:
    layout = load_layout(name)
    path = tmp_path / f"{name}.xlsx"
    write_layout_workbook(path, layout, [], instructions=True)
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    assert sheet.title == layout.sheet_names[0]
    assert book.active.title == sheet.title
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header == [c.name for c in layout.columns]
    assert all(c.font.bold for c in sheet[1])
    validations = _validations(sheet)
    for index, column in enumerate(layout.columns, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        assert 10 <= dimension.width <= 47
        expected_format = {FieldType.DATE: DATE_FORMAT, FieldType.PERIOD: PERIOD_FORMAT}.get(column.type)
        if column.type in TEXT_TYPES:
            expected_format = TEXT_FORMAT
        if expected_format:
            assert dimension.number_format == expected_format, column.id
        if column.type is FieldType.YES_NO:
            assert validations.pop(letter) == ('"Y,N"', f"{letter}2:{letter}{VALIDATED_ROWS}")
        elif column.codeset:
            codes = [v.code for v in layout.codesets[column.codeset].values]
            formula, cell_range = validations.pop(letter)
            assert cell_range == f"{letter}2:{letter}{VALIDATED_ROWS}"
            if formula.startswith('"'):
                assert formula == '"' + ",".join(codes) + '"'
                assert len(formula) - 2 <= INLINE_LIST_LIMIT
            else:
                sheet_name, cells = formula.split("!")
                assert sheet_name.strip("'") == LISTS_SHEET
                listed = [row[0].value for row in book[LISTS_SHEET][cells.replace("$", "")]]
                assert listed == codes
    assert validations == {}  # no drop-down on a column without a list
    instructions = book[INSTRUCTIONS_SHEET]
    assert instructions.max_row == len(layout.columns) + 1
    assert [r[1] for r in instructions.iter_rows(min_row=2, values_only=True)] == [c.name for c in layout.columns]
    # An empty template is a valid file apart from having no rows.
    findings = findings_of(validate(path, layout=name))
    assert {f.code for f in findings} == {"FILE-NO-ROWS"}


def test_cs_services_go_to_a_hidden_lists_sheet(tmp_path: Path) -> None:
    path = tmp_path / "csprtf.xlsx"
    layout = load_layout("CSPRTF")
    write_layout_workbook(path, layout, [])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["CSPRTF", LISTS_SHEET]
    assert book[LISTS_SHEET].sheet_state == "hidden"
    letter = openpyxl.utils.get_column_letter([c.id for c in layout.columns].index("service") + 1)
    assert _validations(book["CSPRTF"])[letter][0] == f"'{LISTS_SHEET}'!$A$2:$A$16"
    assert len(",".join(v.code for v in layout.codeset_of("service").values)) > INLINE_LIST_LIMIT


def test_instructions_explain_conditions_and_values(tmp_path: Path) -> None:
    path = tmp_path / "rtf.xlsx"
    write_layout_workbook(path, load_layout("RTF"), [], instructions=True)
    rows = {r[1]: r for r in openpyxl.load_workbook(path)[INSTRUCTIONS_SHEET].iter_rows(min_row=2, values_only=True)}
    assert rows["ECM Lead Care Manager Name"][3] == "when Member ECM Status is 2 (Enrolled)"
    assert rows["Member Residential Zip"][3] == (
        "when Member New Address Indicator is Y and Member Homelessness Indicator is N")
    assert rows["Member Acuity Level"][3] == "yes; if unsure enter Low"
    assert rows["ECM Provider Name"][3] == "yes; the same value on every row"
    assert rows["Member ECM Status"][4].startswith("1 - Pending Outreach; 2 - Enrolled;")
    assert rows["Member POF"][4].endswith("Several values may be separated by ';'")
    assert rows["Member New Address Indicator"][4] == "Y or N"


def test_no_drop_downs_and_no_instructions_when_not_asked(tmp_path: Path) -> None:
    path = tmp_path / "csasf.xlsx"
    write_layout_workbook(path, load_layout("CSASF"), [], drop_downs=False)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["CSASF"]
    assert not book["CSASF"].data_validations.dataValidation


def test_rows_are_typed_cells_and_validate_clean(tmp_path: Path) -> None:
    row = valid_row("RTF", reporting_period=dt.date(2026, 3, 17), provider_tin="012345678", zip="01234")
    row = {k: (None if v == "" else v) for k, v in row.items()}
    path = tmp_path / "rtf.xlsx"
    write_layout_workbook(path, load_layout("RTF"), [row, {**row, "cin": "91234568B"}])
    sheet = openpyxl.load_workbook(path)["RTF"]
    cells = {c.id: sheet.cell(row=2, column=n) for n, c in enumerate(load_layout("RTF").columns, start=1)}
    assert cells["provider_tin"].value == "012345678"  # the leading zero survives as text
    assert cells["provider_tin"].number_format == TEXT_FORMAT
    assert cells["dob"].value == dt.datetime(1980, 5, 17)
    assert cells["dob"].number_format == DATE_FORMAT
    assert cells["reporting_period"].value == dt.datetime(2026, 3, 1)  # the first of the month
    assert cells["reporting_period"].number_format == PERIOD_FORMAT
    assert cells["in_person"].value == 1
    assert cells["enrollment_end"].value is None
    findings = findings_of(validate(path))
    assert [(f.code, f.column) for f in findings] == [("ZIP-NOT-CALIFORNIA", "Member Residential Zip")] * 2


def test_unreadable_values_are_kept_as_text(tmp_path: Path) -> None:
    """A value the reader could not parse (records keep its text) is written back as the provider wrote it."""
    row = {k: (None if v == "" else v) for k, v in valid_row("RTF", dob="31/02/1980").items()}
    path = tmp_path / "rtf.xlsx"
    write_layout_workbook(path, load_layout("RTF"), [row])
    sheet = openpyxl.load_workbook(path)["RTF"]
    dob = sheet.cell(row=2, column=[c.id for c in load_layout("RTF").columns].index("dob") + 1)
    assert (dob.value, dob.number_format) == ("31/02/1980", TEXT_FORMAT)


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    row = {k: (None if v == "" else v) for k, v in valid_row("RTF", discontinuation_reason="=HYPERLINK(\"x\")",
                                                              lcm_name="+1 Casey").items()}
    path = tmp_path / "rtf.xlsx"
    write_layout_workbook(path, load_layout("RTF"), [row])
    sheet = openpyxl.load_workbook(path)["RTF"]
    assert {c.data_type for c in sheet[2] if c.value is not None} <= {"s", "n", "d"}
    assert '=HYPERLINK("x")' in [c.value for c in sheet[2]]
