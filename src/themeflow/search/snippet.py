"""Snippets: the passage of the best-matching paragraph, with the query's matches highlighted.

Matching runs on folded text (full-width, traditional, case) but offsets index the text as written, which
works because folding is one character to one character (see ``text/segment.py``). The surfaces looked for
are the ones the index matched: each term as a whole (its runs in order, punctuation or spaces allowed
between them, as the gram index allows) and, for bare terms, each of its words (the loose word match).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from themeflow.model import Document, Snippet
from themeflow.search.query import ParsedQuery, Term
from themeflow.text.segment import fold, query_words, runs

__all__ = ["MAX_PATTERNS", "SNIPPET_CHARS", "Highlighter", "make_snippet"]

SNIPPET_CHARS = 160
"""About two lines of Chinese in a terminal; long enough to show a claim with its figure."""

MAX_PATTERNS = 96
"""At most this many alternatives in a query's highlight pattern (whole terms first, then their words).

With the query parser's bounds (64 terms, 16 parts and 100 characters each) and duplicates removed, this
cap bounds the compiled pattern; extra word-level surfaces are only not highlighted (results do not change).
"""

_SEP = r"[\W_]{0,3}"
"""Up to three separator characters between a term's parts: what ``text.segment.runs`` splits on (neither
CJK, nor a digit, nor a letter). A category class compiles in microseconds; the explicit negated range it
replaces (``[^0-9a-z\u3400-\u9fff]``) cost ~0.8 ms of compilation per occurrence, ~0.5 s for a query of
long many-part terms."""
_SENTENCE_END = "。！？；!?;\n"


@dataclass(frozen=True, slots=True)
class _Surface:
    """One way a term shows in text: its first character, and the pattern for the rest of it."""

    first: str
    rest: str

    @property
    def size(self) -> int:
        return len(self.rest) + 1


def _piece_pattern(kind: str, piece: str, *, lead: bool = False) -> str:
    """A run of the term; a number or Latin word must not continue a longer one on either side. As the
    ``lead`` piece its first character is matched by the caller, so the left-boundary check looks two
    characters back (``x(?<![0-9].)`` is ``(?<![0-9])x``)."""
    body = re.escape(piece[1:]) if lead else re.escape(piece)
    if kind == "cjk":
        return body
    cls, after = ("[0-9]", "(?![0-9])") if kind == "num" else ("[a-z]", "(?![a-z0-9])")
    before = f"(?<!{cls}.)" if lead else f"(?<!{cls})"
    return f"{before}{body}{after}"


def _surface(pieces: Sequence[tuple[str, str]]) -> _Surface:
    (kind, head), tail = pieces[0], pieces[1:]
    rest = _piece_pattern(kind, head, lead=True) + "".join(_SEP + _piece_pattern(k, p) for k, p in tail)
    return _Surface(head[0], rest)


def _term_surfaces(term: Term, loose: bool) -> list[_Surface]:
    pieces = list(runs(fold(term.text)))
    if not pieces:
        return []
    out = [_surface(pieces)]
    if loose and not term.phrase:
        for word in query_words(term.text):
            if word and (len(word) >= 2 or len(pieces) == 1):
                kind = "num" if word[0].isdigit() else ("word" if word.isascii() else "cjk")
                out.append(_surface([(kind, word)]))
    return out


@dataclass(frozen=True, slots=True)
class Highlighter:
    """Compiled surfaces of a query's positive terms; ``keys[i]`` says which term pattern ``i`` stands for.

    One alternation, longest surface first (a whole phrase wins over its words at the same position), each
    alternative written as ``<literal first character>(?P<tN>…)``. Because every alternative starts with a
    literal, the regex engine knows the set of characters a match can start with and skips every other
    position in C; a page of text is scanned in one pass whatever the number of terms.
    """

    pattern: re.Pattern[str] | None
    keys: tuple[int, ...]

    @classmethod
    def for_query(cls, query: ParsedQuery, *, loose: bool = True) -> Highlighter:
        """The highlighter of ``query``; a repeated term (``A股 A股 …``) compiles once."""
        wholes: dict[_Surface, int] = {}
        words: dict[_Surface, int] = {}
        for k, term in enumerate(query.positive_terms()):
            surfaces = _term_surfaces(term, loose)
            if surfaces:
                wholes.setdefault(surfaces[0], k)
                for surface in surfaces[1:]:
                    words.setdefault(surface, k)
        chosen = list(wholes.items()) + [(sf, k) for sf, k in words.items() if sf not in wholes]
        chosen = chosen[:MAX_PATTERNS]
        chosen.sort(key=lambda sk: -sk[0].size)
        alts = [f"{re.escape(sf.first)}(?P<t{i}>{sf.rest})" for i, (sf, _) in enumerate(chosen)]
        pattern = re.compile("|".join(alts)) if alts else None
        return cls(pattern, tuple(k for _, k in chosen))

    @property
    def size(self) -> int:
        """How many alternatives the pattern has (at most :data:`MAX_PATTERNS`)."""
        return len(self.keys)

    def matches(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, term key) of each non-overlapping match in ``text`` (as written)."""
        if self.pattern is None or not text:
            return []
        out: list[tuple[int, int, int]] = []
        for m in self.pattern.finditer(fold(text)):
            if m.end() > m.start() and m.lastgroup is not None:
                out.append((m.start(), m.end(), self.keys[int(m.lastgroup[1:])]))
        return out


