"""Records to and from the JSON shapes of the stable contract in DESIGN.md.

One place renders every ``--json`` output and every ``/api`` body, so the CLI and the web API can never
disagree about a key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from themeflow.model import (
    Bullet,
    Copy,
    Document,
    Hit,
    IngestReport,
    SearchPage,
    Section,
    StoreStats,
    Story,
    Summary,
    TagCount,
)
from themeflow.text.outlets import UNKNOWN_OUTLET
from themeflow.timefmt import display_zone

if TYPE_CHECKING:
    from themeflow.model import RunRecord, Theme


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 with offset, or None (never a naive time)."""
    return dt.isoformat() if dt is not None else None


def parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def document_to_dict(
    doc: Document, *, paragraphs: bool = True, copies: Sequence[Copy] | None = None
) -> dict[str, Any]:
    """``themeflow show --json``; ``/api/documents/{id}`` adds ``copies`` (the story's other members)."""
    out: dict[str, Any] = {
        "id": doc.id,
        "title": doc.title,
        "source": doc.source,
        "published": iso(doc.published_at),
        "time_origin": doc.time_origin,
        "url": doc.url,
        "lang": doc.lang,
        "fetched_at": iso(doc.fetched_at),
        "content_hash": doc.content_hash,
        "paragraph_count": len(doc.paragraphs),
    }
    if paragraphs:
        out["paragraphs"] = list(doc.paragraphs)
    if doc.meta:
        out["meta"] = dict(doc.meta)
    if copies is not None:
        out["copies"] = [copy_to_dict(c) for c in copies]
    return out


def copy_to_dict(copy: Copy) -> dict[str, Any]:
    return {"id": copy.id, "source": copy.source, "published": iso(copy.published_at), "url": copy.url}


def hit_to_dict(hit: Hit) -> dict[str, Any]:
    doc = hit.document
    snippet = hit.snippet
    return {
        "id": doc.id,
        "title": doc.title,
        "source": doc.source,
        "published": iso(doc.published_at),
        "time_origin": doc.time_origin,
        "url": doc.url,
        "score": round(hit.score, 6),
        "snippet": snippet.text if snippet else None,
        "snippet_paragraph": snippet.paragraph if snippet else None,
        "highlights": [list(h) for h in snippet.highlights] if snippet else [],
        "story_id": hit.story_id,
        "copies": [copy_to_dict(c) for c in hit.copies],
        "aboutness": hit.aboutness,
        "partial": hit.partial,
    }


def page_to_dict(page: SearchPage, summaries: Mapping[str, Summary] | None = None) -> dict[str, Any]:
    """``themeflow search --json`` and ``/api/search``; with ``summaries`` (document id → summary) each
    hit also carries its ``summary``, as ``--summaries`` / ``?summaries=true`` ask."""
    hits = [hit_to_dict(h) for h in page.hits]
    if summaries is not None:
        for hit, data in zip(page.hits, hits, strict=True):
            summary = summaries.get(hit.document.id)
            data["summary"] = summary_to_dict(summary) if summary is not None else None
    return {
        "query": page.query,
        "total": page.total,
        "partial": page.partial,
        "offset": page.offset,
        "limit": page.limit,
        "per_source": dict(page.per_source),
        "hits": hits,
    }


def bullet_to_dict(b: Bullet) -> dict[str, Any]:
    out: dict[str, Any] = {"text": b.text, "citations": list(b.citations), "verified": b.verified}
    if b.reason:
        out["reason"] = b.reason
    return out


def summary_to_dict(s: Summary) -> dict[str, Any]:
    return {
        "doc_id": s.doc_id,
        "content_hash": s.content_hash,
        "summarizer": s.summarizer,
        "excerpt": s.excerpt,
        "focus": s.focus,
        "focus_paragraphs": list(s.focus_paragraphs),
        "model": s.model,
        "prompt_tokens": s.prompt_tokens,
        "completion_tokens": s.completion_tokens,
        "dropped": s.dropped,
        "fallback": s.fallback,
        "core_views": [bullet_to_dict(b) for b in s.core_views],
        "sections": [
            {"title": sec.title, "bullets": [bullet_to_dict(b) for b in sec.bullets]} for sec in s.sections
        ],
    }


def _bullet_from_dict(d: dict[str, Any]) -> Bullet:
    return Bullet(
        text=d["text"],
        citations=tuple(int(c) for c in d.get("citations", [])),
        verified=d.get("verified"),
        reason=d.get("reason"),
    )


def summary_from_dict(d: dict[str, Any]) -> Summary:
    return Summary(
        doc_id=d["doc_id"],
        content_hash=d["content_hash"],
        summarizer=d["summarizer"],
        excerpt=bool(d.get("excerpt", False)),
        focus=d.get("focus"),
        focus_paragraphs=tuple(int(n) for n in d.get("focus_paragraphs", [])),
        model=d.get("model"),
        prompt_tokens=int(d.get("prompt_tokens") or 0),
        completion_tokens=int(d.get("completion_tokens") or 0),
        dropped=int(d.get("dropped") or 0),
        fallback=d.get("fallback"),
        core_views=tuple(_bullet_from_dict(b) for b in d.get("core_views", [])),
        sections=tuple(
            Section(title=s["title"], bullets=tuple(_bullet_from_dict(b) for b in s.get("bullets", [])))
            for s in d.get("sections", [])
        ),
    )


def story_to_dict(story: Story, canonical: Document | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": story.id,
        "canonical_id": story.canonical_id,
        "size": story.size,
        "copies": [copy_to_dict(c) for c in story.copies],
    }
    if canonical is not None:
        out["title"] = canonical.title
        out["source"] = canonical.source
        out["published"] = iso(canonical.published_at)
    return out


