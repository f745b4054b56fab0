"""`calaimfiles serve` in a real browser: Debian's chromium driven by Playwright, against the server started as a
user starts it (a subprocess of `python -m calaimfiles serve`), with a real OpenSSH server for the sFTP steps.

One server, one browser and one sshd for the module; each test gets a fresh browser context (its own cookies).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)", allow_module_level=True)

import hostile  # noqa: E402
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402
from serving import AS_OF, LIMIT_MB, Served, start_server, stop_server  # noqa: E402
from sshd import SshServer  # noqa: E402
from test_sftp import write_config  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory, sshd: SshServer) -> Path:
    """The provider's folder the server runs in: a configuration file with sFTP profiles and a trusted host key."""
    folder = tmp_path_factory.mktemp("office")
    (folder / "known_hosts").write_text(sshd.known_hosts_line())
    write_config(folder, sshd)
    return folder


@pytest.fixture(scope="module")
def served(office: Path) -> Iterator[Served]:
    server = start_server(office)
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    fresh = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    fresh.set_default_timeout(10_000)
    try:
        yield fresh
    finally:
        fresh.close()


@pytest.fixture
def page(context: BrowserContext, served: Served) -> Page:
    opened = context.new_page()
    opened.goto(served.url)
    expect(opened.locator("h1")).to_contain_text("Check your CalAIM files")
    return opened


def check_files(page: Page, *paths: Path) -> None:
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/")
    page.set_input_files("#files", [str(p) for p in paths])
    with page.expect_navigation():
        page.get_by_role("button", name="Check", exact=True).click()


# --- check and fix ---------------------------------------------------------------------------------------------


def cli_findings(path: Path, *partners: Path) -> list[dict[str, Any]]:
    """What `calaimfiles validate --format json` finds in `path` (checked in a folder with `partners`): the page
    must agree with the command line, whatever the examples hold."""
    with tempfile.TemporaryDirectory() as folder:
        for each in (path, *partners):
            shutil.copy(each, folder)
        run = subprocess.run([sys.executable, "-m", "calaimfiles", "validate", folder, "--as-of", AS_OF,
                              "--format", "json"], capture_output=True, text=True, timeout=120)
    return [finding for entry in json.loads(run.stdout)["files"] if Path(entry["path"]).name == path.name
            for finding in entry["findings"]]


def count(findings: list[dict[str, Any]], severity: str) -> int:
    return sum(1 for finding in findings if finding["severity"] == severity)


def cli_summary(path: Path, *partners: Path) -> str:
    """The page's summary line for `path`, worded from the command line's findings."""
    findings = cli_findings(path, *partners)
    fixable = sum(1 for finding in findings if finding["fixable"])
    return f"{count(findings, 'error')} errors, {count(findings, 'warning')} warnings ({fixable} fixable)"


def test_the_token_is_traded_for_a_cookie_and_leaves_the_address(page: Page, served: Served) -> None:
    assert "token" not in page.url
    response = page.request.get(served.origin + "/")
    assert response.status == 200
    assert response.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_the_start_page_lists_the_coming_deadlines(page: Page) -> None:
    today = page.locator("#calendar tbody tr").filter(has_text="RTF and OTF for period 10/2026 due").first
    expect(today).to_contain_text("Thu 11/05/2026")
    expect(today).to_contain_text("today")
    expect(page.locator("#calendar tbody tr").filter(has_text="last day the plan accepts them").first).to_contain_text(
        "Tue 11/10/2026")


def test_a_workbook_dropped_on_the_page_is_checked(page: Page) -> None:
    data = base64.b64encode((EXAMPLES / "rtf_mistakes.xlsx").read_bytes()).decode()
    transfer = page.evaluate_handle("""(data) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], "rtf_mistakes.xlsx"));
        return transfer;
    }""", data)
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": transfer})
    expect(page.locator("[data-dropzone] p[aria-live]")).to_have_text("Chosen: rtf_mistakes.xlsx")
    with page.expect_navigation():
        page.keyboard.press("Tab")  # the keyboard alone: from the file field to the Check button
        page.locator("#files").focus()
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Check", exact=True)).to_be_focused()
        page.keyboard.press("Enter")
    expect(page.locator(".summary")).to_contain_text(cli_summary(EXAMPLES / "rtf_mistakes.xlsx"))


