"""Theme definitions: read from a TOML file or CLI flags, validated into a :class:`~themeflow.model.Theme`.

A theme file looks like this (top-level keys, or the same keys under a ``[theme]`` table)::

    name = "AI资本开支周期"
    query = "资本开支 AI"
    keywords = ["算力", "数据中心", "capex"]     # synonyms: each is OR-ed with the query
    exclusions = ["招聘"]                          # documents containing these are dropped
    sources = ["华尔街见闻", "钛媒体"]              # only these outlets (empty: all)
    since = "2025-09-01"                           # first run covers documents published since (or "30d")
    schedule = "0 8 * * *"                         # interval (6h, 1d) or cron; omit for on-demand only
    summarizer = "extractive"
    figures = "rules"                              # or "llm": each key figure checked by the LLM

Every mistake is an :class:`~themeflow.errors.InputError` naming the field and how to fix it, because a
theme is typed by hand and a scheduler that silently ignores a typo is worse than one that refuses it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any

from themeflow.errors import InputError
from themeflow.model import Theme
from themeflow.schedule import parse_schedule

__all__ = [
    "FIELDS",
    "SUMMARIZERS",
    "theme_from_mapping",
    "load_theme_file",
    "apply_changes",
    "search_queries",
    "describe_query",
]

FIELDS = ("name", "query", "keywords", "exclusions", "sources", "since", "schedule", "summarizer", "figures")
SUMMARIZERS = ("extractive", "llm")
FIGURE_MODES = ("rules", "llm")
MAX_NAME = 80


def _text(field: str, value: Any, *, where: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{where}: {field} must be a string (got {type(value).__name__})")
    return value.strip()


def _terms(field: str, value: Any, *, where: str) -> tuple[str, ...]:
    """A list of strings, or one comma-separated string (what a CLI flag gives)."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: Sequence[Any] = value.replace("，", ",").split(",")
    elif isinstance(value, list | tuple):
        items = value
    else:
        raise InputError(f'{where}: {field} must be a list of strings, e.g. {field} = ["算力", "数据中心"]')
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise InputError(f"{where}: every entry of {field} must be a string (got {item!r})")
        term = item.strip()
        if field == "exclusions":
            term = term.lstrip("-").strip()
        if '"' in term:
            raise InputError(f"{where}: {field} entry {item!r} contains a double quote; remove it")
        if term and term not in out:
            out.append(term)
    return tuple(out)


def _since(value: Any, *, where: str, now: datetime, tz: tzinfo) -> datetime | None:
    """``2025-09-01``, ``2025-09``, an ISO datetime, or a duration back from now (``30d``), as an aware
    datetime: the same reading as ``--since`` and ``since:`` (:func:`themeflow.dates.parse_bound`)."""
    from themeflow.dates import DateFormatError, parse_bound

    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=tz)
    text = _text("since", value, where=where)
    try:
        return parse_bound(text, end=False, tz=tz, now=now)
    except DateFormatError as exc:
        raise InputError(f"{where}: since {exc}") from None


