"""Binding many ids to one SQLite statement: chunks of a safe size and their ``?`` marks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

__all__ = ["MAX_PARAMS", "chunks", "marks"]

T = TypeVar("T")

MAX_PARAMS = 500
"""Ids bound per ``IN (…)`` list: well under SQLite's host-parameter limit (999 in older builds), with room
for the statement's other parameters."""


def chunks(items: Sequence[T], size: int = MAX_PARAMS) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(n: int) -> str:
    """``?,?,…`` for ``n`` parameters."""
    return ",".join("?" * n)
