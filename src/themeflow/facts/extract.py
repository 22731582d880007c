"""Figure facts from paragraphs: who (entity), what (metric), how much, when (period), where it was said.

Rule-based on purpose: every fact must be traceable to the words around its number, and an analyst must
be able to see why a fact was read the way it was. The parser in :mod:`themeflow.text.numbers` finds the
figures; this module reads the clause around each one:

* **clauses**: sentences split on 。！？；, clauses on ，、：and brackets. A figure's *window* is the clause
  text between the previous figure of the clause (or the clause start) and the figure.
* **entity**: an organization named in the window (known aliases, capitalized Latin names such as
  OpenAI/CoreWeave, rjieba ``nt``/``nr``/``nz`` tags, CJK names ending in 公司/银行/集团 …); else the
  nearest one earlier in the sentence, then in the paragraph, then the title's main entity.
* **metric**: the noun phrase in the window with periods, qualifiers and linking verbs (达到/为/增至 …)
  removed; a window holding only a linking verb (``从600亿美元上调至900亿美元``) inherits the metric of
  the figure before it.
* **period**: the nearest year, year range, quarter or fiscal year earlier in the sentence. For
  ``2024至2030年…从114.3GW增长至236GW`` the start value gets 2024年 and the end value 2030年.

Precision over recall: a figure with no readable metric is dropped, and so are dates, tickers, product
versions, bare years, unscaled bare numbers and conversions (``约合…``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import rjieba

from themeflow.facts.lexicon import (
    ACRONYM_STOPLIST,
    ALIAS_TO_ENTITY,
    APPROXIMATIONS,
    CHANGE_WORDS,
    COMMODITIES,
    COPULAS,
    ENTITY_RE,
    ENTITY_STOPLIST,
    LEAD_FILLERS,
    METRIC_FILLERS,
    METRIC_VERBS,
    ORG_SUFFIXES,
    PRODUCT_TAILS,
    WEAK_ENTITIES,
)
from themeflow.model import Citation, Document, Fact
from themeflow.text.numbers import Figure, find_figures

__all__ = ["EntityMention", "entity_mentions", "extract_facts", "extract_paragraph", "title_entity"]

_KEEP_KINDS = frozenset(
    {"money", "percent", "multiple", "power", "energy", "data", "count", "number", "volume", "weight"}
)
_SENT_END = re.compile(r"[。！？!?；;\n]|\s{2,}|(?<=\])\s|\s-\s")
_CLAUSE_END = re.compile(r"[，、：:（）()【】「」“”\"《》|]|,(?!\d{3})|(?<!\d),")
_LATIN_ORG = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z][a-z]*[A-Z][A-Za-z]*|[A-Z][a-z]{2,}[A-Za-z]*|[A-Z]{2,5}|x[A-Z]{2})(?![A-Za-z0-9-])"
)
_VERSION_AFTER = re.compile(r" ?\d+(?:\.\d+)?(?![\d.]*\s*(?:亿|万|%|美元|元|年|GW|个))")
_CONVERSION = ("约合", "折合", "合计约", "相当于")

_PERIOD_RES = (
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
_OBJECT_BEFORE = re.compile(r"(?:向|对|与|给|跟|同|据|根据|援引|较|比)\s*$")
_LEVELS = 3
"""Entity search levels (window, clause, sentence, paragraph): the paragraph level cost precision in eval."""
_TITLE = True
"""Fall back to the title's main entity when the sentence names none (company-centric articles)."""
_SAYS_AFTER = re.compile(r"\s*(?:[：:]|称|表示|认为|预计|预测|警告|指出|发布|最新研究|研报|报告|得出结论)")
_FROM_BEFORE = re.compile(r"(?:从|由)\s*$")
_CHANGE_ONLY = {
    "涨": "涨幅",
    "上涨": "涨幅",
    "大涨": "涨幅",
    "涨超": "涨幅",
    "暴涨": "涨幅",
    "飙升": "涨幅",
    "收涨": "涨幅",
    "跌": "跌幅",
    "下跌": "跌幅",
    "大跌": "跌幅",
    "跌超": "跌幅",
    "暴跌": "跌幅",
    "重挫": "跌幅",
    "收跌": "跌幅",
}
_NON_METRIC = frozenset(
    "完成 获得 出售 包括 包含 宣布 显示 表示 称 指出 透露 认为 预测 预计 估计 计划 拟 将 已 约 超过 超 近 逾 "
    "其中 此外 同时 分别 合计 共 仅 约为 以及 左右 比 较 同比 环比 增长 下降 全年 比例 达 为".split()
)
_NAME_TAGS = frozenset({"n", "nz", "nr", "nrt", "ns", "nt", "j"})
_NOT_NAME_START = "该本这其我各多子上全一二两三四五六七八九十几数公"
_TRIM_TAGS = {"p", "d", "c", "u", "uj", "ul", "r", "x", "m", "q", "f", "t"}


