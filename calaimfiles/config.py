"""The configuration file: where it is found, and what it says.

`calaimfiles.toml` in the current folder, else `[tool.calaimfiles]` in the current folder's `pyproject.toml`,
else `calaimfiles.toml` in the user's configuration folder (`$XDG_CONFIG_HOME/calaimfiles/`, by default
`~/.config/calaimfiles/`); `--config FILE` names one explicitly. Today it registers the user's own plan
profiles (`[plans] myplan = "profiles/myplan.toml"`, relative to the configuration file); the sFTP profiles
of `[profiles.NAME]` will be read from the same file, and `[provider] phone = "9165550100"` gives the provider
phone a drafted RTF needs (the MIF does not carry it).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from calaimfiles.layouts import ProfileError, all_layouts, plan_names
from calaimfiles.paths import input_problem

CONFIG_NAME = "calaimfiles.toml"
_SECRET_WORDS = ("password", "passphrase", "secret", "token")


class ConfigError(Exception):
    """The configuration cannot be read or makes no sense; one plain sentence for the user."""


@dataclass(frozen=True)
class Config:
    """The effective configuration and the file it came from (None: no file, all defaults)."""

    source: Path | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def plan_file(self, name: str) -> Path | None:
        """The profile file the configuration registers under `name`, relative to the configuration file."""
        plans = self.data.get("plans", {})
        if not isinstance(plans, dict) or name not in plans:
            return None
        path = Path(os.path.expanduser(str(plans[name])))
        return path if path.is_absolute() or self.source is None else self.source.parent / path

    def resolve_plan(self, value: str | None) -> str | None:
        """The profile `--plan` names: shipped with calaimfiles, registered under [plans], or a file. Loaded whole
        now, so that a bad one is refused (ProfileError) before any file is read."""
        if not value:
            return None
        registered = None if value.lower().endswith(".toml") or value in plan_names() else self.plan_file(value)
        resolved = str(registered) if registered is not None else value
        profile_file = Path(resolved)
        if resolved.lower().endswith(".toml") and os.path.lexists(profile_file) and (
                problem := input_problem(profile_file)) is not None:
            raise ProfileError(f"plan profile {resolved}: {problem}")  # from its stat: a FIFO would block the read
        all_layouts(resolved)
        return resolved

    @property
    def provider(self) -> dict[str, Any]:
        """`[provider]`: facts about the provider the plan's files do not carry (its phone number, say)."""
        table = self.data.get("provider", {})
        return table if isinstance(table, dict) else {}

    def shown(self) -> dict[str, Any]:
        """The configuration with every secret-looking value masked, for `calaimfiles config show`."""
        return {key: _masked(value, key) for key, value in self.data.items()}


def user_config_folder() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "calaimfiles"


def find_config(explicit: Path | None = None, folder: Path | None = None) -> Path | None:
    """The configuration file in force; `explicit` (from --config) must exist."""
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"no configuration file {explicit}")
        return explicit
    here = folder or Path.cwd()
    for candidate in (here / CONFIG_NAME, here / "pyproject.toml", user_config_folder() / CONFIG_NAME):
        if candidate.is_file() and (candidate.name != "pyproject.toml" or "calaimfiles" in _tool_tables(candidate)):
            return candidate
    return None


def load_config(explicit: Path | None = None, folder: Path | None = None) -> Config:
    path = find_config(explicit, folder)
    if path is None:
        return Config()
    data = _read(path)
    if path.name == "pyproject.toml":
        data = _tool_tables(path).get("calaimfiles", {})
    plans = data.get("plans", {})
    if not isinstance(plans, dict) or not all(isinstance(v, str) for v in plans.values()):
        raise ConfigError(f"{path}: [plans] maps plan names to profile files, e.g. myplan = \"myplan.toml\"")
    return Config(path, data)


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read {path} ({error.strerror or type(error).__name__})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML ({error})") from None


def _tool_tables(pyproject: Path) -> dict[str, Any]:
    tool = _read(pyproject).get("tool", {})
    return tool if isinstance(tool, dict) else {}


def _masked(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _masked(v, k) for k, v in value.items()}
    if any(word in key.lower() for word in _SECRET_WORDS):
        return "***"
    return value
