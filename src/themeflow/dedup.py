"""Fold syndicated copies of one article into a story: pure logic, no database.

A *copy* is the same article re-hosted by another outlet: perhaps in traditional script, with its
punctuation stripped, a line of boilerplate added, a paragraph or the ending trimmed. A *rewrite* is
the same news event written up by another reporter; it shares facts, names and numbers but not the
running text, and it is **not** a copy (an analyst wants to see both: a rewrite is independent
corroboration, a copy is not). Nothing here looks at titles when deciding "copy": outlets retitle
re-hosts, and different articles share headlines, so a title-only match never suffices.

How a copy is recognised:

1. :func:`normalize` folds what re-hosting changes: NFKC (full-width → half-width), traditional →
   simplified (OpenCC's ``TSCharacters`` dictionary, character level), lower case, and every
   character that is not a letter or a digit (punctuation, whitespace, emoji) removed.
2. The normalized body is cut into overlapping character ``k``-shingles (``k = 5``: long enough that
   two unrelated Chinese texts on the same topic share few of them, short enough that a stripped comma
   breaks few). Exact duplicates are caught first by a hash of the normalized body.
3. A MinHash signature (datasketch's ``affine32`` scheme computed in numpy, fixed seed,
   :data:`DEFAULT_CONFIG`) estimates the Jaccard
   similarity of two shingle sets; LSH band keys (:func:`band_keys`) find candidates in
   O(candidates) through an index, and :func:`is_copy` verifies them against a threshold tuned on
   labelled pairs (``scripts/eval_dedup.py``; ``tests/data/dedup_pairs.jsonl``).
4. Two vetoes guard the grey zone, measured on the labelled pairs: bodies whose *figures* disagree
   are not copies (templated fund-flow / NAV / market-wrap reports share everything but their
   numbers), and titled documents whose titles are unrelated or carry conflicting figures are not
   copies below a near-identical similarity (pages whose captured body is mostly site navigation;
   two editions of a daily column). Titles veto; they never match.
5. Bodies too short for a stable estimate (fewer than ``min_chars`` normalized characters: news
   flashes, captions) are copies only on an exact normalized-body match.
6. Containment (:func:`is_contained_copy`) catches what whole-body Jaccard cannot: an excerpt, and an
   article wrapped in another site's furniture. Each body keeps its distinct content sentences
   (:mod:`themeflow.text.sentence_keys`, furniture lines left out); a pair is a copy when at least
   ``min_shared_sentences`` are shared, they cover ``min_containment`` of the smaller body's sentence
   text, the smaller body's lead is among them, the smaller is a substantial part of the larger
   (``min_excerpt_share``), the figures agree and the larger is one article (not a roundup or live blog
   carrying the smaller as one item). Measured on the pooled, guide-labelled
   ``tests/data/copy_pairs.jsonl`` (``scripts/eval_dedup.py --labels …``).

Rewrites share quotes and figures but not running text (Jaccard 0.02–0.69 on the labelled pairs): they
stay separate stories, grouped only by the "same event" view of :mod:`themeflow.events`.

The store keeps fingerprints, band keys and sentence keys (``store/sqlite/stories.py`` for SQLite);
everything here is backend-free so another store reuses it unchanged.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

import numpy as np

from themeflow.text.doctype import doc_type_of
from themeflow.text.script import nfkc_simplified
from themeflow.text.sentence_keys import (
    MIN_SENTENCE_CHARS,
    Containment,
    sentence_containment,
    sentence_hashes,
)

__all__ = [
    "COLLECTION_KINDS",
    "DEFAULT_CONFIG",
    "DedupConfig",
    "Fingerprint",
    "are_candidates",
    "band_keys",
    "Containment",
    "canonical_order_key",
    "containment",
    "char_bigrams",
    "dice",
    "estimated_jaccard",
    "figure_agreement",
    "figures",
    "fingerprint",
    "fingerprint_text",
    "is_contained_copy",
    "is_copy",
    "linked",
    "normalize",
    "published_key",
    "title_support",
    "shingle_hashes",
    "similarity",
    "story_id_for",
]


@dataclass(frozen=True, slots=True)
class DedupConfig:
    """Every knob that changes which documents are copies.

    ``version`` is stored with the fingerprints: a store that finds a different version must
    re-fingerprint (the signatures of two configs are not comparable). Values were chosen with
    ``scripts/eval_dedup.py`` on ``tests/data/dedup_pairs.jsonl``.
    """

    shingle_k: int = 5
    num_perm: int = 128
    bands: int = 20
    rows: int = 4
    seed: int = 20250
    threshold: float = 0.67
    """Minimum estimated shingle Jaccard for two bodies to be copies (before the vetoes)."""
    no_veto: float = 0.95
    """At or above this similarity the title vetoes no longer apply (the bodies are near-identical)."""
    min_figure_agreement: float = 0.8
    """Share of the smaller figure set found in the other body; a copy does not change numbers."""
    min_title_overlap: float = 0.15
    """Title bigram Dice below which two titled documents are not copies (unless ``no_veto``)."""
    min_chars: int = 50
    """Bodies shorter than this (normalized characters) match on exact content only."""
    min_containment: float = 0.7
    """Share of the smaller body's sentence text found in the larger for an excerpt or wrapped copy."""
    min_shared_sentences: int = 4
    """Distinct sentences two bodies must share before containment can make them copies."""
    min_contained_figures: float = 0.9
    """A contained copy carries (nearly) all of the smaller text's figures: a template re-run on another
    day shares its sentences' wording but not its closing price."""
    min_excerpt_share: float = 0.5
    """A contained body must also be at least this share of the larger body's sentence text, or the two
    bodies this similar as a whole: a short text inside a much longer one is as often quoted by a
    different article (an analysis around a release, a second story appended) as excerpted from it."""

    def __post_init__(self) -> None:
        if self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands*rows ({self.bands}*{self.rows}) exceeds num_perm ({self.num_perm})")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")

    @property
    def version(self) -> str:
        """Identifies the signature space (what a stored fingerprint depends on)."""
        return (
            f"k{self.shingle_k}-p{self.num_perm}-b{self.bands}x{self.rows}-s{self.seed}-m{self.min_chars}-n2"
            f"-z{MIN_SENTENCE_CHARS}"
        )


