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

Precision over recall: a figure with no readable metric is dropped, and so are dates, tickers, product
versions, bare years, unscaled bare numbers, conversions (``约合…``) and scenarios (``降息25个基点的概率``);
a fact whose entity only the title supplies, with no anaphor pointing there, is below the threshold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from themeflow.facts.confidence import CONFIDENCE_THRESHOLD, ScoredFact, confidence
from themeflow.facts.evidence import Evidence
from themeflow.facts.lexicon import (
    ACRONYM_STOPLIST,
    ALIAS_TO_ENTITY,
    APPROXIMATIONS,
    CHANGE_ONLY,
    CHANGE_WORDS,
    COMMODITIES,
    ENTITY_RE,
    ENTITY_STOPLIST,
    GENERIC_ATTRIBUTES,
    INDEX_RE,
    METRIC_FILLERS,
    ORG_SUFFIXES,
    PERIOD_NOUNS,
    PRODUCT_TAILS,
    SAYS_AFTER,
    SOURCES,
    SPEAKER_ROLES,
    STATISTICS_SOURCES,
    WEAK_ENTITIES,
)
from themeflow.facts.metric import (
    PERIOD_RES,
    is_cjk,
    metric_after,
    metric_doubt,
    metric_phrase,
    per_unit_price,
)
from themeflow.model import Citation, Document, Fact
from themeflow.text.numbers import Figure, find_figures
from themeflow.text.segment import pos_tags
from themeflow.text.speech import saying_verbs

__all__ = [
    "EntityMention",
    "candidate_facts",
    "candidate_paragraph",
    "change_partners",
    "entity_mentions",
    "extract_facts",
    "extract_paragraph",
    "scored_facts",
    "scored_paragraph",
    "title_entity",
]

_KEEP_KINDS = frozenset(
    {"money", "percent", "multiple", "power", "energy", "data", "count", "number", "volume", "weight"}
)
_SENT_END = re.compile(r"[。！？!?；;\n]|\s{2,}|(?<=\])\s|\s-\s")
_CLAUSE_END = re.compile(r"[，、：:（）()【】「」“”\"《》|]|——|,(?!\d{3})|(?<!\d),")
_LATIN_ORG = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z][a-z]*[A-Z][A-Za-z]*|[A-Z][a-z]{2,}[A-Za-z]*|[A-Z]{2,5}|x[A-Z]{2})(?![A-Za-z0-9-])"
)
_LATIN_WORD = r"(?:[A-Z][A-Za-z]*|x[A-Z]{2})"
_ACRONYM = re.compile(r"[A-Z][A-Za-z]?[A-Z]{1,4}|[A-Z]{2}[a-z][A-Z]|[A-Z]aa[A-Z]")
"""All capitals (ESS, FICC), also with one lower-case letter (MaaS): an acronym rather than a name."""
_LATIN_NAME = re.compile(rf"(?<![A-Za-z0-9]){_LATIN_WORD}(?: {_LATIN_WORD})*(?![A-Za-z0-9-])")
_VERSION_AFTER = re.compile(r" ?\d+(?:\.\d+)?(?![\d.]*\s*(?:亿|万|%|美元|元|年|GW|个))")
_CONVERSION = ("约合", "折合", "合计约", "相当于")
_SCENARIO_AFTER = re.compile(r"\s*的(?:概率|可能性|可能)")

