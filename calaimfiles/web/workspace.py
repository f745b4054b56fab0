"""Where the page keeps the workbooks it is given and what it makes of them.

One private folder (0700) per launch: each upload of one or several files goes to a folder of its own inside it
(so that the library pairs the files of one upload as it pairs a folder's), the outputs of each file (fixed,
annotated, drafts) to another. The server points Python's temporary files there too, so that nothing of a member's
file is written elsewhere. Everything is removed when the server stops, and after `idle_seconds` without a request;
the files a download fetched into a profile's own folder are the user's and stay.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from calaimfiles.transport.log import sha256_of
from calaimfiles.validate import SheetResult

_UNSAFE_CHARACTERS = re.compile(r"[^\w .()+-]")
_MAX_NAME = 120


@dataclass
class StoredFile:
    """One workbook the page knows: uploaded, drafted on the page or fetched from a plan's server. `results` and
    `error` are its latest check; `partners` names the files it was last checked with."""

    id: str
    name: str
    path: Path
    size: int
    added: dt.datetime
    origin: str = "uploaded"
    results: list[SheetResult] = field(default_factory=list)
    error: str | None = None
    partners: list[str] = field(default_factory=list)
    checked: bool = False
    sha256: str = ""
    heads: dict[str, Any] = field(default_factory=dict)  # the first rows of its sheets, once drawn (grid.Head)

    @property
    def layouts(self) -> list[str]:
        return list(dict.fromkeys(result.layout for result in self.results))


def safe_name(name: str) -> str:
    """The last part of a browser's file name, in characters any file system takes; never hidden, never empty."""
    base = _UNSAFE_CHARACTERS.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    if len(base) > _MAX_NAME:
        stem, dot, suffix = base.rpartition(".")
        base = f"{stem[:_MAX_NAME - len(suffix) - 1]}.{suffix}" if dot and len(suffix) <= 5 else base[:_MAX_NAME]
    return base or "upload"


def new_id() -> str:
    return secrets.token_hex(8)


class Workspace:
    """The launch's private folder and the files in it; safe to use from the server's threads."""

    def __init__(self, folder: Path, idle_seconds: float) -> None:
        self.folder = folder
        self.idle_seconds = idle_seconds
        self.wiped = False  # set once an idle period removed the files, to say so on the page
        self._files: dict[str, StoredFile] = {}
        self._lock = threading.Lock()
        self._last_use = time.monotonic()
        self._active = 0
        folder.chmod(0o700)

    @contextlib.contextmanager
    def in_use(self) -> Iterator[None]:
        """One request: the idle clock starts again when the last request in flight ends."""
        with self._lock:
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                self._last_use = time.monotonic()

    def new_folder(self) -> Path:
        folder = self.folder / new_id()
        folder.mkdir(mode=0o700)
        return folder

    def store(self, folder: Path, name: str, data: BinaryIO, origin: str = "uploaded") -> StoredFile:
        """Copy an upload into `folder` under its own name (`NAME (2).xlsx` when the name is taken there)."""
        target = _free_name(folder, safe_name(name))
        with target.open("xb") as stream:
            shutil.copyfileobj(data, stream, 1 << 20)
        return self.register(target, origin)

    def register(self, path: Path, origin: str) -> StoredFile:
        stored = StoredFile(new_id(), path.name, path, path.stat().st_size, dt.datetime.now().astimezone(), origin,
                            sha256=sha256_of(path))
        with self._lock:
            self._files[stored.id] = stored
            self.wiped = False
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        with self._lock:
            return self._files.get(file_id)

    def files(self) -> list[StoredFile]:
        with self._lock:
            return list(self._files.values())

    def several(self, ids: Iterable[str]) -> list[StoredFile]:
        found = [self.get(file_id) for file_id in ids]
        return [file for file in found if file is not None]

    def output_folder(self, stored: StoredFile) -> Path:
        folder = self.folder / "out" / stored.id
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return folder

    def wipe_if_idle(self) -> bool:
        """Remove every stored file once the page has not been used for `idle_seconds`; True when it did."""
        with self._lock:
            if self._active or time.monotonic() - self._last_use < self.idle_seconds:
                return False
            if not self._files and not any(self.folder.iterdir()):
                return False
            self._files.clear()
            for entry in self.folder.iterdir():
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
            self.wiped = True
        return True

    def remove(self) -> None:
        with self._lock:
            self._files.clear()
            shutil.rmtree(self.folder, ignore_errors=True)


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    number = 2
    while target.exists():
        target = folder / f"{stem} ({number}){suffix}"
        number += 1
    return target
