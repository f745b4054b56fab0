"""Pydantic models of a layout: its columns, their field types, code sets and the conditions between them.

The models hold no CalAIM facts themselves: those live in the TOML files under `data/`, so a plan profile
can rename a column, add an alias or change a code set without touching code. Rules refer to columns by
their stable `id` and to codes by their `role`, never by header text or code number.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class FieldType(enum.StrEnum):
    """The field types of reference section 2."""

    TEXT = "text"
    CIN = "cin"
    NPI = "npi"
    TIN = "tin"
    DATE = "date"
    PERIOD = "period"
    PHONE = "phone"
    ZIP = "zip"
    STATE = "state"
    YES_NO = "yn"
    CODE = "code"
    COUNT = "count"
    MINUTES = "minutes"
    EMAIL = "email"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CodeValue(_Strict):
    """One allowed value of a code set. `code` is the spelling written back; `label`, `code - label`, `short` and
    `spellings` are accepted as they are; `fixed_spellings` are understood but fixed to the code (a warning)."""

    code: str
    label: str | None = None
    short: str | None = Field(default=None, description="a short form, accepted in any letter case")
    spellings: tuple[str, ...] = Field(default=(), description="equivalent spellings real plans and vendors use")
    fixed_spellings: tuple[str, ...] = Field(
        default=(), description="spellings understood but not accepted as they are: a fixable warning")
    billing: tuple[str, ...] = Field(
        default=(),
        description="billing codes with their modifier (`T2033 U6`), also accepted as `T2033-U6` or `T2033U6`")
    role: str | None = None
    flags: tuple[str, ...] = ()
    available_from: str | None = Field(default=None, description="ISO date before which the value is unusual")


class CodeSet(_Strict):
    """A closed list of values for a code column (reference section 7)."""

    name: str
    title: str
    numbered: bool = Field(
        default=False, description="codes are numbers; `number - label` whose label names another is an error")
    label_is_meaning: bool = Field(
        default=False, description="the label explains the code: written instead of it, it is fixed to the code")
    prefixes: tuple[str, ...] = Field(
        default=(), description="prefixes any label or spelling may carry; a value's own prefixed spelling wins")
    variants: tuple[tuple[str, str], ...] = Field(
        default=(), description="word pairs that may replace each other in a spelling (`and/or`, `or`)")
    values: tuple[CodeValue, ...]

    def codes_with_role(self, *roles: str) -> frozenset[str]:
        return frozenset(v.code for v in self.values if v.role in roles)

    def codes_with_flag(self, flag: str) -> frozenset[str]:
        return frozenset(v.code for v in self.values if flag in v.flags)


class Condition(_Strict):
    """One clause of a 'required if' condition; all clauses of a column must hold together.

    `equals` compares the normalised value of `column`; `role` and `flag` select codes of the column's code
    set by their role or flag; `filled` tests for a non-blank cell; `greater_than` compares a number.
    """

    column: str
    equals: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    flag: str | None = None
    filled: bool | None = None
    greater_than: float | None = None
    negate: bool = False

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [self.equals, self.role, self.flag is not None, self.filled is not None, self.greater_than is not None]
        if sum(map(bool, tests)) != 1:
            raise ValueError(f"condition on {self.column!r} needs one of equals, role, flag, filled, greater_than")
        return self


class ColumnGroup(_Strict):
    """Columns a template has together or not at all (the closed-loop referral columns): when every one is absent,
    none is reported missing; `absent_rule` then warns once for a reporting period from `absent_from`."""

    columns: tuple[str, ...] = Field(min_length=1)
    absent_rule: str | None = None
    absent_from: str | None = Field(default=None, description="first reporting period (ISO date) of `absent_rule`")
    note: str | None = None


class Column(_Strict):
    """One column of a layout."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    type: FieldType
    required: bool = False
    required_if: tuple[Condition, ...] = ()
    required_rule: str | None = Field(default=None, description="code reported for a blank required cell")
    unless: tuple[Condition, ...] = Field(default=(), description="clauses that exempt a row from requirement")
    same_every_row: bool = False
    draft: Literal["plan", "carried", "answered"] | None = Field(
        default=None,
        description="where a drafted return file takes the column from: the plan's file (`plan`), last month's "
        "answer or else the plan's value (`carried`), last month's answer only (`answered`); blank when unset",
    )
    default: str | None = Field(default=None, description="the safe fix for a blank required cell")
    member: bool = Field(default=True, description="holds member data (PHI): never shown in machine output")
    codeset: str | None = None
    separator: str | None = Field(default=None, description="a cell may hold several codes split by this")
    aliases: tuple[str, ...] = ()
    note: str | None = None

    @model_validator(mode="after")
    def _codes_need_set(self) -> Column:
        if (self.type is FieldType.CODE) != (self.codeset is not None):
            raise ValueError(f"column {self.id}: a code column names its code set, and only a code column does")
        return self


