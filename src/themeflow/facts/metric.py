"""Metric phrases: what a figure measures, read from the words before (or right after) the number.

Split from :mod:`themeflow.facts.extract` so the clause logic and the phrase logic each stay small. A
metric is a short noun phrase (营收, 资本支出预测, AI数据中心总容量); periods, qualifiers, linking verbs and
function words are trimmed off, and a window that is a clause rather than a phrase yields nothing.
:func:`metric_doubt` says why a phrase that survived trimming still does not look like a measure.
"""

from __future__ import annotations

import re

from themeflow.facts.lexicon import (
    ALIAS_TO_ENTITY,
    CHANGE_ONLY,
    CHANGE_WORDS,
    CLAUSE_VERBS,
    COPULAS,
    GENERIC_ATTRIBUTES,
    LEAD_FILLERS,
    METRIC_VERBS,
    MOVE_MEASURES,
    NON_MEASURES,
    NON_METRICS,
    TAIL_FILLERS,
)
from themeflow.text.segment import pos_tags, stock_words

__all__ = [
    "PERIOD_RES",
    "is_cjk",
    "metric_after",
    "metric_doubt",
    "metric_phrase",
    "per_unit_price",
]

PERIOD_RES = (
    re.compile(
        r"(?:FY\s?)?(?:19|20)\d{2}\s*(?:至|到|-|—|–|~|～)\s*(?:(?:19|20)\d{2}|\d{2})\s*(?:年|财年)?(?:间|期间)?"
    ),
    re.compile(
        r"(?:19|20)\d{2}\s*(?:财年|年度|年)(?:底|末|初|前|内|以来)?(?:第?[一二三四1-4]财?季度|[上下]半年|全年|前[一二三四五六七八九十\d]{1,2}个?月|[一二三四五六七八九十\d]{1,2}月份?)?"
    ),
    re.compile(r"FY\s?(?:19|20)?\d{2}(?:\s?Q[1-4])?|(?:19|20)\d{2}\s?(?:Q[1-4]|H[12])"),
    re.compile(
        r"(?:今年|明年|去年|本年|全年|本财年|上财年|下财年)(?:第?[一二三四]季度|[上下]半年|前[一二三四五六七八九十\d]{1,2}个?月)?"
    ),
    re.compile(
        r"(?:年内|今年以来|年初至今|年初以来|本季度|上季度|第?[一二三四]季度|[上下]半年|Q[1-4]|本月|上月|本周|上周|当月|当周)"
    ),
)


_TRIM_TAGS = {"p", "d", "c", "u", "uj", "ul", "r", "x", "m", "q", "f", "t"}


def metric_phrase(span: str) -> str | None:
    """The metric phrase of a window: periods, qualifiers and linking verbs out; None when nothing is left."""
    s = span
    for rx in PERIOD_RES:
        s = rx.sub(" ", s)
    s = re.sub(r"\[\d+\]|[\d.,%]+|[\s\"'“”‘’·•\-–—~～/]+", " ", s)
    s = re.sub(
        r"(?:约合|大约|约为|约|超过|超出|超|逾|将近|接近|近|不到|不足|至少|最多|最高|突破|预计|预期将|或)\s*$",
        "",
        s.strip(),
    )
    s = re.sub(r"(?:完成|获得|获|斥资|宣布|拟|计划|披露)\s*$", "", s.strip())
    s = re.sub(r"(?:从|由)(?:之前|此前|原先|原来|先前)?的?\s*$", "", s)  # 失业率的预测从之前的4.6%
    s = s.strip()
    stripped = True
    while stripped:  # 营收增长至 → 营收: a trailing linking verb says nothing
        stripped = False
        for verb in COPULAS:
            if s.endswith(verb):
                s, stripped = s[: -len(verb)].rstrip(), True
                break
    bounds = _token_bounds(s)
    for verb in COPULAS:  # 营收达到峰值 → 营收; 达到峰值 → 峰值 only when nothing precedes the verb
        i = s.rfind(verb)
        if i >= 0 and not (i in bounds and i + len(verb) in bounds):
            continue  # 报 inside 报告, 为 inside 认为: not a linking verb
        if i > 0 and _trim(s[:i].strip()) not in ("", *NON_METRICS):
            s = s[:i]
            break
        if i > 0:
            s = s[i + len(verb) :]
            break
        if i == 0 and s[len(verb) :].strip():
            s = s[len(verb) :]
            break
    s = _trim(s.split()[-1] if s.split() else "")
    if not s or s in NON_METRICS or len(s) > 16 or not any(is_cjk(c) or c.isalpha() for c in s):
        return None
    return s


def _token_bounds(s: str) -> set[int]:
    bounds, pos = {0}, 0
    for w in stock_words(s):
        pos += len(w)
        bounds.add(pos)
    return bounds


