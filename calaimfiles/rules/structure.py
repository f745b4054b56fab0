"""Findings about the file and its header rather than its cells: format, missing, unknown and repeated
columns, and a sheet without data rows."""

from __future__ import annotations

from pathlib import Path

from calaimfiles.findings import Finding, Severity, cell_name
from calaimfiles.layouts import Layout
from calaimfiles.reading.header import HeaderMatch
from calaimfiles.rules.registry import register

FILE_FORMAT = register(
    "FILE-FORMAT", "Return file in a format the plan rejects", severity=Severity.ERROR, source="reference §1",
    layouts=("RTF", "OTF", "CSPRTF"),
    summary="Return files (RTF, OTF, CSPRTF) are accepted only as .xlsx or .xlsm (a plan profile may accept "
    "other formats); the file is still checked, but the plan will reject it as it is.",
    example="`rtf_march.csv` submitted as an RTF",
)
COLUMN_MISSING = register(
    "COLUMN-MISSING", "Required column missing", severity=Severity.ERROR, source="reference §3-§6, §10",
    summary="The header row lacks a column the layout requires (header names are matched ignoring case, extra "
    "spaces, line breaks, underscores and known aliases). A column required only when another column holds some "
    "value is not missing when that other column is absent.",
    example="an RTF without a Member Acuity Level column",
)
COLUMN_OPTIONAL_MISSING = register(
    "COLUMN-OPTIONAL-MISSING", "Optional column missing", severity=Severity.WARNING,
    source="reference §3-§6, §10",
    summary="The header row lacks a column that is not always required; the plan's template has it.",
    example="an RTF without a Date of Most Recent Care Conference column",
)
COLUMN_UNKNOWN = register(
    "COLUMN-UNKNOWN", "Unknown column", severity=Severity.WARNING, source="reference §1",
    summary="A header the layout does not know (a typo, or a plan-specific column); its values are not checked.",
    example="a column headed `Notes`",
)
COLUMN_REPEATED = register(
    "COLUMN-REPEATED", "Column appears twice", severity=Severity.ERROR, source="reference §1",
    summary="Two header cells name the same column; the plan cannot tell which one holds the data. Only the first "
    "is checked.",
    example="`Member CIN` and `Member Client Index Number (CIN)` both mapped to the CIN column",
)
FILE_NO_ROWS = register(
    "FILE-NO-ROWS", "No data rows", severity=Severity.WARNING, source="reference §1",
    summary="The header is there but no row below it holds data.",
    example="an RTF template saved without members",
)


def structure_findings(path: Path, sheet: str, header: HeaderMatch, data_rows: int) -> list[Finding]:
    """What is wrong with the file as a whole and with its header row."""
    layout = header.layout
    header_row = header.header_row + 1
    findings: list[Finding] = []
    formats = layout.return_formats
    if layout.is_return_file and formats and path.suffix.lower() not in formats:
        accepted = " or ".join(formats)
        findings.append(Finding(
            FILE_FORMAT.code, FILE_FORMAT.severity,
            f"The plan accepts the {layout.name} only as {accepted}; save this {path.suffix or 'file'} "
            f"as {accepted} before uploading.", sheet=sheet, member_data=False,
        ))
    for column_id in reportably_missing(layout, header):
        column = layout.column(column_id)
        rule = COLUMN_MISSING if column.required or column.required_if else COLUMN_OPTIONAL_MISSING
        findings.append(Finding(
            rule.code, rule.severity, f"The header row has no {column.name!r} column; add it.",
            sheet=sheet, row=header_row, column=column.name, member_data=False,
        ))
    for index, text in header.unknown:
        findings.append(Finding(
            COLUMN_UNKNOWN.code, COLUMN_UNKNOWN.severity,
            f"The column {text!r} is not part of the {layout.name} layout; its values are not checked.",
            sheet=sheet, row=header_row, cell=cell_name(header_row, index), member_data=False,
        ))
    for index, column_id in header.repeated:
        name = layout.column(column_id).name
        findings.append(Finding(
            COLUMN_REPEATED.code, COLUMN_REPEATED.severity,
            f"{name} appears a second time here; keep one column.",
            sheet=sheet, row=header_row, column=name, cell=cell_name(header_row, index), member_data=False,
        ))
    if data_rows == 0:
        findings.append(Finding(FILE_NO_ROWS.code, FILE_NO_ROWS.severity,
                                "The sheet has a header but no data rows.", sheet=sheet, member_data=False))
    return findings


def reportably_missing(layout: Layout, header: HeaderMatch) -> list[str]:
    """The absent columns worth a finding: not those of a column group that is absent as a whole (a template
    from before the group existed), nor a conditional column whose condition reads an absent column (it can
    never be required)."""
    present = header.columns
    whole_groups_absent = {c for group in layout.column_groups if not any(g in present for g in group.columns)
                           for c in group.columns}
    missing = []
    for column_id in header.missing:
        column = layout.column(column_id)
        if column_id in whole_groups_absent:
            continue
        if not column.required and any(c.column not in present for c in column.required_if):
            continue
        missing.append(column_id)
    return missing
