"""How counts are said to people, the same way in the terminal, the reports and the browser page."""

from __future__ import annotations


def plural(count: int, word: str) -> str:
    """`1 row`, `2 rows`: for the regular English plurals every message here uses."""
    return f"{count} {word}{'' if count == 1 else 's'}"
