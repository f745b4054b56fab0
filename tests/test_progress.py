"""The progress bar shows only to a person at a terminal: on stderr, never in pipes, CI logs or with --quiet."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from builders import column_names, rtf_cells, save_book
from rich.console import Console
from typer.testing import CliRunner

from calaimfiles.commands import app
from calaimfiles.commands.progress import FileProgress, TransferProgress

AS_OF = "2026-03-10"
FILES = [Path("march/rtf_a.xlsx"), Path("march/rtf_[b].xlsx")]


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as sys.stdout and sys.stderr do in a shell."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def interactive_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests decide about CI and the terminal themselves, whatever the machine running them says."""
    for name in ("CI", "FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")


def terminal_console() -> tuple[Console, io.StringIO]:
    screen = io.StringIO()
    return Console(file=screen, force_terminal=True, width=100), screen


def test_bar_renders_on_a_terminal() -> None:
    console, screen = terminal_console()
    assert list(FileProgress(FILES, console=console)) == FILES
    drawn = screen.getvalue()
    assert "2/2" in drawn
    assert "rtf_[b].xlsx" in drawn  # the current file, its brackets not taken for markup
    assert drawn.rindex("\x1b[2K") > drawn.rindex("2/2")  # transient: the bar is erased at the end


def test_bar_names_the_file_being_checked_and_keeps_lines_said_above_it() -> None:
    console, screen = terminal_console()
    progress = FileProgress(FILES, console=console)
    for path in progress:
        if path == FILES[0]:
            progress.say("calaimfiles: march/rtf_a.xlsx: not an Excel workbook")
            drawn = screen.getvalue()
    assert any("0/2" in line and "rtf_a.xlsx" in line for line in re.split(r"[\r\n]", drawn))
    assert "calaimfiles: march/rtf_a.xlsx: not an Excel workbook\n" in screen.getvalue()


def test_quiet_and_ci_suppress_the_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    console, screen = terminal_console()
    assert list(FileProgress(FILES, console=console, quiet=True)) == FILES
    monkeypatch.setenv("CI", "1")
    assert list(FileProgress(FILES, console=console)) == FILES
    assert screen.getvalue() == ""


def test_no_bar_on_a_console_that_is_not_a_terminal() -> None:
    screen = io.StringIO()
    assert list(FileProgress(FILES, console=Console(file=screen, width=100))) == FILES
    assert screen.getvalue() == ""


@pytest.mark.parametrize(("stdout", "stderr", "shown"), [
    (Terminal(), Terminal(), True),
    (io.StringIO(), Terminal(), False),  # the report or machine output is piped or saved
    (Terminal(), io.StringIO(), False),  # stderr goes to a log
])
def test_default_console_needs_both_streams_on_a_terminal(monkeypatch: pytest.MonkeyPatch, stdout: io.StringIO,
                                                          stderr: io.StringIO, shown: bool) -> None:
    monkeypatch.setattr("sys.stdout", stdout)
    monkeypatch.setattr("sys.stderr", stderr)
    assert list(FileProgress(FILES)) == FILES
    assert ("2/2" in stderr.getvalue()) is shown
    assert stdout.getvalue() == ""  # never on stdout


def test_said_lines_go_to_stderr_without_a_bar(capsys: pytest.CaptureFixture[str]) -> None:
    progress = FileProgress(FILES, quiet=True)
    for _ in progress:
        progress.say("calaimfiles: a note")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "calaimfiles: a note\ncalaimfiles: a note\n"


def test_validate_adds_nothing_when_not_on_a_terminal(tmp_path: Path) -> None:
    paths = [save_book(tmp_path / f"rtf{n}.xlsx", {"RTF": [column_names("RTF"), rtf_cells()]}) for n in range(3)]
    runner = CliRunner()
    for output_format in ("text", "json"):
        plain = runner.invoke(app, ["validate", *map(str, paths), "--as-of", AS_OF, "--format", output_format])
        quiet = runner.invoke(app, ["validate", *map(str, paths), "--as-of", AS_OF, "--format", output_format, "-q"])
        assert plain.exit_code == quiet.exit_code == 0
        assert plain.stderr == quiet.stderr == ""
        assert plain.stdout == quiet.stdout
        assert "\x1b[" not in plain.stdout


def test_transfer_bar_follows_the_bytes_of_each_file() -> None:
    console, screen = terminal_console()
    with TransferProgress("sending", console=console) as progress:
        follow = progress.file("rtf_[b].xlsx", 2 << 20)
        assert follow is not None
        follow(1 << 20, 2 << 20)
        progress.say("uploaded rtf_[b].xlsx")
        halfway = screen.getvalue()
        follow(2 << 20, 2 << 20)
    assert "rtf_[b].xlsx" in halfway and "1.0/2.1 MB" in halfway
    assert "uploaded rtf_[b].xlsx\n" in screen.getvalue()


def test_transfer_bar_stays_silent_when_quiet_or_piped(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    console, screen = terminal_console()
    with TransferProgress("sending", console=console, quiet=True) as progress:
        assert progress.file("rtf.xlsx", 100) is None
        progress.say("uploaded rtf.xlsx")
    with TransferProgress("sending", console=Console(file=io.StringIO())) as progress:  # not a terminal
        assert progress.file("rtf.xlsx", 100) is None
    assert screen.getvalue() == ""
    assert capsys.readouterr().out == "uploaded rtf.xlsx\n"
