"""The hostile-file corpus (tests/hostile.py) through the commands that read files, each run a real child process
whose peak memory is measured: every run ends in exit code 0, 1 or 2, without a traceback or a hang, under 1 GiB,
a refusal in one line naming the reason, and the synthetic member's name never in stdout, stderr or the HTML
report. Every case goes through `validate --format json`; a representative subset through every other command:
the cases whose read error once quoted a cell through every output format, and one case of each kind of attack
(the grid, the package, encodings, openpyxl's costs, each other format, formula injection) through the
commands that read a file (validate, --report xlsx and html, fix, convert, diff, build). scripts/hostile_run.py
runs every case through every command and prints the figures.

The upload log is checked through a real upload against the test's OpenSSH server (tests/sshd.py).
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import hostile
import pytest
from hostile import CASE_BY_NAME, CASES, GIB, MEMBER_NAME, Run
from sshd import SshServer

LEAKY = ["xlsx member name in a boolean cell", "xlsx member name in an error cell"]
REPRESENTATIVE = [
    "xlsx cell at BZ1048576", "xlsx core.xml in UTF-16LE without BOM, with laughs",
    "xlsx merged range over the whole grid", "xlsx hyperlink over the whole grid",
    "xlsx workbook.xml nested 400,000 deep", "xlsx 5 MB of cell formats",
    "ods 78 cells repeated on 300,000 rows (1 KB)", "csv with a stray far field", "xlsb cell at BZ1048576",
    "xlsx formula injection",
]
FLOOD = "xlsx of 80,000 rows of garbage (findings in every cell)"  # validate json runs every case, floods too
DENSE = "csv of 4 MB of one-digit values"
READING_COMMANDS = ["validate", "validate --report xlsx", "validate --report html", "fix", "convert", "diff",
                    "build otf"]
# Another engineer makes every refusal one line (issue 15, point 7); until then --report adds this one.
_REPORT_NOT_WRITTEN = "not written, because"
_NOT_ITS_FORMAT = "only .xlsx and .xlsm workbooks can be fixed"  # fix refuses other formats before reading them


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return hostile.build(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile.base_workbook(tmp_path_factory.mktemp("good") / "good.xlsx")


def run_all(jobs: list[tuple[str, str]], corpus: dict[str, Path], good: Path, root: Path) -> Iterator[
        tuple[str, str, Run, Path]]:
    """Each (case, command) in a child of its own, two at a time (the machine's cores)."""
    def one(job: tuple[str, str], number: int) -> tuple[str, str, Run, Path]:
        name, command = job
        out = root / f"{number}"
        out.mkdir()
        return name, command, hostile.run_measured(hostile.commands(corpus[name], good, out)[command], out), out

    with ThreadPoolExecutor(max_workers=2) as pool:
        yield from pool.map(one, jobs, range(len(jobs)))


def check(name: str, command: str, run: Run, out: Path) -> list[str]:
    """What is wrong with one run (empty when it held)."""
    case = CASE_BY_NAME[name]
    wrong = []
    errors = [line for line in run.stderr.splitlines() if line.startswith("calaimfiles:")
              and _REPORT_NOT_WRITTEN not in line]
    if run.timed_out or run.code not in (0, 1, 2):
        wrong.append(f"exit {run.code}{' (timed out)' if run.timed_out else ''}")
    if "Traceback" in run.stdout + run.stderr:
        wrong.append("traceback")
    if run.peak_bytes >= GIB:
        wrong.append(f"peak {run.peak_bytes / (1 << 20):,.0f} MiB")
    wrong += [f"member's name in {where}" for where in hostile.leaks(run, out)]
    reason = case.report_reason if command == "validate --report xlsx" and case.report_reason else case.reason
    if case.refused or reason:
        if run.code != 2 or len(errors) != 1 or not (reason in errors[0] or _NOT_ITS_FORMAT in errors[0]):
            wrong.append(f"not refused in one line naming {reason!r}: exit {run.code}, {errors}")
    elif case.refused is False and command.startswith("validate") and run.code not in (0, 1):
        wrong.append(f"not read: exit {run.code}, {errors}")
    return wrong


def test_every_case_through_validate(corpus: dict[str, Path], good: Path, tmp_path: Path) -> None:
    jobs = [(case.name, "validate json") for case in CASES if not case.known_failure]
    failures = [f"{name}: {'; '.join(wrong)}" for name, command, run, out in run_all(jobs, corpus, good, tmp_path)
                if (wrong := check(name, command, run, out))]
    assert not failures, "\n".join(failures)


def test_representative_cases_through_every_command(corpus: dict[str, Path], good: Path, tmp_path: Path) -> None:
    every = list(hostile.commands(good, good, tmp_path))
    jobs = [(name, command) for name in LEAKY for command in every]
    jobs += [(name, command) for name in REPRESENTATIVE for command in READING_COMMANDS]
    jobs += [(FLOOD, "validate"), (FLOOD, "fix")]  # the text report and the fix, which hold the most of a flood
    jobs += [(DENSE, "convert xlsx")]  # a workbook written cell by cell in memory took 1.2 GB of it
    failures = []
    for name, command, run, out in run_all(jobs, corpus, good, tmp_path):
        wrong = check(name, command, run, out)
        if name == "xlsx formula injection" and command == "convert":
            wrong += neutralised(out / "converted.csv")
        if wrong:
            failures.append(f"{name} / {command}: {'; '.join(wrong)}")
    assert not failures, "\n".join(failures)


def neutralised(path: Path) -> list[str]:
    """Text a spreadsheet would run as a formula is written behind an apostrophe."""
    if not path.exists():
        return ["no converted file"]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    dangerous = [cell for cell in cells if cell[:1] in ("=", "+", "@") or (cell[:1] == "-" and not
                                                                            cell[1:2].isdigit())]
    found = [cell for cell in cells if cell.startswith("'=cmd")]
    return ([f"formula left as is: {dangerous}"] if dangerous else []) + ([] if found else ["injection lost"])


def test_known_failures_are_few_and_said() -> None:
    """Cases that do not hold yet are left out of the runs above, each with its reason (scripts/hostile_run.py
    still runs them): this list is the issue's remainder."""
    known = {case.name: case.known_failure for case in CASES if case.known_failure}
    assert not known, known


def test_the_corpus_covers_each_class_of_attack() -> None:
    """Each class the issue names has cases, refused and read."""
    names = " ".join(case.name for case in CASES)
    for word in ("BZ1048576", "zip bomb", "workbook.xml", "UTF-16LE without BOM", "ods", "xlsb", "xls ", "csv",
                 "boolean cell", "error cell", "formula injection", "merged", "shared strings", "sheets", "nested"):
        assert word in names, word
    assert {case.refused for case in CASES} == {True, False, None}


# -- the upload log ---------------------------------------------------------------------------------------------

def test_a_read_error_reaches_the_upload_log_without_the_value(sshd: SshServer, corpus: dict[str, Path],
                                                                tmp_path: Path) -> None:
    """A real upload of a file whose boolean cell holds a member's name: refused, and the log line (and every
    output) names the sheet and cell, never the name."""
    (tmp_path / "known_hosts").write_text(sshd.known_hosts_line())
    values = {"host": "127.0.0.1", "port": sshd.port, "user": sshd.user, "key_file": str(sshd.user_key),
              "known_hosts": "known_hosts", "inbound": str(sshd.root / "inbound"),
              "outbound": str(sshd.root / "outbound"), "plan": "reference", "local_dir": "./calaim", "timeout": 10,
              "retries": 1, "backoff": 0}
    (tmp_path / "calaimfiles.toml").write_text("[profiles.plan]\n" + "\n".join(
        f"{key} = {json.dumps(value)}" for key, value in values.items()) + "\n")
    for name in [*LEAKY, "xlsx member name in a cell typed as a number"]:
        source = tmp_path / corpus[name].name
        shutil.copy(corpus[name], source)
        run = hostile.run_measured(["upload", str(source), "--profile", "plan", "--as-of", "2026-04-05"], tmp_path)
        assert run.code == 1, (run.code, run.stderr)
        assert MEMBER_NAME not in run.stdout + run.stderr
        assert "D2" in run.stdout + run.stderr, run.stdout + run.stderr
    log = (tmp_path / "calaim" / "calaimfiles-uploads.jsonl").read_text()
    records = [json.loads(line) for line in log.splitlines()]
    assert [record["result"] for record in records] == ["refused"] * 3
    assert all("cell D2" in record["reason"] for record in records), records
    assert MEMBER_NAME not in log
    assert not list((sshd.root / "inbound").iterdir())
