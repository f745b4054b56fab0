"""Member moves between two months that make no sense (reference section 9): their finding codes, and the
table of moves in `layouts/data/transitions.toml` that `calaimfiles diff` applies.

The moves are data, named by status roles and flags, so a plan profile can add one without touching code;
loading checks every name against the layouts, so a typo fails at once instead of never matching.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

from pydantic import BaseModel, ConfigDict, model_validator

from calaimfiles.findings import Severity
from calaimfiles.layouts import CodeSet, Layout, load_layout
from calaimfiles.rules.registry import get_rule, register

_S9 = "reference §9"
DIFF_STATUS_BACKWARDS = register(
    "DIFF-STATUS-BACKWARDS", "Status moved backwards", severity=Severity.WARNING, layouts=("MIF", "RTF", "CSPRTF"),
    source=_S9,
    summary="Between two months (`calaimfiles diff`), a member who was enrolled or served, or had left, is back "
    "in Pending Outreach: check the status, or whether the member was referred again.",
    example="Member ECM Status `5` (Discontinued) in February and `1` (Pending Outreach) in March",
)
DIFF_NEW_START = register(
    "DIFF-NEW-START", "New start date without an end", severity=Severity.WARNING, layouts=("MIF", "RTF", "CSPRTF"),
    source=_S9,
    summary="Between two months (`calaimfiles diff`), an enrolled or served member's start date changed although "
    "the older file shows no end date: end the earlier enrollment or service, or keep its start date.",
    example="ECM Enrollment Start Date `01/15/2026` in February and `03/01/2026` in March, no End Date in February",
)

STATUS = "status"  # the status column of every layout with member statuses


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Move(_Strict):
    """A status move to flag: from a status with one of the roles or flags in `old` to one in `new`."""

    code: str
    layouts: tuple[str, ...]
    old: tuple[str, ...]
    new: tuple[str, ...]
    message: str


class Restart(_Strict):
    """A changed start date to flag while the member's status is one of `status` and the older end is blank."""

    code: str
    layout: str
    status: tuple[str, ...]
    start: str
    end: str | None = None


class Transitions(_Strict):
    moves: tuple[Move, ...]
    restarts: tuple[Restart, ...]

    @model_validator(mode="after")
    def _names_exist(self) -> Transitions:
        for move in self.moves:
            get_rule(move.code)
            _check_statuses([load_layout(name) for name in move.layouts], move.old + move.new)
        for restart in self.restarts:
            get_rule(restart.code)
            layout = load_layout(restart.layout)
            _check_statuses([layout], restart.status)
            for column_id in filter(None, (restart.start, restart.end)):
                layout.column(column_id)
        return self

    def moves_for(self, layout: str) -> list[Move]:
        return [m for m in self.moves if layout in m.layouts]

    def restarts_for(self, layout: str) -> list[Restart]:
        return [r for r in self.restarts if r.layout == layout]


def statuses(codeset: CodeSet, names: tuple[str, ...]) -> frozenset[str]:
    """The codes whose role, or one of whose flags, is among `names`."""
    return frozenset(v.code for v in codeset.values if v.role in names or set(v.flags) & set(names))


def _check_statuses(layouts: list[Layout], names: tuple[str, ...]) -> None:
    """Each name is a role or flag of the statuses of one of the layouts (ECM and CS statuses differ)."""
    values = [v for layout in layouts for v in layout.codeset_of(STATUS).values]
    unknown = set(names) - {v.role for v in values} - {f for v in values for f in v.flags}
    if unknown:
        names_of = ", ".join(layout.name for layout in layouts)
        raise ValueError(f"transitions: no status of {names_of} has the role or flag {', '.join(sorted(unknown))}")


@functools.cache
def load_transitions() -> Transitions:
    """The moves of `layouts/data/transitions.toml`, checked against the layouts and the rule codes."""
    text = resources.files("calaimfiles.layouts").joinpath("data", "transitions.toml").read_text("utf-8")
    return Transitions(**tomllib.loads(text))