@dataclass(frozen=True, slots=True)
class EntityMention:
    """A name in a text that can be the subject of a figure."""

    start: int
    end: int
    text: str
    canonical: str
    weak: bool = False
    is_object: bool = False
    """Named after 向/对/与/据 …: the object of a preposition or the source of a report, not the subject."""


def entity_mentions(text: str) -> list[EntityMention]:
    """Known aliases, capitalized Latin org names and rjieba-tagged organizations, left to right.

    A known alias directly followed by a Latin product token (``微软Azure``, ``甲骨文OCI``) is one
    mention: the product names the contract, the company is the entity.
    """
    found: list[EntityMention] = []
    for m in ENTITY_RE.finditer(text):
        canon = ALIAS_TO_ENTITY[m.group()]
        if (
            canon in COMMODITIES
            and m.start() > 0
            and _is_cjk(text[m.start() - 1])
            and m.group() != "现货黄金"
        ):
            continue
        end = m.end()
        tail = re.match(r"\s?([A-Z][A-Za-z]{1,10})(?![A-Za-z])", text[end:])
        if tail and tail.group(1) in PRODUCT_TAILS and canon not in WEAK_ENTITIES:
            end += tail.end()
        found.append(EntityMention(m.start(), end, text[m.start() : end], canon, canon in WEAK_ENTITIES))
    for m in _LATIN_ORG.finditer(text):
        word = m.group()
        if word in ACRONYM_STOPLIST or word in ALIAS_TO_ENTITY or _VERSION_AFTER.match(text, m.end()):
            continue
        found.append(EntityMention(m.start(), m.end(), word, word))
    pos = 0
    prev: tuple[int, str, str] | None = None  # (start, word, tag) of the token before
    for word, tag in rjieba.tag(text):
        start, pos = pos, pos + len(word)
        if (
            prev
            and word in ORG_SUFFIXES
            and prev[2] in _NAME_TAGS
            and _is_cjk(prev[1][0])
            and len(prev[1]) >= 2
        ):
            name = prev[1] + word
            if (
                prev[1] not in ALIAS_TO_ENTITY
                and prev[1][0] not in _NOT_NAME_START
                and name not in ENTITY_STOPLIST
            ):
                found.append(EntityMention(prev[0], pos, prev[1] + word, prev[1] + word))  # 星尘 + 智能
        prev = (start, word, tag)
        if len(word) < 2 or not _is_cjk(word[0]) or word in ALIAS_TO_ENTITY or word in ENTITY_STOPLIST:
            continue
        if (
            tag in ("nt", "nrt")
            or (tag == "nr" and len(word) <= 4)
            or (tag.startswith("n") and word.endswith(ORG_SUFFIXES) and len(word) >= 4)
        ):
            if word[0] in _NOT_NAME_START or word.endswith(("指数", "价格", "市场")):
                continue
            found.append(EntityMention(start, pos, word, word))
    found = [
        EntityMention(
            e.start, e.end, e.text, e.canonical, e.weak, _OBJECT_BEFORE.search(text, 0, e.start) is not None
        )
        for e in found
    ]
    found.sort(key=lambda e: (e.start, -e.end))
    out: list[EntityMention] = []
    for e in found:  # drop mentions inside a longer one
        if out and e.start < out[-1].end:
            continue
        out.append(e)
    return out