def story_outlets(story: Story, canonical: Document | None) -> list[str]:
    """The distinct outlets of a story, canonical copy first; copies without one count once as 来源未知.

    Two copies from one outlet (a site that re-posted its own article) are one outlet: the listing says
    who carried the story, and ``TechWeb · TechWeb`` says nothing more than ``TechWeb``.
    """
    names = [canonical.source if canonical else None] + [c.source for c in story.copies]
    return list(dict.fromkeys(n or UNKNOWN_OUTLET for n in names))


def story_span(story: Story, canonical: Document | None) -> tuple[datetime, datetime] | None:
    """The earliest and latest publish time among a story's members (None: no member has one); a time
    written without a zone is compared as the display zone's, the zone it was ingested in."""
    times = [canonical.published_at if canonical else None] + [c.published_at for c in story.copies]
    known = [t for t in times if t is not None]
    if not known:
        return None
    return min(known, key=_zoned), max(known, key=_zoned)


def _zoned(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=display_zone())


def story_listing_to_dict(story: Story, canonical: Document | None) -> dict[str, Any]:
    """One story of ``themeflow stories --json``: the story fields plus what the listing shows (first and
    last publish time, distinct outlets, document ids, copy count and the canonical copy's length)."""
    out = story_to_dict(story, canonical)
    span = story_span(story, canonical)
    out["first_published"] = iso(span[0]) if span else None
    out["last_published"] = iso(span[1]) if span else None
    out["outlets"] = story_outlets(story, canonical)
    out["document_ids"] = [story.canonical_id, *(c.id for c in story.copies)]
    out["chars"] = sum(len(p) for p in canonical.paragraphs) if canonical else None
    return out


def ingest_report_to_dict(r: IngestReport) -> dict[str, Any]:
    return {
        "read": r.read,
        "new": r.new,
        "updated": r.updated,
        "unchanged": r.unchanged,
        "failed": r.failed,
        "seconds": round(r.seconds, 3),
        "docs_per_second": round(r.docs_per_second, 1),
        "errors": [{"source": e.source, "record": e.record, "reason": e.reason} for e in r.errors],
    }


def stats_to_dict(s: StoreStats) -> dict[str, Any]:
    """What ``themeflow stats --json`` and ``/api/stats`` return."""
    return {
        "database": s.location,
        "documents": s.documents,
        "paragraphs": s.paragraphs,
        "sources": s.sources,
        "earliest": iso(s.earliest),
        "latest": iso(s.latest),
        "stories": s.stories,
        "multi_copy_stories": s.multi_copy_stories,
        "summaries": s.summaries,
        "llm_tokens": {"prompt": s.llm_prompt_tokens, "completion": s.llm_completion_tokens},
        "ingests": s.ingests,
        "schema": s.schema,
    }


def theme_to_dict(theme: Theme) -> dict[str, Any]:
    """A saved theme, as ``workflow show --json`` and ``/api/workflows/NAME`` give it."""
    return {
        "name": theme.name,
        "query": theme.query,
        "keywords": list(theme.keywords),
        "exclusions": list(theme.exclusions),
        "sources": list(theme.sources),
        "since": iso(theme.since),
        "schedule": theme.schedule,
        "summarizer": theme.summarizer,
        "figures": theme.figures,
    }


def run_to_dict(run: RunRecord) -> dict[str, Any]:
    """One workflow run, as the CLI and the API give it (``reports``: format → file written)."""
    return {
        "run_id": run.id,
        "theme": run.theme,
        "status": run.status,
        "trigger": run.trigger,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "window": {"start": iso(run.window_start), "end": iso(run.window_end)},
        "candidates": run.candidates,
        "new_documents": run.new_documents,
        "items": run.items,
        "summarized": run.summarized,
        "prompt_tokens": run.prompt_tokens,
        "completion_tokens": run.completion_tokens,
        "error": run.error,
        "reports": dict(run.reports),
    }


def workflow_entry_to_dict(
    theme: Theme, last_run: RunRecord | None, next_due: datetime | None
) -> dict[str, Any]:
    """One entry of ``workflow list --json`` and ``/api/workflows``: the theme, its latest run and when
    the scheduler will run it next (None: on demand, or not due)."""
    return {
        **theme_to_dict(theme),
        "last_run": run_to_dict(last_run) if last_run is not None else None,
        "next_due": iso(next_due),
    }


def tag_count_to_dict(count: TagCount) -> dict[str, Any]:
    """One line of ``themeflow tags --json``: a concept's size and its 7/30-day trend."""
    return {
        "name": count.name,
        "kind": count.kind,
        "documents": count.documents,
        "mentions": count.mentions,
        "last_7d": count.last_7d,
        "prev_7d": count.prev_7d,
        "last_30d": count.last_30d,
        "prev_30d": count.prev_30d,
        "latest": iso(count.latest),
    }


def tagged_document_to_dict(
    doc: Document,
    aboutness: str,
    copies: Sequence[Copy],
    summary: Summary | None,
    *,
    score: float,
    event: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One document of a concept's feed (``/api/tags/concept``, ``/api/themes/NAME``, ``tags show --json``,
    the JSON export): the story's canonical entry with its copies and, when made, its summary; ``event``
    names the event it belongs to when other outlets' stories on the page report the same happening."""
    return {
        "id": doc.id,
        "url": doc.url,
        "title": doc.title,
        "source": doc.source,
        "published": iso(doc.published_at),
        "time_origin": doc.time_origin,
        "aboutness": aboutness,
        "score": round(score, 6),
        "copies": [copy_to_dict(c) for c in copies],
        "event": dict(event) if event is not None else None,
        "summary": summary_to_dict(summary) if summary is not None else None,
    }
