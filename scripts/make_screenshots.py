"""Render the README's screenshots of the two reports from the shipped example.

Needs LibreOffice (`soffice`), poppler's `pdftoppm` and Debian's `chromium`:
    apt-get install libreoffice-calc-nogui poppler-utils chromium
    python scripts/make_screenshots.py            # writes docs/images/*.png
The annotated workbook is printed by LibreOffice (first columns of the RTF sheet, then the Findings sheet);
the HTML page is captured by headless chromium.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment
from openpyxl.worksheet.page import PageMargins

from calaimfiles.report import Run
from calaimfiles.report.annotated import write_annotated
from calaimfiles.report.html import render_html
from calaimfiles.validate import ValidationRequest, validate_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "rtf_mistakes.xlsx"
IMAGES = ROOT / "docs" / "images"
AS_OF = dt.date(2026, 11, 5)
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
]


def printable(annotated: Path, destination: Path) -> None:
    """One landscape page per sheet: the first 22 columns of the RTF (where most findings are), the Findings."""
    book = openpyxl.load_workbook(annotated)
    rtf = book["RTF"]
    for letter in "ABCDEFGHIJKLMNOPQRSTUV":
        rtf.column_dimensions[letter].width = 11
    for cell in rtf[2]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    rtf.row_dimensions[2].height = 60
    for sheet, area in (("RTF", "A1:V15"), ("Findings", "A1:H24")):
        ws = book[sheet]
        ws.print_area = area
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = 1
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.gridLines = ws.print_options.headings = True
        ws.page_margins = PageMargins(left=0.2, right=0.2, top=0.2, bottom=0.2)
    for ws in book.worksheets:
        if ws.title not in ("RTF", "Findings"):
            ws.sheet_state = "hidden"
    book.save(destination)


def main() -> None:
    for tool in ("soffice", "pdftoppm", "chromium"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install libreoffice-calc-nogui poppler-utils chromium")
    IMAGES.mkdir(parents=True, exist_ok=True)
    results = validate_file(EXAMPLE, ValidationRequest(as_of=AS_OF))
    with tempfile.TemporaryDirectory(dir=IMAGES) as work_dir:
        work = Path(work_dir)
        write_annotated(EXAMPLE, results, work / "annotated.xlsx")
        printable(work / "annotated.xlsx", work / "print.xlsx")
        subprocess.run(["soffice", "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(work),
                        str(work / "print.xlsx")], check=True, capture_output=True)
        # The printed rows fill the top of each landscape page (1210 px wide at 110 dpi): keep just that band.
        for page, height, name in ((1, 240, "annotated-rtf"), (2, 310, "annotated-findings")):
            subprocess.run(["pdftoppm", "-png", "-singlefile", "-r", "110", "-f", str(page), "-l", str(page),
                            "-x", "0", "-y", "0", "-W", "1210", "-H", str(height),
                            str(work / "print.pdf"), str(IMAGES / name)], check=True)
        page = work / "report.html"
        page.write_text(render_html(Run(results=results)), encoding="utf-8")
        subprocess.run(["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={work / 'profile'}", "--window-size=1100,1500",
                        f"--screenshot={IMAGES / 'report-html.png'}", page.as_uri()], check=True, capture_output=True)
    print(f"wrote {', '.join(sorted(p.name for p in IMAGES.glob('*.png')))} in {IMAGES}")


if __name__ == "__main__":
    main()
