"""Validate files: read -> find the header and layout -> normalise -> run the checks -> findings.

This is the library entry point behind `calaimfiles validate`; it never prints and never writes. Files checked
together (`validate_set`, `cross_check_folder`) are each read once and then checked against each other.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import multiprocessing
import os
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from calaimfiles.findings import Finding, Severity, column_number
from calaimfiles.layouts import LAYOUT_NAMES, all_layouts, load_layout
from calaimfiles.paths import input_problem
from calaimfiles.reading.header import HEADER_SEARCH_ROWS, HeaderMatch, find_header
from calaimfiles.reading.workbook import READABLE_SUFFIXES, ReadError, Sheet, Workbook

if TYPE_CHECKING:
    from calaimfiles.rules.crossfile import Pairing, Summary
    from calaimfiles.rules.table import Table

T = TypeVar("T")

CALIFORNIA = zoneinfo.ZoneInfo("America/Los_Angeles")


class InputError(Exception):
    """The input cannot be validated at all (exit code 2); the message is one sentence for the user.

    `path` names the file at fault when it is not the one being checked: a partner given with it (`--against`,
    `--otf`), so the user is told which file to look at.
    """

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


def today_in_california(now: dt.datetime | None = None) -> dt.date:
    """Dates in these files are California calendar dates, whatever the machine's time zone."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(CALIFORNIA).date()


