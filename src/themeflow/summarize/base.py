"""The one interface every summarizer implements, and the cache key the store files summaries under.

A summarizer is anything with a ``name``, a ``version`` and ``summarize(doc) -> Summary`` — the
extractive default, an LLM adapter, or a test double. The service caches summaries per
(``doc.content_hash``, :func:`summarizer_key`), so an unchanged document is never summarized twice and
bumping ``version`` (new prompt, new scoring) invalidates exactly that summarizer's entries.
Every summary, whoever made it, then goes through :func:`themeflow.summarize.verify.verify`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from themeflow.model import Document, Summary

__all__ = ["Summarizer", "summarizer_key"]


@runtime_checkable
class Summarizer(Protocol):
    """Produces a structured, cited :class:`~themeflow.model.Summary` of one document.

    Implementations raise :class:`themeflow.errors.SummarizerError` when they cannot summarize
    (endpoint down, malformed output); they never return bullets without citations.
    """

    name: str
    version: str

    def summarize(self, doc: Document) -> Summary: ...


def summarizer_key(s: Summarizer) -> str:
    """``name@version``: stored in ``Summary.summarizer`` and, with the content hash, the cache key."""
    return f"{s.name}@{s.version}"
