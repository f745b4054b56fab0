"""The one diagnostic model every check produces and every renderer consumes.

A finding says what is wrong, where (as Excel shows it), how bad it is and whether the tool can repair it
without changing the meaning. Values of member columns travel separately from the message, so renderers
can leave them out of anything that may be stored or shared.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

KEPT_PER_SHEET = 500_000  # findings kept of one sheet; beyond, only counted (a hostile file makes millions)


class Severity(enum.IntEnum):
    """How much a finding matters; the plan rejects a file for errors only."""

    INFO = 0
    WARNING = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}: use error, warning or info") from None


@dataclass(frozen=True, slots=True)
class Fix:
    """A safe repair: replacing the cell's value with `value` keeps the meaning the provider intended."""

    value: Any


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one place. `row` and `cell` are what Excel shows (1-based, `C17`)."""

    code: str
    severity: Severity
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    fix: Fix | None = None
    value: str | None = None
    member_data: bool = True

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def describe(self, show_value: bool) -> str:
        """The message, with the offending value quoted when the caller may show it."""
        if show_value and self.value is not None:
            return f"{self.message} (found: {self.value!r})"
        return self.message

    def may_show_value(self, show_values: bool) -> bool:
        """Values of member columns are protected health information; others may always be shown."""
        return show_values or not self.member_data


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_name(row: int, column_index: int) -> str:
    """Excel row number and 0-based column index -> `C17`."""
    return f"{column_letter(column_index)}{row}"


def column_number(cell: str | None) -> int:
    """`C17` -> 3 (A = 1); 0 when a finding has no cell, so file-level findings sort first."""
    if not cell:
        return 0
    number = 0
    for char in cell:
        if not char.isalpha():
            break
        number = number * 26 + ord(char.upper()) - 64
    return number
