"""Nothing calaimfiles writes carries a member's values unless the user asks for them with --show-values.

Every output of a run over the examples (each report format, the diff in each format, the fix, build and convert
messages, the calendar and the rule list, the sFTP upload and download messages and the upload log) is scanned
for the names, CINs and dates of birth that the example files themselves hold. The same scan over the
--show-values outputs finds them, so the scan can fail.

To cover a new output, add a producer to PRODUCERS: it runs the tool with the extra arguments it is given
(`--show-values` or none) and returns the bytes written: what the run printed, and the files it wrote.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from calaimfiles.commands import app
from calaimfiles.validate import ValidationRequest, read_tables

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
AS_OF = "2026-11-05"
LAYOUTS = ("mif", "rtf", "otf", "csasf", "csprtf")
MEMBER_COLUMNS = ("cin", "last_name", "first_name", "client_name", "dob")


def member_values() -> set[str]:
    """The members' names, CINs and dates of birth (as ISO and US dates) in every example file."""
    found: set[str] = set()
    for path in sorted(EXAMPLES.glob("*.xlsx")):
        for table in read_tables(path, ValidationRequest()):
            for record in table.records():
                for column in MEMBER_COLUMNS:
                    value = record.get(column)
                    if isinstance(value, dt.date):
                        found.update({value.isoformat(), f"{value:%m/%d/%Y}",
                                      f"{value.month}/{value.day}/{value.year}"})
                    elif isinstance(value, str) and value.strip():
                        found.add(value.strip())
    return found


MEMBERS = member_values()
PATTERN = re.compile("|".join(rf"(?<!\w){re.escape(v)}(?!\w)" for v in sorted(MEMBERS, key=len, reverse=True)))


def leaks(blobs: list[bytes]) -> set[str]:
    return {match.group() for blob in blobs for match in PATTERN.finditer(blob.decode("utf-8", "replace"))}


def run(*args: str | Path) -> bytes:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code in (0, 1), (args, result.exit_code, result.stderr, result.exception)
    return (result.stdout + result.stderr).encode()


def package(path: Path) -> list[bytes]:
    """Every part of a workbook we wrote, unpacked."""
    with zipfile.ZipFile(path) as archive:
        return [archive.read(name) for name in archive.namelist()]


def annotated_extras(path: Path, data_sheets: list[str]) -> list[bytes]:
    """What the annotated copy adds to the data: the comments on its cells and its own sheets."""
    book = openpyxl.load_workbook(path)
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.comment is not None:
                    texts.append(cell.comment.text)
                if sheet.title not in data_sheets and cell.value is not None:
                    texts.append(str(cell.value))
    return ["\n".join(texts).encode()]


def examples() -> list[Path]:
    return [EXAMPLES / f"{layout}_{kind}.xlsx" for layout in LAYOUTS for kind in ("clean", "mistakes")]


def validate_format(output_format: str) -> Callable[[Path, list[str]], list[bytes]]:
    return lambda out, extra: [run("validate", *examples(), "--format", output_format, "--as-of", AS_OF, *extra)]


def html_report(out: Path, extra: list[str]) -> list[bytes]:
    page = out / "report.html"
    printed = run("validate", *examples(), "--report", page, "--as-of", AS_OF, "-q", *extra)
    return [printed, page.read_bytes()]


def annotated_report(out: Path, extra: list[str]) -> list[bytes]:
    blobs = []
    for source in examples():
        marked = out / f"marked_{source.name}"
        blobs.append(run("validate", source, "--report", marked, "--as-of", AS_OF, "-q", *extra))
        blobs += annotated_extras(marked, openpyxl.load_workbook(source, read_only=True).sheetnames)
    return blobs


def diff_format(output_format: str) -> Callable[[Path, list[str]], list[bytes]]:
    def produce(out: Path, extra: list[str]) -> list[bytes]:
        blobs = []
        for layout in LAYOUTS:
            written = out / f"{layout}.diff.{output_format}"
            blobs.append(run("diff", EXAMPLES / f"{layout}_clean.xlsx", EXAMPLES / f"{layout}_mistakes.xlsx",
                             "--format", output_format, "-o", written, *extra))
            blobs += package(written) if output_format == "xlsx" else [written.read_bytes()]
            blobs.append(run("diff", EXAMPLES / f"{layout}_clean.xlsx", EXAMPLES / f"{layout}_mistakes.xlsx",
                             "--format", output_format if output_format != "xlsx" else "text", *extra))
        return blobs
    return produce


