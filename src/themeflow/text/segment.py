"""Word segmentation and the search analyzer for Chinese financial text.

One analyzer serves documents and queries alike (an index only matches what the query side produces the same
way). It works on *folded* text — full-width letters and digits to ASCII, traditional characters to simplified,
ASCII lower-cased — and folding maps every character to exactly one character, so an offset found in folded
text is the same offset in the text as written (snippets highlight the original, ``星際之門`` stays as written).

The folded text is split into runs: CJK runs, numbers and Latin words. Each run yields tokens in two streams:

- **words** — rjieba precise segmentation of CJK runs with the finance user dictionary, plus every dictionary
  word contained in a longer word (so ``农业`` finds ``中国农业发展银行``, ``资本开支`` finds a run segmented
  as ``资本开支周期``). Good ranking signal; misses names jieba splits differently in different contexts.
- **grams** — overlapping character bigrams of each CJK run followed by the run's last character on its own
  (the Elasticsearch ``cjk_bigram`` idea). Every CJK substring of a document is then a phrase of consecutive
  grams, so out-of-vocabulary names and exact phrases always match; the trailing unigram lets a one-character
  query match by prefix at any position.

Numbers stay whole: ``114.3`` is one token and thousands separators are dropped (``1,100`` == ``1100``).
Latin words start with a letter and may contain digits (``h100``, ``gpt4``); ``3GW`` is ``3`` + ``gw``.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import rjieba

from themeflow.text.script import simplified_table

_RULES_VERSION = "3"
"""Bump when folding, run splitting or token rules change (the dictionary is hashed in automatically)."""

DICTIONARY = "finance_dict.txt"

RunKind = Literal["cjk", "num", "word"]

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005\u3007\U00020000-\U0002ebef"
_RUN_RE = re.compile(
    rf"(?P<cjk>[{_CJK}]+)"
    r"|(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?)"
    r"|(?P<word>[a-z][a-z0-9]*|[^\W\d_]+)"
)


def _dictionary_bytes() -> bytes:
    return resources.files("themeflow.data").joinpath(DICTIONARY).read_bytes()


ANALYZER_VERSION = f"{_RULES_VERSION}-{hashlib.sha256(_dictionary_bytes()).hexdigest()[:10]}"
"""Stored with the index: a different value makes the store rebuild it."""


# -- folding -----------------------------------------------------------------------------------------------
_fold_table: dict[int, str] | None = None
_fold_lock = threading.Lock()


_FOLD_BLOCKS = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
"""CJK blocks whose traditional characters fold (the BMP ideographs: what the index has always folded)."""


def _build_fold_table() -> dict[int, str]:
    """One character in, one character out: full-width ASCII, traditional -> simplified, ASCII lower case.

    Traditional → simplified is the shared character table of :mod:`themeflow.text.script`, limited to
    the BMP CJK blocks (extending it would change the analyzer and so every stored index). Only
    one-to-one mappings exist, so offsets survive folding. The full-width comma is left alone: ``1，200``
    is a list, not 1200.
    """
    table: dict[int, str] = {}
    for cp in range(0xFF01, 0xFF5F):
        if cp != 0xFF0C:
            table[cp] = chr(cp - 0xFEE0)
    table[0x3000] = " "
    cjk = re.compile(f"[{_CJK}]")
    for cp, ch in simplified_table().items():
        # A target the run splitter does not read as CJK (繐 → 𰬸, Extension G) would cut the run in two on
        # one side only: 繐 stays as written.
        if any(lo <= cp < hi for lo, hi in _FOLD_BLOCKS) and cjk.match(ch):
            table[cp] = ch
    for cp, ch in list(table.items()):
        if "A" <= ch <= "Z":
            table[cp] = ch.lower()
    for cp in range(ord("A"), ord("Z") + 1):
        table[cp] = chr(cp).lower()
    return table


_fold_re: re.Pattern[str] | None = None


def fold(text: str) -> str:
    """The text as the index sees it; ``len(fold(t)) == len(t)`` so offsets carry over to the original.

    ``str.translate`` with a dict costs a dict lookup per character even when nothing changes, which made
    snippet highlighting dominate query time; a compiled character class finds the few characters that
    do change in C, and only those go through the table.
    """
    global _fold_table, _fold_re
    if _fold_re is None:
        with _fold_lock:
            if _fold_re is None:
                table = _build_fold_table()
                _fold_table = table
                _fold_re = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(table)) + "]")
    folded = _fold_table
    assert folded is not None
    return _fold_re.sub(lambda m: folded[ord(m.group())], text)


# -- segmentation ------------------------------------------------------------------------------------------
_jieba: rjieba.Jieba | None = None
_jieba_lock = threading.Lock()


def dictionary_words() -> list[str]:
    """The entries of the finance user dictionary (comments and blank lines skipped)."""
    out: list[str] = []
    for line in _dictionary_bytes().decode("utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line.split()[0])
    return out


def _segmenter() -> rjieba.Jieba:
    """A private rjieba instance with the finance dictionary (other users of rjieba keep the stock one)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                jieba = rjieba.Jieba()
                for line in _dictionary_bytes().decode("utf-8").splitlines():
                    line = line.strip()
                    if not line or line.startswith("#"):
                        continue
                    parts = line.split()
                    freq = int(parts[1]) if len(parts) > 1 else None
                    jieba.add_word(parts[0], freq, None)
                _jieba = jieba
    return _jieba


