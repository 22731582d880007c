"""What kind of document this is, from its structure alone, and how central a theme is to it.

Why: theme searches were led by daily roundups (头版头条精华摘要, 财经晚报, 收评) and live blogs that name a
theme in one line among thirty others. Ranking needs to tell a document that *is about* a theme from one
that *mentions* it. Two pure, cheap functions serve that:

- :func:`doc_type` (and :func:`doc_type_of` on plain strings) sorts a document into one of six
  :data:`DocType` kinds from its title cues and the shape of its paragraphs. It runs at ingest, so it
  reads no model and no segmenter: a handful of compiled patterns, one pass over the paragraphs and a
  bounded prefix of the text (about 20,000 documents a second on one core; ``bench/doctype.py``).
- :func:`theme_centrality` measures, for one theme, how much of the document it fills: the share of
  paragraphs on it, whether the title and the lead carry it, and one score in [0, 1].

The types and their borderline rules are defined in ``tests/data/doctype/GUIDE.md``; the decision below
follows the guide's order (live blog, roundup, research, table, flash, article). The cue words are data
(``data/doctype_cues.toml``); the grammar around them (anchors, clock times, list markers) lives here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

from themeflow.model import Document
from themeflow.text.sentences import split_sentences
from themeflow.text.wordlists import word_list

__all__ = [
    "DOC_TYPES",
    "Centrality",
    "DocType",
    "Structure",
    "classify",
    "doc_type",
    "doc_type_of",
    "structure_of",
    "theme_centrality",
]

DocType = Literal["article", "flash", "roundup", "liveblog", "research", "table"]
DOC_TYPES: tuple[DocType, ...] = ("article", "flash", "roundup", "liveblog", "research", "table")

_FILE = "doctype_cues.toml"

SCAN_CHARS = 3000
"""Cue words and digits are counted over the title and this many characters of the body: enough to see
what a document is, and a bound on the cost of a 20,000-character page."""
SCAN_PARAGRAPHS = 240
"""Paragraph-shape features read at most this many paragraphs."""

FLASH_CHARS = 400
"""A single-topic piece up to this long is a flash (GUIDE.md, rule 5)."""
WIRE_FLASH_CHARS = 600
"""…and up to this long when it opens with a wire dateline."""
WRAP_CHARS = 1500
"""Market-wrap signals (indexes, sectors) are read in this much of the body."""
LEAD_CHARS = 100
"""A research institution named this early is the source of the piece, not one voice among many."""
SHORT_PARAGRAPH = 48
"""A paragraph this short, not ending a sentence, reads as a headline or a heading."""

_SENTENCE_END = frozenset("。！？!?…；;.”」』）)")
_DIGITS = "0123456789%"

_LIVE_MARK = re.compile(r"【以下为.{0,12}更新】|本页面动态更新|滚动更新|实时更新")
_OPENING = re.compile(
    r"\s*(?:"
    r"(?P<clock>(?:[01]?\d|2[0-3])(?:[:：][0-5]\d(?![\d:：])|[时点][0-5]?\d分))"
    r"|\d{1,2}[、.．](?!\d)"  # 1、 2.
    r"|[（(][一二三四五六七八九十\d]{1,3}[)）]"  # （一） (1)
    r"|[一二三四五六七八九十]{1,3}、"  # 一、
    r"|[①-⑳]"  # ①
    r"|【[^】]{2,40}】"  # 【bracket headline】
    r"|[■□●○◆◇▲△★☆•·▪▶►]"  # bullets
    r")"
)
"""How a paragraph opens: with a clock time (group ``clock``: ``09:49``, ``10：30``, ``10时30分``, not
``2023:`` or ``1:1000``), or with the marker of a new list item. One pattern, one ``match`` a paragraph."""
_INLINE_ITEM = re.compile(r"(?<![^\s。；;！!？?])(?:(\d{1,2})[、．]|([①-⑳]))(?!\d)")
"""List markers inside a flattened paragraph (``…。2、…。3、…``, ``①…②…``)."""
_COLON_LEAD = re.compile(r"\s*([^\s，,。：:；;！？]{2,14})[：:]")
"""``国务院常务会议：`` / ``大中矿业：拟…``: an item led by its subject."""
_INDEX = re.compile(
    r"沪指|上证指数|上证综指|深成指|深证成指|创业板指|科创50|恒指|恒生指数|恒生科技|国企指数|道指|道琼斯|"
    r"标普500|纳指|纳斯达克|罗素2000|日经|富时|DAX|斯托克|VIX"
)
_SESSION = re.compile(
    r"截至收盘|截至午盘|截至午间|收盘[，,：:]|午盘|开盘[，,：:后]|收市|早盘|尾盘|盘前|收涨|收跌|收高|收低|收报"
)
_SECTOR = re.compile(r"板块|概念股|概念|[^\s，。]{1,4}股(?:走强|走弱|普涨|普跌|领涨|领跌|集体|全线|涨|跌)")


@dataclass(frozen=True, slots=True)
class _Cues:
    """The compiled cue patterns of ``data/doctype_cues.toml``."""

    title_names: re.Pattern[str]
    title_roundup: re.Pattern[str]
    title_wrap: re.Pattern[str]
    title_live: re.Pattern[str]
    title_research: re.Pattern[str]
    title_table: re.Pattern[str]
    institution_title: re.Pattern[str]
    institution_byline: re.Pattern[str]
    institution_source: re.Pattern[str]
    wire: re.Pattern[str]
    cue_words: re.Pattern[str]
    """Research and table cue words in one alternation: one ``findall`` is five times cheaper than a
    ``str.count`` per word."""
    research: frozenset[str]
    table: frozenset[str]


def _alternation(words: Sequence[str]) -> str:
    """A regular-expression alternation of ``words``, longest first (so 买入评级 wins over 评级)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@cache
