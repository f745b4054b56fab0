"""Upload, download and host-key trust against a real OpenSSH server on 127.0.0.1 (tests/sshd.py)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest
from sshd import SshServer
from typer.testing import CliRunner

from calaimfiles.commands import app
from calaimfiles.transport.hostkeys import fingerprint, known_keys, record
from calaimfiles.transport.profile import SftpProfile
from calaimfiles.transport.session import Link, TransportError
from calaimfiles.transport.upload import partial_path, send

EXAMPLES = Path(__file__).parent.parent / "examples"
ON_TIME = "2026-11-05"  # the examples report period 10/2026, due 11/05/2026
LATE = "2026-11-11"


@pytest.fixture
def remote(sshd: SshServer) -> SshServer:
    """The server with empty inbound and outbound folders for each test."""
    for sub in ("inbound", "outbound"):
        shutil.rmtree(sshd.root / sub)
        (sshd.root / sub).mkdir()
    return sshd


@pytest.fixture
def workdir(tmp_path: Path, remote: SshServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A provider's folder: a configuration file with profile `plan` (and variants), known_hosts trusting the
    server, and nothing else."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CALAIMFILES_SFTP_PASSWORD", raising=False)
    (tmp_path / "known_hosts").write_text(remote.known_hosts_line())
    write_config(tmp_path, remote)
    return tmp_path


def write_config(folder: Path, server: SshServer, port: int | None = None, **overrides: object) -> Path:
    def table(name: str, key: Path, extra: dict[str, object]) -> str:
        values: dict[str, object] = {
            "host": "127.0.0.1", "port": port or server.port, "user": server.user, "key_file": str(key),
            "known_hosts": "known_hosts", "inbound": str(server.root / "inbound"),
            "outbound": str(server.root / "outbound"), "plan": "reference", "local_dir": "./calaim",
            "timeout": 10, "retries": 1, "backoff": 0, **extra,
        }
        body = "\n".join(f"{key} = {json.dumps(value)}" for key, value in values.items())
        return f"[profiles.{name}]\n{body}\n"

    config = folder / "calaimfiles.toml"
    config.write_text(table("plan", server.user_key, dict(overrides))
                      + table("readonly", server.readonly_key, {})
                      + table("stranger", server.stranger_key, {}))
    return config


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


def inbound(server: SshServer) -> list[str]:
    return sorted(p.name for p in (server.root / "inbound").iterdir())


def temporaries(server: SshServer, name: str) -> list[Path]:
    """The upload temporaries of `name` in the inbound folder (`.NAME.calaimfiles-HOST-PID-XXXXXXXX.part`)."""
    return sorted((server.root / "inbound").glob(f".{name}.calaimfiles-*-*-*.part"))


def growing(server: SshServer, name: str) -> bool:
    """Whether an upload of `name` has started writing its temporary."""
    return any(path.stat().st_size > 0 for path in temporaries(server, name) if path.exists())


@contextlib.contextmanager
def cut_as_the_temporary_grows(server: SshServer, name: str) -> Iterator[list[int]]:
    """While the block runs, a watcher kills the server's sessions (a network fault) once, as soon as an upload
    of `name` has started writing; yields the list of the sessions cut (empty if the upload was too quick)."""
    stop = threading.Event()
    cuts: list[int] = []

    def watch() -> None:
        while not stop.is_set() and not cuts:
            if growing(server, name):
                cuts.extend(server.sessions())
                server.drop_connections()
            time.sleep(0.001)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        yield cuts
    finally:
        stop.set()
        watcher.join()


def log_lines(folder: Path) -> list[dict[str, object]]:
    log = folder / "calaim" / "calaimfiles-uploads.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def profile_of(server: SshServer, known_hosts: Path, **changes: object) -> SftpProfile:
    values: dict[str, object] = {
        "name": "plan", "host": "127.0.0.1", "port": server.port, "user": server.user,
        "key_file": server.user_key, "known_hosts": known_hosts, "inbound": str(server.root / "inbound"),
        "outbound": str(server.root / "outbound"), "timeout": 10, "retries": 2, "backoff": 0, **changes,
    }
    return SftpProfile.model_validate(values)


# --- upload -----------------------------------------------------------------------------------------------


def test_clean_upload_lands_whole_and_is_logged(workdir: Path, remote: SshServer) -> None:
    source = EXAMPLES / "rtf_clean.xlsx"
    before = source.read_bytes()
    code, out, err = run("upload", source, "--profile", "plan", "--as-of", ON_TIME)
    assert code == 0, err
    assert "uploaded" in out
    assert inbound(remote) == ["rtf_clean.xlsx"]  # and no temporary file left beside it
    assert (remote.root / "inbound" / "rtf_clean.xlsx").read_bytes() == before == source.read_bytes()
    [entry] = log_lines(workdir)
    import hashlib

    assert entry["result"] == "uploaded"
    assert entry["sha256"] == hashlib.sha256(before).hexdigest()
    assert entry["size"] == len(before)
    assert entry["remote"] == f"{remote.root}/inbound/rtf_clean.xlsx"
    assert os.stat(workdir / "calaim" / "calaimfiles-uploads.jsonl").st_mode & 0o777 == 0o600


def test_existing_remote_file_needs_replace(workdir: Path, remote: SshServer, tmp_path: Path) -> None:
    (remote.root / "inbound" / "rtf_clean.xlsx").write_bytes(b"last week's upload")
    code, out, _ = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME)
    assert code == 1
    assert "already there; --replace overwrites it" in out
    assert (remote.root / "inbound" / "rtf_clean.xlsx").read_bytes() == b"last week's upload"
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME, "--replace")
    assert code == 0, err
    assert (remote.root / "inbound" / "rtf_clean.xlsx").read_bytes() == (EXAMPLES / "rtf_clean.xlsx").read_bytes()
    assert [e["result"] for e in log_lines(workdir)] == ["refused", "uploaded"]


def test_late_file_is_refused_naming_the_next_window(workdir: Path, remote: SshServer) -> None:
    code, out, _ = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", LATE)
    assert code == 1
    assert "outside its submission window" in out
    assert "closed on 11/10/2026" in out and "11/2026 file, due 12/05/2026" in out
    assert inbound(remote) == []
    assert [e["result"] for e in log_lines(workdir)] == ["refused"]


def test_a_file_in_its_grace_days_goes_with_a_note(workdir: Path, remote: SshServer) -> None:
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", "2026-11-06")
    assert code == 0
    assert "note: after its due day" in err and "accepts it until 11/10/2026" in err
    assert inbound(remote) == ["rtf_clean.xlsx"]


def test_force_sends_a_late_file_and_says_so(workdir: Path, remote: SshServer) -> None:
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", LATE, "--force")
    assert code == 0
    assert "sending despite outside its submission window" in err and "(--force)" in err
    assert inbound(remote) == ["rtf_clean.xlsx"]
    [entry] = log_lines(workdir)
    assert entry["forced"] is True and "forced over" in str(entry["reason"])


def test_file_with_errors_is_refused(workdir: Path, remote: SshServer) -> None:
    code, out, err = run("upload", EXAMPLES / "rtf_mistakes.xlsx", "--profile", "plan", "--as-of", ON_TIME)
    assert code == 1
    assert "refused" in out and "errors (first:" in out
    assert "calaimfiles validate FILE" in err
    assert inbound(remote) == []


def test_dry_run_sends_and_logs_nothing(workdir: Path, remote: SshServer) -> None:
    code, out, _ = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME, "--dry-run")
    assert code == 0
    assert f"would upload {EXAMPLES / 'rtf_clean.xlsx'}" in out and "and create 127.0.0.1" not in out
    assert "and create [127.0.0.1]" in out
    assert inbound(remote) == []
    assert log_lines(workdir) == []


def test_permission_denied_on_the_remote_folder(workdir: Path, remote: SshServer) -> None:
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "readonly", "--as-of", ON_TIME)
    assert code == 2
    assert "permission denied" in one_line(err)
    assert one_line(err).count(f"[127.0.0.1]:{remote.port}") == 1  # the address once, not before each path
    assert inbound(remote) == []
    assert [e["result"] for e in log_lines(workdir)] == ["failed"]


def test_changed_host_key_is_refused_with_both_fingerprints(workdir: Path, remote: SshServer) -> None:
    impostor = paramiko.Ed25519Key.from_private_key_file(str(remote.user_key))  # any other ed25519 key
    (workdir / "known_hosts").write_text(f"[127.0.0.1]:{remote.port} ssh-ed25519 {impostor.get_base64()}\n")
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME)
    assert code == 2
    line = one_line(err)
    server_key = paramiko.Ed25519Key.from_private_key_file(str(remote.host_key))
    assert "HAS CHANGED" in line and fingerprint(impostor) in line and fingerprint(server_key) in line
    assert inbound(remote) == []


def test_unknown_host_then_trust_then_upload(workdir: Path, remote: SshServer) -> None:
    (workdir / "known_hosts").unlink()
    server_key = paramiko.Ed25519Key.from_private_key_file(str(remote.host_key))
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME)
    assert code == 2
    assert "is not in" in one_line(err) and fingerprint(server_key) in err and "sftp trust" in err

    code, out, err = run("sftp", "trust", "--profile", "plan")  # no terminal, no --fingerprint: nothing recorded
    assert code == 2 and fingerprint(server_key) in out and "not recorded" in one_line(err)
    code, _, err = run("sftp", "trust", "--profile", "plan", "--fingerprint", "SHA256:somethingelse")
    assert code == 2 and "not recorded" in one_line(err)
    assert not (workdir / "known_hosts").exists()

    code, out, _ = run("sftp", "trust", "--profile", "plan", "--fingerprint", fingerprint(server_key))
    assert code == 0 and "recorded" in out
    assert (workdir / "known_hosts").read_text().startswith(f"[127.0.0.1]:{remote.port} ssh-ed25519 ")
    code, out, _ = run("sftp", "trust", "--profile", "plan")
    assert code == 0 and "already trusted" in out
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME)
    assert code == 0, err


def test_bad_credentials(workdir: Path, remote: SshServer) -> None:
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "stranger", "--as-of", ON_TIME)
    assert code == 2
    assert "refused the login" in one_line(err)
    assert inbound(remote) == []


def test_missing_key_file_and_missing_profile(workdir: Path, remote: SshServer) -> None:
    write_config(workdir, remote, key_file=str(workdir / "nope"))
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME)
    assert code == 2 and "does not exist" in one_line(err)
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "elsewhere")
    assert code == 2 and "no sFTP profile 'elsewhere'" in one_line(err)


def test_nobody_listening_is_retried_then_reported(workdir: Path, remote: SshServer) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    write_config(workdir, remote, port=closed_port, retries=2)
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME)
    assert code == 2
    lines = err.strip().splitlines()
    assert sum("trying again" in line for line in lines) == 2
    assert "connection refused" in lines[-1]


def test_password_in_the_configuration_is_refused(workdir: Path, remote: SshServer) -> None:
    write_config(workdir, remote, password="hunter2")
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan")
    assert code == 2
    assert "passwords do not belong in a file" in one_line(err) and "hunter2" not in err
    code, out, _ = run("config", "show")
    assert "hunter2" not in out and "***" in out


# --- a connection killed in the middle of a transfer ---------------------------------------------------------


def _big_file(folder: Path) -> Path:
    path = folder / "big.xlsx"
    path.write_bytes(os.urandom(8 << 20))
    return path


def test_killed_mid_transfer_leaves_no_file_then_the_retry_succeeds(remote: SshServer, tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(remote.known_hosts_line())
    source = _big_file(tmp_path)
    seen_during_transfer: list[list[str]] = []
    killed: list[int] = []

    def cut_once(done: int, total: int) -> None:
        if not killed and done > total // 4:
            seen_during_transfer.append(inbound(remote))
            killed.extend(remote.sessions())
            remote.drop_connections()

    retries: list[str] = []
    with Link(profile_of(remote, known_hosts), on_retry=lambda error, pause: retries.append(str(error))) as link:
        partial = partial_path(link.profile, source)
        link.run(lambda sftp: send(sftp, link.profile, source, partial, progress=cut_once), "big.xlsx")
    assert killed, "the transfer ended before the connection could be cut"
    [[seen]] = seen_during_transfer  # the plan never sees the final name early
    assert re.fullmatch(r"\.big\.xlsx\.calaimfiles-[A-Za-z0-9]+-[0-9]+-[0-9a-f]{8}\.part", seen), seen
    assert len(retries) == 1 and "broke off" in retries[0]
    assert inbound(remote) == ["big.xlsx"]
    assert (remote.root / "inbound" / "big.xlsx").read_bytes() == source.read_bytes()


def test_killed_mid_transfer_without_retries_fails_cleanly(remote: SshServer, tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(remote.known_hosts_line())
    source = _big_file(tmp_path)

    def cut(done: int, total: int) -> None:
        if done > total // 4:
            remote.drop_connections()

    with Link(profile_of(remote, known_hosts, retries=0)) as link, pytest.raises(TransportError) as failure:
        link.run(lambda sftp: send(sftp, link.profile, source, partial_path(link.profile, source), progress=cut),
                 "big.xlsx")
    assert failure.value.transient
    assert "big.xlsx" not in inbound(remote)


def test_a_real_run_killed_mid_transfer_is_retried(workdir: Path, remote: SshServer) -> None:
    """The command itself, in its own process, with the server cutting its connection as the file arrives."""
    source = _big_file(workdir)
    with cut_as_the_temporary_grows(remote, "big.xlsx") as cuts:
        result = subprocess.run(
            [sys.executable, "-m", "calaimfiles", "upload", str(source), "--profile", "plan", "--force", "--quiet"],
            cwd=workdir, capture_output=True, text=True, timeout=120)
    if not cuts:
        pytest.skip("the upload finished before the watcher could cut it")
    assert result.returncode == 0, result.stderr
    assert "trying again" in result.stderr
    assert "Socket exception" not in result.stderr  # paramiko's own lines stay off stderr
    tries = log_lines(workdir)  # a line for each try
    assert [entry["result"] for entry in tries] == ["failed", "uploaded"]
    assert "trying again" in str(tries[0]["reason"])
    assert inbound(remote) == ["big.xlsx"]
    assert (remote.root / "inbound" / "big.xlsx").read_bytes() == source.read_bytes()


def test_a_rename_whose_answer_is_lost_is_logged_as_uploaded(workdir: Path, remote: SshServer,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The server renames the file, then the connection dies before its answer arrives: the retry finds the file
    in place with this file's bytes and says it was uploaded, rather than refusing it as "already there"."""
    renamed: list[str] = []
    rename = paramiko.SFTPClient.rename

    def rename_then_lose_the_answer(client: paramiko.SFTPClient, old: str, new: str) -> None:
        rename(client, old, new)
        if not renamed:
            renamed.append(new)
            remote.drop_connections()
            raise paramiko.SSHException("Server connection dropped: ")

    monkeypatch.setattr(paramiko.SFTPClient, "rename", rename_then_lose_the_answer)
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME)
    assert renamed and code == 0, err
    tries = log_lines(workdir)
    assert [entry["result"] for entry in tries] == ["failed", "uploaded"]
    assert "byte for byte" in str(tries[1]["reason"])
    assert inbound(remote) == ["rtf_clean.xlsx"]
    assert (remote.root / "inbound" / "rtf_clean.xlsx").read_bytes() == (EXAMPLES / "rtf_clean.xlsx").read_bytes()


