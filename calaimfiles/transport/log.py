"""The local upload log: one JSON line per upload try (file, sha256, size, remote path, time, result), so a
provider can show what was sent when, and prove which bytes. It names files, never their contents."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class UploadRecord:
    time: str
    profile: str
    server: str
    file: str
    sha256: str
    size: int
    remote: str
    result: str  # uploaded | refused | failed
    reason: str = ""
    forced: bool = False


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def append(log: Path, record: UploadRecord) -> None:
    """Add one line; the log is created readable by the user only, and each line is on disk before we go on."""
    log.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as stream:
        stream.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
        stream.flush()
        os.fsync(stream.fileno())

