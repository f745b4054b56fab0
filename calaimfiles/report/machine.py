"""Machine-readable renderers: JSON, JUnit XML and GitHub workflow annotations, each written in pieces as it is made
(`streamed`).

None of them quotes a value of a member column unless the user asked for values (`--show-values`): these
outputs end up in CI logs, ticket systems and e-mails.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from calaimfiles.findings import Finding, Severity
from calaimfiles.paths import shown
from calaimfiles.report import Run
from calaimfiles.report.streamed import Lazy, json_chunks
from calaimfiles.validate import SheetResult


def _message(finding: Finding, show_values: bool) -> str:
    return finding.describe(finding.may_show_value(show_values))


def render_json(run: Run, show_values: bool = False) -> Iterator[str]:
    """The JSON document in pieces (`streamed`): each file's findings are written as they are read."""
    def finding(f: Finding) -> dict[str, Any]:
        return {"code": f.code, "severity": f.severity.label, "row": f.row, "column": f.column, "cell": f.cell,
                "message": _message(f, show_values), "fixable": f.fixable}

    document = {
        "files": [
            {"path": shown(result.path), "layout": result.layout, "sheet": result.sheet, "rows": result.rows,
             "findings": Lazy(finding(f) for f in result.findings),
             **({"not_kept": _not_kept(result)} if result.not_kept else {})}
            for result in run.results
        ],
        "summary": {"errors": run.errors, "warnings": run.warnings, "fixable": run.fixable},
    }
    return json_chunks(document)


def _not_kept(result: SheetResult) -> list[dict[str, Any]]:
    """The findings past the sheet's limit, which are counted only (`KEPT_PER_SHEET`)."""
    return [{"code": code, "severity": severity.label, "fixable": fixable, "count": count}
            for (code, severity, fixable), count in sorted(result.not_kept.items())]


def render_junit(run: Run, show_values: bool = False) -> Iterator[str]:
    """One test suite per checked sheet, one test case per finding (errors fail, warnings are 'skipped' notes),
    written a case at a time."""
    suites = [(f"{shown(r.path)}:{r.sheet} ({r.layout})", r.findings) for r in run.results]
    failures = [sum(1 for f in findings if f.severity is Severity.ERROR) for _, findings in suites]
    total = sum(len(findings) or 1 for _, findings in suites) + len(run.failures)
    yield '<?xml version="1.0" encoding="UTF-8"?>\n'
    yield (f"<testsuites name={quoteattr('calaimfiles validate')} tests={quoteattr(str(total))} "
           f"failures={quoteattr(str(sum(failures)))}>\n")
    for (name, findings), failed in zip(suites, failures, strict=True):
        suite = quoteattr(name)
        yield (f"  <testsuite name={suite} tests={quoteattr(str(len(findings) or 1))} "
               f"failures={quoteattr(str(failed))}>\n")
        for f in findings:
            where = f.cell or (f"row {f.row}" if f.row else "file")
            text = _message(f, show_values)
            yield f"    <testcase classname={suite} name={quoteattr(f'{f.code} {where}')}>\n"
            if f.severity is Severity.ERROR:
                yield (f"      <failure message={quoteattr(text)} type={quoteattr(f.code)}>{escape(text)}"
                       "</failure>\n")
            else:
                yield f"      <skipped message={quoteattr(f'{f.severity.label}: {text}')} />\n"
            yield "    </testcase>\n"
        if not findings:
            yield f"    <testcase classname={suite} name={quoteattr('no findings')} />\n"
        yield "  </testsuite>\n"
    for path, reason in run.failures:
        name, text = quoteattr(shown(path)), shown(reason)
        yield f"  <testsuite name={name} tests=\"1\" errors=\"1\">\n"
        yield f"    <testcase classname={name} name=\"read\">\n"
        yield f"      <error message={quoteattr(text)}>{escape(text)}</error>\n    </testcase>\n  </testsuite>\n"
    yield "</testsuites>"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render_github(run: Run, show_values: bool = False) -> Iterator[str]:
    """GitHub Actions workflow commands: one annotation per finding, on the file and the Excel row."""
    first = True
    for result in run.results:
        for f in result.findings:
            properties = [f"file={_escape_property(shown(result.path))}"]
            if f.row:
                properties.append(f"line={f.row}")
            where = f" {f.cell}" if f.cell else ""
            properties.append(f"title={_escape_property(f'{f.code}{where}')}")
            message = _escape_data(_message(f, show_values))
            yield ("" if first else "\n") + f"::{_GITHUB_LEVEL[f.severity]} {','.join(properties)}::{message}"
            first = False
    for path, reason in run.failures:
        yield ("" if first else "\n") + (f"::error file={_escape_property(shown(path))},title=unreadable::"
                                         f"{_escape_data(shown(reason))}")
        first = False
