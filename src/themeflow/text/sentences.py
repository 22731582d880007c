"""Sentence and clause splitting for Chinese (and embedded English) news text.

Summaries cite paragraphs and compress sentences clause by clause, so both splitters return exact
substrings of their input: whatever a bullet keeps is text the article really contains, which is what
lets the verifier check it. Splitting never happens inside a number (``1,100``, ``114.3``), inside
quotes or brackets (a quoted remark stays whole), or after common English abbreviations (``U.S.``).
"""

from __future__ import annotations

import re

__all__ = ["clause_spans", "sentence_spans", "split_clauses", "split_sentences"]

_ENDS = "。！？!?；;…"
_CLOSERS = "”’」』）)】\"'》"
_OPENERS = {"“": "”", "「": "」", "『": "』", "（": "）", "(": ")", "【": "】", "《": "》"}
_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "inc",
    "co",
    "ltd",
    "corp",
    "vs",
    "no",
    "st",
    "jr",
    "sr",
    "u.s",
    "e.g",
    "i.e",
}
_EN_WORD_BEFORE = re.compile(r"([A-Za-z.]+)$")


def _english_period_ends(text: str, i: int) -> bool:
    """A '.' at ``i`` ends a sentence: followed by space + capital/CJK (or end), not an abbreviation or decimal."""
    nxt = text[i + 1 : i + 2]
    if i > 0 and text[i - 1].isdigit() and nxt.isdigit():
        return False
    if nxt and not nxt.isspace():
        return False
    after = text[i + 1 :].lstrip()
    if after and not (after[0].isupper() or "\u4e00" <= after[0] <= "\u9fff" or after[0] in _OPENERS):
        return False
    m = _EN_WORD_BEFORE.search(text, 0, i)
    if m:
        word = m.group(1).lower().rstrip(".")
        if word in _ABBREV or len(word) == 1:
            return False
    return True


_SPECIAL = re.compile("[" + re.escape(_ENDS + "." + "".join(_OPENERS) + "".join(_OPENERS.values())) + "]")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace trimmed; end punctuation and closing quotes included."""
    spans: list[tuple[int, int]] = []
    n = len(text)
    start = 0
    depth: list[str] = []
    skip_to = 0
    for m in _SPECIAL.finditer(text):
        i = m.start()
        if i < skip_to:
            continue
        ch = text[i]
        if ch in _OPENERS:
            depth.append(_OPENERS[ch])
            continue
        if depth and ch == depth[-1]:
            depth.pop()
            continue
        end_here = ch in _ENDS or (ch == "." and _english_period_ends(text, i))
        # A sentence end inside quotes ends the sentence only when the quote closes right after it.
        if end_here and depth and not (i + 1 < n and text[i + 1] in _CLOSERS):
            end_here = len(depth) > 2  # runaway unbalanced quotes: do not swallow the paragraph
        if end_here:
            j = i + 1
            while j < n and (text[j] in _ENDS or text[j] in _CLOSERS):
                if depth and text[j] == depth[-1]:
                    depth.pop()
                j += 1
            spans.append((start, j))
            start = skip_to = j
    if start < n:
        spans.append((start, n))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (see :func:`sentence_spans`)."""
    return [text[s:e] for s, e in sentence_spans(text)]


def clause_spans(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of each clause of one sentence, whitespace trimmed (see :func:`split_clauses`).

    The text between one clause's end and the next one's start is the separator the article used
    (``，``, ``：``, ``——``), so a compressor can put back a colon after a speaker label.
    """
    spans: list[tuple[int, int]] = []
    depth: list[str] = []
    start = 0
    n = len(sentence)
    i = 0
    while i < n:
        ch = sentence[i]
        if ch == "—" and not depth and sentence[i + 1 : i + 2] == "—":
            spans.append((start, i))
            start = i + 2
            i += 2
            continue
        if ch in _OPENERS:
            depth.append(_OPENERS[ch])
        elif depth and ch == depth[-1]:
            depth.pop()
        elif ch in "，,：:" and not depth:
            if not (ch in ",:" and 0 < i < n - 1 and sentence[i - 1].isdigit() and sentence[i + 1].isdigit()):
                spans.append((start, i))  # (1,100 and 10:30 are not separators)
                start = i + 1
        i += 1
    spans.append((start, n))
    out = []
    for s, e in spans:
        while s < e and sentence[s].isspace():
            s += 1
        while e > s and sentence[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def split_clauses(sentence: str) -> list[str]:
    """Clauses of one sentence, split at ``，,：:`` and ``——`` outside quotes/brackets, not between digits.

    Each clause keeps no separator; joining them back with '，' restores the sentence up to punctuation.
    """
    return [sentence[s:e] for s, e in clause_spans(sentence)]
