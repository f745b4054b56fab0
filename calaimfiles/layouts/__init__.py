"""The five CalAIM layouts, loaded from the TOML data beside this package."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

from calaimfiles.layouts.model import (
    Calendar,
    CodeSet,
    Column,
    Condition,
    FieldType,
    Layout,
    Window,
    YearlyDeadline,
    header_key,
)

LAYOUT_NAMES: tuple[str, ...] = ("MIF", "RTF", "OTF", "CSASF", "CSPRTF")

__all__ = [
    "LAYOUT_NAMES",
    "Calendar",
    "CodeSet",
    "Column",
    "Condition",
    "FieldType",
    "Layout",
    "Window",
    "YearlyDeadline",
    "all_layouts",
    "header_key",
    "load_calendar",
    "load_codesets",
    "load_layout",
]


def _read_data(filename: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("calaimfiles.layouts").joinpath("data", filename).read_text("utf-8"))


@functools.cache
def load_codesets() -> dict[str, CodeSet]:
    """Every code set of reference section 7, by name."""
    return {name: CodeSet(name=name, **body) for name, body in _read_data("codesets.toml").items()}


@functools.cache
def load_calendar() -> Calendar:
    """The deadlines that belong to no layout; the layouts' own windows and sending days are in their data."""
    return Calendar(**_read_data("calendar.toml"))


@functools.cache
def load_layout(name: str) -> Layout:
    """The reference profile of one layout (`RTF`, `rtf`, ...), with the code sets it uses."""
    upper = name.upper()
    if upper not in LAYOUT_NAMES:
        raise KeyError(f"unknown layout {name!r}: choose one of {', '.join(LAYOUT_NAMES)}")
    body = _read_data(f"{upper.lower()}.toml")
    codesets = load_codesets()
    used = {column["codeset"] for column in body["columns"] if "codeset" in column}
    return Layout(**body, codesets={n: codesets[n] for n in sorted(used)})


def all_layouts() -> list[Layout]:
    return [load_layout(name) for name in LAYOUT_NAMES]
