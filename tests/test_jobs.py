"""Files checked in several processes (`--jobs`) give exactly the results of one process, pairs included."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from builders import AS_OF, write_xlsx
from typer.testing import CliRunner

from calaimfiles import validate as validation
from calaimfiles.commands import app
from calaimfiles.validate import (
    InputError,
    ValidationRequest,
    check_file,
    collect_files,
    cross_check_folder,
    validate_files,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(autouse=True)
def small_files_in_a_pool_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples are small enough to be checked in-process; these tests want the worker processes."""
    monkeypatch.setattr(validation, "_POOL_WORTH_BYTES", 0)


def example_folder(tmp_path: Path) -> Path:
    """The examples (clean files pair with each other, the files with mistakes too) and one broken file."""
    folder = tmp_path / "month"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns("*.md"))
    (folder / "broken.xlsx").write_bytes(b"not a workbook")
    return folder


def test_two_jobs_give_the_results_of_one_and_of_whole_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = example_folder(tmp_path)
    files = collect_files([folder])
    request = ValidationRequest(as_of=AS_OF)
    pools: list[tuple[object, ...]] = []
    real = validation.ProcessPoolExecutor

    def recorded(*args: object, **kwargs: object) -> object:
        pools.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(validation, "ProcessPoolExecutor", recorded)
    one = validate_files(files, request, {folder: files}, jobs=1)
    assert not pools
    two = validate_files(files, request, {folder: files}, jobs=2)
    assert [workers for workers, *_ in pools] == [2]
    assert [(o.path, o.results) for o in one] == [(o.path, o.results) for o in two]
    assert [type(o.error) for o in two if o.error] == [InputError]
    assert any(f.code == "RTF-MIF-MISSING" for o in two for r in o.results for f in r.findings)  # pairs were checked
    # Pairing on summaries and reading the pairs again finds what pairing the kept tables finds.
    checked = [check_file(path, request) for path in files if path.name != "broken.xlsx"]
    cross_check_folder(checked)
    assert [r for c in checked for r in c.results(request.selection)] == [r for o in two for r in o.results]


def test_files_outside_a_folder_are_not_paired(tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    files = [folder / "rtf_clean.xlsx", folder / "mif_mistakes.xlsx"]
    outcomes = validate_files(files, ValidationRequest(as_of=AS_OF), jobs=2)
    assert not any(f.code.startswith("RTF-MIF") for o in outcomes for r in o.results for f in r.findings)


def test_cli_jobs_output_is_identical(tmp_path: Path) -> None:
    folder = example_folder(tmp_path)
    write_xlsx(folder, "OTF", [], filename="otf_empty.xlsx")
    outputs = []
    for jobs in ("1", "2"):
        result = CliRunner().invoke(app, ["validate", str(folder), "--format", "json", "--as-of", AS_OF.isoformat(),
                                          "--jobs", jobs])
        assert result.exit_code == 2, result.stderr  # the broken file
        assert result.stderr.count("broken.xlsx") == 1
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1]
    assert len(outputs[0]["files"]) == 11


def test_cli_refuses_zero_jobs(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(EXAMPLES / "rtf_clean.xlsx"), "--jobs", "0"])
    assert result.exit_code == 2


@pytest.mark.parametrize("methods", [["fork", "spawn", "forkserver"], ["spawn"]])
def test_workers_come_from_a_fork_server_where_one_exists(methods: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []
    real = validation.ProcessPoolExecutor

    def recorded(*args: Any, **kwargs: Any) -> Any:
        started.append(kwargs["mp_context"].get_start_method())
        return real(*args, **kwargs)

    monkeypatch.setattr(validation.multiprocessing, "get_all_start_methods", lambda: methods)
    monkeypatch.setattr(validation, "ProcessPoolExecutor", recorded)
    files = [EXAMPLES / "rtf_mistakes.xlsx", EXAMPLES / "mif_mistakes.xlsx"]
    request = ValidationRequest(as_of=AS_OF)
    in_workers = validate_files(files, request, jobs=2)
    assert started == ["forkserver" if "forkserver" in methods else "spawn"]
    here = validate_files(files, request, jobs=1)
    assert [(o.path, o.results, o.error) for o in in_workers] == [(o.path, o.results, o.error) for o in here]
    assert all(o.results for o in in_workers)