def test_a_retry_before_any_rename_refuses_the_same_file_sent_before(workdir: Path, remote: SshServer,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The same bytes already at the name from an earlier upload, and a first try broken before it got anywhere:
    the retry refuses as a first try would, rather than taking that file for its own arrival."""
    earlier = remote.root / "inbound" / "rtf_clean.xlsx"
    earlier.write_bytes((EXAMPLES / "rtf_clean.xlsx").read_bytes())
    stat = paramiko.SFTPClient.stat
    broke: list[bool] = []

    def break_the_first_look(client: paramiko.SFTPClient, path: str) -> paramiko.SFTPAttributes:
        if not broke:
            broke.append(True)
            remote.drop_connections()
            raise paramiko.SSHException("Server connection dropped: ")
        return stat(client, path)

    monkeypatch.setattr(paramiko.SFTPClient, "stat", break_the_first_look)
    code, out, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME)
    assert broke and code == 1, out + err
    assert [entry["result"] for entry in log_lines(workdir)] == ["failed", "refused"]
    assert inbound(remote) == ["rtf_clean.xlsx"]


def test_a_retry_still_refuses_a_different_file_that_took_the_name(workdir: Path, remote: SshServer,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Only this file's own bytes count as its arrival: another upload's file at the name is refused as before."""
    rename = paramiko.SFTPClient.rename
    broke: list[bool] = []

    def lose_the_connection_as_another_file_lands(client: paramiko.SFTPClient, old: str, new: str) -> None:
        if not broke:
            broke.append(True)
            Path(new).write_bytes((EXAMPLES / "rtf_mistakes.xlsx").read_bytes())  # same name, other bytes
            remote.drop_connections()
            raise paramiko.SSHException("Server connection dropped: ")
        rename(client, old, new)

    monkeypatch.setattr(paramiko.SFTPClient, "rename", lose_the_connection_as_another_file_lands)
    code, out, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME)
    assert broke and code == 1, out + err
    assert [entry["result"] for entry in log_lines(workdir)] == ["failed", "refused"]
    assert inbound(remote) == ["rtf_clean.xlsx"]
    assert (remote.root / "inbound" / "rtf_clean.xlsx").read_bytes() == (EXAMPLES / "rtf_mistakes.xlsx").read_bytes()