class Window(_Strict):
    """When the plan takes a return file for a reporting period: due on `due_day` of the month that lies
    `months_after_period` after the period, accepted until `accepted_until_day` (the same day: no grace). Plans
    differ here, so it is data; a day past a month's end means that month's last day."""

    months_after_period: int = Field(default=1, ge=1)
    due_day: int = Field(ge=1, le=31)
    accepted_until_day: int = Field(ge=1, le=31)

    @model_validator(mode="after")
    def _grace_after_due(self) -> Window:
        if self.accepted_until_day < self.due_day:
            raise ValueError("accepted_until_day comes before due_day")
        return self


class YearlyDeadline(_Strict):
    """A deadline on the same days every year that belongs to no layout (the quarterly capacity report)."""

    what: str
    days: tuple[str, ...] = Field(min_length=1, description="month and day, MM-DD")

    @model_validator(mode="after")
    def _real_days(self) -> YearlyDeadline:
        for day in self.days:
            try:
                dt.date.fromisoformat(f"2000-{day}")  # a leap year: 02-29 is a real day
            except ValueError:
                raise ValueError(f"{self.what}: {day!r} is not a MM-DD day") from None
        return self


class Calendar(_Strict):
    """The deadlines of reference section 1 that no layout carries."""

    deadlines: tuple[YearlyDeadline, ...] = ()


class Layout(_Strict):
    """A file layout: its columns in the order of the reference, its key and the parameters of its rules."""

    name: str
    title: str
    direction: str = Field(pattern=r"^(plan-to-provider|provider-to-plan)$")
    key: tuple[str, ...]
    sheet_names: tuple[str, ...] = ()
    file_pattern: str | None = Field(default=None, description="a glob of the plan's file names (informational)")
    production_date: str | None = None
    reporting_period: str | None = None
    duplicate_rule: str
    duplicate_severity: str = Field(default="error", pattern="^(error|warning)$")
    same_value_rule: str
    parameters: dict[str, Any] = {}
    window: Window | None = Field(default=None, description="the submission window of a return file")
    return_formats: tuple[str, ...] = Field(
        default=(), description="the file suffixes the plan accepts for this return file (empty: any)")
    column_groups: tuple[ColumnGroup, ...] = ()
    columns: tuple[Column, ...]
    codesets: dict[str, CodeSet] = Field(default={}, description="the code sets its code columns use")

    @model_validator(mode="after")
    def _references_exist(self) -> Layout:
        ids = {c.id for c in self.columns}
        if len(ids) != len(self.columns):
            raise ValueError(f"layout {self.name}: column ids repeat")
        referenced = set(self.key) | {c for c in (self.production_date, self.reporting_period) if c is not None}
        for column in self.columns:
            referenced |= {c.column for c in column.required_if + column.unless}
        for group in self.column_groups:
            referenced |= set(group.columns)
        missing = referenced - ids
        if missing:
            raise ValueError(f"layout {self.name}: unknown column ids {sorted(missing)}")
        unknown_sets = {c.codeset for c in self.columns if c.codeset} - set(self.codesets)
        if unknown_sets:
            raise ValueError(f"layout {self.name}: unknown code sets {sorted(unknown_sets)}")
        return self

    @property
    def is_return_file(self) -> bool:
        return self.direction == "provider-to-plan"

    def column(self, column_id: str) -> Column:
        try:
            return self._columns_by_id[column_id]
        except KeyError:
            raise KeyError(f"layout {self.name} has no column {column_id!r}") from None

    @cached_property
    def _columns_by_id(self) -> dict[str, Column]:
        return {column.id: column for column in self.columns}

    @cached_property
    def header_lookup(self) -> dict[str, str]:
        """Normalised header text (canonical names and aliases) -> column id; worked out once per layout, since
        every sheet's first rows are matched against it."""
        lookup: dict[str, str] = {}
        for column in self.columns:
            for text in (column.name, *column.aliases):
                lookup.setdefault(header_key(text), column.id)
        return lookup

    def codeset_of(self, column_id: str) -> CodeSet:
        name = self.column(column_id).codeset
        if name is None:
            raise KeyError(f"column {column_id!r} of {self.name} has no code set")
        return self.codesets[name]

    def parameter(self, name: str) -> Any:
        try:
            return self.parameters[name]
        except KeyError:
            raise KeyError(f"layout {self.name} does not set parameter {name!r}") from None


_SPACES = re.compile(r"[\s_]+")
_SPACE_BEFORE_PAREN = re.compile(r"\s+\(")


def header_key(text: str) -> str:
    """How headers are compared: ignoring case, repeated (also non-breaking) spaces, line breaks, underscores
    (`MEMBER_FIRST_NAME`) and spaces before '('."""
    folded = _SPACES.sub(" ", text.replace("\u00a0", " ")).strip().casefold()
    return _SPACE_BEFORE_PAREN.sub("(", folded)