_OBJECT_BEFORE = re.compile(
    r"(?:向|对|与|给|跟|同|较|比|高于|低于|因|由于)\s*$|(?:据|根据|援引)[^，。；,;：:]{0,8}$"
)
_DIFFERENCE = re.compile(r"(?:低了|高了|高出|低出|多出|少了|差距)\s*(?:约|近|超过|超)?\s*$")
_COMPARE = re.compile(r"比(?![例重率])|较(?![为大小高低多少好差])|高于|低于")
_NOT_SUBJECT_AFTER = re.compile(r"旗下")
"""``马斯克旗下的SpaceX``: the owner is named, the subsidiary is the subject."""
_ANAPHOR = re.compile(
    r"(?:该|这家|此)(?:公司|集团|银行|机构|行)|这家[\u4e00-\u9fff]{0,6}(?:公司|巨头|企业|机构|银行)"
    r"|^\s*(?:公司|其(?![中他它余实次]))"
)
"""该公司 / 这家公司 / 该行 anywhere, 公司 or 其 opening a clause: the subject is named elsewhere."""
_INDEX_NAME = re.compile(r"(?:指数|综指|成指|创业板指|科创50)$")
_ATTRIBUTIVE_AFTER = re.compile(r"[\u4e00-\u9fff](?!股|市)")
"""``全球裁员``, ``全球零售销量``: 全球 glued to the measure is an adverb of the subject's figure, not a scope."""
_PERSON_NAME = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+)+|[A-Z][a-z]+·[A-Z][a-z]+")
"""A Latin personal name (``Vivek Arya``): two or more capitalized words."""
_COPULA_VERBS = frozenset("是 为 有 在".split())
_OPEN_QUOTES = '“「《"'
_SAYS_AFTER = re.compile(rf"\s*(?:[：:]|{saying_verbs('title_source')})")
"""A name in the title followed by a colon or a reporting verb is the source of the news."""
_FROM_BEFORE = re.compile(r"(?:从|由)(?:之前|此前|原先|原来|先前)?的?\s*$")
_NAME_TAGS = frozenset({"n", "nz", "nr", "nrt", "ns", "nt", "j"})
_NOT_NAME_START = "该本这其我各多子上全一二两三四五六七八九十几数公受据"


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
    subject: bool = True
    """No verb between its clause start and it: it can hand itself over to later clauses as their subject
    (``不享有博通背书，以8.5%的票息…`` is not about 博通)."""
    kind: str = "known"
    """How the name was recognized, which says how likely it is to be a real actor: ``known`` (the entity
    lexicon), ``index``, ``latin`` (capitalized words: OpenAI, Bloom Energy), ``acronym`` (all capitals:
    also segments and jargon such as ESS, MaaS, ABF), ``tagged`` (the segmenter's name tags), ``mover``
    (the name before 涨/跌 in a market report)."""


def entity_mentions(text: str) -> list[EntityMention]:
    """Known aliases, capitalized Latin org names and rjieba-tagged organizations, left to right.

    A known alias directly followed by a Latin product token (``微软Azure``, ``甲骨文OCI``) is one
    mention: the product names the contract, the company is the entity.
    """
    found: list[EntityMention] = []
    for m in ENTITY_RE.finditer(text):
        canon = ALIAS_TO_ENTITY[m.group()]
        if canon in COMMODITIES and m.start() > 0 and is_cjk(text[m.start() - 1]) and m.group() != "现货黄金":
            continue
        end = m.end()
        tail = re.match(r"\s?([A-Z][A-Za-z]{1,10})(?![A-Za-z])", text[end:])
        if tail and tail.group(1) in PRODUCT_TAILS and canon not in WEAK_ENTITIES:
            end += tail.end()
        found.append(EntityMention(m.start(), end, text[m.start() : end], canon, canon in WEAK_ENTITIES))
    for m in INDEX_RE.finditer(text):  # 恒生生物科技指数: one name, whatever the segmenter makes of it
        name = m.group()
        found.append(EntityMention(m.start(), m.end(), name, ALIAS_TO_ENTITY.get(name, name), kind="index"))
    for m in _LATIN_NAME.finditer(text):  # Business Insider, Bloom Energy: one name, not two
        words = m.group().split(" ")
        start, end = m.start(), m.end()
        while words and words[0] in ACRONYM_STOPLIST:
            start += len(words.pop(0)) + 1
        while words and words[-1] in ACRONYM_STOPLIST:
            end -= len(words.pop()) + 1
        name = " ".join(words)
        if not words or name in ALIAS_TO_ENTITY or _VERSION_AFTER.match(text, end):
            continue
        if len(words) == 1 and not _LATIN_ORG.fullmatch(name):
            continue
        kind = "acronym" if len(words) == 1 and _ACRONYM.fullmatch(name) else "latin"
        found.append(EntityMention(start, end, name, name, kind=kind))
    pos = 0
    prev: tuple[int, str, str] | None = None  # (start, word, tag) of the token before
    tagged = pos_tags(text)
    for i, (word, tag) in enumerate(tagged):
        start, pos = pos, pos + len(word)
        if (
            prev
            and word in ORG_SUFFIXES
            and prev[2] in _NAME_TAGS
            and is_cjk(prev[1][0])
            and len(prev[1]) >= 2
        ):
            name = prev[1] + word
            if (
                prev[1] not in ALIAS_TO_ENTITY
                and prev[1][0] not in _NOT_NAME_START
                and name not in ENTITY_STOPLIST
                and prev[1] not in PERIOD_NOUNS
                and not _SUFFIX_INTO_MEASURE.match(text, pos)
            ):
                found.append(
                    EntityMention(prev[0], pos, prev[1] + word, prev[1] + word, kind="tagged")
                )  # 星尘 + 智能
        prev = (start, word, tag)
        if len(word) < 2 or not is_cjk(word[0]) or word in ALIAS_TO_ENTITY or word in ENTITY_STOPLIST:
            continue
        if (
            tag in ("nt", "nrt")
            or (tag == "nr" and len(word) <= 4)
            or (tag.startswith("n") and word.endswith(ORG_SUFFIXES) and len(word) >= 4)
        ):
            if word[0] in _NOT_NAME_START or word.endswith(("指数", "价格", "市场")):
                continue
            if tag != "nt" and _name_fragment(tagged, i):
                continue
            speaker = tag == "nr" and bool(SAYS_AFTER.match(text, pos))  # 沃什还表示: a speaker
            found.append(EntityMention(start, pos, word, word, is_object=speaker, kind="tagged"))
    found = [
        EntityMention(
            e.start,
            e.end,
            e.text,
            e.canonical,
            e.weak,
            e.is_object or _not_subject(text, e.start, e.end, e.canonical),
            kind=e.kind,
        )
        for e in found
        if not (e.canonical == "全球" and _ATTRIBUTIVE_AFTER.match(text, e.end))
    ]
    found.sort(key=lambda e: (e.start, -e.end))
    out: list[EntityMention] = []
    for e in found:  # drop mentions inside a longer one
        if out and e.start < out[-1].end:
            continue
        out.append(e)
    return out


