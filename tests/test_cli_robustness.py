"""A bug inside one check must end in one clear line, keep the other files' results, and leak no member data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from calaimfiles import validate as validation
from calaimfiles.commands import app
from calaimfiles.rules import engine

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_an_internal_error_is_one_line_without_the_exception_text(monkeypatch: pytest.MonkeyPatch) -> None:
    real = engine.structure_findings

    def broken_on_the_mif(path: Path, *args: Any) -> object:
        if path.name.startswith("mif"):
            raise ValueError("could not read 'Testperson'")
        return real(path, *args)

    # --jobs 1: the patch holds in this process. The files are checked together first; the bug fails that, and
    # then only the MIF when each file is checked alone.
    monkeypatch.setattr(engine, "structure_findings", broken_on_the_mif)
    monkeypatch.delenv("CALAIMFILES_DEBUG", raising=False)
    result = CliRunner().invoke(app, ["validate", str(EXAMPLES / "mif_clean.xlsx"), str(EXAMPLES / "rtf_clean.xlsx"),
                                      "--format", "json", "--as-of", "2026-11-05", "--jobs", "1"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "internal error (ValueError)" in lines[0]
    assert "Testperson" not in result.stderr and "Traceback" not in result.stderr
    assert [f["layout"] for f in json.loads(result.stdout)["files"]] == ["RTF"]


def test_debug_mode_raises_the_real_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: Path, request: object) -> object:
        raise ValueError("boom")

    monkeypatch.setattr(validation, "check_file", broken)
    monkeypatch.setenv("CALAIMFILES_DEBUG", "1")
    result = CliRunner().invoke(app, ["validate", str(EXAMPLES / "mif_clean.xlsx")])
    assert isinstance(result.exception, ValueError)