@dataclass
class Selection:
    """Which codes to report, as with ruff: a code or a prefix (`RTF`, `RTF-R3`, `DATE`) selects or ignores."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def wants(self, code: str) -> bool:
        if self.select and not any(_matches(code, s) for s in self.select):
            return False
        return not any(_matches(code, s) for s in self.ignore)


def _matches(code: str, pattern: str) -> bool:
    """`RTF` matches RTF-R3; `RTF-R3` matches RTF-R3 and RTF-R3a but not RTF-R30."""
    code, pattern = code.upper(), pattern.upper()
    if code == pattern or code.startswith(pattern + "-"):
        return True
    rest = code[len(pattern):]
    return code.startswith(pattern) and pattern[-1:].isdigit() and rest.isalpha()


@dataclass
class ValidationRequest:
    """Everything a run needs: `as_of` is 'today' for future-date rules; `layout`/`sheet` override detection;
    `plan` names the plan profile (or its .toml file) the files follow, None for the reference."""

    as_of: dt.date = field(default_factory=today_in_california)
    period: dt.date | None = None
    layout: str | None = None
    plan: str | None = None
    sheet: str | None = None
    selection: Selection = field(default_factory=Selection)


@dataclass
class SheetResult:
    """The findings for one sheet that holds a layout."""

    path: Path
    layout: str
    sheet: str
    rows: int
    findings: list[Finding]
    # Past KEPT_PER_SHEET findings are counted, not kept: (code, severity, fixable) -> how many.
    not_kept: dict[tuple[str, Severity, bool], int] = field(default_factory=dict)

    def count(self, severity: Severity) -> int:
        return (sum(1 for f in self.findings if f.severity == severity)
                + sum(n for (_, level, _), n in self.not_kept.items() if level == severity))

    def fixable(self) -> int:
        return sum(1 for f in self.findings if f.fixable) + sum(n for (_, _, fix), n in self.not_kept.items() if fix)


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into the readable files directly inside them (Excel's `~$` lock files skipped)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir()
                       if p.is_file() and p.suffix.lower() in READABLE_SUFFIXES and not p.name.startswith("~$"))
            )
        else:
            files.append(path)
    return files


@dataclass
class CheckedFile:
    """A file read and checked on its own. Its tables are kept for the checks across files, which add their
    findings to them: each file is read once, however many files it is paired with."""

    path: Path
    tables: list[Table]

    def of_layout(self, name: str) -> list[Table]:
        return [table for table in self.tables if table.layout.name == name]

    def results(self, selection: Selection) -> list[SheetResult]:
        results = []
        for table in self.tables:
            findings = [f for f in table.findings if selection.wants(f.code)]
            in_sheet_order(findings)
            not_kept = {key: n for key, n in table.not_kept.items() if selection.wants(key[0])}
            results.append(SheetResult(self.path, table.layout.name, table.sheet, len(table), findings, not_kept))
        return results


def in_sheet_order(findings: list[Finding]) -> None:
    """Sort by row, then column, then code, in place. Two stable sorts on plain keys rather than one on tuples:
    a million findings would otherwise hold a million key tuples at once."""
    findings.sort(key=lambda finding: finding.code)
    findings.sort(key=lambda finding: (finding.row or 0) << 16 | column_number(finding.cell))


def check_file(path: Path, request: ValidationRequest) -> CheckedFile:
    """Read one file and run the single-file checks on every sheet that holds a known layout. Raises InputError
    when none can be checked."""
    with _opened(path) as book:
        # The sheets start loading in the background before the rules are imported: the rules bring pandas,
        # which takes a good part of a second to import, and calamine parses meanwhile without the GIL.
        book.prefetch(_sheet_names(book, request))
        from calaimfiles.rules.engine import check_sheet

        tables = [check_sheet(book.path, sheet, header, request.as_of, request.period)
                  for sheet, header in _layout_sheets(book, request)]
        return CheckedFile(book.path, tables)


def check_files(paths: Sequence[Path], request: ValidationRequest) -> list[CheckedFile | Exception]:
    """`check_file` for each file, in order, or the error that kept it from being checked, with the sheets of all
    the files checked together (`rules.engine.check_sheets`): many small files cost little more than one. Every
    sheet is held read until the checks, so give as many files as fit in memory at once; one file alone is
    checked by `check_file`, its sheets streamed."""
    if len(paths) == 1:
        return [_checked_or_error(paths[0], request)]
    from calaimfiles.rules.engine import check_sheets

    checked: list[CheckedFile | Exception] = []
    sheets: list[tuple[CheckedFile, Sheet, HeaderMatch]] = []
    for path in paths:
        before = len(sheets)
        try:
            with _opened(path) as book:
                file = CheckedFile(book.path, [])
                sheets += [(file, sheet, header) for sheet, header in _layout_sheets(book, request)]
                checked.append(file)
        except Exception as error:  # InputError, or a bug that must not cost the other files their results
            del sheets[before:]
            checked.append(error)
    try:
        tables = check_sheets([(file.path, sheet, header) for file, sheet, header in sheets], request.as_of,
                              request.period)
    except Exception:  # a bug in a check: check the files one by one, so that it shows on its own file
        return [_checked_or_error(path, request) for path in paths]
    for (file, _, _), table in zip(sheets, tables, strict=True):
        file.tables.append(table)
    return checked


def _checked_or_error(path: Path, request: ValidationRequest) -> CheckedFile | Exception:
    try:
        return check_file(path, request)
    except Exception as error:
        return error


def validate_file(path: Path, request: ValidationRequest) -> list[SheetResult]:
    """Validate every sheet of one file that holds a known layout. Raises InputError when none can be checked."""
    return check_file(path, request).results(request.selection)


def validate_set(
    primary: Path, request: ValidationRequest, against: Path | None = None, otf: Sequence[Path] = ()
) -> list[SheetResult]:
    """Validate a return file with the files it is checked against (reference section 9): `against`, the plan's
    file it answers (the MIF of an RTF, the CSASF of a CSPRTF), and `otf`, an RTF's outreach trackers (several
    months may be given: rule R9 looks at the whole outreach). Every file gets its single-file checks; the
    findings across files go on the primary file, the one to change. Results for every file, primary first.

    InputError when a file cannot be read or does not hold what it is given as (its `path` names a partner).
    """
    from calaimfiles.rules.crossfile import PLAN_FILE, check_against_plan_file, check_rtf_against_otf

    main = check_file(primary, request)
    answers = [table for table in main.tables if table.layout.name in PLAN_FILE]
    if against is not None and not answers:
        raise InputError(f"--against checks an RTF or a CSPRTF, but this file holds {_layout_list(main)}")
    rtfs = main.of_layout("RTF")
    if otf and not rtfs:
        raise InputError(f"--otf checks an RTF, but this file holds {_layout_list(main)}")
    # Partners are read as what they are, whatever --layout and --sheet say about the primary file.
    partner_request = replace(request, layout=None, sheet=None)
    checked = [main]
    if against is not None:
        plan = _partner(against, partner_request)
        for answer in answers:
            wanted = PLAN_FILE[answer.layout.name]
            tables = plan.of_layout(wanted)
            if not tables:
                raise InputError(f"holds {_layout_list(plan)}, not the {wanted} layout the {answer.layout.name} is "
                                 "checked against", against)
            check_against_plan_file(answer, tables[0], against.name)
        checked.append(plan)
    if otf:
        period = rtfs[0].most_common("reporting_period")
        otf_request = replace(partner_request, period=request.period or (period.date() if period is not None else None))
        trackers = [_partner(path, otf_request, "OTF") for path in otf]
        for rtf in rtfs:
            check_rtf_against_otf(rtf, [table for tracker in trackers for table in tracker.of_layout("OTF")])
        checked += trackers
    return [result for file in checked for result in file.results(request.selection)]


def _partner(path: Path, request: ValidationRequest, layout: str | None = None) -> CheckedFile:
    """A file checked alongside the primary one; its problems are reported under its own name."""
    try:
        partner = check_file(path, request)
    except InputError as error:
        raise InputError(str(error), path) from None
    if layout is not None and not partner.of_layout(layout):
        raise InputError(f"holds {_layout_list(partner)}, not the {layout} layout", path)
    return partner


def _layout_list(checked: CheckedFile) -> str:
    names = sorted({table.layout.name for table in checked.tables})
    return f"the {' and '.join(names)} layout{'s' if len(names) > 1 else ''}"


def cross_check_folder(files: Sequence[CheckedFile]) -> None:
    """Pair the files of one folder as a provider's months and run the checks across each pair; files without a
    partner stay checked alone (`rules.crossfile.pair_folder` says which files go together)."""
    from calaimfiles.rules.crossfile import check_folder

    check_folder([(file.path.name, table) for file in files for table in file.tables])


@dataclass
class FileOutcome:
    """One file of a run over many: its results, or the error that kept it from being checked. `summaries` tell
    which files of its folder it is checked against (`rules.crossfile.pair_folder`)."""

    path: Path
    results: list[SheetResult]
    summaries: list[Summary] = field(default_factory=list)
    error: Exception | None = None


def default_jobs() -> int:
    """Every core this process may use."""
    counter = getattr(os, "process_cpu_count", os.cpu_count)  # Python 3.13 counts only the cores it may use
    return max(1, counter() or 1)


def validate_files(
    files: Sequence[Path],
    request: ValidationRequest,
    folders: Mapping[Path, Sequence[Path]] | None = None,
    jobs: int = 1,
    on_file: Callable[[Path], object] | None = None,
) -> list[FileOutcome]:
    """Validate many files: one outcome per file, in the order given, then one for each folder whose checks
    across files failed. Each file is checked on its own in one of `jobs` processes (`on_file` hears of each, in
    order); then the files of each folder in `folders` are paired on small summaries, and each return file is
    read again with its partners for the checks across files: tables never travel between processes, and none
    is kept meanwhile. The outcomes are the same whatever `jobs` is; an error in one file does not stop the
    others.
    """
    folders = folders or {}
    in_folder = {file for folder in folders.values() for file in folder}
    with _pool(jobs, files) as pool:
        batches = [(batch, pool.submit(_check_batch, batch, request, in_folder.intersection(batch)))
                   for batch in _batches(files)]
        outcomes = {}
        for batch, future in batches:
            for path, outcome in zip(batch, future.result(), strict=True):
                outcomes[path] = outcome
                if on_file is not None:
                    on_file(path)
        failed = []
        across = [(folder, pool.submit(_check_across, pairings, request))
                  for folder, pairings in _pairings(folders, outcomes)]
        for folder, added in across:
            try:
                for path, sheet, findings in added.result():
                    _merge(outcomes[path], sheet, findings, request.selection)
            except Exception as error:  # the files keep their own results
                failed.append(FileOutcome(folder, [], error=error))
    return list(outcomes.values()) + failed


# Small files are checked in batches, their sheets stacked (`check_files`). A batch holds its files read at once,
# so it is bounded by bytes on disk as well; a larger file is checked alone, its sheets streamed.
_BATCH_FILES = 25  # enough that a stack costs little more per file than reading it; many batches a worker
_BATCH_BYTES = 4 << 20
_ALONE_BYTES = 1 << 20  # about 7,000 RTF rows


def _batches(files: Sequence[Path]) -> Iterator[list[Path]]:
    """The files in order, in batches to check together."""
    batch: list[Path] = []
    size = 0
    for path in files:
        on_disk = _bytes_on_disk(path)
        if on_disk > _ALONE_BYTES:
            if batch:
                yield batch
                batch, size = [], 0
            yield [path]
            continue
        batch.append(path)
        size += on_disk
        if len(batch) >= _BATCH_FILES or size >= _BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _bytes_on_disk(path: Path) -> int:
    """The file's size; 0 for what is not a readable file, which fails fast when checked."""
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


