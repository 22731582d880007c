"""Names in a paragraph that can own a figure: companies, indices, institutions, market movers.

Four recognizers, each for the kind of name it is good at, all reporting :class:`EntityMention`:

* **known** — aliases from the entity lexicon (``data/entities.toml``): 英伟达 / NVIDIA / 辉达;
* **index** — index names by family (恒生生物科技指数), whatever the segmenter makes of them;
* **latin** / **acronym** — capitalized Latin words (OpenAI, Bloom Energy, CoreWeave), minus products
  and jargon;
* **tagged** — the segmenter's organization and person tags, and CJK names ending in 公司/银行/集团 …

and, for market reports, **mover** — the name right before 涨/跌 and a percentage (:func:`mover_mentions`).
Each mention also says whether it can be a subject at all: an object of 向/对/据, an owner before 旗下,
a data source, a quoted product name or a speaker is named, but does not own the figure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from themeflow.facts.clauses import CLAUSE_END
from themeflow.facts.lexicon import (
    ACRONYM_STOPLIST,
    ALIAS_TO_ENTITY,
    COMMODITIES,
    ENTITY_RE,
    ENTITY_STOPLIST,
    INDEX_RE,
    ORG_SUFFIXES,
    PERIOD_NOUNS,
    PRODUCT_TAILS,
    SAYS_AFTER,
    SOURCES,
    SPEAKER_ROLES,
    STATISTICS_SOURCES,
    WEAK_ENTITIES,
)
from themeflow.facts.metric import is_cjk
from themeflow.text.numbers import Figure
from themeflow.text.segment import pos_tags
from themeflow.text.speech import saying_verbs

__all__ = ["NOT_NAME_START", "EntityMention", "entity_mentions", "mover_mentions", "title_entity"]

_LATIN_ORG = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Z][a-z]*[A-Z][A-Za-z]*|[A-Z][a-z]{2,}[A-Za-z]*|[A-Z]{2,5}|x[A-Z]{2})(?![A-Za-z0-9-])"
)
_LATIN_WORD = r"(?:[A-Z][A-Za-z]*|x[A-Z]{2})"
_ACRONYM = re.compile(r"[A-Z][A-Za-z]?[A-Z]{1,4}|[A-Z]{2}[a-z][A-Z]|[A-Z]aa[A-Z]")
"""All capitals (ESS, FICC), also with one lower-case letter (MaaS): an acronym rather than a name."""
_LATIN_NAME = re.compile(rf"(?<![A-Za-z0-9]){_LATIN_WORD}(?: {_LATIN_WORD})*(?![A-Za-z0-9-])")
_VERSION_AFTER = re.compile(r" ?\d+(?:\.\d+)?(?![\d.]*\s*(?:亿|万|%|美元|元|年|GW|个))")
_PRODUCT_TAIL = re.compile(r"\s?([A-Z][A-Za-z]{1,10})(?![A-Za-z])")
_OBJECT_BEFORE = re.compile(
    r"(?:向|对|与|给|跟|同|较|比|高于|低于|因|由于)\s*$|(?:据|根据|援引)[^，。；,;：:]{0,8}$"
)
_NOT_SUBJECT_AFTER = re.compile(r"旗下")
"""``马斯克旗下的SpaceX``: the owner is named, the subsidiary is the subject."""
_ATTRIBUTIVE_AFTER = re.compile(r"[\u4e00-\u9fff](?!股|市)")
"""``全球裁员``, ``全球零售销量``: 全球 glued to the measure is an adverb of the subject's figure, not a scope."""
_PERSON_NAME = re.compile(r"[A-Z][a-z]+(?: [A-Z][a-z]+)+|[A-Z][a-z]+·[A-Z][a-z]+")
"""A Latin personal name (``Vivek Arya``): two or more capitalized words."""
_OPEN_QUOTES = '“「《"'
_TITLE_SOURCE = re.compile(rf"\s*(?:[：:]|{saying_verbs('title_source')})")
"""A name in the title followed by a colon or a reporting verb is the source of the news."""
_NAME_TAGS = frozenset({"n", "nz", "nr", "nrt", "ns", "nt", "j"})
NOT_NAME_START = "该本这其我各多子上全一二两三四五六七八九十几数公受据"
"""First characters of no name: demonstratives, pronouns, numerals, quantity words (该公司, 三家, 多家)."""
_SUFFIX_INTO_MEASURE = re.compile(r"支出|开支|性支出|回报|充足率|开销")
"""``…资本支出``, ``…资本充足率``: the suffix word opens a measure, not the end of a name."""
_NAME_PIECE_TAGS = frozenset({"nr", "nrt", "nrfg", "ng"})
_PLACE_TAILS = "市州省县区镇村岛"


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
    mention: the product names the contract, the company is the entity. Where mentions overlap, the one
    that starts first (and, of those, the longest) wins.
    """
    found = [*_known(text), *_indices(text), *_latin(text), *_tagged(text)]
    found = [
        replace(e, is_object=e.is_object or _not_subject(text, e.start, e.end, e.canonical))
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


def _known(text: str) -> Iterator[EntityMention]:
    """Aliases of the entity lexicon; a commodity glued to CJK on its left is part of another name."""
    for m in ENTITY_RE.finditer(text):
        canon = ALIAS_TO_ENTITY[m.group()]
        if canon in COMMODITIES and m.start() > 0 and is_cjk(text[m.start() - 1]) and m.group() != "现货黄金":
            continue
        end = m.end()
        tail = _PRODUCT_TAIL.match(text[end:])
        if tail and tail.group(1) in PRODUCT_TAILS and canon not in WEAK_ENTITIES:
            end += tail.end()
        yield EntityMention(m.start(), end, text[m.start() : end], canon, canon in WEAK_ENTITIES)


def _indices(text: str) -> Iterator[EntityMention]:
    """恒生生物科技指数: one name, whatever the segmenter makes of it."""
    for m in INDEX_RE.finditer(text):
        name = m.group()
        yield EntityMention(m.start(), m.end(), name, ALIAS_TO_ENTITY.get(name, name), kind="index")


def _latin(text: str) -> Iterator[EntityMention]:
    """Business Insider, Bloom Energy: one name, not two; jargon at either end and product versions out."""
    for m in _LATIN_NAME.finditer(text):
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
        yield EntityMention(start, end, name, name, kind=kind)


def _tagged(text: str) -> Iterator[EntityMention]:
    """Names from the segmenter: a name word glued to an organization suffix (星尘 + 智能), and words
    tagged as organizations or people (or nouns ending in an organization suffix)."""
    pos = 0
    prev: tuple[int, str, str] | None = None  # (start, word, tag) of the token before
    tagged = pos_tags(text)
    for i, (word, tag) in enumerate(tagged):
        start, pos = pos, pos + len(word)
        if prev and _suffix_name(text, prev, word, pos):
            yield EntityMention(prev[0], pos, prev[1] + word, prev[1] + word, kind="tagged")
        prev = (start, word, tag)
        if _tagged_name(tagged, i) and not (tag != "nt" and _name_fragment(tagged, i)):
            speaker = tag == "nr" and bool(SAYS_AFTER.match(text, pos))  # 沃什还表示: a speaker
            yield EntityMention(start, pos, word, word, is_object=speaker, kind="tagged")


def _suffix_name(text: str, prev: tuple[int, str, str], word: str, pos: int) -> bool:
    """A name-tagged CJK word followed by an organization suffix (星尘 + 智能) that makes a new name:
    not a known alias, a period (年度资本支出) or a suffix that opens a measure (资本 + 支出)."""
    _, name, tag = prev
    return (
        word in ORG_SUFFIXES
        and tag in _NAME_TAGS
        and is_cjk(name[0])
        and len(name) >= 2
        and name not in ALIAS_TO_ENTITY
        and name[0] not in NOT_NAME_START
        and name + word not in ENTITY_STOPLIST
        and name not in PERIOD_NOUNS
        and not _SUFFIX_INTO_MEASURE.match(text, pos)
    )


def _tagged_name(tagged: list[tuple[str, str]], i: int) -> bool:
    """A CJK word the segmenter tags as an organization (nt, nrt), a short person name (nr), or a noun
    ending in an organization suffix; not a lexicon word, a stop word or an index/price/market word."""
    word, tag = tagged[i]
    if len(word) < 2 or not is_cjk(word[0]) or word in ALIAS_TO_ENTITY or word in ENTITY_STOPLIST:
        return False
    if not (
        tag in ("nt", "nrt")
        or (tag == "nr" and len(word) <= 4)
        or (tag.startswith("n") and word.endswith(ORG_SUFFIXES) and len(word) >= 4)
    ):
        return False
    return not (word[0] in NOT_NAME_START or word.endswith(("指数", "价格", "市场")))


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
    return prv is not None and len(prv[0]) == 1 and prv[1] == "v" and prv[0] not in "是为有在"


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
        if not _TITLE_SOURCE.match(title, e.end):
            return e.canonical
    return strong[0].canonical if strong else None


# -- market movers -------------------------------------------------------------------------------------
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


def mover_mentions(text: str, figures: list[Figure], mentions: list[EntityMention]) -> list[EntityMention]:
    """``新易盛跌超17%``, ``百勤油服涨近93%``: in a market report the name right before 涨/跌 and a
    percentage is the mover, even when the segmenter does not know it as a name."""
    out = []
    for f in figures:
        if f.unit != "%":
            continue
        lo = max([0] + [m.end() for m in CLAUSE_END.finditer(text, 0, f.start)])
        lo = max([lo] + [g.end for g in figures if g.end <= f.start])
        m = _MOVER.fullmatch(text, lo, f.start) if lo < f.start else None
        if not m:
            continue
        name = m.group(1)
        if (
            name in ALIAS_TO_ENTITY
            or name in ENTITY_STOPLIST
            or _NOT_MOVER_SHAPE.search(name)
            or (name[0] in NOT_NAME_START and not _opens_with_name(name))
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
