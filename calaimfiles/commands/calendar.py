"""`calaimfiles calendar`: the coming deadlines of the plan's files and the provider's return files, counted
from the same window data `validate` judges files by."""

from __future__ import annotations

from typing import Annotated

import typer

from calaimfiles.commands.common import Plan, as_of_day

Start = Annotated[str | None, typer.Option(
    "--as-of", metavar="YYYY-MM-DD", help="Count from this day (default: today in California).")]


def calendar_command(
    as_of: Start = None,
    months: Annotated[int, typer.Option(min=1, max=24, help="How many months ahead to list.")] = 2,
    plan: Plan = None,
) -> None:
    """List the deadlines from today to the same day MONTHS later, with the days left: return files due and last
    accepted, the plan's sending days (MIF, CSASF), the quarterly staffing and capacity report."""
    from calaimfiles.rules.windows import add_months, month_day, upcoming_deadlines  # the rules bring pandas

    today = as_of_day(as_of)
    ahead = add_months(today, months)
    end = month_day(ahead.year, ahead.month, today.day)
    typer.echo(f"Deadlines from {today:%a %m/%d/%Y} to {end:%a %m/%d/%Y} (California dates)")
    typer.echo(f"{'Date':<14}  {'Days left':>9}  Deadline")
    for deadline in upcoming_deadlines(today, end, plan):
        days = (deadline.day - today).days
        typer.echo(f"{deadline.day:%a %m/%d/%Y}  {'today' if days == 0 else days:>9}  {deadline.what}")
