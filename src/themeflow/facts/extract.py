"""Figure facts from paragraphs: who (entity), what (metric), how much, when (period), where it was said.

Rule-based on purpose: every fact must be traceable to the words around its number, and an analyst must
be able to see why a fact was read the way it was. The parser in :mod:`themeflow.text.numbers` finds the
figures; this module reads the clause around each one:

* **clauses**: sentences split on 。！？；, clauses on ，、：and brackets. A figure's *window* is the clause
  text between the previous figure of the clause (or the clause start) and the figure.
* **entity**: an organization named in the window (known aliases, capitalized Latin names such as
  OpenAI/CoreWeave/Bloom Energy, rjieba ``nt``/``nr``/``nz`` tags, CJK names ending in 公司/银行/集团 …),
  or named right after the figure as its owner (``640亿美元的CoreWeave``); else a scope (全球, 美国) of
  the clause, the first actor in subject position earlier in the sentence, and — for an anaphor (该公司,
  公司, 其) or a sentence that names no one — the paragraph's first actor, then the title's main entity.
  Objects (向/对/据 X), owners (X旗下), counted things (22万块英伟达处理器) and quoted names are not
  subjects.
* **metric**: the noun phrase in the window with periods, qualifiers and linking verbs (达到/为/增至 …)
  removed, or the noun phrase right after the figure (``46.7亿港元配售``; ``价值最高270亿美元的算力供应
  协议`` → 算力供应协议价值); a window holding only a linking verb (``从600亿美元上调至900亿美元``)
  inherits the metric of the figure before it. Metric phrases live in :mod:`.metric`.
* **confidence** (:mod:`.confidence`): each fact records where its entity and metric came from and what
  looks wrong with the metric; :func:`extract_facts` keeps facts at or above the threshold.
* **period**: the nearest year, year range, quarter or fiscal year earlier in the sentence. For
  ``2024至2030年…从114.3GW增长至236GW`` the start value gets 2024年 and the end value 2030年.

The work is split by job: :mod:`.mentions` finds the names, :mod:`.subject` picks the figure's subject
among them, :mod:`.metric` reads metric phrases, :mod:`.clauses` finds sentence and clause starts and
periods, and :mod:`.doubts` holds the named rules that flag a doubtful candidate. This module runs them
figure by figure.

Precision over recall: a figure with no readable metric is dropped, and so are dates, tickers, product
versions, bare years, unscaled bare numbers, conversions (``约合…``) and scenarios (``降息25个基点的概率``);
a fact whose entity only the title supplies, with no anaphor pointing there, is below the threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from themeflow.facts.clauses import CLAUSE_END, SENT_END, bounds, period_for, periods, start_of
from themeflow.facts.confidence import CONFIDENCE_THRESHOLD, ScoredFact, confidence
from themeflow.facts.doubts import DoubtCase, doubts_of
from themeflow.facts.evidence import Evidence
from themeflow.facts.lexicon import (
    APPROXIMATIONS,
    CHANGE_ONLY,
    CHANGE_WORDS,
    GENERIC_ATTRIBUTES,
    METRIC_FILLERS,
)
from themeflow.facts.mentions import EntityMention, entity_mentions, mover_mentions, title_entity
from themeflow.facts.metric import metric_after, metric_doubt, metric_phrase, per_unit_price
from themeflow.facts.subject import (
    counted,
    in_subject_position,
    modifies_next,
    owner_after,
    pick_entity,
    through_aside,
)
from themeflow.model import Citation, Document, Fact
from themeflow.text.numbers import Figure, find_figures

__all__ = [
    "candidate_facts",
    "candidate_paragraph",
    "change_partners",
    "extract_facts",
    "extract_paragraph",
    "scored_facts",
    "scored_paragraph",
]

_KEEP_KINDS = frozenset(
    {"money", "percent", "multiple", "power", "energy", "data", "count", "number", "volume", "weight"}
)
_POINTS = ("%", "pp", "bp")
_CONVERSION = ("约合", "折合", "合计约", "相当于")
_SCENARIO_AFTER = re.compile(r"\s*的(?:概率|可能性|可能)")
_COMPARE = re.compile(r"比(?![例重率])|较(?![为大小高低多少好差])|高于|低于")
_FROM_BEFORE = re.compile(r"(?:从|由)(?:之前|此前|原先|原来|先前)?的?\s*$")
_CLOSE = re.compile(r"收于|收报|收盘报")
_BARE_MOVE = re.compile(r"(?<![上下大暴累])[涨跌]$")
_LIST_INTRO = re.compile(r"(?:包括|包含|涵盖|分别为|分别是)\s*$")

_Earlier = list[tuple[Figure, str, str | None]]
"""Facts already read in a clause or sentence: (figure, metric, role)."""


def extract_facts(doc: Document) -> list[Fact]:
    """The figure facts of a document the extractor is confident of (citations are 1-based paragraphs)."""
    return [s.fact for s in scored_facts(doc) if s.confidence >= CONFIDENCE_THRESHOLD]


def scored_facts(doc: Document) -> list[ScoredFact]:
    """Every candidate fact of a document with its confidence and evidence, including those below the
    threshold (what ``extract_facts`` drops and why)."""
    return _score(candidate_facts(doc))


def _score(found: list[tuple[Fact, Evidence]]) -> list[ScoredFact]:
    scores = [confidence(fact, ev) for fact, ev in found]
    for i, partner in enumerate(change_partners(found)):
        if partner is not None:
            scores[i] = scores[partner]
    return [ScoredFact(fact, score, ev) for (fact, ev), score in zip(found, scores, strict=True)]


def change_partners(found: list[tuple[Fact, Evidence]]) -> list[int | None]:
    """For the end value of a change (``从114.3GW增长至236GW``: 236GW), the index of its start value;
    None for every other fact.

    Why: the two ends are one claim, with one subject and one metric, and the end value only inherits
    both from the start. On the labelled figures the two ends were right or wrong together in every
    pair (17 of 17), so the end takes the start's score rather than a lower one of its own.
    """
    out: list[int | None] = []
    last_from: int | None = None
    for i, (fact, ev) in enumerate(found):
        partner = None
        if ev.role == "from":
            last_from = i
        elif ev.role == "to" and last_from is not None:
            start = found[last_from][0]
            if (start.citation, start.entity, start.metric) == (fact.citation, fact.entity, fact.metric):
                partner = last_from
            last_from = None
        out.append(partner)
    return out


def candidate_facts(doc: Document) -> list[tuple[Fact, Evidence]]:
    """Every candidate fact of a document with its evidence, unscored (the confidence model's inputs)."""
    fallback = title_entity(doc.title)
    out: list[tuple[Fact, Evidence]] = []
    for n, text in enumerate(doc.paragraphs, start=1):
        out.extend(candidate_paragraph(text, doc_id=doc.id, paragraph=n, title_entity=fallback))
    return out


def extract_paragraph(
    text: str, *, doc_id: str, paragraph: int, title_entity: str | None = None
) -> list[Fact]:
    """The figure facts of one paragraph the extractor is confident of."""
    return [
        s.fact
        for s in scored_paragraph(text, doc_id=doc_id, paragraph=paragraph, title_entity=title_entity)
        if s.confidence >= CONFIDENCE_THRESHOLD
    ]


def scored_paragraph(
    text: str, *, doc_id: str, paragraph: int, title_entity: str | None = None
) -> list[ScoredFact]:
    """The candidate facts of one paragraph, each with its confidence (see :mod:`.confidence`)."""
    return _score(candidate_paragraph(text, doc_id=doc_id, paragraph=paragraph, title_entity=title_entity))


def candidate_paragraph(
    text: str, *, doc_id: str, paragraph: int, title_entity: str | None = None
) -> list[tuple[Fact, Evidence]]:
    """The candidate facts of one paragraph, each with where its entity and metric came from."""
    figures = [f for f in find_figures(text) if _is_fact_figure(text, f)]
    if not figures:
        return []
    para = _read_paragraph(text, figures)
    citation = Citation(doc_id, paragraph)
    out: list[tuple[Fact, Evidence]] = []
    in_clause: dict[int, _Earlier] = {}  # clause start → its earlier facts
    in_sentence: dict[int, _Earlier] = {}
    for f in figures:
        site = _site(para, f)
        earlier = in_clause.setdefault(site.c_start, [])
        sentence_facts = in_sentence.setdefault(site.s_start, [])
        found = _candidate(para, site, earlier, sentence_facts, title_entity, citation)
        if found is not None:
            fact, evidence = found
            earlier.append((f, fact.metric, evidence.role))
            sentence_facts.append((f, fact.metric, evidence.role))
            out.append(found)
    return out


@dataclass(frozen=True, slots=True)
class _Paragraph:
    """A paragraph read once: its fact figures, the names in it, its periods, sentence and clause starts."""

    text: str
    figures: list[Figure]
    mentions: list[EntityMention]
    periods: list[tuple[int, int, str]]
    sentences: list[int]
    clauses: list[int]


def _read_paragraph(text: str, figures: list[Figure]) -> _Paragraph:
    """Names (movers included), periods and structure of a paragraph; a name that overlaps a figure is
    dropped, and each name learns whether it can be a subject (not counted, not qualifying the next
    name, no verb before it in its clause)."""
    found = entity_mentions(text)
    found = sorted(found + mover_mentions(text, figures, found), key=lambda e: e.start)
    sentences = bounds(text, SENT_END)
    clauses = bounds(text, CLAUSE_END, within=sentences)
    mentions = [
        EntityMention(
            e.start,
            e.end,
            e.text,
            e.canonical,
            e.weak,
            e.is_object or counted(e, figures) or modifies_next(text, e, found),
            in_subject_position(text, start_of(clauses, e.start), e.start),
            e.kind,
        )
        for e in found
        if not any(f.start < e.end and e.start < f.end for f in figures)
    ]
    return _Paragraph(text, figures, mentions, periods(text), sentences, clauses)


@dataclass(frozen=True, slots=True)
class _Site:
    """Where a figure sits: its sentence and clause, the words before it, and where to read them.

    ``window`` is the clause text between the previous figure of the clause (or the clause start) and the
    figure. A figure in brackets right after a phrase (``容量（约1200GW）``) restates that phrase: its
    words are read before the bracket (``anchor``, ``a_clause``, ``a_window``), else they are the window.
    """

    figure: Figure
    s_start: int
    c_start: int
    c_end: int
    window: str
    bracket: bool
    anchor: int
    a_clause: int
    a_window: int


def _site(p: _Paragraph, f: Figure) -> _Site:
    text = p.text
    s_start = start_of(p.sentences, f.start)
    c_start = start_of(p.clauses, f.start)
    c_end = min((c for c in p.clauses if c > f.end), default=len(text))
    w_start = max([c_start] + [g.end for g in p.figures if c_start <= g.start and g.end <= f.start])
    window = text[w_start : f.start]
    bracket = (
        w_start == c_start and c_start > 0 and text[c_start - 1] in "（(" and not window.strip("约近超逾 ")
    )
    anchor = c_start - 1 if bracket else f.start
    a_clause = start_of(p.clauses, anchor - 1) if bracket else through_aside(text, p.clauses, c_start)
    a_window = a_clause if bracket else w_start
    return _Site(f, s_start, c_start, c_end, window, bracket, anchor, a_clause, a_window)


def _candidate(
    p: _Paragraph,
    site: _Site,
    earlier: _Earlier,
    sentence_facts: _Earlier,
    title_entity: str | None,
    citation: Citation,
) -> tuple[Fact, Evidence] | None:
    """The fact a figure states, with its evidence; None when it has no subject (a percentage) or no
    readable metric."""
    f = site.figure
    picked = _entity(p, site, title_entity)
    if picked is None:
        return None
    entity, entity_from = picked
    if site.bracket and entity_from in ("window", "clause"):
        entity_from = "bracket"
    metric, metric_from, role = _metric(p, site, earlier, sentence_facts)
    if not metric:
        return None
    blockers = [start_of(p.clauses, e.start) for e in p.mentions if not e.weak and e.end <= f.start]
    case = DoubtCase(
        p.text,
        p.mentions,
        f,
        entity,
        entity_from,
        metric,
        metric_from,
        site.window,
        site.a_window,
        site.anchor,
        site.s_start,
    )
    evidence = Evidence(
        entity_from,
        metric_from,
        _rivals(p, site, entity),
        metric_doubt(metric, after=metric_from == "after") + doubts_of(case),
        next((e.kind for e in p.mentions if e.canonical == entity), "title" if entity else "none"),
        _gap(p, f, entity, entity_from),
        role,
    )
    fact = Fact(
        entity=entity,
        metric=metric,
        value=f.raw + f.per,  # 839元/吨: a price per unit is shown with its denominator
        unit=_written_unit(f.raw) + f.per.replace(" ", "").replace("／", "/"),
        normalized_value=f.normalized,
        normalized_unit=f.unit,
        period=period_for(p.periods, site.s_start, f.start, role, blockers, p.clauses),
        citation=citation,
        qualifier="从" if role == "from" else (f.qualifier if f.qualifier in APPROXIMATIONS else None),
    )
    return fact, evidence


def _entity(p: _Paragraph, site: _Site, title_entity: str | None) -> tuple[str, str] | None:
    """(entity, where it came from): an owner named right after the figure, else the nearest subject
    (:func:`~.subject.pick_entity`); an anaphor with no actor in the paragraph, or nothing named at all,
    falls back to the title's entity. None for a percentage with no subject in its sentence: a
    percentage is about something named next to it."""
    f = site.figure
    local = f.unit in _POINTS
    picked = owner_after(p.text, f, p.mentions, site.c_end) or pick_entity(
        p.text,
        p.mentions,
        p.sentences,
        p.clauses,
        site.a_window,
        site.a_clause,
        site.s_start,
        site.anchor,
        local=local,
    )
    if picked is None and local:
        return None
    if picked is None or picked == ("", "coref"):
        kind = "coref" if picked else "title"
        return (title_entity, kind) if title_entity else ("", "none")
    return picked


def _metric(
    p: _Paragraph, site: _Site, earlier: _Earlier, sentence_facts: _Earlier
) -> tuple[str | None, str, str | None]:
    """(metric, where it came from, role): the phrase before the figure (after its entity and any
    comparison), a per-unit price, the noun phrase after the figure when the window holds none or only a
    vague attribute, or — for a bare change or linking verb — the metric of the figure before."""
    text, f = p.text, site.figure
    ent_end = max(
        (e.end for e in p.mentions if site.a_window <= e.start and e.end <= site.anchor),
        default=site.a_window,
    )
    role = "from" if _FROM_BEFORE.search(site.window) else None
    span = text[max(ent_end, site.a_window) : site.anchor]
    cut = list(_COMPARE.finditer(span))
    if cut:  # 工资增长率比符合2%通胀目标…: the figure belongs to what is compared with
        span = span[cut[-1].end() :]
    metric = metric_phrase(span)
    metric_from = "bracket" if site.bracket else "window"
    after = metric_after(text, f.end, site.c_end)
    if after and (metric_doubt(after, after=True) or after in METRIC_FILLERS):
        after = None
    if f.kind == "money" and (per := per_unit_price(span.strip())):
        metric = per  # 突破每盎司4000美元 → 每盎司价格
        if _CLOSE.search(span):
            metric = "收盘价"  # 收于每桶74.08美元: the closing price
    elif metric and after and (metric in GENERIC_ATTRIBUTES or metric_doubt(metric)):
        # 价值最高270亿美元的算力供应协议 → 算力供应协议价值; 转而调整为300亿美元投资 → 投资
        metric = after + metric if metric in GENERIC_ATTRIBUTES else after
        metric_from = "after"
    if metric is None or metric in CHANGE_ONLY or metric in CHANGE_WORDS or metric in METRIC_FILLERS:
        change = None if metric in METRIC_FILLERS else metric
        if change is None and after:
            metric, metric_from = after, "after"
        else:
            new_subject = any(site.c_start <= e.start < f.start for e in p.mentions)
            pool = earlier or ([] if new_subject else sentence_facts[-1:])
            metric, role, metric_from = _inherit(text, f, change, role, pool, site.c_start, p.mentions, after)
    if metric and _BARE_MOVE.search(metric):
        metric += "幅"  # 盘中涨15%, 开盘跌0.07%: the measure is the move's size (盘中涨幅)
    return metric, metric_from, role


def _rivals(p: _Paragraph, site: _Site, entity: str) -> int:
    """How many other actors the sentence names before the figure."""
    named = {
        e.canonical
        for e in p.mentions
        if site.s_start <= e.start and e.end <= site.figure.start and not e.weak
    }
    return len(named - {entity})


def _gap(p: _Paragraph, f: Figure, entity: str, entity_from: str) -> int:
    """Characters between the entity's latest mention and the figure (-1 when it is not named before it);
    for an owner named right after the figure (640亿美元的CoreWeave), the distance after it."""
    if entity_from == "owner":
        return min(
            (e.start - f.end for e in p.mentions if e.canonical == entity and e.start >= f.end), default=-1
        )
    own = [e for e in p.mentions if e.canonical == entity and e.end <= f.start] if entity else []
    return f.start - own[-1].end if own else -1


# -- figures -------------------------------------------------------------------------------------------
def _is_fact_figure(text: str, f: Figure) -> bool:
    """Amounts worth tracking: not dates, codes, versions, years, durations, bare numbers or conversions."""
    if f.kind not in _KEEP_KINDS:
        return False
    if f.kind == "number" and f.scale == 1.0:
        return False
    if _SCENARIO_AFTER.match(text, f.end):
        return False  # 降息25个基点的概率约为90%: 25个基点 is a scenario; its probability is the fact
    if not _NUMBER_PART.search(f.raw):
        return False  # 万亿美元资金需求: an order of magnitude, not a figure
    if f.kind == "count" and f.scale == 1.0 and f.normalized < 1000:
        return False
    if f.high is not None and f.high < f.normalized:
        return False  # a misparsed range (800兆瓦至1吉瓦 read as 800-1 GW): better no fact than a wrong one
    if f.qualifier in _CONVERSION or text[max(0, f.start - 3) : f.start].endswith(_CONVERSION):
        return False
    return True


def _same_family(a: Figure, b: Figure) -> bool:
    """Figures one chain of from/to or change may join: the same unit (a rate by its numerator: 从8万元/吨
    涨到18万元 is one price written once with its denominator), or two bare numbers or counts."""
    return a.unit.split("/", 1)[0] == b.unit.split("/", 1)[0] or (
        a.kind == b.kind and a.kind in ("number", "count")
    )


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


# -- inherited metrics -------------------------------------------------------------------------------
def _inherit(
    text: str,
    f: Figure,
    change: str | None,
    role: str | None,
    earlier: list[tuple[Figure, str, str | None]],
    c_start: int,
    mentions: list[EntityMention],
    after: str | None,
) -> tuple[str | None, str | None, str]:
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
            return (same[-1][1] + change if same else None), role, "change"
        base = earlier[-1][1] if earlier and earlier[-1][0].unit not in ("%", "pp", "bp") else None
        return (base + change if base else CHANGE_ONLY.get(change, change)), role, "change"
    if same:
        last = same[-1]
        return last[1], ("to" if last[2] == "from" and role is None else role), "inherited"
    if earlier:
        return None, role, "none"
    if after:
        return after, role, "after"
    first = min((e.start for e in mentions if c_start <= e.start < f.start), default=None)
    if first is None or first <= c_start:
        return None, role, "head"
    lead = text[c_start:first]
    # 主要合约包括甲骨文OCI 3000亿美元 微软Azure…: a head that introduces a list names the list's metric
    return metric_phrase(lead), role, ("list_head" if _LIST_INTRO.search(lead) else "head")
