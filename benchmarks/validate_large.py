"""Benchmark: validating a large RTF workbook against simply reading it.

Generates (once, cached under benchmarks/.cache/) a realistic synthetic RTF workbook, then times, in fresh
subprocesses so interpreter start-up is included in both:

  raw read   python -c "... CalamineWorkbook ... to_python(skip_empty_area=False) ..." (touches every row)
  validate   calaimfiles validate FILE --format json --as-of 2026-11-05 > /dev/null

and prints the medians, their ratio (target: validate / raw <= 1.5), rows per second and peak RSS.
Timings are printed, never asserted.

This launcher imports nothing heavy at module level (calaimfiles pulls in pandas): on Linux a child's ru_maxrss is
never below the launching process's peak RSS when it was spawned, so a lean launcher keeps the children's peaks honest.

    python benchmarks/validate_large.py                 # 100,000 rows, 3 repetitions
    python benchmarks/validate_large.py --rows 20000 --repeat 5
    python benchmarks/validate_large.py --profile       # also cProfile one in-process validation
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import multiprocessing
import os
import pstats
import random
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

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
GENERATOR_VERSION = 1  # bump when the generated content changes, so stale cached files are not reused
SEED = 20261105
AS_OF = dt.date(2026, 11, 5)
TARGET_RATIO = 1.5

# Values that are the same on every row (columns 1-2 and 37-42).
MCP_ID = "306"
MCP_NAME = "Golden Valley Health Plan"
PRODUCTION_DATE = dt.date(2026, 11, 3)
REPORTING_PERIOD = dt.date(2026, 10, 1)
PERIOD_END = dt.date(2026, 10, 31)
PROVIDER_NAME = "Sierra Community Care Partners"
PROVIDER_TIN = "94-1234567"
PROVIDER_PHONE = "(916) 555-0100"


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


LAST_NAMES = words(
    "Garcia Hernandez Lopez Martinez Gonzalez Rodriguez Perez Sanchez Ramirez Torres Flores Rivera Gomez Diaz "
    "Cruz Morales Reyes Gutierrez Ortiz Ramos Chavez Ruiz Alvarez Mendoza Castillo Jimenez Vasquez Moreno "
    "Romero Herrera Medina Aguilar Vargas Guzman Mendez Castro Munoz Salazar Nguyen Tran Le Pham Huynh Vo "
    "Kim Lee Park Chen Wang Li Zhang Liu Wong Singh Patel Khan Smith Johnson Williams Brown Jones Miller Davis "
    "Wilson Anderson Taylor Thomas Moore Jackson Martin Thompson White Harris Clark Lewis Robinson Walker Young "
    "Allen King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans "
    "Turner Parker Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Peterson Cooper Reed Bailey Bell "
    "Kelly Howard Ward Cox Richardson Wood Watson Brooks Bennett Gray James Hughes Price Sanders Myers Long "
    "Ross Foster Powell Jenkins Perry Russell Sullivan Fisher Henderson Coleman Simmons Patterson Jordan"
)
FIRST_NAMES = words(
    "Maria Jose Juan Luis Carlos Jesus Ana Rosa Miguel Francisco Antonio Guadalupe Jorge Alejandro Daniel "
    "Sofia Isabella Camila Valeria Mateo Santiago Diego Gabriel Adrian Emily Olivia Emma Ava Mia Abigail "
    "Madison Elizabeth Chloe Ella Avery Scarlett Grace Lily Aria James John Robert Michael William David "
    "Richard Joseph Thomas Charles Christopher Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth "
    "Kevin Brian George Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen "
    "Larry Justin Scott Brandon Benjamin Samuel Gregory Frank Raymond Patrick Jack Dennis Jerry Tyler Aaron "
    "Linh Minh Anh Thao Huong Jin Min Wei Mei Hana Yuki Priya Aisha Fatima Omar Ali Amir Noah Liam Ethan "
    "Lucas Elijah Logan Jackson Aiden Sebastian Julian Leah Hannah Natalie Zoe Nora Ruby Alice Jasmine Maya"
)
STREETS = words("Main Oak Pine Maple Cedar Elm Washington Lake Hill Park Sunset Mission Valley Broadway Fulton")
STREET_KINDS = ("St", "Ave", "Blvd", "Dr", "Way", "Ct")
CITIES = (
    ("Sacramento", 958),
    ("Fresno", 937),
    ("Stockton", 952),
    ("Modesto", 953),
    ("Bakersfield", 933),
    ("Los Angeles", 900),
    ("Oakland", 946),
    ("San Jose", 951),
    ("Visalia", 932),
    ("Merced", 953),
)
STATUS_LABELS = {
    1: "Pending Outreach",
    2: "Enrolled",
    3: "Unable to Contact",
    4: "Declined",
    5: "Discontinued",
    6: "Not Eligible",
}
STATUS_WEIGHTS = {1: 18, 2: 52, 3: 8, 4: 7, 5: 10, 6: 5}
DISCONTINUATION_CODES = {
    3: ("02",),
    4: ("01",),
    5: ("01", "03", "04", "05", "06", "07", "09"),
    6: ("04", "08"),
}
DISCONTINUATION_REASONS = {
    "01": "Member opted out",
    "02": "Unable to contact after outreach",
    "03": "Goals met",
    "04": "Lost Medi-Cal",
    "05": "Moved out of county",
    "06": "Deceased",
    "07": "Transferred to another provider",
    "08": "Does not meet POF",
    "09": "Other",
}
POF_CODES = ("1a", "1b", "2", "3", "4", "5", "6", "7", "8", "9")
LOOP_CLOSURE = ("Member Declined", "Unable to Contact", "Not Eligible", "Provider Unable to Serve", "Other")
MISTAKES = ("blank_acuity", "lower_cin", "text_date", "lower_acuity", "missing_lcm", "duplicate_cin")


def npi_with_check_digit(first9: str) -> str:
    """A 10-digit NPI with a valid Luhn check digit (computed over the 80840 prefix)."""
    digits = [int(d) for d in "80840" + first9]
    total = 0
    for i, digit in enumerate(reversed(digits)):
        if i % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return first9 + str((10 - total % 10) % 10)


PROVIDER_NPI = npi_with_check_digit("123456789")


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def random_phone(rng: random.Random) -> str:
    return f"({rng.choice((209, 279, 559, 661, 916, 510, 408))}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"


class RowMaker:
    """Builds one RTF row at a time as a {column id: value} dict; deterministic for a given seed."""

    def __init__(self, rng: random.Random, rows: int) -> None:
        self.rng = rng
        numbers = rng.sample(range(90_000_000, 100_000_000), rows)
        self.cins = [f"{n}{rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}" for n in numbers]
        # ~1 Lead Care Manager per 32 enrolled members: a few exceed the 1:50 case load, as in real files.
        managers = max(1, rows * STATUS_WEIGHTS[2] // sum(STATUS_WEIGHTS.values()) // 32)
        self.managers = [
            (f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", random_phone(rng), i) for i in range(managers)
        ]
        self.statuses = list(STATUS_WEIGHTS)
        self.weights = list(STATUS_WEIGHTS.values())

    def row(self, index: int) -> dict[str, object]:
        rng = self.rng
        status = rng.choices(self.statuses, self.weights)[0]
        r: dict[str, object] = {
            "mcp_id": MCP_ID,
            "mcp_name": MCP_NAME,
            "cin": self.cins[index],
            "last_name": rng.choice(LAST_NAMES),
            "first_name": rng.choice(FIRST_NAMES),
            "dob": random_date(rng, dt.date(1938, 1, 1), dt.date(2024, 6, 30)) if rng.random() < 0.93 else None,
            "new_address": "Y" if rng.random() < 0.12 else "N",
            "homeless": "Y" if rng.random() < 0.15 else "N",
            "new_phone": "Y" if rng.random() < 0.18 else "N",
            "status": status if rng.random() < 0.85 else f"{status} - {STATUS_LABELS[status]}",
            "acuity": rng.choices(("Low", "Medium", "High"), (5, 3, 2))[0],
            "production_date": PRODUCTION_DATE,
            "reporting_period": REPORTING_PERIOD,
            "provider_name": PROVIDER_NAME,
            "provider_npi": PROVIDER_NPI,
            "provider_tin": PROVIDER_TIN,
            "provider_phone": PROVIDER_PHONE,
        }
        if r["new_address"] == "Y" and r["homeless"] == "N":
            city, zip3 = rng.choice(CITIES)
            r["address"] = f"{rng.randint(10, 9999)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}"
            r["city"] = city
            r["state"] = "CA"
            r["zip"] = f"{zip3}{rng.randint(0, 99):02d}" if rng.random() < 0.7 else zip3 * 100 + rng.randint(0, 99)
        if r["new_phone"] == "Y":
            r["phone"] = random_phone(rng) if rng.random() < 0.8 else int(f"916{rng.randint(2000000, 9999999)}")
        if rng.random() < 0.65:
            r["pof_indicator"] = "Y"
            r["pof"] = ";".join(sorted(rng.sample(POF_CODES, rng.choice((1, 1, 1, 2, 2, 3)))))
        elif rng.random() < 0.5:
            r["pof_indicator"] = "N"
        self._status_dates(r, status)
        self._referral(r, status)
        return r

    def _status_dates(self, r: dict[str, object], status: int) -> None:
        rng = self.rng
        start: dt.date | None = None
        if status == 2 or status == 5 or (status == 4 and rng.random() < 0.4):
            start = random_date(rng, dt.date(2023, 1, 1), dt.date(2026, 10, 25))
            r["enrollment_start"] = start
        if status >= 3:
            earliest = start + dt.timedelta(days=1) if start else dt.date(2026, 7, 1)
            ended = random_date(rng, max(earliest, dt.date(2026, 8, 1)), PERIOD_END)
            r["discontinuation_date"] = ended
            if start is not None:
                r["enrollment_end"] = ended
            code = rng.choice(DISCONTINUATION_CODES[status])
            r["discontinuation_code"] = code
            if rng.random() < 0.4:
                r["discontinuation_reason"] = DISCONTINUATION_REASONS[code]
        if status == 2:
            name, phone, number = rng.choice(self.managers)
            r["lcm_name"] = name
            r["lcm_phone"] = phone
            if rng.random() < 0.5:
                r["lcm_email"] = f"{name.split()[0].lower()}.{number}@sierraccp.org"
        if start is not None:
            last = r.get("discontinuation_date") or PRODUCTION_DATE
            assert isinstance(last, dt.date)
            for column, chance in (("care_plan_revision", 0.7), ("care_conference", 0.4)):
                if rng.random() < chance:
                    r[column] = random_date(rng, start, last)
            if rng.random() < 0.75:
                begun = random_date(rng, start, last)
                r["assessment_started"] = begun
                if rng.random() < 0.8:
                    r["assessment_completed"] = random_date(rng, begun, min(last, begun + dt.timedelta(days=30)))
        if status not in (3, 6) and rng.random() < 0.7:
            since = start or dt.date(2026, 6, 1)
            encounter = random_date(rng, since, min(r.get("discontinuation_date") or PERIOD_END, PERIOD_END))
            r["last_encounter"] = encounter
            if encounter >= REPORTING_PERIOD or rng.random() < 0.5:
                r["in_person"] = rng.randint(0 if encounter < REPORTING_PERIOD else 1, 4)
                r["telephonic"] = rng.randint(0, 6) if rng.random() < 0.8 else None
        elif status == 3 or (status == 1 and rng.random() < 0.5):
            r["in_person"] = rng.randint(0, 2)
            r["telephonic"] = rng.randint(1, 8)

    def _referral(self, r: dict[str, object], status: int) -> None:
        rng = self.rng
        if rng.random() >= 0.3:
            return
        referral = rng.choices(("Pending", "Accepted", "Declined", "Closed"), (3, 4, 1, 2))[0]
        r["referral_status"] = referral
        r["referral_update"] = random_date(rng, dt.date(2026, 1, 1), PERIOD_END)
        if referral == "Closed":
            r["loop_closure_reason"] = "Services Received" if status in (2, 5) else rng.choice(LOOP_CLOSURE)

    def add_mistake(self, r: dict[str, object], index: int) -> None:
        """One of the mistakes providers typically make (about 1% of rows)."""
        rng = self.rng
        mistake = rng.choice(MISTAKES)
        if mistake == "blank_acuity":
            r["acuity"] = None
        elif mistake == "lower_cin":
            r["cin"] = str(r["cin"]).lower()
        elif mistake == "lower_acuity":
            r["acuity"] = str(r["acuity"]).lower()
        elif mistake == "missing_lcm" and "lcm_name" in r:
            r["lcm_name"] = None
        elif mistake == "duplicate_cin" and index > 0:
            r["cin"] = self.cins[index - 1]
        else:  # text_date: a date typed as text, as happens when a column is formatted as Text
            column = next((c for c in ("enrollment_start", "discontinuation_date", "dob") if r.get(c)), None)
            if column is not None:
                value = r[column]
                assert isinstance(value, dt.date)
                r[column] = f"{value.month}/{value.day}/{value.year}"


def generate(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    from calaimfiles.layouts import load_layout

    layout = load_layout("RTF")
    columns = [column.id for column in layout.columns]
    headers = [column.name for column in layout.columns]
    rng = random.Random(SEED)
    maker = RowMaker(rng, rows)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("RTF")
    sheet.append(headers)
    for index in range(rows):
        row = maker.row(index)
        if rng.random() < 0.01:
            maker.add_mistake(row, index)
        sheet.append([row.get(column) for column in columns])
    partial = path.with_suffix(".partial.xlsx")
    book.save(partial)
    partial.replace(path)


def workbook_for(rows: int) -> Path:
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    path = CACHE_DIR / f"rtf_{rows}_v{GENERATOR_VERSION}_seed{SEED}.xlsx"
    if path.exists():
        print(f"using cached {path}")
    else:
        print(f"generating {rows:,} rows into {path} ...", flush=True)
        started = time.perf_counter()
        # In its own process: on Linux a child's ru_maxrss starts from this process's peak RSS at spawn time,
        # so building 100k rows here would inflate the children's reported peaks.
        worker = multiprocessing.get_context("spawn").Process(target=generate, args=(path, rows))
        worker.start()
        worker.join()
        if worker.exitcode != 0:
            sys.exit(f"generating the workbook failed (exit code {worker.exitcode})")
        print(f"generated in {time.perf_counter() - started:.1f} s")
    return path


@dataclass
class Run:
    seconds: float
    exit_code: int
    max_rss_kib: int  # ru_maxrss of that one child; Linux reports KiB


def run_once(command: Sequence[str]) -> Run:
    """Run a command in a fresh process, stdout to /dev/null; wall-clock time and that child's own peak RSS.

    os.wait4 gives the rusage of this one child (RUSAGE_CHILDREN would be the maximum over every child so far).
    On Linux the figure is never below this launcher's own peak RSS at spawn time, printed in the table.
    """
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)  # per-child rusage, unlike RUSAGE_CHILDREN's running maximum
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        error_output = stderr.read().decode(errors="replace")
    if process.returncode not in (0, 1):
        sys.exit(f"command failed with exit code {process.returncode}: {' '.join(command)}\n{error_output}")
    return Run(seconds, process.returncode, usage.ru_maxrss)


def measure(commands: dict[str, Sequence[str]], repeat: int) -> dict[str, list[Run]]:
    """Run the commands in turn, `repeat` rounds: interleaving puts both under the same machine load, which on a
    shared 2-core machine drifts more between minutes than between neighbouring runs."""
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for i in range(repeat):
        for name, command in commands.items():
            run = run_once(command)
            rss = run.max_rss_kib / 1024
            print(f"  {name} #{i + 1}: {run.seconds:.2f} s (exit {run.exit_code}, peak RSS {rss:.0f} MiB)")
            runs[name].append(run)
    return runs


RAW_READ = """
import sys
from python_calamine import CalamineWorkbook
rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python(skip_empty_area=False)
cells = 0
for row in rows:
    for value in row:
        if value != "":
            cells += 1
