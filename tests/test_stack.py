"""Many small files are checked together, their sheets stacked into one table (`check_files`): every file must
get exactly the findings it gets when checked alone, whatever the other files in the stack hold."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from builders import AS_OF, RETURN_PRODUCED, member_cin, rtf_row, valid_rows, write_csv, write_xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calaimfiles import validate as validation
from calaimfiles.validate import CheckedFile, ValidationRequest, check_file, check_files, collect_files

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
REQUEST = ValidationRequest(as_of=AS_OF)


def assert_same_as_alone(files: list[Path], request: ValidationRequest = REQUEST) -> list[CheckedFile]:
    """check_files gives, file by file, what check_file gives: findings in order, and tables that read the same
    (the checks across files work from them)."""
    together = check_files(files, request)
    assert len(together) == len(files)
    checked = []
    for path, file in zip(files, together, strict=True):
        assert isinstance(file, CheckedFile), (path, file)
        alone = check_file(path, request)
        assert file.results(request.selection) == alone.results(request.selection), path.name
        assert [t.records() for t in file.tables] == [t.records() for t in alone.tables], path.name
        assert [len(t) for t in file.tables] == [len(t) for t in alone.tables]
        checked.append(file)
    return checked


def test_the_examples_checked_together(tmp_path: Path) -> None:
    files = collect_files([EXAMPLES])
    checked = assert_same_as_alone(files)
    assert sum(len(r.findings) for f in checked for r in f.results(REQUEST.selection)) > 50  # mistakes, found


def test_what_a_file_holds_as_a_whole_is_judged_per_file(tmp_path: Path) -> None:
    """Values that must agree across a file, repeated members, case loads and dates against the production date
    look at one file only, never at its neighbours in the stack."""
    earlier = RETURN_PRODUCED - dt.timedelta(days=2)
    lcm = {"lcm_name": "Casey Coordinator"}
    written = [
        # 30 enrolled members of one care manager in each file: 60 together, over the limit of 50, but no file is
        write_xlsx(tmp_path, "RTF", [rtf_row("2", cin=member_cin(n), **lcm) for n in range(30)], filename="a.xlsx"),
        # the same members again (a duplicate only within one file), produced two days earlier, one row differing
        write_xlsx(tmp_path, "RTF", [rtf_row("2", cin=member_cin(n), production_date=earlier, **lcm)
                                     for n in range(30)] + [rtf_row("2", cin=member_cin(5), **lcm)],
                   filename="b.xlsx"),
        # a file above its header rows: its Excel rows are numbered from another start
        write_xlsx(tmp_path, "RTF", [rtf_row("1", cin=member_cin(1)), rtf_row("2", enrollment_start=AS_OF)],
                   filename="c.xlsx", title_rows=["Return Transmission File", "March"]),
        # other columns: stacked on their own
        write_xlsx(tmp_path, "RTF", valid_rows("RTF", 3, acuity=""), filename="d.xlsx", drop=["care_conference"]),
        write_csv(tmp_path, "RTF", valid_rows("RTF", 2, production_date="13/45/2026"), filename="e.csv"),
        write_xlsx(tmp_path, "MIF", valid_rows("MIF", 4), filename="f.xlsx"),
    ]
    checked = assert_same_as_alone(written)
    codes = {path.name: {f.code for r in file.results(REQUEST.selection) for f in r.findings}
             for path, file in zip(written, checked, strict=True)}
    messages = {path.name: [f.message for r in file.results(REQUEST.selection) for f in r.findings]
                for path, file in zip(written, checked, strict=True)}
    assert "RTF-R8" not in codes["a.xlsx"] | codes["b.xlsx"]
    assert "RTF-R10" not in codes["a.xlsx"]  # RTF-R10: repeated members and values that differ within the file
    assert any("repeats row" in m for m in messages["b.xlsx"]) and any("same on every row" in m
                                                                         for m in messages["b.xlsx"])


def test_an_unreadable_file_among_others_keeps_its_error_alone(tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "rtf_mistakes.xlsx", tmp_path / "good.xlsx")
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    shutil.copy(EXAMPLES / "otf_clean.xlsx", tmp_path / "other.xlsx")
    together = check_files([tmp_path / "good.xlsx", tmp_path / "broken.xlsx", tmp_path / "other.xlsx"], REQUEST)
    good, broken, other = together
    assert isinstance(broken, validation.InputError)
    assert isinstance(good, CheckedFile) and isinstance(other, CheckedFile)
    assert good.results(REQUEST.selection) == check_file(tmp_path / "good.xlsx", REQUEST).results(REQUEST.selection)


def test_batches_bound_files_and_bytes_and_a_large_file_goes_alone(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = [10, 10, 10, 500, 10, 60, 60, 10]
    files = []
    for n, size in enumerate(sizes):
        files.append(tmp_path / f"{n}.xlsx")
        files[-1].write_bytes(b"x" * size)
    monkeypatch.setattr(validation, "_BATCH_FILES", 3)
    monkeypatch.setattr(validation, "_BATCH_BYTES", 100)
    monkeypatch.setattr(validation, "_ALONE_BYTES", 100)
    batches = [[int(p.stem) for p in batch] for batch in validation._batches(files)]
    assert batches == [[0, 1, 2], [3], [4, 5, 6], [7]]
    assert [n for batch in batches for n in batch] == list(range(len(sizes)))


# Cells a care coordinator might type, good and bad, in the columns the checks of a whole file look at.
_CHOICES: dict[str, list[Any]] = {
    "status": ["1", "2", "2", "3", "5", "9", ""],
    "lcm_name": ["Casey Coordinator", "casey  coordinator", "Robin Manager", ""],
    "production_date": [RETURN_PRODUCED, RETURN_PRODUCED, dt.date(2026, 4, 1), dt.date(2027, 1, 1), "04/31/2026",
                        ""],
    "reporting_period": ["03/2026", "03/2026", "02/2026", "2026-13", ""],
    "last_encounter": [dt.date(2026, 3, 14), dt.date(2026, 5, 1), "yesterday", ""],
    "in_person": [1, 0, "", "two", True],
    "acuity": ["Low", "High", "low", "", 3],
    "provider_npi": ["1234567893", "1234567890", ""],
}


@st.composite
def rtf_file(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(0, 8))
    rows = []
    for _ in range(count):
        changes = {column: draw(st.sampled_from(values)) for column, values in _CHOICES.items()
                   if draw(st.booleans())}
        rows.append(rtf_row("2", cin=member_cin(draw(st.integers(1, 4))), **changes))
    return {"rows": rows, "titles": draw(st.integers(0, 2)), "drop": draw(st.sampled_from([(), ("care_conference",)]))}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(rtf_file(), min_size=2, max_size=4))
def test_random_files_checked_together(tmp_path_factory: pytest.TempPathFactory, specs: list[dict[str, Any]]) -> None:
    folder = tmp_path_factory.mktemp("stack")
    files = [write_xlsx(folder, "RTF", spec["rows"], filename=f"{n}.xlsx", drop=spec["drop"],
                        title_rows=["title"] * spec["titles"]) for n, spec in enumerate(specs)]
    readable = [path for path in files if not isinstance(check_files([path], REQUEST)[0], Exception)]
    assert_same_as_alone(readable)


def test_a_few_small_files_are_checked_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting the workers costs more than checking a few small files here."""

    def no_workers(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("worker processes were started")

    monkeypatch.setattr(validation, "ProcessPoolExecutor", no_workers)
    files = collect_files([EXAMPLES])
    outcomes = validation.validate_files(files, REQUEST, jobs=2)
    assert [o.path for o in outcomes] == files and not any(o.error for o in outcomes)
