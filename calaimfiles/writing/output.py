"""Where a command writes, and how: never over an existing file unless asked, never half a file.

Outputs are written to a temporary file beside the destination (so nothing lands outside the output's own
folder), readable by the user only, and renamed into place once complete: an interrupted run leaves the
destination as it was. Only SIGKILL (or a power cut) can leave the temporary behind; its name says which run
made it (`.NAME.calaimfiles-HOST-PID-XXXXXXXX.part`), and the next write to that folder removes it once that
run is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

TEMPORARY_SUFFIX = ".part"
STALE_AFTER = 24 * 60 * 60  # seconds: a temporary this old is stale even if its run's pid now names another process


class OutputError(Exception):
    """The output cannot be written; the message is one plain sentence for the user."""


def default_output(source: Path, tag: str, suffix: str | None = None) -> Path:
    """`rtf.xlsx` + `fixed` -> `rtf.fixed.xlsx`; `suffix` replaces the extension (`.csv`)."""
    return source.with_name(f"{source.stem}.{tag}{suffix or source.suffix}")


def check_destination(path: Path, force: bool) -> Path:
    """Refuse to replace an existing file unless `force`; the folder must exist."""
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name")
    if path.exists() and not force:
        raise OutputError(f"{path} already exists; use --force to replace it")
    if not path.parent.is_dir():
        raise OutputError(f"the folder {path.parent} does not exist")
    return path


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to; renamed onto `path` when the block succeeds, removed if not
    (an exception, or Ctrl-C at any point). The data reaches the disk before the rename, so even a crash leaves
    either the old file or the whole new one."""
    partial: Path | None = None
    try:
        remove_stale_temporaries(path.parent)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.{_marker()}{os.getpid()}-",
                                             suffix=TEMPORARY_SUFFIX, dir=path.parent)
        partial = Path(temporary)
        os.close(handle)  # mkstemp creates it readable and writable by the user only
        yield partial
        os.chmod(partial, 0o600)
        _sync(partial)
        os.replace(partial, path)
        _sync(path.parent)
    except BaseException:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _marker() -> str:
    """`calaimfiles-HOST-`: the temporaries of this machine's runs, told apart from another machine's in a shared
    folder (whose process ids mean nothing here)."""
    host = re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:32] or "host"
    return f"calaimfiles-{host}-"


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporaries that runs of calaimfiles on this machine left in `folder` when they were killed
    (SIGKILL, a crash): its own files only, recognised by name, owned by this user, whose process has ended or
    which are older than a day. Returns what was removed; a file that cannot be removed is left alone."""
    pattern = re.compile(r"\..+\." + re.escape(_marker()) + r"([0-9]+)-[a-z0-9_]+" + re.escape(TEMPORARY_SUFFIX))
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        found = pattern.fullmatch(name)
        if found is None or int(found.group(1)) == os.getpid():
            continue
        candidate = folder / name
        try:
            info = candidate.lstat()
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
                continue
            if _running(int(found.group(1))) and time.time() - info.st_mtime < STALE_AFTER:
                continue
            candidate.unlink()
        except OSError:
            continue
        removed.append(candidate)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    except OverflowError:
        return False
    return True