def test_the_plan_profile_is_chosen_from_a_list(page: Page) -> None:
    page.get_by_label("Plan profile").select_option("large-plan")
    with page.expect_navigation():
        page.get_by_role("button", name="Use").click()
    expect(page.get_by_label("Plan profile")).to_have_value("large-plan")
    check_files(page, EXAMPLES / "rtf_clean.xlsx")  # the large plan's RTF has other columns
    expect(page.locator(".summary")).not_to_contain_text("no problems found")
    page.goto(page.url.split("/files", 1)[0] + "/")
    page.get_by_label("Plan profile").select_option("")
    with page.expect_navigation():
        page.get_by_role("button", name="Use").click()
    expect(page.get_by_label("Plan profile")).to_have_value("")


def test_check_shows_findings_by_row_and_flags_cells(page: Page) -> None:
    check_files(page, EXAMPLES / "rtf_mistakes.xlsx")
    expect(page.locator("h1")).to_have_text("rtf_mistakes.xlsx")
    expect(page.locator(".summary")).to_contain_text(cli_summary(EXAMPLES / "rtf_mistakes.xlsx"))
    row = page.locator("tr.finding", has=page.locator("a", has_text="R3")).first
    expect(row).to_contain_text("Member Acuity Level is required but blank")
    expect(row).to_contain_text("RTF-R4")
    # The flagged cell is drawn red with an icon and a word, and leads to its finding and back.
    cell = page.locator("td[data-cell='R3']")
    expect(cell).to_have_class(re.compile(r"flag-error"))
    expect(cell).to_contain_text("✖")
    row.get_by_role("link", name="R3").click()
    expect(page).to_have_url(re.compile(r"#c0-0-R3$"))
    expect(cell.locator("a")).to_be_focused()
    cell.locator("a").click()
    expect(page).to_have_url(re.compile(r"#f0-0-\d+$"))
    expect(page.locator(page.url.rsplit("#", 1)[1].join(["[id='", "']"]))).to_contain_text("RTF-R4")
    warning = page.locator("td[data-cell='O4']")
    expect(warning).to_have_class(re.compile(r"flag-warning"))
    expect(warning).to_contain_text("⚠")
    # The code links to its explanation.
    row.get_by_role("link", name="RTF-R4").click()
    expect(page).to_have_url(re.compile(r"/rules#RTF-R4$"))
    expect(page.locator("[id='RTF-R4']")).to_contain_text("Member Acuity Level")


def test_filters_by_severity_rule_and_column(page: Page) -> None:
    findings = cli_findings(EXAMPLES / "rtf_mistakes.xlsx")
    dates = sum(1 for finding in findings if finding["code"] == "DATE-FORMAT")
    acuity = sum(1 for finding in findings if "acuity" in (finding["column"] or "").lower())
    assert dates > 1 and acuity > 1  # the example holds what the filters are tried on
    check_files(page, EXAMPLES / "rtf_mistakes.xlsx")
    expect(page.locator("#findings-0-0 tbody tr")).to_have_count(len(findings))
    page.get_by_label("Severity").select_option("warning")
    expect(page.locator("#findings-0-0 tbody tr:visible")).to_have_count(count(findings, "warning"))
    page.get_by_label("Severity").select_option("")
    page.get_by_label("Code").select_option("DATE-FORMAT")
    expect(page.locator("#findings-0-0 tbody tr:visible")).to_have_count(dates)
    page.get_by_label("Code").select_option("")
    page.get_by_label("Column contains").fill("acuity")
    expect(page.locator("#findings-0-0 tbody tr:visible")).to_have_count(acuity)
    expect(page.locator("form.filters output")).to_have_text(f"{acuity} of {len(findings)} findings shown")


