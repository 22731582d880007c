"""Whitespace and width clean-up that never changes what a number says.

Everything downstream — ids, hashes, search, citations ``[n]`` — sees text through this module, so it is
deliberately conservative:

* full-width digits and Latin letters become ASCII (``２０２５`` → ``2025``), ``％`` becomes ``%``, and a
  full-width point between digits becomes ``.``; Chinese punctuation (``，。：“”``) is kept as written —
  NFKC would turn ``，`` into ``,`` and make ``1，100`` look like one number;
* zero-width and control characters are removed, every other kind of space becomes one ASCII space, runs
  collapse, lines are stripped and empty lines dropped;
* nothing is ever inserted between or removed from a run of digits, separators included
  (``1,100`` and ``114.3`` survive verbatim) — a hypothesis test holds us to that.

Paragraphs are numbered from 1 because summaries cite them as ``[n]``.
"""

from __future__ import annotations

import re

__all__ = [
    "clean_line",
    "clean_text",
    "restore_breaks",
    "split_long_paragraph",
    "split_paragraphs",
]

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH.update({cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULLWIDTH.update({cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FULLWIDTH[0xFF05] = ord("%")  # ％

# Invisible characters that carry no text: zero-width spaces/joiners, BOM, soft hyphen, bidi marks.
_INVISIBLE = (
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_CONTROL = "".join(chr(c) for c in [*range(0x09), *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0)])
_DELETE = {ord(c): None for c in _INVISIBLE + _CONTROL if c not in "\n\t\r\x0b\x0c\x85"}

_TABLE: dict[int, int | None] = {**_FULLWIDTH, **_DELETE}

_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_SPACES = re.compile(r"[\s\u3000\u00a0\u2000-\u200a\u202f\u205f]+")
_FW_POINT = re.compile(r"(?<=[0-9])．(?=[0-9])")
_FORMER_BREAK = re.compile(r"[ \t\u3000\u00a0]{2,}")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；])(?![”’」』）)\"'。！？!?])")


_TABLE_KEYS = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_TABLE)) + "]")
"""The characters :data:`_TABLE` changes. Why: ``str.translate`` with a dict looks up every character, and
nearly every line has none of these; one C-level search tells which lines need it."""


def _folded(text: str) -> str:
    """``text.translate(_TABLE)``, skipped when there is nothing to translate (line breaks are kept)."""
    return text.translate(_TABLE) if _TABLE_KEYS.search(text) is not None else text


def _clean_folded_line(line: str) -> str:
    return _SPACES.sub(" ", _FW_POINT.sub(".", line)).strip()


def clean_line(line: str) -> str:
    """One line: widths folded, invisibles dropped, whitespace runs collapsed to one space, stripped."""
    return _clean_folded_line(_folded(line))


def clean_text(text: str) -> str:
    """Clean every line and drop the empty ones; lines stay separated by ``\\n``."""
    lines = (_clean_folded_line(x) for x in _folded(_LINE_BREAKS.sub("\n", text)).split("\n"))
    return "\n".join(x for x in lines if x)


def split_paragraphs(text: str) -> list[str]:
    """Non-empty cleaned lines, in order: element ``n - 1`` is paragraph ``[n]``."""
    cleaned = clean_text(text)
    return cleaned.split("\n") if cleaned else []


def restore_breaks(text: str) -> str:
    """Turn runs of 2+ spaces (how flattened corpora such as CRUD-RAG mark former breaks) into newlines.

    Single spaces are left alone: Chinese outlets put one around numbers (``8 月 16 日``).
    """
    return _FORMER_BREAK.sub("\n", _LINE_BREAKS.sub("\n", text))


def split_long_paragraph(paragraph: str, max_chars: int = 400) -> list[str]:
    """Split an over-long paragraph at sentence ends into chunks of at most about ``max_chars``.

    Used where a source lost its paragraphing entirely: a citation to "paragraph 1" of a 3,000-character
    wall of text would tell a reader nothing. Sentences are never cut; a single sentence longer than
    ``max_chars`` stays whole.
    """
    if len(paragraph) <= max_chars:
        return [paragraph]
    sentences = [s for s in _SENTENCE_END.split(paragraph) if s]
    chunks: list[str] = []
    current = ""
    for sentence in sentences:
        if current and len(current) + len(sentence) > max_chars:
            chunks.append(current.strip())
            current = ""
        current += sentence
    if current.strip():
        chunks.append(current.strip())
    return [c for c in chunks if c]