# Starting the workers costs about 1.2 s on 2 cores; checking 120 files of 200 rows (4 MiB) in this process takes
# about as long, so below that size the workers cost more than they save (measured with 30, 60 and 120 files).
_POOL_WORTH_BYTES = 4 << 20


@contextlib.contextmanager
def _pool(jobs: int, files: Sequence[Path]) -> Iterator[Executor]:
    """Worker processes, or the calling thread when one would do: the workers' server starts a Python and imports
    pandas, most of a second, so a few small files are checked faster here."""
    workers = min(jobs, len(files))
    if workers > 1 and sum(map(_bytes_on_disk, files)) < _POOL_WORTH_BYTES:
        workers = 1
    if workers <= 1:
        with _InProcess() as executor:
            yield executor
        return
    with ProcessPoolExecutor(workers, mp_context=_worker_context()) as executor:
        yield executor


def _worker_context() -> multiprocessing.context.BaseContext:
    """Workers forked from a server process that imported the rules once (where the system has one), rather
    than each starting a Python and importing pandas itself; never forked from this process, whose reading
    threads may hold locks."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["calaimfiles.rules.engine"])
    return context


class _InProcess(Executor):
    """An executor that runs each task when it is submitted."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def _check_batch(paths: list[Path], request: ValidationRequest, in_folder: set[Path]) -> list[FileOutcome]:
    """Run in a worker: the single-file checks of a batch of files, with the summaries to pair each file of a
    folder."""
    outcomes = []
    for path, file in zip(paths, check_files(paths, request), strict=True):
        if isinstance(file, Exception):
            outcomes.append(FileOutcome(path, [], error=file))
            continue
        try:
            summaries = _summaries(file) if path in in_folder else []
            outcomes.append(FileOutcome(path, file.results(request.selection), summaries))
        except Exception as error:  # a bug in one check must not cost the other files' results
            outcomes.append(FileOutcome(path, [], error=error))
    return outcomes


