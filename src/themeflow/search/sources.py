"""Which stored outlet names a source filter means: ``东方财富`` finds 东方财富网, ``上证报`` finds 上海证券报.

Backend-free: a backend lists its distinct outlet names and keeps those :func:`source_matches` accepts.
"""

from __future__ import annotations

from collections.abc import Sequence

from themeflow.text.outlets import canonical_outlet, is_unknown_outlet
from themeflow.text.segment import fold

__all__ = ["normalize_source", "source_keys", "source_matches", "wanted_sources", "wants_unknown"]

_SOURCE_SUFFIXES = ("官网", "客户端", "app", "网")


def normalize_source(name: str) -> str:
    """Outlet name for matching: folded, no spaces, without a trailing 网 / APP / 客户端 (东方财富网 = 东方财富)."""
    out = "".join(fold(name).split())
    for suffix in _SOURCE_SUFFIXES:
        if len(out) > len(suffix) and out.endswith(suffix):
            out = out[: -len(suffix)]
            break
    return out


def wanted_sources(*filters: Sequence[str]) -> list[str]:
    """The outlets asked for by the request's flags and the query's ``source:`` clauses, once each."""
    return list(dict.fromkeys(w for names in filters for w in names))


def source_keys(wanted: Sequence[str]) -> list[str]:
    """Normalized names a source filter asks for: as typed and, when the outlet table knows the spelling,
    its canonical outlet (上证报 also means 上海证券报). ``(unknown)`` asks for no name (see ``wants_unknown``)."""
    keys: list[str] = []
    for w in wanted:
        if w.strip() and not is_unknown_outlet(w):
            keys += [normalize_source(w)] + [normalize_source(c) for c in (canonical_outlet(w),) if c]
    return list(dict.fromkeys(k for k in keys if k))


def wants_unknown(wanted: Sequence[str]) -> bool:
    """True when the filter asks for documents without an outlet (the ``(unknown)`` facet chip)."""
    return any(is_unknown_outlet(w) for w in wanted)


def source_matches(name: str, keys: Sequence[str]) -> bool:
    """A stored outlet name matches by its own spelling or its canonical one (a store written before the
    outlet table, opened read-only, still holds old spellings)."""
    forms = {normalize_source(name)} | {normalize_source(c) for c in (canonical_outlet(name),) if c}
    return any(f.startswith(k) for f in forms for k in keys)
