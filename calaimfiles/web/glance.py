"""This month at a glance: per plan (each sFTP profile, with its plan profile), the return files of the reporting
period whose window is this month, which were checked on the page, which were sent (from the upload log) and
which are late. The windows are the layouts' own (`submission_window`), as `validate` and `calendar` read them.

A file's layout and reporting period come from reading it (`read_tables`), once per content (by sha256): a file
in the upload log is known by its bytes, whether it was checked on this page or sent from the command line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calaimfiles.config import ConfigError
from calaimfiles.layouts import Window, all_layouts
from calaimfiles.transport.log import sha256_of
from calaimfiles.transport.profile import load_profile
from calaimfiles.validate import ValidationRequest, read_tables
from calaimfiles.web.exchange import LogEntry
from calaimfiles.web.page import Page

Periods = dict[str, dt.date | None]  # layout -> reporting month (None: the layout has no period column)


@dataclass
class Line:
    """One layout (or layouts sharing a window) of a row: what is due and what became of it."""

    layouts: list[str]
    period: dt.date
    due: dt.date
    last_day: dt.date
    checked: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    status: str = ""
    late: bool = False


@dataclass
class Row:
    name: str
    plan: str
    lines: list[Line]
    problem: str | None = None


class PeriodCache:
    """The layouts and reporting months of files, by content."""

    def __init__(self) -> None:
        self._by_sha: dict[str, Periods] = {}

    def of(self, path: Path, sha256: str | None = None, plan: str | None = None) -> Periods | None:
        try:
            digest = sha256 or sha256_of(path)
            if digest not in self._by_sha:
                tables = read_tables(path, ValidationRequest(plan=plan))
                self._by_sha[digest] = {t.layout.name: _month(t.most_common("reporting_period"))
                                        if t.has("reporting_period") else None for t in tables}
            return self._by_sha[digest]
        except Exception:  # a file that moved, or that cannot be read: it is simply not counted
            return None


def _month(value: Any) -> dt.date | None:
    if value is None:
        return None
    day = value.date() if hasattr(value, "date") and callable(value.date) else value
    return day.replace(day=1) if isinstance(day, dt.date) else None


def month_at_a_glance(page: Page, log: list[LogEntry], cache: PeriodCache) -> list[Row]:
    today = page.today()
    profiles = page.profiles()
    targets: list[tuple[str, str | None]] = []
    for name in profiles:
        try:
            targets.append((name, load_profile(page.config, name).plan))
        except ConfigError as error:
            targets.append((name, f"!{error}"))
    if not targets:
        targets = [("this computer (no sFTP profile)", page.plan)]
    checked = [(f, cache.of(f.path, f.sha256)) for f in page.workspace.files() if f.checked and not f.error]
    rows = []
    for name, plan_name in targets:
        if plan_name is not None and plan_name.startswith("!"):
            rows.append(Row(name, "?", [], plan_name[1:]))
            continue
        try:
            plan = page.config.resolve_plan(plan_name)
            windows: dict[Window, list[str]] = {}
            for layout in all_layouts(plan):
                if layout.window is not None:
                    windows.setdefault(layout.window, []).append(layout.name)
        except Exception as error:
            rows.append(Row(name, plan_name or "reference", [], str(error)))
            continue
        sent = [(entry, cache.of(Path(entry.path), entry.sha256, plan)) for entry in log
                if entry.profile == name and entry.result == "uploaded"]
        rows.append(Row(name, plan_name or "reference",
                        [_line(window, names, today, checked, sent) for window, names in windows.items()]))
    return rows


def _line(window: Window, names: list[str], today: dt.date, checked: list[tuple[Any, Periods | None]],
          sent: list[tuple[LogEntry, Periods | None]]) -> Line:
    from calaimfiles.rules.windows import add_months, submission_window

    own = submission_window(add_months(today.replace(day=1), -window.months_after_period), window)
    line = Line(names, own.period, own.due, own.last_day)
    sent_layouts = set()
    for layout in names:
        line.checked += [f"{layout}: {file.name}" for file, periods in checked
                         if periods and layout in periods and periods[layout] in (own.period, None)]
        for entry, periods in sent:
            if periods and layout in periods and periods[layout] in (own.period, None):
                line.sent.append(f"{layout}: {entry.file} on {entry.time:%m/%d/%Y}")
                sent_layouts.add(layout)
    missing = [layout for layout in names if layout not in sent_layouts]
    if not missing:
        line.status = "sent"
    elif today > own.last_day:
        line.status, line.late = f"late: {' and '.join(missing)} not sent by {own.last_day:%m/%d/%Y}", True
    elif today > own.due:
        line.status = f"after the due day: {' and '.join(missing)} accepted until {own.last_day:%m/%d/%Y}"
    else:
        days = (own.due - today).days
        line.status = f"{' and '.join(missing)} due {'today' if days == 0 else f'in {days} days'}"
    return line