_SUFFIX_INTO_MEASURE = re.compile(r"支出|开支|性支出|回报|充足率|开销")
"""``…资本支出``, ``…资本充足率``: the suffix word opens a measure, not the end of a name."""
_NAME_PIECE_TAGS = frozenset({"nr", "nrt", "nrfg", "ng"})
_PLACE_TAILS = "市州省县区镇村岛"


def _name_fragment(tagged: list[tuple[str, str]], i: int) -> bool:
    """A personal-name token that straddles a word boundary: the segmenter cut a longer name into pieces
    (``埃斯皮/诺萨``, ``阿斯/麦``, ``阿比/林``), or glued the tail of a word to a name (``占/比达``: 占比
    is one word). Such a piece is tokenizer junk, not an entity."""
    nxt = tagged[i + 1] if i + 1 < len(tagged) else None
    prv = tagged[i - 1] if i > 0 else None
    if nxt and nxt[1] in _NAME_PIECE_TAGS and is_cjk(nxt[0][:1]):
        return True
    if prv and prv[1] in _NAME_PIECE_TAGS and is_cjk(prv[0][-1:]):
        return True
    if nxt and len(nxt[0]) <= 2 and is_cjk(nxt[0][:1]) and nxt[0][-1] in _PLACE_TAILS:
        return True  # 阿比/林市: the segmenter cut a place name (阿比林市) before its last character
    # 占/比达: a name does not follow a one-character verb directly (是/为/有/在 link a subject to it)
    return bool(prv) and len(prv[0]) == 1 and prv[1] == "v" and prv[0] not in "是为有在"


def _not_subject(text: str, start: int, end: int, canonical: str = "") -> bool:
    """Named after 向/对/与/据 (an object, a source), before 旗下 (an owner), inside quotes (a product
    or platform name: ``"AI XPV平台"``), a data source or prediction market (Polymarket), or a speaker:
    a name after a role word (分析师, 策略师, 经济学家 …) that says or forecasts (``美银分析师Vivek Arya
    预计``, ``彭博的Michael Ball指出``)."""
    if _OBJECT_BEFORE.search(text, 0, start) or _NOT_SUBJECT_AFTER.match(text, end):
        return True
    if canonical in SOURCES or text[start:end] in SOURCES:
        return True
    if STATISTICS_SOURCES.match(text, end) and canonical not in WEAK_ENTITIES:
        return True  # 海关总署6月9日发布数据显示: the agency reports the figure
    if SPEAKER_ROLES.search(text, max(0, start - 12), start):
        return True  # 首席执行官伊万·埃斯皮诺萨…表示, 美银分析师Vivek Arya预计
    if SAYS_AFTER.match(text, end) and _PERSON_NAME.fullmatch(text[start:end]):
        return True
    opened = max(text.rfind(q, max(0, start - 8), start) for q in _OPEN_QUOTES)
    if opened < 0:
        return False
    closed = max(text.rfind(q, opened + 1, start) for q in "”」》")
    return closed < 0 and any(q in text[end : end + 8] for q in '”」》"')