# --- download -----------------------------------------------------------------------------------------------


def _drop(server: SshServer, name: str, data: bytes, mtime: float | None = None) -> Path:
    path = server.root / "outbound" / name
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_download_fetches_new_files_once_and_checks_them(workdir: Path, remote: SshServer) -> None:
    mif = (EXAMPLES / "mif_clean.xlsx").read_bytes()
    _drop(remote, "mif_clean.xlsx", mif)
    _drop(remote, ".hidden", b"x")
    _drop(remote, "next.xlsx.part", b"half a file")
    code, out, err = run("download", "--profile", "plan", "--as-of", "2026-10-20")
    assert code == 0, err
    local = workdir / "calaim" / "mif_clean.xlsx"
    assert local.read_bytes() == mif
    assert os.stat(local).st_mode & 0o777 == 0o600
    assert "MIF, sheet" in out and "no problems" in out
    assert sorted(p.name for p in (workdir / "calaim").iterdir()) == [".calaimfiles-downloads.json", "mif_clean.xlsx"]

    code, out, _ = run("download", "--profile", "plan")
    assert code == 0 and "nothing new" in out


def test_download_never_overwrites_a_different_local_file(workdir: Path, remote: SshServer) -> None:
    (workdir / "calaim").mkdir()
    mine = workdir / "calaim" / "mif_clean.xlsx"
    mine.write_bytes(b"my own notes")
    _drop(remote, "mif_clean.xlsx", (EXAMPLES / "mif_clean.xlsx").read_bytes())
    code, out, _ = run("download", "--profile", "plan", "--as-of", "2026-10-20")
    assert code == 0
    assert mine.read_bytes() == b"my own notes"
    assert (workdir / "calaim" / "mif_clean (2).xlsx").read_bytes() == (EXAMPLES / "mif_clean.xlsx").read_bytes()
    assert "differs and was kept" in out


