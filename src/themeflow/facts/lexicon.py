"""Word lists the fact extractor and the grouper share: who can be an entity, what a metric is called.

Why hand-written tables rather than a model: the figures an analyst tracks come from a few hundred
companies, indices, institutions and fund flows, and the stock rjieba tagger mislabels many of them
(``微软`` as an adjective, ``英伟达`` split in two). A short list we can read and extend is more precise
than any tagger we could ship without a model, and the extractor's precision target (≥ 0.9) depends on it.
We never add these words to rjieba's dictionary: segmentation is shared with the search index, whose
analyzer version would change under it.

The words themselves are data (``data/entities.toml`` and ``data/metric_words.toml``, versioned, read
once at import); this module turns them into the sets, tuples and patterns the extractor reads. Only
grammar (anchors, look-arounds, the shape of a date or a quantity) is written here.
"""

from __future__ import annotations

import re
from typing import Any

from themeflow.text.speech import saying_verbs
from themeflow.text.wordlists import word_list, word_pairs, word_table

_ENTITIES = "entities.toml"
_METRICS = "metric_words.toml"


def _entities(key: str) -> tuple[str, ...]:
    return word_list(_ENTITIES, key)


def _metrics(key: str) -> tuple[str, ...]:
    return word_list(_METRICS, key)


def _alternation(words: tuple[str, ...]) -> str:
    """``a|b|c`` of literal words, in list order."""
    return "|".join(re.escape(w) for w in words)


