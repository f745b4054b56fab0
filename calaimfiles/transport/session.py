"""One logged-in sFTP session, and every way of failing to get one told in one sentence.

Host keys are checked against the profile's known_hosts only: an unknown key is refused (never added), a
changed key is refused louder. Failures are `TransportError`s; `transient` ones (a dropped or refused
connection, a timeout) are worth another try, the rest (keys, credentials, permissions) are not.
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import paramiko

from calaimfiles.transport.hostkeys import describe, known_keys
from calaimfiles.transport.profile import PASSPHRASE_VARIABLE, PASSWORD_VARIABLE, SftpProfile

T = TypeVar("T")


class TransportError(Exception):
    """A transfer that could not be done; the message is one sentence for the user."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class HostKeyError(TransportError):
    """The server's key is not the one this machine trusts for it."""

    def __init__(self, message: str, key: paramiko.PKey) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Secrets:
    """What may unlock a login: never read from the command line or the configuration file."""

    password: str | None = None
    passphrase: str | None = None


class _RefuseUnknownKey(paramiko.MissingHostKeyPolicy):
    """paramiko's RejectPolicy, keeping the offered key so the message can show its fingerprint."""

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        raise _UnknownKey(key)


class _UnknownKey(Exception):
    def __init__(self, key: paramiko.PKey) -> None:
        self.key = key


class Session:
    """A logged-in SSH connection and its sFTP channel; close it (or use `with`) when done."""

    def __init__(self, client: paramiko.SSHClient, sftp: paramiko.SFTPClient, profile: SftpProfile) -> None:
        self.client = client
        self.sftp = sftp
        self.profile = profile

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()


def connect(profile: SftpProfile, secrets: Secrets = Secrets()) -> Session:
    """Log in with the profile's key file (or the ssh agent, or a password from `secrets`) and open sFTP."""
    client = paramiko.SSHClient()
    if profile.known_hosts.is_file():
        client.load_host_keys(str(profile.known_hosts))
    client.set_missing_host_key_policy(_RefuseUnknownKey())
    key = _private_key(profile.key_file, profile.name, secrets.passphrase) if profile.key_file is not None else None
    try:
        client.connect(
            profile.host, profile.port, username=profile.user, pkey=key,
            password=secrets.password,
            allow_agent=key is None, look_for_keys=False,
            timeout=profile.timeout, banner_timeout=profile.timeout, auth_timeout=profile.timeout,
            channel_timeout=profile.timeout,
        )
        sftp = client.open_sftp()
        channel = sftp.get_channel()
        if channel is not None:
            channel.settimeout(profile.timeout)
    except BaseException as error:
        client.close()
        if isinstance(error, Exception):
            raise connection_error(error, profile) from None
        raise
    return Session(client, sftp, profile)


Progress = Callable[[int, int], None]  # (bytes done, bytes in all)


def copy_blocks(read: Callable[[int], bytes], write: Callable[[bytes], object], block: int, total: int,
                progress: Progress | None) -> None:
    """Move bytes from `read` to `write`, `block` at a time, telling `progress`. The callers open the remote file
    and close it only after the whole copy: closing waits for the server to answer every request, so after a
    failure or Ctrl-C the handle goes with the connection instead, and a server that stalled cannot hold the run
    for its whole timeout (paramiko's putfo and getfo close it on the way out, and wait)."""
    done = 0
    while data := read(block):
        write(data)
        done += len(data)
        if progress is not None:
            progress(done, total)


_KEY_TYPES: tuple[type[paramiko.PKey], ...] = (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey)


def needs_passphrase(path: Path) -> bool:
    """Whether the key file is locked, so that a person on a terminal is asked for its passphrase. Anything else
    wrong with the file is said by the login, in the same words as everywhere else."""
    for kind in _KEY_TYPES:
        try:
            kind.from_private_key_file(str(path))
        except paramiko.PasswordRequiredException:
            return True
        except (paramiko.SSHException, ValueError, OSError):
            continue
        return False
    return False


def _private_key(path: Path, profile_name: str, passphrase: str | None) -> paramiko.PKey:
    """The profile's key file, unlocked. Loaded here rather than by paramiko's login, which would take a wrong
    passphrase for one more failure of the connection and have it retried: a key that cannot be unlocked is
    final, and said so."""
    if not path.is_file():
        raise TransportError(f"the key file {path} of profile {profile_name!r} does not exist")
    for kind in _KEY_TYPES:
        try:
            key = kind.from_private_key_file(str(path), password=passphrase)
        except paramiko.PasswordRequiredException:
            raise TransportError(f"the key file {path} is protected by a passphrase: set {PASSPHRASE_VARIABLE}, "
                                 "or run in a terminal to be asked for it") from None
        except (paramiko.SSHException, ValueError):
            continue  # another type of key, or a wrong passphrase
        except OSError as error:
            raise TransportError(f"the key file {path} cannot be read ({error.strerror or type(error).__name__})"
                                 ) from None
        certificate = path.with_name(f"{path.name}-cert.pub")
        if certificate.is_file():
            key.load_certificate(str(certificate))
        return key
    if passphrase:
        raise TransportError(f"the key file {path} cannot be unlocked: the passphrase in {PASSPHRASE_VARIABLE} "
                             "(or typed) is wrong, or the file is not a private key")
    raise TransportError(f"the key file {path} is not a private key calaimfiles can read (Ed25519, ECDSA or RSA)")


