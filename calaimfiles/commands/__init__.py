"""The command line: thin typer commands over the library, one module per verb."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from calaimfiles.commands import (
    build,
    calendar,
    common,
    config,
    convert,
    diff,
    download,
    fix,
    rules,
    schemas,
    serve,
    sftp,
    upload,
    validate,
)

app = typer.Typer(
    name="calaimfiles",
    help="Check, fix and exchange CalAIM ECM and Community Supports data files (MIF, RTF, OTF, CSASF, CSPRTF).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# In the order of a month's work: check, repair, draft, hand over, compare, exchange, plan; then the references.
app.command(name="validate")(validate.validate_command)
app.command(name="fix")(fix.fix_command)
app.add_typer(build.build_app, name="build")
app.command(name="convert")(convert.convert_command)
app.command(name="diff")(diff.diff_command)
app.command(name="upload")(upload.upload_command)
app.command(name="download")(download.download_command)
app.add_typer(sftp.sftp_app, name="sftp")
app.command(name="calendar")(calendar.calendar_command)
app.command(name="serve")(serve.serve_command)
app.command(name="rules")(rules.rules_command)
app.add_typer(schemas.schemas_app, name="schemas")
app.add_typer(config.config_app, name="config")


@app.callback()
def options(
    config_file: Annotated[Path | None, typer.Option(
        "--config", metavar="FILE", help="The configuration file (default: ./calaimfiles.toml, "
        "\\[tool.calaimfiles] in ./pyproject.toml, then ~/.config/calaimfiles/calaimfiles.toml).",
        readable=False)] = None,
) -> None:
    """Check, fix and exchange CalAIM ECM and Community Supports data files (MIF, RTF, OTF, CSASF, CSPRTF)."""
    common.use_config(config_file)

def main() -> None:
    common.run(app)
