"""Check every bullet of any summary against the paragraphs it cites.

An analyst trusts a bullet without opening the article only if it is true to its sources, so every
summary — extractive, LLM or hand-made — passes through :func:`verify`. A bullet passes when

1. it cites at least one paragraph, and every cited paragraph exists;
2. every figure it states (value + scale + unit, years and dates included) is stated in the cited
   paragraphs after normalization (``1,100亿美元`` = ``1100亿美元``, ``1.2万亿港元`` = ``12000亿港元``,
   but ``114.3GW`` ≠ ``1143GW`` and ``1100亿`` ≠ ``110亿``);
3. enough of its wording is in the cited paragraphs: the share of its character bigrams (CJK) and
   words (Latin) found there is at least ``min_support``;
4. it stands on its own (:func:`~themeflow.summarize.fragments.fragment_reason`): it does not start with
   a dateline, a connective (``而``, ``其中``, ``尤其是``) or a pronoun whose referent is elsewhere, and
   it does not end in a condition or adverbial clause without its main clause (``…，若增速收窄至10%以内``,
   ``随着…``). Figures and wording can all be right while such a bullet still misleads;
5. it means what its source sentence means (:func:`~themeflow.summarize.meaning.meaning_reason`): it keeps
   the speaker of an attributed claim, the period of its figures, the half of a contrast that carries the
   point, its negations, the owner of each clause and every item of a list it announces, and it does not stop
   mid-phrase; a section title that names an organization or person heads only bullets citing it;
6. careful readers would not doubt it (:mod:`~themeflow.summarize.doubt`): a model learned from judged
   bullets weighs the weak signs the rules cannot prove alone (a 这一 in mid-sentence, a figure with no name
   to own it, a view that is its paragraph's second sentence) and withholds a bullet once showing it costs
   more than leaving it out. It learned from the extractive summarizer's bullets, so an LLM's summary gets
   the rules only.

A rejected bullet's ``reason`` starts with a code (``figure``, ``citation``, ``wording``, ``fragment``,
``speaker``, ``period``, ``contrast``, ``negation``, ``subject``, ``enumeration``, ``dangling``, ``title``,
``doubt``)
followed by what a reader would otherwise have believed; ``--show-unverified`` shows it.

Bigrams rather than words because they need no segmenter (so they cannot disagree with one) and they
tolerate the small rewordings an abstractive summarizer makes while rejecting invented sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from themeflow.model import Bullet, Document, Section, Summary
from themeflow.summarize.doubt import doubt_reason
from themeflow.summarize.fragments import fragment_reason
from themeflow.summarize.meaning import meaning_reason, title_reason
from themeflow.text.numbers import Figure, figure_matches, find_figures

__all__ = [
    "DEFAULT_MIN_SUPPORT",
    "cached_for",
    "check_bullet",
    "drop_unverified",
    "reason_code",
    "support",
    "verify",
]

LLM_SUMMARIZER = "llm@"
"""How an LLM summary's ``summarizer`` key starts (``llm@p2:model``)."""
EXTRACTIVE_SUMMARIZER = "extractive@"
"""How the extractive summarizer's key starts; its version follows the verifier's code."""

DEFAULT_MIN_SUPPORT = 0.6
"""Tuned on the shared corpus: extractive bullets score ≥ 0.95; invented sentences on the same topic
score 0.2–0.5; light paraphrases 0.6–0.9."""

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9.\-]*")


def _grams(text: str) -> set[str]:
    out: set[str] = set()
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            out.add(run)
        out.update(map(str.__add__, run, run[1:]))
    out.update(w.lower() for w in _LATIN.findall(text))
    return out


def support(text: str, evidence: str | set[str]) -> float:
    """Share of ``text``'s bigrams/words that occur in ``evidence`` (1.0 when ``text`` has none)."""
    g = _grams(text)
    if not g:
        return 1.0
    ev = _grams(evidence) if isinstance(evidence, str) else evidence
    return len(g & ev) / len(g)


def _show(f: Figure) -> str:
    return f.raw