def test_each_sheet_of_a_workbook_has_its_summary_findings_and_grid(page: Page, tmp_path: Path) -> None:
    both = openpyxl.Workbook()
    both.remove(both.active)
    for name in ("rtf_mistakes", "otf_mistakes"):
        source = openpyxl.load_workbook(EXAMPLES / f"{name}.xlsx").worksheets[0]
        sheet = both.create_sheet(source.title)
        for row in source.iter_rows(values_only=True):
            sheet.append(list(row))
    both.save(tmp_path / "both.xlsx")
    check_files(page, tmp_path / "both.xlsx")
    headings = page.locator("section.sheet h3")
    expect(headings).to_have_count(2)
    expect(headings.nth(0)).to_contain_text("RTF, sheet “RTF”")
    expect(headings.nth(1)).to_contain_text("OTF, sheet “OTF”")
    page.locator("#code-0-1").select_option("OTF-O1")
    expect(page.locator("#findings-0-1 tbody tr:visible")).to_have_count(1)
    expect(page.locator("#findings-0-0 tbody tr:visible")).not_to_have_count(0)  # the other sheet's list is as it was
    expect(page.locator("#grid-0-1 td[data-cell='L3']")).to_have_class(re.compile("flag-warning"))  # 12.5 minutes


def test_fix_downloads_the_fixed_workbook_and_shows_each_change(page: Page, tmp_path: Path) -> None:
    source = EXAMPLES / "rtf_mistakes.xlsx"
    before = source.read_bytes()
    fixable = sum(1 for finding in cli_findings(source) if finding["fixable"])
    check_files(page, source)
    with page.expect_download() as info:  # one button: the fixes applied, the fixed workbook downloaded
        page.get_by_role("button", name=f"Apply the {fixable} safe fixes and download rtf_mistakes.fixed.xlsx").click()
    expect(page.locator("h1")).to_have_text("Fixes applied to a copy of rtf_mistakes.xlsx")
    changes = page.locator("#changes tbody tr")
    expect(changes.filter(has_text="C4")).to_contain_text("'90000002b'")
    expect(changes.filter(has_text="C4")).to_contain_text("'90000002B'")
    assert changes.filter(has_text="D8").locator("td").nth(2).text_content() == "'Demoperson '"  # the stray space
    assert info.value.suggested_filename == "rtf_mistakes.fixed.xlsx"
    saved = tmp_path / "fixed.xlsx"
    info.value.save_as(saved)
    with page.expect_download() as again:
        page.get_by_role("link", name="Download rtf_mistakes.fixed.xlsx again").click()
    assert Path(again.value.path()).read_bytes() == saved.read_bytes()
    sheet = openpyxl.load_workbook(saved)["RTF"]
    assert sheet["C4"].value == "90000002B"
    assert sheet["R9"].value == "Low"
    assert sheet["R3"].value == "Low"  # RTF-R4's safe fix: a blank acuity is entered as Low
    original = openpyxl.load_workbook(source)["RTF"]
    assert sheet["C11"].value == original["C11"].value  # a CIN of 7 digits has no safe fix
    assert source.read_bytes() == before


def test_annotated_workbook_and_html_report_download(page: Page, tmp_path: Path) -> None:
    check_files(page, EXAMPLES / "rtf_mistakes.xlsx")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the marked-up workbook").click()
    assert info.value.suggested_filename == "rtf_mistakes.annotated.xlsx"
    info.value.save_as(tmp_path / "annotated.xlsx")
    book = openpyxl.load_workbook(tmp_path / "annotated.xlsx")
    assert "Findings" in book.sheetnames
    assert book["RTF"]["R3"].comment is not None
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the HTML report").click()
    info.value.save_as(tmp_path / "report.html")
    assert "RTF-R4" in (tmp_path / "report.html").read_text()


# --- files together, build, compare -----------------------------------------------------------------------------


def test_files_added_together_are_paired_like_a_folder(page: Page) -> None:
    check_files(page, EXAMPLES / "rtf_mistakes.xlsx", EXAMPLES / "mif_clean.xlsx")
    rtf = page.locator("section.file[data-file='rtf_mistakes.xlsx']")
    expect(rtf.locator(".summary")).to_contain_text(
        cli_summary(EXAMPLES / "rtf_mistakes.xlsx", EXAMPLES / "mif_clean.xlsx"))
    expect(rtf.locator(".summary")).to_contain_text("checked with mif_clean.xlsx")
    expect(rtf.locator("tr.finding[data-code='RTF-MIF-MISSING']")).to_contain_text("Row 10 of mif_clean.xlsx")
    expect(page.locator("section.file[data-file='mif_clean.xlsx'] .summary")).to_contain_text("no problems found")