def title_entity(title: str) -> str | None:
    """The title's main entity: its first strong mention (a company or institution, not a market) that
    is not the *source* of the news (``巴克莱：OpenAI…`` is about OpenAI; Barclays only says so)."""
    strong = [e for e in entity_mentions(title) if not e.weak]
    for e in strong:
        if not _SAYS_AFTER.match(title, e.end):
            return e.canonical
    return strong[0].canonical if strong else None


def extract_facts(doc: Document) -> list[Fact]:
    """Every figure fact of a document, paragraph by paragraph (citations are 1-based paragraphs)."""
    fallback = title_entity(doc.title)
    out: list[Fact] = []
    for n, text in enumerate(doc.paragraphs, start=1):
        out.extend(extract_paragraph(text, doc_id=doc.id, paragraph=n, title_entity=fallback))
    return out


def extract_paragraph(
    text: str, *, doc_id: str, paragraph: int, title_entity: str | None = None
) -> list[Fact]:
    """The figure facts of one paragraph."""
    figures = [f for f in find_figures(text) if _is_fact_figure(text, f)]
    if not figures:
        return []
    mentions = entity_mentions(text)
    mentions = [e for e in mentions if not any(f.start < e.end and e.start < f.end for f in figures)]
    periods = _periods(text)
    sentences = _bounds(text, _SENT_END)
    clauses = _bounds(text, _CLAUSE_END, within=sentences)
    out: list[Fact] = []
    prev: dict[int, list[tuple[Figure, str, str | None]]] = {}  # clause start → its earlier facts
    in_sentence: dict[int, list[tuple[Figure, str, str | None]]] = {}
    for f in figures:
        s_start = _start_of(sentences, f.start)
        c_start = _start_of(clauses, f.start)
        earlier = prev.setdefault(c_start, [])
        w_start = max([c_start] + [g.end for g in figures if c_start <= g.start and g.end <= f.start])
        window = text[w_start : f.start]
        local = f.unit in ("%", "pp", "bp")  # a percentage is about something named in its sentence
        entity = _pick_entity(mentions, w_start, c_start, s_start, f.start, local=local)
        if entity is None and local:
            continue
        entity = entity or (title_entity if _TITLE else None) or ""
        ent_end = max((e.end for e in mentions if w_start <= e.start and e.end <= f.start), default=w_start)
        role = "from" if _FROM_BEFORE.search(window) else None
        metric = _metric(text[max(ent_end, w_start) : f.start])
        if metric is None or metric in _CHANGE_ONLY or metric in CHANGE_WORDS or metric in METRIC_FILLERS:
            change = None if metric in METRIC_FILLERS else metric
            sentence_facts = in_sentence.get(s_start, [])
            new_subject = any(c_start <= e.start < f.start for e in mentions)
            pool = earlier or ([] if new_subject else sentence_facts[-1:])
            metric, role = _inherit(text, f, change, role, pool, c_start, mentions, clauses)
        if not metric:
            continue
        blockers = [_start_of(clauses, e.start) for e in mentions if not e.weak and e.end <= f.start]
        period = _period_for(periods, s_start, f.start, role, blockers, clauses)
        qualifier = "从" if role == "from" else (f.qualifier if f.qualifier in APPROXIMATIONS else None)
        earlier.append((f, metric, role))
        in_sentence.setdefault(s_start, []).append((f, metric, role))
        out.append(
            Fact(
                entity=entity,
                metric=metric,
                value=f.raw,
                unit=_written_unit(f.raw),
                normalized_value=f.normalized,
                normalized_unit=f.unit,
                period=period,
                citation=Citation(doc_id, paragraph),
                qualifier=qualifier,
            )
        )
    return out


