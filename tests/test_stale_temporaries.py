"""SIGKILL of a real writing process leaves its temporary beside the output (nothing can stop that); the next
run of any writing command in that folder removes it. Temporaries of runs still going, of other machines and
files that are not ours are left alone."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_interrupt import AS_OF, big_rtf

from calaimfiles.writing.output import STALE_AFTER, remove_stale_temporaries

TIMEOUT = 300
HOST = re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:32] or "host"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return big_rtf(tmp_path_factory.mktemp("input") / "rtf.xlsx")


def temporaries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith(".part"))


def killed_while_writing(args: list[str], folder: Path) -> list[Path]:
    """Start a writing command, SIGKILL it as soon as its temporary output appears, and return the temporaries
    left (the output's, and maybe one openpyxl was writing a sheet through)."""
    process = subprocess.Popen([sys.executable, "-m", "calaimfiles", *args], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + TIMEOUT
    while not temporaries(folder) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=TIMEOUT)
    left = temporaries(folder)
    if process.returncode != -signal.SIGKILL or not left:
        pytest.fail(f"the run ended before it could be killed while writing ({process.returncode})")
    return left


WRITERS = {
    "fix -o": lambda data, out: ["fix", str(data), "-o", str(out / "fixed.xlsx"), "--as-of", AS_OF],
    "convert": lambda data, out: ["convert", str(data), "--to", "xlsx", "-o", str(out / "copy.xlsx")],
    "validate --report": lambda data, out: ["validate", str(data), "--report", str(out / "marked.xlsx"), "-q",
                                            "--as-of", AS_OF],
}


@pytest.mark.parametrize("writer", list(WRITERS))
def test_the_next_writing_run_removes_what_a_killed_run_left(tmp_path: Path, source: Path, writer: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for left in killed_while_writing(WRITERS[writer](source, out), out):
        assert left.stat().st_mode & 0o777 == 0o600  # readable by the user only, as SECURITY.md says
        assert re.fullmatch(rf"\..+\.calaimfiles-{HOST}-[0-9]+-[a-z0-9_]+\.part", left.name), left.name

    result = subprocess.run([sys.executable, "-m", "calaimfiles", "build", "template", "rtf", "-o",
                             str(out / "template.xlsx")], capture_output=True, text=True, timeout=TIMEOUT)

    assert result.returncode == 0, result.stderr
    assert temporaries(out) == []
    assert (out / "template.xlsx").is_file()


def test_only_stale_temporaries_of_this_machine_and_user_are_removed(tmp_path: Path) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    gone = int(ended.stdout)  # a process that has ended (and been reaped)
    alive = os.getppid()  # a process still running (not this one: a run never removes its own)
    ours_gone = tmp_path / f".rtf.xlsx.calaimfiles-{HOST}-{gone}-abc123.part"
    ours_alive = tmp_path / f".rtf.xlsx.calaimfiles-{HOST}-{alive}-abc123.part"
    ours_alive_but_old = tmp_path / f".old.xlsx.calaimfiles-{HOST}-{alive}-def456.part"
    other_machine = tmp_path / f".rtf.xlsx.calaimfiles-{HOST}x-{gone}-abc123.part"
    not_ours = tmp_path / ".rtf.xlsx.abc123.part"
    a_folder = tmp_path / f".d.xlsx.calaimfiles-{HOST}-{gone}-abc123.part"
    for path in (ours_gone, ours_alive, ours_alive_but_old, other_machine, not_ours):
        path.write_bytes(b"member rows")
    a_folder.mkdir()
    day_and_more = time.time() - STALE_AFTER - 60
    os.utime(ours_alive_but_old, (day_and_more, day_and_more))

    removed = remove_stale_temporaries(tmp_path)

    assert sorted(removed) == sorted([ours_gone, ours_alive_but_old])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (ours_alive, other_machine, not_ours, a_folder))


OPENPYXL_WRITERS = {
    "convert --to xlsx": lambda data, out: ["convert", str(data), "--to", "xlsx", "-o", str(out / "copy.xlsx")],
    "validate --report": lambda data, out: ["validate", str(data), "--report", str(out / "marked.xlsx"), "-q",
                                            "--as-of", AS_OF],
    "diff --format xlsx": lambda data, out: ["diff", str(data), str(data), "-f", "xlsx", "-o", str(out / "d.xlsx")],
    "build rtf": lambda data, out: ["build", "rtf", "--from", str(data), "-o", str(out / "rtf.xlsx"), "--as-of",
                                    AS_OF],
}


@pytest.mark.parametrize("writer", list(OPENPYXL_WRITERS))
def test_no_temporary_lands_in_the_shared_temporary_folder(tmp_path: Path, source: Path, writer: str) -> None:
    """openpyxl writes each sheet through a temporary file in the system's temporary folder, where a killed run
    would leave member rows for anyone to find: watched while real runs write, that folder stays empty."""
    shared, out = tmp_path / "tmp", tmp_path / "out"
    shared.mkdir()
    out.mkdir()
    data = source
    if writer == "build rtf":  # a MIF to draft from
        data = Path(__file__).resolve().parents[1] / "examples" / "mif_clean.xlsx"
    process = subprocess.Popen([sys.executable, "-m", "calaimfiles", *OPENPYXL_WRITERS[writer](data, out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "TMPDIR": str(shared)})
    seen: set[str] = set()
    deadline = time.monotonic() + TIMEOUT
    while process.poll() is None and time.monotonic() < deadline:
        seen.update(os.listdir(shared))
    _, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode in (0, 1), stderr
    assert seen == set()
    assert temporaries(out) == []
