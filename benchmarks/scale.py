"""Benchmark: `calaimfiles validate` at scale, against a raw read of the same data and against the peers.

For a 10,000-, 100,000- and 1,000,000-row RTF and a folder of 1,000 files of 200 rows (one per provider), each
program runs in a fresh process (start-up and imports included), and one table shows its wall-clock time, rows
per second, peak memory and its time as a multiple of the raw read's:

  raw read      python-calamine reads every row into Python (`peers.py raw`): the floor for any tool
  validate      calaimfiles validate PATH --format json (a folder: --jobs defaults to every core)
  frictionless  frictionless validate, field types as a Table Schema (`peers.py frictionless`), of the CSV
                twin (same rows) and of the workbook itself (read by openpyxl: slow, so stopped at --cap)
  pandera       calamine read into pandas + a pandera schema of the same field types (`peers.py pandera`)

Raw read and validate run `--repeat` times, interleaved, so both see the same load on a shared machine; the
table gives their medians and the median of the per-round ratios. The peers, much slower, run once, and are
stopped after `--cap` seconds (the table then says so). Timings are printed, never asserted.

The workbooks are generated once and cached in benchmarks/.cache/ (`workbooks.py`), in a separate process so
that this launcher stays small: on Linux a child's peak RSS (ru_maxrss, from os.wait4) is never below the
launcher's own peak at the time of the spawn.

    python benchmarks/scale.py               # everything: about 15 minutes on 2 cores, plus 3 to generate
    python benchmarks/scale.py --quick       # 10,000 rows and a folder of 50 files, for a smoke check
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
AS_OF = "2026-11-05"
TARGETS = "validate <= 1.5 x raw read; >= 8 x faster than frictionless; 1M peak <= 1.5 x raw read and < 4 GiB; " \
          "folder <= 1.2 x raw read / cores"


@dataclass
class Run:
    seconds: float
    peak_mib: float
    capped: bool = False
    failure: str = ""  # the last line on stderr of a run that failed (exit code 2 or more)


def run_once(command: Sequence[str], cap: float | None = None, ok: tuple[int, ...] = (0,)) -> Run:
    """Run a command in a fresh process, stdout to /dev/null: wall-clock time and that child's own peak RSS (KiB
    on Linux). A command still running after `cap` seconds is killed, and the run marked capped; one that exits
    with a code not in `ok` is marked failed."""
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, cwd=HERE)
        deadline = None if cap is None else started + cap
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                process.kill()
                _, status, usage = os.wait4(process.pid, 0)
                return Run(time.perf_counter() - started, usage.ru_maxrss / 1024, capped=True)
            time.sleep(0.01)
        seconds = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        process.returncode = code
        if code not in ok:
            stderr.seek(0)
            lines = stderr.read().decode(errors="replace").strip().splitlines() or [f"exit code {code}"]
            return Run(seconds, usage.ru_maxrss / 1024, failure=lines[-1])
    return Run(seconds, usage.ru_maxrss / 1024)


def calaimfiles_command() -> str:
    beside = Path(sys.executable).parent / "calaimfiles"
    found = str(beside) if beside.exists() else shutil.which("calaimfiles")
    if found is None:
        sys.exit("calaimfiles is not installed: activate the project's virtualenv (pip install -e '.[bench]')")
    return found


def prepare(
    sizes: Sequence[int], files: int, rows: int, cache: Path
) -> tuple[list[tuple[Path, Path]], tuple[Path, Path]]:
    """Generate what is not cached yet, in a child process: the workbook and CSV twin of each size, and the
    folders of the workbooks and of their twins."""
    code = (f"import workbooks\nfrom pathlib import Path\ncache = Path({str(cache)!r})\n"
            f"for n in {list(sizes)}: print(*workbooks.rtf_files(n, cache))\n"
            f"print(*workbooks.folder({files}, {rows}, cache))")
    started = time.perf_counter()
    output = subprocess.run([sys.executable, "-c", code], cwd=HERE, check=True, capture_output=True, text=True)
    print(f"workbooks ready in {time.perf_counter() - started:.0f} s (cached in {cache})")
    pairs = [(Path(xlsx), Path(csv)) for xlsx, csv in (line.split() for line in output.stdout.splitlines())]
    return pairs[:-1], pairs[-1]


def measure(label: str, rows: int, xlsx: Path, csv: Path, repeat: int, cap: float) -> list[tuple[str, ...]]:
    """The table lines of one data set (a workbook or a folder of them)."""
    tool = [sys.executable, "peers.py"]
    validate = [calaimfiles_command(), "validate", str(xlsx), "--format", "json", "--as-of", AS_OF, "--quiet"]
    raw_runs, validate_runs = [], []
    for _ in range(repeat):
        raw_runs.append(run_once([*tool, "raw", str(xlsx)]))
        validate_runs.append(run_once(validate, ok=(0, 1)))  # 1: errors found, as the seeded mistakes should be
        print(f"  {label}: raw {raw_runs[-1].seconds:.2f} s, validate {validate_runs[-1].seconds:.2f} s", flush=True)
    raw = statistics.median(run.seconds for run in raw_runs)
    runs = {
        "raw read": (raw, max(r.peak_mib for r in raw_runs), False),
        "validate": (statistics.median(r.seconds for r in validate_runs), max(r.peak_mib for r in validate_runs),
                     False),
    }
    ratio = statistics.median(v.seconds / r.seconds for r, v in zip(raw_runs, validate_runs, strict=True))
    for name, peer, source in (("frictionless csv", "frictionless", csv), ("frictionless xlsx", "frictionless", xlsx),
                               ("pandera", "pandera", xlsx)):
        run = run_once([*tool, peer, str(source)], cap)
        if run.failure:
            sys.exit(f"{name} failed on {source}: {run.failure}")
        print(f"  {label}: {name} {run.seconds:.2f} s{' (capped)' if run.capped else ''}", flush=True)
        runs[name] = (run.seconds, run.peak_mib, run.capped)
    lines = []
    for name, (seconds, peak, capped) in runs.items():
        shown_ratio = ratio if name == "validate" else seconds / raw
        mark = ">" if capped else ""
        lines.append((label, name, f"{mark}{seconds:.2f}", f"{'<' if capped else ''}{rows / seconds:,.0f}",
                      f"{peak:,.0f}", f"{mark}{shown_ratio:.2f}"))
    failures = {r.failure for r in validate_runs if r.failure}
    if failures:
        lines[1] = (label, "validate", "refused", "-", "-", "-")
        print(f"  {label}: validate failed: {' / '.join(failures)}")
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10,000 rows and a folder of 50 files only")
    parser.add_argument("--sizes", type=lambda text: [int(n) for n in text.split(",")],
                        default=[10_000, 100_000, 1_000_000], help="rows of each workbook (default: 10k, 100k, 1M)")
    parser.add_argument("--files", type=int, default=1000, help="files in the folder (default 1000; 0: no folder)")
    parser.add_argument("--folder-rows", type=int, default=200, help="rows of each file in the folder (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of raw read and validate (default 3)")
    parser.add_argument("--cap", type=float, default=300, help="seconds after which a peer is stopped (default 300)")
    parser.add_argument("--cache", type=Path, default=HERE / ".cache", help="where the workbooks are kept")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.files = [10_000], min(args.files, 50)
    single, (folder_xlsx, folder_csv) = prepare(args.sizes, args.files, args.folder_rows, args.cache)
    lines = []
    for rows, (xlsx, csv) in zip(args.sizes, single, strict=True):
        lines += measure(f"{rows:,}", rows, xlsx, csv, args.repeat, args.cap)
    cores = len(os.sched_getaffinity(0))
    if args.files:
        label = f"{args.files:,} files x {args.folder_rows}"
        lines += measure(label, args.files * args.folder_rows, folder_xlsx, folder_csv, args.repeat, args.cap)
    header = ("data", "tool", "seconds", "rows/s", "peak MiB", "x raw read")
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    print()
    for row in [header, tuple("-" * w for w in widths), *lines]:
        cells = zip(row, widths, strict=True)
        print("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(cells)))
    print(f"\ntargets: {TARGETS}; this machine: {cores} cores")
    print("x raw read for validate: median of the per-round ratios; '>' marks a peer stopped at --cap seconds.")
    print("frictionless csv reads the CSV twin of the same rows; frictionless xlsx reads the workbook through "
          "openpyxl. pandera's time includes its calamine read into pandas.")
    print(f"launcher's own peak: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB "
          "(a child's peak is never reported below it)")


if __name__ == "__main__":
    main()
