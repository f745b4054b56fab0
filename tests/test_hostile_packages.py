"""`fix` and `convert` on real processes with packages and values a careless tool would mangle: end tags
written with a space (`</row >`, valid XML), members named to escape the folder they are unpacked into, and
text with spaces around it, which a conversion must not change."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
from builders import cell, column_names, rtf_cells, save_book

AS_OF = "2026-03-05"
TIMEOUT = 300


def calaimfiles(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "calaimfiles", *map(str, args)], capture_output=True, text=True,
                          timeout=TIMEOUT)


def rewrite(path: Path, change: dict[str, bytes | None], extra: dict[str, bytes] | None = None) -> None:
    """Rewrite the package with some parts replaced (None keeps them) and extra members appended."""
    with zipfile.ZipFile(path) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, change.get(name) or data)
        for name, data in (extra or {}).items():
            package.writestr(zipfile.ZipInfo(name), data)


def lowercase_cin(path: Path) -> Path:
    return save_book(path, {"RTF": [column_names("RTF"), rtf_cells(cin="91234567a"), rtf_cells(cin="91234568b")]})


def test_fix_reads_end_tags_written_with_white_space(tmp_path: Path) -> None:
    source = lowercase_cin(tmp_path / "rtf.xlsx")
    with zipfile.ZipFile(source) as package:
        sheet = package.read("xl/worksheets/sheet1.xml")
    spaced = sheet.replace(b"</c>", b"</c >").replace(b"</row>", b"</row\n >")
    assert spaced != sheet
    rewrite(source, {"xl/worksheets/sheet1.xml": spaced})

    result = calaimfiles("fix", source, "-o", tmp_path / "fixed.xlsx", "--as-of", AS_OF)

    assert result.returncode == 0, (result.stdout, result.stderr)
    fixed = openpyxl.load_workbook(tmp_path / "fixed.xlsx").active
    assert (fixed[cell("RTF", "cin", 2)].value, fixed[cell("RTF", "cin", 3)].value) == ("91234567A", "91234568B")
    original = openpyxl.load_workbook(source).active
    for column in ("last_name", "first_name", "dob", "status"):  # the cells around the fixes are intact
        assert fixed[cell("RTF", column, 3)].value == original[cell("RTF", column, 3)].value


def test_fix_leaves_out_members_named_to_escape_the_folder(tmp_path: Path) -> None:
    source = lowercase_cin(tmp_path / "rtf.xlsx")
    escaping = ["../../x", "/tmp/x", "xl/../../y", "C:/z"]
    rewrite(source, {}, {name: b"planted" for name in escaping})

    result = calaimfiles("fix", source, "-o", tmp_path / "fixed.xlsx", "--as-of", AS_OF)

    assert result.returncode == 0, (result.stdout, result.stderr)
    with zipfile.ZipFile(tmp_path / "fixed.xlsx") as package:
        names = package.namelist()
    assert not set(escaping) & set(names) and "xl/worksheets/sheet1.xml" in names
    notes = [line for line in result.stderr.splitlines() if "left out the package member" in line]
    assert [re.search(r"member '([^']*)'", line).group(1) for line in notes] == escaping  # type: ignore[union-attr]


SPACED = {"last_name": " Testperson  ", "city": "  Sacramento", "lcm_name": "Casey Coordinator ",
          "address": "@SUM(1+1)"}


def spaced_rtf(path: Path) -> Path:
    return save_book(path, {"RTF": [column_names("RTF"), rtf_cells(**SPACED)]})


def test_convert_keeps_the_spaces_around_text(tmp_path: Path) -> None:
    source = spaced_rtf(tmp_path / "rtf.xlsx")
    for to in ("json", "csv", "xlsx"):
        result = calaimfiles("convert", source, "--to", to)
        assert result.returncode == 0, result.stderr

    record = json.loads((tmp_path / "rtf.json").read_text(encoding="utf-8"))["records"][0]
    assert record["Member Last Name"] == " Testperson  "
    assert record["Member Residential City"] == "  Sacramento"
    assert record["ECM Lead Care Manager Name"] == "Casey Coordinator "

    with (tmp_path / "rtf.csv").open(encoding="utf-8-sig", newline="") as handle:
        header, row = list(csv.reader(handle))
    values = dict(zip(header, row, strict=True))
    assert values["Member Last Name"] == " Testperson  " and values["Member Residential City"] == "  Sacramento"
    assert values["Member Residential Address"] == "'@SUM(1+1)"  # a spreadsheet would run it: still guarded

    book = openpyxl.load_workbook(tmp_path / "rtf.converted.xlsx").active
    assert book[cell("RTF", "last_name", 2)].value == " Testperson  "
    assert book[cell("RTF", "city", 2)].value == "  Sacramento"