# -- figures -------------------------------------------------------------------------------------------
def _is_fact_figure(text: str, f: Figure) -> bool:
    """Amounts worth tracking: not dates, codes, versions, years, durations, bare numbers or conversions."""
    if f.kind not in _KEEP_KINDS:
        return False
    if f.kind == "number" and f.scale == 1.0:
        return False
    if f.kind == "count" and f.scale == 1.0 and f.normalized < 1000:
        return False
    if f.high is not None and f.high < f.normalized:
        return False  # a misparsed range (800兆瓦至1吉瓦 read as 800-1 GW): better no fact than a wrong one
    if f.qualifier in _CONVERSION or text[max(0, f.start - 3) : f.start].endswith(_CONVERSION):
        return False
    return True


def _same_family(a: Figure, b: Figure) -> bool:
    return a.unit == b.unit or (a.kind == b.kind and a.kind in ("number", "count"))


_SCALE_WORDS = re.compile(
    r"^(?:万亿|千亿|百亿|十亿|亿|千万|百万|十万|万|千|trillion|billion|million|thousand|tn|bn|mn|[kKmMbB](?![A-Za-z]))\s*"
)
_NUMBER_PART = re.compile(
    r"\d[\d,]*(?:\.\d+)?|[零〇○一二两三四五六七八九十百千]+(?:点[零一二三四五六七八九]+)?"
)


def _written_unit(raw: str) -> str:
    """The unit as written after the last number and its scale: ``1100亿美元`` → 美元, ``$5 billion`` → $."""
    parts = list(_NUMBER_PART.finditer(raw))
    if not parts:
        return ""
    tail = raw[parts[-1].end() :].lstrip("多余 ")
    tail = _SCALE_WORDS.sub("", tail, count=1)
    if tail:
        return tail.strip()
    head = raw[: parts[0].start()].strip()
    return head if head and not head[0].isdigit() else ""


# -- text structure --------------------------------------------------------------------------------------
def _bounds(text: str, rx: re.Pattern[str], within: list[int] | None = None) -> list[int]:
    """Sorted start offsets of the pieces ``rx`` cuts ``text`` into (plus the starts of ``within``)."""
    starts = {0, *(within or ())}
    for m in rx.finditer(text):
        starts.add(m.end())
    return sorted(starts)


def _start_of(starts: list[int], pos: int) -> int:
    best = 0
    for s in starts:
        if s > pos:
            break
        best = s
    return best


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


# -- entity ----------------------------------------------------------------------------------------------
def _pick_entity(
    mentions: list[EntityMention], w_start: int, c_start: int, s_start: int, pos: int, *, local: bool = False
) -> str | None:
    """The figure's subject: the first strong mention of its window, else of its clause, else of its
    sentence, else the latest one earlier in the paragraph; a scope (全球, 美股) only when no actor is
    named."""
    before = [e for e in mentions if e.end <= pos and not e.is_object]
    levels = (w_start, c_start, s_start) if local else (w_start, c_start, s_start, 0)
    for lo in levels[:_LEVELS]:
        strong = [e for e in before if e.start >= lo and not e.weak]
        if strong:  # the subject comes first in Chinese; earlier sentences hand over their latest one
            return strong[0].canonical if lo != 0 else strong[-1].canonical
    weak = [e for e in before if e.start >= s_start]
    return weak[-1].canonical if weak else None