def make_snippet(doc: Document, highlighter: Highlighter, width: int = SNIPPET_CHARS) -> Snippet | None:
    """The window of the paragraph matching the most distinct terms (then the most often; earliest wins).

    The document is folded and scanned once (a long article has dozens of paragraphs, and a page has 20
    documents); matches are then bucketed by paragraph, dropping any that span a paragraph break.
    """
    if not doc.paragraphs:
        return None
    starts: list[int] = []
    pos = 0
    for para in doc.paragraphs:
        starts.append(pos)
        pos += len(para) + 1
    per_para: dict[int, list[tuple[int, int, int]]] = {}
    for s, e, k in highlighter.matches("\n".join(doc.paragraphs)):
        i = bisect_right(starts, s) - 1
        if e <= starts[i] + len(doc.paragraphs[i]):
            per_para.setdefault(i, []).append((s - starts[i], e - starts[i], k))
    best_i, best_key = 0, (0, 0)
    for i, found in per_para.items():
        key = (len({k for _, _, k in found}), len(found))
        if key > best_key or (key == best_key and i < best_i):
            best_i, best_key = i, key
    return _window(doc.paragraphs[best_i], best_i + 1, per_para.get(best_i, []), width)


def _window(para: str, n: int, found: list[tuple[int, int, int]], width: int) -> Snippet:
    text = para.strip()
    lead = len(para) - len(para.lstrip())
    found = [(s - lead, e - lead, k) for s, e, k in found if s >= lead and e - lead <= len(text)]
    if len(text) <= width:
        return Snippet(paragraph=n, text=text, highlights=tuple((s, e) for s, e, _ in found))
    start = 0
    if found:
        # The window start (at a match) that covers the most distinct terms, then backed up to a sentence start.
        def cover(i: int) -> tuple[int, int]:
            s0 = found[i][0]
            inside = [k for s, e, k in found if s >= s0 and e <= s0 + width - 20]
            return len(set(inside)), -i

        first = found[max(range(len(found)), key=cover)][0]
        start = max(0, first - 20)
        for j in range(first - 1, max(-1, first - 60), -1):
            if text[j] in _SENTENCE_END:
                start = j + 1
                break
        else:
            if first < 60:
                start = 0
    end = min(len(text), start + width)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    highlights = tuple((s + shift, e + shift) for s, e, _ in found if s >= start and e <= end)
    return Snippet(paragraph=n, text=prefix + text[start:end] + suffix, highlights=highlights)
