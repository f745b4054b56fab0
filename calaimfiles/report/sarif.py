"""SARIF 2.1.0, the format code-scanning services (GitHub, Azure DevOps, IDE viewers) import.

A workbook is not a text file, so a result points at the file and its Excel row (`region.startLine`), and
names the cell the way Excel does (`'RTF'!C5`) as a logical location, since SARIF has no notion of a sheet.
As in every machine output, messages quote member values only with `show_values`.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import calaimfiles
from calaimfiles.findings import Finding, Severity
from calaimfiles.paths import shown
from calaimfiles.report import Run, not_kept_sentence
from calaimfiles.report.streamed import Lazy, json_chunks
from calaimfiles.rules.registry import all_rules
from calaimfiles.validate import SheetResult

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render_sarif(run: Run, show_values: bool = False) -> Iterator[str]:
    """The SARIF log in pieces (`streamed`): the results are written as they are made."""
    codes = {f.code for result in run.results for f in result.findings}
    rules = [rule for rule in all_rules() if rule.code in codes]  # catalogue order, so the output is stable
    index = {rule.code: position for position, rule in enumerate(rules)}
    driver = {
        "name": "calaimfiles",
        "version": calaimfiles.__version__,
        "rules": [
            {
                "id": rule.code,
                "name": rule.title,
                "shortDescription": {"text": rule.title},
                "fullDescription": {"text": rule.summary},
                "defaultConfiguration": {"level": LEVELS[rule.severity]},
                "properties": {"fixable": rule.fixable},
            }
            for rule in rules
        ],
    }
    invocation: dict[str, Any] = {"executionSuccessful": not run.failures}
    notifications = [
        {"level": "error", "message": {"text": shown(reason)}, "locations": [_file_location(path)]}
        for path, reason in run.failures
    ] + [
        {"level": "warning", "message": {"text": f"sheet {result.sheet!r}: {not_kept_sentence(result)}"},
         "locations": [_file_location(str(result.path))]}
        for result in run.results if result.not_kept
    ]
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    document = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [invocation],
            "results": Lazy(
                _result(result, finding, index[finding.code], show_values)
                for result in run.results
                for finding in result.findings
            ),
        }],
    }
    return json_chunks(document)


def _result(result: SheetResult, finding: Finding, rule_index: int, show_values: bool) -> dict[str, Any]:
    location = _file_location(str(result.path))
    if finding.row:
        location["physicalLocation"]["region"] = {"startLine": finding.row}
    sheet = finding.sheet or result.sheet
    location["logicalLocations"] = [{"fullyQualifiedName": excel_reference(sheet, finding.cell)}]
    properties: dict[str, Any] = {"sheet": sheet, "layout": result.layout, "fixable": finding.fixable}
    if finding.cell:
        properties["cell"] = finding.cell
    if finding.column:
        properties["column"] = finding.column
    return {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.describe(finding.may_show_value(show_values))},
        "locations": [location],
        "properties": properties,
    }


def _file_location(path: str) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": {"uri": artifact_uri(Path(path))}}}


def artifact_uri(path: Path) -> str:
    """A relative URI for a path below the working folder (how code-scanning services match files to the
    repository), an absolute `file:` URI otherwise."""
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            return path.as_uri()
    return urllib.parse.quote(os.fsencode(path.as_posix()))  # the name's bytes, UTF-8 or not


def excel_reference(sheet: str, cell: str | None) -> str:
    """`RTF!C5` as Excel writes it: the sheet name is quoted unless it is a plain word."""
    plain = sheet.replace("_", "").isalnum() and not sheet[0].isdigit()
    name = sheet if plain else "'" + sheet.replace("'", "''") + "'"
    return f"{name}!{cell}" if cell else name