def test_check_together_chosen_on_the_page(page: Page) -> None:
    check_files(page, EXAMPLES / "rtf_mistakes.xlsx")
    check_files(page, EXAMPLES / "mif_clean.xlsx")
    page.goto(page.url.split("/files", 1)[0] + "/")
    form = page.locator("form.together")
    form.get_by_label("Return file (RTF or CSPRTF)").select_option(label="rtf_mistakes.xlsx")
    form.get_by_label("The plan's file it answers (MIF or CSASF)").select_option(label="mif_clean.xlsx")
    form.get_by_role("button", name="Check together").click()
    expect(page.locator(".summary")).to_contain_text("checked with mif_clean.xlsx")
    expect(page.locator("tr.finding[data-code='RTF-MIF-MISSING']")).to_have_count(1)


def test_an_rtf_checked_with_its_outreach_tracker(page: Page) -> None:
    check_files(page, EXAMPLES / "rtf_clean.xlsx")
    check_files(page, EXAMPLES / "otf_mistakes.xlsx")
    page.goto(page.url.split("/files", 1)[0] + "/")
    form = page.locator("form.together")
    form.get_by_label("Return file (RTF or CSPRTF)").select_option(label="rtf_clean.xlsx")
    form.locator("li", has_text="otf_mistakes.xlsx").last.get_by_role("checkbox").check()
    form.get_by_role("button", name="Check together").click()
    expect(page.locator(".summary")).to_contain_text("checked with otf_mistakes.xlsx")
    counts = page.locator("tr.finding[data-code='RTF-OTF-COUNTS']")
    expect(counts).to_have_count(2)
    expect(counts.first).to_contain_text("Telephonic/Video is 4, but the OTF lists 3 attempts")


def data_rows(path: Path, sheet: str) -> list[tuple[object, ...]]:
    rows = list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))
    return [row for row in rows[1:] if any(value not in (None, "") for value in row)]


def test_build_an_rtf_from_the_mif(page: Page, served: Served, tmp_path: Path) -> None:
    page.goto(served.origin + "/build")
    page.get_by_label("The plan's MIF of the month").set_input_files(str(EXAMPLES / "mif_clean.xlsx"))
    page.get_by_label("The ECM provider's phone number").fill("916 555 0199")
    page.get_by_role("button", name="Draft the RTF").click()
    expect(page.locator("h1")).to_have_text("rtf_2026-10.xlsx is ready to finish in Excel")
    expect(page.locator("main")).to_contain_text("RTF, 12 rows (1 termed member left out)")
    expect(page.locator("#left tbody tr").filter(has_text="RTF-R4")).to_contain_text("rows 2, 7-11, 13")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download rtf_2026-10.xlsx").click()
    info.value.save_as(tmp_path / "drafted.xlsx")
    cli = tmp_path / "cli.xlsx"
    subprocess.run([sys.executable, "-m", "calaimfiles", "build", "rtf", "--from", str(EXAMPLES / "mif_clean.xlsx"),
                    "--as-of", AS_OF, "--provider-phone", "9165550199", "-o", str(cli)], check=True,
                   capture_output=True)
    assert data_rows(tmp_path / "drafted.xlsx", "RTF") == data_rows(cli, "RTF")


def test_build_a_csprtf_from_the_csasf_and_an_otf_from_the_mif(page: Page, served: Served, tmp_path: Path) -> None:
    page.goto(served.origin + "/build")
    page.get_by_label("The plan's latest CSASF").set_input_files(str(EXAMPLES / "csasf_clean.xlsx"))
    page.get_by_role("button", name="Draft the CSPRTF").click()
    expect(page.locator("h1")).to_have_text("csprtf_2026-10.xlsx is ready to finish in Excel")
    expect(page.locator("main")).to_contain_text("CSPRTF, 10 rows (1 resolved authorization left out)")
    status = page.locator("#left tbody tr").filter(has_text="REQUIRED").filter(has_text="Member CS Status")
    expect(status).to_contain_text("rows 2-11")
    page.goto(served.origin + "/build")
    page.get_by_label("The MIF or RTF of the month the outreach belongs to").set_input_files(
        str(EXAMPLES / "mif_clean.xlsx"))
    page.get_by_role("button", name="Make the OTF").click()
    expect(page.locator("h1")).to_have_text("otf_2026-10.xlsx is ready to finish in Excel")
    expect(page.locator("#left")).to_contain_text("FILE-NO-ROWS")


