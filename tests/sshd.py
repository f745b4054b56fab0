"""A real OpenSSH server on 127.0.0.1 for the sFTP tests: random port, fresh host and user keys, a plain
home folder (no chroot). Design notes section 4 has the recipe this follows.

Two client keys are authorised: `user_key` has full sFTP access, `readonly_key` is forced into
`sftp-server -R`, which answers every write with "permission denied": a folder the provider may not write to,
without needing a second system account (the tests may run as root, where file modes do not stop anything).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
SFTP_SERVER = next((p for p in ("/usr/lib/openssh/sftp-server", "/usr/libexec/openssh/sftp-server",
                                "/usr/lib/ssh/sftp-server") if os.path.exists(p)), None)


def _with_descendants(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [pid]
    with contextlib.suppress(OSError):  # the process ended meanwhile
        for child in children.read_text().split():
            found += _with_descendants(int(child))
    return found


def _keygen(path: Path, comment: str) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)], check=True)
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SshServer:
    """One running sshd; `root` is the remote file system the tests look at directly."""

    folder: Path
    port: int
    host_key: Path
    user_key: Path
    readonly_key: Path
    stranger_key: Path
    root: Path
    process: subprocess.Popen[bytes]

    @property
    def user(self) -> str:
        import getpass

        return getpass.getuser()

    def known_hosts_line(self) -> str:
        key_type, key, *_ = Path(f"{self.host_key}.pub").read_text().split()
        return f"[127.0.0.1]:{self.port} {key_type} {key}\n"

    def sessions(self) -> list[int]:
        """The per-connection sshd processes (children of the listener)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    @contextlib.contextmanager
    def stalled(self) -> Iterator[None]:
        """Freeze every open session and its sftp-server (SIGSTOP) for the block, as a network that stops
        answering would; new connections are still accepted. They resume (SIGCONT) afterwards."""
        frozen = [pid for session in self.sessions() for pid in _with_descendants(session)]
        for pid in frozen:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in frozen:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    def drop_connections(self) -> None:
        """Kill every open session, as a network fault would; the listener keeps accepting new ones."""
        for pid in self.sessions():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def start_sshd(folder: Path) -> SshServer:
    if not os.path.exists(SSHD) or SFTP_SERVER is None:
        pytest.skip("OpenSSH server is not installed (apt-get install openssh-server)")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(exist_ok=True)  # privilege separation folder sshd insists on when root
    folder.mkdir(parents=True, exist_ok=True)
    host_key = _keygen(folder / "host_ed25519", "test host")
    user_key = _keygen(folder / "user_ed25519", "provider")
    readonly_key = _keygen(folder / "readonly_ed25519", "read only")
    stranger_key = _keygen(folder / "stranger_ed25519", "not authorised")
    authorized = folder / "authorized_keys"
    authorized.write_text(
        Path(f"{user_key}.pub").read_text()
        + f'restrict,command="{SFTP_SERVER} -R" ' + Path(f"{readonly_key}.pub").read_text()
    )
    root = folder / "remote"
    for sub in ("inbound", "outbound"):
        (root / sub).mkdir(parents=True)
    port = _free_port()
    config = folder / "sshd_config"
    config.write_text("\n".join([
        "ListenAddress 127.0.0.1",
        f"Port {port}",
        f"HostKey {host_key}",
        f"AuthorizedKeysFile {authorized}",
        f"PidFile {folder / 'sshd.pid'}",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "PermitRootLogin prohibit-password",
        "UsePAM no",
        "StrictModes no",
        "Subsystem sftp internal-sftp",
        "LogLevel ERROR",
        "",
    ]))
    subprocess.run([SSHD, "-t", "-f", str(config)], check=True)
    log = folder / "sshd.log"
    process = subprocess.Popen([SSHD, "-D", "-E", str(log), "-o", "LogLevel=INFO", "-f", str(config)])
    deadline = time.monotonic() + 10
    while "Server listening on" not in (log.read_text(errors="replace") if log.exists() else ""):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"sshd did not start: {log.read_text() if log.exists() else 'no log'}")
        time.sleep(0.02)
    return SshServer(folder, port, host_key, user_key, readonly_key, stranger_key, root, process)


def stop_sshd(server: SshServer) -> None:
    server.drop_connections()
    server.process.terminate()
    try:
        server.process.wait(5)
    except subprocess.TimeoutExpired:
        server.process.kill()