def theme_from_mapping(
    data: Mapping[str, Any], *, where: str = "theme", now: datetime | None = None, tz: tzinfo
) -> Theme:
    """Validate a mapping (parsed TOML, or CLI flags) into a Theme."""
    unknown = [k for k in data if k not in FIELDS]
    if unknown:
        raise InputError(f"{where}: unknown field {unknown[0]!r}; known fields: {', '.join(FIELDS)}")
    now = now or datetime.now(tz)
    name = _text("name", data.get("name", ""), where=where)
    if not name:
        raise InputError(f'{where}: name is empty; give the theme a name, e.g. name = "AI资本开支周期"')
    if len(name) > MAX_NAME or any(ch in name for ch in "/\\\n\r\t") or name.startswith("-"):
        raise InputError(
            f"{where}: name {name!r} must be at most {MAX_NAME} characters without slashes or line breaks "
            "and must not start with '-'"
        )
    query = _text("query", data.get("query", ""), where=where)
    if not query:
        raise InputError(
            f'{where}: query is empty; give the search query the theme tracks, e.g. query = "资本开支 AI"'
        )
    schedule = data.get("schedule")
    if schedule is not None:
        schedule = _text("schedule", schedule, where=where) or None
        if schedule is not None:
            try:
                parse_schedule(schedule)
            except InputError as exc:
                raise InputError(f"{where}: {exc}") from None
    summarizer = _text("summarizer", data.get("summarizer", "extractive") or "extractive", where=where)
    if summarizer not in SUMMARIZERS:
        raise InputError(f"{where}: unknown summarizer {summarizer!r}; choose {' or '.join(SUMMARIZERS)}")
    figures = _text("figures", data.get("figures", "rules") or "rules", where=where)
    if figures not in FIGURE_MODES:
        raise InputError(f"{where}: unknown figures mode {figures!r}; choose {' or '.join(FIGURE_MODES)}")
    return Theme(
        name=name,
        query=query,
        keywords=_terms("keywords", data.get("keywords"), where=where),
        exclusions=_terms("exclusions", data.get("exclusions"), where=where),
        sources=_terms("sources", data.get("sources"), where=where),
        since=_since(data.get("since"), where=where, now=now, tz=tz),
        schedule=schedule,
        summarizer=summarizer,
        figures=figures,
    )


def load_theme_file(path: str | Path, *, tz: tzinfo, overrides: Mapping[str, Any] | None = None) -> Theme:
    """Read a theme TOML file; ``overrides`` (CLI flags given alongside ``--file``) win over the file."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InputError(f"theme file {p} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read theme file {p}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{p} is not valid TOML: {exc}") from exc
    if set(data) == {"theme"} and isinstance(data["theme"], dict):
        data = data["theme"]
    merged = {**data, **{k: v for k, v in (overrides or {}).items() if v is not None}}
    return theme_from_mapping(merged, where=str(p), tz=tz)


def apply_changes(theme: Theme, changes: Mapping[str, Any], *, tz: tzinfo) -> Theme:
    """The theme with ``changes`` applied (None values are ignored), re-validated as a whole."""
    unknown = [k for k in changes if k not in FIELDS]
    if unknown:
        raise InputError(f"unknown field {unknown[0]!r}; known fields: {', '.join(FIELDS)}")
    current: dict[str, Any] = {
        "name": theme.name,
        "query": theme.query,
        "keywords": list(theme.keywords),
        "exclusions": list(theme.exclusions),
        "sources": list(theme.sources),
        "since": theme.since,
        "schedule": theme.schedule,
        "summarizer": theme.summarizer,
        "figures": theme.figures,
    }
    for key, value in changes.items():
        if value is not None:
            current[key] = value
    # An empty string clears an optional field (``--schedule ''`` makes a theme on-demand again).
    for key in ("since", "schedule"):
        if current[key] == "":
            current[key] = None
    return theme_from_mapping(current, where=f"theme {theme.name!r}", tz=tz)


def _quote(term: str) -> str:
    return f'"{term}"' if any(ch.isspace() for ch in term) else term


def search_queries(theme: Theme) -> list[str]:
    """The search strings a run issues: the query and each keyword, each with every exclusion.

    Keywords are OR-ed in by running one search per alternative and taking the union, which does not
    depend on the query language having grouping parentheses and keeps each alternative's own operators.
    """
    negatives = " ".join(f"-{_quote(e)}" for e in theme.exclusions)
    alternatives = [theme.query, *theme.keywords]
    return [f"{alt} {negatives}".strip() for alt in dict.fromkeys(alternatives)]


def describe_query(theme: Theme) -> str:
    """The theme's effective query in one line, for report headers: ``q OR kw1 OR kw2 -ex``."""
    alts = [theme.query, *(_quote(k) for k in theme.keywords)]
    text = " OR ".join(f"({a})" if " " in a and len(alts) > 1 else a for a in alts)
    if theme.exclusions:
        text += " " + " ".join(f"-{_quote(e)}" for e in theme.exclusions)
    if theme.sources:
        text += " · sources: " + ", ".join(theme.sources)
    return text