def _summaries(checked: CheckedFile) -> list[Summary]:
    from calaimfiles.rules.crossfile import summarize

    return [summarize(checked.path.name, table) for table in checked.tables]


def _pairings(
    folders: Mapping[Path, Sequence[Path]], outcomes: dict[Path, FileOutcome]
) -> Iterator[tuple[Path, list[Pairing]]]:
    """The pairings of each folder, grouped by return file (read once for all of its tables); the answer's
    summary names its file by path."""
    from calaimfiles.rules.crossfile import pair_folder

    for folder, files in folders.items():
        by_name = {path.name: path for path in files if outcomes[path].error is None}
        grouped: dict[str, list[Pairing]] = {}
        for pairing in pair_folder([s for path in by_name.values() for s in outcomes[path].summaries]):
            grouped.setdefault(pairing.answer.file, []).append(pairing)
        for name, pairings in grouped.items():
            yield folder, [replace(p, answer=replace(p.answer, file=str(by_name[name]))) for p in pairings]


def _check_across(pairings: list[Pairing], request: ValidationRequest) -> list[tuple[Path, str, list[Finding]]]:
    """Run in a worker: read a return file and its partners (by name, in its folder) again and run the checks
    across them; the findings these add to each sheet of the return file."""
    from calaimfiles.rules.crossfile import check_pairing

    answer = Path(pairings[0].answer.file)
    names = {answer.name: answer} | {
        s.file: answer.with_name(s.file) for p in pairings for s in (p.plan, *p.otfs) if s is not None}
    tables = {(name, table.sheet): table for name, path in names.items() for table in read_tables(path, request)}
    own = {sheet: len(table.findings) for (name, sheet), table in tables.items() if name == answer.name}
    for pairing in pairings:
        check_pairing(pairing, lambda s: tables[(Path(s.file).name, s.sheet)])
    # Reading reports each cell's problems again; only what the checks across files added is new.
    return [(answer, sheet, tables[(answer.name, sheet)].findings[count:]) for sheet, count in own.items()]


