"""The five CalAIM layouts, loaded from the TOML data beside this package."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

from pydantic import ValidationError

from calaimfiles.layouts.model import (
    Calendar,
    CodeSet,
    Column,
    ColumnGroup,
    Condition,
    FieldType,
    Layout,
    Window,
    YearlyDeadline,
    header_key,
)
from calaimfiles.layouts.profiles import (
    REFERENCE,
    Profile,
    ProfileError,
    apply_profile,
    first_error,
    load_profile,
    plan_names,
)

LAYOUT_NAMES: tuple[str, ...] = ("MIF", "RTF", "OTF", "CSASF", "CSPRTF")

__all__ = [
    "LAYOUT_NAMES",
    "REFERENCE",
    "Calendar",
    "CodeSet",
    "Column",
    "ColumnGroup",
    "Condition",
    "FieldType",
    "Layout",
    "Profile",
    "ProfileError",
    "Window",
    "YearlyDeadline",
    "all_layouts",
    "header_key",
    "load_calendar",
    "load_codesets",
    "load_layout",
    "load_plan",
    "plan_names",
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


def load_plan(plan: str | None) -> Profile:
    """The profile `--plan` names (None: the reference); ProfileError when it cannot be used."""
    profile = load_profile(plan or REFERENCE)
    unknown = sorted(set(profile.codesets) - set(load_codesets()))
    if unknown:
        raise ProfileError(f"plan {profile.name}: unknown code sets {unknown}")
    return profile


@functools.cache
def load_layout(name: str, plan: str | None = None) -> Layout:
    """One layout (`RTF`, `rtf`, ...) as a plan has it (None: the reference profile), with its code sets.

    ProfileError when the plan cannot be loaded or does not fit the layout."""
    upper = name.upper()
    if upper not in LAYOUT_NAMES:
        raise KeyError(f"unknown layout {name!r}: choose one of {', '.join(LAYOUT_NAMES)}")
    profile = load_plan(plan)
    body = apply_profile(_read_data(f"{upper.lower()}.toml"), profile, upper)
    codesets = load_codesets()
    used = {column["codeset"] for column in body["columns"] if "codeset" in column}
    try:
        return Layout(**body, codesets={n: profile.codeset(codesets[n]) for n in sorted(used) if n in codesets})
    except ValidationError as error:
        raise ProfileError(f"plan {profile.name}: {first_error(error)}") from None


def all_layouts(plan: str | None = None) -> list[Layout]:
    """Every layout as a plan has it (None: the reference profile)."""
    return [load_layout(name, plan) for name in LAYOUT_NAMES]