def title_entity(title: str) -> str | None:
    """The title's main entity: its first strong mention (a company or institution, not a market) that
    is not the *source* of the news (``巴克莱：OpenAI…`` is about OpenAI; Barclays only says so)."""
    strong = [e for e in entity_mentions(title) if not e.weak]
    for e in strong:
        if not _SAYS_AFTER.match(title, e.end):
            return e.canonical
    return strong[0].canonical if strong else None


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
    mentions = entity_mentions(text)
    mentions = sorted(mentions + _mover_mentions(text, figures, mentions), key=lambda e: e.start)
    periods = _periods(text)
    sentences = _bounds(text, _SENT_END)
    clauses = _bounds(text, _CLAUSE_END, within=sentences)
    mentions = [
        EntityMention(
            e.start,
            e.end,
            e.text,
            e.canonical,
            e.weak,
            e.is_object or _counted(e, figures) or _modifies_next(text, e, mentions),
            _in_subject_position(text, _start_of(clauses, e.start), e.start),
            e.kind,
        )
        for e in mentions
        if not any(f.start < e.end and e.start < f.end for f in figures)
    ]
    out: list[tuple[Fact, Evidence]] = []
    prev: dict[int, list[tuple[Figure, str, str | None]]] = {}  # clause start → its earlier facts
    in_sentence: dict[int, list[tuple[Figure, str, str | None]]] = {}
    for f in figures:
        s_start = _start_of(sentences, f.start)
        c_start = _start_of(clauses, f.start)
        c_end = min((c for c in clauses if c > f.end), default=len(text))
        earlier = prev.setdefault(c_start, [])
        w_start = max([c_start] + [g.end for g in figures if c_start <= g.start and g.end <= f.start])
        window = text[w_start : f.start]
        local = f.unit in ("%", "pp", "bp")  # a percentage is about something named in its sentence
        bracket = (
            w_start == c_start
            and c_start > 0
            and text[c_start - 1] in "（("
            and not window.strip("约近超逾 ")
        )
        anchor = c_start - 1 if bracket else f.start  # 容量（约1200GW）: read the words before the bracket
        a_clause = _start_of(clauses, anchor - 1) if bracket else _through_aside(text, clauses, c_start)
        a_window = a_clause if bracket else w_start
        picked = _owner_after(text, f, mentions, c_end) or _pick_entity(
            text, mentions, sentences, clauses, a_window, a_clause, s_start, anchor, local=local
        )
        if picked is None and local:
            continue
        if picked is None or picked == (
            "",
            "coref",
        ):  # an anaphor with no actor in the paragraph: the title's
            kind = "coref" if picked else "title"
            picked = (title_entity, kind) if title_entity else ("", "none")
        entity, entity_from = picked
        rivals = len(
            {e.canonical for e in mentions if s_start <= e.start and e.end <= f.start and not e.weak}
            - {entity}
        )
        ent_end = max((e.end for e in mentions if a_window <= e.start and e.end <= anchor), default=a_window)
        role = "from" if _FROM_BEFORE.search(window) else None
        span = text[max(ent_end, a_window) : anchor]
        cut = list(_COMPARE.finditer(span))
        if cut:  # 工资增长率比符合2%通胀目标…: the figure belongs to what is compared with
            span = span[cut[-1].end() :]
        metric = metric_phrase(span)
        metric_from = "bracket" if bracket else "window"
        if bracket and entity_from in ("window", "clause"):
            entity_from = "bracket"
        after = metric_after(text, f.end, c_end)
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
                sentence_facts = in_sentence.get(s_start, [])
                new_subject = any(c_start <= e.start < f.start for e in mentions)
                pool = earlier or ([] if new_subject else sentence_facts[-1:])
                metric, role, metric_from = _inherit(text, f, change, role, pool, c_start, mentions, after)
        if not metric:
            continue
        if _BARE_MOVE.search(metric):
            metric += "幅"  # 盘中涨15%, 开盘跌0.07%: the measure is the move's size (盘中涨幅)
        blockers = [_start_of(clauses, e.start) for e in mentions if not e.weak and e.end <= f.start]
        period = _period_for(periods, s_start, f.start, role, blockers, clauses)
        qualifier = "从" if role == "from" else (f.qualifier if f.qualifier in APPROXIMATIONS else None)
        earlier.append((f, metric, role))
        in_sentence.setdefault(s_start, []).append((f, metric, role))
        doubts = metric_doubt(metric, after=metric_from == "after")
        if (
            entity_from not in ("window", "clause", "owner")
            and f.unit not in ("%", "pp", "bp")
            and _INDEX_NAME.search(entity)
        ):
            doubts += (
                "index owner",
            )  # 创业板指… 三市下跌个股近4400只: an index moves, it does not own amounts
        remote = entity_from not in ("window", "clause", "scope", "bracket", "owner")
        if remote and _MARKET_METRIC.match(metric):  # SEMI预测…，全球半导体设备出货额: the market's figure
            doubts += ("market measure",)
        if metric_from == "change" and _prefixed_mover(text, mentions, a_window, anchor):
            doubts += ("named product",)  # 南方两倍做多SK海力士跌30%: a product named after the company moved
        if entity_from in ("sentence", "paragraph", "coref") and _listed(text, mentions, entity, f.start):
            doubts += ("list member",)  # 特斯拉Model Y、理想L6…。理想L6起售价: one of a list is no subject
        if f.kind == "multiple" and _TIMES_BASE.search(window):
            doubts += ("comparison base",)  # 是Meta内部人均用量的5倍: Meta is what is compared with
        if metric_from == "window" and _DIFFERENCE.search(window):
            doubts += (
                "difference",
            )  # 工资增长率比目标低了0.5个百分点: a gap, its metric is not in the window
        if entity_from in ("sentence", "paragraph") and _speaker(text, mentions, entity, s_start, f.start):
            doubts += ("speaker",)  # 鲍威尔说道，…核心PCE同比通胀率可能为3%: who says it does not own it
        entity_kind = next((e.kind for e in mentions if e.canonical == entity), "title" if entity else "none")
        own = [e for e in mentions if e.canonical == entity and e.end <= f.start] if entity else []
        gap = f.start - own[-1].end if own else -1
        if entity_from == "owner":  # 640亿美元的CoreWeave: named right after the figure
            gap = min(
                (e.start - f.end for e in mentions if e.canonical == entity and e.start >= f.end), default=-1
            )
        evidence = Evidence(entity_from, metric_from, rivals, doubts, entity_kind, gap, role)
        fact = Fact(
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
        out.append((fact, evidence))
    return out


_CLOSE = re.compile(r"收于|收报|收盘报")
_TIMES_BASE = re.compile(r"(?:是|为|相当于|达到|达)[^，。；]{1,16}的\s*(?:约|近|超过|超|逾)?\s*$")
_BARE_MOVE = re.compile(r"(?<![上下大暴累])[涨跌]$")
_MARKET_METRIC = re.compile(r"(?:全球|全国|行业|全行业)[\u4e00-\u9fffA-Za-z]")
_LIST_SEP = "、"
_LIST_INTRO = re.compile(r"(?:包括|包含|涵盖|分别为|分别是)\s*$")


_SAYS = re.compile(r"(?:还|也|则|并|更|再|曾|此前|同时|随即)?" + saying_verbs("speaker"))


def _speaker(text: str, mentions: list[EntityMention], entity: str, lo: int, pos: int) -> bool:
    """The entity's latest mention before ``pos`` (from ``lo``) introduces speech: 鲍威尔表示，…."""
    own = [e for e in mentions if e.canonical == entity and lo <= e.start and e.end <= pos]
    if not own and lo > 0:
        own = [e for e in mentions if e.canonical == entity and e.end <= pos]
    return bool(own) and _SAYS.match(text, own[-1].end) is not None


def _prefixed_mover(text: str, mentions: list[EntityMention], lo: int, hi: int) -> bool:
    """The first name of a mover's window follows a verb (``南方两倍做多SK海力士跌30%``): the mover is a
    product (a leveraged fund, a contract) named after the company, not the company."""
    first = next((e for e in mentions if lo <= e.start and e.end <= hi), None)
    if first is None or first.start <= lo:
        return False
    tags = [(w, t) for w, t in pos_tags(text[lo : first.start]) if w.strip()]
    return any(t == "v" and is_cjk(w[0]) for w, t in tags)


def _listed(text: str, mentions: list[EntityMention], entity: str, pos: int) -> bool:
    """The entity, taken from an earlier clause or sentence, was named there only as an item of a
    、-list (``特斯拉Model Y、理想L6、小鹏G6``): the first item of a list is not the owner of a figure."""
    named = [e for e in mentions if e.canonical == entity and e.end <= pos]
    return bool(named) and all(
        _LIST_SEP in (text[e.end : e.end + 1], text[e.start - 1 : e.start]) for e in named
    )


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


_MOVER = re.compile(
    r"([\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9\-]{1,11}?)(?:股价)?"
    r"(?:盘中|盘初|早盘|午后|尾盘|收盘|开盘|一度|单日|日内|全天|均)?"
    r"(?:(?:大涨|大跌|暴涨|暴跌|飙升|重挫|收涨|收跌|上涨|下跌|高开|低开|涨|跌)(?:超|近|逾|约|了)?"
    r"|[涨跌]幅(?:扩大|收窄|缩窄)至(?:不足|超|近|逾|约)?)\s*$"
)
_NOT_MOVER = re.compile(
    r"(?:价格|价|率|额|量|收入|营收|利润|规模|市值|(?<![运价])指数|期货|合约|板块|概念|股|市|指|[的和与及累]|同比|环比|单日|日内"
    r"|盘中|期间|此前|随后|最终|今年|年内|本周|本月|当日|全天|发稿|收盘|整体|全线|集体|纷纷|分别|一度)$"
    r"|截至|^(?:最终|随后|此前|其中|单日|当日|今年|年内|本周|本月|期间|整体|同比|环比)"
)


_NOT_MOVER_SHAPE = re.compile(
    r"^(?:较|兑|双双|周内|季|年内|高开|低开|盘初|再|更)|(?:更是|再|累计|最高点|最低点|均|也|则|又|亦|仍|已|更)$"
    r"|^[\u4e00-\u9fff][^A-Za-z]*\d"
)
"""``较2023年再跌65%``, ``兑日元更是跌1.1%``, ``双双跌超1%``: a comparison, a currency pair's tail or an
adverb before the move, not the name of what moved."""


def _mover_mentions(text: str, figures: list[Figure], mentions: list[EntityMention]) -> list[EntityMention]:
    """``新易盛跌超17%``, ``百勤油服涨近93%``: in a market report the name right before 涨/跌 and a
    percentage is the mover, even when the segmenter does not know it as a name."""
    out = []
    for f in figures:
        if f.unit != "%":
            continue
        lo = max([0] + [m.end() for m in _CLAUSE_END.finditer(text, 0, f.start)])
        lo = max([lo] + [g.end for g in figures if g.end <= f.start])
        m = _MOVER.fullmatch(text, lo, f.start) if lo < f.start else None
        if not m:
            continue
        name = m.group(1)
        if (
            name in ALIAS_TO_ENTITY
            or name in ENTITY_STOPLIST
            or _NOT_MOVER_SHAPE.search(name)
            or (name[0] in _NOT_NAME_START and not _opens_with_name(name))
            or _NOT_MOVER.search(name)
            or any(e.start < m.end(1) and m.start(1) < e.end for e in mentions)
        ):
            continue
        out.append(EntityMention(m.start(1), m.end(1), name, name, kind="mover"))
    return out


def _opens_with_name(name: str) -> bool:
    """``四川黄金``, ``三星SDI``: a mover whose first character is a numeral but whose first word is a
    place or a name (not ``三家``, ``两市``)."""
    first = pos_tags(name)[0]
    return len(first[0]) >= 2 and first[1] in ("ns", "nr", "nrt", "nt", "nz")


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


# -- entity ----------------------------------------------------------------------------------------------
def _pick_entity(
    text: str,
    mentions: list[EntityMention],
    sentences: list[int],
    clauses: list[int],
    w_start: int,
    c_start: int,
    s_start: int,
    pos: int,
    *,
    local: bool = False,
) -> tuple[str, str] | None:
    """The figure's subject and where it was found, nearest first: the first actor (a strong mention) of
    its window or clause, a scope (全球, 美国) of its window or clause, the first actor of an earlier clause
    of the sentence; then, for an anaphor (该公司, 公司, 其) or with no name in the sentence, the subject of
    the nearest earlier sentence that names one; a scope of the sentence. None when nothing is named."""
    before = [e for e in mentions if e.end <= pos and not e.is_object]
    for lo, name in ((w_start, "window"), (c_start, "clause")):
        strong = [e for e in before if e.start >= lo and not e.weak]
        if strong and (any(e.subject for e in strong) or not _subject_elsewhere(before, lo, s_start)):
            return next((e for e in strong if e.subject), strong[0]).canonical, name
    weak = [e for e in before if e.start >= c_start and e.weak]
    if weak:
        return weak[-1].canonical, "scope"
    strong = [e for e in before if e.start >= s_start and not e.weak and e.subject]
    if strong:
        return strong[0].canonical, "sentence"
    weak = [e for e in before if e.start >= s_start and e.weak]
    if local:
        return (weak[-1].canonical, "scope") if weak else None
    sentence_clauses = [c for c in clauses if s_start <= c < pos] or [s_start]
    anaphor = any(_ANAPHOR.search(text[c:pos]) for c in sentence_clauses)
    if weak and not anaphor:
        return weak[-1].canonical, "scope"
    earlier = [e for e in mentions if e.end <= s_start and not e.is_object and not e.weak and e.subject]
    if earlier:  # the paragraph's topic: its first actor in subject position
        return earlier[0].canonical, ("coref" if anaphor else "paragraph")
    return ("", "coref") if anaphor else None


def _through_aside(text: str, clauses: list[int], c_start: int) -> int:
    """The clause start seen through a bracketed aside that ends right before it: in ``甲骨文（Oracle）也为其
    基础设施业务筹集了380亿美元``, the bracket is an aside and 甲骨文 opens the figure's clause."""
    if c_start == 0 or text[c_start - 1] not in "）)":
        return c_start
    opened = max(text.rfind("（", 0, c_start - 1), text.rfind("(", 0, c_start - 1))
    if opened <= 0 or c_start - opened > 30 or re.search(r"[。；;！？]", text[opened:c_start]):
        return c_start
    return _start_of(clauses, opened - 1)


def _subject_elsewhere(before: list[EntityMention], lo: int, s_start: int) -> bool:
    """An actor in subject position earlier in the sentence (or paragraph, when the sentence names none)
    than ``lo``: ``英伟达…，首笔20亿美元直接换取Lancium约20%股权`` is about 英伟达."""
    return any(e.subject and not e.weak and e.end <= lo for e in before)


def _owner_after(text: str, f: Figure, mentions: list[EntityMention], c_end: int) -> tuple[str, str] | None:
    """``市值逼近640亿美元的CoreWeave``: an actor named right after the figure and 的, ending the clause,
    is whose figure it is."""
    m = re.match(r"的\s?", text[f.end : f.end + 2])
    if not m:
        return None
    start = f.end + m.end()
    for e in mentions:
        if e.start == start and not e.weak and (e.end >= c_end or text[e.end : e.end + 1] in "，。；,;"):
            return e.canonical, "owner"
    return None


def _modifies_next(text: str, e: EntityMention, mentions: list[EntityMention]) -> bool:
    """``马斯克的人工智能初创公司xAI``, ``AI基础设施公司Crusoe``: the first name qualifies the second,
    which is the subject."""
    nxt = next((m for m in mentions if m.start >= e.end and not m.weak), None)
    if nxt is None or e.weak:
        return False
    gap = text[e.end : nxt.start]
    if not gap:
        return True
    return (
        gap.startswith("的")
        and len(gap) <= 10
        and not re.search(r"[，。；、,;：:]", gap)
        and not any(t == "v" for _, t in pos_tags(gap))
    )


def _in_subject_position(text: str, clause_start: int, start: int) -> bool:
    prefix = text[clause_start:start]
    return not prefix.strip() or not any(t == "v" and w not in _COPULA_VERBS for w, t in pos_tags(prefix))


def _counted(e: EntityMention, figures: list[Figure]) -> bool:
    """``22万块英伟达处理器``: a name right after a count is part of what is counted, not a subject."""
    return any(f.end == e.start and f.kind in ("count", "number") for f in figures)


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


# -- period ----------------------------------------------------------------------------------------------
def _periods(text: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for rx in PERIOD_RES:
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
