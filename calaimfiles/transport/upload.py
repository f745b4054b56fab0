"""Putting a return file on the plan's server so that the plan never sees half of it.

The file goes to a hidden temporary name of its own in the inbound folder
(`.NAME.calaimfiles-HOST-PID-XXXXXXXX.part`: a plan's pick-up job looking for `*.xlsx` passes it by, and two
uploads of one name never share it), its size is checked on the server, then it is renamed to its final name.
The plain sFTP rename never replaces a file (OpenSSH links the new name first), so of two uploads of one name at
once exactly one lands and the other is refused; with `--replace`, OpenSSH's atomic posix-rename replaces. A
dropped connection is retried (`session.Link`), starting the copy over (a retry that finds the file at its name
with this file's bytes, the rename's answer lost, counts it as sent); an upload that gives up removes its
temporary over a new connection, and each upload first removes the temporaries that earlier runs left behind
(`writing.output.left_behind`). Whether a file is fit to go (no errors, inside its window) is decided before any
of this, by `readiness`.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import posixpath
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import paramiko

from calaimfiles.findings import Finding, Severity
from calaimfiles.transport import log
from calaimfiles.transport.profile import SftpProfile
from calaimfiles.transport.session import Link, Progress, TransportError, connect, copy_blocks
from calaimfiles.validate import InputError, SheetResult, ValidationRequest, validate_file
from calaimfiles.writing.output import left_behind, temporary_name

# The findings that mean "not this window" rather than "wrong content" (rules/windows.py registers them).
WINDOW_CODES = frozenset({"WINDOW-LATE", "PERIOD-FUTURE", "PERIOD-OLD"})
GRACE_CODE = "WINDOW-GRACE"



class RemoteExists(TransportError):
    """A file of the same name is already in the inbound folder."""


@dataclass
class Readiness:
    """What validation says about sending one file: the errors that stop the upload, the warnings that do not."""

    outside_window: list[Finding] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    def reasons(self) -> list[str]:
        """One sentence per obstacle, without member values (they go to logs and to pipes)."""
        reasons = [f"outside its submission window: {_where(f)}{f.message}" for f in self.outside_window[:1]]
        if self.errors:
            first = self.errors[0]
            more = f" (first: {first.code} {_where(first)}{first.message})"
            reasons.append(f"{len(self.errors)} error{'s' if len(self.errors) > 1 else ''}{more}")
        return reasons

    def notes(self) -> list[str]:
        """What the sender should know although the file goes: a late-but-accepted file, other warnings."""
        notes = [f"after its due day: {_where(f)}{f.message}" for f in self.warnings if f.code == GRACE_CODE][:1]
        others = sum(1 for f in self.warnings if f.code != GRACE_CODE)
        if others:
            notes.append(f"{others} warning{'s' if others > 1 else ''} (calaimfiles validate shows them)")
        return notes


def _where(finding: Finding) -> str:
    return f"row {finding.row}: " if finding.row else ""


def readiness(path: Path, request: ValidationRequest) -> Readiness:
    """Validate `path` as `calaimfiles validate` would and sort its errors into window and content ones."""
    results: list[SheetResult] = validate_file(path, request)
    findings = [f for result in results for f in result.findings]
    errors = [f for f in findings if f.severity is Severity.ERROR]
    return Readiness(
        outside_window=[f for f in errors if f.code in WINDOW_CODES],
        errors=[f for f in errors if f.code not in WINDOW_CODES],
        warnings=[f for f in findings if f.severity is Severity.WARNING],
    )


def remote_path(profile: SftpProfile, local: Path) -> str:
    return posixpath.join(profile.inbound, local.name)


def partial_path(profile: SftpProfile, local: Path) -> str:
    """A new place to write the file before its rename: hidden, not matching `*.xlsx`, this upload's alone."""
    return posixpath.join(profile.inbound, temporary_name(local.name))


class Status(enum.Enum):
    UPLOADED = "uploaded"
    REFUSED = "refused"
    WOULD_UPLOAD = "would upload"
    WOULD_REFUSE = "would refuse"


@dataclass
class Outcome:
    """What became of one file: `reasons` explain a refusal; `overridden` lists what --force let through."""

    path: Path
    target: str
    status: Status
    reasons: list[str] = field(default_factory=list)
    overridden: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    replaced: bool = False
    failed_checks: bool = False  # refused for its content or window, not for a file already on the server