def _cues() -> _Cues:
    """The cue patterns, built once."""

    def pattern(key: str) -> re.Pattern[str]:
        return re.compile(_alternation(word_list(_FILE, key)))

    names = _alternation(word_list(_FILE, "research_institutions"))
    suffix = _alternation(word_list(_FILE, "research_institution_suffix"))
    # …证券 is a broker, 上海证券报 and 证券交易所 are not.
    broker = rf"(?:{suffix})(?!报|时报|日报|交易所|市场|法|账户|化|业|师)"
    institution = rf"(?:{names}|[\w·]{{1,8}}?{broker})"
    dateline = _alternation(word_list(_FILE, "flash_dateline"))
    lead = _alternation(word_list(_FILE, "research_lead"))
    research = word_list(_FILE, "research_cues")
    table = word_list(_FILE, "table_cues")
    return _Cues(
        title_names=pattern("title_roundup_names"),
        title_roundup=pattern("title_roundup"),
        title_wrap=pattern("title_wrap"),
        title_live=pattern("title_liveblog"),
        title_research=pattern("title_research"),
        title_table=pattern("title_table"),
        institution_title=re.compile(rf"\s*(?:【[^】]{{0,20}}】)?{institution}[^：:，,。\s]{{0,8}}[：:]"),
        institution_byline=re.compile(rf"\s*{institution}\s*[|丨｜·：:]"),
        # Searched, so it starts at the name or the suffix itself: a leading ``\w{1,8}?`` tried at every
        # position cost more than the rest of the classifier.
        institution_source=re.compile(rf"(?:{names}|{broker})[^。；]{{0,24}}?(?:{lead})"),
        wire=re.compile(
            rf"\s*(?:【[^】]{{2,30}}】|[^，。\s]{{2,24}}?(?:\d{{1,2}}\s?月\s?\d{{1,2}}\s?日)?\s?(?:{dateline}))"
        ),
        cue_words=re.compile(_alternation(research + table)),
        research=frozenset(research),
        table=frozenset(table),
    )


@dataclass(frozen=True, slots=True)
class Structure:
    """The structural signals of one document, the input of :func:`classify`."""

    paragraphs: int
    chars: int
    """Characters of the body (all paragraphs)."""
    headings: int
    """Short paragraphs that end no sentence: headlines of items, or sub-headings."""
    items: int
    """Paragraphs that open a list item (``1、`` ``（一）`` ``【…】`` ``■`` ``①``)."""
    subjects: int
    """Distinct subjects leading a paragraph before a colon (``大中矿业：…``, ``核电：``)."""
    clocks: int
    """Paragraphs that open with a clock time (``09:49``, ``10时30分``)."""
    live_mark: bool
    """A rolling-page marker (``【以下为16:00之前更新】``, ``本页面动态更新``)."""
    inline_items: int
    """Distinct list markers inside a flattened body of at most three paragraphs, longer than a flash
    (``…。2、…。3、…``); 0 otherwise."""
    digit_share: float
    """Share of digits and ``%`` in the scanned text."""
    research_cues: int
    table_cues: int
    indexes: int
    """Distinct market indexes named (沪指, 恒指, 标普500 …): the mark of a market wrap. Counted only when
    ``session`` is true (0 otherwise)."""
    sectors: int
    """Sector and concept mentions (板块, 概念股, 内房股走弱 …); counted only with ``session``."""
    session: bool
    """A trading-session word (截至收盘, 午盘, 早盘 …)."""
    wire: bool
    """The body opens with a wire dateline."""
    title_roundup: bool
    title_wrap: bool
    title_live: bool
    title_research: bool
    title_table: bool
    institution_title: bool
    """The title opens with a research institution and a colon (``中金：…``, ``野村谈人形机器人：…``)."""
    institution_lead: bool
    """The body opens with a research institution as its source (``天风证券研报指出``, ``国君固收 | 摘要``)."""


