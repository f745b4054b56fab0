"""`calaimfiles upload`: hand return files to the plan, checked, inside their window, never half-written."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from calaimfiles.commands.common import AsOf, as_of_day, fail, parse_month, resolve_plan
from calaimfiles.commands.progress import TransferProgress
from calaimfiles.commands.sftp import AskPassword, ProfileName, open_profile, secrets_for, transport_errors
from calaimfiles.paths import input_problem, shown


def upload_command(
    files: Annotated[list[Path], typer.Argument(help="The return files to send (RTF, OTF, CSPRTF).",
                                                 show_default=False)],
    profile_name: ProfileName,
    force: Annotated[bool, typer.Option(
        "--force", help="Send a file even with errors or outside its submission window (and say so).")] = False,
    replace: Annotated[bool, typer.Option(
        "--replace", help="Overwrite a file of the same name already on the server.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Check and connect, say what would be sent where, send nothing.")] = False,
    as_of: AsOf = None,
    period: Annotated[str | None, typer.Option(
        metavar="YYYY-MM", help="The reporting month of an OTF (it has no period column), for its window.")] = None,
    ask_password: AskPassword = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Validate each file, then upload it to the profile's inbound folder.

    A file with errors, or outside its submission window (an RTF after the 10th, say), is refused unless
    --force. The upload goes to a temporary name, its size is checked on the server, then it is renamed, so
    the plan never picks up half a file; dropped connections are retried. Every upload is added to the
    profile's upload log (file, sha256, size, remote path, time, result).

    Exit code: 0 all sent (or would be, with --dry-run), 1 a file was refused, 2 the upload failed.
    """
    from calaimfiles.transport.session import Link
    from calaimfiles.transport.upload import Status, UploadJob
    from calaimfiles.validate import ValidationRequest

    profile = open_profile(profile_name)
    request = ValidationRequest(as_of=as_of_day(as_of), period=parse_month(period), plan=resolve_plan(profile.plan))
    for path in files:
        if (problem := input_problem(path)) is not None:
            fail(f"{shown(path)}: {problem}")
    secrets = secrets_for(profile, ask_password)
    refused = failed_checks = False
    with TransferProgress("sending", quiet=quiet) as progress, Link(
            profile, secrets, on_retry=lambda error, pause: progress.say(
                f"calaimfiles: {error}; trying again in {pause:g} s", err=True)) as link:
        job = UploadJob(profile, link, request, force=force, replace=replace, dry_run=dry_run,
                        progress=lambda path: progress.file(path.name, path.stat().st_size))
        for path in files:
            with transport_errors(str(path)):
                outcome = job.run(path)
            for reason in outcome.overridden:
                progress.say(f"{path}: sending despite {reason} (--force)", err=True)
            for note in outcome.notes:
                progress.say(f"{path}: note: {note}", err=True)
            if outcome.status in (Status.REFUSED, Status.WOULD_REFUSE):
                refused = True
                failed_checks |= outcome.failed_checks
                for reason in outcome.reasons:
                    progress.say(f"{outcome.status.value} {path}: {reason}")
            elif outcome.status is Status.WOULD_UPLOAD:
                verb = "replace" if outcome.replaced else "create"
                progress.say(f"would upload {path} ({path.stat().st_size:,} bytes) and {verb} {outcome.target}")
            else:
                progress.say(f"uploaded {path} to {outcome.target}")
    if failed_checks:
        typer.echo("calaimfiles validate FILE shows every problem; --force sends a refused file anyway", err=True)
    raise typer.Exit(1 if refused else 0)