@dataclass
class UploadJob:
    """Upload files one by one over `link`: validate, refuse or go on, send, and log each try.

    `progress(path)` gives the callback that follows one file's bytes (None: nobody watches). Transport
    failures are logged as `failed` and raised; the caller decides whether the next file is worth trying.
    """

    profile: SftpProfile
    link: Link
    request: ValidationRequest
    force: bool = False
    replace: bool = False
    dry_run: bool = False
    progress: Callable[[Path], Progress | None] = lambda path: None

    def run(self, path: Path) -> Outcome:
        remote = remote_path(self.profile, path)
        outcome = Outcome(path, f"{self.profile.address}:{remote}", Status.WOULD_UPLOAD if self.dry_run
                          else Status.UPLOADED)
        try:
            state = readiness(path, self.request)
            obstacles = state.reasons()
            outcome.notes = state.notes()
        except InputError as error:  # not a layout calaimfiles knows: nothing to judge it by
            obstacles = [f"not checked ({error})"]
        if obstacles and not self.force:
            outcome.failed_checks = True
            return self._refused(outcome, obstacles)
        outcome.overridden = obstacles
        if self.dry_run:
            outcome.replaced = self.link.run(lambda sftp: exists(sftp, remote), remote)
            if outcome.replaced and not self.replace:
                return self._refused(outcome, [f"{outcome.target} is already there; --replace overwrites it"])
            return outcome
        partial = partial_path(self.profile, path)  # one name for every try of this upload
        renaming: list[bool] = []  # a try asked for the rename: its answer may be lost with the connection
        landed_unanswered: list[bool] = []  # a retry found the file in place, this file's bytes

        def retrying(error: TransportError, pause: float) -> None:
            self._log(outcome, "failed", f"{error}; trying again in {pause:g} s")

        def one_try(sftp: paramiko.SFTPClient) -> bool:
            if renaming and landed(sftp, path, partial, remote):
                landed_unanswered.append(True)
                return False
            return send(sftp, self.profile, path, partial, replace=self.replace, progress=self.progress(path),
                        renaming=lambda: renaming.append(True))

        try:
            outcome.replaced = self.link.run(one_try, remote, on_retry=retrying)
        except RemoteExists as error:
            return self._refused(outcome, [str(error)])
        except TransportError as error:
            self._log(outcome, "failed", str(error))
            self._remove_partial(partial)
            raise
        except KeyboardInterrupt:
            self._log(outcome, "failed", "interrupted")
            self._remove_partial(partial)
            raise
        notes = [f"forced over: {reason}" for reason in obstacles] + (["replaced the file there"]
                                                                      if outcome.replaced else [])
        if landed_unanswered:
            notes.append("the connection broke as the file took its name: the file there is this one, byte for byte")
        self._log(outcome, "uploaded", "; ".join(notes))
        return outcome

    def _remove_partial(self, partial: str) -> None:
        """After Ctrl-C or a failure the session may be broken mid-packet: remove the temporary file over a new
        one, briefly (best effort; a second Ctrl-C stops it, and the next upload's sweep catches what is left)."""
        self.link.close()
        brief = self.profile.model_copy(update={"timeout": min(self.profile.timeout, 5.0)})
        with contextlib.suppress(Exception), connect(brief, self.link.secrets) as session:
            session.sftp.remove(partial)

    def _refused(self, outcome: Outcome, reasons: list[str]) -> Outcome:
        outcome.status = Status.WOULD_REFUSE if self.dry_run else Status.REFUSED
        outcome.reasons = reasons
        self._log(outcome, "refused", "; ".join(reasons))
        return outcome

    def _log(self, outcome: Outcome, result: str, reason: str) -> None:
        if self.dry_run:
            return
        path = outcome.path
        log.append(self.profile.upload_log, log.UploadRecord(
            time=log.utc_now(), profile=self.profile.name, server=f"{self.profile.user}@{self.profile.address}",
            file=str(path.resolve()), sha256=log.sha256_of(path), size=path.stat().st_size,
            remote=remote_path(self.profile, path), result=result, reason=reason, forced=self.force))


def exists(sftp: paramiko.SFTPClient, remote: str) -> bool:
    try:
        sftp.stat(remote)
    except FileNotFoundError:
        return False
    return True


def landed(sftp: paramiko.SFTPClient, local: Path, partial: str, target: str) -> bool:
    """Whether an earlier try of this upload gave the file its name and only the server's answer was lost: its
    temporary is gone and the file at the final name holds the local file's bytes (read back and compared, which
    only a retry ever does)."""
    if exists(sftp, partial):
        return False
    try:
        attributes = sftp.stat(target)
    except FileNotFoundError:
        return False
    if attributes.st_size != local.stat().st_size:
        return False
    digest = hashlib.sha256()
    with sftp.open(target, "rb") as remote:
        remote.prefetch(attributes.st_size)
        copy_blocks(remote.read, digest.update, 1 << 20, attributes.st_size, None)
    return digest.hexdigest() == log.sha256_of(local)