def test_download_fetches_a_file_sent_again_with_new_content(workdir: Path, remote: SshServer) -> None:
    _drop(remote, "csasf.xlsx", (EXAMPLES / "csasf_clean.xlsx").read_bytes(), mtime=1_790_000_000)
    assert run("download", "--profile", "plan", "--as-of", "2026-10-20")[0] == 0
    _drop(remote, "csasf.xlsx", (EXAMPLES / "csasf_mistakes.xlsx").read_bytes(), mtime=1_790_100_000)
    code, out, _ = run("download", "--profile", "plan", "--as-of", "2026-10-20")
    assert code == 1  # the corrected file has errors of its own
    assert "CSASF, sheet" in out and "errors" in out
    folder = workdir / "calaim"
    assert (folder / "csasf.xlsx").read_bytes() == (EXAMPLES / "csasf_clean.xlsx").read_bytes()
    assert (folder / "csasf (2).xlsx").read_bytes() == (EXAMPLES / "csasf_mistakes.xlsx").read_bytes()


def test_two_downloads_into_one_folder_at_once_never_mix(workdir: Path, remote: SshServer) -> None:
    """Two real runs (a cron job and the page, say): one fetches, the other is refused in one line or finds nothing
    new; the file arrives once, whole, and nothing else is left in the folder."""
    data = os.urandom(8 << 20)
    _drop(remote, "mif.xlsx", data)
    runs = [subprocess.Popen([sys.executable, "-m", "calaimfiles", "download", "--profile", "plan", "--quiet"],
                             cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outcomes = [(run.wait(timeout=120), run.stderr.read() if run.stderr else "") for run in runs]
    assert all(code == 0 or (code == 2 and "another calaimfiles run is fetching" in one_line(err))
               for code, err in outcomes), outcomes
    folder = workdir / "calaim"
    assert sorted(p.name for p in folder.iterdir()) == [".calaimfiles-downloads.json", "mif.xlsx"]
    assert (folder / "mif.xlsx").read_bytes() == data


def test_a_download_is_refused_while_another_holds_the_folder(workdir: Path, remote: SshServer) -> None:
    import fcntl

    _drop(remote, "mif.xlsx", b"anything")
    folder = workdir / "calaim"
    folder.mkdir()
    holder = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        code, _, err = run("download", "--profile", "plan")
    finally:
        os.close(holder)
    assert code == 2 and "another calaimfiles run is fetching into this folder" in one_line(err)
    assert list(folder.iterdir()) == []
    assert run("download", "--profile", "plan", "--dry-run")[0] == 0  # a dry run only reads


def test_a_download_sweeps_what_a_killed_download_left(workdir: Path, remote: SshServer) -> None:
    """A download killed mid-file leaves its temporary (member rows); the next download into the folder removes it."""
    _drop(remote, "mif.xlsx", os.urandom(64 << 20))
    folder = workdir / "calaim"
    killed = subprocess.Popen([sys.executable, "-m", "calaimfiles", "download", "--profile", "plan", "--quiet"],
                              cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(folder.glob(".mif.xlsx.calaimfiles-*.part")):
        assert killed.poll() is None and time.monotonic() < deadline, "the download never started"
        time.sleep(0.005)
    killed.kill()
    killed.wait()
    assert list(folder.glob(".mif.xlsx.calaimfiles-*.part"))
    (remote.root / "outbound" / "mif.xlsx").unlink()
    code, out, err = run("download", "--profile", "plan")
    assert code == 0 and "nothing new" in out, err
    assert list(folder.iterdir()) == []


def test_ctrl_c_while_the_server_stalls_ends_a_download_at_once(workdir: Path, remote: SshServer) -> None:
    """As for upload: the server stops answering mid-file, Ctrl-C ends the run now rather than after the profile's
    60 s timeout, and nothing of the file is left in the folder."""
    import signal

    write_config(workdir, remote, timeout=60)
    _drop(remote, "mif.xlsx", os.urandom(256 << 20))
    process = subprocess.Popen([sys.executable, "-m", "calaimfiles", "download", "--profile", "plan", "--quiet"],
                               cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    folder = workdir / "calaim"
    deadline = time.monotonic() + 60
    while not any(path.stat().st_size > 0 for path in folder.glob(".mif.xlsx.calaimfiles-*.part")
                  if path.exists()):
        assert process.poll() is None and time.monotonic() < deadline, "the download never started"
        time.sleep(0.001)
    with remote.stalled():
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise AssertionError("the run waited for the frozen server after Ctrl-C") from None
    assert process.returncode == 130 and err.strip() == "calaimfiles: interrupted", err
    assert list(folder.iterdir()) == []


def test_download_dry_run_and_missing_outbound(workdir: Path, remote: SshServer) -> None:
    _drop(remote, "mif.xlsx", b"anything")
    code, out, _ = run("download", "--profile", "plan", "--dry-run")
    assert code == 0 and "would fetch mif.xlsx" in out
    assert not (workdir / "calaim" / "mif.xlsx").exists()
    write_config(workdir, remote, outbound=str(remote.root / "nowhere"))
    code, _, err = run("download", "--profile", "plan")
    assert code == 2 and "does not exist" in one_line(err)
    assert one_line(err).count(f"[127.0.0.1]:{remote.port}") == 1  # the address once


def test_trust_and_download_name_an_unreachable_server_once(workdir: Path, remote: SshServer) -> None:
    with socket.socket() as unused:  # a port nobody listens on
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    write_config(workdir, remote, port=port, retries=0)
    for args in (["sftp", "trust", "--profile", "plan"], ["download", "--profile", "plan"]):
        code, _, err = run(*args)
        assert code == 2 and "cannot connect" in one_line(err), args
        assert one_line(err).count(f"[127.0.0.1]:{port}") == 1, err


# --- known_hosts ---------------------------------------------------------------------------------------------


def test_record_replaces_only_the_entry_of_that_host(tmp_path: Path, remote: SshServer) -> None:
    known_hosts = tmp_path / "known_hosts"
    other = paramiko.Ed25519Key.from_private_key_file(str(remote.user_key))
    server_key = paramiko.Ed25519Key.from_private_key_file(str(remote.host_key))
    hashed = paramiko.HostKeys.hash_host("[127.0.0.1]:2222")
    known_hosts.write_text(f"# my hosts\nexample.org ssh-ed25519 {other.get_base64()}\n"
                           f"{hashed} ssh-ed25519 {other.get_base64()}\n")
    assert known_keys(known_hosts, "[127.0.0.1]:2222")[0].asbytes() == other.asbytes()
    assert record(known_hosts, "[127.0.0.1]:2222", server_key) is True
    text = known_hosts.read_text()
    assert text.startswith("# my hosts\nexample.org ssh-ed25519 ")
    assert hashed not in text
    assert [k.asbytes() for k in known_keys(known_hosts, "[127.0.0.1]:2222")] == [server_key.asbytes()]
    assert record(tmp_path / "new" / "known_hosts", "sftp.plan.example", server_key) is False
    assert os.stat(tmp_path / "new" / "known_hosts").st_mode & 0o777 == 0o600


def test_key_passphrase_comes_from_the_environment(workdir: Path, remote: SshServer,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    locked = workdir / "locked_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "open sesame", "-f", str(locked)], check=True)
    authorized = remote.folder / "authorized_keys"
    original = authorized.read_text()
    authorized.write_text(original + Path(f"{locked}.pub").read_text())
    try:
        write_config(workdir, remote, key_file=str(locked))
        monkeypatch.delenv("CALAIMFILES_KEY_PASSPHRASE", raising=False)
        code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME)
        assert code == 2 and "protected by a passphrase" in one_line(err)
        monkeypatch.setenv("CALAIMFILES_KEY_PASSPHRASE", "open sesame")
        code, out, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME)
        assert code == 0, err
        assert "open sesame" not in out + err
        assert "open sesame" not in (workdir / "calaim" / "calaimfiles-uploads.jsonl").read_text()
    finally:
        authorized.write_text(original)


def test_ask_password_needs_a_terminal(workdir: Path, remote: SshServer) -> None:
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--ask-password")
    assert code == 2 and "set CALAIMFILES_SFTP_PASSWORD" in one_line(err)


def test_trust_asks_and_replaces_a_changed_key_only_on_yes(workdir: Path, remote: SshServer,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from calaimfiles.commands import sftp

    monkeypatch.setattr(sftp, "on_terminal", lambda: True)
    old = paramiko.Ed25519Key.from_private_key_file(str(remote.user_key))
    (workdir / "known_hosts").write_text(f"[127.0.0.1]:{remote.port} ssh-ed25519 {old.get_base64()}\n")
    server_key = paramiko.Ed25519Key.from_private_key_file(str(remote.host_key))

    answered_no = CliRunner().invoke(app, ["sftp", "trust", "--profile", "plan"], input="n\n")
    assert answered_no.exit_code == 1
    assert "WARNING" in answered_no.stdout and fingerprint(old) in answered_no.stdout
    assert [k.asbytes() for k in known_keys(workdir / "known_hosts", f"[127.0.0.1]:{remote.port}")] == [old.asbytes()]

    answered_yes = CliRunner().invoke(app, ["sftp", "trust", "--profile", "plan"], input="y\n")
    assert answered_yes.exit_code == 0 and "recorded" in answered_yes.stdout
    assert [k.asbytes() for k in known_keys(workdir / "known_hosts", f"[127.0.0.1]:{remote.port}")] == [
        server_key.asbytes()]


# --- profiles ------------------------------------------------------------------------------------------------


def test_profile_paths_are_read_from_the_configuration_folder(tmp_path: Path) -> None:
    from calaimfiles.config import load_config
    from calaimfiles.transport.profile import load_profile

    (tmp_path / "conf").mkdir()
    config = tmp_path / "conf" / "calaimfiles.toml"
    config.write_text('[profiles.p]\nhost = "sftp.plan.example"\nuser = "provider123"\nkey_file = "keys/id"\n'
                      'inbound = "/inbound"\noutbound = "/outbound"\nlocal_dir = "./calaim"\n')
    profile = load_profile(load_config(config), "p")
    assert profile.key_file == tmp_path / "conf" / "keys" / "id"
    assert profile.local_dir == tmp_path / "conf" / "calaim"
    assert profile.upload_log == tmp_path / "conf" / "calaim" / "calaimfiles-uploads.jsonl"
    assert profile.known_hosts == Path.home() / ".ssh" / "known_hosts"
    assert (profile.port, profile.address) == (22, "sftp.plan.example")


def test_a_misspelt_or_missing_profile_key_is_named(workdir: Path, remote: SshServer) -> None:
    write_config(workdir, remote, hots="sftp.plan.example")
    code, _, err = run("download", "--profile", "plan")
    assert code == 2 and "hots: Extra inputs are not permitted" in one_line(err)
    (workdir / "calaimfiles.toml").write_text('[profiles.plan]\nhost = "h"\nuser = "u"\n')
    code, _, err = run("download", "--profile", "plan")
    assert code == 2 and "inbound: Field required" in one_line(err) and "outbound: Field required" in err


def test_a_damaged_download_memory_is_named_not_overwritten(workdir: Path, remote: SshServer) -> None:
    memory = workdir / "calaim" / ".calaimfiles-downloads.json"
    memory.parent.mkdir()
    memory.write_text("{ not json")
    _drop(remote, "mif.xlsx", b"anything")
    code, _, err = run("download", "--profile", "plan")
    assert code == 2 and "is damaged; move it away" in one_line(err)
    assert memory.read_text() == "{ not json"
    assert not (workdir / "calaim" / "mif.xlsx").exists()


def test_a_missing_inbound_folder_is_named(workdir: Path, remote: SshServer) -> None:
    write_config(workdir, remote, inbound=str(remote.root / "nowhere"))
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME)
    assert code == 2 and "nowhere" in one_line(err) and "does not exist" in err
    assert [e["result"] for e in log_lines(workdir)] == ["failed"]


def test_ctrl_c_during_an_upload_leaves_no_file_on_the_server(workdir: Path, remote: SshServer) -> None:
    """A real run interrupted as its temporary file grows on the server: exit 130, one line, no final file,
    the temporary file removed, and the try logged as failed."""
    import signal

    source = workdir / "big.xlsx"
    source.write_bytes(os.urandom(64 << 20))
    process = subprocess.Popen(
        [sys.executable, "-m", "calaimfiles", "upload", str(source), "--profile", "plan", "--force", "--quiet"],
        cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not growing(remote, "big.xlsx") and process.poll() is None:
        assert time.monotonic() < deadline, "the upload never started"
        time.sleep(0.001)
    if process.poll() is not None:
        pytest.skip("the upload finished before it could be interrupted")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.strip() == "calaimfiles: interrupted"
    assert inbound(remote) == []
    assert [(e["result"], e["reason"]) for e in log_lines(workdir)] == [("failed", "interrupted")]


def test_ctrl_c_while_the_server_stalls_ends_at_once(workdir: Path, remote: SshServer) -> None:
    """The server stops answering mid-copy and the user presses Ctrl-C: the run ends now, not after the profile's
    timeout (60 s here) spent waiting for answers that will not come (the remote file's close, the removal of the
    temporary over the frozen session), and the temporary is removed over a new connection."""
    import signal

    write_config(workdir, remote, timeout=60)
    source = workdir / "big.xlsx"
    source.write_bytes(os.urandom(64 << 20))
    process = _upload_process(workdir, workdir)
    deadline = time.monotonic() + 60
    while not growing(remote, "big.xlsx"):
        assert process.poll() is None and time.monotonic() < deadline, "the upload never started"
        time.sleep(0.001)
    with remote.stalled():
        time.sleep(0.5)  # the client's writes pile up unanswered
        process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=30)  # well inside the 60 s it would otherwise wait
        except subprocess.TimeoutExpired:
            process.kill()
            raise AssertionError("the run waited for the frozen server after Ctrl-C") from None
    assert process.returncode == 130 and err.strip() == "calaimfiles: interrupted", err
    assert inbound(remote) == []
    assert [(e["result"], e["reason"]) for e in log_lines(workdir)] == [("failed", "interrupted")]


def test_an_interrupt_that_breaks_the_connection_is_not_retried(remote: SshServer, tmp_path: Path) -> None:
    """Ctrl-C inside paramiko can leave only the broken connection behind (the interrupt as its context): the
    link stops instead of reconnecting and sending the file anyway."""
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(remote.known_hosts_line())
    tries: list[int] = []

    def interrupted_mid_packet(sftp: paramiko.SFTPClient) -> None:
        tries.append(1)
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise paramiko.SSHException("Server connection dropped") from None

    with Link(profile_of(remote, known_hosts, retries=3)) as link, pytest.raises(KeyboardInterrupt):
        link.run(interrupted_mid_packet, "anything")
    assert tries == [1]


# --- two uploads at once, what a failed one leaves, keys that cannot be unlocked ------------------------------


def _upload_process(folder: Path, workdir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "calaimfiles", "upload", str(folder / "big.xlsx"), "--profile", "plan", "--force",
         "--quiet"], cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_uploads_of_one_name_at_once_never_mix(workdir: Path, remote: SshServer) -> None:
    """Two real runs send different files of one name and size at the same moment, round after round: the final
    file is always one of the two whole, exactly one run says it uploaded (the other is refused, however late
    it finds the name taken), the log agrees with the server, and no temporary is left."""
    import hashlib

    sources = []
    for side in ("a", "b"):
        (workdir / side).mkdir()
        sources.append(workdir / side / "big.xlsx")
    overlapped = 0
    for round_number in range(8):
        for source in sources:
            source.write_bytes(os.urandom(6 << 20))
        final = remote.root / "inbound" / "big.xlsx"
        final.unlink(missing_ok=True)
        logged = len(log_lines(workdir))
        runs = [_upload_process(source.parent, workdir) for source in sources]
        results = [(run.wait(timeout=120), *run.communicate()) for run in runs]
        codes = sorted(code for code, _, _ in results)
        assert codes == [0, 1], results
        landed = final.read_bytes()
        assert landed in (sources[0].read_bytes(), sources[1].read_bytes()), f"round {round_number}: mixed"
        entries = log_lines(workdir)[logged:]
        assert sorted(str(e["result"]) for e in entries) == ["refused", "uploaded"], entries
        [uploaded] = [e for e in entries if e["result"] == "uploaded"]
        assert uploaded["sha256"] == hashlib.sha256(landed).hexdigest()  # the log names the bytes that are there
        [refused] = [e for e in entries if e["result"] == "refused"]
        overlapped += "appeared while this upload ran" in str(refused["reason"])
        assert temporaries(remote, "big.xlsx") == []
    if not overlapped:
        pytest.skip("the two runs never overlapped: one always found the other's file already there")


def test_an_upload_that_gives_up_removes_its_temporary(workdir: Path, remote: SshServer) -> None:
    """The connection dies mid-transfer and no retry is allowed: the run ends in one line, and the temporary with
    part of the file is removed from the server over a new connection."""
    write_config(workdir, remote, retries=0)
    _big_file(workdir)
    with cut_as_the_temporary_grows(remote, "big.xlsx") as cuts:
        process = _upload_process(workdir, workdir)
        _, err = process.communicate(timeout=120)
    if not cuts:
        pytest.skip("the upload finished before the watcher could cut it")
    assert process.returncode == 2, err
    assert "broke off" in one_line(err) and "Socket exception" not in err
    assert inbound(remote) == []
    assert [entry["result"] for entry in log_lines(workdir)] == ["failed"]


def _dead_pid() -> int:
    """The pid of a process that has ended."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(ended.stdout)


def test_the_next_upload_sweeps_what_killed_runs_left(workdir: Path, remote: SshServer) -> None:
    """Temporaries a killed run left (its process gone, or a day old) go at the next upload to that folder; a
    running upload's temporary, and another machine's of today, stay."""
    from calaimfiles.writing.output import temporary_name

    folder = remote.root / "inbound"
    here = temporary_name("x.xlsx").split(".calaimfiles-", 1)[1].split("-", 1)[0]  # this machine, as named
    names = {
        "dead": f".x.xlsx.calaimfiles-{here}-{_dead_pid()}-0a1b2c3d.part",
        "old": ".y.xlsx.calaimfiles-elsewhere-123-0a1b2c3d.part",
        "running": f".z.xlsx.calaimfiles-{here}-{os.getpid()}-0a1b2c3d.part",
        "fresh": ".w.xlsx.calaimfiles-elsewhere-456-0a1b2c3d.part",
        "theirs": ".v.xlsx.part",  # not ours: never touched
    }
    for name in names.values():
        (folder / name).write_bytes(b"part of a file")
    two_days_ago = time.time() - 2 * 86400
    os.utime(folder / names["old"], (two_days_ago, two_days_ago))
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME)
    assert code == 0, err
    assert inbound(remote) == sorted([names["running"], names["fresh"], names["theirs"], "rtf_clean.xlsx"])


def _on_a_terminal(folder: Path, args: list[str], answer: str) -> tuple[int, str]:
    """Run calaimfiles with a pseudo-terminal as its controlling terminal, answer its first question, and return
    the exit code and everything the terminal showed."""
    import pty

    pid, terminal = pty.fork()
    if pid == 0:  # the child: becomes calaimfiles
        os.chdir(folder)
        os.execv(sys.executable, [sys.executable, "-m", "calaimfiles", *args])
    shown = b""
    answered = False
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
        if not answered and b": " in shown:
            os.write(terminal, answer.encode() + b"\n")
            answered = True
    os.close(terminal)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_a_locked_key_has_its_passphrase_asked_for_on_a_terminal(workdir: Path, remote: SshServer,
                                                                 monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """paramiko's PKey.from_path raises TypeError for a locked key: the question must be asked all the same."""
    locked = workdir / f"locked_{kind}"
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "open sesame", "-f", str(locked)], check=True)
    authorized = remote.folder / "authorized_keys"
    original = authorized.read_text()
    authorized.write_text(original + Path(f"{locked}.pub").read_text())
    monkeypatch.delenv("CALAIMFILES_KEY_PASSPHRASE", raising=False)
    try:
        write_config(workdir, remote, key_file=str(locked))
        code, shown = _on_a_terminal(workdir, ["upload", str(EXAMPLES / "rtf_clean.xlsx"), "--profile", "plan",
                                               "--as-of", ON_TIME, "--quiet"], "open sesame")
    finally:
        authorized.write_text(original)
    assert f"Passphrase for {locked}:" in shown
    assert code == 0, shown
    assert "Traceback" not in shown and "open sesame" not in shown  # not echoed
    assert inbound(remote) == ["rtf_clean.xlsx"]


def test_a_wrong_key_passphrase_is_final_and_one_line(workdir: Path, remote: SshServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    locked = workdir / "locked_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "open sesame", "-f", str(locked)], check=True)
    write_config(workdir, remote, key_file=str(locked), retries=3)
    monkeypatch.setenv("CALAIMFILES_KEY_PASSPHRASE", "open sesame!")
    code, _, err = run("upload", EXAMPLES / "rtf_clean.xlsx", "--profile", "plan", "--as-of", ON_TIME)
    assert code == 2
    assert "passphrase" in one_line(err) and "is wrong" in err  # not retried as a network failure
    assert "open sesame" not in err
    assert [entry["result"] for entry in log_lines(workdir)] == ["failed"]


def test_a_fifo_is_refused_by_upload_in_one_line(workdir: Path, remote: SshServer) -> None:
    fifo = workdir / "rtf.xlsx"
    os.mkfifo(fifo)
    code, _, err = run("upload", fifo, "--profile", "plan", "--as-of", ON_TIME)
    assert code == 2 and "is a named pipe (FIFO), not a file" in one_line(err), err
    assert inbound(remote) == []
