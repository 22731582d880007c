"""RSS and Atom feeds (feedparser), from a file or a fetched URL, one Document per entry.

Many Chinese outlets publish only a teaser in their feeds; a teaser is too short to search or summarize,
so when an entry's text is under :data:`TEASER_CHARS` and it links to an article, the article page is
fetched and its main text used. If that fetch fails the teaser is still ingested (with the failure in
``meta["fetch_error"]``), so a later run can replace it: the URL-derived id makes that an update.

feedparser tolerates a lot ("bozo" feeds with small errors still yield entries — we keep those); a feed
that yields nothing and is broken is one IngestError for the whole feed. Entry times come from the feed
(``time_origin="feed"``); an entry with no date borrows the fetched page's date, which is a document
time, and otherwise has none.

An entry's link is somebody else's text: only an http(s) link is stored or followed (a ``javascript:`` or
``file:`` link is dropped and noted in ``meta``), and the fetch itself refuses internal addresses (see
:mod:`themeflow.ingest.fetch`), so a refused article leaves its teaser with the reason in ``fetch_error``.
A feed with no entries is reported, so that an ingest of it does not look like a success.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from themeflow.errors import InputError
from themeflow.ingest.document import Draft, Limits, build_document
from themeflow.ingest.fetch import Fetcher
from themeflow.ingest.html import decode_html, html_draft, html_fragment_text
from themeflow.ingest.times import parse_time
from themeflow.ingest.urls import http_url, redact_url
from themeflow.model import Document, IngestError
from themeflow.text.normalize import clean_text

__all__ = ["TEASER_CHARS", "FeedOptions", "looks_like_feed", "read_feed"]

TEASER_CHARS = 200
"""An entry with less cleaned text than this (and a link) is treated as a teaser."""


@dataclass(frozen=True, slots=True)
class FeedOptions:
    tz: str = "Asia/Shanghai"
    limits: Limits = Limits()
    fetcher: Callable[[], Fetcher] | None = None
    """Returns the fetcher for linked articles (created lazily); None = never fetch teasers' articles."""
    now: datetime | None = None


def looks_like_feed(data: bytes, content_type: str = "") -> bool:
    """True for RSS/Atom/RDF by content type or by the root element in the first kilobytes."""
    if any(t in content_type for t in ("rss", "atom", "rdf")):
        return True
    head = data[:2048].lstrip().lower()
    return any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf"))


def _entry_time(entry: Any, tz: str, now: datetime | None) -> datetime | None:
    for key in ("published", "updated", "created", "dc_date"):
        if raw := entry.get(key):
            if (dt := parse_time(raw, tz, now)) is not None:
                return dt
    for key in ("published_parsed", "updated_parsed"):
        if parsed := entry.get(key):
            # a time.struct_time, which feedparser normalizes to UTC
            return datetime(*parsed[:6]).replace(tzinfo=UTC)
    return None


def _entry_body(entry: Any) -> str:
    contents = entry.get("content") or []
    candidates = [c.get("value", "") for c in contents] + [entry.get("summary", "")]
    return max((html_fragment_text(c) for c in candidates if c), key=len, default="")


def read_feed(
    data: bytes,
    *,
    source: str,
    options: FeedOptions | None = None,
    fetched_at: datetime | None = None,
) -> Iterator[Document | IngestError]:
    """Entries of the feed in ``data``; ``source`` (path or URL) names it in errors and ``origin``."""
    options = options or FeedOptions()
    import feedparser  # only a feed ingest pays for feedparser

    try:
        parsed = feedparser.parse(io.BytesIO(data))
    except Exception as exc:  # feedparser's own decoding raises plain ValueError/UnicodeError on odd bytes
        yield IngestError(source, None, f"malformed feed: {type(exc).__name__}: {exc}")
        return
    entries = parsed.get("entries") or []
    if not entries:
        if parsed.get("bozo"):
            reason = parsed.get("bozo_exception")
            yield IngestError(source, None, f"malformed feed: {reason}")
        elif not parsed.get("version"):
            yield IngestError(source, None, "not an RSS or Atom feed")
        else:
            yield IngestError(source, None, "feed has no entries")
        return
    feed_title = (parsed.get("feed") or {}).get("title")
    for index, entry in enumerate(entries, start=1):
        yield _entry_document(entry, index, feed_title, source=source, options=options, fetched_at=fetched_at)


def _entry_document(
    entry: Any,
    index: int,
    feed_title: str | None,
    *,
    source: str,
    options: FeedOptions,
    fetched_at: datetime | None,
) -> Document | IngestError:
    raw_link = entry.get("link") or None
    link = http_url(raw_link)  # without userinfo: what is stored and shown
    where = link or f"entry {index}"
    text = _entry_body(entry)
    published = _entry_time(entry, options.tz, options.now)
    meta: dict[str, str] = {}
    if entry.get("id"):
        meta["source_id"] = str(entry.get("id"))
    if raw_link and link is None:
        meta["link_dropped"] = "not an http(s) URL"
    draft = Draft(
        title=entry.get("title"),
        text=text,
        source=feed_title,
        published_at=published,
        time_origin="feed",
        url=link,
        fetched_at=fetched_at,
        meta=meta,
    )
    if link and options.fetcher is not None and len(clean_text(text)) < TEASER_CHARS:
        draft = _with_article(draft, str(raw_link).strip(), options, meta)
    return build_document(
        draft, source=source, record=where, origin=f"{source}#{where}", limits=options.limits
    )


def _with_article(teaser: Draft, link: str, options: FeedOptions, meta: dict[str, str]) -> Draft:
    """The teaser with its linked article's text; ``link`` may hold a password, used for the fetch only."""
    assert options.fetcher is not None
    shown = redact_url(link)
    try:
        page = options.fetcher().get(link)
        article = html_draft(
            decode_html(page.content, source=shown, http_charset=page.charset),
            url=page.url,
            tz=options.tz,
            now=options.now,
        )
    except InputError as exc:
        meta["teaser"] = "true"
        meta["fetch_error"] = str(exc)
        return replace(teaser, meta=meta)
    article_text = article.text if isinstance(article.text, str) else "\n".join(article.text)
    if not clean_text(article_text):
        meta["teaser"] = "true"
        meta["fetch_error"] = f"{shown}: no article text found on the page"
        return replace(teaser, meta=meta)
    meta["fetched_article"] = "true"
    published, origin = teaser.published_at, teaser.time_origin
    if published is None and article.published_at is not None:
        published, origin = article.published_at, "document"
    return Draft(
        title=teaser.title or article.title,
        text=article.text,
        source=teaser.source or article.source,
        published_at=published,
        time_origin=origin,
        url=shown,
        fetched_at=page.fetched_at,
        meta=meta,
    )