def _aliases(table: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    return {canon: tuple(str(a) for a in aliases) for canon, aliases in table.items()}


# -- entities ---------------------------------------------------------------------------------------
ENTITY_ALIASES: dict[str, tuple[str, ...]] = _aliases(word_table(_ENTITIES, "aliases"))
"""canonical name → aliases (the canonical name is itself an alias). Grouping compares canonical names, so
英伟达 in one outlet and NVIDIA in another are the same entity."""

ALIAS_TO_ENTITY: dict[str, str] = {a: canon for canon, aliases in ENTITY_ALIASES.items() for a in aliases}

ENTITY_RE = re.compile(
    "|".join(
        re.escape(a) + (r"(?![A-Za-z])" if a[-1].isascii() else "")
        for a in sorted(ALIAS_TO_ENTITY, key=len, reverse=True)
    )
)
"""Known entities, longest alias first (``恒生科技指数`` before ``恒生``)."""

INDEX_RE = re.compile(
    rf"(?:{_alternation(_entities('index_families'))})"
    r"[\u4e00-\u9fffA-Za-z0-9]{0,10}?(?:指数|综指|成指)(?:[(（][\u4e00-\u9fff]{1,4}[)）])?"
)
"""Index names by family (``恒生生物科技指数``, ``纳斯达克中国金龙指数``, ``日经225指数``, ``集运指数(欧线)``
is not one): the whole name is the entity, never the segmenter's pieces (生物科技, 金龙)."""

SOURCES = frozenset(_entities("sources"))
"""Prediction markets and data vendors: they report or price a figure, they never own it."""

SPEAKER_ROLES = re.compile(
    rf"(?:首席[\u4e00-\u9fff]{{0,6}}官|{_alternation(_entities('speaker_roles'))})\s?$"
)
"""Role words right before a name: that name is a speaker or forecaster, not the owner of the figure.
Any 首席…官 title is one (grammar, so written here; the plain role words are data)."""

SAYS_AFTER = re.compile(
    r"\s*(?:还|则|也|亦|更|曾|同时|此前|随后|进一步)?\s*(?:[：:]|" + saying_verbs("after_name") + ")"
)
"""A verb of saying or forecasting right after a name."""

COMMODITIES = frozenset(_entities("commodities"))
"""Entities that are also words inside company names (紫金黄金国际, 中国白银集团): matched only when not
glued to other Chinese characters on the left."""

WEAK_ENTITIES = frozenset(_entities("weak_entities"))
"""Scopes rather than actors: used only when no company or institution is nearer to the figure."""

ACRONYM_STOPLIST = frozenset(_entities("acronym_stoplist"))
"""Capitalized tokens that are not organizations (products, units, finance jargon). Products are not
entities: ``Azure 2500亿美元`` is a contract *with* Microsoft."""

PRODUCT_TAILS = frozenset(_entities("product_tails"))
"""Cloud products written right after their company (甲骨文OCI): one mention of the company."""

ENTITY_STOPLIST = frozenset(_entities("entity_stoplist"))
"""Words rjieba tags as names that are never the subject of a figure (高达 is 'as much as', 远高于 'far
above'; outlets report figures, they do not own them)."""

PERIOD_NOUNS = frozenset(_entities("period_nouns"))
"""``年度资本支出``: a period before an organization suffix makes no name."""

STATISTICS_SOURCES = re.compile(
    r"[)）]?\s*[\d月日年周一二三四五六七]{0,8}(?:(?:发布|公布)的?(?:最新)?|的?最新)(?:数据|统计|报告)"
    r"|[)）]?\s*[\d月日年]{0,8}(?:数据|统计)(?:显示|表明)"
)
"""``海关总署6月9日发布数据显示``, ``根据CFTC的最新数据``: an agency publishing data reports the figure of
whatever the data is about (我国外贸, 投机性头寸), it is not its subject. A name before 数据中心 or 报告期
is not publishing anything, so the pattern needs 发布/公布/最新 before the data word or 显示/表明 after it."""

ORG_SUFFIXES = _entities("org_suffixes")
"""A CJK token ending in one of these (and tagged a noun) names an organization."""

# -- metrics ----------------------------------------------------------------------------------------
APPROXIMATIONS = frozenset(_metrics("approximations"))
"""Qualifiers that make a figure approximate or a bound (kept on the fact and used to widen the
tolerance); verbs the parser also reports (增至, 达到, 预计) are not qualifiers of the value."""

METRIC_VERBS = frozenset(_metrics("metric_verbs"))
"""Verbs that name what is measured (营收900亿, 净买入1.2万亿): kept at the end of a metric."""

METRIC_SYNONYMS: tuple[tuple[str, str], ...] = word_pairs(_METRICS, "metric_synonyms")
"""(surface, canonical): applied longest first, inside a metric phrase."""

NON_MEASURES = frozenset(_metrics("non_measures"))
"""Nouns that name a landmark, a document, a speaker or an anaphor, never what a figure measures
(``突破4000美元大关`` is a price; ``这一数字预计降至56美分`` points back to a metric named earlier)."""

MOVE_MEASURES = _metrics("move_measures")
"""What a price move (涨/跌/暴涨…) is a move of: ``股价单日暴涨`` is a metric, ``零跑汽车涨`` is a company
the lexicon does not know."""

GENERIC_ATTRIBUTES = frozenset(_metrics("generic_attributes"))
"""Attributes that need the noun they belong to: ``价值最高270亿美元的算力供应协议`` → 算力供应协议价值."""

CLAUSE_VERBS = frozenset(_metrics("clause_verbs"))
"""Verbs that end a clause, not a metric phrase (``数字预计``)."""

METRIC_FILLERS = _metrics("metric_fillers")
"""Words that do not change what is measured (计算运营支出预算总额 ~ 计算支出); dropped from the
comparison key only, never from the metric shown."""

CHANGE_WORDS = _metrics("change_words")
"""A metric with one of these measures a change, never a level: 市值蒸发 must not be compared with 市值."""

CHANGE_ONLY: dict[str, str] = {k: str(v) for k, v in word_table(_METRICS, "change_only").items()}
"""A bare move word as a metric → the measure it stands for (涨 → 涨幅; 高开 is its own measure)."""

COPULAS = _metrics("copulas")
"""Verbs that link a metric to its value and say nothing about it (营收达到900亿 = 营收 900亿)."""

LEAD_FILLERS = _metrics("lead_fillers")
"""Function words trimmed from the start of a metric phrase."""

TAIL_FILLERS = _metrics("tail_fillers")
"""Function words trimmed from the end of a metric phrase."""

NON_METRICS = frozenset(_metrics("non_metrics"))
"""Words that, left alone in a window, are no metric (a verb, a qualifier, a connective)."""

# -- grouping ---------------------------------------------------------------------------------------
ABOUT_QUALIFIERS = frozenset(_metrics("about_qualifiers"))
"""Qualifiers that make a value approximate both ways (约, 左右)."""

OVER_QUALIFIERS = frozenset(_metrics("over_qualifiers"))
"""Qualifiers that make a value a lower bound (超过, 至少)."""

UNDER_QUALIFIERS = frozenset(_metrics("under_qualifiers"))
"""Qualifiers that make a value an upper bound (近, 不到)."""

METRIC_MODIFIERS = _metrics("metric_modifiers")
"""Words that may differ between two phrases of the same metric (预期营收 ~ 营收)."""

RELATIVE_PERIODS = frozenset(_metrics("relative_periods"))
"""Periods relative to the publish date (本周, 当月)."""

# -- confidence features ----------------------------------------------------------------------------
FORECASTERS = re.compile(
    rf"^(?:{_alternation(_entities('forecasters'))})|(?:{_alternation(_entities('forecaster_endings'))})$"
)
"""Banks, brokers, rating agencies and research houses: they publish forecasts and target prices about
other companies far more often than figures of their own (``花旗…三星电子目标价``)."""

INSTITUTIONS = re.compile(_alternation(_entities("institutions")))
"""Central banks, agencies and governments: the subject of a paragraph about the markets they move
(美联储…美元指数上涨1%), rarely the owner of the market's figures."""

MEASURE_WORDS = re.compile(_alternation(_metrics("measure_words")))
"""Words that name a measure: a metric holding one is a measure, not a stray noun phrase."""

EXPECTATION_WORDS = re.compile(_alternation(_metrics("expectation_words")))
"""``远超市场预期的19.9亿美元``: the figure is the consensus, a metric of its own kind."""