def fix_messages(out: Path, extra: list[str]) -> list[bytes]:
    return [run("fix", EXAMPLES / f"{layout}_mistakes.xlsx", "-o", out / f"{layout}.xlsx", "--as-of", AS_OF, *extra)
            for layout in LAYOUTS]


def build_messages(out: Path, extra: list[str]) -> list[bytes]:
    return [run("build", "rtf", "--from", EXAMPLES / "mif_clean.xlsx", "--previous", EXAMPLES / "rtf_mistakes.xlsx",
                "-o", out / "rtf.xlsx", "--as-of", AS_OF),
            run("build", "csprtf", "--from", EXAMPLES / "csasf_mistakes.xlsx", "-o", out / "csprtf.xlsx",
                "--as-of", AS_OF)]


def convert_messages(out: Path, extra: list[str]) -> list[bytes]:
    return [run("convert", EXAMPLES / "rtf_mistakes.xlsx", "--to", "csv", "-o", out / "rtf.csv")]


def sftp_exchange(out: Path, extra: list[str]) -> list[bytes]:
    """Upload every example (the clean ones go, the others are refused with their reasons) and download the
    plan's examples from a real sshd; the messages, the upload log and the download memory are scanned."""
    from sshd import start_sshd, stop_sshd

    server = start_sshd(out / "sshd")
    try:
        for source in (EXAMPLES / "mif_mistakes.xlsx", EXAMPLES / "csasf_mistakes.xlsx"):
            (server.root / "outbound" / source.name).write_bytes(source.read_bytes())
        (out / "known_hosts").write_text(server.known_hosts_line())
        config = out / "calaimfiles.toml"
        config.write_text(
            f'[profiles.plan]\nhost = "127.0.0.1"\nport = {server.port}\nuser = "{server.user}"\n'
            f'key_file = "{server.user_key}"\nknown_hosts = "known_hosts"\ninbound = "{server.root}/inbound"\n'
            f'outbound = "{server.root}/outbound"\nlocal_dir = "local"\n')
        printed = [run("--config", config, "upload", source, "--profile", "plan", "--as-of", AS_OF, *extra)
                   for source in examples()]
        printed.append(run("--config", config, "download", "--profile", "plan", "--as-of", AS_OF))
    finally:
        stop_sshd(server)
    return printed + [(out / "local" / name).read_bytes()
                      for name in ("calaimfiles-uploads.jsonl", ".calaimfiles-downloads.json")]


def references(out: Path, extra: list[str]) -> list[bytes]:
    return [run("calendar", "--as-of", AS_OF), run("rules")]


PRODUCERS: dict[str, Callable[[Path, list[str]], list[bytes]]] = {
    **{f"validate --format {f}": validate_format(f) for f in ("text", "json", "junit", "github", "sarif")},
    "validate --report html": html_report,
    "validate --report xlsx (comments, Findings, Summary)": annotated_report,
    **{f"diff --format {f}": diff_format(f) for f in ("text", "json", "xlsx")},
    "fix": fix_messages,
    "build": build_messages,
    "convert": convert_messages,
    "calendar and rules": references,
    "upload, download and the upload log": sftp_exchange,
}
SHOWING_VALUES = ["validate --format json", "validate --format sarif", "validate --report html",
                  "validate --report xlsx (comments, Findings, Summary)", "diff --format json", "diff --format xlsx",
                  "fix"]


def test_the_examples_hold_members_to_look_for() -> None:
    assert {"Testperson", "Sampleton", "90000001A", "1980-04-12", "04/12/1980"} <= MEMBERS


@pytest.mark.parametrize("producer", PRODUCERS)
def test_no_output_carries_member_values(tmp_path: Path, producer: str) -> None:
    assert leaks(PRODUCERS[producer](tmp_path, [])) == set()


@pytest.mark.parametrize("producer", SHOWING_VALUES)
def test_show_values_puts_them_in(tmp_path: Path, producer: str) -> None:
    assert leaks(PRODUCERS[producer](tmp_path, ["--show-values"]))