def send(sftp: paramiko.SFTPClient, profile: SftpProfile, local: Path, partial: str, *, replace: bool = False,
         progress: Progress | None = None, renaming: Callable[[], object] | None = None) -> bool:
    """One try at putting `local` in the inbound folder through the temporary `partial` (`partial_path`; the
    same for each try of one upload, so that a try that broke off leaves nothing the next does not replace);
    returns whether a file already there was replaced (only with `replace`). Raises RemoteExists. `renaming`
    hears when the rename is asked for (after it, a broken connection may have renamed the file)."""
    target = remote_path(profile, local)
    sweep_temporaries(sftp, profile.inbound)
    was_there = exists(sftp, target)
    if was_there and not replace:
        _forget(sftp, partial)  # what an earlier try of this upload wrote
        raise RemoteExists(f"{profile.address}:{target} is already there; --replace overwrites it")
    size = local.stat().st_size
    try:
        _copy(sftp, local, partial, size, progress)
        arrived = sftp.stat(partial).st_size
        if arrived != size:
            raise TransportError(f"only {arrived} of {size} bytes of {local.name} arrived", transient=True)
        if renaming is not None:
            renaming()
        replaced = _claim(sftp, partial, target, replace, f"{profile.address}:{target}")
    except TransportError:  # said by this side, on a session that works: the temporary can go at once
        _forget(sftp, partial)
        raise
    _confirm(sftp, target, size)
    return replaced or was_there


def _copy(sftp: paramiko.SFTPClient, local: Path, partial: str, size: int, progress: Progress | None) -> None:
    """Copy `local` into `partial` in pipelined writes, closed only after the whole copy (`copy_blocks`)."""
    remote = sftp.open(partial, "wb")
    remote.set_pipelined(True)
    with local.open("rb") as stream:
        copy_blocks(stream.read, remote.write, 32768, size, progress)  # paramiko's largest write request
    remote.close()


def _claim(sftp: paramiko.SFTPClient, partial: str, target: str, replace: bool, shown: str) -> bool:
    """Give the finished file its final name; returns whether that replaced a file.

    Without `replace`, the plain sFTP rename, which OpenSSH does by linking the new name (it fails when the name
    is taken, even by a file that arrived a moment ago): RemoteExists. With it, posix-rename, atomic and
    replacing (a server without that extension gets the plain rename).
    """
    if replace:
        there = exists(sftp, target)
        try:
            sftp.posix_rename(partial, target)
            return there
        except OSError as error:
            if getattr(error, "errno", None) is not None:
                raise
    try:
        sftp.rename(partial, target)
    except OSError as error:
        if getattr(error, "errno", None) is None and exists(sftp, target):
            raise RemoteExists(f"{shown} appeared while this upload ran (another upload?); --replace overwrites "
                               "it") from None
        raise
    return False


def sweep_temporaries(sftp: paramiko.SFTPClient, folder: str) -> list[str]:
    """Remove the temporaries that earlier uploads left in `folder` when they were killed or lost the connection
    for good (`left_behind`): never one of a run still going. Best effort: returns what was removed."""
    removed: list[str] = []
    try:
        entries = sftp.listdir_attr(folder)
    except OSError:
        return removed
    for entry in entries:
        if entry.st_mode is None or not stat.S_ISREG(entry.st_mode):
            continue
        if not left_behind(entry.filename, float(entry.st_mtime or 0), other_machines=True):
            continue
        with contextlib.suppress(OSError):
            sftp.remove(posixpath.join(folder, entry.filename))
            removed.append(entry.filename)
    return removed


def _confirm(sftp: paramiko.SFTPClient, target: str, size: int) -> None:
    """The renamed file has the right size, or has already been picked up by the plan (some servers move a
    file away the moment it lands)."""
    try:
        attributes = sftp.stat(target)
    except FileNotFoundError:
        return
    if attributes.st_mode is not None and stat.S_ISREG(attributes.st_mode) and attributes.st_size != size:
        raise TransportError(f"{target} has {attributes.st_size} bytes on the server, not {size}")


def _forget(sftp: paramiko.SFTPClient, partial: str) -> None:
    """Best effort: remove the temporary file of a try that failed on a working session. After a broken
    connection or Ctrl-C this session may hang: the next try writes the same temporary again, and an upload that
    gives up removes it over a new connection (`UploadJob._remove_partial`)."""
    with contextlib.suppress(Exception):
        sftp.remove(partial)
