"""Which figures a theme's table shows by default: the theme's own figures, not the market's noise.

Why: on the shared corpus a theme's table held 432–2,000 figures, led by undated index moves
(``上证指数 涨幅 1.17%``, period —), gold and oil prices from market roundups, and owners that are times
(``早盘``, ``单周``), markets (``A股``, ``港股``) or fragments (``有限公司``, ``毛利``). An analyst reading
the AI capex table wants the capex figures. So, by default:

* **no owner that is not one**: a time word, a market or market-wide flow, a legal form or a metric word
  left as the owner is never a row (the figure stays in the document; ``--all`` lists it);
* **no market-wide moves**: index levels and moves, and the prices of traded goods (gold, oil, copper),
  are off unless the theme names the index or the good (a 黄金 theme shows gold's price);
* **no undated moves**: a change (涨, 增长, 同比…) with no period is a reading of an hour that nobody can
  line up with another (unless the theme names its owner: a theme on one stock wants its daily moves).

Hidden figures are counted by reason (``ThemeFigures.hidden``), so a page can say what it left out.
Conflicts are never hidden: they are what an analyst must check.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from themeflow.facts.group import FigureGroup, ThemeFigures
from themeflow.facts.lexicon import ALIAS_TO_ENTITY, CHANGE_WORDS, INDEX_RE
from themeflow.text.segment import pos_tags
from themeflow.text.wordlists import word_list

__all__ = ["HIDDEN_REASONS", "hidden_reason", "readable"]

HIDDEN_REASONS = (
    "no_owner",
    "time_owner",
    "market_owner",
    "fragment_owner",
    "index",
    "price",
    "undated_move",
)
"""Why a figure is off a theme's table by default, in the order they are tested."""

_TIME_OWNERS = frozenset(word_list("entities.toml", "time_owners"))
_MARKET_OWNERS = frozenset(word_list("entities.toml", "market_owners"))
_INDEX_OWNERS = frozenset(word_list("entities.toml", "index_owners"))
_PRICE_OWNERS = frozenset(word_list("entities.toml", "price_owners"))
_FRAGMENT_OWNERS = frozenset(word_list("entities.toml", "fragment_owners"))

_TIME_SHAPE = re.compile(
    r"^(?:[\d一二三四五六七八九十]+[年月日周季]|(?:本|上|下|今|去|近|前|同|当|单|首)[周日月年季]|\d{1,2}[:：]\d{2})"
)
"""A time however written: ``8月``, ``三季``, ``本周``, ``09:30``."""
_FRAGMENT_SHAPE = re.compile(
    r"营收|收入|净利|利润|资本$|同比|环比|增长|亿|万元|[%％]|[，。；：,;:]"  # a metric, an amount, punctuation
    r"|(?:涨|跌|升|降|兑|仅)$"  # a move or a rate glued to the name (赛力斯涨, 美元兑)
    r"|首日|上周|本周|去年|今年|上市"  # a time or an event inside the name (紫金黄金国际上市首日)
    r"|^(?:科技|市值|中位数|能源|芯片|半导体|互联网|龙头|头部|相关|同类|可比|中小)(?:公司|企业|厂商)$"  # a kind, not a name
)
"""A piece of a headline or a clause, not a name: a metric, an amount or punctuation inside it, a move
verb after it, a time inside it."""
_LEADING_WORD = re.compile(r"^(?:尽管|虽然|以|而|对|比|在|从|向|但|据|由|被|把|因|仅|占|如|及|每)")
"""A preposition or conjunction a clause starts with (``以美光科技``, ``而存储制造商``); names start so too
(以色列, 比亚迪, 对冲基金), so it marks a fragment only before a known name or as a word of its own."""
_LONGEST_OWNER = 16
_INDEX_SUFFIX = re.compile(r"(?:指数|综指|成指|指)$")


_LONG_ALIASES = tuple(a for a in ALIAS_TO_ENTITY if len(a) >= 2)
_ALIAS_PREFIXES = frozenset(a[:k] for a in ALIAS_TO_ENTITY for k in range(2, len(a)))
"""Proper prefixes of the known names: ``特斯`` or ``Space`` as an owner is a name cut short."""


def _fragment(entity: str, owners: frozenset[str] = frozenset()) -> bool:
    if entity in _FRAGMENT_OWNERS or len(entity) > _LONGEST_OWNER or _FRAGMENT_SHAPE.search(entity):
        return True
    if entity in ALIAS_TO_ENTITY:
        return False
    lead = _LEADING_WORD.match(entity)
    if lead is not None:
        rest = entity[lead.end() :]
        tags = pos_tags(entity)
        known = rest in owners or any(rest.startswith(a) for a in _LONG_ALIASES)
        if known or (tags and tags[0][0] == lead.group(0)):
            return True
    return entity in _ALIAS_PREFIXES


def _named_by(theme: str, entity: str) -> bool:
    return bool(entity) and entity.casefold() in theme.casefold()


def hidden_reason(g: FigureGroup, theme: str = "", owners: frozenset[str] = frozenset()) -> str | None:
    """Why ``g`` is off a theme's table by default (one of ``HIDDEN_REASONS``), or None when it is shown.
    ``theme``: the theme's query or name, which can bring an index or a traded good back; ``owners``:
    the other owners of the table (``对恒大汽车`` is a clause's piece where ``恒大汽车`` is an owner)."""
    entity = " ".join(g.entity.split())
    if not entity:
        return "no_owner"
    if entity in _TIME_OWNERS or _TIME_SHAPE.match(entity):
        return "time_owner"
    metric = "".join(g.metric.split())
    if entity in _MARKET_OWNERS or metric in _MARKET_OWNERS:
        return "market_owner"
    if _fragment(entity, owners):
        return "fragment_owner"
    is_index = (
        entity in _INDEX_OWNERS or bool(INDEX_RE.fullmatch(entity)) or bool(_INDEX_SUFFIX.search(entity))
    )
    if is_index and not _named_by(theme, entity):
        return "index"
    if entity in _PRICE_OWNERS and not _named_by(theme, entity):
        return "price"
    if g.period is None and any(w in metric for w in CHANGE_WORDS) and not _named_by(theme, entity):
        return "undated_move"
    return None


def readable(result: ThemeFigures, theme: str = "") -> ThemeFigures:
    """``result`` with only the figures a theme's table shows by default (module docstring); the others
    are counted in ``hidden`` by reason. Conflicts are kept whole."""
    shown: list[FigureGroup] = []
    hidden: Counter[str] = Counter()
    owners = frozenset(" ".join(g.entity.split()) for g in result.figures)
    for g in result.figures:
        reason = hidden_reason(g, theme, owners)
        if reason is None:
            shown.append(g)
        else:
            hidden[reason] += 1
    return replace(result, figures=tuple(shown), hidden=dict(hidden))