DEFAULT_CONFIG = DedupConfig()


# --------------------------------------------------------------------------- normalization

_NON_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Fold what re-hosting changes: width, script, case, punctuation, whitespace.

    The result is only for shingling and hashing, never shown.
    """
    return _NON_WORD.sub("", nfkc_simplified(text).lower())


# --------------------------------------------------------------------------- fingerprints

_P = np.uint64(0x100000001B3)  # FNV-64 prime: an odd multiplier for the polynomial shingle hash
_M1 = np.uint64(0xFF51AFD7ED558CCD)
_M2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
_FIGURE = re.compile(r"\d+(?:\.\d+)?")


def shingle_hashes(norm: str, k: int, *, distinct: bool = True) -> np.ndarray:
    """Distinct 32-bit hashes of the character ``k``-shingles of a normalized text (uint32, sorted).

    Vectorized (a polynomial over code points, then a 64-bit avalanche, folded to 32 bits) because a
    per-shingle ``hashlib`` call dominated fingerprinting; the hash is deterministic across processes
    and platforms, which is what a persisted signature needs. ``distinct=False``: one hash per shingle, in
    text order, repeats kept (MinHash takes a minimum, which repeats do not change; sorting them out cost
    more than the repeats do).
    """
    if len(norm) < k:
        return np.zeros(0, dtype=np.uint32)
    cps = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(cps) - k + 1
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = h * _P + cps[j : j + n]
    h ^= h >> _S33
    h *= _M1
    h ^= h >> _S33
    h *= _M2
    h ^= h >> _S33
    folded = (h ^ (h >> _S32)).astype(np.uint32)
    return np.unique(folded) if distinct else folded


def figures(text: str, *, min_len: int = 2) -> frozenset[str]:
    """The numbers written in a text (``1100``, ``0.5``), NFKC-folded.

    Single digits are dropped by default: they are too common to tell two reports apart.
    """
    text = unicodedata.normalize("NFKC", text)
    return frozenset(m for m in _FIGURE.findall(text) if len(m) >= min_len)


def _figure_hashes(figs: Iterable[str]) -> np.ndarray:
    out = sorted(
        {int.from_bytes(hashlib.blake2b(f.encode(), digest_size=4).digest(), "little") for f in figs}
    )
    return np.asarray(out, dtype=np.uint32)


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> np.ndarray:
    """datasketch's ``affine32`` permutations (``MinHash(num_perm, seed, scheme="affine32").permutations``),
    drawn as it draws them: odd multipliers, then offsets, from ``RandomState(seed)``.

    Why not ask datasketch: its package import pulls in scipy, ~0.3 s of CPU that the ingest's writer paid
    before its first batch and each preparing worker before its first, and every read-only command (stats,
    search, show) at start-up. ``tests/test_dedup.py`` holds these to datasketch's for several seeds."""
    gen = np.random.RandomState(seed)
    multipliers = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    offsets = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.array([multipliers, offsets])


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the store keeps per document to find and verify its copies.

    ``signature`` is None for a short body (fewer than ``min_chars`` normalized characters): such a
    document matches on ``content_hash`` only.
    """

    content_hash: str
    """Hash of the normalized body: equal iff the bodies are equal after :func:`normalize`."""
    length: int
    """Normalized body length in characters (the "fullest copy" measure)."""
    signature: np.ndarray | None
    figures: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32))
    """Sorted hashes of the body's figures (:func:`figures`)."""
    title: str = ""
    """The title, NFKC + simplified script (kept for the title vetoes; never used to *match*)."""
    sentences: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """Hashes of the body's distinct normalized sentences, in text order (:func:`sentence_hashes`)."""
    sentence_lengths: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint16))
    """Normalized length of each sentence in ``sentences`` (aligned)."""
    title_derived: bool = False
    """The title is the body's first sentence (ingest derived it: the record had none). It is no
    headline, so unrelated wording is no veto; its figures still are (a template re-run on another day
    opens on another date and price)."""
    title_support: float = 0.0
    """Share of the title's character bigrams found in the body (:func:`title_support`): a headline
    written for this text repeats its words; a page whose captured body is another article's does not."""
    collection: bool = False
    """The body is a roundup or live blog (:mod:`themeflow.text.doctype`): many items, so a flash found
    inside it is one item of a different article, not an excerpt of it."""

    def signature_bytes(self) -> bytes | None:
        return None if self.signature is None else self.signature.astype("<u4").tobytes()

    def sentences_bytes(self) -> bytes:
        """Hashes then lengths, little-endian: 10 bytes a sentence."""
        return self.sentences.astype("<i8").tobytes() + self.sentence_lengths.astype("<u2").tobytes()

    @staticmethod
    def sentences_from_bytes(blob: bytes | None) -> tuple[np.ndarray, np.ndarray]:
        if not blob:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint16)
        n = len(blob) // 10
        hashes = np.frombuffer(blob[: 8 * n], dtype="<i8").astype(np.int64)
        return hashes, np.frombuffer(blob[8 * n :], dtype="<u2").astype(np.uint16)

    def figures_bytes(self) -> bytes:
        return self.figures.astype("<u4").tobytes()

    @staticmethod
    def array_from_bytes(blob: bytes | None) -> np.ndarray | None:
        return None if blob is None else np.frombuffer(blob, dtype="<u4").astype(np.uint32)