def _merge(outcome: FileOutcome, sheet: str, findings: list[Finding], selection: Selection) -> None:
    """Add the findings across files to the results of one sheet, in the order `CheckedFile.results` gives."""
    for result in outcome.results:
        if result.sheet == sheet:
            result.findings.extend(f for f in findings if selection.wants(f.code))
            in_sheet_order(result.findings)


def read_tables(path: Path, request: ValidationRequest) -> list[Table]:
    """The normalised table of every sheet that holds a known layout, without running the checks: what
    commands that build, convert or compare files work from. Raises InputError like `validate_file`."""
    with _opened(path) as book:
        from calaimfiles.rules.table import Options, build_table

        options = Options(as_of=request.as_of, period=request.period)
        return [build_table(sheet, header, options) for sheet, header in _layout_sheets(book, request)]


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[Workbook]:
    """Open a file for reading; every way it can fail becomes an InputError with one plain sentence."""
    if path.is_dir():
        raise InputError("is a folder; pass the folder itself to validate every workbook in it")
    if (problem := input_problem(path)) is not None:  # before any open: a FIFO would block it for ever
        raise InputError(problem)
    if path.suffix.lower() not in READABLE_SUFFIXES:
        raise InputError(f"cannot read {path.suffix or 'files without an extension'}: use .xlsx, .xlsm, .xls or .csv")
    try:
        with _cycle_collector_paused():
            yield Workbook(path)
    except ReadError as error:
        raise InputError(str(error)) from None
    except MemoryError:
        raise InputError("the file is too large to read into memory") from None


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """A sheet read makes a million objects and no reference cycles, yet Python's cycle collector would walk
    them over and over while the checks allocate (about a sixth of the time of a 100,000-row file)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _sheet_names(book: Workbook, request: ValidationRequest) -> list[str]:
    """The sheets to look at: the one asked for with --sheet, else all of them."""
    if request.sheet is not None and request.sheet not in book.sheet_names:
        raise InputError(f"has no sheet named {request.sheet!r} (sheets: {', '.join(book.sheet_names)})")
    return [request.sheet] if request.sheet is not None else list(book.sheet_names)


def _layout_sheets(book: Workbook, request: ValidationRequest) -> Iterator[tuple[Sheet, HeaderMatch]]:
    """Each sheet that holds a known layout, with its header; InputError when there is none."""
    layouts = [load_layout(request.layout, request.plan)] if request.layout else all_layouts(request.plan)
    names = _sheet_names(book, request)
    book.prefetch(names)
    found = empty = 0
    for name in names:
        sheet = book.sheet(name)
        head = sheet.head(HEADER_SEARCH_ROWS)
        # A sheet whose first rows are blank is read whole to tell whether it is empty; any other is streamed.
        if not any(map(any, head)) and not any(map(any, sheet.rows)):
            empty += 1
            continue
        header = find_header(head, layouts, name)
        if header is not None:
            found += 1
            yield sheet, header
    if not found:
        raise InputError(_nothing_found(names, empty, request))


def _nothing_found(names: Sequence[str], empty: int, request: ValidationRequest) -> str:
    if empty == len(names):
        return "the sheet is empty" if len(names) == 1 else "every sheet is empty"
    wanted = f"the {request.layout.upper()} layout" if request.layout else f"any layout ({', '.join(LAYOUT_NAMES)})"
    if request.sheet:
        return f"sheet {request.sheet!r} has no header row matching {wanted} in its first {HEADER_SEARCH_ROWS} rows"
    return f"no header row matching {wanted} in the first {HEADER_SEARCH_ROWS} rows of any sheet"
