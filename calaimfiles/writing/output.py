"""Where a command writes, and how: never over an existing file unless asked, never half a file.

Outputs are written to a temporary file beside the destination (so nothing lands outside the output's own
folder), readable by the user only, and renamed into place once complete: an interrupted run leaves the
destination as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


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
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
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