COLLECTION_KINDS = frozenset({"roundup", "liveblog"})
"""Document types that carry many items: a text inside one of them is an item, not an excerpt."""


def _title_form(title: str) -> str:
    return nfkc_simplified(title or "").strip()


def fingerprint_text(
    body: str,
    title: str = "",
    config: DedupConfig = DEFAULT_CONFIG,
    *,
    collection: bool | None = None,
    title_derived: bool = False,
) -> Fingerprint:
    """Fingerprint a body text (paragraphs joined). The title is kept only for the vetoes.

    ``collection`` (roundup or live blog) is read from the body's structure when not given;
    ``title_derived`` says the title is the body's first sentence, not a headline.
    """
    simplified = nfkc_simplified(body)  # once: with MinHash and sentence keys, the costliest step
    folded = simplified.lower()
    norm = _NON_WORD.sub("", folded)
    digest = hashlib.blake2b(norm.encode("utf-8"), digest_size=16).hexdigest()
    # The figures of the NFKC text: simplifying maps no character to or from a digit or a point.
    figs = _figure_hashes(m for m in _FIGURE.findall(simplified) if len(m) >= 2)
    sents, lengths = sentence_hashes(folded)
    if collection is None:
        collection = doc_type_of(title, body.split("\n")) in COLLECTION_KINDS
    title_form = _title_form(title)
    base = Fingerprint(
        digest,
        len(norm),
        None,
        figs,
        title_form,
        sents,
        lengths,
        title_derived,
        title_support(title_form, norm),
        collection,
    )
    if len(norm) < config.min_chars:
        return base
    hashes = shingle_hashes(norm, config.shingle_k, distinct=False)
    return replace(base, signature=minhash_signature(hashes, _permutations(config.num_perm, config.seed)))


