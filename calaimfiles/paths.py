"""File names as the user gave them: shown safely in any output, and checked before anything opens them.

On Linux a file name is bytes, and Python holds bytes that are not UTF-8 as lone surrogates (PEP 383). Such a
name cannot be written to UTF-8 text (a report, a terminal, JSON), so every output shows it with the odd bytes
as `\\xNN`, the way `ls -b` does. And a path that is not a regular file (a FIFO would block the first read
forever, a device could feed a reader without end) is refused from its `stat`, which never blocks.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
from pathlib import Path

SHOWN_ERRORS = "calaimfiles-shown"
"""The codec error handler for text streams: a character that cannot be encoded is written as `\\xNN` (a byte
of a non-UTF-8 file name) or `\\uNNNN`, never fails the output."""


def shown(path: Path | str) -> str:
    """`path` as text that encodes anywhere: the bytes of a non-UTF-8 name as `\\xNN`; other names unchanged."""
    text = os.fspath(path)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte: not from a file name, shown as code
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _escape_unencodable(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return shown(error.object[error.start:error.end]).encode("ascii", "backslashreplace").decode(), error.end


codecs.register_error(SHOWN_ERRORS, _escape_unencodable)


def input_problem(path: Path) -> str | None:
    """Why `path` cannot be read as an input file, in a few words, or None when it is a regular file.

    Links are followed; only `stat` is used, so a FIFO or a device is refused before any open could block.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "no such file" if not os.path.lexists(path) else "is a link to a file that does not exist"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "is a symbolic link that points to itself (a loop)"
        return f"cannot be read ({error.strerror or type(error).__name__})"
    if stat.S_ISREG(mode):
        if not os.access(path, os.R_OK):
            return "cannot be read (permission denied)"
        return None
    return f"is {_kind(mode)}, not a file"


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def same_place(first: Path, second: Path) -> bool:
    """Whether two paths name the same file once links are followed; a link loop is only itself (never raises,
    unlike `Path.resolve`, which fails on a loop)."""
    return os.path.realpath(first) == os.path.realpath(second)
