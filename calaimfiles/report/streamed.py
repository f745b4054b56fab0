"""Outputs written as they are made, so that a file with a million findings costs the findings, not also a
second copy of them as one document in memory (a hostile file can be built to do just that).

`json_chunks` writes what `json.dumps(value, indent=2, ensure_ascii=False)` would, piece by piece: a `Lazy`
list is drawn from its iterable only as the output reaches it, one item at a time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any


class Lazy:
    """A JSON array whose items are made one at a time, as the output reaches them."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


def _holds_lazy(value: Any) -> bool:
    if isinstance(value, Lazy):
        return True
    if isinstance(value, dict):
        return any(_holds_lazy(item) for item in value.values())
    return isinstance(value, list | tuple) and any(_holds_lazy(item) for item in value)


def json_chunks(value: Any, level: int = 0) -> Iterator[str]:
    """The text of `value` as JSON with an indent of 2, in pieces: the containers that hold a `Lazy` piece by
    piece, each item of a `Lazy` (and everything else) whole."""
    inner, outer = "\n" + "  " * (level + 1), "\n" + "  " * level
    if isinstance(value, Lazy):
        items: Iterable[Iterable[str]] = ((_whole(item, level + 1),) for item in value.items)
    elif isinstance(value, dict) and _holds_lazy(value):
        for position, (key, item) in enumerate(value.items()):
            yield ("," if position else "{") + inner + json.dumps(key, ensure_ascii=False) + ": "
            yield from json_chunks(item, level + 1)
        yield outer + "}"
        return
    elif isinstance(value, list | tuple) and _holds_lazy(value):
        items = (json_chunks(item, level + 1) for item in value)
    else:
        yield _whole(value, level)
        return
    empty = True
    for pieces in items:
        yield ("[" if empty else ",") + inner
        empty = False
        yield from pieces
    yield "[]" if empty else outer + "]"


def _whole(value: Any, level: int) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * level)


def write_chunks(chunks: Iterable[str], write: Callable[[str], object], size: int = 1 << 16) -> None:
    """Hand `chunks` to `write` in pieces of about `size` characters (one call per tiny piece would cost more
    than the writing)."""
    pending: list[str] = []
    count = 0
    for chunk in chunks:
        pending.append(chunk)
        count += len(chunk)
        if count >= size:
            write("".join(pending))
            pending, count = [], 0
    if pending:
        write("".join(pending))
