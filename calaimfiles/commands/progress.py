"""The progress bar of long runs: for a person watching a terminal, and for nobody else.

It draws on stderr, so it never mixes with a report or machine output on stdout, and it stays silent with
`--quiet`, in CI (the CI variable is set) and whenever stdout or stderr is redirected: logs and pipes get
no control codes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class FileProgress:
    """Iterate over the files of a run while a bar shows how many are done and which one is being checked.

    `console` is the terminal to draw on; by default stderr, used only when stdout is a terminal too.
    """

    def __init__(self, files: Sequence[Path], *, quiet: bool = False, console: Console | None = None) -> None:
        if console is None and sys.stdout.isatty():
            console = Console(stderr=True)
        watched = not quiet and "CI" not in os.environ and console is not None and console.is_terminal
        self.files = files
        self._console = console if watched else None
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