def words(text: str) -> list[str]:
    """Plain word segmentation (precise mode, finance dictionary) as written; punctuation-only tokens dropped."""
    return [t for t in _segmenter().cut(text) if t.strip() and any(ch.isalnum() for ch in t)]


def pos_tags(text: str) -> list[tuple[str, str]]:
    """Words with part-of-speech tags (``nt``, ``nr``, ``v`` …) from rjieba's *stock* dictionary.

    Why the stock one: the finance dictionary is tuned for the search index (it keeps compounds such as
    ``资本开支周期`` whole) and would change which words the figure and summary rules see as names or verbs.
    This is the one place outside this module where part-of-speech tagging happens. Kept per text: a
    summary tags each source sentence, then the verifier and the meaning rules tag the same sentences, their
    clauses and their heads again (two calls in five repeat an earlier text).
    """
    return list(_tagged(text))


@functools.lru_cache(maxsize=16384)
def _tagged(text: str) -> tuple[tuple[str, str], ...]:
    return tuple(rjieba.tag(text))


def stock_words(text: str) -> list[str]:
    """Plain segmentation with rjieba's stock dictionary, as written (the tagger's word boundaries)."""
    return list(rjieba.cut(text))


def runs(folded: str) -> Iterator[tuple[RunKind, str]]:
    """Split folded text into CJK runs, numbers (commas removed) and Latin words; everything else separates."""
    for m in _RUN_RE.finditer(folded):
        kind = m.lastgroup
        if kind == "cjk":
            yield "cjk", m.group()
        elif kind == "num":
            yield "num", m.group().replace(",", "")
        else:
            yield "word", m.group()


def run_words(run: str) -> list[str]:
    """Precise segmentation of a folded CJK run (query side: the words a reader typed)."""
    return _segmenter().cut(run)


@functools.lru_cache(maxsize=262_144)
def _expand(word: str) -> tuple[str, ...]:
    """``word`` and every dictionary word inside it, left to right (search mode without a length limit).

    Cached: the vocabulary of a corpus is small next to its token count."""
    if len(word) <= 2:
        return (word,)
    out = [word]
    has = _segmenter().has_word
    n = len(word)
    for i in range(n - 1):
        for j in range(i + 2, n + 1 if i else n):
            sub = word[i:j]
            if has(sub):
                out.append(sub)
    return tuple(out)


class _JoinedExpansions(dict[str, str]):
    """``" ".join(_expand(word))`` by word, looked up in C (``dict.__getitem__``) and computed on a miss.

    Why not ``_expand`` itself: an ``lru_cache`` hit does its bookkeeping per call, and a news article has
    over a thousand words. Emptied when it holds :data:`_EXPANSIONS_KEPT` words, so it stays bounded."""

    def __missing__(self, word: str) -> str:
        if len(self) >= _EXPANSIONS_KEPT:
            self.clear()
        joined = self[word] = " ".join(_expand(word))
        return joined


_EXPANSIONS_KEPT = 262_144
_joined_expansion = _JoinedExpansions().__getitem__


@dataclass(frozen=True, slots=True)
class Analyzed:
    """Both token streams of one text."""

    words: list[str]
    grams: list[str]


_RUN_BREAK = "\n"
"""Joins a text's CJK runs for one segmentation call: never inside a run, and the segmenter cuts at it (a
segmenter cuts each block of Han characters on its own, so each run is cut as it would be alone)."""

_RUN_SEP = " " + _RUN_BREAK + " "
"""Between two runs' words once the words of the joined runs are joined by spaces."""

_STRADDLING = re.compile(_RUN_BREAK + " " + _RUN_BREAK + ".", re.DOTALL)
"""In the laid-out bigrams of joined runs, a break paired with the next run's first character and the
space before it: with the pair before it (the last character and the break) it straddles two runs."""

_SPACE = ord(" ")


def _run_grams(joined: str) -> list[str]:
    """The gram stream of each run of ``joined`` (runs joined by :data:`_RUN_BREAK`), one string per run.

    Built without a Python step per character (a slice per bigram cost more than segmenting the text): the
    bigrams of the whole joined text are laid out as code points (first, second, space) in one array; each
    pair straddling a break (``x⏎`` and ``⏎y``) then collapses to ``x⏎``, the run's trailing unigram and a
    break to split on."""
    if len(joined) == 1:
        return [joined]
    import numpy as np  # here, not at import: read-only commands load this module and never index

    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    laid = np.empty((len(points) - 1, 3), dtype=np.uint32)
    laid[:, 0] = points[:-1]
    laid[:, 1] = points[1:]
    laid[:, 2] = _SPACE
    pairs = laid.tobytes().decode("utf-32-le")
    return (_STRADDLING.sub(_RUN_BREAK, pairs) + joined[-1]).split(_RUN_BREAK + " ")


