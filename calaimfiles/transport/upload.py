"""Putting a return file on the plan's server so that the plan never sees half of it.

The file goes to a hidden temporary name in the inbound folder (`.NAME.part`: a plan's pick-up job looking for
`*.xlsx` passes it by), its size is checked on the server, then it is renamed with OpenSSH's atomic
posix-rename. A dropped connection is retried (`session.Link`), starting the copy over. An existing file
of the same name is never replaced unless asked. Whether a file is fit to go (no errors, inside its window)
is decided before any of this, by `readiness`.
"""

from __future__ import annotations

import contextlib
import enum
import posixpath
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import paramiko

from calaimfiles.findings import Finding, Severity
from calaimfiles.transport import log
from calaimfiles.transport.profile import SftpProfile
from calaimfiles.transport.session import Link, TransportError, connect
from calaimfiles.validate import InputError, SheetResult, ValidationRequest, validate_file

# The findings that mean "not this window" rather than "wrong content" (rules/windows.py registers them).
WINDOW_CODES = frozenset({"WINDOW-LATE", "PERIOD-FUTURE", "PERIOD-OLD"})
GRACE_CODE = "WINDOW-GRACE"

Progress = Callable[[int, int], None]


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
    """Where the file is written before its rename: hidden, and not matching `*.xlsx`."""
    return posixpath.join(profile.inbound, f".{local.name}.part")


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
        target = f"{self.profile.address}:{remote_path(self.profile, path)}"
        outcome = Outcome(path, target, Status.WOULD_UPLOAD if self.dry_run else Status.UPLOADED)
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
            outcome.replaced = self.link.run(lambda sftp: exists(sftp, remote_path(self.profile, path)), target)
            if outcome.replaced and not self.replace:
                return self._refused(outcome, [f"{target} is already there; --replace overwrites it"])
            return outcome
        try:
            self.link.run(lambda sftp: send(sftp, self.profile, path, replace=self.replace,
                                            progress=self.progress(path)), target)
        except RemoteExists as error:
            return self._refused(outcome, [str(error)])
        except TransportError as error:
            self._log(outcome, "failed", str(error))
            raise
        except KeyboardInterrupt:
            self._log(outcome, "failed", "interrupted")
            self._remove_partial(path)
            raise
        self._log(outcome, "uploaded", "; ".join(f"forced over: {reason}" for reason in obstacles))
        return outcome

    def _remove_partial(self, path: Path) -> None:
        """After Ctrl-C the session may be broken mid-packet: remove the temporary file over a new one, briefly
        (best effort; a second Ctrl-C stops it)."""
        self.link.close()
        brief = self.profile.model_copy(update={"timeout": min(self.profile.timeout, 5.0)})
        with contextlib.suppress(Exception), connect(brief, self.link.secrets) as session:
            session.sftp.remove(partial_path(self.profile, path))

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


def send(sftp: paramiko.SFTPClient, profile: SftpProfile, local: Path, *, replace: bool = False,
         progress: Progress | None = None) -> str:
    """One try at putting `local` in the inbound folder; returns its remote path. Raises RemoteExists."""
    target = remote_path(profile, local)
    partial = partial_path(profile, local)
    if not replace and exists(sftp, target):
        raise RemoteExists(f"{profile.address}:{target} is already there; --replace overwrites it")
    size = local.stat().st_size
    try:
        with local.open("rb") as stream:
            sftp.putfo(stream, partial, file_size=size, callback=progress, confirm=False)
        arrived = sftp.stat(partial).st_size
        if arrived != size:
            raise TransportError(f"only {arrived} of {size} bytes of {local.name} arrived", transient=True)
        _rename(sftp, partial, target)
    except BaseException:
        _forget(sftp, partial)
        raise
    _confirm(sftp, target, size)
    return target


def _rename(sftp: paramiko.SFTPClient, partial: str, target: str) -> None:
    """posix-rename is atomic and replaces; a server without it gets a plain rename (which will not replace)."""
    try:
        sftp.posix_rename(partial, target)
    except OSError as error:
        if getattr(error, "errno", None) is not None:
            raise
        sftp.rename(partial, target)


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
    """Best effort: remove the temporary file of a failed try (the connection may already be gone)."""
    with contextlib.suppress(Exception):
        sftp.remove(partial)
