"""Draft a provider's return file from the plan's file and the provider's own file of last month.

A return file repeats what the plan already knows (who the member is, which provider, which month) and adds
what only the provider knows (status, dates, care manager, referral loop). Building it means taking the
plan's facts from the plan's file, carrying the provider's answers forward by member (and service), and
leaving blank what has to be answered afresh each month, so that validating the draft lists exactly the
cells the provider still has to fill. Pure functions: normalised records in, records out.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from calaimfiles.config import Config
from calaimfiles.findings import Finding, Severity
from calaimfiles.layouts import Layout, load_layout
from calaimfiles.layouts.describe import allowed_values
from calaimfiles.validate import InputError, ValidationRequest, read_tables
from calaimfiles.wording import plural

Record = Mapping[str, Any]


@dataclass(frozen=True)
class Recipe:
    """Where each column of a return file comes from (the layout data's `draft` of each column); a column in
    none of the lists starts blank.

    `from_source`: the plan's facts, taken from the plan's file (the previous file only fills a gap).
    `carried`: the provider's answers, carried from the previous file; the plan's value starts a new member.
    `carried_only`: answers only the provider gives, carried from the previous file.
    """

    from_source: tuple[str, ...]
    carried: tuple[str, ...] = ()
    carried_only: tuple[str, ...] = ()


def recipe_for(layout: Layout) -> Recipe:
    """The recipe a layout's data declares. Left blank on purpose, e.g. on the RTF: member address and phone,
    the New Address/Phone indicators and the encounter counts (they report what happened this month)."""
    def columns(kind: str) -> tuple[str, ...]:
        return tuple(c.id for c in layout.columns if c.draft == kind)

    return Recipe(columns("plan"), columns("carried"), columns("answered"))


@dataclass(frozen=True)
class Draft:
    """The rows of a drafted return file and how they came about, for the command to report."""

    rows: list[dict[str, Any]]
    carried: int  # rows that found the provider's row of last month
    new: int  # rows that start from the plan's file alone
    left_out: int  # rows of the plan's file that need no return row (termed members, resolved services)
    dropped: int  # rows of the previous file no longer on the plan's file
    reporting_period: dt.date | None


def records_of(path: Path, as_of: dt.date, plan: str | None, *layouts: str) -> list[dict[str, Any]]:
    """The records of every sheet of `path` that holds one of `layouts`, to draft from.

    The layout is detected, never forced: a CSASF shares enough columns with the MIF to pass for one.
    """
    tables = read_tables(path, ValidationRequest(as_of=as_of, plan=plan))
    wanted = [table for table in tables if table.layout.name in layouts]
    if not wanted:
        found = ", ".join(sorted({table.layout.name for table in tables}))
        raise InputError(f"holds no {' or '.join(layouts)} (found {found})", path)
    return [record for table in wanted for record in table.records()]


def resolve_provider_phone(given: str | None, given_as: str, config: Config) -> str | None:
    """The provider's phone for the RTF: the one given (`given_as` names where), else `phone` under [provider]
    in the configuration, else None; InputError when it is not a 10-digit phone number."""
    from calaimfiles.rules.fields import parse_phone  # the rules bring pandas: imported only when needed

    configured = config.provider.get("phone")
    text, where = (given, given_as) if given else (configured, f"[provider] phone in {config.source}")
    if text is None or str(text) == "":
        return None
    phone = parse_phone(str(text)).value
    if phone is None:
        raise InputError(f"{where} {str(text)!r} is not a 10-digit phone number")
    return str(phone)


def describe_draft(draft: Draft, left_out_word: str, previous_name: str | None) -> str:
    """What the draft was made of, so the provider can tell a carried-forward file from a fresh one."""
    parts = [f"{draft.carried} carried forward from {previous_name}, {draft.new} new" if previous_name else ""]
    if draft.left_out:
        parts.append(f"{plural(draft.left_out, left_out_word)} left out")
    if previous_name and draft.dropped:
        parts.append(f"{plural(draft.dropped, 'row')} of {previous_name} no longer on the plan's file")
    return "; ".join(p for p in parts if p)


def most_common(records: Iterable[Record], column_id: str) -> Any:
    """The value most rows agree on, None when the column is blank everywhere: the file's period, say."""
    counts = Counter(r.get(column_id) for r in records if r.get(column_id) not in (None, ""))
    return counts.most_common(1)[0][0] if counts else None


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def build_rtf(
    mif: Sequence[Record],
    previous: Sequence[Record] = (),
    *,
    production_date: dt.date,
    provider_phone: str | None = None,
    plan: str | None = None,
) -> Draft:
    """One RTF row per MIF member not in a termed status, with the provider's answers of last month.

    The provider phone is the one given, else last month's, else blank (for the provider to fill).
    """
    rtf = load_layout("RTF", plan)
    termed = load_layout("MIF", plan).codeset_of("status").codes_with_flag("termed")
    period = most_common(mif, "reporting_period")
    fixed = {
        "production_date": production_date,
        "reporting_period": first_of_month(period) if isinstance(period, dt.date) else period,
        "provider_phone": provider_phone or most_common(previous, "provider_phone"),
    }
    return _draft(recipe_for(rtf), rtf, mif, previous, lambda row: row.get("status") not in termed, fixed)


def build_csprtf(
    csasf: Sequence[Record],
    previous: Sequence[Record] = (),
    *,
    production_date: dt.date,
    reporting_period: dt.date | None = None,
    plan: str | None = None,
) -> Draft:
    """One CSPRTF row per CSASF member + service whose authorization is not resolved (code-set flag
    `resolved`), with the CS provider's answers of last month.

    The CSASF has no reporting period: unless given, it is the month of the CSASF's production date (the
    CSPRTF due early next month reports the month the plan's list was sent in).
    """
    layout = load_layout("CSPRTF", plan)
    resolved = load_layout("CSASF", plan).codeset_of("authorization_status").codes_with_flag("resolved")
    produced = most_common(csasf, "production_date")
    if reporting_period is None and isinstance(produced, dt.date):
        reporting_period = produced
    fixed = {
        "production_date": production_date,
        "reporting_period": first_of_month(reporting_period) if reporting_period else None,
    }
    return _draft(recipe_for(layout), layout, csasf, previous,
                  lambda row: row.get("authorization_status") not in resolved, fixed)


def _draft(
    recipe: Recipe,
    layout: Layout,
    source: Sequence[Record],
    previous: Sequence[Record],
    wanted: Callable[[Record], bool],
    fixed: Mapping[str, Any],
) -> Draft:
    """Merge the plan's rows and last month's rows by the layout's key, in the plan's order."""
    def key(row: Record) -> tuple[Any, ...] | None:
        values = tuple(row.get(k) for k in layout.key)
        return None if any(v in (None, "") for v in values) else values

    before: dict[tuple[Any, ...], Record] = {}
    for row in previous:
        row_key = key(row)
        if row_key is not None:
            before.setdefault(row_key, row)
    rows: list[dict[str, Any]] = []
    seen: set[tuple[Any, ...] | None] = set()
    carried = left_out = 0
    for row in source:
        row_key = key(row)
        if row_key is not None and row_key in seen:
            continue  # a duplicate on the plan's file (reported there) gets one return row
        seen.add(row_key)
        if not wanted(row):
            left_out += 1
            continue
        last = before.get(row_key) if row_key is not None else None
        carried += last is not None
        rows.append(_merge(recipe, layout, row, last or {}, fixed))
    dropped = len(set(before) - seen)
    period = fixed.get("reporting_period")
    return Draft(rows, carried, len(rows) - carried, left_out, dropped, period if isinstance(period, dt.date) else None)


def _merge(recipe: Recipe, layout: Layout, source: Record, last: Record, fixed: Mapping[str, Any]) -> dict[str, Any]:
    def blank(value: Any) -> bool:
        return value is None or value == ""

    row: dict[str, Any] = {}
    for column in layout.columns:
        cid = column.id
        if cid in fixed:
            value = fixed[cid]
        elif cid in recipe.from_source:
            value = source.get(cid) if not blank(source.get(cid)) else last.get(cid)
        elif cid in recipe.carried:
            value = last.get(cid) if last and not blank(last.get(cid)) else source.get(cid)
        elif cid in recipe.carried_only:
            value = last.get(cid)
        else:
            value = None
        row[cid] = None if blank(value) else value
    return row


@dataclass(frozen=True)
class FindingGroup:
    """Findings of one kind in one column, with the rows they are on: what the provider still has to do."""

    code: str
    severity: Severity
    column: str | None
    message: str
    rows: tuple[int, ...]
    hint: str | None = None


def group_findings(findings: Iterable[Finding], layout: Layout) -> list[FindingGroup]:
    """Group by code, column and message (a message never quotes a cell value), errors first."""
    groups: dict[tuple[str, Severity, str | None, str], list[int]] = {}
    for finding in findings:
        rows = groups.setdefault((finding.code, finding.severity, finding.column, finding.message), [])
        if finding.row is not None:
            rows.append(finding.row)
    names = {c.name: c for c in layout.columns}
    result = []
    for (code, severity, column_name, message), rows in groups.items():
        column = names.get(column_name) if column_name else None
        values = allowed_values(layout, column) if column is not None else ()
        hint = None
        if values:
            shown = ", ".join(values[:-1]) + f" or {values[-1]}" if len(values) > 1 else values[0]
            hint = f"choose {shown}" if len(shown) <= 60 else "choose from the drop-down list"
        result.append(FindingGroup(code, severity, column_name, message, tuple(sorted(set(rows))), hint))
    result.sort(key=lambda g: (-g.severity, g.rows[:1], g.code))
    return result


def row_ranges(rows: Sequence[int]) -> str:
    """`2, 3, 4, 7` -> `2-4, 7`: how a person reads a list of rows."""
    runs: list[list[int]] = []
    for row in sorted(set(rows)):
        if runs and row == runs[-1][-1] + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]) for run in runs)


def period_tag(period: dt.date | None) -> str:
    """The month in an output's default name: `rtf_2026-10.xlsx`; `draft` when the month is unknown."""
    return f"{period:%Y-%m}" if period else "draft"
