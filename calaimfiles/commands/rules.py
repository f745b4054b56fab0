"""`calaimfiles rules`: list every finding code."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table


def rules_command(
    markdown: Annotated[bool, typer.Option(
        "--markdown", help="Print the catalogue as Markdown (docs/rules.md).")] = False,
) -> None:
    """List every finding code with its severity, whether it can be fixed, and what it means."""
    from calaimfiles.report.catalog import rules_markdown  # the catalogue imports every rule (and pandas)
    from calaimfiles.rules import all_rules

    if markdown:
        typer.echo(rules_markdown(), nl=False)
        return
    table = Table("Code", "Severity", "Fixable", "Layouts", "Meaning")
    for rule in all_rules():
        table.add_row(rule.code, rule.severity.label, "yes" if rule.fixable else "", ", ".join(rule.layouts) or "all",
                      f"{rule.title}. {rule.summary}")
    Console().print(table)
