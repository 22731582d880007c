"""The digest: what every report format renders, built once from a workflow run or a search.

Renderers (``html.py``, ``markdown.py``, ``json.py``) only lay out a :class:`Digest`; they never query the
store. That keeps the three formats in agreement and makes them testable with hand-built digests.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Literal

from themeflow.model import Copy, Document, Hit, Snippet, Summary
from themeflow.summarize.verify import drop_unverified
from themeflow.timefmt import display_time

if TYPE_CHECKING:
    from themeflow.report.figures import KeyFigures

__all__ = ["Digest", "DigestItem", "anchor_id", "displayable", "source_id", "stamp"]

DigestKind = Literal["workflow", "search"]
UNKNOWN_DAY = "日期未知"


def anchor_id(doc_id: str, paragraph: int) -> str:
    """The element id of paragraph ``paragraph`` of ``doc_id`` in an HTML report: ``doc-<id>-p<n>``.

    Document ids are ``u``/``c`` + hex, so this is the id verbatim; anything else is made id-safe.
    """
    return f"{source_id(doc_id)}-p{paragraph}"


def source_id(doc_id: str) -> str:
    """The element id of a document's source view: ``doc-<id>``."""
    return "doc-" + re.sub(r"[^A-Za-z0-9_-]", "_", doc_id)


def stamp(dt: datetime | None, tz: tzinfo) -> str:
    """``YYYY-MM-DD HH:MM UTC+8`` in the report's time zone (the seed's ``outlet · time`` line, with the
    zone written out as everywhere else: :func:`themeflow.timefmt.display_time`)."""
    return display_time(dt, tz, unknown="时间未知")


def displayable(summary: Summary) -> Summary:
    """The summary without bullets that failed verification (what readers are shown)."""
    return drop_unverified(summary)


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One story in a digest: its lead document, copies, summary (None: not summarized) and status."""

    document: Document
    summary: Summary | None = None
    copies: tuple[Copy, ...] = ()
    score: float | None = None
    snippet: Snippet | None = None
    story_id: str | None = None
    status: Literal["new", "updated"] | None = None
    """``updated``: the story was reported before and a new copy (or a changed text) arrived."""
    new_doc_ids: tuple[str, ...] = ()
    aboutness: str | None = None
    """``主题`` (about the theme) or ``提及`` (mentions it) as the theme's search read it; None: unknown."""
    late: bool = False
    """补录: published before the previous run, written only since; a digest lists these apart."""

    def hit(self) -> Hit:
        return Hit(
            document=self.document,
            score=self.score or 0.0,
            snippet=self.snippet,
            story_id=self.story_id,
            copies=self.copies,
            aboutness=self.aboutness,
        )

    @property
    def shown_summary(self) -> Summary | None:
        return displayable(self.summary) if self.summary is not None else None

    def cited_paragraphs(self) -> list[int]:
        """Paragraph numbers the shown summary cites, ascending (the Markdown report quotes these)."""
        s = self.shown_summary
        if s is None:
            return []
        n = len(self.document.paragraphs)
        return sorted({c for b in s.bullets() for c in b.citations if 1 <= c <= n})

    def new_copies(self) -> tuple[Copy, ...]:
        return tuple(c for c in self.copies if c.id in self.new_doc_ids)


@dataclass(frozen=True, slots=True)
class Digest:
    """A run or a search, ready to render.

    ``figures`` holds the theme's key figures and conflicts (:mod:`themeflow.report.figures`): None means
    "not computed" (JSON ``null``); an empty record means "computed, none found".
    """

    kind: DigestKind
    title: str
    query: str
    generated_at: datetime
    tz: tzinfo
    items: tuple[DigestItem, ...]
    run_id: int | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    total: int | None = None
    """Search: how many results matched (items may be the first page only)."""
    new_documents: int | None = None
    figures: KeyFigures | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def articles(self) -> list[tuple[str | None, datetime | None]]:
        """(outlet, published) of every article in the digest, copies included."""
        out: list[tuple[str | None, datetime | None]] = []
        for it in self.items:
            out.append((it.document.source, it.document.published_at))
            out.extend((c.source, c.published_at) for c in it.copies)
        return out

    def counts_by_day(self) -> list[tuple[str, int]]:
        """Articles per publish day (report time zone), newest day first; unknown dates last."""
        days = Counter(
            dt.astimezone(self.tz).strftime("%Y-%m-%d") if dt else UNKNOWN_DAY for _, dt in self.articles()
        )
        unknown = days.pop(UNKNOWN_DAY, 0)
        out = sorted(days.items(), reverse=True)
        return out + [(UNKNOWN_DAY, unknown)] if unknown else out

    def counts_by_outlet(self) -> list[tuple[str, int]]:
        """Articles per outlet, most first (ties by name)."""
        outlets = Counter(src or "来源未知" for src, _ in self.articles())
        return sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0]))

    def document_ids(self) -> set[str]:
        return {it.document.id for it in self.items}
