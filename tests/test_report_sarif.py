"""SARIF output: the shape code-scanning services require, rules and levels from the catalogue, Excel
locations, unreadable files as notifications, and member values only with show_values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from builders import column_names, rtf_cells, save_book
from typer.testing import CliRunner

import calaimfiles
from calaimfiles.commands import app
from calaimfiles.findings import Finding, Fix, Severity
from calaimfiles.report import Run
from calaimfiles.report.sarif import artifact_uri, excel_reference, render_sarif
from calaimfiles.rules import get_rule
from calaimfiles.validate import SheetResult

AS_OF = "2026-03-05"
CIN, NAME = "91234567a", "Zyxwvutsonian"  # member values that are themselves wrong

# -- a subset of the SARIF 2.1.0 schema (stricter where our output relies on a property), with each object's
# -- allowed keys: enough to catch a missing property, a wrong type or a misspelt key, without fetching the schema

LEVEL = {"type": "string", "enum": ["none", "note", "warning", "error"]}
TEXT = {"type": "object", "required": ["text"], "keys": {"text", "markdown", "id", "arguments", "properties"},
        "properties": {"text": {"type": "string"}}}
BAG = {"type": "object"}
ARTIFACT_LOCATION = {"type": "object", "required": ["uri"], "keys": {"uri", "uriBaseId", "index", "description",
                                                                     "properties"},
                     "properties": {"uri": {"type": "string", "forbids": "\\"}}}
REGION = {"type": "object", "required": ["startLine"], "keys": {
    "startLine", "startColumn", "endLine", "endColumn", "charOffset", "charLength", "byteOffset", "byteLength",
    "snippet", "message", "sourceLanguage", "properties"},
    "properties": {"startLine": {"type": "integer", "minimum": 1}}}
LOCATION = {"type": "object", "keys": {"id", "physicalLocation", "logicalLocations", "message", "annotations",
                                       "relationships", "properties"},
            "properties": {
                "physicalLocation": {"type": "object", "required": ["artifactLocation"],
                                     "keys": {"address", "artifactLocation", "region", "contextRegion", "properties"},
                                     "properties": {"artifactLocation": ARTIFACT_LOCATION, "region": REGION}},
                "logicalLocations": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "keys": {"name", "index", "fullyQualifiedName", "decoratedName",
                                               "parentIndex", "kind", "properties"},
                    "properties": {"fullyQualifiedName": {"type": "string"}}}},
            }}
RULE = {"type": "object", "required": ["id"], "keys": {
    "id", "deprecatedIds", "guid", "deprecatedGuids", "name", "deprecatedNames", "shortDescription",
    "fullDescription", "messageStrings", "defaultConfiguration", "helpUri", "help", "relationships", "properties"},
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "shortDescription": TEXT,
                   "fullDescription": TEXT, "properties": BAG,
                   "defaultConfiguration": {"type": "object", "keys": {"enabled", "level", "rank", "parameters",
                                                                       "properties"},
                                            "properties": {"level": LEVEL}}}}
RESULT = {"type": "object", "required": ["message"], "keys": {
    "ruleId", "ruleIndex", "rule", "kind", "level", "message", "analysisTarget", "locations", "guid",
    "correlationGuid", "occurrenceCount", "partialFingerprints", "fingerprints", "stacks", "codeFlows", "graphs",
    "graphTraversals", "relatedLocations", "suppressions", "baselineState", "rank", "attachments", "hostedViewerUri",
    "workItemUris", "provenance", "fixes", "taxa", "webRequest", "webResponse", "properties"},
    "properties": {"ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": -1}, "level": LEVEL,
                   "message": TEXT, "locations": {"type": "array", "items": LOCATION}, "properties": BAG}}
NOTIFICATION = {"type": "object", "required": ["message"], "keys": {
    "locations", "message", "level", "threadId", "timeUtc", "exception", "descriptor", "associatedRule",
    "properties"}, "properties": {"message": TEXT, "level": LEVEL, "locations": {"type": "array", "items": LOCATION}}}
INVOCATION = {"type": "object", "required": ["executionSuccessful"], "keys": {
    "commandLine", "arguments", "responseFiles", "startTimeUtc", "endTimeUtc", "exitCode", "ruleConfigurationOverrides",
    "notificationConfigurationOverrides", "toolExecutionNotifications", "toolConfigurationNotifications",
    "exitCodeDescription", "exitSignalName", "exitSignalNumber", "processStartFailureMessage", "executionSuccessful",
    "machine", "account", "processId", "executableLocation", "workingDirectory", "environmentVariables", "stdin",
    "stdout", "stderr", "stdoutStderr", "properties"},
    "properties": {"executionSuccessful": {"type": "boolean"},
                   "toolExecutionNotifications": {"type": "array", "items": NOTIFICATION}}}
SARIF = {"type": "object", "required": ["version", "runs"], "keys": {"$schema", "version", "runs",
                                                                     "inlineExternalProperties", "properties"},
         "properties": {"$schema": {"type": "string"}, "version": {"type": "string", "enum": ["2.1.0"]},
                        "runs": {"type": "array", "minItems": 1, "items": {
                            "type": "object", "required": ["tool"],
                            "properties": {
                                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                                    "type": "object", "required": ["name"],
                                    "properties": {"name": {"type": "string"}, "version": {"type": "string"},
                                                   "rules": {"type": "array", "items": RULE}}}}},
                                "invocations": {"type": "array", "items": INVOCATION},
                                "results": {"type": "array", "items": RESULT}}}}}}

TYPES: dict[str, type | tuple[type, ...]] = {"object": dict, "array": list, "string": str, "boolean": bool,
                                             "integer": int}


def check_shape(value: Any, schema: dict[str, Any], where: str = "$") -> None:
    """Assert `value` fits `schema` (type, enum, minimum, required, allowed keys, items, minItems)."""
    kind = schema.get("type")
    if kind:
        assert isinstance(value, TYPES[kind]), f"{where}: expected {kind}, got {value!r}"
        assert not (kind == "integer" and isinstance(value, bool)), f"{where}: a boolean is not an integer"
    assert "enum" not in schema or value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    assert "minimum" not in schema or value >= schema["minimum"], f"{where}: {value} < {schema['minimum']}"
    assert "forbids" not in schema or schema["forbids"] not in value, f"{where}: {value!r}"
    if isinstance(value, dict):
        missing = [key for key in schema.get("required", ()) if key not in value]
        assert not missing, f"{where}: missing {missing}"
        if "keys" in schema:
            assert set(value) <= schema["keys"], f"{where}: unknown keys {set(value) - schema['keys']}"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                check_shape(value[key], sub, f"{where}.{key}")
    if isinstance(value, list):
        assert len(value) >= schema.get("minItems", 0), f"{where}: too few items"
        for number, item in enumerate(value):
            check_shape(item, schema.get("items", {}), f"{where}[{number}]")


def test_shape_check_catches_what_it_should() -> None:
    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}}]}
    check_shape(good, SARIF)
    bad_documents = [
        {"version": "2.1.0"},
        {"version": "2.0.0", "runs": [{"tool": {"driver": {"name": "x"}}}]},
        {"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]},
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"txt": "a"}}]}]},
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [
            {"message": {"text": "a"}, "level": "fatal"}]}]},
    ]
    for bad in bad_documents:
        with pytest.raises(AssertionError):
            check_shape(bad, SARIF)


# -- the document ----------------------------------------------------------------------------------------------

def finding(code: str, row: int | None = None, cell: str | None = None, **changes: Any) -> Finding:
    rule = get_rule(code)
    return Finding(code, changes.pop("severity", rule.severity), f"{rule.title} here", sheet="RTF", row=row,
                   cell=cell, **changes)


def sample_run() -> Run:
    findings = [
        finding("COLUMN-MISSING", column="Member Acuity Level"),  # header-level: no row, no cell
        finding("CIN-LOWERCASE", row=3, cell="C3", column="Member Client Index Number (CIN)", value=CIN,
                fix=Fix(CIN.upper())),
        finding("CODE-SPELLING", row=4, cell="R4", column="Member Acuity Level", value="low", fix=Fix("Low")),
        finding("CIN-LOWERCASE", row=5, cell="C5", value="91234568b", fix=Fix("91234568B")),
    ]
    run = Run(results=[SheetResult(Path("outgoing/rtf march.xlsx"), "RTF", "RTF", 4, findings)])
    run.failures.append(("outgoing/broken.xlsx", "not an Excel workbook: the file is damaged"))
    return run


def sarif(run: Run, show_values: bool = False) -> dict[str, Any]:
    document = json.loads("".join(render_sarif(run, show_values)))
    check_shape(document, SARIF)
    assert isinstance(document, dict)
    return document


def test_document_has_the_sarif_shape_and_one_run() -> None:
    document = sarif(sample_run())
    assert document["version"] == "2.1.0"
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "calaimfiles"
    assert driver["version"] == calaimfiles.__version__
    assert "informationUri" not in driver  # SARIF wants an absolute URI there; we have no stable one


def test_rules_are_the_codes_that_appear_once_each_in_catalogue_order() -> None:
    rules = sarif(sample_run())["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["COLUMN-MISSING", "CIN-LOWERCASE", "CODE-SPELLING"]
    for rule in rules:
        known = get_rule(rule["id"])
        assert rule["name"] == rule["shortDescription"]["text"] == known.title
        assert rule["fullDescription"]["text"] == known.summary
        assert rule["properties"] == {"fixable": known.fixable}
    assert [r["defaultConfiguration"]["level"] for r in rules] == ["error", "error", "warning"]


def test_results_point_at_their_rule_file_row_and_cell() -> None:
    run = sarif(sample_run())["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["COLUMN-MISSING", "CIN-LOWERCASE", "CODE-SPELLING", "CIN-LOWERCASE"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert [r["level"] for r in results] == ["error", "error", "warning", "error"]

    header, cin = results[0], results[1]
    assert header["locations"][0]["physicalLocation"] == {"artifactLocation": {"uri": "outgoing/rtf%20march.xlsx"}}
    assert header["locations"][0]["logicalLocations"] == [{"fullyQualifiedName": "RTF"}]
    assert header["properties"] == {"sheet": "RTF", "layout": "RTF", "fixable": False,
                                    "column": "Member Acuity Level"}
    physical = cin["locations"][0]["physicalLocation"]
    assert physical["region"] == {"startLine": 3}
    assert cin["locations"][0]["logicalLocations"] == [{"fullyQualifiedName": "RTF!C3"}]
    assert cin["properties"]["cell"] == "C3"
    assert cin["properties"]["fixable"] is True


def test_info_findings_are_notes() -> None:
    run = Run(results=[SheetResult(Path("a.xlsx"), "RTF", "RTF", 1, [finding("TEXT-WHITESPACE", 2, "D2",
                                                                              severity=Severity.INFO)])])
    (result,) = sarif(run)["runs"][0]["results"]
    assert result["level"] == "note"


def test_unreadable_files_are_tool_execution_notifications() -> None:
    (invocation,) = sarif(sample_run())["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["message"]["text"] == "not an Excel workbook: the file is damaged"
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "outgoing/broken.xlsx"


def test_a_clean_run_is_successful_with_no_results_and_no_rules() -> None:
    run = sarif(Run(results=[SheetResult(Path("a.xlsx"), "RTF", "RTF", 3, [])]))["runs"][0]
    assert run["results"] == []
    assert run["tool"]["driver"]["rules"] == []
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_member_values_only_with_show_values() -> None:
    hidden = "".join(render_sarif(sample_run()))
    assert CIN not in hidden and CIN.upper() not in hidden and "91234568b" not in hidden
    shown = "".join(render_sarif(sample_run(), show_values=True))
    assert CIN in shown and "91234568b" in shown


def test_values_of_plan_columns_are_always_shown() -> None:
    run = Run(results=[SheetResult(Path("a.xlsx"), "RTF", "RTF", 1, [
        finding("TEXT-WHITESPACE", 2, "AM2", value=" 1234567893", member_data=False)])])
    assert " 1234567893" in sarif(run)["runs"][0]["results"][0]["message"]["text"]


# -- locations -------------------------------------------------------------------------------------------------

def test_uris_are_relative_below_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert artifact_uri(Path("rtf.xlsx")) == "rtf.xlsx"
    assert artifact_uri(tmp_path / "in" / "rtf #1.xlsx") == "in/rtf%20%231.xlsx"
    outside = tmp_path.parent / "elsewhere" / "rtf.xlsx"
    assert artifact_uri(outside) == outside.as_uri()
    assert artifact_uri(Path("../up/r.xlsx")) == "../up/r.xlsx"


@pytest.mark.parametrize(("sheet", "cell", "expected"), [
    ("RTF", "C5", "RTF!C5"),
    ("RTF_2026", "AQ12", "RTF_2026!AQ12"),
    ("March RTF", "C5", "'March RTF'!C5"),
    ("O'Brien", "A1", "'O''Brien'!A1"),
    ("2026", "A1", "'2026'!A1"),
    ("RTF", None, "RTF"),
])
def test_excel_reference(sheet: str, cell: str | None, expected: str) -> None:
    assert excel_reference(sheet, cell) == expected


# -- from the command line -------------------------------------------------------------------------------------

def test_validate_format_sarif(tmp_path: Path) -> None:
    path = save_book(tmp_path / "rtf.xlsx", {"RTF": [column_names("RTF"), rtf_cells(cin=CIN, last_name=f" {NAME}")]})
    result = CliRunner().invoke(app, ["validate", str(path), "--as-of", AS_OF, "--format", "sarif"])
    assert result.exit_code == 1, result.stderr
    assert result.stderr == ""
    document = json.loads(result.stdout)
    check_shape(document, SARIF)
    results = document["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"CIN-LOWERCASE", "TEXT-WHITESPACE"}
    assert {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] for r in results} == {"RTF!C2", "RTF!D2"}
    assert all(r["locations"][0]["physicalLocation"]["region"] == {"startLine": 2} for r in results)
    assert CIN not in result.stdout and NAME not in result.stdout


def test_validate_format_sarif_with_an_unreadable_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    result = CliRunner().invoke(app, ["validate", str(bad), "--format", "sarif"])
    assert result.exit_code == 2
    (invocation,) = json.loads(result.stdout)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert len(invocation["toolExecutionNotifications"]) == 1
