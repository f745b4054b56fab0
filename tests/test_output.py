"""Outputs never replace a file unasked and never appear half-written."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from calaimfiles.writing.output import OutputError, atomic_output, check_destination, default_output


def test_default_output_keeps_the_folder_and_tags_the_name(tmp_path: Path) -> None:
    source = tmp_path / "rtf_march.xlsm"
    assert default_output(source, "fixed") == tmp_path / "rtf_march.fixed.xlsm"
    assert default_output(source, "converted", ".csv") == tmp_path / "rtf_march.converted.csv"


def test_an_existing_file_is_refused_unless_forced(tmp_path: Path) -> None:
    existing = tmp_path / "out.xlsx"
    existing.write_bytes(b"keep me")
    with pytest.raises(OutputError, match="already exists; use --force"):
        check_destination(existing, force=False)
    assert check_destination(existing, force=True) == existing
    with pytest.raises(OutputError, match="does not exist"):
        check_destination(tmp_path / "missing" / "out.xlsx", force=False)
    with pytest.raises(OutputError, match="is a folder"):
        check_destination(tmp_path, force=True)


def test_a_finished_output_is_renamed_into_place_readable_by_the_user_only(tmp_path: Path) -> None:
    destination = tmp_path / "out.csv"
    with atomic_output(destination) as partial:
        assert partial.parent == tmp_path and partial != destination
        partial.write_text("a,b\n")
        assert not destination.exists()
    assert destination.read_text() == "a,b\n"
    assert stat.S_IMODE(destination.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


@pytest.mark.parametrize("interruption", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_an_interrupted_output_leaves_the_old_file_and_no_partial(tmp_path: Path, interruption: BaseException) -> None:
    destination = tmp_path / "out.csv"
    destination.write_text("old")
    with pytest.raises(type(interruption)), atomic_output(destination) as partial:
        partial.write_text("half")
        raise interruption
    assert destination.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
