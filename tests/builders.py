"""Build valid rows of every layout, write them as real workbooks, and read the findings back.

All data is synthetic. A valid row of each layout validates without a single finding (see the baseline test),
so a test changes one or two columns and checks exactly what is reported. Rows are dicts keyed by column id;
an override of "" leaves the cell blank.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

from calaimfiles.findings import Finding, Severity, column_letter
from calaimfiles.layouts import load_layout
from calaimfiles.validate import SheetResult, ValidationRequest, validate_file

AS_OF = dt.date(2026, 4, 5)  # the day of every check: the due day of the March return files
PERIOD = "03/2026"  # reporting period of the return files (and of the MIF)
RETURN_PRODUCED = dt.date(2026, 4, 3)  # RTF / CSPRTF production date: within the window after March
MIF_PRODUCED = dt.date(2026, 3, 10)  # before the 15th
CSASF_PRODUCED = dt.date(2026, 3, 29)  # a sending day
NPI = "1234567893"  # Luhn over 80840 + first 9 digits is valid
TIN = "951234567"
CIN = "91234567A"

ERROR, WARNING = Severity.ERROR, Severity.WARNING

_PROVIDER = {"provider_name": "Testclinic ECM", "provider_npi": NPI, "provider_tin": TIN}
_PLAN = {"mcp_id": "TESTMCP01", "mcp_name": "Test Health Plan"}
_MEMBER = {"cin": CIN, "last_name": "Testperson", "first_name": "Alex", "dob": dt.date(1980, 5, 17)}
_ADDRESS = {"address": "100 Test Street", "city": "Sacramento", "zip": "95814"}

_VALID: dict[str, dict[str, Any]] = {
    "RTF": {
        **_PLAN, **_MEMBER,
        "new_address": "Y", "homeless": "N", **_ADDRESS, "state": "CA",
        "new_phone": "Y", "phone": "(916) 555-0100",
        "pof_indicator": "Y", "pof": "1a",
        "status": "2", "acuity": "Low",
        "enrollment_start": dt.date(2026, 1, 15), "enrollment_end": "",
        "care_plan_revision": dt.date(2026, 2, 1), "care_conference": dt.date(2026, 2, 10),
        "assessment_started": dt.date(2026, 1, 20), "assessment_completed": dt.date(2026, 2, 5),
        "last_encounter": dt.date(2026, 3, 14),
        "lcm_name": "Casey Coordinator", "lcm_phone": "916-555-0123", "lcm_email": "casey@clinic.example.org",
        "discontinuation_date": "", "discontinuation_code": "", "discontinuation_reason": "",
        "in_person": 1, "telephonic": 2,
        "referral_status": "", "referral_update": "", "loop_closure_reason": "",
        "production_date": RETURN_PRODUCED, "reporting_period": PERIOD,
        **_PROVIDER, "provider_phone": "9165550199",
    },
    "MIF": {
        **_PLAN, **_MEMBER, **_ADDRESS, "state": "CA", "phone": "9165550100",
        "homeless": "N", "pof": "1a", "status": "2", "enrollment_start": dt.date(2026, 1, 15), "acuity": "Low",
        **_PROVIDER, "reporting_period": PERIOD, "production_date": MIF_PRODUCED,
    },
    "OTF": {
        **_PLAN, **_PROVIDER, "client_name": "Alex Testperson", "cin": CIN, "provider_type": "CBO",
        "attempt_date": dt.date(2026, 3, 5), "method": "Phone", "successful": "Y", "minutes": 15,
    },
    "CSASF": {
        **_PLAN, **_MEMBER, "phone": "9165550100", **_ADDRESS,
        "service": "Housing Deposits", "authorization_status": "Approved", "authorization_number": "AUTH-0001",
        # authorizations may lie after the production date and today
        "authorization_start": dt.date(2026, 4, 1), "authorization_end": dt.date(2026, 9, 30),
        "authorized_units": 3, "date_assigned": dt.date(2026, 3, 20),
        "provider_name": "Testclinic CS", "provider_npi": NPI, "provider_tin": TIN,
        "production_date": CSASF_PRODUCED,
    },
    "CSPRTF": {
        **_PLAN, "provider_name": "Testclinic CS", "provider_npi": NPI, "provider_tin": TIN, **_MEMBER,
        "service": "Housing Deposits", "authorization_number": "AUTH-0001", "status": "2",
        "outreach_attempts": 2, "outreach_modalities": 1, "first_outreach": dt.date(2026, 2, 1),
        "service_start": dt.date(2026, 2, 15), "service_end": "", "units_delivered": 1,
        "discontinuation_date": "", "discontinuation_code": "",
        "referral_status": "", "referral_update": "", "loop_closure_reason": "",
        "reporting_period": PERIOD, "production_date": RETURN_PRODUCED,
    },
}


def column_ids(layout: str) -> list[str]:
    return [c.id for c in load_layout(layout).columns]


def valid_row(layout: str, **overrides: Any) -> dict[str, Any]:
    """A row of `layout` that validates cleanly, with some columns replaced (by column id)."""
    row = dict(_VALID[layout])
    assert set(row) == set(column_ids(layout)), "the builder is out of date with the layout data"
    unknown = set(overrides) - set(row)
    if unknown:
        raise KeyError(f"{layout} has no columns {sorted(unknown)}")
    row.update(overrides)
    return row


_RTF_BY_STATUS: dict[str, dict[str, Any]] = {
    "1": {"enrollment_start": "", "lcm_name": "", "lcm_phone": ""},
    "2": {},
    "3": {"enrollment_start": "", "lcm_name": "", "lcm_phone": "",
          "discontinuation_date": dt.date(2026, 3, 20), "discontinuation_code": "UE"},
    "4": {"enrollment_start": "", "lcm_name": "", "lcm_phone": "",
          "discontinuation_date": dt.date(2026, 3, 20), "discontinuation_code": "DP"},
    "5": {"enrollment_end": dt.date(2026, 3, 20), "lcm_name": "", "lcm_phone": "",
          "discontinuation_date": dt.date(2026, 3, 20), "discontinuation_code": "WM"},
    "6": {"enrollment_start": "", "lcm_name": "", "lcm_phone": "",
          "discontinuation_date": dt.date(2026, 3, 20), "discontinuation_code": "NE"},
}

_CS_NOT_SERVED = {"authorization_number": "", "service_start": ""}
_CSPRTF_BY_STATUS: dict[str, dict[str, Any]] = {
    "1": _CS_NOT_SERVED,
    "2": {},
    "3": {**_CS_NOT_SERVED, "outreach_attempts": 5, "outreach_modalities": 3, "first_outreach": dt.date(2026, 2, 1),
          "discontinuation_date": dt.date(2026, 3, 10), "discontinuation_code": "UE"},
    "4": {**_CS_NOT_SERVED, "discontinuation_date": dt.date(2026, 3, 10), "discontinuation_code": "DP"},
    "5": {"service_end": dt.date(2026, 3, 10), "discontinuation_date": dt.date(2026, 3, 10),
          "discontinuation_code": "WM"},
    "6": {**_CS_NOT_SERVED, "discontinuation_date": dt.date(2026, 3, 10), "discontinuation_code": "NE"},
    "7": {"service_end": dt.date(2026, 3, 10)},
}


def rtf_row(status: str, /, **overrides: Any) -> dict[str, Any]:
    """A valid RTF row of a member in this ECM status (dates and Lead Care Manager as the status needs)."""
    return valid_row("RTF", **{"status": status, **_RTF_BY_STATUS[status], **overrides})


def csprtf_row(status: str, /, **overrides: Any) -> dict[str, Any]:
    """A valid CSPRTF row of a member in this CS status."""
    return valid_row("CSPRTF", **{"status": status, **_CSPRTF_BY_STATUS[status], **overrides})


def member_cin(n: int) -> str:
    """Distinct synthetic CINs: 90000001A, 90000002A, ..."""
    return f"9{n:07d}A"


def valid_rows(layout: str, count: int, **overrides: Any) -> list[dict[str, Any]]:
    """`count` valid rows of distinct members (all with the same overrides)."""
    return [valid_row(layout, **{"cin": member_cin(n + 1), **overrides}) for n in range(count)]


def header_row_number(title_rows: Sequence[Any] = ()) -> int:
    return len(title_rows) + 1


def cell(layout: str, column_id: str, row: int) -> str:
    """Excel cell of a column in a sheet written with the default header (layout order)."""
    return f"{column_letter(column_ids(layout).index(column_id))}{row}"


def write_xlsx(
    folder: Path,
    layout: str,
    rows: Iterable[dict[str, Any]],
    *,
    filename: str | None = None,
    sheet: str | None = None,
    title_rows: Sequence[str] = (),
    drop: Iterable[str] = (),
    rename: dict[str, str] | None = None,
    extra: Sequence[tuple[str, Any]] = (),
) -> Path:
    """Write a real workbook: optional title rows, the header (canonical names in layout order, `drop`ped ids
    left out, `rename`d ids under another header text, `extra` (header, value) columns appended), then the rows.
    """
    header, _, data = _grid(layout, rows, drop, rename, extra)
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet or layout
    for title in title_rows:
        ws.append([title])
    ws.append(header)
    for values in data:
        ws.append([None if v == "" else v for v in values])
    path = folder / (filename or f"{layout.lower()}.xlsx")
    book.save(path)
    return path


def write_plan_xlsx(folder: Path, layout: str, plan: str, rows: Iterable[dict[str, Any]], *,
                    filename: str | None = None) -> Path:
    """A workbook of a plan's template: the header is the plan's column names in its layout's order, each row a
    {column id: value} dict (absent ids are blank)."""
    columns = load_layout(layout, plan).columns
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = layout
    ws.append([c.name for c in columns])
    for row in rows:
        ws.append([None if row.get(c.id, "") == "" else row[c.id] for c in columns])
    path = folder / (filename or f"{layout.lower()}.xlsx")
    book.save(path)
    return path


def write_csv(folder: Path, layout: str, rows: Iterable[dict[str, Any]], *, filename: str | None = None) -> Path:
    """The same sheet as a CSV file; dates are written MM/DD/YYYY."""
    header, _, data = _grid(layout, rows, (), None, ())
    path = folder / (filename or f"{layout.lower()}.csv")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for values in data:
            writer.writerow([v.strftime("%m/%d/%Y") if isinstance(v, dt.date) else v for v in values])
    return path


def _grid(
    layout: str,
    rows: Iterable[dict[str, Any]],
    drop: Iterable[str],
    rename: dict[str, str] | None,
    extra: Sequence[tuple[str, Any]],
) -> tuple[list[str], list[str], list[list[Any]]]:
    columns = [c for c in load_layout(layout).columns if c.id not in set(drop)]
    names = {**{c.id: c.name for c in columns}, **(rename or {})}
    ids = [c.id for c in columns]
    header = [names[i] for i in ids] + [text for text, _ in extra]
    data = [[row[i] for i in ids] + [value for _, value in extra] for row in rows]
    return header, ids, data



# -- positional rows, written cell by cell -------------------------------------------------------------------
# A second, smaller data set: a February 2026 RTF row of a member in status 1 and an OTF attempt, both clean when
# checked as of 2026-03-05 (the CLI and reading tests). Rows are lists in layout order (None leaves a cell blank),
# so a test can put the header anywhere, rename or drop header cells, and place several sheets in one workbook.

RTF_VALUES: dict[str, Any] = {
    "mcp_id": "MCP1",
    "mcp_name": "Example Health Plan",
    "cin": "91234567A",
    "last_name": "Rivera",
    "first_name": "Alex",
    "dob": dt.datetime(1980, 5, 17),
    "new_address": "N",
    "homeless": "N",
    "new_phone": "N",
    "pof_indicator": "N",
    "status": "1",
    "acuity": "Low",
    "in_person": 0,
    "telephonic": 0,
    "production_date": dt.datetime(2026, 3, 4),
    "reporting_period": dt.datetime(2026, 2, 1),
    "provider_name": "Example Clinic",
    "provider_npi": NPI,
    "provider_tin": "95-1234567",
    "provider_phone": "9165550123",
}
OTF_VALUES: dict[str, Any] = {
    "mcp_id": "MCP1",
    "mcp_name": "Example Health Plan",
    "provider_name": "Example Clinic",
    "provider_npi": NPI,
    "provider_tin": "95-1234567",
    "client_name": "Alex Rivera",
    "cin": "91234567A",
    "provider_type": "CHW",
    "attempt_date": dt.datetime(2026, 2, 10),
    "method": "Phone",
    "successful": "Y",
    "minutes": 15,
}


def column_names(layout: str) -> list[str]:
    """The canonical header of a layout, in layout order."""
    return [c.name for c in load_layout(layout).columns]


def row_cells(layout: str, values: dict[str, Any], **changes: Any) -> list[Any]:
    """`values` with `changes` as a list in layout order; columns without a value are None."""
    merged = {**values, **changes}
    return [merged.get(column_id) for column_id in column_ids(layout)]


def rtf_cells(**changes: Any) -> list[Any]:
    return row_cells("RTF", RTF_VALUES, **changes)


def otf_cells(**changes: Any) -> list[Any]:
    return row_cells("OTF", OTF_VALUES, **changes)


def write_cells(ws: Any, rows: Sequence[Sequence[Any]], first_row: int = 1, first_col: int = 1) -> None:
    """Write rows into a worksheet from (first_row, first_col); None cells stay empty."""
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                ws.cell(row=first_row + r, column=first_col + c, value=value)


def save_book(path: Path, sheets: dict[str, Sequence[Sequence[Any]]], **placement: int) -> Path:
    """A workbook with one sheet per entry (in order), each written by `write_cells`."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        write_cells(book.create_sheet(name), rows, **placement)
    book.save(path)
    return path