# -- metric ----------------------------------------------------------------------------------------------
def _metric(span: str) -> str | None:
    """The metric phrase of a window: periods, qualifiers and linking verbs out; None when nothing is left."""
    s = span
    for rx in _PERIOD_RES:
        s = rx.sub(" ", s)
    s = re.sub(r"\[\d+\]|[\d.,%]+|[\s\"'“”‘’·•\-–—~～/]+", " ", s)
    s = re.sub(
        r"(?:约合|大约|约为|约|超过|超出|超|逾|将近|接近|近|不到|不足|至少|最多|最高|突破|预计|预期将|或)\s*$",
        "",
        s.strip(),
    )
    s = re.sub(r"(?:完成|获得|获|斥资|宣布|拟|计划|披露)\s*$", "", s.strip())
    s = s.strip()
    stripped = True
    while stripped:  # 营收增长至 → 营收: a trailing linking verb says nothing
        stripped = False
        for verb in COPULAS:
            if s.endswith(verb):
                s, stripped = s[: -len(verb)].rstrip(), True
                break
    for verb in COPULAS:  # 营收达到峰值 → 营收; 达到峰值 → 峰值 only when nothing precedes the verb
        i = s.rfind(verb)
        if i > 0 and _trim(s[:i].strip()) not in ("", *_NON_METRIC):
            s = s[:i]
            break
        if i > 0:
            s = s[i + len(verb) :]
            break
        if i == 0 and s[len(verb) :].strip():
            s = s[len(verb) :]
            break
    s = _trim(s.split()[-1] if s.split() else "")
    if not s or s in _NON_METRIC or len(s) > 16 or not any(_is_cjk(c) or c.isalpha() for c in s):
        return None
    return s


def _trim(s: str) -> str:
    """Drop function words, numerals and adverbs from both ends of a metric phrase (by rjieba tag)."""
    while True:
        before = s
        for w in LEAD_FILLERS:
            if s.startswith(w) and len(s) > len(w) and w not in ("前", "中", "间", "后"):
                s = s[len(w) :]
        for w in (
            "包括",
            "包含",
            "分别是",
            "涉及",
            "如",
            "有",
            "的",
            "了",
            "和",
            "与",
            "及",
            "为",
            "在",
            "将",
            "已",
            "均",
            "都",
            "也",
            "中",
            "间",
            "后",
        ):
            if s.endswith(w) and len(s) > len(w):
                s = s[: -len(w)]
        if s == before:
            break
    tags = [(w, t) for w, t in rjieba.tag(s) if w.strip()] if s else []
    while tags and tags[0][1] in _TRIM_TAGS:
        tags = tags[1:]
    while tags and (tags[-1][1] in _TRIM_TAGS - {"f"} or _weak_verb(*tags[-1])):
        tags = tags[:-1]
    if not tags or not any(
        t.startswith(("n", "vn", "eng", "j")) or w in METRIC_VERBS or w in CHANGE_WORDS or w in _CHANGE_ONLY
        for w, t in tags
    ):
        return ""
    if any(_breaks_phrase(w, t) for w, t in tags[1:-1]) or _breaks_phrase(*tags[-1]):
        return ""  # 要在算力上花费, 公司已签约: a clause, not a noun phrase — abstain
    words = [w for w, _ in tags]
    if len(words) > 5:  # a long window: the metric is the phrase nearest the number
        words = words[-4:]
    out = "".join(words).strip().lstrip("的")
    return out if len(out) >= 2 or out in _CHANGE_ONLY else ""


def _breaks_phrase(word: str, tag: str) -> bool:
    """A token that cannot sit inside a metric phrase: prepositions, adverbs, pronouns, place and time
    words, numerals. (Verbs may: 计算运营支出 is tagged verb-verb-verb.)"""
    if word in METRIC_VERBS or word in CHANGE_WORDS or word in _CHANGE_ONLY or word == "的":
        return False
    return tag in ("p", "d", "r", "f", "c", "t", "u", "ul", "uz", "uv", "ud", "ug", "y", "m")


