"""Plan profiles: a plan's template as a patch of the reference layouts (design notes section 1, as sqlfluff
builds a dialect by copying ANSI and patching it).

A profile is a TOML file (the format is described at the top of `plans/reference.toml`). `load_profile` reads
one by name from the packaged `plans/` folder, or from a path ending in `.toml`; `apply_profile` patches the raw
data of a layout before it is validated, so the patched layout is checked exactly like the reference one.
"""

from __future__ import annotations

import copy
import functools
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from calaimfiles.layouts.model import CodeSet, CodeValue, Column

REFERENCE = "reference"
_LAYOUT_NAMES = ("MIF", "RTF", "OTF", "CSASF", "CSPRTF")


class ProfileError(ValueError):
    """A plan profile cannot be found, read or applied; the message is one sentence for the user."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LayoutPatch(_Strict):
    """What a plan changes in one layout."""

    rename: dict[str, str] = Field(default={}, description="column id -> the plan's header; the old one stays an alias")
    add: tuple[Column, ...] = ()
    remove: tuple[str, ...] = ()
    change: dict[str, dict[str, Any]] = Field(
        default={}, description="column id -> fields of the column to set (its conditions, say)")
    sheet_names: tuple[str, ...] | None = None
    file_pattern: str | None = Field(default=None, description="a glob of the plan's file names (informational)")
    parameters: dict[str, Any] = {}
    window: dict[str, int] = {}


class CodeSetPatch(_Strict):
    """A plan's own values for a code set, replacing the reference values, and/or more equivalent spellings of
    its codes (`spellings = { DP = ["Refused"] }`)."""

    values: tuple[CodeValue, ...] | None = Field(default=None, min_length=1)
    spellings: dict[str, tuple[str, ...]] = {}


class Profile(_Strict):
    """One plan's changes to the reference layouts and code sets."""

    name: str
    title: str
    layouts: dict[str, LayoutPatch] = {}
    codesets: dict[str, CodeSetPatch] = {}
    return_formats: tuple[str, ...] | None = Field(
        default=None, description="file suffixes the plan accepts for return files (`.xlsx`, `.xlsm`, `.csv`)")

    @model_validator(mode="after")
    def _known_layouts(self) -> Profile:
        unknown = sorted(set(self.layouts) - set(_LAYOUT_NAMES))
        if unknown:
            raise ValueError(f"unknown layouts {unknown}: choose from {', '.join(_LAYOUT_NAMES)}")
        return self

    def codeset(self, base: CodeSet) -> CodeSet:
        """The code set as this plan spells it."""
        patch = self.codesets.get(base.name)
        if patch is None:
            return base
        values = patch.values if patch.values is not None else base.values
        unknown = sorted(set(patch.spellings) - {v.code for v in values})
        if unknown:
            raise ProfileError(f"plan {self.name}: [codesets.{base.name}] spellings name unknown codes {unknown}")
        values = tuple(
            v.model_copy(update={"spellings": (*v.spellings, *patch.spellings[v.code])}) if v.code in patch.spellings
            else v for v in values)
        return base.model_copy(update={"values": values})


def plan_names() -> list[str]:
    """The profiles that ship with calaimfiles."""
    folder = resources.files("calaimfiles.layouts").joinpath("plans")
    return sorted(entry.name.removesuffix(".toml") for entry in folder.iterdir() if entry.name.endswith(".toml"))


@functools.cache
def load_profile(name_or_path: str) -> Profile:
    """A packaged profile by name (`large-plan`), or the profile file a path ending in `.toml` names."""
    if name_or_path.lower().endswith(".toml"):
        path = Path(name_or_path)
        try:
            text = path.read_text("utf-8")
        except OSError as error:
            raise ProfileError(f"cannot read plan profile {path} ({error.strerror or type(error).__name__})") from None
        where = str(path)
    else:
        if name_or_path not in plan_names():
            raise ProfileError(f"unknown plan {name_or_path!r}: choose one of {', '.join(plan_names())} or give a "
                               "profile file (.toml)")
        text = resources.files("calaimfiles.layouts").joinpath("plans", f"{name_or_path}.toml").read_text("utf-8")
        where = f"plan {name_or_path}"
    try:
        return Profile(**tomllib.loads(text))
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{where}: not valid TOML ({error})") from None
    except ValidationError as error:
        raise ProfileError(f"{where}: {first_error(error)}") from None


def first_error(error: ValidationError) -> str:
    """The first problem pydantic found, where it is and what it is, without pydantic's wording around it."""
    first = error.errors()[0]
    place = ".".join(str(part) for part in first["loc"])
    return f"{place + ': ' if place else ''}{first['msg'].removeprefix('Value error, ')}"


def apply_profile(base: dict[str, Any], profile: Profile, layout_name: str) -> dict[str, Any]:
    """A copy of a layout's raw data with the profile's changes; ProfileError names a column id it lacks."""
    patch = profile.layouts.get(layout_name)
    if patch is None and profile.return_formats is None:
        return base
    body = copy.deepcopy(base)
    if profile.return_formats is not None and "return_formats" in body:
        body["return_formats"] = list(profile.return_formats)
    if patch is None:
        return body
    columns: list[dict[str, Any]] = body["columns"]
    ids = [column["id"] for column in columns]
    for what, named in (("rename", list(patch.rename)), ("remove", list(patch.remove)),
                        ("change", list(patch.change))):
        unknown = [column_id for column_id in named if column_id not in ids]
        if unknown:
            raise ProfileError(f"plan {profile.name}: [layouts.{layout_name}] {what} names unknown column ids "
                               f"{unknown} (the {layout_name} ids are {', '.join(ids)})")
    repeated = [column.id for column in patch.add if column.id in ids]
    if repeated:
        raise ProfileError(f"plan {profile.name}: [layouts.{layout_name}] add repeats column ids {repeated}")
    for column in columns:
        column.update(copy.deepcopy(patch.change.get(column["id"], {})))
        new_name = patch.rename.get(column["id"])
        if new_name is not None and new_name != column["name"]:
            column["aliases"] = [column["name"], *column.get("aliases", [])]
            column["name"] = new_name
    body["columns"] = [c for c in columns if c["id"] not in patch.remove]
    body["column_groups"] = [
        {**group, "columns": kept} for group in body.get("column_groups", [])
        if (kept := [c for c in group["columns"] if c not in patch.remove])
    ]
    body["columns"] += [column.model_dump(exclude_defaults=True) for column in patch.add]
    if patch.sheet_names is not None:
        body["sheet_names"] = list(patch.sheet_names)
    if patch.file_pattern is not None:
        body["file_pattern"] = patch.file_pattern
    parameters = body.get("parameters", {})
    body["parameters"] = {  # a table of pairs (reason_fits_status) is merged too: a plan names only what it changes
        **parameters,
        **{name: {**parameters[name], **value} if isinstance(value, dict) and isinstance(parameters.get(name), dict)
           else value for name, value in patch.parameters.items()},
    }
    if patch.window:
        body["window"] = {**body.get("window", {}), **patch.window}
    return body
