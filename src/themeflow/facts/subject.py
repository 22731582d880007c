"""Whose figure it is: the subject the extractor picks for a figure among the paragraph's names.

Nearest first: an actor named in the figure's own words or clause, an owner named right after it
(``640亿美元的CoreWeave``), a scope (全球, 美国), the first actor in subject position earlier in the
sentence; then, for an anaphor (该公司, 公司, 其) or a sentence that names no one, the paragraph's first
actor. Objects (向/对/据 X), owners (X旗下), counted things (22万块英伟达处理器) and names that qualify
the next name (马斯克的…xAI) are not subjects; the helpers here say which is which.
"""

from __future__ import annotations

import re

from themeflow.facts.clauses import start_of
from themeflow.facts.mentions import EntityMention
from themeflow.text.numbers import Figure
from themeflow.text.segment import pos_tags

__all__ = ["counted", "in_subject_position", "modifies_next", "owner_after", "pick_entity", "through_aside"]

_ANAPHOR = re.compile(
    r"(?:该|这家|此)(?:公司|集团|银行|机构|行)|这家[\u4e00-\u9fff]{0,6}(?:公司|巨头|企业|机构|银行)"
    r"|^\s*(?:公司|其(?![中他它余实次]))"
)
"""该公司 / 这家公司 / 该行 anywhere, 公司 or 其 opening a clause: the subject is named elsewhere."""
_COPULA_VERBS = frozenset("是 为 有 在".split())
"""Linking verbs that leave a name after them in subject position (是英伟达…)."""


def pick_entity(
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
            chosen = next((e for e in strong if e.subject), strong[0])
            return _forecast_subject(text, chosen, strong, pos).canonical, name
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


_FORECASTS = re.compile(
    r"\s*(?:还|则|也|亦|更|此前|同时|进一步)?\s*(?:预计|预测|预期|估计|测算|认为|判断|料|指出|表示|称)[，,：:\s]?"
)
"""A forecast or view right after a name: what follows is the forecaster's reading of someone else."""


def _forecast_subject(
    text: str, chosen: EntityMention, strong: list[EntityMention], pos: int
) -> EntityMention:
    """``美国银行预计美联储将降息25个基点``, ``高盛预计英伟达2026年营收将达到3000亿美元``: the figure is the
    forecast's subject's (美联储, 英伟达), not the forecaster's; a forecaster with no one named after its verb
    (``高盛预计，明年营收…``) keeps it."""
    m = _FORECASTS.match(text, chosen.end)
    if m is None:
        return chosen
    return next((e for e in strong if e.start >= m.end() and e.end <= pos and e is not chosen), chosen)


def through_aside(text: str, clauses: list[int], c_start: int) -> int:
    """The clause start seen through a bracketed aside that ends right before it: in ``甲骨文（Oracle）也为其
    基础设施业务筹集了380亿美元``, the bracket is an aside and 甲骨文 opens the figure's clause."""
    if c_start == 0 or text[c_start - 1] not in "）)":
        return c_start
    opened = max(text.rfind("（", 0, c_start - 1), text.rfind("(", 0, c_start - 1))
    if opened <= 0 or c_start - opened > 30 or re.search(r"[。；;！？]", text[opened:c_start]):
        return c_start
    return start_of(clauses, opened - 1)


def _subject_elsewhere(before: list[EntityMention], lo: int, s_start: int) -> bool:
    """An actor in subject position earlier in the sentence (or paragraph, when the sentence names none)
    than ``lo``: ``英伟达…，首笔20亿美元直接换取Lancium约20%股权`` is about 英伟达."""
    return any(e.subject and not e.weak and e.end <= lo for e in before)


def owner_after(text: str, f: Figure, mentions: list[EntityMention], c_end: int) -> tuple[str, str] | None:
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


def modifies_next(text: str, e: EntityMention, mentions: list[EntityMention]) -> bool:
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


def in_subject_position(text: str, clause_start: int, start: int) -> bool:
    """No verb other than a copula between the clause start and ``start``: a name there is the clause's
    subject, one after a verb is an object (``不享有博通背书`` is not about 博通)."""
    prefix = text[clause_start:start]
    return not prefix.strip() or not any(t == "v" and w not in _COPULA_VERBS for w, t in pos_tags(prefix))


def counted(e: EntityMention, figures: list[Figure]) -> bool:
    """``22万块英伟达处理器``: a name right after a count is part of what is counted, not a subject."""
    return any(f.end == e.start and f.kind in ("count", "number") for f in figures)
