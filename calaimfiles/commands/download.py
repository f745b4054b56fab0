"""`calaimfiles download`: fetch the plan's new files (MIF, CSASF) and check each one on arrival."""

from __future__ import annotations

import contextlib
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from calaimfiles.commands.common import AsOf, as_of_day, failure_reason, one_line_errors, resolve_plan
from calaimfiles.commands.progress import TransferProgress
from calaimfiles.commands.sftp import AskPassword, ProfileName, open_profile, secrets_for, transport_errors

if TYPE_CHECKING:
    from calaimfiles.transport.download import DownloadState
    from calaimfiles.transport.session import Link
    from calaimfiles.validate import ValidationRequest

CHECKED_ON_ARRIVAL = ("MIF", "CSASF")


def download_command(
    profile_name: ProfileName,
    to: Annotated[Path | None, typer.Option(
        "--to", metavar="FOLDER", help="Where the files go (default: the profile's local_dir).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List the new files, fetch nothing.")] = False,
    as_of: AsOf = None,
    ask_password: AskPassword = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Fetch the files that are new in the profile's outbound folder, then validate each MIF and CSASF.

    Files fetched before are remembered in the local folder (.calaimfiles-downloads.json), so a daily job gets
    only new ones; a file the plan sends again with new content is fetched again. A local file is never
    overwritten: if one of the same name has other content, the new file is saved as NAME (2).xlsx.

    Exit code: 0 fetched (or nothing new), 1 a fetched MIF or CSASF has errors, 2 the download failed.
    """
    from calaimfiles.transport.download import download_folder
    from calaimfiles.transport.session import Link
    from calaimfiles.validate import ValidationRequest

    profile = open_profile(profile_name)
    request = ValidationRequest(as_of=as_of_day(as_of), plan=resolve_plan(profile.plan))
    folder = to or profile.local_dir
    with contextlib.ExitStack() as held:
        with one_line_errors(folder):
            state = held.enter_context(download_folder(folder, dry_run=dry_run))
        with TransferProgress("fetching", quiet=quiet) as progress, Link(
                profile, secrets_for(profile, ask_password), on_retry=lambda error, pause: progress.say(
                    f"calaimfiles: {error}; trying again in {pause:g} s", err=True)) as link:
            errors = _fetch_new(link, state, folder, request, progress, dry_run)
    raise typer.Exit(1 if errors else 0)


def _fetch_new(link: Link, state: DownloadState, folder: Path, request: ValidationRequest,
               progress: TransferProgress, dry_run: bool) -> bool:
    """Fetch (or, dry, list) what the folder has not had yet; True when a fetched MIF or CSASF has errors."""
    from calaimfiles.transport.download import fetch, outbound_files

    profile = link.profile
    with transport_errors():
        new = [remote for remote in link.run(lambda sftp: outbound_files(sftp, profile), profile.outbound)
               if state.is_new(remote)]
    if not new:
        progress.say(f"nothing new in {profile.address}:{profile.outbound}")
    errors = False
    for remote in new:
        if dry_run:
            progress.say(f"would fetch {remote.name} ({remote.size:,} bytes) into {folder}")
            continue
        with transport_errors(remote.name):
            fetched = link.run(partial(fetch, remote=remote, folder=folder,
                                       progress=progress.file(remote.name, remote.size)), remote.path)
        state.remember(fetched)
        if fetched.duplicate:
            progress.say(f"{remote.name}: already in {folder} with the same content")
            continue
        renamed = f" (your {remote.name} differs and was kept)" if fetched.local.name != remote.name else ""
        progress.say(f"fetched {remote.name} -> {fetched.local}{renamed}")
        errors |= _check_arrival(fetched.local, request, progress)
    return errors


def _check_arrival(path: Path, request: ValidationRequest, progress: TransferProgress) -> bool:
    """Validate a plan's file as it lands; True when it has errors. Other files are only named."""
    from calaimfiles.findings import Severity
    from calaimfiles.validate import validate_file

    try:
        results = validate_file(path, request)
    except Exception as error:
        progress.say(f"  not checked: {failure_reason(error)}")
        return False
    errors = False
    for result in results:
        if result.layout not in CHECKED_ON_ARRIVAL:
            progress.say(f"  {result.layout}, sheet {result.sheet!r}: not checked on arrival")
            continue
        found = result.count(Severity.ERROR), result.count(Severity.WARNING)
        summary = f"{found[0]} errors, {found[1]} warnings" if any(found) else "no problems"
        hint = f" (calaimfiles validate {path} shows them)" if any(found) else ""
        progress.say(f"  {result.layout}, sheet {result.sheet!r}, {result.rows} rows: {summary}{hint}")
        errors |= found[0] > 0
    return errors