def structure_of(title: str, paragraphs: Sequence[str]) -> Structure:
    """The structural signals of a document given as plain strings (cheap: no segmenter, no model)."""
    cues = _cues()
    n = len(paragraphs)
    chars = 0
    headings = items = clocks = 0
    subjects: set[str] = set()
    scan_parts: list[str] = []
    scanned = 0
    for i, para in enumerate(paragraphs):
        size = len(para)
        chars += size
        if scanned < SCAN_CHARS:
            scan_parts.append(para)
            scanned += size
        if i >= SCAN_PARAGRAPHS or not size:
            continue
        if size <= SHORT_PARAGRAPH and para[-1] not in _SENTENCE_END:
            headings += 1
        opening = _OPENING.match(para)
        if opening:
            if opening.group("clock"):
                clocks += 1
            else:
                items += 1
        lead = _COLON_LEAD.match(para)
        if lead:
            subjects.add(lead.group(1))
    scan = "\n".join(scan_parts)[:SCAN_CHARS]
    head = scan[:400]
    digits = sum(map(scan.count, _DIGITS))
    # Inline markers matter only to a flattened body long enough to hold a list.
    flattened = n <= 3 and chars > FLASH_CHARS
    inline = {m.group(1) or m.group(2) for m in _INLINE_ITEM.finditer(scan)} if flattened else set()
    found = cues.cue_words.findall(scan)
    research = sum(map(cues.research.__contains__, found))
    research += sum(map(cues.research.__contains__, cues.cue_words.findall(title)))
    table = sum(map(cues.table.__contains__, found))
    session = _SESSION.search(title + head) is not None
    window = scan[:WRAP_CHARS] if session else ""  # indexes and sectors matter only to a session wrap
    return Structure(
        paragraphs=n,
        chars=chars,
        headings=headings,
        items=items,
        subjects=len(subjects),
        clocks=clocks,
        live_mark=_LIVE_MARK.search(head) is not None,
        inline_items=len(inline),
        digit_share=digits / len(scan) if scan else 0.0,
        research_cues=research,
        table_cues=table,
        indexes=len(set(_INDEX.findall(window))),
        sectors=len(_SECTOR.findall(window)),
        session=session,
        wire=cues.wire.match(scan[:60]) is not None,
        title_roundup=cues.title_roundup.search(cues.title_names.sub("", title)) is not None,
        title_wrap=cues.title_wrap.search(title) is not None,
        title_live=cues.title_live.search(title) is not None,
        title_research=cues.title_research.search(title) is not None,
        title_table=cues.title_table.search(title) is not None,
        institution_title=cues.institution_title.match(title) is not None,
        institution_lead=cues.institution_byline.match(head) is not None
        or cues.institution_source.search(head[:LEAD_CHARS]) is not None,
    )


def classify(s: Structure) -> DocType:
    """The type of a document with signals ``s``, in the guide's order of precedence."""
    if _is_liveblog(s):
        return "liveblog"
    if s.title_wrap or (s.title_roundup and (s.paragraphs >= 6 or s.chars >= 800 or s.inline_items >= 3)):
        return "roundup"
    if s.title_research or s.institution_title:
        return "research"
    if _is_list(s) or _is_market_wrap(s):
        return "roundup"
    if _is_generated_table(s):
        return "table"
    if _is_research(s):
        return "research"
    if _is_table(s):
        return "table"
    if _is_flash(s):
        return "flash"
    return "article"


def _is_liveblog(s: Structure) -> bool:
    if s.clocks >= 3 and s.clocks * 12 >= s.paragraphs:
        return True
    return s.clocks >= 2 and (s.live_mark or s.title_live)


def _is_list(s: Structure) -> bool:
    """Many short items, each starting a new subject: a digest."""
    if s.paragraphs >= 8:
        listed = max(s.items, s.headings, s.subjects)
        if listed >= 5 and listed * 3 >= s.paragraphs and s.subjects >= 4:
            return True
        return s.subjects >= 12 and s.subjects * 6 >= s.paragraphs
    return s.inline_items >= 5


def _is_market_wrap(s: Structure) -> bool:
    """The indexes and several sectors of one session, each in passing."""
    return s.session and s.indexes >= 3 and s.sectors >= 2


def _table_density(s: Structure) -> float:
    return s.table_cues * 1000 / max(s.chars, 1)


def _is_generated_table(s: Structure) -> bool:
    """A generated data report: the template phrases outnumber everything else."""
    return s.title_table or (s.table_cues >= 12 and _table_density(s) >= 20)


