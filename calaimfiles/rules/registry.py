"""The catalogue of every finding code: what it means, how severe it is by default, whether it can be fixed.

Each module that produces findings declares its codes here at import time. The catalogue is the single
source of `docs/rules.md`, of `calaimfiles rules`, and of the check that a finding's code is known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from calaimfiles.findings import Severity

if TYPE_CHECKING:
    from calaimfiles.rules.table import Table


@dataclass(frozen=True)
class Rule:
    """A finding code. `layouts` is empty for codes that apply to every layout."""

    code: str
    title: str
    severity: Severity
    fixable: bool
    summary: str
    example: str
    source: str
    layouts: tuple[str, ...] = ()


_RULES: dict[str, Rule] = {}


def register(
    code: str,
    title: str,
    *,
    severity: Severity,
    summary: str,
    example: str,
    source: str,
    fixable: bool = False,
    layouts: tuple[str, ...] = (),
) -> Rule:
    """Declare a finding code once; declaring the same code twice is a programming error."""
    if code in _RULES:
        raise ValueError(f"rule {code} is declared twice")
    rule = Rule(code, title, severity, fixable, summary, example, source, layouts)
    _RULES[code] = rule
    return rule


def declare_all() -> None:
    """Import every rule module once: each declares its codes and table checks as it is imported."""
    from calaimfiles.rules import (  # noqa: F401
        columns,
        community,
        crossfile,
        fields,
        mif,
        otf,
        rtf,
        structure,
        table,
        transitions,
        windows,
    )


def get_rule(code: str) -> Rule:
    if code not in _RULES:
        declare_all()
    try:
        return _RULES[code]
    except KeyError:
        raise KeyError(f"unknown rule code {code!r}") from None


def all_rules() -> list[Rule]:
    """Every declared rule, in a stable order: file and column checks, field types, then layout rules."""
    declare_all()

    return sorted(_RULES.values(), key=_sort_key)


def _sort_key(rule: Rule) -> tuple[int, str, str]:
    group = rule.code.split("-", 1)[0]
    order = ["FILE", "COLUMN", "CELL", "TEXT", "REQUIRED", "VALUE", "DATE", "DOB"]
    layout_prefixes = ["MIF", "RTF", "OTF", "CSASF", "CSPRTF"]
    if group in order:
        return (0, f"{order.index(group):02d}", rule.code)
    if group in layout_prefixes:
        return (2, f"{layout_prefixes.index(group):02d}", _natural(rule.code))
    return (1, group, rule.code)


def _natural(code: str) -> str:
    """RTF-R2 before RTF-R10: pad the number inside the code."""
    head, _, tail = code.rpartition("-")
    letters = tail.rstrip("abcdefghijklmnopqrstuvwxyz")
    digits = "".join(ch for ch in letters if ch.isdigit())
    prefix = "".join(ch for ch in letters if not ch.isdigit())
    return f"{head}-{prefix}{int(digits):04d}{tail[len(letters):]}" if digits else code


TableCheck = Callable[["Table"], None]


@dataclass(frozen=True)
class _Registered:
    layouts: tuple[str, ...]
    needs: tuple[str, ...]
    whole_file: bool
    check: TableCheck


_CHECKS: list[_Registered] = []


def table_check(
    *layouts: str, needs: tuple[str, ...] = (), whole_file: bool = False
) -> Callable[[TableCheck], TableCheck]:
    """Run the decorated function on every table of these layouts (all layouts when none are named).

    A check is skipped when a column it `needs` is missing from the sheet: the missing column is already
    reported once, and reporting every row again would bury it. A `whole_file` check looks at the sheet as a
    whole (the value most rows hold, repeated keys, counts per person), so on a stack of sheets it runs on each
    sheet's own table; any other check looks at each row on its own and runs once over the stack.
    """

    def decorate(check: TableCheck) -> TableCheck:
        _CHECKS.append(_Registered(layouts, needs, whole_file, check))
        return check

    return decorate


def checks_for(table: Table) -> list[TableCheck]:
    """The checks to run on a table, in the order they were declared; a whole-file check on a stack is run on
    each of its sheets."""
    declare_all()

    name = table.layout.name
    found: list[TableCheck] = []
    for entry in _CHECKS:
        if (entry.layouts and name not in entry.layouts) or not table.has(*entry.needs):
            continue
        found.append(entry.check if not (entry.whole_file and table.sheets) else _on_each_sheet(entry.check))
    return found


def _on_each_sheet(check: TableCheck) -> TableCheck:
    def run(stack: Table) -> None:
        for sheet in stack.sheets:
            check(sheet)

    return run
