"""Synthetic RTF workbooks for the benchmarks, written fast and cached under benchmarks/.cache/.

A million rows through openpyxl (even write-only) takes many minutes, so the workbook XML is streamed here
directly: shared strings, dates as serial numbers with a date format, one row element per row, as Excel writes
them. The same rows also go to a CSV file (dates as ISO text) for the peers that read CSV. Generation runs in
its own process (see `scale.py`), so its memory never shows in a measured child's peak.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from calaimfiles.findings import column_letter

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
GENERATOR_VERSION = 3  # bump when the generated content changes, so stale cached files are not reused
SEED = 20261105

# Values that are the same on every row (columns 1-2 and 37-42).
MCP_ID = "306"
MCP_NAME = "Golden Valley Health Plan"
PRODUCTION_DATE = dt.date(2026, 11, 3)
REPORTING_PERIOD = dt.date(2026, 10, 1)
PERIOD_END = dt.date(2026, 10, 31)
PROVIDER_NAME = "Sierra Community Care Partners"
PROVIDER_TIN = "94-1234567"
PROVIDER_PHONE = "(916) 555-0100"


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


LAST_NAMES = words(
    "Garcia Hernandez Lopez Martinez Gonzalez Rodriguez Perez Sanchez Ramirez Torres Flores Rivera Gomez Diaz "
    "Cruz Morales Reyes Gutierrez Ortiz Ramos Chavez Ruiz Alvarez Mendoza Castillo Jimenez Vasquez Moreno "
    "Romero Herrera Medina Aguilar Vargas Guzman Mendez Castro Munoz Salazar Nguyen Tran Le Pham Huynh Vo "
    "Kim Lee Park Chen Wang Li Zhang Liu Wong Singh Patel Khan Smith Johnson Williams Brown Jones Miller Davis "
    "Wilson Anderson Taylor Thomas Moore Jackson Martin Thompson White Harris Clark Lewis Robinson Walker Young "
    "Allen King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans "
    "Turner Parker Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Peterson Cooper Reed Bailey Bell "
    "Kelly Howard Ward Cox Richardson Wood Watson Brooks Bennett Gray James Hughes Price Sanders Myers Long "
    "Ross Foster Powell Jenkins Perry Russell Sullivan Fisher Henderson Coleman Simmons Patterson Jordan"
)
FIRST_NAMES = words(
    "Maria Jose Juan Luis Carlos Jesus Ana Rosa Miguel Francisco Antonio Guadalupe Jorge Alejandro Daniel "
    "Sofia Isabella Camila Valeria Mateo Santiago Diego Gabriel Adrian Emily Olivia Emma Ava Mia Abigail "
    "Madison Elizabeth Chloe Ella Avery Scarlett Grace Lily Aria James John Robert Michael William David "
    "Richard Joseph Thomas Charles Christopher Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth "
    "Kevin Brian George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen "
    "Larry Justin Scott Brandon Benjamin Samuel Gregory Frank Raymond Patrick Jack Dennis Jerry Tyler Aaron "
    "Linh Minh Anh Thao Huong Jin Min Wei Mei Hana Yuki Priya Aisha Fatima Omar Ali Amir Noah Liam Ethan "
    "Lucas Elijah Logan Jackson Aiden Sebastian Julian Leah Hannah Natalie Zoe Nora Ruby Alice Jasmine Maya"
)
STREETS = words("Main Oak Pine Maple Cedar Elm Washington Lake Hill Park Sunset Mission Valley Broadway Fulton")
STREET_KINDS = ("St", "Ave", "Blvd", "Dr", "Way", "Ct")
CITIES = (
    ("Sacramento", 958),
    ("Fresno", 937),
    ("Stockton", 952),
    ("Modesto", 953),
    ("Bakersfield", 933),
    ("Los Angeles", 900),
    ("Oakland", 946),
    ("San Jose", 951),
    ("Visalia", 932),
    ("Merced", 953),
)
STATUS_LABELS = {
    1: "Pending Outreach",
    2: "Enrolled",
    3: "Unable to Contact",
    4: "Declined",
    5: "Discontinued",
    6: "Not Eligible",
}
STATUS_WEIGHTS = {1: 18, 2: 52, 3: 8, 4: 7, 5: 10, 6: 5}
# The real codes (reference 7.3), each fitting its status (rule R3d); as many per status as before, so that a
# seed draws the same rows.
DISCONTINUATION_CODES = {
    3: ("UE",),
    4: ("DP",),
    5: ("WM", "SC", "OH", "UBE", "EXP", "CAP", "OTH"),
    6: ("NE", "OH"),
}
DISCONTINUATION_REASONS = {
    "UE": "Unable to engage after outreach",
    "DP": "Member opted out",
    "WM": "Goals met, well managed",
    "SC": "Completed care plan",
    "OH": "Medi-Cal on hold",
    "UBE": "Unsafe home visit",
    "EXP": "Deceased",
    "CAP": "Caseload full",
    "OTH": "Moved out of county",
    "NE": "Not enrolled with the plan",
}
POF_CODES = ("1a", "1b", "2", "3", "4", "5", "6", "7", "8", "9")
LOOP_CLOSURE = ("Member Declined", "Unable to Contact", "Not Eligible", "Provider Unable to Serve", "Other")
MISTAKES = ("blank_acuity", "lower_cin", "text_date", "lower_acuity", "missing_lcm", "duplicate_cin")


def npi_with_check_digit(first9: str) -> str:
    """A 10-digit NPI with a valid Luhn check digit (computed over the 80840 prefix)."""
    digits = [int(d) for d in "80840" + first9]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return first9 + str((10 - total % 10) % 10)


PROVIDER_NPI = npi_with_check_digit("123456789")


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def random_phone(rng: random.Random) -> str:
    return f"({rng.choice((209, 279, 559, 661, 916, 510, 408))}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"


class RowMaker:
    """Builds one RTF row at a time as a {column id: value} dict; deterministic for a given seed."""

    def __init__(self, rng: random.Random, rows: int, provider_npi: str = PROVIDER_NPI) -> None:
        self.rng = rng
        self.provider_npi = provider_npi
        numbers = rng.sample(range(90_000_000, 100_000_000), rows)
        self.cins = [f"{n}{rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}" for n in numbers]
        # ~1 Lead Care Manager per 32 enrolled members: a few exceed the 1:50 case load, as in real files.
        managers = max(1, rows * STATUS_WEIGHTS[2] // sum(STATUS_WEIGHTS.values()) // 32)
        self.managers = [
            (f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", random_phone(rng), i) for i in range(managers)
        ]
        self.statuses = list(STATUS_WEIGHTS)
        self.weights = list(STATUS_WEIGHTS.values())

    def row(self, index: int) -> dict[str, object]:
        rng = self.rng
        status = rng.choices(self.statuses, self.weights)[0]
        r: dict[str, object] = {
            "mcp_id": MCP_ID,
            "mcp_name": MCP_NAME,
            "cin": self.cins[index],
            "last_name": rng.choice(LAST_NAMES),
            "first_name": rng.choice(FIRST_NAMES),
            "dob": random_date(rng, dt.date(1938, 1, 1), dt.date(2024, 6, 30)) if rng.random() < 0.93 else None,
            "new_address": "Y" if rng.random() < 0.12 else "N",
            "homeless": "Y" if rng.random() < 0.15 else "N",
            "new_phone": "Y" if rng.random() < 0.18 else "N",
            "status": status if rng.random() < 0.85 else f"{status} - {STATUS_LABELS[status]}",
            "acuity": rng.choices(("Low", "Medium", "High"), (5, 3, 2))[0],
            "production_date": PRODUCTION_DATE,
            "reporting_period": REPORTING_PERIOD,
            "provider_name": PROVIDER_NAME,
            "provider_npi": self.provider_npi,
            "provider_tin": PROVIDER_TIN,
            "provider_phone": PROVIDER_PHONE,
        }
        if r["new_address"] == "Y" and r["homeless"] == "N":
            city, zip3 = rng.choice(CITIES)
            r["address"] = f"{rng.randint(10, 9999)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}"
            r["city"] = city
            r["state"] = "CA"
            r["zip"] = f"{zip3}{rng.randint(0, 99):02d}" if rng.random() < 0.7 else zip3 * 100 + rng.randint(0, 99)
        if r["new_phone"] == "Y":
            r["phone"] = random_phone(rng) if rng.random() < 0.8 else int(f"916{rng.randint(2000000, 9999999)}")
        if rng.random() < 0.65:
            r["pof_indicator"] = "Y"
            r["pof"] = ";".join(sorted(rng.sample(POF_CODES, rng.choice((1, 1, 1, 2, 2, 3)))))
        elif rng.random() < 0.5:
            r["pof_indicator"] = "N"
        self._status_dates(r, status)
        self._referral(r, status)
        return r

    def _status_dates(self, r: dict[str, object], status: int) -> None:
        rng = self.rng
        start: dt.date | None = None
        if status == 2 or status == 5 or (status == 4 and rng.random() < 0.4):
            start = random_date(rng, dt.date(2023, 1, 1), dt.date(2026, 10, 25))
            r["enrollment_start"] = start
        if status >= 3:
            earliest = start + dt.timedelta(days=1) if start else dt.date(2026, 7, 1)
            ended = random_date(rng, max(earliest, dt.date(2026, 8, 1)), PERIOD_END)
            r["discontinuation_date"] = ended
            if start is not None:
                r["enrollment_end"] = ended
            code = rng.choice(DISCONTINUATION_CODES[status])
            r["discontinuation_code"] = code
            if rng.random() < 0.4:
                r["discontinuation_reason"] = DISCONTINUATION_REASONS[code]
        if status == 2:
            name, phone, number = rng.choice(self.managers)
            r["lcm_name"] = name
            r["lcm_phone"] = phone
            if rng.random() < 0.5:
                r["lcm_email"] = f"{name.split()[0].lower()}.{number}@sierraccp.org"
        if start is not None:
            last = r.get("discontinuation_date") or PRODUCTION_DATE
            assert isinstance(last, dt.date)
            for column, chance in (("care_plan_revision", 0.7), ("care_conference", 0.4)):
                if rng.random() < chance:
                    r[column] = random_date(rng, start, last)
            if rng.random() < 0.75:
                begun = random_date(rng, start, last)
                r["assessment_started"] = begun
                if rng.random() < 0.8:
                    r["assessment_completed"] = random_date(rng, begun, min(last, begun + dt.timedelta(days=30)))
        if status not in (3, 6) and rng.random() < 0.7:
            since = start or dt.date(2026, 6, 1)
            encounter = random_date(rng, since, min(r.get("discontinuation_date") or PERIOD_END, PERIOD_END))
            r["last_encounter"] = encounter
            if encounter >= REPORTING_PERIOD or rng.random() < 0.5:
                r["in_person"] = rng.randint(0 if encounter < REPORTING_PERIOD else 1, 4)
                r["telephonic"] = rng.randint(0, 6) if rng.random() < 0.8 else None
        elif status == 3 or (status == 1 and rng.random() < 0.5):
            r["in_person"] = rng.randint(0, 2)
            r["telephonic"] = rng.randint(1, 8)

    def _referral(self, r: dict[str, object], status: int) -> None:
        rng = self.rng
        if rng.random() >= 0.3:
            return
        referral = rng.choices(("Pending", "Accepted", "Declined", "Referral Loop Closed"), (3, 4, 1, 2))[0]
        r["referral_status"] = referral
        r["referral_update"] = random_date(rng, dt.date(2026, 1, 1), PERIOD_END)
        if referral == "Referral Loop Closed":
            r["loop_closure_reason"] = "Services Received" if status in (2, 5) else rng.choice(LOOP_CLOSURE)

    def add_mistake(self, r: dict[str, object], index: int) -> None:
        """One of the mistakes providers typically make (about 1% of rows)."""
        rng = self.rng
        mistake = rng.choice(MISTAKES)
        if mistake == "blank_acuity":
            r["acuity"] = None
        elif mistake == "lower_cin":
            r["cin"] = str(r["cin"]).lower()
        elif mistake == "lower_acuity":
            r["acuity"] = str(r["acuity"]).lower()
        elif mistake == "missing_lcm" and "lcm_name" in r:
            r["lcm_name"] = None
        elif mistake == "duplicate_cin" and index > 0:
            r["cin"] = self.cins[index - 1]
        else:  # text_date: a date typed as text, as happens when a column is formatted as Text
            column = next((c for c in ("enrollment_start", "discontinuation_date", "dob") if r.get(c)), None)
            if column is not None:
                value = r[column]
                assert isinstance(value, dt.date)
                r[column] = f"{value.month}/{value.day}/{value.year}"



def rows_of(rows: int, seed: int = SEED, provider_npi: str = PROVIDER_NPI) -> Iterator[dict[str, object]]:
    """The generated rows, {column id: value}; about 1% carry one typical mistake."""
    rng = random.Random(seed)
    maker = RowMaker(rng, rows, provider_npi)
    for index in range(rows):
        row = maker.row(index)
        if rng.random() < 0.01:
            maker.add_mistake(row, index)
        yield row


_EXCEL_EPOCH = dt.date(1899, 12, 30)
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="RTF" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/>'
        '<Relationship Id="rId3" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>'
    ),
    "xl/styles.xml": (  # style 1 is the built-in short date format (numFmtId 14)
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        "</styleSheet>"
    ),
}


def write_files(xlsx: Path, csv_path: Path, headers: Sequence[str], columns: Sequence[str],
                rows: Iterator[dict[str, object]]) -> None:
    """Stream the rows into an xlsx workbook (one sheet, `RTF`) and the same rows into a CSV file."""
    strings: dict[str, int] = {}
    letters = [column_letter(i) for i in range(len(columns))]
    partial_xlsx, partial_csv = xlsx.with_suffix(".partial.xlsx"), csv_path.with_suffix(".partial.csv")
    with zipfile.ZipFile(partial_xlsx, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive, \
            partial_csv.open("w", newline="", encoding="utf-8") as csv_file:
        writer = csv.writer(csv_file)
        writer.writerow(headers)
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
                        b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            lines = [_row_xml(1, headers, letters, strings)]
            for number, row in enumerate(rows, start=2):
                values = [row.get(column) for column in columns]
                writer.writerow(["" if v is None else v.isoformat() if isinstance(v, dt.date) else v for v in values])
                lines.append(_row_xml(number, values, letters, strings))
                if len(lines) >= 2000:
                    sheet.write("".join(lines).encode())
                    lines.clear()
            sheet.write(("".join(lines) + "</sheetData></worksheet>").encode())
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as shared:
            shared.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.'
                         f'openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{len(strings)}">'.encode())
            texts = list(strings)
            for start in range(0, len(texts), 10000):
                shared.write("".join(f"<si><t>{escape(t)}</t></si>" for t in texts[start:start + 10000]).encode())
            shared.write(b"</sst>")
    partial_xlsx.replace(xlsx)
    partial_csv.replace(csv_path)


def _row_xml(number: int, values: Sequence[object], letters: Sequence[str], strings: dict[str, int]) -> str:
    cells = []
    for letter, value in zip(letters, values, strict=True):
        if value is None:
            continue
        if isinstance(value, str):
            index = strings.setdefault(value, len(strings))
            cells.append(f'<c r="{letter}{number}" t="s"><v>{index}</v></c>')
        elif isinstance(value, dt.date):
            cells.append(f'<c r="{letter}{number}" s="1"><v>{(value - _EXCEL_EPOCH).days}</v></c>')
        else:
            cells.append(f'<c r="{letter}{number}"><v>{value}</v></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def rtf_files(rows: int, cache: Path = CACHE_DIR) -> tuple[Path, Path]:
    """The cached workbook of `rows` rows and its CSV twin, written first when missing."""
    from calaimfiles.layouts import load_layout

    cache.mkdir(parents=True, exist_ok=True)
    stem = cache / f"rtf_{rows}_v{GENERATOR_VERSION}_seed{SEED}"
    xlsx, csv_path = stem.with_suffix(".xlsx"), stem.with_suffix(".csv")
    if not (xlsx.exists() and csv_path.exists()):
        layout = load_layout("RTF")
        write_files(xlsx, csv_path, [c.name for c in layout.columns], [c.id for c in layout.columns], rows_of(rows))
    return xlsx, csv_path


def folder(files: int, rows: int, cache: Path = CACHE_DIR) -> tuple[Path, Path]:
    """A folder of `files` RTFs of `rows` rows, one per provider (as a plan receives them in a month), and a
    folder of their CSV twins; written first when missing."""
    from calaimfiles.layouts import load_layout

    base = cache / f"folder_{files}x{rows}_v{GENERATOR_VERSION}_seed{SEED}"
    xlsx_dir, csv_dir = base / "xlsx", base / "csv"
    done = base / "complete"
    if not done.exists():
        layout = load_layout("RTF")
        headers, columns = [c.name for c in layout.columns], [c.id for c in layout.columns]
        for directory in (xlsx_dir, csv_dir):
            directory.mkdir(parents=True, exist_ok=True)
        for index in range(files):
            name = f"provider_{index:04d}_RTF"
            npi = npi_with_check_digit(f"1{index:08d}")
            write_files(xlsx_dir / f"{name}.xlsx", csv_dir / f"{name}.csv", headers, columns,
                        rows_of(rows, SEED + index, npi))
        done.touch()
    return xlsx_dir, csv_dir
