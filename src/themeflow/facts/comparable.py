"""Whether two figures filed under one key may be shown as a conflict.

Why: readers judged every pair of values the rules called a conflict over the whole shared corpus
(``docs/conflict-labelling.md``, ``tests/data/conflict_labels.jsonl``): 1 of 183 was a real disagreement.
The rest compared different things under a key too coarse to tell them apart (腾讯音乐 under 腾讯, one
sector's northbound holdings against another's, 中国海防 and 中国海诚 under 中国), different periods (a
day's move against a week's, last year's quarter against this year's), different scopes (a segment against
the total), running levels read at different times, forecasts made at different times. A key cannot carry
all of that, so a conflict is shown only for the two kinds of pair whose disagreement means something:

* **a copy error**: the two sentences are the same text with *one* number changed (one outlet's copy
  changed ``114.3GW`` into ``1143GW``). Whatever the figure measures, one of the two is wrong. A template
  filled in again another day (a weekly fund-flow report) changes every number, and a sentence read at a
  moment (至今, 今日) is a copy only on the same day;
* **two reports of one result**: a reported quantity (revenue, profit, capital spending, an order, an
  investment — not a price, an index, a move, a market share or a flow, whose value depends on the minute
  it was read), of the same owner as written (not 中国, 港股, 北向资金, an index; 京东到家 is not 京东集团),
  for the same stated period with its year and no quarter, half or month named beside it, neither side a
  forecast or a target nor a part of a total (其中, 分别, a segment), published within 45 days of each other.

Everything else stays in the figures table, each value with its sources; it is just not called a conflict.
:func:`why_not_comparable` says which test kept a pair apart: the judged set's second round was drawn by
reason (near misses), and none of its 102 pairs was a true conflict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from themeflow.model import Fact
from themeflow.text.segment import pos_tags

__all__ = ["REASONS", "Side", "comparable", "same_text", "why_not_comparable"]

REPORT_WINDOW_DAYS = 45
"""Two reports of one result appear within weeks of each other (earnings, a filing, an announcement)."""

_RUNNING = re.compile(
    r"涨|跌|价|指数|点位|市值|净值|成交|换手|资金|流入|流出|净买|净卖|增持|减持|持仓|持股|份额|占比|比例|收益率|"
    r"利率|汇率|预期|前值|目标|评级|仓位|溢价|折价|波动|基点|降息|加息|回报"
)
"""Metrics whose value depends on when it was read, or that are views rather than results."""

_GENERIC_OWNER = re.compile(
    r"^(?:A股|港股|美股|沪指|深指|北向资金|南向资金|南下资金|外资|主力|"
    r"机构|市场|行业|板块|公司|企业|上市公司|券商|基金|银行|央行|原油|黄金|布伦特|WTI|[^ ]{0,6}指数|"
    r"[^ ]{0,4}(?:板块|行业|概念))$"
)
"""Owners that name a market, a flow, a group of companies or an index, not one company. (A country is an
owner: 中国's exports are one quantity; 中国海防 under the key 中国 is told apart by the owner as written.)"""

_FORECAST = re.compile(
    r"预计|预期|预测|预估|目标|有望|或将|料将|将达|计划|拟|展望|指引|假设|情景|若|如果|一致预期"
)
_BASE = re.compile(r"去年同期|上年同期|同期|较|相比|对比|比上年")
"""Before a figure: it is the comparison base, not the period's value (较去年同期的150.8亿)."""
_ATTRIBUTABLE = re.compile(r"归母|归属于|归属上市公司|扣非|少数股东")
_PART = re.compile(r"其中|分别|业务|板块|部门|分部|旗下|子公司|地区|区域|市场收入|来自")
_YEAR = re.compile(r"(?:19|20)\d\d")


@dataclass(frozen=True, slots=True)
class Side:
    """One figure of a candidate conflict, with what the rules need to judge it."""

    fact: Fact
    sentence: str
    """The sentence of the paragraph that holds the figure (the paragraph when none is found)."""
    published: datetime | None
    period: str | None
    """The period key (``group.period_key``)."""
    metric: str
    """The metric's comparison key (``group.metric_key``)."""
    before: str = ""
    """The paragraph up to the figure: a year named there may be the one a bare 上半年 is about."""


_FIGURE = re.compile(r"\d[\d.,]*[%％]?")
"""A number as the copy test reads it: masked to compare texts, listed to count what changed."""


def _without_figures(text: str) -> str:
    return _FIGURE.sub("#", text)


def _plain(text: str) -> str:
    return re.sub(r"[\s，,。；;：:、“”\"'（）()\[\]【】]", "", _without_figures(text))


def same_text(a: str, b: str) -> bool:
    """The two sentences are one text with different numbers (a copy, one of them changed): equal once
    their figures are masked and spacing and punctuation ignored. A template filled in for another
    company or sector differs in its names, so it is not one text."""
    na, nb = _plain(a), _plain(b)
    return len(na) >= 12 and na == nb


_AS_OF = re.compile(
    r"今日|今天|昨日|昨天|本周|上周|本月|当日|当天|盘中|收盘|截至|至今|以来|目前|近一年|近\d+[日天月年]"
)
"""Words that make a sentence's figures a reading at one moment: the same sentence on another day says
another day's value (``管理时间为2020年9月21日至今，期间收益率为3.82%``)."""


def _figures_changed(a: str, b: str) -> int:
    """How many of the (equally many) figures of two one-text sentences differ."""
    fa, fb = _FIGURE.findall(a), _FIGURE.findall(b)
    if len(fa) != len(fb):
        return max(len(fa), len(fb))
    return sum(x != y for x, y in zip(fa, fb, strict=True))


def _same_day(a: Side, b: Side) -> bool:
    return a.published is not None and b.published is not None and a.published.date() == b.published.date()


def _copy_error(a: Side, b: Side) -> bool:
    """One text, one number changed. Three things look like that and are not:

    * a template filled in again another day (a weekly fund-flow report, a fund's return since launch):
      *every* figure of the sentence differs, dates included, where a copy error changes one;
    * a sentence read at a moment (``至今``, ``今日``, ``截至``) in documents published on different days
      (or on days nobody knows): each is right on its own day;
    * a short market flash re-sent later in the day (``北向资金净卖出…``): its number was read at another
      minute, so for a running measure the sentence must be long enough to be an article's, not a ticker line.
    """
    if not same_text(a.sentence, b.sentence) or _figures_changed(a.sentence, b.sentence) != 1:
        return False
    if _AS_OF.search(a.sentence) and not _same_day(a, b):
        return False
    running = bool(_RUNNING.search(a.fact.metric) or _RUNNING.search(b.fact.metric))
    return not running or len(_plain(a.sentence)) >= 30


def _window(side: Side) -> str:
    """The clause before the figure and the figure: where a forecast or a part would be said."""
    at = side.sentence.find(side.fact.value)
    if at < 0:
        return side.sentence
    start = max(side.sentence.rfind(p, 0, at) for p in "，,；;。：:") + 1
    return side.sentence[max(0, start - 12) : at + len(side.fact.value) + 4]


def _not_reported(side: Side) -> str | None:
    """Why ``side`` is not a reported result of one owner for one stated period (None: it is one)."""
    f = side.fact
    if not f.entity or _GENERIC_OWNER.match(f.entity.strip()):
        return "generic_owner"
    if _RUNNING.search(f.metric):
        return "running_measure"
    if side.period is None or not _YEAR.search(side.period) or _year_in_doubt(side):
        return "no_year"
    if _part_of_year_in_doubt(side):
        return "period_in_doubt"
    window = _window(side)
    if _PART.search(window):
        return "part"
    if _BASE.search(window[: max(0, window.find(f.value))][-10:]):
        return "comparison_base"
    forecast = _FORECAST.search(window)
    # a company's own forecast, reported twice, is one statement (OpenAI预计2028年…); anyone else's
    # forecast of it is a view, and views made at different times differ
    if forecast is not None and not window[: forecast.start()].rstrip().endswith(f.entity.strip()):
        return "forecast"
    return None


_RELATIVE_YEAR = re.compile(r"去年|前年|上年|明年|后年")


_NOT_EXTENSION = re.compile(
    r"^(?:公司|集团|控股|股份|有限|方面|官方|今年|去年|本季|季度|上半|下半|全年|财年|年度|业绩|财报|旗下)"
)


_OWNER_END = re.compile(
    r"[\s\d，,。；;：:、（()“”\"'的和与及在于将已也为是称]|第|[一二三四][季财]|[上下]半年|全年|今[年日天]|本[年季月周财]|"
    r"去年|上年|前[三两]|Q\d|财年|年|季度|月|日|发布|公布|实现|宣布|披露|录得|营收|收入|营业|净利|利润|毛利|"
    r"资本|市值|股价|表示|预计"
)
"""Where an owner's name as written ends: a period, a figure, a report verb, a metric, punctuation."""
_LONGEST_EXTENSION = 6


def _extension(after: str, metric: str) -> str | None:
    """What the text adds to the key's name before its name ends (``到家`` in ``京东到家二季度营收``; ``""``
    in ``京东二季度营收``); None when no end is found within a name's length."""
    for k in range(_LONGEST_EXTENSION + 1):
        rest = after[k:]
        if not rest or _OWNER_END.match(rest) or (metric and rest.startswith(metric)):
            return after[:k]
    return None


def _owner_word(side: Side) -> str | None:
    """The owner as written where it is nearest before the figure (in its sentence, else earlier in the
    paragraph), with what extends the key's name there: ``腾讯音乐``, ``京东物流`` or ``京东到家`` where the
    key says 腾讯 or 京东, so two companies that share a prefix are not one owner (``京东集团`` is 京东:
    集团, 公司, 控股 … extend nothing). None when the key's owner is not written before the figure."""
    entity = side.fact.entity.strip()
    if not entity:
        return None
    at = side.sentence.find(side.fact.value)
    for text in (side.sentence[: at if at >= 0 else len(side.sentence)], side.before[-150:]):
        pos = text.rfind(entity)
        if pos < 0:
            continue
        after = text[pos + len(entity) : pos + len(entity) + 12]
        word = _extension(after, side.fact.metric)
        if word and not _NOT_EXTENSION.match(word):
            return entity + word
        return entity
    return None


_NAME_POS = frozenset({"nr", "nt", "nz", "nrt", "nrfg"})
_SUBJECTLESS = re.compile(
    r"^(?:公司|集团|本公司|该公司|报告期|同期|全年|季度|上半年|下半年|营业|营收|收入|利润|净利|毛利)"
)


def _another_owner_between(side: Side) -> bool:
    """A name other than the key's stands between the key's owner and the figure in its sentence
    (``宁德时代持股的蚂蚁消金上半年净利润12.8亿``: the profit is 蚂蚁消金's)."""
    entity = side.fact.entity.strip()
    at = side.sentence.find(side.fact.value)
    start = side.sentence.rfind(entity, 0, max(0, at))
    if not entity or at < 0 or start < 0:
        return False
    between = side.sentence[start + len(entity) : at]
    if any(
        pos in _NAME_POS and len(w) >= 2 and entity not in w and w not in entity
        for w, pos in pos_tags(between)
    ):
        return True
    # the figure's own clause opens on another subject (…持股蚂蚁消金3.46%计算，蚂蚁消金…净利润约为12.8亿元)
    clause = re.split(r"[，,；;：:]", side.sentence[:at])[-1]
    if entity in clause:
        return False
    tags = [(w, pos) for w, pos in pos_tags(clause) if pos not in ("x", "p", "c", "t", "m", "f")]
    if not tags:
        return False
    word, pos = tags[0]
    return (
        pos[:1] in ("n", "j")
        and len(word) >= 2
        and word not in side.fact.metric
        and not _SUBJECTLESS.match(word)
    )


def _year_in_doubt(side: Side) -> bool:
    """A period written without its year (上半年) in a paragraph that names another year before the figure
    (华为's 2022年上半年 净利润 read as this year's)."""
    if side.period is None or _YEAR.search(side.fact.period or ""):
        return False
    at = side.sentence.find(side.fact.value)
    if _RELATIVE_YEAR.search(side.sentence[: max(0, at)]) and not _RELATIVE_YEAR.search(
        side.fact.period or ""
    ):
        return True  # 而在去年上半年，…上半年净利润约为150.8亿: last year's, read as this year's
    years = set(_YEAR.findall(side.before))
    wanted = _YEAR.search(side.period)
    return bool(years) and (wanted is None or years != {wanted.group(0)})


_PART_OF_YEAR = re.compile(
    r"[一二三四1-4]季度?|第[一二三四1-4]季|[上下]半年|[Qq][1-4]|[1-4]Q|H[12]|(?:\d{1,2}|[一二三四五六七八九十]{1,2})月(?!\s?(?:\d{1,2}|[一二三四五六七八九十]{1,3})[日号])"
)
"""A quarter, a half or a month (not a date: 5月20日 says when, not what period)."""
_WHOLE_YEAR = re.compile(r"^(?:19|20)\d\d$")


def _part_of_year_in_doubt(side: Side) -> bool:
    """A figure read as a whole year's in a sentence that also names a quarter, a half or a month
    (``腾讯2025年资本开支为224亿元，主要是第四季度集中投入``): which period the figure is about is not
    settled by the sentence, so it is not reported as the year's."""
    if side.period is None or not _WHOLE_YEAR.match(side.period):
        return False
    return bool(_PART_OF_YEAR.search(side.sentence))


REASONS = (
    "period",
    "generic_owner",
    "running_measure",
    "no_year",
    "period_in_doubt",
    "part",
    "comparison_base",
    "forecast",
    "metric",
    "basis",
    "owner",
    "owner_between",
    "undated",
    "window",
)
"""Why two disagreeing figures are not shown as a conflict, in the order the rules ask."""


def why_not_comparable(a: Side, b: Side) -> str | None:
    """The first reason (``REASONS``) a disagreement between ``a`` and ``b`` is not shown as a conflict;
    None when it is (module docstring). Pools of near misses are drawn by reason, so that a rule which
    keeps true conflicts apart shows up in the judged set."""
    if _copy_error(a, b):
        return None
    if a.period != b.period:
        return "period"
    reason = _not_reported(a) or _not_reported(b)
    if reason is not None:
        return reason
    if a.metric != b.metric:  # 云业务营收 and 营收: close enough to file together, not to clash
        return "metric"
    if bool(_ATTRIBUTABLE.search(_window(a))) != bool(_ATTRIBUTABLE.search(_window(b))):
        return "basis"  # 归母净利润 and 净利润: the parent's share and the whole
    if (_owner_word(a) or a.fact.entity.strip()) != (_owner_word(b) or b.fact.entity.strip()):
        return "owner"
    if _another_owner_between(a) or _another_owner_between(b):
        return "owner_between"
    if a.published is None or b.published is None:
        return "undated"
    if abs((a.published - b.published).total_seconds()) > REPORT_WINDOW_DAYS * 86400:
        return "window"
    return None


def comparable(a: Side, b: Side) -> bool:
    """Whether a disagreement between ``a`` and ``b`` may be shown as a conflict (module docstring)."""
    return why_not_comparable(a, b) is None