_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
"""MurmurHash3's 32-bit finalizer (shifts and multipliers), as datasketch's ``affine32`` scheme applies it."""

_CHUNK = 4096
"""Shingles per step: a very long body never builds a (shingles × num_perm) matrix of hundreds of MB."""


def minhash_signature(hashes: np.ndarray, permutations: np.ndarray) -> np.ndarray:
    """The MinHash signature (uint32, one value per permutation) of 32-bit shingle ``hashes``: exactly
    ``datasketch.MinHash(scheme="affine32", hashfunc=identity, permutations=…)`` updated with them.

    Why not datasketch's ``update_batch``: it takes a Python iterable and calls the hash function once per
    shingle, which cost as much as the arithmetic; here the array stays in numpy. Stored signatures must
    not change, so ``tests/test_dedup.py`` holds this to datasketch's output.
    """
    a, b = permutations[0].astype(np.uint32), permutations[1].astype(np.uint32)
    s1, m1, s2, m2, s3 = _FMIX32
    sig = np.full(len(a), np.iinfo(np.uint32).max, dtype=np.uint32)
    for start in range(0, len(hashes), _CHUNK):
        hv = hashes[start : start + _CHUNK].astype(np.uint32)  # a copy: the steps below work in place
        hv ^= hv >> s1
        hv *= m1
        hv ^= hv >> s2
        hv *= m2
        hv ^= hv >> s3
        values = np.multiply.outer(hv, a)  # one (shingles × permutations) matrix, added to in place
        values += b
        np.minimum(sig, values.min(axis=0), out=sig)
    return sig


def fingerprint(
    paragraphs: Sequence[str],
    title: str = "",
    config: DedupConfig = DEFAULT_CONFIG,
    *,
    kind: str | None = None,
    title_derived: bool = False,
) -> Fingerprint:
    """Fingerprint a document body given as paragraphs (``Document.paragraphs``). ``kind`` is the
    document's type when the caller has it (:func:`themeflow.text.doctype.doc_type`), to spare a second
    classification; ``title_derived`` as in :func:`fingerprint_text`."""
    collection = None if kind is None else kind in COLLECTION_KINDS
    body = "\n".join(paragraphs)
    return fingerprint_text(body, title, config, collection=collection, title_derived=title_derived)


