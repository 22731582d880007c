"""Build a digest from a search: the report of "any query", not only of a saved theme."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Literal

from themeflow.report.digest import Digest, DigestItem
from themeflow.report.figures import key_figures_of_items

if TYPE_CHECKING:
    from themeflow.service import Themeflow

__all__ = ["digest_of_search"]


def digest_of_search(
    tf: Themeflow,
    query: str,
    *,
    since: str | date | datetime | None = None,
    until: str | date | datetime | None = None,
    sources: Sequence[str] = (),
    sort: Literal["time", "relevance"] = "time",
    limit: int = 30,
    summarize: bool = True,
) -> Digest:
    """Search (copies folded into stories), summarize each hit (cached), newest first by default; the key
    figures are read from the shown stories, copies included."""
    page = tf.search(query, since=since, until=until, sources=sources, sort=sort, limit=limit)
    items = tuple(
        DigestItem(
            document=h.document,
            summary=tf.summarize(h.document) if summarize else None,
            copies=h.copies,
            score=h.score,
            snippet=h.snippet,
            story_id=h.story_id,
        )
        for h in page.hits
    )
    notes: tuple[str, ...] = ()
    if page.total > len(items):
        notes = (f"显示 {len(items)} / {page.total} 条结果 · showing {len(items)} of {page.total} results.",)
    return Digest(
        kind="search",
        title=query,
        query=query,
        generated_at=datetime.now(UTC),
        tz=tf.settings.timezone,
        items=items,
        total=page.total,
        figures=key_figures_of_items(tf.store, items),
        notes=notes,
    )
