"""`fix --in-place` on real processes: two runs at once never lose the original, a backup is never replaced, and
a link is followed to the file it names (which is fixed) rather than replaced by a file."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
from builders import cell
from test_interrupt import AS_OF, big_rtf

TIMEOUT = 300


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return big_rtf(tmp_path_factory.mktemp("input") / "rtf.xlsx")


def fix_in_place(path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "calaimfiles", "fix", str(path), "--in-place", "--force",
                             "--as-of", AS_OF], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def cin(path: Path) -> object:
    return openpyxl.load_workbook(path, read_only=True).active[cell("RTF", "cin", 2)].value


@pytest.mark.parametrize("delay", [0.0, 0.3, 0.5, 1.0])
def test_two_runs_at_once_never_lose_the_original(tmp_path: Path, source: Path, delay: float) -> None:
    data = tmp_path / "rtf.xlsx"
    original = source.read_bytes()
    data.write_bytes(original)

    first = fix_in_place(data)
    time.sleep(delay)
    second = fix_in_place(data)
    outcomes = [(run.wait(timeout=TIMEOUT), run.communicate()[1]) for run in (first, second)]

    assert (tmp_path / "rtf.xlsx.bak").read_bytes() == original
    for code, stderr in outcomes:
        assert "Traceback" not in stderr
        assert code in (0, 1) or (code == 2 and stderr.strip().endswith(
            "is being changed by another calaimfiles run; try again when it has finished")), (code, stderr)
    assert any(code in (0, 1) for code, _ in outcomes)
    assert cin(data) == "91234567A"  # fixed, and a whole workbook
    backups = sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".bak"))
    assert backups == ["rtf.xlsx.bak"]  # the second run found nothing left to fix, or was refused
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_second_run_while_the_first_holds_the_lock_is_refused(tmp_path: Path, source: Path) -> None:
    """The lock is on the file itself: a run that finds it held says so in one line and changes nothing."""
    import fcntl
    import os

    data = tmp_path / "rtf.xlsx"
    original = source.read_bytes()
    data.write_bytes(original)
    holder = os.open(data, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        result = subprocess.run([sys.executable, "-m", "calaimfiles", "fix", str(data), "--in-place", "--as-of",
                                 AS_OF], capture_output=True, text=True, timeout=TIMEOUT)
    finally:
        os.close(holder)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"calaimfiles: {data}: is being changed by another calaimfiles run; try again when it has finished"]
    assert data.read_bytes() == original and not (tmp_path / "rtf.xlsx.bak").exists()


def test_backups_are_numbered_and_never_replaced(tmp_path: Path, source: Path) -> None:
    data = tmp_path / "rtf.xlsx"
    original = source.read_bytes()
    data.write_bytes(original)
    (tmp_path / "rtf.xlsx.bak").write_bytes(b"an older original")
    (tmp_path / "rtf.xlsx.1.bak").write_bytes(b"another")

    run = fix_in_place(data)
    assert run.wait(timeout=TIMEOUT) in (0, 1), run.communicate()[1]
    assert (tmp_path / "rtf.xlsx.bak").read_bytes() == b"an older original"
    assert (tmp_path / "rtf.xlsx.1.bak").read_bytes() == b"another"
    assert (tmp_path / "rtf.xlsx.2.bak").read_bytes() == original

    data.write_bytes(original)  # the same original again: its backup is already there, under .2
    run = fix_in_place(data)
    assert run.wait(timeout=TIMEOUT) in (0, 1), run.communicate()[1]
    assert not (tmp_path / "rtf.xlsx.3.bak").exists()


def test_in_place_on_a_link_fixes_its_target_and_keeps_the_link(tmp_path: Path, source: Path) -> None:
    real = tmp_path / "store" / "rtf.xlsx"
    real.parent.mkdir()
    original = source.read_bytes()
    real.write_bytes(original)
    link = tmp_path / "current.xlsx"
    link.symlink_to(real)

    result = subprocess.run([sys.executable, "-m", "calaimfiles", "fix", str(link), "--in-place", "--as-of", AS_OF],
                            capture_output=True, text=True, timeout=TIMEOUT)

    assert result.returncode in (0, 1), result.stderr
    assert link.is_symlink() and link.resolve() == real
    assert f"Wrote {real} (through the link {link})" in result.stdout
    assert cin(real) == "91234567A"
    assert (real.parent / "rtf.xlsx.bak").read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current.xlsx", "store"]
