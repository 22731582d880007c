"""The curated finance lexicon (``data/finance_lexicon.toml``): concepts, their other names, narrower terms.

Read once and checked: a lexicon mistake (a form listed under two concepts, a one-character form) would
silently change what every theme finds, so it is a :class:`~themeflow.errors.ConfigError` at load time.
Lookups are on folded text (``text.segment.fold``: width, case, traditional script), the same folding the
index applies, so 資本開支 and CAPEX find their entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from themeflow.errors import ConfigError
from themeflow.text.segment import fold
from themeflow.text.wordlists import word_file, word_list

__all__ = ["LEXICON_FILE", "Lexicon", "LexiconEntry", "finance_lexicon"]

LEXICON_FILE = "finance_lexicon.toml"


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    """One concept: the name analysts use, other names for the same thing, and narrower terms that imply it."""

    name: str
    same: tuple[str, ...] = ()
    narrower: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """The forms that, typed, expand to this concept (the name and its other names, not narrower terms)."""
        return (self.name, *self.same)


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Concepts by every key form (folded), and the modifier words that never carry a concept alone."""

    version: int
    entries: tuple[LexiconEntry, ...]
    by_key: dict[str, LexiconEntry]
    modifiers: frozenset[str]
    max_key: int

    def lookup(self, text: str) -> LexiconEntry | None:
        """The concept ``text`` names (any key form, any script or case), or None."""
        return self.by_key.get(fold(text).strip())

    def is_modifier(self, text: str) -> bool:
        return fold(text).strip() in self.modifiers

    def longest_key_at(self, folded: str, start: int, shorter_than: int | None = None) -> int:
        """Length of the longest key or modifier starting at ``folded[start]`` (0: none), for splitting a
        typed compound such as 美联储降息 into 美联储 · 降息; ``shorter_than`` keeps a key that is the
        whole compound (AI资本开支) from swallowing its own parts."""
        best = 0
        limit = min(self.max_key, len(folded) - start, (shorter_than or 10**9) - 1)
        for size in range(limit, 1, -1):
            piece = folded[start : start + size]
            if piece in self.by_key or piece in self.modifiers:
                best = size
                break
        return best


def _forms(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{LEXICON_FILE}: {where}: {key} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _check_form(form: str, where: str) -> None:
    folded = fold(form)
    if len(folded) < 2:
        raise ConfigError(f"{LEXICON_FILE}: {where}: {form!r} is shorter than two characters")


@cache
def finance_lexicon() -> Lexicon:
    """The bundled lexicon, validated: every key form belongs to exactly one concept."""
    data = word_file(LEXICON_FILE)
    raw = data.get("concept")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{LEXICON_FILE}: no [[concept]] entries")
    entries: list[LexiconEntry] = []
    by_key: dict[str, LexiconEntry] = {}
    for k, item in enumerate(raw, 1):
        where = f"concept #{k}"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise ConfigError(f"{LEXICON_FILE}: {where} needs a name")
        unknown = set(item) - {"name", "same", "narrower"}
        if unknown:
            raise ConfigError(f"{LEXICON_FILE}: {where}: unknown field {sorted(unknown)[0]!r}")
        entry = LexiconEntry(
            item["name"].strip(), _forms(item, "same", where), _forms(item, "narrower", where)
        )
        for form in (*entry.keys, *entry.narrower):
            _check_form(form, f"{where} ({entry.name})")
        for form in entry.keys:
            key = fold(form)
            if key in by_key:
                raise ConfigError(
                    f"{LEXICON_FILE}: {form!r} is listed under both {by_key[key].name!r} and {entry.name!r}"
                )
            by_key[key] = entry
        entries.append(entry)
    modifiers = frozenset(fold(m) for m in word_list(LEXICON_FILE, "modifiers"))
    version = data["version"]
    if not isinstance(version, int):
        raise ConfigError(f"{LEXICON_FILE}: version must be an integer")
    longest = max(len(k) for k in (*by_key, *modifiers))
    return Lexicon(version, tuple(entries), by_key, modifiers, longest)
