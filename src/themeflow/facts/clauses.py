"""Where sentences and clauses start in a paragraph, and which period a figure's sentence names.

The figure extractor reads every figure against the clause and the sentence it sits in (its entity is
looked for in its clause first, its period in its sentence), so it needs the start offsets of both and
a quick way to find the piece an offset falls in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from themeflow.facts.metric import PERIOD_RES

__all__ = ["CLAUSE_END", "SENT_END", "bounds", "period_for", "periods", "start_of"]

SENT_END = re.compile(r"[。！？!?；;\n]|\s{2,}|(?<=\])\s|\s-\s")
"""What ends a sentence: sentence punctuation, a line break, a run of spaces left by flattened pages."""
CLAUSE_END = re.compile(r"[，、：:（）()【】「」“”\"《》|]|——|,(?!\d{3})|(?<!\d),")
"""What ends a clause: commas (not a thousands separator), colons, brackets, quotes, dashes."""


def bounds(text: str, rx: re.Pattern[str], within: list[int] | None = None) -> list[int]:
    """Sorted start offsets of the pieces ``rx`` cuts ``text`` into (plus the starts of ``within``)."""
    starts = {0, *(within or ())}
    for m in rx.finditer(text):
        starts.add(m.end())
    return sorted(starts)


def start_of(starts: list[int], pos: int) -> int:
    """The start of the piece ``pos`` falls in (``starts`` as :func:`bounds` returns them)."""
    best = 0
    for s in starts:
        if s > pos:
            break
        best = s
    return best


def periods(text: str) -> list[tuple[int, int, str]]:
    """Every period the paragraph names (years, ranges, quarters, fiscal years), in order.

    A year glued to a month or day (``2025年8月``) is a date, not a period, and is skipped."""
    found: list[tuple[int, int, str]] = []
    for rx in PERIOD_RES:
        for m in rx.finditer(text):
            if any(s <= m.start() < e for s, e, _ in found):
                continue
            if m.end() < len(text) and text[m.end()] in "月日" and "年" not in m.group()[-1:]:
                continue
            found.append((m.start(), m.end(), m.group().strip()))
    return sorted(found)


def period_for(
    found: Iterable[tuple[int, int, str]],
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
    for s, e, p in found:
        if s >= s_start and e <= pos:
            p_clause = start_of(clauses, s)
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
