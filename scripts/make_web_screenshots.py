"""Render the README's screenshots of `calaimfiles serve` from the shipped examples.

Needs Debian's chromium and the Python package playwright (in the dev extra; it drives the system chromium and
never downloads a browser):
    python scripts/make_web_screenshots.py         # writes docs/images/web-*.png
The server runs as a user runs it, in an empty folder (no configuration file), judged as of 11/05/2026.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
IMAGES = ROOT / "docs" / "images"
CHROMIUM = Path("/usr/bin/chromium")
AS_OF = "2026-11-05"


def shoot(page: Page, name: str, height: int = 820) -> None:
    page.set_viewport_size({"width": 1280, "height": height})
    page.screenshot(path=str(IMAGES / f"{name}.png"))


def main() -> None:
    if not CHROMIUM.exists():
        sys.exit("chromium is missing: apt-get install chromium")
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        server = subprocess.Popen(
            [sys.executable, "-m", "calaimfiles", "serve", "--no-browser", "--as-of", AS_OF],
            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert server.stdout is not None
            found = re.search(r"(http://\S+)", server.stdout.readline())
            if found is None:
                sys.exit("calaimfiles serve did not start")
            url = found.group(1)
            origin = url.split("/?", 1)[0]
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1280, "height": 820})
                page.goto(url)
                page.set_input_files("#files", [str(EXAMPLES / "rtf_mistakes.xlsx"), str(EXAMPLES / "mif_clean.xlsx")])
                page.get_by_role("button", name="Check", exact=True).click()
                page.wait_for_selector("section.file")
                page.goto(page.url.split("/files")[0] + "/")
                shoot(page, "web-home", 1000)
                page.get_by_role("link", name="rtf_mistakes.xlsx").click()
                shoot(page, "web-findings", 900)
                page.locator("tr.finding", has=page.locator("a", has_text="R3")).first.get_by_role(
                    "link", name="R3").click()
                page.wait_for_timeout(300)
                shoot(page, "web-grid", 700)
                page.goto(page.url.split("#")[0])
                page.get_by_role("button", name=re.compile("Apply the")).click()
                shoot(page, "web-fixed", 760)
                page.goto(origin + "/build")
                page.get_by_label("The plan's MIF of the month").set_input_files(str(EXAMPLES / "mif_clean.xlsx"))
                page.get_by_label("The ECM provider's phone number").fill("9165550199")
                page.get_by_role("button", name="Draft the RTF").click()
                shoot(page, "web-build", 640)
                browser.close()
        finally:
            server.terminate()
            server.wait(10)
    print(f"wrote {', '.join(sorted(p.name for p in IMAGES.glob('web-*.png')))} in {IMAGES}")


if __name__ == "__main__":
    main()
