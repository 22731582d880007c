"""Concept and theme pages (the seed's ``/tags/concept?tagValue=…``, and ``/themes/NAME``), their JSON twins,
Atom feeds and exports, and the concept index at ``/tags``.

A page is a living feed: the concept's stories newest first, grouped by day, each with outlet · time, "also
in …", its cited summary (made on first view, then cached) and a 主题/提及 label; the header has the
definition, the 7/30-day trend, when the tags were last checked, related concepts, a heat chart of documents
per day and the newest documents' key figures. Stories tagged since the reader's previous visit are marked
新 (the time of that visit is a cookie per concept, nothing is kept on the server).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from themeflow.errors import NotFoundError
from themeflow.serialize import iso, tag_count_to_dict
from themeflow.tags import FeedItem, TagConcept
from themeflow.tags.feed import decode_cursor, encode_cursor
from themeflow.timefmt import display_time
from themeflow.web.atom import ATOM_TYPE, atom_feed
from themeflow.web.context import WebState, web_state
from themeflow.web.figures import with_cited_documents
from themeflow.web.heat import heat_svg
from themeflow.web.present import copies_line
from themeflow.web.render import render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
State = Annotated[WebState, Depends(web_state)]

PER_PAGE = 20
FEED_ENTRIES = 50
PAGE_FIGURES = 8
SEEN_COOKIE = "tf_seen_"
"""Prefix of the per-concept cookie holding the time of the reader's previous visit (epoch seconds)."""

TagValue = Annotated[str, Query(alias="tagValue", min_length=1, max_length=200, description="Concept name.")]
After = Annotated[
    str | None, Query(max_length=300, description="The `next` value of the previous page (newest first).")
]
Mentions = Annotated[
    bool, Query(description="Also list roundups and live blogs that only mention it (提及).")
]
ExportWhat = Annotated[Literal["documents", "figures"], Query(description="Stories or key figures.")]


def _concept(state: WebState, name: str, *, theme: bool) -> tuple[TagConcept, str | None]:
    concept, note = state.tf.tags.concept(name)
    if theme and (concept.kind != "theme" or concept.name != name):
        raise NotFoundError(f"no saved theme named {name!r}; concept pages are at /tags/concept?tagValue=…")
    return concept, note


def _seen_cookie(name: str) -> str:
    return SEEN_COOKIE + hashlib.sha1(name.encode()).hexdigest()[:12]


def _page(
    request: Request, state: State, name: str, *, theme: bool, after: str | None, mentions: bool
) -> Response:
    tf = state.tf
    concept, note = _concept(state, name, theme=theme)
    cursor = decode_cursor(after)
    page = tf.tags.feed(concept.name, mentions=mentions, after=cursor, limit=PER_PAGE)
    cookie = _seen_cookie(concept.name)
    try:
        seen = float(request.cookies.get(cookie, "0"))
    except ValueError:
        seen = 0.0
    days: list[tuple[date | None, list[tuple[FeedItem, Any, bool, list[FeedItem]]]]] = []
    for item, *others in page.event_groups():
        view = state.summary_block(
            item.document,
            theme=concept.queries if item.tag.aboutness == "提及" else None,
            summarizer=concept.summarizer,
        )
        published = item.document.published_at
        day = published.astimezone(tf.tags.tz).date() if published else None
        if not days or days[-1][0] != day:
            days.append((day, []))
        new = bool(seen) and any(i.tag.tagged_at > seen for i in (item, *others))
        days[-1][1].append((item, view, new, others))
    first = cursor is None
    kf = with_cited_documents(tf, tf.tags.figures(concept.name)) if first else None
    base = f"/themes/{quote(concept.name, safe='')}" if theme else "/tags/concept"
    keep = {} if theme else {"tagValue": concept.name}
    context: dict[str, Any] = {
        "nav": "tags",
        "concept": concept,
        "header": tf.tags.header(concept, note),
        "note": note,
        "theme_page": theme,
        "days": days,
        "first": first,
        "heat": heat_svg(tf.tags.heat(concept.name)) if first else None,
        "related": tf.tags.related(concept.name) if first else [],
        "kf": kf,
        "figure_rows": kf.top(PAGE_FIGURES) if kf is not None else (),
        "last_run": _last_run(state, concept) if theme else None,
        "mentions": mentions,
        "next_url": _url(base, {**keep, "after": encode_cursor(page.next), "mentions": mentions or None})
        if page.next is not None
        else None,
        "base": base,
        "keep": keep,
        "url": _url,
        "copies_line": copies_line,
        "new_count": sum(1 for _, group in days for _, _, new, _ in group if new),
        "stamp": lambda dt: display_time(dt, tf.tags.tz, unknown="时间未知"),
    }
    response = render(request, "concept.html", context)
    if first:
        response.set_cookie(cookie, f"{time.time():.0f}", max_age=365 * 86_400, httponly=True, samesite="lax")
    return response


def _last_run(state: WebState, concept: TagConcept) -> Any:
    runs = state.tf.runs(concept.name, limit=1)
    return runs[0] if runs else None


def _url(path: str, params: dict[str, Any]) -> str:
    pairs = {k: ("1" if v is True else v) for k, v in params.items() if v not in (None, "", False)}
    return f"{path}?{urlencode(pairs)}" if pairs else path