def test_download_a_template(page: Page, served: Served, tmp_path: Path) -> None:
    page.goto(served.origin + "/build")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSPRTF template").click()
    assert info.value.suggested_filename == "csprtf_template.xlsx"
    info.value.save_as(tmp_path / "template.xlsx")
    book = openpyxl.load_workbook(tmp_path / "template.xlsx")
    assert "Instructions" in book.sheetnames
    assert data_rows(tmp_path / "template.xlsx", book.sheetnames[0]) == []


def test_compare_months_as_the_diff_does(page: Page, served: Served) -> None:
    page.goto(served.origin + "/compare")
    page.get_by_label("Files of one layout, one per month (two or more)").set_input_files(
        [str(EXAMPLES / "rtf_clean.xlsx"), str(EXAMPLES / "rtf_mistakes.xlsx")])
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#counts-1")).to_have_text("1 added, 1 removed, 8 changed, 0 flagged")
    expect(page.locator("table.changes")).to_contain_text("Member Acuity Level: Low → (blank)")


# --- send and fetch --------------------------------------------------------------------------------------------


def test_send_shows_the_dry_run_then_uploads_after_confirmation(page: Page, served: Served, sshd: SshServer) -> None:
    check_files(page, EXAMPLES / "rtf_clean.xlsx")
    page.get_by_role("link", name="Send to the plan…").click()
    page.get_by_label("Plan's server").select_option("plan")
    page.get_by_role("button", name="Show what would happen").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text(f"[127.0.0.1]:{sshd.port}:{sshd.root / 'inbound' / 'rtf_clean.xlsx'}")
    expect(preview).to_contain_text("would create the file on the server")
    expect(preview).to_contain_text("RTF for 10/2026: due 11/05/2026, accepted until 11/10/2026")
    expect(preview).to_contain_text("no problems found")
    assert not (sshd.root / "inbound" / "rtf_clean.xlsx").exists()  # a preview sends nothing
    page.get_by_role("button", name="Send now").click()  # without the confirmation ticked: the browser stops it
    assert page.locator("#send-confirm").evaluate("box => box.validity.valueMissing")
    form = {field: page.locator(f"#confirm-form [name='{field}']").get_attribute("value") or ""
            for field in ("csrf", "action", "profile", "period", "replace")}
    unconfirmed = page.request.post(page.url, multipart=form)  # and the server asks for it too
    assert unconfirmed.status == 400
    assert "Tick the confirmation" in unconfirmed.text()
    assert not (sshd.root / "inbound" / "rtf_clean.xlsx").exists()
    page.get_by_label(re.compile("I have checked rtf_clean.xlsx")).check()
    page.get_by_role("button", name="Send now").click()
    expect(page.locator("#result")).to_contain_text("Uploaded rtf_clean.xlsx")
    assert (sshd.root / "inbound" / "rtf_clean.xlsx").read_bytes() == (EXAMPLES / "rtf_clean.xlsx").read_bytes()
    page.get_by_role("link", name="See the upload log").click()
    row = page.locator("#upload-log tbody tr").filter(has_text="rtf_clean.xlsx").first
    expect(row).to_contain_text("plan (reference)")
    expect(row).to_contain_text("uploaded")
    page.goto(served.origin + "/")
    glance = page.locator("#glance tbody tr").filter(has_text="RTF and OTF for 10/2026")
    expect(glance.first).to_contain_text("RTF: rtf_clean.xlsx on")
    expect(glance.first).to_contain_text("OTF due today")


