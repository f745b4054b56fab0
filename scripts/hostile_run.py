"""Run every command that reads a file on every case of the hostile-file corpus (tests/hostile.py), each in a
child process, and print per command and case: exit code, lines on stderr, peak memory, time, and any leak of
the synthetic member's name.

    .venv/bin/python scripts/hostile_run.py                       # every case, every command (a few minutes)
    .venv/bin/python scripts/hostile_run.py --command validate    # one command (repeatable)
    .venv/bin/python scripts/hostile_run.py --case ods --case csv # cases whose name holds any of these words
    .venv/bin/python scripts/hostile_run.py --jobs 2              # two children at once (peaks stay per child)

It ends with exit code 1 when a run went over 1 GiB, timed out, printed a traceback, ended other than 0, 1 or 2,
refused in more than one line, or leaked the member's name; tests/test_hostile_corpus.py asserts the same on a
subset inside the suite.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import hostile


def problems(run: hostile.Run, out: Path) -> list[str]:
    found = []
    if run.timed_out:
        found.append("timed out")
    if run.peak_bytes >= hostile.GIB:
        found.append("over 1 GiB")
    if run.code not in (0, 1, 2):
        found.append(f"exit {run.code}")
    if "Traceback" in run.stderr + run.stdout:
        found.append("traceback")
    if run.code == 2 and len(run.stderr.strip().splitlines()) > 2:
        found.append("refusal of many lines")
    found += [f"leak in {where}" for where in hostile.leaks(run, out)]
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--command", action="append", help="a command of the table (default: all)")
    parser.add_argument("--case", action="append", help="run the cases whose name holds this text")
    parser.add_argument("--jobs", type=int, default=1, help="children at once (default 1)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds before a child is killed")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="calaimfiles-hostile-") as temporary:
        root = Path(temporary)
        names = [case.name for case in hostile.CASES
                 if not options.case or any(word.lower() in case.name.lower() for word in options.case)]
        files = hostile.build(root / "corpus", names)
        good = hostile.base_workbook(root / "good.xlsx")
        jobs = []
        for number, (name, path) in enumerate(files.items()):
            for command in hostile.commands(path, good, root / "out"):
                if not options.command or command in options.command:
                    jobs.append((name, command, path, number))

        def one(job: tuple[str, str, Path, int]) -> tuple[str, str, hostile.Run, Path]:
            name, command, path, number = job
            out = root / "out" / f"{number}-{abs(hash(command))}"
            out.mkdir(parents=True)
            args = hostile.commands(path, good, out)[command]
            return name, command, hostile.run_measured(args, out, options.timeout), out

        print(f"{'case':<52} {'command':<24} {'exit':>4} {'err':>3} {'peak MiB':>8} {'s':>6}  problems / first "
              "line of stderr")
        bad = 0
        with ThreadPoolExecutor(max_workers=options.jobs) as pool:
            for name, command, run, out in pool.map(one, jobs):
                found = problems(run, out)
                if found and hostile.CASE_BY_NAME[name].known_failure:
                    found.append("known: " + hostile.CASE_BY_NAME[name].known_failure)
                bad += bool(found)
                first = run.stderr.strip().splitlines()[0][:150] if run.stderr.strip() else ""
                print(f"{name[:52]:<52} {command:<24} {run.code:>4} {len(run.stderr.splitlines()):>3} "
                      f"{run.peak_bytes / (1 << 20):>8.0f} {run.seconds:>6.1f}  "
                      f"{'!! ' + ', '.join(found) + ' | ' if found else ''}{first}", flush=True)
        print(f"{len(jobs)} runs, {bad} with problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
