"""The scale benchmark runs end to end at a tiny size (its timings are never asserted); the peers it runs come
with the dev extra."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "scale.py"


def test_scale_benchmark_prints_its_table(tmp_path: Path) -> None:
    command = [sys.executable, str(SCRIPT), "--sizes", "30", "--files", "0", "--repeat", "1",
               "--cache", str(tmp_path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    table = [line.split() for line in result.stdout.splitlines() if line.startswith("30 ")]
    assert [" ".join(cells[1:-4]) for cells in table] == [
        "raw read", "validate", "frictionless csv", "frictionless xlsx", "pandera"]
    assert list(tmp_path.glob("rtf_30_v*_seed*.xlsx"))  # the generated workbook is cached where asked


def test_ab_benchmark_times_each_commits_own_code(tmp_path: Path) -> None:
    """The A/B runner validates with the base commit's package, not the working tree's (the editable install would
    otherwise win), prints both medians and their ratio, and leaves no worktree behind."""
    script = SCRIPT.with_name("ab.py")
    root = SCRIPT.parents[1]
    worktrees = subprocess.run(["git", "-C", str(root), "worktree", "list"], capture_output=True, text=True).stdout
    result = subprocess.run([sys.executable, str(script), "--base", "HEAD", "--rows", "30", "--rounds", "1",
                             "--cache", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split()[:2] == ["base", "HEAD"] and lines[2].split()[:2] == ["this", "tree"]
    assert lines[3].split()[:2] == ["ratio", "this/base"] and float(lines[3].split()[2]) > 0
    assert subprocess.run(["git", "-C", str(root), "worktree", "list"], capture_output=True,
                          text=True).stdout == worktrees
