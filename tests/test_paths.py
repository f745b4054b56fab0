"""Paths on the real command line: whatever the user points a command at (a FIFO, a device, a folder, a link
loop, a missing or unreadable file, a name that is not UTF-8), the run ends in one line and exit code 2, or
works; never a hang, a traceback or exit code 1 for a crash. Every run is a real `calaimfiles` process with a
timeout, so a hang fails the test instead of blocking the suite."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
AS_OF = "2026-11-05"
TIMEOUT = 120  # seconds; a run that blocks on a FIFO never ends by itself
ODD = os.fsdecode(b"rtf \xff\xfe.xlsx")  # a name with bytes that are not UTF-8 (Latin-1 from an old share, say)


def calaimfiles(*args: Any, cwd: Path | None = None, **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "calaimfiles", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, errors="surrogateescape", timeout=TIMEOUT, stdin=subprocess.DEVNULL, **options)


def one_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The run ended with exit code 2 and exactly one line on stderr, holding `words`."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Usage:" not in result.stderr and "╭" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def reading_commands(bad: Path, good: Path, out: Path) -> dict[str, list[Any]]:
    """Every command that reads a file, with `bad` where it reads one."""
    return {
        "validate": ["validate", bad],
        "validate --against": ["validate", good, "--against", bad],
        "validate --otf": ["validate", good, "--otf", bad],
        "fix": ["fix", bad, "-o", out / "fixed.xlsx"],
        "fix --in-place": ["fix", bad, "--in-place"],
        "convert": ["convert", bad, "--to", "json", "-o", out / "out.json"],
        "diff": ["diff", good, bad],
        "build rtf": ["build", "rtf", "--from", bad, "-o", out / "rtf.xlsx"],
        "build rtf --previous": ["build", "rtf", "--from", EXAMPLES / "mif_clean.xlsx", "--previous", bad,
                                 "-o", out / "rtf.xlsx"],
        "build csprtf": ["build", "csprtf", "--from", bad, "-o", out / "csprtf.xlsx"],
        "build otf": ["build", "otf", "--from", bad, "-o", out / "otf.xlsx"],
    }


COMMANDS = list(reading_commands(Path(), Path(), Path()))


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_fifo_is_refused_at_once_by_every_reading_command(tmp_path: Path, command: str, suffix: str) -> None:
    fifo = tmp_path / f"x{suffix}"
    os.mkfifo(fifo)
    good = tmp_path / "rtf.xlsx"
    shutil.copy(EXAMPLES / "rtf_clean.xlsx", good)
    args = reading_commands(fifo, good, tmp_path)[command]
    one_line(calaimfiles(*args), str(fifo), "named pipe (FIFO)")
    assert not any(p.name.endswith(".part") for p in tmp_path.iterdir())


@pytest.mark.parametrize("command", ["validate", "fix", "convert", "diff", "build rtf"])
def test_a_link_to_a_device_is_refused(tmp_path: Path, command: str) -> None:
    link = tmp_path / "x.xlsx"
    link.symlink_to("/dev/zero")  # a reader that opened it would read zeros for ever
    args = reading_commands(link, EXAMPLES / "rtf_clean.xlsx", tmp_path)[command]
    one_line(calaimfiles(*args), str(link), "is a device, not a file")


@pytest.mark.parametrize("command", ["fix", "convert", "diff", "build rtf", "validate --against"])
def test_a_folder_where_a_file_is_expected_is_refused(tmp_path: Path, command: str) -> None:
    folder = tmp_path / "x.xlsx"
    folder.mkdir()
    args = reading_commands(folder, EXAMPLES / "rtf_clean.xlsx", tmp_path)[command]
    one_line(calaimfiles(*args), str(folder), "folder")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_symlink_loop_is_one_line(tmp_path: Path, command: str) -> None:
    loop = tmp_path / "x.xlsx"
    loop.symlink_to(loop.name)
    good = tmp_path / "rtf.xlsx"
    shutil.copy(EXAMPLES / "rtf_clean.xlsx", good)
    args = reading_commands(loop, good, tmp_path)[command]
    one_line(calaimfiles(*args), str(loop), "loop")


def test_a_symlink_loop_with_a_report_is_one_line(tmp_path: Path) -> None:
    loop = tmp_path / "x.xlsx"
    loop.symlink_to(loop.name)
    page = tmp_path / "page.html"
    result = calaimfiles("validate", loop, "--report", page)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines() == [f"calaimfiles: {loop}: is a symbolic link that points to itself (a loop)",
                                          f"Wrote {page}"]
    assert "points to itself" in page.read_text(encoding="utf-8")  # the page lists the file it could not read


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_file_is_one_line(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "missing.xlsx"
    good = tmp_path / "rtf.xlsx"
    shutil.copy(EXAMPLES / "rtf_clean.xlsx", good)
    args = reading_commands(missing, good, tmp_path)[command]
    one_line(calaimfiles(*args), str(missing), "no such file")


def without_root_powers() -> list[str]:
    """A command prefix that takes from root the powers to read any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH)
    when the suite runs as root; root stays root, so the checkout can be anywhere, even in a private folder."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root, and setpriv (util-linux) is not there to drop root's powers")
    powers = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={powers}", f"--bounding-set={powers}"]


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unreadable_file_is_one_line_not_a_usage_box(tmp_path: Path, command: str) -> None:
    locked = tmp_path / "locked.xlsx"
    shutil.copy(EXAMPLES / "rtf_clean.xlsx", locked)
    locked.chmod(0)
    good = tmp_path / "rtf.xlsx"
    shutil.copy(EXAMPLES / "rtf_clean.xlsx", good)
    out = tmp_path / "out"
    out.mkdir()
    args = reading_commands(locked, good, out)[command]
    result = subprocess.run([*without_root_powers(), sys.executable, "-m", "calaimfiles", *map(str, args)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT)
    one_line(result, str(locked), "cannot be read (permission denied)")


@pytest.mark.parametrize("args", [["validate"], ["validate", "--format", "yaml", "x.xlsx"], ["fix", "--bogus", "x"],
                                  ["build", "rtf"], ["nosuchcommand"]])
def test_a_mistake_on_the_command_line_is_one_line(args: list[str]) -> None:
    line = one_line(calaimfiles(*args))
    assert "--help" in line or "No such command" in line


def test_an_unexpected_failure_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    """A bug anywhere in a command (here a command that raises) ends in one line and exit code 2, never the
    traceback and exit code 1 Python would give."""
    script = tmp_path / "broken.py"
    script.write_text(
        "import typer\n"
        "from calaimfiles.commands.common import run\n"
        "app = typer.Typer()\n"
        "@app.command()\n"
        "def broken() -> None:\n"
        "    raise ValueError('a member value Testperson')\n"
        "@app.command()\n"
        "def other() -> None:\n"
        "    pass\n"
        "run(app)\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(script), "broken"], capture_output=True, text=True,
                            timeout=TIMEOUT, env={**os.environ, "CALAIMFILES_DEBUG": ""})
    line = one_line(result, "internal error (ValueError)")
    assert "Testperson" not in line


# -- names that are not UTF-8 ----------------------------------------------------------------------------------

@pytest.fixture
def odd(tmp_path: Path) -> Path:
    path = tmp_path / ODD
    shutil.copy(EXAMPLES / "rtf_mistakes.xlsx", path)
    return path


SHOWN = "rtf \\xff\\xfe.xlsx"  # how outputs show the name


def test_a_non_utf8_name_validates_in_text(odd: Path) -> None:
    result = calaimfiles("validate", odd.name, "--as-of", AS_OF, cwd=odd.parent)
    assert result.returncode == 1, result.stderr  # findings, not a crash
    assert SHOWN in result.stdout and result.stderr == ""


def test_a_non_utf8_name_in_json(odd: Path) -> None:
    result = calaimfiles("validate", odd.name, "--as-of", AS_OF, "--format", "json", cwd=odd.parent)
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["files"][0]["path"] == SHOWN


def test_a_non_utf8_name_in_sarif(odd: Path) -> None:
    result = calaimfiles("validate", odd.name, "--as-of", AS_OF, "--format", "sarif", cwd=odd.parent)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    uris = {location["physicalLocation"]["artifactLocation"]["uri"]
            for found in document["runs"][0]["results"] for location in found["locations"]}
    assert uris == {"rtf%20%FF%FE.xlsx"}  # the name's own bytes, percent-encoded as a URI holds them


def test_a_non_utf8_name_in_junit_and_github(odd: Path) -> None:
    junit = calaimfiles("validate", odd.name, "--as-of", AS_OF, "--format", "junit", cwd=odd.parent)
    assert junit.returncode == 1, junit.stderr
    suites = ElementTree.fromstring(junit.stdout.encode("utf-8"))
    assert {suite.get("name", "").split(":")[0] for suite in suites} == {SHOWN}
    github = calaimfiles("validate", odd.name, "--as-of", AS_OF, "--format", "github", cwd=odd.parent)
    assert github.returncode == 1, github.stderr
    assert all(line.startswith("::") and f"file={SHOWN}," in line for line in github.stdout.splitlines())


def test_a_non_utf8_name_gets_both_reports(odd: Path) -> None:
    import openpyxl

    page, marked = odd.parent / "page.html", odd.parent / "marked.xlsx"
    result = calaimfiles("validate", odd, "--as-of", AS_OF, "--report", page, "--report", marked, "-q")
    assert result.returncode == 1, result.stderr
    assert SHOWN in page.read_text(encoding="utf-8")
    assert "Findings" in openpyxl.load_workbook(marked).sheetnames


def test_a_non_utf8_name_is_unreadable_one_line_when_missing(tmp_path: Path) -> None:
    one_line(calaimfiles("validate", tmp_path / ODD), SHOWN, "no such file")


def test_a_non_utf8_name_works_in_every_writing_command(odd: Path) -> None:
    folder = odd.parent
    fixed = calaimfiles("fix", odd.name, "--as-of", AS_OF, cwd=folder)
    assert fixed.returncode in (0, 1), fixed.stderr
    assert (folder / os.fsdecode(b"rtf \xff\xfe.fixed.xlsx")).is_file()
    converted = calaimfiles("convert", odd.name, "--to", "csv", cwd=folder)
    assert converted.returncode == 0, converted.stderr
    assert f"Wrote {SHOWN.removesuffix('.xlsx')}.csv" in converted.stdout
    compared = calaimfiles("diff", odd.name, odd.name, cwd=folder)
    assert compared.returncode in (0, 1), compared.stderr
    drafted = calaimfiles("build", "otf", "--from", odd.name, "-o", ODD.replace("rtf", "otf"), cwd=folder)
    assert drafted.returncode == 0, drafted.stderr
    assert (folder / ODD.replace("rtf", "otf")).is_file()


@pytest.mark.parametrize("filler", ["r", "é"])  # one byte a character, and two (a cut may fall inside one)
def test_a_name_near_the_file_systems_limit_works_in_every_writing_command(tmp_path: Path, filler: str) -> None:
    """A 250-byte name leaves 5 bytes for what a temporary adds: the temporaries shorten it, the outputs land."""
    stem = filler * (240 // len(filler.encode()))
    source = tmp_path / f"{stem}.xlsx"
    shutil.copy(EXAMPLES / "rtf_mistakes.xlsx", source)
    fixed = calaimfiles("fix", source.name, "--as-of", AS_OF, cwd=tmp_path)
    assert fixed.returncode in (0, 1), fixed.stderr
    assert (tmp_path / f"{stem}.fixed.xlsx").is_file()
    reported = calaimfiles("validate", source.name, "--as-of", AS_OF, "--report", f"{stem}.html", cwd=tmp_path)
    assert reported.returncode == 1, reported.stderr
    assert (tmp_path / f"{stem}.html").is_file()
    converted = calaimfiles("convert", source.name, "--to", "csv", cwd=tmp_path)
    assert converted.returncode == 0, converted.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(
        [source.name, f"{stem}.fixed.xlsx", f"{stem}.html", f"{stem}.csv"])


def test_a_fifo_given_as_a_plan_profile_is_refused(tmp_path: Path) -> None:
    profile = tmp_path / "plan.toml"
    os.mkfifo(profile)
    one_line(calaimfiles("validate", EXAMPLES / "rtf_clean.xlsx", "--plan", profile), str(profile), "named pipe")


def test_a_non_utf8_name_in_every_diff_format(odd: Path) -> None:
    folder = odd.parent
    text = calaimfiles("diff", odd.name, odd.name, cwd=folder)
    assert text.returncode == 0 and SHOWN in text.stdout, text.stderr
    on_screen = calaimfiles("diff", odd.name, odd.name, "-f", "json", cwd=folder)
    assert on_screen.returncode == 0, on_screen.stderr
    saved = calaimfiles("diff", odd.name, odd.name, "-f", "json", "-o", "diff.json", cwd=folder)
    assert saved.returncode == 0, saved.stderr
    for document in (json.loads(on_screen.stdout), json.loads((folder / "diff.json").read_text(encoding="utf-8"))):
        assert {file["path"] for file in document["files"]} == {SHOWN}
