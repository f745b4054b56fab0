"""Where a command writes, and how: never over an existing file unless asked, never half a file.

Outputs are written to a temporary file beside the destination (so nothing lands outside the output's own
folder), readable by the user only, and renamed into place once complete: an interrupted run leaves the
destination as it was. Only SIGKILL (or a power cut) can leave the temporary behind; its name says which run
made it (`.NAME.calaimfiles-HOST-PID-XXXXXXXX.part`), and the next write to that folder removes it once that
run is gone.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import filecmp
import itertools
import os
import re
import secrets
import shutil
import socket
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
def atomic_output(path: Path, *, replace: bool = True) -> Iterator[Path]:
    """A temporary path beside `path` to write to; renamed onto `path` when the block succeeds, removed if not
    (an exception, or Ctrl-C at any point). The data reaches the disk before the rename, so even a crash leaves
    either the old file or the whole new one. With `replace=False` a file that exists at `path` by then is
    never replaced (FileExistsError)."""
    partial: Path | None = None
    try:
        remove_stale_temporaries(path.parent)
        partial = temporary_beside(path)
        with _openpyxl_temporaries_beside(path):
            yield partial
        os.chmod(partial, 0o600)
        _sync(partial)
        if replace:
            os.replace(partial, path)
        else:
            _claim(partial, path)
        _sync(path.parent)
    except BaseException:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise


def temporary_beside(path: Path) -> Path:
    """A new empty file beside `path`, readable and writable by the user only, named for this run."""
    handle, temporary = tempfile.mkstemp(prefix=f".{_short(path.name)}.{_marker()}{os.getpid()}-",
                                         suffix=TEMPORARY_SUFFIX, dir=path.parent)
    os.close(handle)
    return Path(temporary)


@contextlib.contextmanager
def _openpyxl_temporaries_beside(path: Path) -> Iterator[None]:
    """openpyxl saves each sheet through a temporary file in the system's shared temporary folder (member rows,
    which a killed run would leave there for anyone to find). While an output is written, those go beside it
    instead, named like its own temporary, so that the next run's sweep removes them too. Only when openpyxl is
    loaded already: the writers that use it import it before they open their output."""
    writer: Any = sys.modules.get("openpyxl.worksheet._writer")
    if writer is None:
        yield
        return
    shared = writer.create_temporary_file

    def beside(suffix: str = "") -> str:
        name = str(temporary_beside(path))
        writer.ALL_TEMP_FILES.append(name)  # openpyxl removes it once the sheet is in the package
        return name

    writer.create_temporary_file = beside
    try:
        yield
    finally:
        writer.create_temporary_file = shared


def _claim(partial: Path, path: Path) -> None:
    """Give `partial` the name `path` only if no file has it: a hard link fails when the name is taken."""
    try:
        os.link(partial, path, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: the check and the rename are two steps there
        if os.path.lexists(path):
            raise FileExistsError(errno.EEXIST, "file exists", str(path)) from None
        os.replace(partial, path)
        return
    partial.unlink()


def keep_original(path: Path) -> Path:
    """Copy `path` to the first free backup name, `NAME.bak`, `NAME.1.bak`, `NAME.2.bak`...: an existing backup
    is never replaced, since it may hold the only copy of an original. A backup that already holds exactly these
    bytes is named rather than copied again."""
    for number in itertools.count():
        backup = path.with_name(f"{path.name}.bak" if number == 0 else f"{path.name}.{number}.bak")
        if os.path.lexists(backup):
            if _same_bytes(backup, path):
                return backup
            continue
        try:
            with atomic_output(backup, replace=False) as partial:
                shutil.copy2(path, partial)
        except FileExistsError:  # another run took this name meanwhile
            continue
        return backup
    raise AssertionError("unreachable")


def _same_bytes(first: Path, second: Path) -> bool:
    try:
        if not first.is_file() or first.is_symlink() or first.stat().st_size != second.stat().st_size:
            return False
        return filecmp.cmp(first, second, shallow=False)
    except OSError:
        return False


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock (flock) on the file at `path` for a run that replaces it, so that a second run on
    the same file is refused rather than racing the first; the lock ends with the process, however it ends.
    The file is locked as it is named when the lock is held: one replaced meanwhile is locked afresh. The
    messages (OutputError) are said of `path`, which the caller names."""
    for _ in range(10):
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise OutputError("is being changed by another calaimfiles run; try again when it has finished"
                                  ) from None
            held, named = os.fstat(descriptor), os.stat(path)
            if (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino):
                yield
                return
        finally:
            os.close(descriptor)
    raise OutputError("keeps being replaced by something else while calaimfiles locks it; try again")


def _sync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _host() -> str:
    """This machine's name as temporaries carry it (letters and digits only)."""
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:32] or "host"


def _marker() -> str:
    """`calaimfiles-HOST-`: the temporaries of this machine's runs, told apart from another machine's in a shared
    folder (whose process ids mean nothing here)."""
    return f"calaimfiles-{_host()}-"


def temporary_name(name: str) -> str:
    """`.NAME.calaimfiles-HOST-PID-XXXXXXXX.part`, for a file written elsewhere than this disk (an sFTP server):
    hidden, not matching NAME's own pattern, its own to this run, and saying which run of which machine wrote it."""
    return f".{_short(name)}.{_marker()}{os.getpid()}-{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"


def _short(name: str) -> str:
    """The start of a file name, enough to recognise it: a name near the file system's 255-byte limit must still
    leave room for what a temporary adds to it."""
    raw = os.fsencode(name)
    return os.fsdecode(raw[:120]) if len(raw) > 120 else name


_TEMPORARY = re.compile(r"\..+\.calaimfiles-([A-Za-z0-9]+)-([0-9]+)-[a-z0-9_]+" + re.escape(TEMPORARY_SUFFIX))


def left_behind(name: str, modified: float, *, other_machines: bool = False) -> bool:
    """Whether `name` is a temporary that a run of calaimfiles can no longer finish: a run of this machine whose
    process has ended, or that is older than a day (its pid may name another process by now). Another machine's
    temporaries count only with `other_machines`, and only once older than a day (their pids mean nothing here)."""
    found = _TEMPORARY.fullmatch(name)
    if found is None:
        return False
    this_machine, pid = found.group(1) == _host(), int(found.group(2))
    if this_machine and pid == os.getpid():
        return False
    if not (this_machine or other_machines):
        return False
    return time.time() - modified >= STALE_AFTER or (this_machine and not _running(pid))


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove the temporaries that runs of calaimfiles on this machine left in `folder` when they were killed
    (SIGKILL, a crash): its own files only, recognised by name (`left_behind`), owned by this user. Returns what
    was removed; a file that cannot be removed is left alone."""
    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if _TEMPORARY.fullmatch(name) is None:
            continue
        candidate = folder / name
        try:
            info = candidate.lstat()
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
                continue
            if not left_behind(name, info.st_mtime):
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
