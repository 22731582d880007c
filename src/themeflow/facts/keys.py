"""Comparison keys of a figure: its metric (synonyms folded, fillers dropped), its period (relative periods
resolved against the publish date) and its owner (aliases folded).

Why a module of their own: the grouper files figures under these keys, the conflict pool and the fact
scorer compare with them, and the LLM check files its corrected readings under them; one reading of "the
same metric" and "the same period" everywhere.
"""

from __future__ import annotations

import re
from datetime import datetime

from themeflow.facts.lexicon import (
    ALIAS_TO_ENTITY,
    CHANGE_WORDS,
    METRIC_FILLERS,
    METRIC_MODIFIERS,
    METRIC_SYNONYMS,
    RELATIVE_PERIODS,
)

__all__ = ["entity_key", "metric_key", "metrics_match", "period_key"]

# -- keys ------------------------------------------------------------------------------------------------
_SYNONYMS = sorted(METRIC_SYNONYMS, key=lambda p: len(p[0]), reverse=True)


def metric_key(metric: str) -> str:
    """The comparison key of a metric phrase: lower-cased, synonyms folded, fillers dropped."""
    key = re.sub(r"\s+", "", metric.lower())
    for surface, canon in _SYNONYMS:
        key = key.replace(surface.replace(" ", ""), canon)
    stripped = key
    for filler in METRIC_FILLERS:
        stripped = stripped.replace(filler, "")
    return stripped or key


def _changes(key: str) -> frozenset[str]:
    found = set()
    for w in sorted(CHANGE_WORDS, key=len, reverse=True):
        if w in key:
            found.add(w)
            key = key.replace(w, "")
    return frozenset(found)


def _bigrams(s: str) -> set[str]:
    return {s[i : i + 2] for i in range(len(s) - 1)} or {s}


def metrics_match(a: str, b: str) -> bool:
    """True when two metric phrases measure the same thing (see the module docstring for the rules)."""
    ka, kb = metric_key(a), metric_key(b)
    if bool(_changes(ka)) != bool(_changes(kb)) or _changes(ka) != _changes(kb):
        return False
    if ka == kb:
        return True
    short, long_ = sorted((ka, kb), key=len)
    if len(short) >= 2 and short in long_:
        rest = long_.replace(short, "", 1)
        for mod in METRIC_MODIFIERS:
            rest = rest.replace(mod, "")
        if not rest:
            return True
    ba, bb = _bigrams(ka), _bigrams(kb)
    return 2 * len(ba & bb) / (len(ba) + len(bb)) >= 0.75


_CN_Q = {"一": "1", "二": "2", "三": "3", "四": "4"}


def period_key(period: str | None, published: datetime | None) -> str | None:
    """A period normalized for comparison; relative periods resolve against the publish date.

    ``2028年`` → ``2028``; ``2028财年``/``FY28`` → ``FY2028``; ``2024至2030年`` → ``2024-2030``;
    ``2025年第一季度``/``2025Q1`` → ``2025Q1``; ``今年`` → the publish year; ``年内``/``今年以来`` →
    year-to-date *as of the publish day* (cumulative figures grow); None stays None.
    """
    if not period:
        return None
    p = period.replace(" ", "")
    year = published.year if published else None
    for word, delta in (("今年", 0), ("本年", 0), ("明年", 1), ("去年", -1), ("本财年", 0)):
        if p.startswith(word) and year is not None:
            p = f"{year + delta}年" + p[len(word) :]
            break
    if p in ("年内", "今年以来", "年初至今", "年初以来"):
        return f"YTD@{published.date().isoformat()}" if published else "YTD"
    if p in RELATIVE_PERIODS:  # 本周, 当月 …: only figures written the same day can be about the same period
        return f"{p}@{published.date().isoformat()}" if published else p
    if p in ("上半年", "下半年") and year is not None:
        p = f"{year}年{p}"
    m = re.fullmatch(r"((?:19|20)\d{2})(?:至|到|-|—|–|~|～)((?:19|20)?\d{2})(?:年|财年)?", p)
    if m:
        end = m.group(2) if len(m.group(2)) == 4 else m.group(1)[:2] + m.group(2)
        return f"{m.group(1)}-{end}"
    m = re.fullmatch(r"FY((?:19|20)?\d{2})(Q[1-4])?|((?:19|20)\d{2})财年", p)
    if m:
        y = m.group(1) or m.group(3)
        return f"FY{'20' + y if len(y) == 2 else y}{m.group(2) or ''}"
    m = re.fullmatch(
        r"(?:((?:19|20)\d{2})年?)?第?([一二三四1-4])(?:财?季度|Q)|(?:((?:19|20)\d{2}))?Q([1-4])", p
    )
    if m:
        y = m.group(1) or m.group(3) or (str(year) if year else "")
        q = m.group(2) or m.group(4)
        return f"{y}Q{_CN_Q.get(q, q)}"
    m = re.fullmatch(r"((?:19|20)\d{2})(?:年|年度)(全年)?", p)
    if m:
        return m.group(1)
    m = re.fullmatch(r"((?:19|20)\d{2})年([上下])半年", p)
    if m:
        return f"{m.group(1)}H{1 if m.group(2) == '上' else 2}"
    return p


def entity_key(entity: str) -> str:
    return ALIAS_TO_ENTITY.get(entity, entity).lower()
