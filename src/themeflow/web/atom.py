"""An Atom feed of a concept or theme, for feed readers: its newest stories, each with its core views.

Built with ElementTree, so every string from an article is escaped as XML text; links are http(s) only
(``report.links.safe_url``), and the entry id is the document's stable id, so a reader never shows a story
twice when its text is updated.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime

from themeflow.model import Summary
from themeflow.report.links import safe_url
from themeflow.tags import FeedItem

__all__ = ["ATOM_TYPE", "atom_feed"]

ATOM_TYPE = "application/atom+xml; charset=utf-8"
_NS = "http://www.w3.org/2005/Atom"


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    el.text = text
    return el


def _when(dt: datetime | None, fallback: float) -> str:
    return (dt or datetime.fromtimestamp(fallback, UTC)).isoformat()


def atom_feed(
    *,
    title: str,
    page_url: str,
    feed_url: str,
    base_url: str,
    items: Sequence[tuple[FeedItem, Summary | None]],
    updated: datetime | None,
) -> bytes:
    """The feed document: one entry per story, newest first."""
    ET.register_namespace("", _NS)
    feed = ET.Element("feed", {"xmlns": _NS})
    _text(feed, "title", title)
    _text(feed, "id", f"urn:themeflow:feed:{page_url}")
    _text(feed, "updated", (updated or datetime.now(UTC)).isoformat())
    ET.SubElement(feed, "link", {"rel": "self", "href": feed_url, "type": "application/atom+xml"})
    ET.SubElement(feed, "link", {"rel": "alternate", "href": page_url, "type": "text/html"})
    _text(feed, "generator", "themeflow")
    for item, summary in items:
        doc = item.document
        entry = ET.SubElement(feed, "entry")
        _text(entry, "title", doc.title)
        _text(entry, "id", f"urn:themeflow:document:{doc.id}")
        _text(entry, "updated", _when(doc.published_at, item.tag.tagged_at))
        if doc.published_at is not None:
            _text(entry, "published", doc.published_at.isoformat())
        author = ET.SubElement(entry, "author")
        _text(author, "name", doc.source or "来源未知")
        ET.SubElement(entry, "link", {"rel": "alternate", "href": f"{base_url}/documents/{doc.id}"})
        original = safe_url(doc.url)
        if original:
            ET.SubElement(entry, "link", {"rel": "related", "href": original})
        _text(entry, "category", item.tag.aboutness, term=item.tag.aboutness)
        lines = []
        if summary is not None:
            for b in summary.core_views or tuple(b for s in summary.sections for b in s.bullets)[:3]:
                lines.append(b.text + "".join(f"[{n}]" for n in b.citations))
        if item.copies:
            lines.append("另见：" + "，".join(c.source or "来源未知" for c in item.copies))
        if lines:
            _text(entry, "summary", "\n".join(lines), type="text")
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body
