"""Word lists kept as data: versioned TOML files under ``themeflow/data``, each read once.

Why data files: the lexicons that drive figure extraction and summaries (entity aliases, stop lists,
verbs of saying, common characters) change far more often than the code that reads them, and a reviewer
should be able to add a word without reading any code. Each file carries a ``version`` so a change to
the words is visible in review and can be logged next to the results it produced.

Only vocabulary lives in the files. Regular-expression grammar around the words (``首席…官``, anchors,
look-arounds) stays in the module that uses it, which composes its pattern from these lists.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from themeflow.errors import ConfigError

__all__ = ["word_file", "word_list", "word_pairs", "word_table", "word_text"]


@cache
def word_file(name: str) -> dict[str, Any]:
    """The parsed data file ``name`` (for example ``entities.toml``); it must have a ``version``."""
    try:
        text = resources.files("themeflow.data").joinpath(name).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"word list {name}: cannot read it: {exc}") from exc
    if "version" not in data:
        raise ConfigError(f"word list {name}: no version field")
    return data


def _value(name: str, key: str) -> Any:
    data = word_file(name)
    if key not in data:
        raise ConfigError(f"word list {name}: no entry {key!r}")
    return data[key]


def word_list(name: str, key: str) -> tuple[str, ...]:
    """The list ``key`` of file ``name``, in file order (order matters where a list is tried in turn)."""
    value = _value(name, key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"word list {name}: {key} must be a list of strings")
    return tuple(value)


def word_text(name: str, key: str) -> str:
    """The string ``key`` of file ``name`` (a run of characters, such as a character set)."""
    value = _value(name, key)
    if not isinstance(value, str):
        raise ConfigError(f"word list {name}: {key} must be a string")
    return value


def word_pairs(name: str, key: str) -> tuple[tuple[str, str], ...]:
    """The list of two-word lists ``key`` of file ``name`` (such as surface → canonical pairs)."""
    value = _value(name, key)
    if not isinstance(value, list) or not all(
        isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v) for v in value
    ):
        raise ConfigError(f"word list {name}: {key} must be a list of [word, word] pairs")
    return tuple((a, b) for a, b in value)


def word_table(name: str, key: str) -> dict[str, Any]:
    """The table ``key`` of file ``name``, in file order."""
    value = _value(name, key)
    if not isinstance(value, dict):
        raise ConfigError(f"word list {name}: {key} must be a table")
    return dict(value)
