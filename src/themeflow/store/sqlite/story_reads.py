"""Reading stories from SQLite: a document's story, the stories of a page of hits, recent multi-copy stories.

The tables are written by :mod:`themeflow.store.sqlite.stories`; the documents themselves are only read, to
fill :class:`themeflow.model.Copy`. How rows become stories (copy order, the canonical left out) is
:func:`themeflow.store.story_rules.assemble_stories`, shared with every backend.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from themeflow import dedup
from themeflow.errors import StoreError
from themeflow.model import Story
from themeflow.store.sqlite.params import chunks, marks
from themeflow.store.story_rules import assemble_stories, parse_time

__all__ = ["list_stories", "parse_time", "stories_for", "story_of"]


def _build(conn: sqlite3.Connection, story_rows: Sequence[Sequence[object]]) -> dict[str, Story]:
    """Stories by id, with copies (canonical excluded) in canonical order, from the documents table."""
    ids = [str(r[0]) for r in story_rows]
    member_rows: list[Sequence[object]] = []
    for chunk in chunks(ids):
        q = (
            "SELECT m.story_id, m.doc_id, f.published_key, f.length, d.source, d.published_at, d.url, d.title"
            " FROM story_members m JOIN doc_fingerprints f ON f.doc_id = m.doc_id"
            " LEFT JOIN documents d ON d.id = m.doc_id"
            f" WHERE m.story_id IN ({marks(len(chunk))})"
        )
        member_rows += conn.execute(q, chunk).fetchall()
    return assemble_stories(story_rows, member_rows)


def story_of(conn: sqlite3.Connection, doc_id: str) -> Story | None:
    """The story a document belongs to, or None if it was never assigned."""
    return stories_for(conn, [doc_id]).get(doc_id)


def stories_for(conn: sqlite3.Connection, doc_ids: Sequence[str]) -> dict[str, Story]:
    """Stories of many documents in a few queries (for collapsing a page of search hits)."""
    try:
        by_doc: dict[str, str] = {}
        for chunk in chunks(doc_ids):
            q = f"SELECT doc_id, story_id FROM story_members WHERE doc_id IN ({marks(len(chunk))})"
            by_doc.update((str(d), str(s)) for d, s in conn.execute(q, chunk))
        sids = sorted(set(by_doc.values()))
        rows: list[Sequence[object]] = []
        for sid_chunk in chunks(sids):
            q = f"SELECT id, canonical_id FROM stories WHERE id IN ({marks(len(sid_chunk))})"
            rows += conn.execute(q, sid_chunk).fetchall()
        stories = _build(conn, rows)
    except sqlite3.Error as exc:
        raise StoreError(f"could not read stories: {exc}") from exc
    return {d: stories[s] for d, s in by_doc.items() if s in stories}


def list_stories(
    conn: sqlite3.Connection, since: datetime | None = None, min_size: int = 2, limit: int = 50
) -> list[Story]:
    """Multi-copy stories, most recently published first; ``since`` keeps stories with a copy
    published at or after it."""
    q = "SELECT id, canonical_id FROM stories WHERE size >= ?"
    params: list[object] = [min_size]
    if since is not None:
        q += " AND last_published >= ?"
        params.append(dedup.published_key(since))
    q += " ORDER BY last_published DESC, id LIMIT ?"
    params.append(limit)
    try:
        rows = conn.execute(q, params).fetchall()
        stories = _build(conn, rows)
    except sqlite3.Error as exc:
        raise StoreError(f"could not list stories: {exc}") from exc
    return [stories[str(r[0])] for r in rows]
