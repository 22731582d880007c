"""Turning records into what templates show: times, highlighted snippets, summaries with citations.

Articles are untrusted input. Nothing here returns HTML built from article text except
:func:`highlight`, which escapes every character of the text first and only then wraps ``<mark>`` around
the match offsets the search returned — so a ``<script>`` in a snippet stays text. Templates never apply
``|safe`` to article data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, tzinfo
from urllib.parse import urlencode

from markupsafe import Markup, escape

from themeflow.errors import NotAvailableError, NotFoundError, ThemeflowError
from themeflow.model import Copy, Document, Snippet, Summary
from themeflow.report.links import safe_url
from themeflow.service import Themeflow
from themeflow.summarize.verify import drop_unverified
from themeflow.timefmt import display_date, display_time

__all__ = ["safe_url"]  # the ``safe_url`` template filter: the one link rule every renderer shares

TIME_ORIGIN_NOTE = {"fetch": "抓取时间", "feed": "订阅源时间", "unknown": ""}


def fmt_time(dt: datetime | None, tz: tzinfo | None = None) -> str:
    """``YYYY-MM-DD HH:MM UTC+8`` in the configured zone: the one display rule of
    :func:`themeflow.timefmt.display_time`, shared with the terminal and the digest files."""
    return display_time(dt, tz, unknown="时间未知")


def fmt_iso(value: str | None, tz: tzinfo | None = None) -> str:
    """:func:`fmt_time` of an ISO 8601 string (the JSON form the page header shares with the API)."""
    return fmt_time(datetime.fromisoformat(value) if value else None, tz)


def fmt_date(dt: datetime | None, tz: tzinfo | None = None) -> str:
    return display_date(dt, tz, unknown="")


def highlight(snippet: Snippet | None, limit: int = 240) -> Markup:
    """The snippet with matches in ``<mark>``: escape first, wrap second, so offsets never cut markup."""
    if snippet is None:
        return Markup("")
    text = snippet.text
    spans = sorted((max(0, s), min(len(text), e)) for s, e in snippet.highlights if e > s)
    start = 0
    if len(text) > limit and spans:
        start = max(0, min(spans[0][0] - 40, len(text) - limit))
    end = min(len(text), start + limit)
    out: list[str] = ["…" if start > 0 else ""]
    pos = start
    for s, e in spans:
        s, e = max(s, pos), min(e, end)
        if s >= e:
            continue
        out.append(str(escape(text[pos:s])))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(str(escape(text[pos:end])))
    if end < len(text):
        out.append("…")
    return Markup("".join(out))


@dataclass(frozen=True, slots=True)
class SummaryView:
    """A summary ready to show: unverified bullets dropped, cited paragraphs collected for in-place display."""

    summary: Summary | None
    cited: dict[int, str]
    note: str | None = None
    """Why there is no summary (not yet available, summarizer failed), shown instead of it."""

    @property
    def excerpt(self) -> bool:
        return bool(self.summary and self.summary.excerpt)


def summary_view(
    tf: Themeflow,
    doc: Document,
    *,
    theme: str | tuple[str, ...] | None = None,
    summarizer: str | None = None,
) -> SummaryView:
    """The displayable summary of ``doc`` (under ``theme``: see ``Themeflow.summarize``); a failing or
    missing summarizer degrades to a note, never a 500."""
    try:
        summary = drop_unverified(tf.summarize(doc, theme=theme, summarizer=summarizer))
    except NotAvailableError as exc:
        return SummaryView(None, {}, f"摘要不可用：{exc}")
    except ThemeflowError as exc:
        return SummaryView(None, {}, f"摘要生成失败：{exc}")
    return view_of(doc, summary)


def view_of(doc: Document, summary: Summary | None, note: str | None = None) -> SummaryView:
    """A view of an already-filtered summary: collect the paragraphs its bullets cite."""
    if summary is None:
        return SummaryView(None, {}, note)
    cited: dict[int, str] = {}
    for bullet in summary.bullets():
        for n in bullet.citations:
            if 1 <= n <= len(doc.paragraphs):
                cited[n] = doc.paragraphs[n - 1]
    return SummaryView(summary, dict(sorted(cited.items())), note)


def copies_line(copies: tuple[Copy, ...]) -> list[Copy]:
    """Copies newest first, as the "also in …" line lists them."""
    return sorted(copies, key=lambda c: c.published_at.timestamp() if c.published_at else 0.0, reverse=True)


def document_copies(tf: Themeflow, doc_id: str) -> list[Copy]:
    """The other members of ``doc_id``'s story, for the document page and ``/api/documents/{id}`` alike.

    ``Story.copies`` excludes the canonical document, so a copy's list must add it back: the canonical
    comes first (it is the one search shows), then the other copies newest first. One function for both
    so the page and its JSON cannot list different copies.
    """
    story = tf.story_of(doc_id)
    if story is None:
        return []
    others = copies_line(tuple(c for c in story.copies if c.id != doc_id))
    if story.canonical_id != doc_id:
        try:
            canonical = tf.document(story.canonical_id)
        except NotFoundError:  # the story row outlived its canonical document: list what is there
            return others
        others.insert(
            0, Copy(canonical.id, canonical.source, canonical.published_at, canonical.url, canonical.title)
        )
    return others


@dataclass(frozen=True, slots=True)
class Pager:
    """Page numbers around the current one; everything a template needs to draw pagination."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def window(self) -> list[int | None]:
        """Page numbers to show, ``None`` where a gap (…) goes: 1 … 4 5 [6] 7 8 … 20."""
        last = self.pages
        keep = {1, last} | set(range(max(1, self.page - 2), min(last, self.page + 2) + 1))
        out: list[int | None] = []
        prev = 0
        for n in sorted(keep):
            if n - prev > 1:
                out.append(None)
            out.append(n)
            prev = n
        return out


def query_string(params: dict[str, object], **changes: object) -> str:
    """The current search's query string with some parameters changed (lists become repeated keys)."""
    merged = {**params, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        if value is None or value == "" or value is False:
            continue
        if isinstance(value, list | tuple):
            pairs.extend((key, str(v)) for v in value)
        else:
            pairs.append((key, str(value)))
    return urlencode(pairs)
