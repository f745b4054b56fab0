"""Fetching what the plan put in its outbound folder, for a daily job that must never lose or clobber a file.

Only files not fetched before come down (a small state file in the local folder remembers each remote file by
name, size and time); a plan that sends a corrected file under the same name is fetched again. Each file
arrives under a hidden temporary name, is checked for size, then takes its name without replacing anything:
a local file of the same name and different content stays, and the new one gets `NAME (2).xlsx`. One run at a
time fetches into a folder (a lock on the folder): a second, from cron or from the page, is refused rather than
fetching the same files twice and racing to name them. What a killed run left there is swept by the next.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import posixpath
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import paramiko

from calaimfiles.transport.log import sha256_of, utc_now
from calaimfiles.transport.profile import SftpProfile
from calaimfiles.transport.session import Progress, copy_blocks
from calaimfiles.writing.output import (
    OutputError,
    atomic_output,
    exclusive_lock,
    remove_stale_temporaries,
    temporary_beside,
)

STATE_NAME = ".calaimfiles-downloads.json"


@dataclass(frozen=True)
class RemoteFile:
    path: str
    size: int
    mtime: int

    @property
    def name(self) -> str:
        return posixpath.basename(self.path)


@dataclass(frozen=True)
class Fetched:
    remote: RemoteFile
    local: Path
    sha256: str
    duplicate: bool  # the same bytes were already here under this name: nothing new was written


class DownloadState:
    """What earlier runs fetched, kept beside the downloads so the folder carries its own memory."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / STATE_NAME
        self.files: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            try:
                self.files = dict(json.loads(self.path.read_text("utf-8")).get("files", {}))
            except (ValueError, AttributeError):
                raise OSError(errno.EINVAL, f"{self.path} is damaged; move it away to fetch everything again") \
                    from None

    def is_new(self, remote: RemoteFile) -> bool:
        seen = self.files.get(remote.path)
        return seen is None or (seen.get("size"), seen.get("mtime")) != (remote.size, remote.mtime)

    def remember(self, fetched: Fetched) -> None:
        """Record one file and save at once (temporary file + rename): an interrupted run keeps what it got."""
        self.files[fetched.remote.path] = {
            "size": fetched.remote.size, "mtime": fetched.remote.mtime, "sha256": fetched.sha256,
            "saved_as": fetched.local.name, "fetched": utc_now(),
        }
        with atomic_output(self.path) as temporary, temporary.open("w", encoding="utf-8") as stream:
            json.dump({"files": self.files}, stream, indent=1, sort_keys=True)


@contextlib.contextmanager
def download_folder(folder: Path, *, dry_run: bool = False) -> Iterator[DownloadState]:
    """The folder's memory, for this run alone (created if need be). A dry run only reads it, and takes no lock.
    Raises OutputError when another run holds the folder."""
    if dry_run:
        yield DownloadState(folder)
        return
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(exclusive_lock(folder))
        except OutputError:
            raise OutputError("another calaimfiles run is fetching into this folder; try again when it has finished"
                              ) from None
        remove_stale_temporaries(folder)
        yield DownloadState(folder)


def outbound_files(sftp: paramiko.SFTPClient, profile: SftpProfile) -> list[RemoteFile]:
    """The plain files in the outbound folder, leaving out hidden and half-written (`.part`) ones."""
    found = []
    for entry in sftp.listdir_attr(profile.outbound):
        if entry.st_mode is None or not stat.S_ISREG(entry.st_mode):
            continue
        if entry.filename.startswith(".") or entry.filename.endswith(".part"):
            continue
        found.append(RemoteFile(posixpath.join(profile.outbound, entry.filename), entry.st_size or 0,
                                int(entry.st_mtime or 0)))
    return sorted(found, key=lambda remote: remote.path)


def fetch(sftp: paramiko.SFTPClient, remote: RemoteFile, folder: Path, progress: Progress | None = None) -> Fetched:
    """Copy one remote file into `folder` (user-only permissions) without replacing any local file."""
    target = folder / remote.name
    partial = temporary_beside(target)
    try:
        with partial.open("wb") as stream:
            _copy(sftp, remote, stream, progress)
        size = partial.stat().st_size
        if size != remote.size:
            raise OSError(errno.EIO, f"only {size} of {remote.size} bytes of {remote.name} arrived")
        digest = sha256_of(partial)
        if target.is_file() and sha256_of(target) == digest:
            return Fetched(remote, target, digest, duplicate=True)
        return Fetched(remote, _place(partial, target), digest, duplicate=False)
    finally:
        partial.unlink(missing_ok=True)


def _copy(sftp: paramiko.SFTPClient, remote: RemoteFile, stream: BinaryIO, progress: Progress | None) -> None:
    """Read the remote file into `stream` ahead of need (prefetch), closed only after the whole copy
    (`copy_blocks`)."""
    source = sftp.open(remote.path, "rb")
    source.prefetch(remote.size)
    copy_blocks(source.read, stream.write, 1 << 20, remote.size, progress)
    source.close()


def _place(partial: Path, target: Path) -> Path:
    """Give the file its name, or `NAME (2).ext`, `NAME (3).ext`... when that name is taken. A hard link is
    atomic and refuses to replace, so a file appearing meanwhile is not clobbered either."""
    number = 1
    while True:
        candidate = target if number == 1 else target.with_name(f"{target.stem} ({number}){target.suffix}")
        try:
            os.link(partial, candidate)
            return candidate
        except FileExistsError:
            number += 1
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV) or candidate.exists():
                raise
            os.rename(partial, candidate)  # a file system without hard links
            return candidate
