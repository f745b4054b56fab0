"""known_hosts: the server keys this machine trusts, shown and recorded as OpenSSH does.

Fingerprints are OpenSSH's `SHA256:` form, so a user can compare them with what the plan sends or what
`ssh-keygen -lf` prints. A key is recorded only by `calaimfiles sftp trust`, after the user confirmed it.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import paramiko
from paramiko.hostkeys import HostKeyEntry, InvalidHostKey


def fingerprint(key: paramiko.PKey) -> str:
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def describe(key: paramiko.PKey) -> str:
    return f"{key.get_name()} {fingerprint(key)}"


def known_keys(known_hosts: Path, address: str) -> list[paramiko.PKey]:
    """The keys `known_hosts` holds for `address` (`host` or `[host]:port`), hashed entries included."""
    if not known_hosts.is_file():
        return []
    keys = paramiko.HostKeys(str(known_hosts)).lookup(address)
    return list(keys.values()) if keys is not None else []


def record(known_hosts: Path, address: str, key: paramiko.PKey) -> bool:
    """Trust `key` for `address`, replacing any other key recorded for it. Returns True when an old key was
    dropped. Other lines (other hosts, comments, markers) are kept as they are; the file is replaced in one
    rename, so a crash leaves the old file whole."""
    lines = known_hosts.read_text("utf-8").splitlines(keepends=True) if known_hosts.is_file() else []
    kept = [line for line in lines if not _names(line, address)]
    if kept and not kept[-1].endswith("\n"):
        kept[-1] += "\n"
    kept.append(f"{address} {key.get_name()} {key.get_base64()}\n")
    known_hosts.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = known_hosts.with_name(f".{known_hosts.name}.calaimfiles-tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.writelines(kept)
    if known_hosts.exists():
        os.chmod(temporary, known_hosts.stat().st_mode & 0o777)
    os.replace(temporary, known_hosts)
    return len(kept) - 1 < len(lines)


def _names(line: str, address: str) -> bool:
    """Whether a known_hosts line is an entry for `address` (plain or hashed)."""
    line = line.strip()
    if not line or line.startswith(("#", "@")):
        return False
    try:
        entry = HostKeyEntry.from_line(line)
    except (InvalidHostKey, paramiko.SSHException, ValueError, IndexError):
        return False
    if entry is None:
        return False
    for name in entry.hostnames:
        if name.startswith("|1|"):
            salt = name.split("|")[2]
            if paramiko.HostKeys.hash_host(address, salt) == name:
                return True
        elif name == address:
            return True
    return False