def _interleave(found: list[tuple[str, str, str]], cjk_streams: list[str]) -> str:
    """One stream of a text: each CJK run's part from ``cjk_streams`` (in order), numbers and Latin words
    whole, joined by spaces. ``found`` is the text's runs as ``_RUN_RE.findall`` gives them."""
    streams = iter(cjk_streams)
    out: list[str] = []
    for cjk, num, word in found:
        out.append(next(streams) if cjk else num.replace(",", "") if num else word)
    return " ".join(out)


def _found_runs(text: str) -> tuple[list[tuple[str, str, str]], str]:
    """``text`` folded and split into runs (``_RUN_RE.findall``), and its CJK runs joined by
    :data:`_RUN_BREAK` (empty when it has none)."""
    found = _RUN_RE.findall(fold(text))
    return found, _RUN_BREAK.join(run for run, _, _ in found if run)


def analyze_joined(text: str) -> tuple[str, str]:
    """Fold ``text`` and produce the word stream and the gram stream as the index stores them, each joined
    by spaces.

    The CJK runs are segmented in one call, joined by :data:`_RUN_BREAK`, and their words split back run by
    run; grams are laid out for all runs at once (:func:`_run_grams`). A call or a Python step per run,
    word or character cost more than the segmentation itself, and the analysis is a fifth of a bulk
    ingest's CPU. ``tests/test_segment.py`` holds this to segmenting and cutting each run alone."""
    found, joined = _found_runs(text)
    if not joined:
        plain = _interleave(found, [])
        return plain, plain
    words = " ".join(map(_joined_expansion, _segmenter().cut(joined))).split(_RUN_SEP)
    return _interleave(found, words), _interleave(found, _run_grams(joined))


def grams_joined(text: str) -> str:
    """The gram stream of ``text`` joined by spaces (``analyze_joined(text)[1]``) without segmenting, so
    it depends on folding alone (the index recomputes a document's grams from its stored text, see
    ``store/sqlite/fts.py``)."""
    found, joined = _found_runs(text)
    return _interleave(found, _run_grams(joined) if joined else [])


def analyze_both(text: str) -> Analyzed:
    """Both token streams of ``text`` as lists (see :func:`analyze_joined`, which the index uses)."""
    words, grams = analyze_joined(text)
    return Analyzed(words.split(), grams.split())


def analyze(text: str) -> list[str]:
    """Index/query word tokens: folded, lower-cased, search-mode words (a word and the dictionary words in it)."""
    return analyze_both(text).words


def bigrams(text: str) -> list[str]:
    """The gram stream of ``text`` as a list (:func:`grams_joined`)."""
    return grams_joined(text).split()


def gram_phrase(text: str) -> tuple[list[str], bool]:
    """The grams a document must contain consecutively to contain ``text``, and whether the last is a prefix.

    A run's trailing unigram is only required when something follows the run in the query (then the run ends
    there in the document too). A query ending in a one-character run matches it as a prefix (``股`` in
    ``A股`` matches the gram ``股市``).
    """
    pieces = list(runs(fold(text)))
    out: list[str] = []
    prefix = False
    for i, (kind, run) in enumerate(pieces):
        last = i == len(pieces) - 1
        if kind != "cjk":
            out.append(run)
        elif len(run) == 1:
            out.append(run)
            prefix = last
        else:
            out.extend(run[k : k + 2] for k in range(len(run) - 1))
            if not last:
                out.append(run[-1])
    return out, prefix


def query_words(text: str) -> list[str]:
    """The word tokens a query term must match: precise words of CJK runs, numbers and Latin words whole."""
    out: list[str] = []
    for kind, run in runs(fold(text)):
        out.extend(run_words(run) if kind == "cjk" else [run])
    return out


@functools.lru_cache(maxsize=4096)
def in_vocabulary(text: str) -> bool:
    """Whether every CJK piece of ``text`` segments into dictionary words of two or more characters.

    Such a term's word tokens are indexed wherever the words occur: a document's segmentation either yields
    the same word or a longer one, and ``_expand`` indexes every dictionary word inside a longer word. A term
    that segments into single characters or words the HMM guessed (not in the dictionary) is out of
    vocabulary: documents may hold its characters under other word boundaries, so it needs the gram stream.
    Numbers and Latin words are whole tokens in both streams and never make a term out of vocabulary.
    """
    has = _segmenter().has_word
    for kind, run in runs(fold(text)):
        if kind == "cjk" and any(len(w) < 2 or not has(w) for w in run_words(run)):
            return False
    return True
