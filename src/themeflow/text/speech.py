"""Verbs of saying: the shared list behind every "who said it" rule of summaries and figure facts.

Why one list: attribution rules were written four times over (the figure extractor's speaker and
title-source checks, the summarizer's quote introductions and attribution clauses), each with its own
copy of 表示/称/指出…, and a verb added to one was missed by the others. The words are data
(``data/speech_verbs.toml``): a shared core plus, per use, the extras that use was tuned with. Each
caller keeps its own grammar (colon, adverbs, anchors) and composes its pattern with
:func:`saying_verbs`.
"""

from __future__ import annotations

import re
from functools import cache

from themeflow.errors import ConfigError
from themeflow.text.wordlists import word_file, word_list

__all__ = ["saying_verbs", "verb_list"]

_FILE = "speech_verbs.toml"


@cache
def verb_list(use: str) -> tuple[str, ...]:
    """The core verbs of saying followed by the extras of ``use`` (a key of ``[extras]``), no repeats."""
    extras = word_file(_FILE).get("extras", {})
    if use not in extras:
        raise ConfigError(f"word list {_FILE}: no extras for {use!r}")
    words = (*word_list(_FILE, "core"), *(str(w) for w in extras[use]))
    return tuple(dict.fromkeys(words))


@cache
def saying_verbs(use: str) -> str:
    """A regular-expression group ``(?:…)`` of the verbs of ``use``, longest first (so 分析称 wins over 称)."""
    words = sorted(verb_list(use), key=len, reverse=True)
    return "(?:" + "|".join(re.escape(w) for w in words) + ")"