print(len(rows), cells)
"""


def calaimfiles_command() -> str:
    beside = Path(sys.executable).parent / "calaimfiles"
    found = str(beside) if beside.exists() else shutil.which("calaimfiles")
    if found is None:
        sys.exit("calaimfiles is not installed: activate the project's virtualenv (pip install -e .)")
    return found


def benchmark(path: Path, rows: int, repeat: int) -> None:
    raw_command = [sys.executable, "-c", RAW_READ, str(path)]
    validate_command = [calaimfiles_command(), "validate", str(path), "--format", "json", "--as-of", AS_OF.isoformat()]
    print(f"timing {repeat} repetitions of each (fresh processes, wall clock):")
    runs = measure({"raw read": raw_command, "validate": validate_command}, repeat)
    raw, validate = runs["raw read"], runs["validate"]
    if validate[0].exit_code == 0:
        print("  note: validate exited 0, so the seeded mistakes were not reported")
    raw_median = statistics.median(run.seconds for run in raw)
    validate_median = statistics.median(run.seconds for run in validate)
    ratio = statistics.median(v.seconds / r.seconds for r, v in zip(raw, validate, strict=True))
    table = [
        ("rows", f"{rows:,}"),
        ("file size", f"{path.stat().st_size / 1_000_000:.1f} MB"),
        ("raw read median", f"{raw_median:.2f} s"),
        ("validate median", f"{validate_median:.2f} s"),
        ("ratio validate/raw", f"{ratio:.2f}"),  # the median of each round's ratio
        ("validate rows/second", f"{rows / validate_median:,.0f}"),
        ("raw read peak RSS", f"{max(run.max_rss_kib for run in raw) / 1024:.0f} MiB"),
        ("validate peak RSS", f"{max(run.max_rss_kib for run in validate) / 1024:.0f} MiB"),
        ("this launcher's peak RSS", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"),
        (f"target ratio <= {TARGET_RATIO}", "met" if ratio <= TARGET_RATIO else "NOT met"),
    ]
    width = max(len(label) for label, _ in table)
    print()
    for label, value in table:
        print(f"{label:<{width}}  {value:>12}")


def profile(path: Path, top: int = 25) -> None:
    from calaimfiles.validate import ValidationRequest, validate_file

    print(f"\nprofiling one in-process validation of {path.name} (top {top} by cumulative time):")
    profiler = cProfile.Profile()
    profiler.enable()
    results = validate_file(path, ValidationRequest(as_of=AS_OF))
    profiler.disable()
    findings = sum(len(result.findings) for result in results)
    print(f"{sum(result.rows for result in results):,} rows, {findings:,} findings")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats(pstats.SortKey.CUMULATIVE).print_stats(top)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the generated workbook (default 100000)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions of each measurement (at least 3)")
    parser.add_argument("--profile", action="store_true", help="also run one validation under cProfile")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    if args.repeat < 3:
        parser.error("--repeat must be at least 3, so the median means something")
    path = workbook_for(args.rows)
    benchmark(path, args.rows, args.repeat)
    if args.profile:
        profile(path)


if __name__ == "__main__":
    main()