def check_bullet(
    bullet: Bullet,
    doc: Document,
    min_support: float = DEFAULT_MIN_SUPPORT,
    _cache: dict[int, tuple[list[Figure], set[str]]] | None = None,
    continued: bool = False,
    title: str | None = None,
    doubt: bool = True,
) -> Bullet:
    """``bullet`` with ``verified`` and ``reason`` set (reason None when it passes).

    ``continued``: the bullet is the next verbatim sentence after the previous one (a lead excerpt),
    so a leading ``但``/``该行`` refers to that bullet and is not a fragment. ``doubt``: after the rules, the
    learned check of :mod:`.doubt` (off only to train it on what the rules pass).
    """
    n = len(doc.paragraphs)
    if not bullet.citations:
        return replace(bullet, verified=False, reason="citation: cites no paragraph")
    bad = [c for c in bullet.citations if not 1 <= c <= n]
    if bad:
        return replace(
            bullet, verified=False, reason=f"citation: cites paragraph {bad[0]} but the document has {n}"
        )
    if not bullet.text.strip():
        return replace(bullet, verified=False, reason="fragment: empty text")
    cache = _cache if _cache is not None else {}
    evidence: list[Figure] = []
    grams: set[str] = set()
    for c in bullet.citations:
        if c not in cache:
            para = doc.paragraphs[c - 1]
            cache[c] = (find_figures(para), _grams(para))
        evidence.extend(cache[c][0])
        grams |= cache[c][1]
    cited = "[" + "][".join(str(c) for c in bullet.citations) + "]"
    for f in find_figures(bullet.text):
        if not figure_matches(f, evidence):
            return replace(
                bullet, verified=False, reason=f"figure: {_show(f)} is not in cited paragraphs {cited}"
            )
    s = support(bullet.text, grams)
    if s < min_support:
        return replace(
            bullet, verified=False, reason=f"wording: only {s:.0%} of it is in cited paragraphs {cited}"
        )
    why = fragment_reason(bullet.text, continued=continued)
    if why:
        return replace(bullet, verified=False, reason=f"fragment: {why}")
    year = doc.published_at.year if doc.published_at is not None else None
    paragraphs = [doc.paragraphs[c - 1] for c in bullet.citations]
    why = meaning_reason(
        bullet.text,
        paragraphs,
        year=year,
        title=title,
        article_title=doc.title,
        continued=continued,
    )
    if why:
        return replace(bullet, verified=False, reason=why)
    why = title_reason(title, paragraphs) if title is not None else None
    if why:  # before the learned doubt: a rule's reason names the fault
        return replace(bullet, verified=False, reason=why)
    if doubt and not continued:
        why = doubt_reason(bullet.text, paragraphs, bullet.citations, title, doc.title)
        if why:
            return replace(bullet, verified=False, reason=why)
    return replace(bullet, verified=True, reason=None)


def reason_code(reason: str | None) -> str | None:
    """The code a rejection reason starts with (``speaker``, ``figure``, …); None for a passing bullet."""
    return reason.split(":", 1)[0] if reason else None


def verify(summary: Summary, doc: Document, min_support: float = DEFAULT_MIN_SUPPORT) -> Summary:
    """``summary`` with a verdict on every bullet (core views included). Nothing is dropped here.

    The doubt check (:mod:`.doubt`) is not applied to an LLM's summary: it was learned from the judged
    bullets of the extractive summarizer, cut from source sentences, and an LLM's paraphrases are not what it
    learned (no LLM bullet has been judged yet). LLM bullets get every rule."""
    cache: dict[int, tuple[list[Figure], set[str]]] = {}
    doubt = not summary.summarizer.startswith(LLM_SUMMARIZER)

    def check(bs: Iterable[Bullet], excerpt: bool = False, title: str | None = None) -> tuple[Bullet, ...]:
        return tuple(
            check_bullet(b, doc, min_support, cache, continued=excerpt and n > 0, title=title, doubt=doubt)
            for n, b in enumerate(bs)
        )

    return replace(
        summary,
        core_views=check(summary.core_views, summary.excerpt),
        sections=tuple(Section(s.title, check(s.bullets, title=s.title)) for s in summary.sections),
    )


def cached_for(summary: Summary | None, doc: Document) -> Summary | None:
    """A stored summary as ``doc``'s: named after it (a syndicated copy with the same text shares its
    copy's summary), and verified again unless it is the extractive summarizer's, whose cache key already
    follows the verifier's code (``ExtractiveSummarizer.version``). An LLM's summary is kept (it cost a
    request) but its verdicts are today's: one verified before a rule was added would show a bullet the
    verifier now rejects."""
    if summary is None:
        return None
    if summary.doc_id != doc.id:
        summary = replace(summary, doc_id=doc.id)
    return summary if summary.summarizer.startswith(EXTRACTIVE_SUMMARIZER) else verify(summary, doc)


def drop_unverified(summary: Summary) -> Summary:
    """Remove bullets that failed verification, and sections left empty. Unchecked bullets are kept."""
    sections = []
    for s in summary.sections:
        kept = tuple(b for b in s.bullets if b.verified is not False)
        if kept:
            sections.append(Section(s.title, kept))
    return replace(
        summary,
        core_views=tuple(b for b in summary.core_views if b.verified is not False),
        sections=tuple(sections),
    )
