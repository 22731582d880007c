"""A summary of the part of a document that is about a theme: the roundup seen from one theme.

Why: a daily roundup (头版头条精华摘要, 财经晚报, 早餐FM) that mentions 储能 in one item of thirty was shown under
the 储能 theme with the summary of the whole roundup: bullets about tariffs, a bank's results and the
weather, none about storage. Under a theme, such a document (labelled 提及) is summarized from the
paragraphs on the theme only, and its citations keep the article's own
numbering, so ``[17]`` still opens paragraph 17 of the roundup.

Deciding *which* documents to focus (the 提及 ones) and *what* is on the theme (a paragraph test built from
the theme's concept) belongs to search; this module only cuts and re-numbers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import replace

from themeflow.model import Bullet, Document, Section, Summary
from themeflow.summarize.base import Summarizer, summarizer_key
from themeflow.summarize.outline import outline

__all__ = ["FOCUS_MAX_SHARE", "focus_key", "focus_paragraphs", "summarize_focused"]

FOCUS_MAX_SHARE = 0.6
"""When the theme's paragraphs are this share of the body or more, the whole document is about it and its
ordinary summary is the right one."""


def focus_key(summarizer: Summarizer, focus: str) -> str:
    """The cache key of a focused summary: the summarizer's, plus a digest of the focus (a theme's query,
    lexicon version included by the caller), so each theme keeps its own view of one roundup."""
    digest = hashlib.sha1(focus.encode("utf-8")).hexdigest()[:12]
    return f"{summarizer_key(summarizer)}#focus:{digest}"


def focus_paragraphs(paragraphs: Sequence[str], on_topic: Callable[[str], bool]) -> list[int]:
    """1-based numbers of the body paragraphs about the focus (``on_topic``; a roundup's item headings
    such as ``新型储能装机：`` are left out, they would come back as a bullet that says nothing). Empty when
    nothing is on the topic, or when so much is (:data:`FOCUS_MAX_SHARE`) that the document is about it."""
    body = [p for p in outline(paragraphs) if p.role == "body"]
    hits = [p.n for p in body if on_topic(p.text)]
    if not hits or len(hits) >= FOCUS_MAX_SHARE * max(1, len(body)):
        return []
    return hits


def _renumber(bullets: Sequence[Bullet], numbers: Sequence[int]) -> tuple[Bullet, ...]:
    """Citations of the cut document (1-based positions in ``numbers``) in the article's numbering."""
    out = []
    for b in bullets:
        cited = tuple(numbers[c - 1] for c in b.citations if 1 <= c <= len(numbers))
        out.append(replace(b, citations=cited))
    return tuple(out)


def summarize_focused(
    summarizer: Summarizer, doc: Document, focus: str, numbers: Sequence[int], *, label: str
) -> Summary:
    """The summary of the paragraphs ``numbers`` of ``doc`` (from :func:`focus_paragraphs`), cited in the
    article's numbering, filed under :func:`focus_key` and labelled with ``label`` (the theme as the user
    wrote it). The caller verifies it against the whole document, like every summary."""
    part = replace(doc, paragraphs=tuple(doc.paragraphs[n - 1] for n in numbers))
    made = summarizer.summarize(part)
    return Summary(
        doc_id=doc.id,
        content_hash=doc.content_hash,
        summarizer=focus_key(summarizer, focus),
        core_views=_renumber(made.core_views, numbers),
        sections=tuple(Section(s.title, _renumber(s.bullets, numbers)) for s in made.sections if s.bullets),
        excerpt=made.excerpt,
        focus=label,
        focus_paragraphs=tuple(numbers),
    )
