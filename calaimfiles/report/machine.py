"""Machine-readable renderers: JSON, JUnit XML and GitHub workflow annotations.

None of them quotes a value of a member column unless the user asked for values (`--show-values`): these
outputs end up in CI logs, ticket systems and e-mails.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree

from calaimfiles.findings import Finding, Severity
from calaimfiles.paths import shown
from calaimfiles.report import Run


def _message(finding: Finding, show_values: bool) -> str:
    return finding.describe(finding.may_show_value(show_values))


def render_json(run: Run, show_values: bool = False) -> str:
    document = {
        "files": [
            {
                "path": shown(result.path),
                "layout": result.layout,
                "sheet": result.sheet,
                "rows": result.rows,
                "findings": [
                    {
                        "code": f.code,
                        "severity": f.severity.label,
                        "row": f.row,
                        "column": f.column,
                        "cell": f.cell,
                        "message": _message(f, show_values),
                        "fixable": f.fixable,
                    }
                    for f in result.findings
                ],
            }
            for result in run.results
        ],
        "summary": {"errors": run.errors, "warnings": run.warnings, "fixable": run.fixable},
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def render_junit(run: Run, show_values: bool = False) -> str:
    """One test suite per checked sheet, one test case per finding (errors fail, warnings are 'skipped' notes)."""
    suites = ElementTree.Element("testsuites", name="calaimfiles validate", tests="0", failures="0")
    total = failed = 0
    for result in run.results:
        suite_name = f"{shown(result.path)}:{result.sheet} ({result.layout})"
        suite = ElementTree.SubElement(suites, "testsuite", name=suite_name)
        failures = 0
        for finding in result.findings:
            where = finding.cell or (f"row {finding.row}" if finding.row else "file")
            case = ElementTree.SubElement(suite, "testcase", classname=suite_name, name=f"{finding.code} {where}")
            text = _message(finding, show_values)
            if finding.severity is Severity.ERROR:
                failures += 1
                ElementTree.SubElement(case, "failure", message=text, type=finding.code).text = text
            else:
                ElementTree.SubElement(case, "skipped", message=f"{finding.severity.label}: {text}")
        cases = len(result.findings) or 1
        if not result.findings:
            ElementTree.SubElement(suite, "testcase", classname=suite_name, name="no findings")
        suite.set("tests", str(cases))
        suite.set("failures", str(failures))
        total += cases
        failed += failures
    for path, reason in run.failures:
        suite = ElementTree.SubElement(suites, "testsuite", name=shown(path), tests="1", errors="1")
        case = ElementTree.SubElement(suite, "testcase", classname=shown(path), name="read")
        ElementTree.SubElement(case, "error", message=shown(reason)).text = shown(reason)
        total += 1
    suites.set("tests", str(total))
    suites.set("failures", str(failed))
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render_github(run: Run, show_values: bool = False) -> str:
    """GitHub Actions workflow commands: one annotation per finding, on the file and the Excel row."""
    lines = []
    for result in run.results:
        for f in result.findings:
            properties = [f"file={_escape_property(shown(result.path))}"]
            if f.row:
                properties.append(f"line={f.row}")
            where = f" {f.cell}" if f.cell else ""
            properties.append(f"title={_escape_property(f'{f.code}{where}')}")
            message = _escape_data(_message(f, show_values))
            lines.append(f"::{_GITHUB_LEVEL[f.severity]} {','.join(properties)}::{message}")
    for path, reason in run.failures:
        lines.append(f"::error file={_escape_property(shown(path))},title=unreadable::{_escape_data(shown(reason))}")
    return "\n".join(lines)
