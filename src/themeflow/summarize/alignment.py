"""A bullet laid over the source sentence it was made from: which of the sentence's characters it says.

Why: the meaning checks (:mod:`.meaning`, :mod:`.standalone`) read what a bullet *left out* of its
sentence — a speaker, a period, the half of a contrast, the rest of a clause. That needs the sentence the
bullet came from and, per character, whether the bullet says it. The alignment is cached per (bullet,
paragraphs): the summarizer checks a bullet before it keeps it and the verifier checks it again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

from themeflow.text.sentences import split_sentences

__all__ = ["ALIGNED_ENOUGH", "PUNCT", "Alignment", "align", "sentences_of"]

ALIGNED_ENOUGH = 0.8
"""Share of a bullet's characters that must come from one source sentence for the meaning checks to read
what it left out; below it the bullet is a paraphrase (or spans sentences) and only wording support applies."""

PUNCT = set("，,。；;：:、！!？?“”‘’\"'（）()《》「」『』—-… \u3000")


@dataclass(frozen=True, slots=True)
class Alignment:
    """A bullet laid over its source sentence: ``covered[i]`` says whether the bullet says character ``i``."""

    sentence: str
    covered: tuple[bool, ...]
    share: float
    """Share of the bullet's characters found in ``sentence``."""
    before: tuple[str, ...] = ()
    """The sentences of the same paragraph before ``sentence`` (an attribution there may govern it)."""

    def said(self, start: int, end: int) -> bool:
        """Whether the bullet says any (non-punctuation) character of ``sentence[start:end]``."""
        return any(self.covered[i] for i in range(max(0, start), min(end, len(self.sentence))))

    def dropped(self, start: int, end: int) -> bool:
        """Whether the bullet says none of ``sentence[start:end]`` (and it has something to say)."""
        chars = [
            i for i in range(max(0, start), min(end, len(self.sentence))) if self.sentence[i] not in PUNCT
        ]
        return bool(chars) and not any(self.covered[i] for i in chars)

    def first_said(self) -> int:
        return next((i for i, c in enumerate(self.covered) if c), len(self.covered))

    def last_said(self) -> int:
        """The last character the bullet says (punctuation a piece happened to include not counted)."""
        covered, sentence = self.covered, self.sentence
        for i in range(len(covered) - 1, -1, -1):
            if covered[i] and sentence[i] not in PUNCT:
                return i
        return -1


def _find(sentence: str, piece: str, after: int) -> int:
    """Where ``piece`` is in ``sentence``: at or after ``after`` if it is there, else anywhere."""
    at = sentence.find(piece, after)
    return at if at >= 0 else sentence.find(piece)


def _cover(bullet: str, sentence: str) -> tuple[list[bool], int]:
    """Mark the source characters the bullet's longest common pieces (two characters or more) come from."""
    whole = sentence.find(bullet) if len(bullet) >= 2 else -1
    if whole < 0:
        return _cover_by_pieces(bullet, sentence)
    # A bullet the sentence holds verbatim (most extractive bullets): the pieces would grow to the whole
    # bullet at its first occurrence, one character at a time.
    covered = [False] * len(sentence)
    covered[whole : whole + len(bullet)] = [True] * len(bullet)
    return covered, len(bullet)


def _cover_by_pieces(bullet: str, sentence: str) -> tuple[list[bool], int]:
    """:func:`_cover` piece by piece: each longest piece of the bullet the sentence holds, in order."""
    covered = [False] * len(sentence)
    matched = 0
    i = 0
    after = (
        0  # pieces are looked for after the previous one first: a repeated phrase (同比增加…) aligns in order
    )
    while i < len(bullet):
        at = _find(sentence, bullet[i : i + 2], after) if i + 2 <= len(bullet) else -1
        if at < 0:
            i += 1
            continue
        size = 2
        while i + size < len(bullet):  # grow the piece while the sentence still holds it
            nxt = _find(sentence, bullet[i : i + size + 1], after)
            if nxt < 0:
                break
            at, size = nxt, size + 1
        while (
            size > 2
            and bullet[i + size - 1].isdigit()
            and i + size < len(bullet)
            and bullet[i + size].isdigit()
        ):
            size -= 1  # never end a piece inside a number (星河智能202|9年): the number aligns whole
        at = _find(sentence, bullet[i : i + size], after)
        after = at + size
        for k in range(at, at + size):
            covered[k] = True
        matched += size
        i += size
    return covered, matched


_UNPUNCTUATED_RUN = re.compile("[^" + "".join(re.escape(ch) for ch in sorted(PUNCT)) + "]{2,}")


def _bigrams(text: str) -> frozenset[str]:
    """The pairs of adjacent characters neither of which is punctuation: the bigrams of each run of text
    between punctuation marks."""
    return frozenset(
        chain.from_iterable(map(str.__add__, run, run[1:]) for run in _UNPUNCTUATED_RUN.findall(text))
    )


@lru_cache(maxsize=4096)
def sentences_of(paragraph: str) -> tuple[str, ...]:
    """A paragraph's sentences, split once: the summarizer and the verifier align every bullet of an article
    against the same few paragraphs."""
    return tuple(split_sentences(paragraph))


_sentence_bigrams = lru_cache(maxsize=16384)(_bigrams)
"""A sentence's bigrams, made when a bullet is first aligned against it: the alignment stops at the first
sentence holding all of a bullet's bigrams, and the sentences after it are often never needed."""


def align(bullet: str, paragraphs: Sequence[str]) -> Alignment | None:
    """The bullet over the cited sentence it shares most wording with; None when no sentence gives at least
    :data:`ALIGNED_ENOUGH` of it (a paraphrase, or a bullet joined from several sentences). Cached: the
    summarizer checks a bullet before it keeps it, and the verifier checks it again."""
    return _align(bullet.strip().rstrip("。"), tuple(paragraphs))


def _each_sentence(paragraphs: Sequence[str]) -> Iterator[tuple[tuple[str, ...], int]]:
    """Each sentence of ``paragraphs`` in order, as (its paragraph's sentences, its index)."""
    for para in paragraphs:
        sentences = sentences_of(para)
        for k in range(len(sentences)):
            yield sentences, k


@lru_cache(maxsize=4096)
def _align(text: str, paragraphs: tuple[str, ...]) -> Alignment | None:
    if len(text) < 4:
        return None
    grams = _bigrams(text)
    best: tuple[int, str, tuple[str, ...]] | None = None
    for sentences, k in _each_sentence(paragraphs):
        sentence = sentences[k]
        overlap = len(grams & _sentence_bigrams(sentence))
        if best is None or overlap > best[0]:
            best = (overlap, sentence, sentences[:k])
            if overlap == len(grams):
                break  # the sentence holds every bigram: no later one can hold more
    if best is None or not best[0]:
        return None
    covered, matched = _cover(text, best[1])
    share = matched / len(text)
    if share < ALIGNED_ENOUGH:
        return None
    return Alignment(best[1], tuple(covered), share, best[2])