def csv_text(rows: Sequence[Sequence[Any]], delimiter: str = ",") -> str:
    """Positional rows as CSV text: dates MM/DD/YYYY, None blank, values holding the delimiter quoted."""

    def text_of(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.date):
            return value.strftime("%m/%d/%Y")
        text = str(value)
        return f'"{text}"' if delimiter in text or '"' in text else text

    return "\r\n".join(delimiter.join(text_of(v) for v in row) for row in rows) + "\r\n"

def validate(path: Path, *, as_of: dt.date = AS_OF, period: dt.date | None = None,
             layout: str | None = None, plan: str | None = None) -> list[SheetResult]:
    return validate_file(path, ValidationRequest(as_of=as_of, period=period, layout=layout, plan=plan))


def findings_of(results: list[SheetResult]) -> list[Finding]:
    return [f for result in results for f in result.findings]


def codes(results: list[SheetResult] | list[Finding]) -> list[tuple[str, str | None]]:
    """(code, cell) of every finding, in report order."""
    found = findings_of(results) if results and isinstance(results[0], SheetResult) else results
    return [(f.code, f.cell) for f in found]  # type: ignore[union-attr]


def with_code(found: list[Finding], code: str) -> list[Finding]:
    return [f for f in found if f.code == code]


def one(found: list[Finding], code: str) -> Finding:
    """The single finding with this code (fails when there is none or several)."""
    matches = with_code(found, code)
    assert len(matches) == 1, f"expected one {code}, got {[(f.code, f.cell) for f in found]}"
    return matches[0]