def test_a_file_with_errors_is_refused_before_sending(page: Page, sshd: SshServer) -> None:
    check_files(page, EXAMPLES / "rtf_mistakes.xlsx")
    page.get_by_role("link", name="Send to the plan…").click()
    page.get_by_role("button", name="Show what would happen").click()
    expect(page.locator("#preview")).to_contain_text("would be refused")
    errors = count(cli_findings(EXAMPLES / "rtf_mistakes.xlsx"), "error")
    expect(page.locator("#preview")).to_contain_text(f"{errors} errors")
    assert not (sshd.root / "inbound" / "rtf_mistakes.xlsx").exists()


def test_fetch_the_plans_new_files(page: Page, served: Served, sshd: SshServer, office: Path) -> None:
    shutil.copy(EXAMPLES / "mif_clean.xlsx", sshd.root / "outbound" / "mif_2026-10.xlsx")
    page.goto(served.origin + "/log")
    page.get_by_label("Plan's server").select_option("plan")
    page.get_by_role("button", name="Fetch new files").click()
    row = page.locator("#fetched tbody tr").filter(has_text="mif_2026-10.xlsx")
    expect(row).to_contain_text("no problems found")
    assert (office / "calaim" / "mif_2026-10.xlsx").read_bytes() == (EXAMPLES / "mif_clean.xlsx").read_bytes()
    page.goto(served.origin + "/log")
    page.get_by_role("button", name="Fetch new files").click()
    expect(page.locator("main")).to_contain_text("Nothing new")


def test_a_login_the_server_refuses_is_said_in_one_sentence(page: Page) -> None:
    check_files(page, EXAMPLES / "rtf_clean.xlsx")
    page.get_by_role("link", name="Send to the plan…").click()
    page.get_by_label("Plan's server").select_option("stranger")
    page.get_by_role("button", name="Show what would happen").click()
    expect(page.locator("#problem")).to_contain_text("refused the login")


def test_the_servers_key_is_checked_and_trusted_on_the_page(browser: Browser, sshd: SshServer,
                                                            tmp_path: Path) -> None:
    """A profile whose known_hosts does not know the server yet: refused, then trusted on the page."""
    write_config(tmp_path, sshd, known_hosts="new_known_hosts")
    expected = subprocess.run(["ssh-keygen", "-lf", f"{sshd.host_key}.pub"], capture_output=True, text=True,
                              check=True).stdout.split()[1]
    server = start_server(tmp_path)
    context = browser.new_context()
    context.set_default_timeout(10_000)
    try:
        opened = context.new_page()
        opened.goto(server.url)
        opened.get_by_role("link", name="Send and fetch").click()
        opened.get_by_label("Plan's server").select_option("plan")
        opened.get_by_role("button", name="Fetch new files").click()
        expect(opened.locator("#problem")).to_contain_text("is not in")
        opened.get_by_role("link", name="Check the server's key on the page").click()
        expect(opened.locator("#offered")).to_contain_text(expected)
        opened.get_by_label(re.compile("The plan gave me the fingerprint")).check()
        opened.get_by_role("button", name="Trust this key").click()
        expect(opened.locator("#recorded")).to_contain_text("Recorded")
        assert f"[127.0.0.1]:{sshd.port} ssh-ed25519" in (tmp_path / "new_known_hosts").read_text()
        opened.goto(server.origin + "/log")
        opened.get_by_role("button", name="Fetch new files").click()
        expect(opened.locator("h1")).to_have_text("New files from plan")
    finally:
        context.close()
        stop_server(server)


def test_every_control_is_labelled_and_nothing_is_loaded_from_elsewhere(page: Page, served: Served) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    check_files(page, EXAMPLES / "rtf_mistakes.xlsx")
    results = page.url.split(served.origin, 1)[1]
    file_id = page.locator("a", has_text="Send to the plan…").get_attribute("href")
    for path in ("/", "/build", "/compare", "/log", "/rules", "/trust?profile=plan", results, str(file_id)):
        page.goto(served.origin + path)
        unlabelled = page.evaluate("""() => Array.from(document.querySelectorAll(
            'input:not([type=hidden]), select, textarea')).filter((c) => !c.labels.length
            && !c.getAttribute('aria-label')).map((c) => c.outerHTML)""")
        assert unlabelled == [], path
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Skip to the page's content")
    assert any(url.endswith("/static/app.js") for url in requested)
    assert not [text for text in console if "Content Security Policy" in text]  # nothing the policy had to stop
    assert all(url.startswith(served.origin + "/") for url in requested), requested


