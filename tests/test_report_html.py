"""The HTML report: self-contained, free of member values unless asked, and working in a real browser.

The browser tests open the written page in Debian's headless Chromium and read back the DOM the page's own
script produced (the drawn bars, the rows the severity filter hid) and the console messages Chromium logs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from calaimfiles.findings import Finding, Severity
from calaimfiles.report import Run
from calaimfiles.report.html import render_html
from calaimfiles.validate import SheetResult, ValidationRequest, validate_file

ROOT = Path(__file__).resolve().parent.parent
MISTAKES = ROOT / "examples" / "rtf_mistakes.xlsx"
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install -y chromium)"
)


@pytest.fixture(scope="module")
def run() -> Run:
    return Run(validate_file(MISTAKES, ValidationRequest(as_of=dt.date(2026, 11, 5))))


class _Page(HTMLParser):
    """What the tests look at in a page: attributes of the bars of each chart and of the findings rows."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.bars: dict[str, list[dict[str, str | None]]] = {}
        self.rows: list[dict[str, str | None]] = []
        self.data = ""
        self._chart: str | None = None
        self._in_data = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "svg":
            self._chart = attributes.get("data-chart")
            self.bars[self._chart or ""] = []
        elif tag == "rect" and attributes.get("class") == "bar" and self._chart:
            self.bars[self._chart].append(attributes)
        elif tag == "tr" and "data-severity" in attributes:
            self.rows.append(attributes)
        self._in_data = attributes.get("id") == "findings-data"

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._chart = None
        self._in_data = False

    def handle_data(self, data: str) -> None:
        if self._in_data:
            self.data += data


def _open_in_chromium(page: Path, tmp_path: Path, fragment: str = "") -> tuple[str, list[str]]:
    """Load the page headless; returns the DOM after its scripts ran and the console lines Chromium logged."""
    result = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", "--enable-logging=stderr", "--v=0",
         "--virtual-time-budget=5000", "--dump-dom", page.as_uri() + fragment],
        capture_output=True, text=True, timeout=120, check=True,
    )
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    return result.stdout, console


def _write(tmp_path: Path, html: str, name: str = "report.html") -> Path:
    page = tmp_path / name
    page.write_text(html, encoding="utf-8")
    return page


def _member_names_and_cins() -> set[str]:
    sheet = openpyxl.load_workbook(MISTAKES, read_only=True)["RTF"]
    rows = sheet.iter_rows(min_row=3, min_col=3, max_col=5, values_only=True)
    return {str(value).strip() for row in rows for value in row if value}


def test_the_page_is_self_contained_escaped_and_free_of_member_values(run: Run) -> None:
    page = render_html(run, title="March <RTF> & co")
    assert page.startswith("<!DOCTYPE html>") and "<h1>March &lt;RTF&gt; &amp; co</h1>" in page
    for heading in ("Summary", "Findings by rule and by column", "Findings by rule", "Findings by column", "Findings"):
        assert f">{heading}</h" in page
    assert re.findall(r"\b(?:src|href)=\"[^\"]*\"", page) == ['href="data:,"']
    assert "default-src 'none'" in page
    parsed = _Page(page)
    assert len(parsed.rows) == len(run.findings()) == 26
    first_bar = {"label": "DATE-FORMAT", "title": "Date written in another format", "count": 3}
    assert json.loads(parsed.data)["rules"][0] == first_bar

    for value in _member_names_and_cins():
        assert not re.search(rf"\b{re.escape(value)}\b", page), value
    quoted = [escape(f.describe(True)) for f in run.findings() if f.member_data and f.value is not None]
    assert quoted and not any(text in page for text in quoted)
    assert escape("(found: '2026-10-31')") in page  # the production date is no member data
    shown = render_html(run, show_values=True)
    assert all(text in shown for text in quoted)


def test_text_from_a_workbook_cannot_end_the_data_block_or_add_markup() -> None:
    hostile = "</script><script>alert(1)</script><!--"
    finding = Finding("COLUMN-UNKNOWN", Severity.WARNING, f"The column '{hostile}' is unknown", row=1, cell="A1",
                      column=hostile, member_data=False)
    page = render_html(Run([SheetResult(Path("a&b.xlsx"), "RTF", hostile, 1, [finding])]))
    assert "<script>alert" not in page and "<!--" not in page
    assert json.loads(_Page(page).data)["columns"] == [{"label": hostile, "count": 1}]


def test_a_clean_run_says_so_and_has_no_charts() -> None:
    clean = Run([SheetResult(Path("clean.xlsx"), "RTF", "RTF", 4, [])], failures=[("bad.xlsx", "not a workbook")])
    page = render_html(clean)
    assert "No problems found." in page and "<svg" not in page and '<table id="findings"' not in page
    assert "<li>bad.xlsx: not a workbook</li>" in page


@needs_chromium
def test_the_browser_draws_a_bar_per_rule_and_per_column_without_console_messages(run: Run, tmp_path: Path) -> None:
    dom, console = _open_in_chromium(_write(tmp_path, render_html(run)), tmp_path)
    assert console == []
    bars = _Page(dom).bars
    findings = run.findings()
    assert len(bars["rules"]) == len({f.code for f in findings}) == 22
    assert len(bars["columns"]) == len({f.column for f in findings}) == 17
    assert all(float(bar["width"] or 0) > 0 for bar in bars["rules"] + bars["columns"])
    assert not any("hidden" in row for row in _Page(dom).rows)


@needs_chromium
def test_a_severity_fragment_hides_the_other_rows(run: Run, tmp_path: Path) -> None:
    dom, console = _open_in_chromium(_write(tmp_path, render_html(run)), tmp_path, "#severity=error")
    assert console == []
    rows = _Page(dom).rows
    assert {row["data-severity"] for row in rows if "hidden" not in row} == {"error"}
    assert sum(1 for row in rows if "hidden" in row) == run.warnings == 10
    assert "Showing 16 of 26 findings." in dom


@needs_chromium
def test_a_clean_run_and_hostile_text_load_without_console_messages(tmp_path: Path) -> None:
    hostile = "</script><script>console.log(1)</script>"
    finding = Finding("COLUMN-UNKNOWN", Severity.WARNING, hostile, row=1, cell="A1", column=hostile)
    runs = [Run([SheetResult(Path("clean.xlsx"), "RTF", "RTF", 4, [])]),
            Run([SheetResult(Path("odd.xlsx"), "RTF", hostile, 1, [finding])])]
    for index, each in enumerate(runs):
        dom, console = _open_in_chromium(_write(tmp_path, render_html(each), f"{index}.html"), tmp_path)
        assert console == [] and "</html>" in dom


@needs_chromium
def test_the_console_check_catches_a_broken_page(tmp_path: Path) -> None:
    broken = _write(tmp_path, "<!DOCTYPE html><title>broken</title><script>notDefined();</script>", "broken.html")
    _, console = _open_in_chromium(broken, tmp_path)
    assert len(console) == 1 and "Uncaught ReferenceError: notDefined is not defined" in console[0]