def _trim(s: str) -> str:
    """Drop function words, numerals and adverbs from both ends of a metric phrase (by rjieba tag)."""
    while True:
        before = s
        for w in LEAD_FILLERS:
            if s.startswith(w) and len(s) > len(w) and w not in ("前", "中", "间", "后"):
                s = s[len(w) :]
        for w in TAIL_FILLERS:
            if s.endswith(w) and len(s) > len(w):
                s = s[: -len(w)]
        if s == before:
            break
    tags = [(w, t) for w, t in pos_tags(s) if w.strip()] if s else []
    while tags and tags[0][1] in _TRIM_TAGS:
        tags = tags[1:]
    while tags and (tags[-1][1] in _TRIM_TAGS - {"f"} or _weak_verb(*tags[-1])):
        tags = tags[:-1]
    if not tags or not any(
        t.startswith(("n", "vn", "eng", "j")) or w in METRIC_VERBS or w in CHANGE_WORDS or w in CHANGE_ONLY
        for w, t in tags
    ):
        return ""
    if any(_breaks_phrase(w, t) for w, t in tags[1:-1]) or _breaks_phrase(*tags[-1]):
        return ""  # 要在算力上花费, 公司已签约: a clause, not a noun phrase — abstain
    words = [w for w, _ in tags]
    if len(words) > 5:  # a long window: the metric is the phrase nearest the number
        words = words[-4:]
    out = "".join(words).strip().lstrip("的")
    return out if len(out) >= 2 or out in CHANGE_ONLY else ""


def _breaks_phrase(word: str, tag: str) -> bool:
    """A token that cannot sit inside a metric phrase: prepositions, adverbs, pronouns, place and time
    words, numerals. (Verbs may: 计算运营支出 is tagged verb-verb-verb.)"""
    if word in METRIC_VERBS or word in CHANGE_WORDS or word in CHANGE_ONLY or word == "的":
        return False
    return tag in ("p", "d", "r", "f", "c", "t", "u", "ul", "uz", "uv", "ud", "ug", "y", "m")


def _weak_verb(word: str, tag: str) -> bool:
    """A verb that ends a window without naming what is measured (推进, 签署, 可能), or an adverb."""
    if word in METRIC_VERBS or word in CHANGE_WORDS or word in CHANGE_ONLY:
        return False
    return tag in ("v", "d", "c", "ad", "vd", "a", "ag")


_AFTER_TAGS = ("n", "vn", "eng", "j", "b")
_AFTER_VERBS = frozenset({"新增", "待", "新建", "累计"})
_LEADING_QUALIFIERS = ("以上", "以下", "左右", "上下", "多", "余")
_PER_UNIT = re.compile(r"(每(?:盎司|吨|桶|克|千克|公斤|磅|蒲式耳|度|千瓦时|兆瓦时|平方米|平米))$")


def metric_after(text: str, end: int, limit: int) -> str | None:
    """The noun phrase right after a figure (``6400名工人``, ``46.7亿港元配售``, ``300兆瓦的新增算力``).

    Only the leading run of nouns (a 的 may link two of them) up to ``limit`` counts: in ``15吉瓦待接入项目
    正在推进`` the clause goes on, the phrase does not.
    """
    tail = text[end:limit]
    for q in _LEADING_QUALIFIERS:
        if tail.startswith(q):
            tail = tail[len(q) :]
            break
    tail = tail.lstrip("的 ")[:16]
    tail = re.split(r"[，。；、,;：:（）()“”\"《》]", tail)[0]
    if not tail or not is_cjk(tail[0]) and not tail[0].isalpha():
        return None
    words: list[tuple[str, str]] = []
    tags = [(w, t) for w, t in pos_tags(tail) if w.strip()]
    stop = len(tags)
    for i, (w, t) in enumerate(tags):
        if (
            not t.startswith(_AFTER_TAGS + ("v",))
            or (t == "v" and not words and w not in _AFTER_VERBS)  # 用于合作伙伴…, 购买AI算力: a clause
            or any(ch.isdigit() for ch in w)
            or w in ALIAS_TO_ENTITY
            or w[:1].isupper()
        ):
            stop = i
            break
        words.append((w, t))
        if len(words) == 4:
            stop = i + 1
            break
    if stop < len(tags) and tags[stop][1] in ("q", "m", "uj"):
        return None  # 4000美元整数位心理关口, 100兆瓦容量的站点: the figure qualifies a longer phrase
    while words and words[-1][1] == "v" and words[-1][0] not in METRIC_VERBS:
        words.pop()
    if not words or not words[-1][1].startswith(("n", "vn", "eng", "j", "v")):
        return None
    phrase = metric_phrase("".join(w for w, _ in words))
    return None if phrase in GENERIC_ATTRIBUTES else phrase


def per_unit_price(metric: str) -> str | None:
    """``突破每盎司`` before a money figure: the price per ounce (每盎司价格), else None. Only physical
    units: 每股/每月 name a share or a period, not a commodity price."""
    m = _PER_UNIT.search(metric)
    return m.group(1) + "价格" if m else None


