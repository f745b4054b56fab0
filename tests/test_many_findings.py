"""A file with a problem in every cell: the reports for people list a bounded number per sheet and say what they
left out, the machine formats are written as they are made, and past a limit per sheet findings are counted
rather than kept, so memory stays bounded whatever the file (tests/test_hostile_corpus.py measures it on the
hostile floods). The counts and the exit code always include every finding."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from builders import validate
from typer.testing import CliRunner

import calaimfiles.rules.table
from calaimfiles.commands import app
from calaimfiles.report import Run
from calaimfiles.report.html import render_html
from calaimfiles.report.streamed import Lazy, json_chunks

EXAMPLE = Path(__file__).parent.parent / "examples" / "rtf_mistakes.xlsx"
AS_OF = "2026-11-05"


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--as-of", AS_OF])
    return result.exit_code, result.stdout


def summary(output: str) -> str:
    return output.strip().splitlines()[-1]


def test_the_text_report_lists_at_most_n_findings_and_names_the_rest() -> None:
    code, everything = cli("validate", str(EXAMPLE), "--max-listed", "0")
    total = len(json.loads(cli("validate", str(EXAMPLE), "--format", "json")[1])["files"][0]["findings"])
    assert total > 5
    limited_code, limited = cli("validate", str(EXAMPLE), "--max-listed", "3")
    assert limited_code == code == 1
    assert summary(limited) == summary(everything)  # the counts include every finding
    rows = [line for line in limited.splitlines() if re.search(r"\b(error|warning|info)\b +[A-Z]+-", line)]
    assert len(rows) == 3
    [note] = [line for line in limited.splitlines() if "not listed" in line]
    assert f"{total - 3:,} more findings on this sheet not listed" in note
    assert "--format json lists every one" in limited


def test_the_html_report_lists_at_most_n_findings_and_names_the_rest() -> None:
    run = Run(results=validate(EXAMPLE, as_of=dt.date(2026, 11, 5)))
    total = len(run.findings())
    page = render_html(run, max_listed=4)
    assert page.count('<tr data-severity="') == 4
    assert "Showing 4 of 4 findings." in page
    assert f"{total - 4:,} more findings on this sheet not listed" in page
    assert render_html(run, max_listed=0).count('<tr data-severity="') == total


@pytest.mark.parametrize("seed", range(20))
def test_streamed_json_is_what_json_dumps_writes(seed: int) -> None:
    """Random nested documents, some lists made lazily: the pieces join into json.dumps's own text."""
    chooser = random.Random(seed)

    def value(depth: int) -> Any:
        kind = chooser.choice(["dict", "list", "lazy", "scalar", "scalar"] if depth < 4 else ["scalar"])
        if kind == "dict":
            return {f"k{n}é": value(depth + 1) for n in range(chooser.randrange(4))}
        if kind in ("list", "lazy"):
            return [value(depth + 1) for _ in range(chooser.randrange(4))]
        return chooser.choice([None, True, 0, -1.5, "", "a\n\"b\"", "é<>&"])

    def lazily(plain: Any) -> Any:
        if isinstance(plain, dict):
            return {key: lazily(item) for key, item in plain.items()}
        if isinstance(plain, list):
            return Lazy(iter(plain)) if chooser.random() < 0.5 else [lazily(item) for item in plain]
        return plain

    document = value(0)
    assert "".join(json_chunks(lazily(document))) == json.dumps(document, indent=2, ensure_ascii=False)


def test_past_the_limit_findings_are_counted_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the limit per sheet at 5: five findings are kept, the others counted by code, severity and fix, and
    every output says so; the summary and the exit code are those of the whole file."""
    whole = Run(results=validate(EXAMPLE, as_of=dt.date(2026, 11, 5)))
    monkeypatch.setattr(calaimfiles.rules.table, "KEPT_PER_SHEET", 5)
    [result] = validate(EXAMPLE, as_of=dt.date(2026, 11, 5))
    kept = Run(results=[result])
    headers = sum(1 for f in whole.findings() if f.code.startswith("COLUMN-"))  # of the header: always kept
    assert len(result.findings) == 5 + headers
    assert sum(result.not_kept.values()) == len(whole.findings()) - 5 - headers
    assert (kept.errors, kept.warnings, kept.fixable) == (whole.errors, whole.warnings, whole.fixable)
    code, output = cli("validate", str(EXAMPLE), "--format", "json")
    document = json.loads(output)
    [entry] = document["files"]
    assert len(entry["findings"]) == 5 + headers
    assert sum(item["count"] for item in entry["not_kept"]) == len(whole.findings()) - 5 - headers
    assert document["summary"] == {"errors": whole.errors, "warnings": whole.warnings, "fixable": whole.fixable}
    assert code == 1
    code, text = cli("validate", str(EXAMPLE))
    assert "counted, not kept" in text
    sarif = json.loads(cli("validate", str(EXAMPLE), "--format", "sarif")[1])
    [notice] = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert "counted, not kept" in notice["message"]["text"]


def test_every_machine_format_lists_every_finding_as_json_does() -> None:
    """The streamed formats are not cut by --max-listed: junit, github and sarif carry each finding json carries,
    with the same codes, and junit's counts add up."""
    import xml.etree.ElementTree as ElementTree

    listed = json.loads(cli("validate", str(EXAMPLE), "--format", "json", "--max-listed", "1")[1])["files"][0]
    expected = sorted(f["code"] for f in listed["findings"])
    errors = sum(1 for f in listed["findings"] if f["severity"] == "error")
    junit = ElementTree.fromstring(cli("validate", str(EXAMPLE), "--format", "junit", "--max-listed", "1")[1])
    cases = junit.findall(".//testcase")
    assert sorted(case.get("name", "").split()[0] for case in cases) == expected
    assert (junit.get("tests"), junit.get("failures")) == (str(len(expected)), str(errors))
    assert sum(1 for case in cases if case.find("failure") is not None) == errors > 0
    github = cli("validate", str(EXAMPLE), "--format", "github", "--max-listed", "1")[1]
    titles = re.findall(r"^::(?:error|warning|notice) .*?title=([A-Za-z0-9-]+) ", github, flags=re.MULTILINE)
    assert sorted(titles) == expected
    sarif = json.loads(cli("validate", str(EXAMPLE), "--format", "sarif", "--max-listed", "1")[1])
    assert sorted(result["ruleId"] for result in sarif["runs"][0]["results"]) == expected
