"""`calaimfiles sftp trust`, and what the sFTP commands share: the profile option, secrets, one-line errors.

A password or key passphrase comes from the environment or a prompt only: never an argument (it would sit in
the shell history and the process list), never the configuration file.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from calaimfiles.commands.common import current_config, fail
from calaimfiles.config import ConfigError
from calaimfiles.transport.profile import PASSPHRASE_VARIABLE, PASSWORD_VARIABLE, SftpProfile, load_profile

if TYPE_CHECKING:  # paramiko loads only when a command talks to a server
    from calaimfiles.transport.session import Secrets

ProfileName = Annotated[str, typer.Option(
    "--profile", "-p", metavar="NAME", show_default=False,
    help="The sFTP profile: \\[profiles.NAME] in the configuration file (see: calaimfiles config show).")]
AskPassword = Annotated[bool, typer.Option(
    "--ask-password", help=f"Ask for the login password (or set {PASSWORD_VARIABLE}); it is never an argument.")]

sftp_app = typer.Typer(help="The plan's sFTP server: trust its host key.", no_args_is_help=True)


def on_terminal() -> bool:
    """Whether a person can answer a question (a prompt or a confirmation) on stdin."""
    return sys.stdin.isatty()


def open_profile(name: str) -> SftpProfile:
    try:
        return load_profile(current_config(), name)
    except ConfigError as error:
        fail(str(error))


@contextlib.contextmanager
def transport_errors(subject: str | None = None) -> Iterator[None]:
    """Any failure to reach, trust, log in to or write on the server ends in one line and exit code 2. The
    messages name the server (and the remote path) themselves; `subject` says which file was at stake."""
    from calaimfiles.transport.session import TransportError

    try:
        yield
    except TransportError as error:
        fail(f"{subject}: {error}" if subject else str(error))


def secrets_for(profile: SftpProfile, ask_password: bool) -> Secrets:
    """The password and key passphrase of this run: from the environment, else asked for on the terminal."""
    from calaimfiles.transport.session import Secrets, needs_passphrase

    password = os.environ.get(PASSWORD_VARIABLE) or None
    if password is None and ask_password:
        if not on_terminal():
            fail(f"--ask-password needs a terminal; in a script set {PASSWORD_VARIABLE} instead")
        password = getpass.getpass(f"Password for {profile.user}@{profile.address}: ")
    passphrase = os.environ.get(PASSPHRASE_VARIABLE) or None
    if passphrase is None and profile.key_file is not None and on_terminal() and needs_passphrase(profile.key_file):
        passphrase = getpass.getpass(f"Passphrase for {profile.key_file}: ")
    return Secrets(password=password, passphrase=passphrase)


@sftp_app.command("trust")
def trust_command(
    profile_name: ProfileName,
    expected: Annotated[str | None, typer.Option(
        "--fingerprint", metavar="SHA256:...",
        help="Record the key without asking if it has this fingerprint (as the plan gave it to you).")] = None,
) -> None:
    """Show the server's host key fingerprint and record it in known_hosts once you confirm it.

    Compare the fingerprint with the one the plan gave you (by phone or a letter, not by the same sFTP
    server) before you say yes: from then on, calaimfiles refuses any server that does not show this key.
    """
    from calaimfiles.transport.hostkeys import describe, fingerprint, known_keys, record
    from calaimfiles.transport.session import offered_key

    profile = open_profile(profile_name)
    with transport_errors():
        key = offered_key(profile)
    known = known_keys(profile.known_hosts, profile.address)
    if any(k.asbytes() == key.asbytes() for k in known):
        typer.echo(f"{profile.address} is already trusted ({describe(key)}) in {profile.known_hosts}")
        return
    typer.echo(f"{profile.address} offers the host key {describe(key)}")
    if known:
        typer.echo(f"WARNING: {profile.known_hosts} has another key for {profile.address}: "
                   f"{', '.join(describe(k) for k in known)}. Trusting replaces it; do so only if the plan told "
                   "you its key changed.")
    if expected is not None:
        if expected.strip() != fingerprint(key):
            fail(f"{profile.address} shows {fingerprint(key)}, not {expected.strip()}: not recorded")
    elif not on_terminal():
        fail("not recorded: confirm in a terminal, or pass --fingerprint with the fingerprint the plan gave you")
    elif not typer.confirm(f"Record it in {profile.known_hosts}?", default=False):
        typer.echo("not recorded")
        raise typer.Exit(1)
    replaced = record(profile.known_hosts, profile.address, key)
    typer.echo(f"recorded {describe(key)} for {profile.address} in {profile.known_hosts}"
               + (" (the old key is removed)" if replaced else ""))
