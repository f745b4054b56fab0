"""Ctrl-C on real `calaimfiles` processes: at any moment it leaves no partial output, no temporary file and an
unchanged input, and the run ends with one line and exit code 130 (or finishes whole, if it was quicker).

The input is a real workbook of several thousand rows, made by repeating a row inside the sheet XML, so a run
takes long enough to be interrupted while it reads, while it checks and while it writes."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from builders import column_names, rtf_cells, save_book

ROWS = 2000
AS_OF = "2026-03-05"
WHEN = ["reading", "writing"]  # once the input is open, or once the temporary output appears


def big_rtf(path: Path) -> Path:
    """An RTF of ROWS rows, every CIN in lower case (a safe fix for every row)."""
    save_book(path, {"RTF": [column_names("RTF"), rtf_cells(cin="91234567a")]})
    with zipfile.ZipFile(path) as package:
        parts = {name: package.read(name) for name in package.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    row = re.search(rb'<row r="2".*?</row>', sheet, re.DOTALL)
    assert row is not None
    copies = b"".join(re.sub(rb'(r="[A-Z]*)2"', b'\\g<1>%d"' % n, row.group()) for n in range(2, ROWS + 2))
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(row.group(), copies)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return big_rtf(tmp_path_factory.mktemp("input") / "rtf.xlsx")


def commands(data: Path, out: Path) -> dict[str, tuple[list[str], Path]]:
    return {
        "fix -o": (["fix", str(data), "-o", str(out / "fixed.xlsx"), "--as-of", AS_OF], out / "fixed.xlsx"),
        "fix --in-place": (["fix", str(data), "--in-place", "--as-of", AS_OF], data),
        "convert --to xlsx": (["convert", str(data), "--to", "xlsx", "-o", str(out / "copy.xlsx")], out / "copy.xlsx"),
        "validate --report xlsx": (["validate", str(data), "--report", str(out / "marked.xlsx"), "--as-of", AS_OF,
                                    "-q"], out / "marked.xlsx"),
        "validate --report html": (["validate", str(data), "--report", str(out / "page.html"), "--as-of", AS_OF,
                                    "-q"], out / "page.html"),
    }


def interrupt(args: list[str], when: str, folders: list[Path]) -> subprocess.CompletedProcess[str]:
    """Start the command, send SIGINT after a delay or as soon as a temporary output appears, and wait."""
    process = subprocess.Popen([sys.executable, "-m", "calaimfiles", *args], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    def started() -> bool:
        if when == "writing":
            return any(f.name.endswith(".part") for folder in folders for f in folder.iterdir())
        return any(_opened(process.pid, args[1]))

    while process.poll() is None and not started():
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=300)
    return subprocess.CompletedProcess(args, process.returncode, "", stderr)


def _opened(pid: int, path: str) -> list[Path]:
    """The process's open files that are `path` (Linux: /proc), once start-up is over and reading has begun."""
    try:
        return [fd for fd in Path(f"/proc/{pid}/fd").iterdir() if str(fd.readlink()) == path]
    except OSError:  # the process ended, or closed a descriptor while we looked
        return []


def opens(path: Path) -> bool:
    if path.suffix == ".html":
        return path.read_text(encoding="utf-8").rstrip().endswith("</html>")
    openpyxl.load_workbook(path, read_only=True).close()
    return True


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="watches the process through /proc")
@pytest.mark.parametrize("when", WHEN)
@pytest.mark.parametrize("command", ["fix -o", "fix --in-place", "convert --to xlsx", "validate --report xlsx",
                                     "validate --report html"])
def test_ctrl_c_leaves_a_whole_output_or_none(tmp_path: Path, source: Path, command: str, when: str) -> None:
    data = tmp_path / "in" / "rtf.xlsx"
    data.parent.mkdir()
    original = source.read_bytes()
    data.write_bytes(original)
    out = tmp_path / "out"
    out.mkdir()
    args, output = commands(data, out)[command]

    result = interrupt(args, when, [data.parent, out])

    leftovers = [p.name for d in (data.parent, out) for p in d.iterdir() if p.name.endswith(".part")]
    assert leftovers == []
    if result.returncode == 130:
        assert result.stderr.splitlines() == ["calaimfiles: interrupted"], result.stderr
    else:  # it finished before the signal landed
        assert result.returncode in (0, 1), result.stderr
    if command == "fix --in-place":
        backup = data.with_name("rtf.xlsx.bak")
        assert data.read_bytes() == original or (backup.read_bytes() == original and opens(data))
        assert not backup.exists() or backup.read_bytes() == original
    else:
        assert data.read_bytes() == original
        assert not output.exists() or opens(output)
