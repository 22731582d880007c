"""Doubts about a candidate fact that its metric phrase alone does not show: a table of named rules.

Each rule looks at one candidate (its figure, the entity and where it came from, the metric and where
it came from, the words before the figure) and says whether a known failure applies. A doubt does not
drop the fact: it lowers the rule score (:mod:`.evidence`) and is a feature of the confidence model, so
it is recorded by name on the fact's evidence. Every rule came from facts read wrong on the labelled
articles; its docstring gives the case.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from themeflow.facts.mentions import EntityMention
from themeflow.facts.metric import is_cjk
from themeflow.text.numbers import Figure
from themeflow.text.segment import pos_tags
from themeflow.text.speech import saying_verbs

__all__ = ["DOUBT_RULES", "DoubtCase", "DoubtRule", "doubts_of"]

_POINTS = ("%", "pp", "bp")
_INDEX_NAME = re.compile(r"(?:指数|综指|成指|创业板指|科创50)$")
_MARKET_METRIC = re.compile(r"(?:全球|全国|行业|全行业)[\u4e00-\u9fffA-Za-z]")
_TIMES_BASE = re.compile(r"(?:是|为|相当于|达到|达)[^，。；]{1,16}的\s*(?:约|近|超过|超|逾)?\s*$")
_DIFFERENCE = re.compile(r"(?:低了|高了|高出|低出|多出|少了|差距)\s*(?:约|近|超过|超)?\s*$")
_LIST_SEP = "、"
_SAYS = re.compile(r"(?:还|也|则|并|更|再|曾|此前|同时|随即)?" + saying_verbs("speaker"))


@dataclass(frozen=True, slots=True)
class DoubtCase:
    """One candidate fact as the doubt rules see it."""

    text: str
    mentions: list[EntityMention]
    figure: Figure
    entity: str
    entity_from: str
    metric: str
    metric_from: str
    window: str
    """The words between the previous figure of the clause (or the clause start) and this figure."""
    window_start: int
    anchor: int
    """Where the figure's words end: the figure, or the bracket a bracketed figure restates."""
    sentence_start: int


@dataclass(frozen=True, slots=True)
class DoubtRule:
    """A named doubt and the predicate that finds it."""

    name: str
    applies: Callable[[DoubtCase], bool]


def _index_owner(c: DoubtCase) -> bool:
    """``创业板指… 三市下跌个股近4400只``: an index taken from outside the figure's clause moves, it does
    not own amounts (percentages of an index are its moves and stay undoubted)."""
    return (
        c.entity_from not in ("window", "clause", "owner")
        and c.figure.unit not in _POINTS
        and bool(_INDEX_NAME.search(c.entity))
    )


def _market_measure(c: DoubtCase) -> bool:
    """``SEMI预测…，全球半导体设备出货额``: a market-wide measure is the market's figure, not that of an
    entity named further away."""
    remote = c.entity_from not in ("window", "clause", "scope", "bracket", "owner")
    return remote and bool(_MARKET_METRIC.match(c.metric))


def _named_product(c: DoubtCase) -> bool:
    """``南方两倍做多SK海力士跌30%``: the first name of a mover's window follows a verb, so what moved is a
    product (a leveraged fund, a contract) named after the company, not the company."""
    if c.metric_from != "change":
        return False
    lo, hi = c.window_start, c.anchor
    first = next((e for e in c.mentions if lo <= e.start and e.end <= hi), None)
    if first is None or first.start <= lo:
        return False
    tags = [(w, t) for w, t in pos_tags(c.text[lo : first.start]) if w.strip()]
    return any(t == "v" and is_cjk(w[0]) for w, t in tags)


def _list_member(c: DoubtCase) -> bool:
    """``特斯拉Model Y、理想L6、小鹏G6。理想L6起售价…``: an entity from an earlier clause or sentence that
    was named there only as an item of a 、-list is not the owner of a figure."""
    if c.entity_from not in ("sentence", "paragraph", "coref"):
        return False
    named = [e for e in c.mentions if e.canonical == c.entity and e.end <= c.figure.start]
    return bool(named) and all(
        _LIST_SEP in (c.text[e.end : e.end + 1], c.text[e.start - 1 : e.start]) for e in named
    )


def _comparison_base(c: DoubtCase) -> bool:
    """``是Meta内部人均用量的5倍``: in a multiple, the name in the window is what is compared with."""
    return c.figure.kind == "multiple" and bool(_TIMES_BASE.search(c.window))


def _difference(c: DoubtCase) -> bool:
    """``工资增长率比目标低了0.5个百分点``: a gap between two values; its metric is not in the window."""
    return c.metric_from == "window" and bool(_DIFFERENCE.search(c.window))


def _speaker(c: DoubtCase) -> bool:
    """``鲍威尔说道，…核心PCE同比通胀率可能为3%``: an entity from an earlier clause or sentence whose latest
    mention introduces speech says the figure, it does not own it."""
    if c.entity_from not in ("sentence", "paragraph"):
        return False
    lo, pos = c.sentence_start, c.figure.start
    own = [e for e in c.mentions if e.canonical == c.entity and lo <= e.start and e.end <= pos]
    if not own and lo > 0:
        own = [e for e in c.mentions if e.canonical == c.entity and e.end <= pos]
    return bool(own) and _SAYS.match(c.text, own[-1].end) is not None


DOUBT_RULES: tuple[DoubtRule, ...] = (
    DoubtRule("index owner", _index_owner),
    DoubtRule("market measure", _market_measure),
    DoubtRule("named product", _named_product),
    DoubtRule("list member", _list_member),
    DoubtRule("comparison base", _comparison_base),
    DoubtRule("difference", _difference),
    DoubtRule("speaker", _speaker),
)
"""The rules, in the order their names are recorded on a fact's evidence."""


def doubts_of(case: DoubtCase) -> tuple[str, ...]:
    """The names of the rules that apply to ``case``, in table order."""
    return tuple(rule.name for rule in DOUBT_RULES if rule.applies(case))
