"""Turn what a reader found (raw title, text, times, URL) into a normalized :class:`Document`.

Every reader ends here, so the rules live in one place: text is cleaned and split into paragraphs
numbered from 1; page furniture (原标题, 责任编辑, 返回搜狐…, disclaimers, datelines glued to titles) is
removed by the rules in ``data/boilerplate.toml`` and the outlet is stored under its canonical name from
``data/outlets.toml`` (a headline fragment offered as an outlet is refused); a document with no text
left is an error, not an empty record; a giant document is
capped (and the cap recorded in ``meta``) so one 20 MB file cannot exhaust memory downstream; the id is
derived by :func:`themeflow.ids.document_id`. A link is kept only if it is an http(s) URL, and then
without any ``user:password@``: the web app renders it as a link, and stored text is shown to everyone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from themeflow.ids import document_id
from themeflow.ingest.urls import http_url
from themeflow.model import Document, IngestError, TimeOrigin
from themeflow.text.boilerplate import strip_paragraphs, strip_title
from themeflow.text.normalize import clean_line, split_long_paragraph, split_paragraphs
from themeflow.text.outlets import canonical_outlet

__all__ = ["Limits", "build_document", "derive_title"]

_SENTENCE = re.compile(r"^(.+?[。！？!?])")
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_LATIN_RUN = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps that keep one huge input from exhausting memory or the index.

    ``max_chars`` is counted on cleaned text; raw input beyond twice that is not even cleaned.
    """

    max_chars: int = 2_000_000
    max_paragraphs: int = 5_000
    max_paragraph_chars: int = 20_000
    max_bytes: int = 64 * 1024 * 1024
    """Bytes read from one file or response; the rest is ignored and noted."""


@dataclass(frozen=True, slots=True)
class Draft:
    """What a reader extracted, before normalization. ``text`` paragraphs are separated by newlines."""

    title: str | None
    text: str | Iterable[str]
    source: str | None = None
    published_at: datetime | None = None
    time_origin: TimeOrigin = "unknown"
    url: str | None = None
    fetched_at: datetime | None = None
    meta: Mapping[str, str] = field(default_factory=dict)


def derive_title(paragraphs: list[str], max_chars: int = 60) -> str:
    """A title for a text that has none: its first sentence, shortened to ``max_chars``."""
    if not paragraphs:
        return ""
    first = paragraphs[0]
    m = _SENTENCE.match(first)
    title = m.group(1) if m else first
    return title if len(title) <= max_chars else title[: max_chars - 1] + "…"


def _lang(paragraphs: list[str]) -> str:
    sample = "".join(paragraphs)[:4000]
    # counted as the length the runs take up: a list of every matched character cost three times as much
    cjk = len(sample) - len(_CJK_RUN.sub("", sample))
    latin = len(sample) - len(_LATIN_RUN.sub("", sample))
    return "en" if cjk < 0.05 * max(len(sample), 1) and latin > 0.3 * max(len(sample), 1) else "zh"


def _capped(raw: str | Iterable[str], limits: Limits) -> tuple[list[str], str | None]:
    """Cleaned paragraphs within the limits, and a note when anything was dropped."""
    pieces = [raw] if isinstance(raw, str) else list(raw)
    raw_total = sum(len(p) for p in pieces)
    raw_budget = 2 * limits.max_chars
    out: list[str] = []
    total = 0
    truncated = False
    for piece in pieces:
        if raw_budget <= 0:
            truncated = True
            break
        if len(piece) > raw_budget:
            piece, truncated = piece[:raw_budget], True
        raw_budget -= len(piece)
        for para in split_paragraphs(piece):
            for chunk in _bounded(para, limits.max_paragraph_chars):
                if len(out) >= limits.max_paragraphs or total + len(chunk) > limits.max_chars:
                    return out, _truncation_note(len(out), total, raw_total)
                out.append(chunk)
                total += len(chunk)
    return out, _truncation_note(len(out), total, raw_total) if truncated else None


def _truncation_note(paragraphs: int, chars: int, raw_chars: int) -> str:
    return f"truncated: kept the first {paragraphs} paragraphs ({chars} characters) of about {raw_chars}"


def _bounded(paragraph: str, max_chars: int) -> list[str]:
    if len(paragraph) <= max_chars:
        return [paragraph]
    chunks: list[str] = []
    for sentence_group in split_long_paragraph(paragraph, max_chars):
        # A single "sentence" longer than the cap (tables, logs) is cut hard at the cap.
        chunks.extend(sentence_group[i : i + max_chars] for i in range(0, len(sentence_group), max_chars))
    return chunks


def build_document(
    draft: Draft, *, source: str, record: str | None, origin: str, limits: Limits | None = None
) -> Document | IngestError:
    """Normalize ``draft`` into a Document, or an IngestError naming ``source``/``record`` and why."""
    limits = limits or Limits()
    raw_paragraphs, note = _capped(draft.text, limits)
    if not raw_paragraphs:
        return IngestError(source, record, "empty document: no text left after cleaning")
    meta = dict(draft.meta)
    if note:
        meta["truncated"] = note
    raw_title = clean_line(draft.title or "")
    url = http_url(draft.url)
    # The id is taken from the text as read, before boilerplate removal: ids must not change when a rule
    # is added, or re-ingesting a file would store every content-addressed document a second time.
    doc_id = document_id(url, raw_title or derive_title(raw_paragraphs), raw_paragraphs)
    title, title_credit = strip_title(raw_title)
    stripped = strip_paragraphs(raw_paragraphs, title)
    paragraphs = stripped.paragraphs or raw_paragraphs  # all furniture? keep it rather than lose the record
    if not title:
        title, derived_credit = strip_title(derive_title(paragraphs))
        title_credit = title_credit or derived_credit
        meta.setdefault("title_origin", "derived from the first sentence")
    outlet = _outlet(draft.source, [c for c in (title_credit, *stripped.credits) if c], meta)
    return Document(
        id=doc_id,
        title=title or raw_title or derive_title(raw_paragraphs),
        paragraphs=tuple(paragraphs),
        source=outlet,
        published_at=draft.published_at,
        time_origin=draft.time_origin if draft.published_at else "unknown",
        url=url,
        lang=_lang(paragraphs),
        fetched_at=draft.fetched_at,
        origin=origin,
        meta=meta,
    )


def _outlet(given: str | None, credits: list[str], meta: dict[str, str]) -> str | None:
    """The canonical outlet: the reader's when it names one, else one credited in the text.

    A given name that the table rewrote or refused is kept in ``meta["source_given"]``, so nothing a
    feed or file said is lost (and a wrong refusal can be spotted).
    """
    raw = clean_line(given or "")
    outlet = canonical_outlet(raw) if raw else None
    if raw and outlet != raw:
        meta["source_given"] = raw
    if outlet is None:
        for credit in credits:
            outlet = canonical_outlet(credit)
            if outlet is not None:
                meta["source_origin"] = "credited in the text"
                break
    return outlet