# --- refusals --------------------------------------------------------------------------------------------------


def test_hostile_files_of_the_corpus_are_refused_with_the_cli_sentence(page: Page, tmp_path: Path) -> None:
    """Every file of the hardening corpus that the CLI refuses (tests/hostile.py), dropped on the page together:
    each is "not checked" for the reason the CLI gives, and no member name planted in a cell reaches the page."""
    files = {}
    for number, case in enumerate(hostile.CASES):
        if case.refused is True and not case.known_failure:
            folder = tmp_path / f"case{number}"
            folder.mkdir()
            path = case.build(folder)
            if path.stat().st_size < (LIMIT_MB << 20) // 4:  # the test server's upload limit, for all together
                files[path] = case
    assert len(files) > 30 and {path.suffix for path in files} == {".xlsx", ".ods", ".xlsb", ".xls", ".csv"}
    names = [path.name for path in files]
    assert len(set(names)) == len(names)
    check_files(page, *files)
    for path, case in files.items():
        summary = page.locator(f"section.file[data-file='{path.name}'] .summary")
        expect(summary).to_contain_text("not checked: ")
        expect(summary).to_contain_text(case.reason)
    assert hostile.MEMBER_NAME not in page.content()


def test_an_oversized_upload_is_refused_with_one_sentence(page: Page, tmp_path: Path, served: Served) -> None:
    big = tmp_path / "big.xlsx"
    big.write_bytes(os.urandom((LIMIT_MB + 1) << 20))
    before = set(served.folder.rglob("*"))
    check_files(page, big)
    expect(page.locator("#refusal")).to_contain_text(f"above this server's limit of {LIMIT_MB} MB")
    assert set(served.folder.rglob("*")) == before  # nothing of it was kept


def test_no_token_and_a_wrong_token_are_refused(context: BrowserContext, served: Served) -> None:
    opened = context.new_page()
    response = opened.goto(served.origin + "/")
    assert response is not None and response.status == 403
    expect(opened.locator("#refusal")).to_contain_text("needs the address that calaimfiles serve printed")
    response = opened.goto(served.origin + "/?token=not-the-token")
    assert response is not None and response.status == 403
    expect(opened.locator("#refusal")).to_contain_text("not this server's")
    for path in ("/static/app.js", "/rules", "/files?ids=x"):
        assert opened.request.get(served.origin + path).status == 403


def test_a_form_posted_from_another_site_is_refused(page: Page, context: BrowserContext, served: Served,
                                                    tmp_path: Path) -> None:
    """A page elsewhere (here: a file on disk) that posts a form to the server, in the browser that holds the
    cookie: refused, and nothing is stored."""
    before = set(served.folder.rglob("*"))
    attack = tmp_path / "attack.html"
    attack.write_text(f'<form id="f" method="post" action="{served.origin}/plan">'
                      '<input name="plan" value="large-plan"><input name="csrf" value="guess"></form>'
                      '<script>document.getElementById("f").submit()</script>')
    other = context.new_page()
    with other.expect_navigation():
        other.goto(attack.as_uri())
    expect(other.locator("#refusal")).to_contain_text("Refused")
    page.reload()
    expect(page.get_by_label("Plan profile")).to_have_value("")
    # The same form without a page's CSRF value, sent from the page's own origin, is refused as well.
    response = page.request.post(served.origin + "/plan", form={"plan": "large-plan", "csrf": "guess"})
    assert response.status == 403
    assert set(served.folder.rglob("*")) == before


# --- the server's life -----------------------------------------------------------------------------------------