def _is_research(s: Structure) -> bool:
    if s.institution_lead:
        return True
    return s.research_cues >= 3 and s.research_cues * 1000 >= 1.5 * max(s.chars, 1)


def _is_table(s: Structure) -> bool:
    if s.table_cues >= 6 and _table_density(s) >= 12 and s.digit_share >= 0.12:
        return True
    if s.table_cues >= 2 and s.digit_share >= 0.25 and s.chars >= 100:
        return True
    return s.digit_share >= 0.45 and s.chars >= 300


def _is_flash(s: Structure) -> bool:
    if s.paragraphs > 6:
        return False
    return s.chars <= FLASH_CHARS or (s.wire and s.chars <= WIRE_FLASH_CHARS)


def doc_type_of(title: str, paragraphs: Sequence[str]) -> DocType:
    """The type of a document given as its title and paragraphs (what ingest has before a Document)."""
    return classify(structure_of(title, paragraphs))


def doc_type(doc: Document) -> DocType:
    """The type of ``doc``: see :data:`DocType` and ``tests/data/doctype/GUIDE.md``."""
    return doc_type_of(doc.title, doc.paragraphs)


@dataclass(frozen=True, slots=True)
class Centrality:
    """How central one theme is to one document.

    ``score`` combines the three signals (see :func:`theme_centrality`): 1.0 for a document whose title,
    lead and at least half of its paragraphs are on the theme; close to 0 for a roundup that names it in
    one line among thirty.
    """

    share: float
    """Share of paragraphs on the theme, in [0, 1]."""
    title_match: bool
    lead_match: bool
    """One sentence of the first two paragraphs (the lead of a news story) states the theme."""
    paragraphs: tuple[int, ...]
    """The matching paragraphs, 1-based (citations ``[n]``)."""
    score: float


TITLE_WEIGHT = 0.40
LEAD_WEIGHT = 0.25
SHARE_WEIGHT = 0.35
LEAD_PARAGRAPHS = 2
"""The lead of a news story: its first two paragraphs."""
SHARE_SATURATION = 0.5
"""Coverage counts up to half of the paragraphs: beyond that a document is as much about a theme as
coverage can say (the rest is background, quotes, figures)."""


def theme_centrality(paragraphs: Sequence[str], title: str, matches: Callable[[str], bool]) -> Centrality:
    """How central the theme that ``matches`` recognizes is to a document.

    ``matches`` is the caller's test of "this text is on the theme" (the search layer decides: a query's
    terms, a concept's aliases). The score is::

        0.40·title + 0.25·lead + 0.35·min(1, share / 0.5)

    Why this shape: an editor's title is the strongest statement of what a piece is about, so it weighs
    most; the lead (first two paragraphs) is where a news story states its subject, so a theme there is
    the topic, not an aside; coverage is the evidence that does not depend on the editor — it separates a
    roundup (one line in thirty: share ≈ 0.03, score ≈ 0.02 without title or lead) from an article that
    keeps returning to the theme. Coverage saturates at half of the paragraphs so that background and
    quotations do not dilute a piece that is plainly about the theme. Title and lead are weighed
    separately because roundups put a theme in the title (晚报｜…；光模块…) without being about it, and
    flashes have a lead and nothing else: a one-paragraph flash on the theme scores 0.25 + 0.35 = 0.60
    without its title, 1.0 with it.

    The lead counts only when one of its sentences states the theme: a compound theme whose parts sit in
    different sentences (资本支出约达180亿美元。拖累业绩的主要来源是AI业务 for AI资本开支) is two subjects of
    the lead, not the theme. Coverage still counts paragraphs (the evidence of returning to a subject).
    """
    hits = tuple(i for i, para in enumerate(paragraphs, 1) if para and matches(para))
    n = len(paragraphs)
    share = len(hits) / n if n else 0.0
    title_match = bool(title) and matches(title)
    lead_match = any(i <= LEAD_PARAGRAPHS and _stated_in_a_sentence(paragraphs[i - 1], matches) for i in hits)
    coverage = min(1.0, share / SHARE_SATURATION)
    score = TITLE_WEIGHT * title_match + LEAD_WEIGHT * lead_match + SHARE_WEIGHT * coverage
    return Centrality(
        share=share,
        title_match=title_match,
        lead_match=lead_match,
        paragraphs=hits,
        score=round(min(1.0, score), 6),
    )


def _stated_in_a_sentence(paragraph: str, matches: Callable[[str], bool]) -> bool:
    """Whether one sentence of ``paragraph`` (which ``matches`` as a whole) is on the theme by itself."""
    sentences = split_sentences(paragraph)
    return len(sentences) <= 1 or any(matches(s) for s in sentences)
