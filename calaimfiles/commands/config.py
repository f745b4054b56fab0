"""`calaimfiles config`: what the configuration in force says, without its secrets."""

from __future__ import annotations

import json

import typer

from calaimfiles.commands.common import current_config

config_app = typer.Typer(help="The configuration file in force (calaimfiles.toml).", no_args_is_help=True)


@config_app.command("show")
def show_command() -> None:
    """Print the effective configuration and where it comes from; passwords and other secrets are masked."""
    config = current_config()
    typer.echo(f"configuration file: {config.source or 'none (defaults)'}")
    typer.echo(json.dumps(config.shown(), indent=2, ensure_ascii=False, default=str))
