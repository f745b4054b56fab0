"""A layout's conditions and codes in the words a care coordinator reads, for messages and instructions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from calaimfiles.layouts.model import Column, Condition, FieldType, Layout


def code_names(layout: Layout, column_id: str, roles: Sequence[str] = (), flag: str | None = None) -> list[str]:
    """['3 (Unable to Contact)', '4 (Declined)']: the codes of a column with these roles or this flag."""
    codeset = layout.codeset_of(column_id)
    chosen = [v for v in codeset.values if v.role in roles or (flag is not None and flag in v.flags)]
    return [f"{v.code} ({v.label})" if v.label and codeset.numbered else v.code for v in chosen]


def explain_conditions(layout: Layout, conditions: Sequence[Condition]) -> str:
    """`Member New Address Indicator is Y and Member Homelessness Indicator is N`."""
    parts = []
    for clause in conditions:
        name = layout.column(clause.column).name
        if clause.filled is not None:
            parts.append(f"{name} is {'filled' if clause.filled else 'blank'}")
        elif clause.greater_than is not None:
            parts.append(f"{name} is more than {clause.greater_than:g}")
        else:
            if clause.role or clause.flag:
                shown = code_names(layout, clause.column, clause.role, clause.flag)
            else:
                shown = list(clause.equals)
            parts.append(f"{name} {'is not' if clause.negate else 'is'} {' or '.join(shown)}")
    return " and ".join(parts)


def allowed_values(layout: Layout, column: Column) -> tuple[str, ...]:
    """The values a drop-down offers: Y/N, or the codes as written back (labels and short forms are accepted too)."""
    if column.type is FieldType.YES_NO:
        return ("Y", "N")
    if column.codeset is not None:
        return tuple(v.code for v in layout.codesets[column.codeset].values)
    return ()


def value_text(column: Column, value: Any) -> str:
    """A value as people write it: a period as MM/YYYY, a date as MM/DD/YYYY, a blank as `(blank)`."""
    if value is None:
        return "(blank)"
    if isinstance(value, dt.date):
        return f"{value:%m/%Y}" if column.type is FieldType.PERIOD else f"{value:%m/%d/%Y}"
    return str(value)
