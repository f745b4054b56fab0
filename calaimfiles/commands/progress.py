"""The progress bar of long runs: for a person watching a terminal, and for nobody else.

It draws on stderr, so it never mixes with a report or machine output on stdout, and it stays silent with
`--quiet`, in CI (the CI variable is set) and whenever stdout or stderr is redirected: logs and pipes get
no control codes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)


def watching_console(quiet: bool, console: Console | None = None) -> Console | None:
    """The console to draw a bar on, or None when nobody watches: --quiet, CI, or output redirected."""
    if console is None and sys.stdout.isatty():
        console = Console(stderr=True)
    watched = not quiet and "CI" not in os.environ and console is not None and console.is_terminal
    return console if watched else None


class FileProgress:
    """Iterate over the files of a run while a bar shows how many are done and which one is being checked.

    `console` is the terminal to draw on; by default stderr, used only when stdout is a terminal too.
    """

    def __init__(self, files: Sequence[Path], *, quiet: bool = False, console: Console | None = None) -> None:
        self.files = files
        self._console = watching_console(quiet, console)
        self._bar: Progress | None = None

    def __iter__(self) -> Iterator[Path]:
        if self._console is None:
            yield from self.files
            return
        columns = (TextColumn("checking"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TextColumn("{task.description}", markup=False))  # file names may hold [brackets]
        self._bar = Progress(*columns, console=self._console, transient=True)
        try:
            with self._bar:
                task = self._bar.add_task("", total=len(self.files))
                for path in self.files:
                    self._bar.update(task, description=path.name, refresh=True)
                    yield path
                    self._bar.advance(task)
        finally:
            self._bar = None

    def say(self, line: str) -> None:
        """One line on stderr; above the bar while it shows, where a plain write would run into the bar."""
        if self._bar is None:
            typer.echo(line, err=True)
        else:
            self._bar.console.print(line, markup=False, highlight=False, soft_wrap=True)


class TransferProgress:
    """A bar of bytes for each file sent or fetched, with its speed; silent when nobody watches."""

    def __init__(self, verb: str, *, quiet: bool = False, console: Console | None = None) -> None:
        self._verb = verb
        self._console = watching_console(quiet, console)
        self._bar: Progress | None = None

    def __enter__(self) -> TransferProgress:
        if self._console is not None:
            columns = (TextColumn(self._verb), TextColumn("{task.description}", markup=False), BarColumn(),
                       DownloadColumn(), TransferSpeedColumn())
            self._bar = Progress(*columns, console=self._console, transient=True)
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def file(self, name: str, size: int) -> Callable[[int, int], None] | None:
        """A callback for paramiko's put/get that moves a new bar for `name`; None when nobody watches."""
        bar = self._bar
        if bar is None:
            return None
        for task in bar.task_ids:
            bar.remove_task(task)
        task = bar.add_task(name, total=size)
        return lambda done, total: bar.update(task, completed=done, total=total or size, refresh=True)

    def say(self, line: str, *, err: bool = False) -> None:
        """One line, above the bar while it shows."""
        if self._bar is None:
            typer.echo(line, err=err)
        else:
            self._bar.console.print(line, markup=False, highlight=False, soft_wrap=True)