def _weak_verb(word: str, tag: str) -> bool:
    """A verb that ends a window without naming what is measured (推进, 签署, 可能), or an adverb."""
    if word in METRIC_VERBS or word in CHANGE_WORDS or word in _CHANGE_ONLY:
        return False
    return tag in ("v", "d", "c", "ad", "vd", "a", "ag")


def _metric_after(text: str, f: Figure, clauses: list[int]) -> str | None:
    """``完成超10亿B轮融资``: a short noun phrase right after the figure, when nothing before it names one."""
    nxt = min((c for c in clauses if c > f.end), default=len(text))
    tail = text[f.end : nxt].lstrip("的 ")
    tail = re.split(r"[，。；、,]", tail)[0]
    if not tail or len(tail) > 8 or any(ch.isdigit() for ch in tail):
        return None
    tags = rjieba.tag(tail)
    if not tags or not tags[-1][1].startswith(("n", "vn")):
        return None
    return _metric(tail)


def _inherit(
    text: str,
    f: Figure,
    change: str | None,
    role: str | None,
    earlier: list[tuple[Figure, str, str | None]],
    c_start: int,
    mentions: list[EntityMention],
    clauses: list[int],
) -> tuple[str | None, str | None]:
    """Metric (and role) of a figure whose window names none: ``从600亿美元上调50%至900亿美元``.

    A change word (上调, 涨) makes the figure a change of the clause's metric (预期营收上调); a bare
    linking verb makes it another value of the same metric, the end value when the earlier one was a
    ``从`` value. With no earlier figure, the clause head before its first entity names the metric
    (``主要合约包括甲骨文OCI 3000亿美元`` → 主要合约), else a short noun phrase after the figure.
    """
    pct = f.unit in ("%", "pp", "bp")
    same = [e for e in earlier if _same_family(e[0], f)]
    if change:
        if not pct:
            return (same[-1][1] + change if same else None), role
        base = earlier[-1][1] if earlier and earlier[-1][0].unit not in ("%", "pp", "bp") else None
        return (base + change if base else _CHANGE_ONLY.get(change, change)), role
    if same:
        last = same[-1]
        return last[1], ("to" if last[2] == "from" and role is None else role)
    if earlier:
        return None, role
    first = min((e.start for e in mentions if c_start <= e.start < f.start), default=None)
    head = _metric(text[c_start:first]) if first is not None and first > c_start else None
    return (head or _metric_after(text, f, clauses)), role


# -- period ----------------------------------------------------------------------------------------------
def _periods(text: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for rx in _PERIOD_RES:
        for m in rx.finditer(text):
            if any(s <= m.start() < e for s, e, _ in found):
                continue
            if m.end() < len(text) and text[m.end()] in "月日" and "年" not in m.group()[-1:]:
                continue
            found.append((m.start(), m.end(), m.group().strip()))
    return sorted(found)


def _period_for(
    periods: Iterable[tuple[int, int, str]],
    s_start: int,
    pos: int,
    role: str | None,
    blockers: list[int],
    clauses: list[int],
) -> str | None:
    """The nearest period before the figure in its sentence; a year range splits for from→to pairs.

    A period stated for another subject earlier in the sentence (``英伟达Q1净利润…，恒指跌1.5%``) does
    not carry over: a period from an earlier clause is inherited only when no later clause names an entity.
    """
    best = None
    for s, e, p in periods:
        if s >= s_start and e <= pos:
            p_clause = _start_of(clauses, s)
            if not any(b > p_clause for b in blockers):
                best = p
    if best is None:
        return None
    rng = re.match(r"(?:FY\s?)?((?:19|20)\d{2})\s*(?:至|到|-|—|–|~|～)\s*((?:19|20)?\d{2})", best)
    if rng and role in ("from", "to"):
        start, end = rng.group(1), rng.group(2)
        if len(end) == 2:
            end = start[:2] + end
        return f"{start}年" if role == "from" else f"{end}年"
    return re.sub(r"(?:间|期间)$", "", best)