def metric_doubt(metric: str, *, after: bool = False) -> tuple[str, ...]:
    """Why a metric phrase does not look like a measure: a place, a landmark or anaphor word, a clause
    with a verb of its own, a lone acronym. Empty when nothing is wrong with it. A phrase read ``after``
    the figure is a noun run already (``待接入项目``): its inner verbs are not a clause."""
    doubts: list[str] = []
    tags = [(w, t) for w, t in pos_tags(metric) if w.strip()]
    if not tags:
        return ("empty",)
    last_word, last_tag = tags[-1]
    if metric.isascii() and len(metric) <= 4:
        doubts.append("acronym")
    if last_tag == "ns" and last_word not in NON_MEASURES:
        doubts.append("place")
    if last_word in NON_MEASURES or metric in NON_MEASURES or tags[0][0] in NON_MEASURES:
        doubts.append("not a measure")
    inner = [  # 项目存在供应链关联: noun, verb, noun — a clause (计算运营支出: verbs in a row are a compound)
        w
        for i, (w, t) in enumerate(tags[1:-1], start=1)
        if t == "v"
        and w not in METRIC_VERBS
        and w not in CHANGE_WORDS
        and tags[i - 1][1].startswith("n")
        and tags[i + 1][1].startswith("n")
    ]
    if inner and not after:
        doubts.append("clause")
    if any(w in CLAUSE_VERBS for w, _ in tags):
        doubts.append("clause")  # 数据显示投资组合管理费用: a report verb, the metric is what follows it
    if re.match(r"[A-Za-z0-9](?![A-Za-z0-9])", metric) and is_cjk(metric[-1]):
        doubts.append("fragment")  # E等算力卡产品: the tail of a product code
    if last_tag in ("nr", "nrt", "nt") and len(tags) == 1:
        doubts.append("a name")
    doubts.extend("unnamed subject" for _ in range(_unnamed_movers(metric, tags)))
    if metric.endswith(_ACTOR_TAILS):
        doubts.append("an actor")  # 存储芯片制造商, 集团, 车型: who or what owns a figure, not a measure
    if metric in GENERIC_ATTRIBUTES:
        doubts.append("vague")  # 价值 of what?
    if (
        len(tags) == 1
        and last_tag == "v"
        and last_word not in METRIC_VERBS
        and last_word not in CHANGE_WORDS
        and last_word not in CHANGE_ONLY
    ):
        doubts.append("a verb")  # 部署, 签署: what was deployed is named after the figure
    if _LIGHT_VERB_LEAD.match(metric) and len(tags) >= 2 and tags[0][0] not in METRIC_VERBS:
        doubts.append("verb phrase")  # 具备年产, 启动总额, 折合人民币, 即通胀率: the head verb of a clause
    if (
        len(tags) >= 2
        and last_tag == "v"
        and tags[-2][1].startswith("n")
        and last_word not in METRIC_VERBS
        and last_word not in CHANGE_WORDS
        and last_word not in CHANGE_ONLY
    ):
        doubts.append("verb tail")  # 国家债务实际价值缩水: subject + predicate, not a measure
    return tuple(doubts)


def _unnamed_movers(metric: str, tags: list[tuple[str, str]]) -> int:
    """How many ways the metric names a mover of its own (each is one "unnamed subject" doubt):
    ``零跑汽车涨6%`` (a name the lexicon does not know, then a move word: not 股价) and ``智谱涨幅`` (a name,
    then 涨幅/跌幅: the name moved, not the clause's subject)."""
    found = 0
    move = next((w for w in sorted(CHANGE_ONLY, key=len, reverse=True) if metric.endswith(w)), None)
    prefix = metric[: -len(move)] if move else ""
    if len(prefix) >= 2 and not prefix.endswith(MOVE_MEASURES) and pos_tags(prefix)[-1][1] not in ("t", "d"):
        found += 1
    if (
        len(tags) == 2
        and tags[1][0] in ("涨幅", "跌幅")
        and tags[0][1] in ("n", "nz", "nr", "nrt", "nt")
        and not tags[0][0].endswith(MOVE_MEASURES)
        and tags[0][0] not in METRIC_VERBS
    ):
        found += 1
    return found


_ACTOR_TAILS = ("公司", "集团", "银行", "制造商", "厂商", "供应商", "运营商", "车型", "机构", "企业", "基金")
_LIGHT_VERB_LEAD = re.compile(
    r"(?:具备|具有|拥有|启动|折合|约合|相当于|即|拟|以|计划|打算|准备|覆盖|用于|通过|针对)(?=[\u4e00-\u9fffA-Za-z])"
)
"""A metric opening with a light, modal or linking verb (拟以现金, 具备年产) is a verb phrase whose measure
is named elsewhere."""


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"