def test_a_second_server_finds_its_own_port_and_ctrl_c_stops_it_in_one_line(
        browser: Browser, served: Served, office: Path) -> None:
    second = start_server(office)
    assert second.origin != served.origin
    assert second.folder != served.folder
    assert oct(second.folder.stat().st_mode & 0o777) == "0o700"
    context = browser.new_context()
    try:
        opened = context.new_page()
        opened.goto(second.url)
        opened.set_input_files("#files", str(EXAMPLES / "rtf_mistakes.xlsx"))
        opened.get_by_role("button", name="Check", exact=True).click()
        opened.get_by_role("button", name=re.compile("Apply the")).click()
        expect(opened.locator("#changes")).to_contain_text("Demoperson")
        assert list(second.folder.rglob("rtf_mistakes.xlsx"))
        assert list(second.folder.rglob("rtf_mistakes.fixed.xlsx"))
        code, log = stop_server(second)
        # The whole log after the start: one line, none of the member values the page showed.
        assert code == 0
        assert log == ["calaimfiles serve: stopped; the files added on the page were removed"]
        assert not second.folder.exists()
        with pytest.raises(Exception, match=r"ERR_CONNECTION_REFUSED|ECONNREFUSED"):
            opened.reload()
    finally:
        context.close()


def test_files_are_removed_after_the_idle_time(browser: Browser, office: Path) -> None:
    quick = start_server(office, "--idle-minutes", "0.05")  # 3 seconds
    context = browser.new_context()
    try:
        opened = context.new_page()
        opened.goto(quick.url)
        opened.set_input_files("#files", str(EXAMPLES / "rtf_clean.xlsx"))
        opened.get_by_role("button", name="Check", exact=True).click()
        expect(opened.locator(".summary")).to_contain_text("no problems found")
        assert list(quick.folder.rglob("*.xlsx"))
        deadline = time.monotonic() + 20
        while list(quick.folder.rglob("*.xlsx")) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not list(quick.folder.rglob("*.xlsx"))
        assert quick.folder.exists()  # the folder stays, empty, for the next files
        opened.goto(quick.origin + "/")
        expect(opened.locator("main")).to_contain_text("removed after 0.05 minutes without use")
    finally:
        context.close()
        stop_server(quick)


def test_the_browser_is_opened_at_the_address_with_its_token(tmp_path: Path, office: Path) -> None:
    opened = tmp_path / "opened.txt"
    fake = tmp_path / "fake-browser"
    fake.write_text(f'#!/bin/sh\necho "$1" > "{opened}"\n')
    fake.chmod(0o755)
    server = start_server(office, browser=f"{fake} %s")
    try:
        deadline = time.monotonic() + 10
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opened.read_text().strip() == server.url
    finally:
        stop_server(server)


def test_a_return_file_not_sent_after_its_last_day_is_late(browser: Browser, tmp_path: Path) -> None:
    server = start_server(tmp_path, "--as-of", "2026-11-12")  # no configuration file: no sFTP profile
    context = browser.new_context()
    try:
        opened = context.new_page()
        opened.goto(server.url)
        line = opened.locator("#glance tbody tr").filter(has_text="RTF and OTF for 10/2026")
        expect(line).to_contain_text("this computer (no sFTP profile)")
        expect(line).to_contain_text("✖ late: RTF and OTF not sent by 11/10/2026")
    finally:
        context.close()
        stop_server(server)


def test_a_closed_terminal_stops_the_server_and_removes_its_folder(office: Path) -> None:
    server = start_server(office)
    assert server.folder.is_dir()
    code, log = stop_server(server, signal.SIGHUP)
    assert code == 0
    assert log == ["calaimfiles serve: stopped; the files added on the page were removed"]
    assert not server.folder.exists()


def test_a_port_in_use_is_refused_in_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "calaimfiles", "serve", "--no-browser", "--port", str(port)],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"calaimfiles: cannot listen on 127.0.0.1:{port} (Address already in use); leave --port out to use a free one"]


def test_remote_host_needs_allow_remote() -> None:
    result = subprocess.run([sys.executable, "-m", "calaimfiles", "serve", "--no-browser", "--host", "0.0.0.0"],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "--allow-remote" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1



def test_the_server_log_holds_no_member_value(served: Served) -> None:
    """Run last: after every page above quoted member values, the server's log names none of them."""
    log = served.log.read_text()
    for value in ("Demoperson", "Testperson", "Sampleton", "90000002b", "9372"):
        assert value not in log
    assert not re.search(r"9000\d{4}[A-Za-z]", log)
