"""Stable document ids.

Re-ingesting must recognise a document it has seen, so an id may depend only on what identifies the
article, never on when or from which file it was read:

* with a URL, the id is derived from the *canonical* URL — scheme and host lower-cased, default port,
  fragment and tracking parameters dropped, the remaining query sorted — so the copy reached through a
  feed (``?utm_source=rss``) and the one pasted by an analyst are the same document (``u`` + 16 hex);
* without one, from the normalized content — title and paragraphs with all whitespace removed, so a
  re-paragraphed copy keeps its id (``c`` + 16 hex).

Changing this module changes every id in every store: treat it as a schema change.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

__all__ = ["TRACKING_PARAMS", "canonical_url", "document_id"]

TRACKING_PARAMS = frozenset(
    {
        "spm",
        "from",
        "share",
        "share_token",
        "shareid",
        "share_from",
        "sharesource",
        "fromshare",
        "scene",
        "src",
        "source",
        "ref",
        "referer",
        "referrer",
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmkt",
        "wt.mc_id",
        "isappinstalled",
        "timestamp",
        "tt_from",
        "utm",
        "cmpid",
        "ncid",
    }
)
"""Query parameters that say how a reader arrived, not which article it is (plus every ``utm_*``)."""

_DEFAULT_PORTS = {"http": 80, "https": 443}
_WS = re.compile(r"\s+")


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low.startswith("utm_") or low in TRACKING_PARAMS


def canonical_url(url: str) -> str:
    """The form of ``url`` that two links to the same article share.

    Relative or scheme-less input is returned stripped but otherwise as given, because guessing a host
    would invent identity. The path keeps its case (many sites are case-sensitive); a trailing slash is
    dropped except on the root path.
    """
    url = url.strip()
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    try:
        port = parts.port
    except ValueError:  # a non-numeric port: keep the URL as written rather than guess
        return url
    netloc = host  # credentials never identify an article and must not leak into ids
    if port is not None and _DEFAULT_PORTS.get(scheme) != port:
        netloc = f"{host}:{port}"
    path = quote(unquote(parts.path), safe="/%:@!$&'()*+,;=-._~") or "/"
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    query_items = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    query = urlencode(sorted(query_items), doseq=True)
    return urlunsplit((scheme, netloc, path, query, ""))


def _hex16(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def document_id(url: str | None, title: str, paragraphs: Sequence[str]) -> str:
    """``u…`` from the canonical URL when there is one, else ``c…`` from whitespace-free content."""
    if url and url.strip():
        return "u" + _hex16(canonical_url(url))
    content = "\x1e".join([title, *paragraphs])
    return "c" + _hex16(_WS.sub("", content))