@router.get("/tags")
def tags_index(request: Request, state: State) -> Response:
    """Every concept and theme with its documents and trend, largest first."""
    counts, as_of = state.tf.tags.counts()
    return render(request, "tags.html", {"nav": "tags", "counts": counts, "as_of": as_of})


@router.get("/tags/concept")
def concept_page(
    request: Request, state: State, tag_value: TagValue, after: After = None, mentions: Mentions = False
) -> Response:
    """The seed's page: one concept's stories, newest first, with summaries."""
    return _page(request, state, tag_value, theme=False, after=after, mentions=mentions)


@router.get("/themes/{name}")
def theme_page(
    request: Request, state: State, name: str, after: After = None, mentions: Mentions = False
) -> Response:
    """A saved theme's page: the same feed, plus its definition and last workflow run."""
    concept, _ = state.tf.tags.concept(name)
    if concept.kind != "theme":
        return RedirectResponse(_url("/tags/concept", {"tagValue": concept.name}), status_code=307)
    return _page(request, state, name, theme=True, after=after, mentions=mentions)


def _atom(request: Request, state: WebState, concept: TagConcept, page_path: str) -> Response:
    tf = state.tf
    page = tf.tags.feed(concept.name, limit=FEED_ENTRIES)
    items = [(item, tf.tags.summary_of(concept, item)) for item in page.items]
    base = str(request.base_url).rstrip("/")
    newest = max((i.document.published_at for i in page.items if i.document.published_at), default=None)
    body = atom_feed(
        title=f"{concept.name} · themeflow",
        page_url=base + page_path,
        feed_url=str(request.url),
        base_url=base,
        items=items,
        updated=newest,
    )
    return Response(body, media_type=ATOM_TYPE)


@router.get("/tags/concept/feed.xml")
def concept_feed(request: Request, state: State, tag_value: TagValue) -> Response:
    concept, _ = _concept(state, tag_value, theme=False)
    return _atom(request, state, concept, _url("/tags/concept", {"tagValue": concept.name}))


@router.get("/themes/{name}/feed.xml")
def theme_feed(request: Request, state: State, name: str) -> Response:
    concept, _ = _concept(state, name, theme=True)
    return _atom(request, state, concept, f"/themes/{quote(concept.name, safe='')}")


def _export(state: WebState, concept: TagConcept, fmt: str, what: str, mentions: bool) -> Response:
    import json

    from themeflow.facts import theme_figures_to_dict
    from themeflow.tags.export import documents_csv, figures_csv

    filename = f"{hashlib.sha1(concept.name.encode()).hexdigest()[:8]}-{what}.{fmt}"
    if what == "documents":
        body = state.tf.tags.export_body(concept.name, mentions=mentions)
        text = documents_csv(body["documents"]) if fmt == "csv" else json.dumps(body, ensure_ascii=False)
    else:
        figures = state.tf.tags.figures(concept.name)
        text = (
            figures_csv(figures)
            if fmt == "csv"
            else json.dumps(theme_figures_to_dict(figures), ensure_ascii=False)
        )
    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    return Response(
        text, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/tags/concept/export.{fmt}")
def concept_export(
    state: State,
    fmt: Literal["csv", "json"],
    tag_value: TagValue,
    what: ExportWhat = "documents",
    mentions: Mentions = False,
) -> Response:
    concept, _ = _concept(state, tag_value, theme=False)
    return _export(state, concept, fmt, what, mentions)


@router.get("/themes/{name}/export.{fmt}")
def theme_export(
    state: State,
    name: str,
    fmt: Literal["csv", "json"],
    what: ExportWhat = "documents",
    mentions: Mentions = False,
) -> Response:
    concept, _ = _concept(state, name, theme=True)
    return _export(state, concept, fmt, what, mentions)


# -- JSON twins ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FeedQuery:
    """The paging and content parameters both JSON twins take."""

    after: str | None
    limit: int
    mentions: bool
    summaries: bool


def feed_query(
    after: After = None,
    limit: Annotated[int, Query(ge=1, le=100)] = PER_PAGE,
    mentions: Mentions = False,
    summaries: Annotated[
        bool, Query(description="Add each story's cited summary (made on first request).")
    ] = True,
) -> FeedQuery:
    return FeedQuery(after, limit, mentions, summaries)


Feed = Annotated[FeedQuery, Depends(feed_query)]


def _feed_json(state: WebState, name: str, feed: FeedQuery) -> Response:
    body, _ = state.tf.tags.feed_body(
        name,
        mentions=feed.mentions,
        after=decode_cursor(feed.after),
        limit=feed.limit,
        summaries=feed.summaries,
    )
    return JSONResponse(body)


@api.get("/tags")
def api_tags(state: State) -> dict[str, Any]:
    """Every concept with its documents and 7/30-day trend (``themeflow tags --json``)."""
    counts, as_of = state.tf.tags.counts()
    return {"as_of": iso(as_of), "concepts": [tag_count_to_dict(c) for c in counts]}


@api.get("/tags/concept")
def api_concept(state: State, tag_value: TagValue, feed: Feed) -> Response:
    """A concept's stories newest first: ``{"tag", "documents", "next"}`` (``themeflow tags show --json``)."""
    return _feed_json(state, tag_value, feed)


@api.get("/themes/{name}")
def api_theme(state: State, name: str, feed: Feed) -> Response:
    """A saved theme's stories newest first, in the shape of ``/api/tags/concept``."""
    _concept(state, name, theme=True)  # 404 for a lexicon concept or an unknown name
    return _feed_json(state, name, feed)
