"""The HTML report: one self-contained page to open, share or print, readable without network access.

Everything the page needs is inline. A Content-Security-Policy that allows only this page's own style and
script (by hash) guarantees the page fetches nothing and that text from a workbook can never run as code.
The findings table is plain HTML, so it reads and prints without JavaScript; the script only draws the two
bar charts from the embedded JSON and applies the severity filter. Values of member columns appear only
with `show_values`, as in every other output.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from html import escape

from calaimfiles.findings import Finding, Severity
from calaimfiles.paths import shown
from calaimfiles.report import MAX_LISTED, Run, left_out, listed
from calaimfiles.rules import get_rule

_NO_COLUMN = "(no column)"

_STYLE = """
:root { color-scheme: light; --error: #a4161a; --warning: #8a5a00; --info: #1d4e89; --bar: #3a5a8c; }
body { font: 15px/1.45 system-ui, sans-serif; color: #1b1b1b; background: #fff; margin: 0 auto; padding: 1rem 2rem;
       max-width: 78rem; }
h1 { font-size: 1.6rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.3rem 0.5rem; border-bottom: 1px solid #ddd; }
th { background: #f2f2f2; }
dl.totals { display: flex; flex-wrap: wrap; gap: 0.5rem 2rem; margin: 0; }
dl.totals div { min-width: 7rem; }
dl.totals dt { font-size: 0.85rem; color: #444; }
dl.totals dd { margin: 0; font-size: 1.5rem; font-weight: 600; }
.sev { display: inline-block; padding: 0 0.4rem; border: 1px solid; border-radius: 3px; font-weight: 600; }
.sev-error { color: var(--error); background: #fde8e8; }
.sev-warning { color: var(--warning); background: #fff4d6; }
.sev-info { color: var(--info); background: #e6effa; }
.ok { font-size: 1.2rem; color: #1e6b2f; font-weight: 600; }
caption { text-align: left; font-weight: 600; padding: 0.75rem 0 0.25rem; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: inherit; white-space: nowrap; }
figure { margin: 0 0 1rem; }
svg.chart { max-width: 100%; height: auto; }
svg.chart .bar { fill: var(--bar); }
svg.chart text { font: 13px system-ui, sans-serif; fill: #1b1b1b; }
fieldset { border: 1px solid #ccc; margin: 0 0 0.75rem; }
fieldset label { margin-right: 1.25rem; }
tr[hidden] { display: none; }
@media print {
  body { padding: 0; max-width: none; font-size: 11pt; }
  fieldset { display: none; }
  .sev { background: none; }
  thead { display: table-header-group; }
  tr, svg.chart { break-inside: avoid; }
}
"""

_SCRIPT = """
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("findings-data").textContent);
  const SVG = "http://www.w3.org/2000/svg";
  const ROW = 24, LABEL = 300, BARS = 380, WIDTH = LABEL + BARS + 50;

  function svgElement(name, attributes, text) {
    const element = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function shorten(text) {
    return text.length > 40 ? text.slice(0, 39) + "\\u2026" : text;
  }

  function drawChart(svg, bars) {
    const most = Math.max(...bars.map((bar) => bar.count));
    svg.setAttribute("viewBox", "0 0 " + WIDTH + " " + bars.length * ROW);
    svg.setAttribute("width", WIDTH);
    bars.forEach((bar, index) => {
      const y = index * ROW;
      const width = Math.max(1, (bar.count / most) * BARS);
      const group = svgElement("g", {});
      const noun = bar.count === 1 ? " finding" : " findings";
      group.appendChild(svgElement("title", {}, bar.label + (bar.title ? ": " + bar.title : "") + ", " +
                                   bar.count + noun));
      group.appendChild(svgElement("text", {x: LABEL - 8, y: y + 16, "text-anchor": "end"}, shorten(bar.label)));
      group.appendChild(svgElement("rect", {class: "bar", x: LABEL, y: y + 4, width: width, height: ROW - 8}));
      group.appendChild(svgElement("text", {x: LABEL + width + 6, y: y + 16}, String(bar.count)));
      svg.appendChild(group);
    });
  }

  for (const svg of document.querySelectorAll("svg.chart")) drawChart(svg, data[svg.dataset.chart]);

  const boxes = document.querySelectorAll("input[name=severity]");
  const rows = document.querySelectorAll("#findings tbody tr");
  const shown = document.getElementById("shown");

  function applyFilter() {
    const wanted = new Set([...boxes].filter((box) => box.checked).map((box) => box.value));
    let count = 0;
    for (const row of rows) {
      row.hidden = !wanted.has(row.dataset.severity);
      if (!row.hidden) count += 1;
    }
    shown.textContent = "Showing " + count + " of " + rows.length + " findings.";
  }

  function filterFromFragment() {
    const match = /(?:^#|&)severity=([a-z,]*)/.exec(location.hash);
    if (!match) return;
    const wanted = match[1].split(",");
    for (const box of boxes) box.checked = wanted.includes(box.value);
    applyFilter();
  }

  if (shown) {
    for (const box of boxes) box.addEventListener("change", applyFilter);
    window.addEventListener("hashchange", filterFromFragment);
    filterFromFragment();
  }
})();
"""


def _hash(source: str) -> str:
    digest = hashlib.sha256(source.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


_POLICY = (f"default-src 'none'; style-src {_hash(_STYLE)}; script-src {_hash(_SCRIPT)}; img-src data:; "
           "base-uri 'none'; form-action 'none'")


def render_html(run: Run, *, show_values: bool = False, title: str = "calaimfiles report",
                max_listed: int = MAX_LISTED) -> str:
    """The whole page as one string: summary, charts of findings by rule and by column (all of them), the
    findings table (the first `max_listed` of each sheet, 0: all, and a sentence for the rest)."""
    findings = run.findings()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{escape(title)}</title>",
        f"<style>{_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{escape(title)}</h1>",
        *_summary(run),
    ]
    if findings:
        parts += _charts()
        parts += _table(run, show_values, max_listed)
    else:
        parts.append('<h2 id="findings-heading">Findings</h2>')
        parts.append('<p class="ok">No problems found.</p>')
    parts += [
        "</main>",
        f'<script type="application/json" id="findings-data">{_chart_data(findings)}</script>',
        f"<script>{_SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _summary(run: Run) -> list[str]:
    infos = sum(1 for f in run.findings() if f.severity is Severity.INFO)
    totals = [
        ("Files checked", len({r.path for r in run.results})),
        ("Rows", sum(r.rows for r in run.results)),
        ("Errors", run.errors),
        ("Warnings", run.warnings),
        ("Info", infos),
        ("Fixable", run.fixable),
        ("Could not be read", len(run.failures)),
    ]
    lines = ['<section aria-labelledby="summary-heading">', '<h2 id="summary-heading">Summary</h2>',
             '<dl class="totals">']
    lines += [f"<div><dt>{label}</dt><dd>{value}</dd></div>" for label, value in totals]
    lines.append("</dl>")
    if run.results:
        lines += ["<table>", "<caption>Sheets checked</caption>",
                  '<thead><tr><th>File</th><th>Layout</th><th>Sheet</th><th class="num">Rows</th>'
                  '<th class="num">Errors</th><th class="num">Warnings</th></tr></thead>', "<tbody>"]
        lines += [
            f"<tr><td>{escape(shown(r.path))}</td><td>{escape(r.layout)}</td><td>{escape(r.sheet)}</td>"
            f'<td class="num">{r.rows}</td><td class="num">{r.count(Severity.ERROR)}</td>'
            f'<td class="num">{r.count(Severity.WARNING)}</td></tr>'
            for r in run.results
        ]
        lines += ["</tbody>", "</table>"]
    if run.failures:
        lines += ["<h3>Files that could not be read</h3>", "<ul>"]
        lines += [f"<li>{escape(shown(path))}: {escape(shown(reason))}</li>" for path, reason in run.failures]
        lines.append("</ul>")
    lines.append("</section>")
    return lines


def _charts() -> list[str]:
    """Empty SVG elements the script fills in; the label tells screen readers what each chart counts."""
    return [
        '<section aria-labelledby="charts-heading">',
        '<h2 id="charts-heading">Findings by rule and by column</h2>',
        *(
            f'<figure><figcaption><h3 id="{chart}-heading">{heading}</h3></figcaption>'
            f'<svg class="chart" id="chart-{chart}" data-chart="{chart}" role="img" '
            f'aria-labelledby="{chart}-heading"></svg></figure>'
            for chart, heading in (("rules", "Findings by rule"), ("columns", "Findings by column"))
        ),
        "</section>",
    ]


def _chart_data(findings: list[Finding]) -> str:
    """The bar data as JSON that cannot end the script element it sits in (`<`, `>`, `&` as escapes)."""
    data = {
        "rules": [{"label": code, "title": get_rule(code).title, "count": count}
                  for code, count in _ranked(f.code for f in findings)],
        "columns": [{"label": column, "count": count}
                    for column, count in _ranked(f.column or _NO_COLUMN for f in findings)],
    }
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _ranked(labels: Iterable[str]) -> list[tuple[str, int]]:
    """Most frequent first, ties in alphabetical order, so the same run always draws the same chart."""
    return sorted(Counter(labels).items(), key=lambda item: (-item[1], item[0]))


def _table(run: Run, show_values: bool, max_listed: int) -> list[str]:
    """Every finding as a row tagged with its severity; the address can preset the filter for a link or a
    headless check: `report.html#severity=error,warning`."""
    checkboxes = "".join(
        f'<label><input type="checkbox" name="severity" value="{s.label}" checked> {s.label}</label>'
        for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    )
    total = sum(len(listed(result.findings, max_listed)) for result in run.results)
    lines = [
        '<section aria-labelledby="findings-heading">',
        '<h2 id="findings-heading">Findings</h2>',
        f"<fieldset><legend>Show severities</legend>{checkboxes}</fieldset>",
        f'<p id="shown" aria-live="polite">Showing {total} of {total} findings.</p>',
        '<table id="findings">',
        "<thead><tr><th>File</th><th>Sheet</th><th>Row</th><th>Cell</th><th>Severity</th><th>Code</th>"
        "<th>Problem</th><th>Fixable</th></tr></thead>",
        "<tbody>",
    ]
    for result in run.results:
        lines += [_row(shown(result.path), result.sheet, f, show_values) for f in listed(result.findings, max_listed)]
    lines += ["</tbody>", "</table>"]
    lines += [f'<p class="left-out">{escape(shown(result.path))}, sheet {escape(result.sheet)}: {escape(rest)}</p>'
              for result in run.results if (rest := left_out(result, max_listed))]
    lines.append("</section>")
    return lines


def _row(path: str, sheet: str, finding: Finding, show_values: bool) -> str:
    severity = finding.severity.label
    cells = [
        escape(path),
        escape(finding.sheet or sheet),
        str(finding.row) if finding.row else "file",
        escape(finding.cell or ""),
        f'<span class="sev sev-{severity}">{severity}</span>',
        f'<code title="{escape(get_rule(finding.code).title)}">{escape(finding.code)}</code>',
        escape(finding.describe(finding.may_show_value(show_values))),
        "yes" if finding.fixable else "no",
    ]
    return f'<tr data-severity="{severity}">' + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"
