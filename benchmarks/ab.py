"""Same-run A/B of `calaimfiles validate` between commits: is a change slower than the commit before it?

    python benchmarks/ab.py --base 021010c                       # HEAD's tree against 021010c, 100,000 rows
    python benchmarks/ab.py --base HEAD~3 --rows 10000 --rounds 9

Each commit is checked out with `git worktree` (removed afterwards) and validates a workbook made by its own
generator (`benchmarks/workbooks.py` of that commit: the code sets may differ between them), alternating, each
run a fresh process. The editable install's import finder would import the working tree's package whatever
PYTHONPATH says, so each run drops it, puts its tree first and checks that `calaimfiles` really comes from there.
Prints the median seconds of each and their ratio; machines are noisy, so only a ratio of one run means anything.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RUN_FROM_TREE = (
    "import runpy, sys\n"
    "tree = sys.argv.pop(1)\n"
    "sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in getattr(f, '__module__', '')]\n"
    "sys.path.insert(0, tree)\n"
    "import calaimfiles\n"
    "if not calaimfiles.__file__.startswith(tree):\n"
    "    sys.exit(f'calaimfiles was imported from {calaimfiles.__file__}, not from {tree}')\n"
    "sys.argv[0] = 'calaimfiles'\n"
    "runpy.run_module('calaimfiles', run_name='__main__', alter_sys=True)\n"
)

MAKE_WORKBOOK = (
    "import sys\n"
    "sys.path.insert(0, sys.argv[1] + '/benchmarks')\n"
    "from workbooks import rtf_files\n"
    "print(rtf_files(int(sys.argv[2]), __import__('pathlib').Path(sys.argv[3]))[0])\n"
)


def workbook_of(tree: Path, rows: int, cache: Path) -> Path:
    """The workbook that `tree`'s own generator makes (cached by its generator version)."""
    made = subprocess.run([sys.executable, "-c", MAKE_WORKBOOK, str(tree), str(rows), str(cache)],
                          capture_output=True, text=True, check=True)
    return Path(made.stdout.strip())


def seconds_to_validate(tree: Path, workbook: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RUN_FROM_TREE, str(tree), "validate", str(workbook),
                           "--format", "json", "--as-of", "2026-11-05", "--quiet"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1: the workbook's planted mistakes
        sys.exit(f"validate failed in {tree}: {done.stderr.strip()[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the commit to compare with (any git revision)")
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the RTF workbook (default 100,000)")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each, alternating (default 5)")
    parser.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / ".cache",
                        help="where the workbooks are kept between runs")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="calaimfiles-ab-") as scratch:
        base_tree = Path(scratch) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base_tree), options.base],
                       check=True)
        try:
            trees = {f"base {options.base}": base_tree, "this tree": ROOT}
            workbooks = {name: workbook_of(tree, options.rows, options.cache) for name, tree in trees.items()}
            times: dict[str, list[float]] = {name: [] for name in trees}
            for _ in range(options.rounds):
                for name, tree in trees.items():
                    times[name].append(seconds_to_validate(tree, workbooks[name]))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base_tree)], check=False)
    medians = {name: statistics.median(values) for name, values in times.items()}
    print(f"validate, {options.rows:,} rows, {options.rounds} rounds alternating, median seconds:")
    for name, values in times.items():
        print(f"  {name:<24} {medians[name]:6.2f}  ({' '.join(f'{v:.2f}' for v in values)})")
    base, this = medians.values()
    print(f"  ratio this/base          {this / base:6.2f}")


if __name__ == "__main__":
    main()