def offered_key(profile: SftpProfile) -> paramiko.PKey:
    """The host key the server shows, without logging in (for `calaimfiles sftp trust`)."""
    try:
        sock = socket.create_connection((profile.host, profile.port), timeout=profile.timeout)
    except OSError as error:
        raise connection_error(error, profile) from None
    transport = paramiko.Transport(sock)
    transport.banner_timeout = profile.timeout
    try:
        transport.start_client(timeout=profile.timeout)
        return transport.get_remote_server_key()
    except Exception as error:
        raise connection_error(error, profile) from None
    finally:
        transport.close()


def connection_error(error: Exception, profile: SftpProfile) -> TransportError:
    """What went wrong while logging in, in one sentence."""
    server = f"{profile.user}@{profile.address}"
    if isinstance(error, TransportError):
        return error
    if isinstance(error, _UnknownKey):
        return HostKeyError(
            f"the host key of {profile.address} ({describe(error.key)}) is not in {profile.known_hosts}; refused. "
            f"If it is the plan's key, check the fingerprint with the plan and run: calaimfiles sftp trust "
            f"--profile {profile.name}", error.key)
    if isinstance(error, paramiko.BadHostKeyException):
        known = ", ".join(describe(k) for k in known_keys(profile.known_hosts, profile.address)) or "another key"
        return HostKeyError(
            f"THE HOST KEY OF {profile.address} HAS CHANGED: {profile.known_hosts} has {known}, the server "
            f"offers {describe(error.key)}; refused (someone may be intercepting the connection: ask the plan "
            "before trusting the new key)", error.key)
    if isinstance(error, paramiko.AuthenticationException):
        how = f"key {profile.key_file}" if profile.key_file else f"the ssh agent or {PASSWORD_VARIABLE}"
        return TransportError(f"{server} refused the login ({how}): check the user name and that the plan has "
                              "the public key")
    if isinstance(error, paramiko.ssh_exception.NoValidConnectionsError | ConnectionError):
        return TransportError(f"cannot connect to {profile.address}: connection refused", transient=True)
    if isinstance(error, socket.timeout | TimeoutError):
        return TransportError(f"{profile.address} did not answer within {profile.timeout:g} s", transient=True)
    if isinstance(error, socket.gaierror):
        return TransportError(f"unknown host {profile.host!r} ({error.strerror})")
    if isinstance(error, paramiko.SSHException | EOFError | OSError):
        return TransportError(f"the connection to {profile.address} failed ({_reason(error)})", transient=True)
    raise error


def transfer_error(error: Exception, profile: SftpProfile, remote: str) -> TransportError:
    """What went wrong while moving a file, in one sentence; dropped connections are transient."""
    code = getattr(error, "errno", None)
    if isinstance(error, PermissionError) or code == errno.EACCES:
        return TransportError(f"permission denied on {profile.address}:{remote}: the plan has not given this "
                              "login write access there")
    if isinstance(error, FileNotFoundError) or code == errno.ENOENT:
        return TransportError(f"{profile.address}:{remote} does not exist: check the profile's folders")
    if isinstance(error, TransportError):
        return error
    return TransportError(f"the transfer to or from {profile.address} broke off ({_reason(error)})",
                          transient=True)


def _interrupted(error: BaseException) -> bool:
    """Whether a KeyboardInterrupt is among the exceptions this one was raised while handling."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    return text if text and len(text) < 120 else type(error).__name__


class Link:
    """A session that comes back: each step runs on the open session, and a transient failure closes it, waits
    (`profile.backoff`, doubling) and runs the step again on a new one, up to `profile.retries` times."""

    def __init__(self, profile: SftpProfile, secrets: Secrets = Secrets(), *,
                 sleep: Callable[[float], None] = time.sleep,
                 on_retry: Callable[[TransportError, float], None] = lambda error, pause: None) -> None:
        self.profile = profile
        self.secrets = secrets
        self._sleep = sleep
        self._on_retry = on_retry
        self._session: Session | None = None

    def __enter__(self) -> Link:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def run(self, step: Callable[[paramiko.SFTPClient], T], remote: str,
            on_retry: Callable[[TransportError, float], None] | None = None) -> T:
        """`step(sftp)` with retries; `remote` names the remote path in messages (the address is added to it).
        `on_retry` hears of each failed try that is tried again, as well as the link's own. The last failure is
        raised."""
        attempt = 0
        while True:
            try:
                return self._once(step, remote)
            except TransportError as error:
                if not error.transient or attempt >= self.profile.retries:
                    raise
                pause = self.profile.backoff * 2 ** attempt
                if on_retry is not None:
                    on_retry(error, pause)
                self._on_retry(error, pause)
                self._sleep(pause)
                attempt += 1

    def _once(self, step: Callable[[paramiko.SFTPClient], T], remote: str) -> T:
        try:
            if self._session is None:
                self._session = connect(self.profile, self.secrets)
            return step(self._session.sftp)
        except TransportError as error:
            if error.transient:
                self.close()
            raise
        except (OSError, EOFError, paramiko.SSHException) as error:
            if _interrupted(error):
                # Ctrl-C inside paramiko can surface as the broken connection it leaves behind: a stop, not a
                # transient failure to retry.
                self.close()
                raise KeyboardInterrupt from None
            translated = transfer_error(error, self.profile, remote)
            if translated.transient:
                self.close()
            raise translated from None
