"""Article pages (saved files or fetched URLs): main text by trafilatura, metadata from the page head.

trafilatura finds the article body and leaves navigation, share bars and footers behind; we ask it to
favour precision because a menu item in paragraph 1 would be cited as evidence. Its date is day-only,
so the publish *time* is read first from the page's own metadata (``article:published_time``,
``<time datetime>``, JSON-LD ``datePublished``…); either way it came from the document. A page with no
date gets none: the fetch time is recorded separately as ``fetched_at``, never as a publish time.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from themeflow.ingest.document import Draft
from themeflow.ingest.times import parse_time
from themeflow.text.encoding import declared_charset, decode_bytes

__all__ = ["html_draft", "html_fragment_text", "decode_html"]

# trafilatura logs every page it finds unusable at WARNING; we report those as IngestErrors instead.
logging.getLogger("trafilatura").setLevel(logging.ERROR)
logging.getLogger("htmldate").setLevel(logging.ERROR)

_DATE_META = (
    "article:published_time",
    "og:published_time",
    "og:release_date",
    "publishdate",
    "publish_date",
    "pubdate",
    "publication_date",
    "datepublished",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "weibo:article:create_at",
    "article:published",
    "date",
)
_BLOCKS = frozenset("p div br li h1 h2 h3 h4 h5 h6 blockquote tr section article".split())


def decode_html(data: bytes, *, source: str, http_charset: str | None = None) -> str:
    """Decode a page, trusting its ``<meta charset>`` or the HTTP charset only if they decode cleanly."""
    hint = declared_charset(data) or http_charset
    text, _ = decode_bytes(data, source=source, hint=hint)
    return text


def _meta_time(tree: lxml.html.HtmlElement, tz: str, now: datetime | None) -> datetime | None:
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = el.get("content")
        if key and content and key not in found:
            found[key] = content
    for key in _DATE_META:
        if key in found and (dt := parse_time(found[key], tz, now)) is not None:
            return dt
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and (dt := parse_time(item.get("datePublished"), tz, now)):
                return dt
    for el in tree.iter("time"):
        if el.get("datetime") and (dt := parse_time(el.get("datetime"), tz, now)) is not None:
            return dt
    return None


def _parse_tree(html: str) -> lxml.html.HtmlElement | None:
    try:
        return lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def html_draft(
    html: str, *, url: str | None = None, tz: str = "Asia/Shanghai", now: datetime | None = None
) -> Draft:
    """Main text (one paragraph per line), title, site name, canonical URL and publish time of a page."""
    # Imported here, not at module load: trafilatura and its justext/lxml-clean chain are the heaviest and
    # most fragile imports of ingest, and JSONL/CSV/text ingests never need them.
    import trafilatura

    extracted = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    tree = _parse_tree(html)
    text = ""
    title = sitename = page_url = date = None
    if extracted is not None:
        text = getattr(extracted, "text", None) or ""
        title = getattr(extracted, "title", None)
        sitename = getattr(extracted, "sitename", None)
        page_url = getattr(extracted, "url", None)
        date = getattr(extracted, "date", None)
    published = _meta_time(tree, tz, now) if tree is not None else None
    if published is None and date:
        published = parse_time(date, tz, now)
    lines = text.split("\n")
    if title and lines and lines[0].strip() == title.strip():
        lines = lines[1:]  # the <h1> repeats the title; paragraph 1 should be the first real one
    source = sitename or (urlsplit(url).hostname if url else None)
    return Draft(
        title=title,
        text=lines,
        source=source,
        published_at=published,
        time_origin="document" if published else "unknown",
        url=page_url or url,
    )


def html_fragment_text(fragment: str) -> str:
    """Plain text of an HTML snippet (a feed entry body), one block element per line."""
    if "<" not in fragment:
        return fragment
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return fragment
    for bad in root.xpath(".//script|.//style"):
        bad.drop_tree()
    parts: list[str] = []
    _walk(root, parts)
    return "".join(parts)


def _walk(el: lxml.html.HtmlElement, parts: list[str]) -> None:
    element = isinstance(el.tag, str)  # comments and processing instructions have callable tags
    block = element and el.tag in _BLOCKS
    if block:
        parts.append("\n")
    if element and el.text:
        parts.append(el.text)
    for child in el:
        _walk(child, parts)
    if block:
        parts.append("\n")
    if el.tail:
        parts.append(el.tail)
