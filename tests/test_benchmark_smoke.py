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