def band_keys(signature: np.ndarray, config: DedupConfig = DEFAULT_CONFIG) -> list[int]:
    """One signed 64-bit key per LSH band; two documents are candidates iff they share a key.

    The band number is hashed into the key, so one indexed integer column serves all bands (a smaller
    index than ``(band, key)``, which matters at millions of documents). With 20 bands of 4 rows a
    pair at Jaccard 0.67 shares a key with probability 0.99, at 0.8 with 0.9999.
    """
    raw = signature.astype("<u4").tobytes()
    width = 4 * config.rows
    out = []
    for b in range(config.bands):
        d = hashlib.blake2b(raw[b * width : (b + 1) * width], digest_size=8, salt=b.to_bytes(16, "little"))
        out.append(int.from_bytes(d.digest(), "little", signed=True))
    return out


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """The MinHash estimate: the share of signature positions that agree."""
    return float(np.count_nonzero(a == b)) / len(a)


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Body similarity in [0, 1]: 1.0 for equal normalized bodies, else estimated shingle Jaccard.

    A short body (no signature) is similar only to an identical body.
    """
    if a.content_hash == b.content_hash and a.length > 0:
        return 1.0
    if a.signature is None or b.signature is None:
        return 0.0
    return estimated_jaccard(a.signature, b.signature)


def figure_agreement(a: Fingerprint, b: Fingerprint) -> float | None:
    """Share of the smaller figure set present in the other; None when either has fewer than two figures."""
    if len(a.figures) < 2 or len(b.figures) < 2:
        return None
    shared = len(np.intersect1d(a.figures, b.figures, assume_unique=True))
    return shared / min(len(a.figures), len(b.figures))


def char_bigrams(text: str) -> frozenset[str]:
    """The character bigrams of :func:`normalize`'d text (headline and lead overlap, here and in events)."""
    n = normalize(text)
    return frozenset(n[i : i + 2] for i in range(len(n) - 1))


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice overlap of two sets; 0.0 when either is empty."""
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def title_support(title: str, normalized_body: str) -> float:
    """Share of the title's character bigrams (:func:`normalize`'d) that occur in the normalized body;
    0.0 without a title. A substring test per bigram: cheaper than the body's bigram set."""
    grams = char_bigrams(title)
    if not grams:
        return 0.0
    return sum(g in normalized_body for g in grams) / len(grams)


MIN_TITLE_SUPPORT = 0.3
"""Both headlines of a contained pair must be this much about their own text for containment to lift the
unrelated-title veto (a retitled re-host); otherwise the shared text is an appendix or sidebar under two
different articles. On 3,750 titled corpus articles, 2.7% of headlines fall below 0.3 against their own
body and 4.9% of headlines reach it against a random other body."""


def _title_overlap(title_a: str, title_b: str) -> float:
    return dice(char_bigrams(title_a), char_bigrams(title_b))


def _title_conflict(a: Fingerprint, b: Fingerprint, config: DedupConfig) -> bool:
    """Titles that say these are different articles: unrelated wording (headlines only, not a first
    sentence standing in for one), or conflicting figures."""
    ta, tb = a.title, b.title
    if not ta or not tb:
        return False
    if _title_figures_conflict(ta, tb):
        return True
    return not (a.title_derived or b.title_derived) and _title_overlap(ta, tb) < config.min_title_overlap


def _title_figures_conflict(ta: str, tb: str) -> bool:
    """Titles whose figures disagree (``…| 2026年5月11日`` vs ``…| 2026年5月9日``: two editions of a daily
    column), neither set holding the other."""
    fa, fb = figures(ta, min_len=1), figures(tb, min_len=1)
    return bool(fa and fb and not (fa <= fb or fb <= fa))


def containment(a: Fingerprint, b: Fingerprint) -> Containment:
    """Sentence containment of a pair (a function of the pair only, like everything :func:`linked` uses)."""
    return sentence_containment(a.sentences, a.sentence_lengths, b.sentences, b.sentence_lengths)


def is_contained_copy(a: Fingerprint, b: Fingerprint, config: DedupConfig = DEFAULT_CONFIG) -> bool:
    """An excerpt, a trimmed re-host or a copy wrapped in page furniture: the smaller body's sentences are
    (nearly) all in the larger, they are several and include its lead, the smaller is a substantial part
    of the larger (``min_excerpt_share``), and the larger is one article, not a roundup or live blog that
    carries the smaller as one item among many."""
    c = containment(a, b)
    if c.shared < config.min_shared_sentences or c.smaller < config.min_containment or not c.lead_shared:
        return False
    if c.larger < config.min_excerpt_share and similarity(a, b) < config.min_excerpt_share:
        return False
    agree = figure_agreement(a, b)
    if agree is not None and agree < config.min_contained_figures:
        return False
    larger = a if c.larger_is_a else b
    return not larger.collection


def _furniture_only(a: Fingerprint, b: Fingerprint) -> bool:
    """Both bodies are mostly furniture and share none of their content sentences: what makes them
    similar is the furniture (a long copyright footer under two different one-line flashes)."""

    def mostly_furniture(fp: Fingerprint) -> bool:
        return 0 < int(fp.sentence_lengths.sum(dtype=np.int64)) * 2 < fp.length

    return mostly_furniture(a) and mostly_furniture(b) and not containment(a, b).shared


