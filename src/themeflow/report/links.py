"""The one rule for turning a stored document URL into a clickable link, used by every renderer.

A document's URL is third-party data: a feed or a hand-made JSONL file can carry ``javascript:alert(1)``,
``data:text/html,…`` or ``vbscript:``. Autoescaping stops markup injection but not a hostile *scheme*, so
every place that makes a link — the web templates (``safe_url`` filter), the HTML digest and the Markdown
report — asks :func:`safe_url` first and shows the title as plain text when it answers ``None``.
Ingest also stores only http(s) links; this is the output-side defence for stores written before that,
or by other tools.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["markdown_url", "safe_url"]

_ALLOWED_SCHEMES = ("http", "https")
_UNSAFE_CHARS = re.compile(r'[\x00-\x20\x7f-\x9f"<>\\`]')
"""Whitespace, control characters and characters that end an attribute or a Markdown link: a URL holding
them is malformed (a real browser would percent-encode them), so it is not offered as a link."""


def safe_url(url: str | None) -> str | None:
    """``url`` stripped, when it is an absolute http(s) URL with a host; otherwise ``None`` (show no link)."""
    if not url:
        return None
    candidate = url.strip()
    if not candidate or _UNSAFE_CHARS.search(candidate):
        return None
    try:
        parts = urlsplit(candidate)
        host = parts.hostname
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return None
    if parts.scheme.lower() not in _ALLOWED_SCHEMES or not host:
        return None
    return candidate


def markdown_url(url: str | None) -> str | None:
    """A :func:`safe_url` ready for a Markdown link destination: parentheses percent-encoded, so a ``)``
    in the URL cannot end the link early and smuggle text after it."""
    safe = safe_url(url)
    if safe is None:
        return None
    return safe.replace("(", "%28").replace(")", "%29")
