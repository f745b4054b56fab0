"""An sFTP profile: `[profiles.NAME]` in the configuration file, checked before anything connects.

Paths (`key_file`, `known_hosts`, `local_dir`, `log`) may start with `~`; relative ones are read from the
configuration file's folder, like the `[plans]` files. The defaults of the timing keys are ours, and any
profile can override them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from calaimfiles.config import Config, ConfigError

PASSWORD_VARIABLE = "CALAIMFILES_SFTP_PASSWORD"
PASSPHRASE_VARIABLE = "CALAIMFILES_KEY_PASSPHRASE"
UPLOAD_LOG_NAME = "calaimfiles-uploads.jsonl"


class SftpProfile(BaseModel):
    """Where one plan's sFTP server is and how this provider logs in to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    host: str
    port: int = Field(22, ge=1, le=65535)
    user: str
    key_file: Path | None = None
    known_hosts: Path = Path("~/.ssh/known_hosts")
    inbound: str = Field(description="Remote folder where the plan wants return files.")
    outbound: str = Field(description="Remote folder where the plan drops its MIF and CSASF files.")
    plan: str | None = None
    local_dir: Path = Path(".")
    log: Path | None = Field(None, description="The upload log; default: calaimfiles-uploads.jsonl in local_dir.")
    timeout: float = Field(30.0, gt=0, description="Seconds to wait for the server before giving up on a try.")
    retries: int = Field(3, ge=0, description="Further tries after a transient failure (dropped connection).")
    backoff: float = Field(2.0, ge=0, description="Seconds before the first retry; doubled for each next one.")

    @property
    def address(self) -> str:
        """The server as known_hosts and OpenSSH write it: `[host]:port` unless the port is 22."""
        return self.host if self.port == 22 else f"[{self.host}]:{self.port}"

    @property
    def upload_log(self) -> Path:
        return self.log or self.local_dir / UPLOAD_LOG_NAME


def load_profile(config: Config, name: str) -> SftpProfile:
    """The profile called `name`; ConfigError (one sentence) when it is missing or malformed."""
    profiles = config.data.get("profiles", {})
    where = config.source or "the configuration"
    if not isinstance(profiles, dict) or not profiles:
        raise ConfigError(f"{where} has no sFTP profiles: add a [profiles.{name}] table "
                          "(host, user, key_file, inbound, outbound)")
    if name not in profiles or not isinstance(profiles[name], dict):
        raise ConfigError(f"no sFTP profile {name!r} in {where} (profiles: {', '.join(sorted(profiles))})")
    table: dict[str, Any] = dict(profiles[name])
    if "password" in table:
        raise ConfigError(f"[profiles.{name}] has a password: passwords do not belong in a file; remove it and set "
                          f"{PASSWORD_VARIABLE} or use --ask-password")
    try:
        profile = SftpProfile(name=name, **table)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        raise ConfigError(f"[profiles.{name}] in {where}: {problems}") from None
    base = config.source.parent if config.source is not None else Path.cwd()
    return profile.model_copy(update={
        key: _resolved(getattr(profile, key), base)
        for key in ("key_file", "known_hosts", "local_dir", "log") if getattr(profile, key) is not None
    })


def _resolved(path: Path, base: Path) -> Path:
    expanded = Path(os.path.expanduser(path))
    return expanded if expanded.is_absolute() else base / expanded