def is_copy(a: Fingerprint, b: Fingerprint, config: DedupConfig = DEFAULT_CONFIG) -> bool:
    """Whether two documents are copies of one article. Symmetric, and a function of the pair only,
    so stories (connected components of this relation) do not depend on arrival order.

    1. Equal normalized bodies → copy. A short body matches nothing else.
    2. Estimated body Jaccard below ``threshold`` → not a copy, unless the smaller body is
       *contained* in the larger (:func:`is_contained_copy`): an excerpt, or the article wrapped in
       page furniture that dilutes the Jaccard. Rewrites land below the threshold and share few whole
       sentences.
    3. Figures disagree (< ``min_figure_agreement`` of the smaller set shared) → not a copy:
       machine-written reports (fund flows, NAVs, market wraps) share their template, not their numbers.
    4. Below ``no_veto``, titled documents whose titles are unrelated or carry conflicting figures
       are not copies: pages whose captured body is mostly site navigation or a shared related-news
       appendix, and successive editions of a daily column. A contained copy whose two headlines are
       both about its text (:func:`title_support`) lifts the unrelated-title veto (a re-host under a new
       headline) and keeps the figure one only for related headlines (an edition's date). Titles only
       ever veto; they never match.
    """
    if a.content_hash == b.content_hash and a.length > 0:
        return True
    sim = similarity(a, b)
    contained: bool | None = None  # computed only where it decides: it is the costliest test here
    if sim < config.threshold:
        contained = is_contained_copy(a, b, config)
        if not contained:
            return False
    agree = figure_agreement(a, b)
    if agree is not None and agree < config.min_figure_agreement:
        return False
    if sim >= config.no_veto:
        return True
    if contained is None and _furniture_only(a, b):
        contained = is_contained_copy(a, b, config)
        if not contained:
            return False
    ta, tb = a.title, b.title
    if not _title_conflict(a, b, config):
        return True
    if contained is None:
        contained = is_contained_copy(a, b, config)
    if contained and min(a.title_support, b.title_support) >= MIN_TITLE_SUPPORT:
        # A new headline over the same text is no veto; the same headline with another date is an edition.
        related = _title_overlap(ta, tb) >= config.min_title_overlap
        return not (related and _title_figures_conflict(ta, tb))
    return False


def are_candidates(a: Fingerprint, b: Fingerprint, config: DedupConfig = DEFAULT_CONFIG) -> bool:
    """Whether the index would ever compare the two: equal content, a shared LSH band key, or at least
    ``min_shared_sentences`` shared sentences (``sentence_keys`` in the store)."""
    if a.content_hash == b.content_hash and a.length > 0:
        return True
    if containment(a, b).shared >= config.min_shared_sentences:
        return True
    if a.signature is None or b.signature is None:
        return False
    return bool(set(band_keys(a.signature, config)) & set(band_keys(b.signature, config)))


def linked(a: Fingerprint, b: Fingerprint, config: DedupConfig = DEFAULT_CONFIG) -> bool:
    """The edge of the story graph: candidates *and* copies. Stories are its connected components;
    using the same predicate on insert and on split keeps the result independent of order."""
    return are_candidates(a, b, config) and is_copy(a, b, config)


# --------------------------------------------------------------------------- canonical copy

_CST = timezone(timedelta(hours=8))
_FAR_FUTURE = "9999-12-31T23:59:59"


def published_key(published_at: datetime | None) -> str:
    """A sortable UTC timestamp string; naive times are read as China time (+08:00), unknown sorts last."""
    if published_at is None:
        return _FAR_FUTURE
    if published_at.tzinfo is None:
        published_at = published_at.replace(tzinfo=_CST)
    return published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def canonical_order_key(published: str, length: int, doc_id: str) -> tuple[str, int, str]:
    """Sort key whose minimum is the canonical copy: earliest published, then longest text, then
    smallest id — a total order, so the canonical copy never depends on arrival order."""
    return (published, -length, doc_id)


def story_id_for(canonical_id: str) -> str:
    """A story's id follows its canonical document, so the same set of copies always gets the same id
    whatever the arrival order; it changes only when an earlier copy joins (rare: originals come first).
    """
    return "st-" + hashlib.blake2b(canonical_id.encode("utf-8"), digest_size=8).hexdigest()
