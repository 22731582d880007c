"""Stories in PostgreSQL: fingerprints, LSH band index and story membership, updated incrementally.

The store applies :data:`MIGRATIONS` with its migration runner and calls :func:`assign_story` inside the
transaction that wrote a new or changed document; writers are queued one behind another
(``db.py``), so the tables a write reads and rewrites never see two writers at once. Nothing here commits.

Every decision (candidates, copies, joins, bridges, splits, the canonical copy, a story's id and span) is
:mod:`themeflow.store.story_rules`, the same code the embedded store runs: the same documents form the
same stories with the same ids in both. This module holds only the tables and the statements the rules run.

A PostgreSQL store is always created at the current fingerprint configuration (its version is recorded in
``dedup_meta``), so it has no re-fingerprinting upgrade step; a later change of
:class:`themeflow.dedup.DedupConfig` comes with a migration that fingerprints the stored documents again.

Tables, as in the embedded store (arrays as little-endian bytes, :data:`story_rules.FINGERPRINT_COLUMNS`):

- ``doc_fingerprints``: one row per document, the fingerprint its copies are verified against.
- ``lsh_bands(key, fp)`` and ``sentence_keys(key, fp)``: (band key or content-sentence hash, fingerprint
  rowid), the indexes that find candidates in O(candidates).
- ``stories(id, canonical_id, size, first_published, last_published, created_at, updated_at)`` and
  ``story_members(doc_id, story_id, similarity, joined_at)``: similarity to the canonical copy; times of
  writing are epoch seconds. Ids and publish keys compare byte-wise (``COLLATE "C"``), as in SQLite, so
  orderings never depend on the server's locale.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg

from themeflow import dedup
from themeflow.errors import StoreError
from themeflow.model import Document, Story
from themeflow.store import story_rules as rules
from themeflow.store.postgres.migrations import Step

__all__ = [
    "MIGRATIONS",
    "assign_fingerprinted",
    "assign_story",
    "has_multi_copy_stories",
    "list_stories",
    "remove_document",
    "stories_for",
    "story_columns",
    "story_of",
]

Conn = psycopg.Connection[Any]

MIGRATIONS: list[tuple[str, Step]] = [
    (
        "pg_stories_0001_tables",
        f"""
        CREATE TABLE IF NOT EXISTS doc_fingerprints (
            rowid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            doc_id TEXT NOT NULL UNIQUE,
            content_hash TEXT NOT NULL,
            length INTEGER NOT NULL,
            published_key TEXT COLLATE "C" NOT NULL,
            minhash BYTEA,
            figures BYTEA NOT NULL,
            title TEXT NOT NULL DEFAULT '',
            sentences BYTEA,
            title_derived BOOLEAN NOT NULL DEFAULT FALSE,
            title_support DOUBLE PRECISION NOT NULL DEFAULT 0,
            collection BOOLEAN NOT NULL DEFAULT FALSE
        );
        CREATE TABLE IF NOT EXISTS lsh_bands (
            key BIGINT NOT NULL,
            fp BIGINT NOT NULL,
            PRIMARY KEY (key, fp)
        );
        CREATE TABLE IF NOT EXISTS sentence_keys (
            key BIGINT NOT NULL,
            fp BIGINT NOT NULL,
            PRIMARY KEY (key, fp)
        );
        CREATE TABLE IF NOT EXISTS stories (
            id TEXT COLLATE "C" PRIMARY KEY,
            canonical_id TEXT NOT NULL,
            size INTEGER NOT NULL,
            first_published TEXT COLLATE "C",
            last_published TEXT COLLATE "C",
            created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL
        );
        CREATE TABLE IF NOT EXISTS story_members (
            doc_id TEXT PRIMARY KEY,
            story_id TEXT COLLATE "C" NOT NULL,
            similarity DOUBLE PRECISION NOT NULL,
            joined_at DOUBLE PRECISION NOT NULL
        );
        CREATE TABLE IF NOT EXISTS dedup_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO dedup_meta(key, value) VALUES ('config', '{rules.CONFIG.version}')
            ON CONFLICT (key) DO NOTHING;
        CREATE INDEX IF NOT EXISTS doc_fingerprints_hash ON doc_fingerprints(content_hash);
        CREATE INDEX IF NOT EXISTS stories_size_last ON stories(size, last_published);
        CREATE INDEX IF NOT EXISTS story_members_story ON story_members(story_id);
        """,
    ),
]
"""The story tables' migrations, in order (append-only: a shipped one is never edited)."""

_FP_COLS = ", ".join(rules.FINGERPRINT_COLUMNS)
_FP_INSERT = (
    # One round trip: the fingerprint, then its band and sentence keys under the rowid it was given.
    f"WITH f AS (INSERT INTO doc_fingerprints({', '.join(rules.FINGERPRINT_COLUMNS[1:])})"
    f" VALUES ({', '.join(['%s'] * (len(rules.FINGERPRINT_COLUMNS) - 1))}) RETURNING rowid),"
    " b AS (INSERT INTO lsh_bands(key, fp) SELECT unnest(%s::bigint[]), rowid FROM f ON CONFLICT DO NOTHING),"
    " s AS (INSERT INTO sentence_keys(key, fp) SELECT unnest(%s::bigint[]), rowid FROM f"
    " ON CONFLICT DO NOTHING) SELECT rowid FROM f"
)


class _Tables:
    """The story tables of one PostgreSQL transaction, as :mod:`themeflow.store.story_rules` reads and
    writes them: one statement an operation, arrays bound whole (``= ANY``), no chunking."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn

    def fingerprints(self, doc_ids: Sequence[str]) -> list[rules.Fingerprinted]:
        if not doc_ids:
            return []
        q = f"SELECT {_FP_COLS} FROM doc_fingerprints WHERE doc_id = ANY(%s)"
        return [rules.fingerprinted(r) for r in self.conn.execute(q, (list(doc_ids),))]

    def fingerprints_at(self, rowids: Sequence[int]) -> list[rules.Fingerprinted]:
        q = f"SELECT {_FP_COLS} FROM doc_fingerprints WHERE rowid = ANY(%s)"
        return [rules.fingerprinted(r) for r in self.conn.execute(q, (list(rowids),))]

    def stories_at(self, rowids: Sequence[int]) -> dict[int, str | None]:
        q = (
            "SELECT f.rowid, m.story_id FROM doc_fingerprints f LEFT JOIN story_members m"
            " ON m.doc_id = f.doc_id WHERE f.rowid = ANY(%s)"
        )
        return {int(r): None if s is None else str(s) for r, s in self.conn.execute(q, (list(rowids),))}

    def insert_fingerprint(
        self, doc_id: str, fp: dedup.Fingerprint, published: str, bands: Sequence[int]
    ) -> int:
        values = (*rules.fingerprint_values(doc_id, fp, published), list(bands), fp.sentences.tolist())
        row = self.conn.execute(_FP_INSERT, values).fetchone()
        assert row is not None
        return int(row[0])

    def drop_fingerprint(
        self, doc_id: str, rowid: int | None, bands: Sequence[int], sentences: Sequence[int]
    ) -> None:
        # One round trip; without a rowid (``fp = NULL``) no key row matches.
        self.conn.execute(
            "WITH b AS (DELETE FROM lsh_bands WHERE key = ANY(%s::bigint[]) AND fp = %s),"
            " s AS (DELETE FROM sentence_keys WHERE key = ANY(%s::bigint[]) AND fp = %s)"
            " DELETE FROM doc_fingerprints WHERE doc_id = %s",
            (list(bands), rowid, list(sentences), rowid, doc_id),
        )

    def set_published(self, rowid: int, published: str) -> None:
        self.conn.execute(
            "UPDATE doc_fingerprints SET published_key = %s WHERE rowid = %s", (published, rowid)
        )

    def band_holders(self, bands: Sequence[int], per_band: int) -> set[int]:
        # Each key's newest holders are a backwards walk of the (key, fp) primary key.
        q = (
            "SELECT DISTINCT h.fp FROM unnest(%s::bigint[]) AS k(key) CROSS JOIN LATERAL"
            " (SELECT fp FROM lsh_bands b WHERE b.key = k.key ORDER BY fp DESC LIMIT %s) h"
        )
        return {int(r[0]) for r in self.conn.execute(q, (list(bands), per_band))}

    def sentence_counts(self, keys: Sequence[int], max_holders: int) -> dict[int, int]:
        # Counted in SQL, and a key is crowded when its (max_holders + 1)-th holder exists: an index seek,
        # so a stock phrase's thousands of holders are neither read into Python nor counted.
        q = (
            "WITH k AS (SELECT DISTINCT unnest(%s::bigint[]) AS key), open AS (SELECT key FROM k WHERE NOT EXISTS"
            " (SELECT 1 FROM sentence_keys x WHERE x.key = k.key ORDER BY x.fp OFFSET %s LIMIT 1))"
            " SELECT s.fp, count(*) FROM sentence_keys s JOIN open USING (key) GROUP BY s.fp"
        )
        return {int(fp): int(n) for fp, n in self.conn.execute(q, (list(keys), max_holders))}

    def same_content(self, content_hash: str) -> set[int]:
        q = "SELECT rowid FROM doc_fingerprints WHERE content_hash = %s"
        return {int(r[0]) for r in self.conn.execute(q, (content_hash,))}

    def story_of_doc(self, doc_id: str) -> str | None:
        row = self.conn.execute("SELECT story_id FROM story_members WHERE doc_id = %s", (doc_id,)).fetchone()
        return None if row is None else str(row[0])

    def story_ids_of(self, doc_ids: Sequence[str]) -> set[str]:
        q = "SELECT DISTINCT story_id FROM story_members WHERE doc_id = ANY(%s)"
        return {str(r[0]) for r in self.conn.execute(q, (list(doc_ids),))}

    def member_ids(self, story_id: str) -> list[str]:
        q = "SELECT doc_id FROM story_members WHERE story_id = %s"
        return [str(r[0]) for r in self.conn.execute(q, (story_id,))]

    def add_member(self, story_id: str, doc_id: str, similarity: float) -> None:
        self.conn.execute(
            "INSERT INTO story_members(doc_id, story_id, similarity, joined_at) VALUES (%s, %s, %s, %s)",
            (doc_id, story_id, similarity, time.time()),
        )

    def drop_member(self, doc_id: str) -> str | None:
        q = "DELETE FROM story_members WHERE doc_id = %s RETURNING story_id"
        row = self.conn.execute(q, (doc_id,)).fetchone()
        return None if row is None else str(row[0])

    def move_members(self, story_id: str, doc_ids: Sequence[str]) -> None:
        q = "UPDATE story_members SET story_id = %s WHERE doc_id = ANY(%s)"
        self.conn.execute(q, (story_id, list(doc_ids)))

    def merge_story(self, into: str, other: str) -> None:
        self.conn.execute("UPDATE story_members SET story_id = %s WHERE story_id = %s", (into, other))
        self.conn.execute(
            "WITH o AS (DELETE FROM stories WHERE id = %s RETURNING created_at)"
            " UPDATE stories s SET created_at = LEAST(s.created_at, o.created_at) FROM o WHERE s.id = %s",
            (other, into),
        )

    def story_created(self, story_id: str) -> object | None:
        row = self.conn.execute("SELECT created_at FROM stories WHERE id = %s", (story_id,)).fetchone()
        return None if row is None else float(row[0])

    def story_row(self, story_id: str) -> rules.StoryState | None:
        q = "SELECT canonical_id, size, first_published, last_published FROM stories WHERE id = %s"
        row = self.conn.execute(q, (story_id,)).fetchone()
        return rules.story_from_row(story_id, row)

    def upsert_story(self, state: rules.StoryState, created: object | None) -> None:
        now = time.time()
        self.conn.execute(
            "INSERT INTO stories(id, canonical_id, size, first_published, last_published, created_at,"
            " updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET"
            " canonical_id = excluded.canonical_id, size = excluded.size,"
            " first_published = excluded.first_published, last_published = excluded.last_published,"
            " updated_at = excluded.updated_at",
            state.row(now if created is None else created, now),
        )

    def set_members(self, state: rules.StoryState) -> None:
        self.conn.execute(
            "UPDATE story_members m SET story_id = %s, similarity = v.similarity"
            " FROM unnest(%s::text[], %s::double precision[]) AS v(doc_id, similarity) WHERE m.doc_id = v.doc_id",
            (state.story_id, [d for d, _ in state.similarities], [s for _, s in state.similarities]),
        )

    def delete_story(self, story_id: str) -> None:
        self.conn.execute("DELETE FROM stories WHERE id = %s", (story_id,))


@contextmanager
def _failing(what: str) -> Iterator[None]:
    """A driver error as the user-facing :class:`StoreError` the embedded store raises for the same step."""
    try:
        yield
    except psycopg.Error as exc:
        raise StoreError(f"could not {what}: {exc}") from exc


def assign_story(conn: Conn, doc: Document, kind: str | None = None) -> str:
    """Fingerprint ``doc``, link it to its copies and return its story id.

    Idempotent: re-assigning an unchanged document returns the same story (and refreshes its publish time,
    which can move the canonical copy). A changed body is removed and inserted again, so the document may
    move story and its old story may split. ``kind`` is the document's type when the store has already
    classified it. Fingerprinting runs here, inside the write transaction, as in the embedded store.
    """
    fp = rules.fingerprint_document(doc, kind)
    return assign_fingerprinted(conn, doc.id, fp, doc.published_at)


def assign_fingerprinted(
    conn: Conn, doc_id: str, fp: dedup.Fingerprint, published_at: datetime | None
) -> str:
    """:func:`assign_story` for a fingerprint computed elsewhere (a bulk loader fingerprints in worker
    processes and keeps only this step in the writer); ``fp`` must use the default config."""
    with _failing(f"assign document {doc_id} to a story"):
        return rules.assign(_Tables(conn), doc_id, fp, dedup.published_key(published_at))


def remove_document(conn: Conn, doc_id: str) -> None:
    """Forget a document's fingerprint and membership; split its story if it was the bridge."""
    with _failing(f"remove document {doc_id} from its story"):
        rules.remove(_Tables(conn), doc_id)


# --------------------------------------------------------------------------- reading


def _build(conn: Conn, story_rows: Sequence[Sequence[object]]) -> dict[str, Story]:
    """Stories by id, with copies (canonical excluded) in canonical order, from the documents table."""
    members = conn.execute(
        "SELECT m.story_id, m.doc_id, f.published_key, f.length, d.source, d.published_at, d.url, d.title"
        " FROM story_members m JOIN doc_fingerprints f ON f.doc_id = m.doc_id"
        " LEFT JOIN documents d ON d.id = m.doc_id WHERE m.story_id = ANY(%s)",
        ([str(r[0]) for r in story_rows],),
    ).fetchall()
    return rules.assemble_stories(story_rows, members)


def story_of(conn: Conn, doc_id: str) -> Story | None:
    """The story a document belongs to, or None if it was never assigned."""
    return stories_for(conn, [doc_id]).get(doc_id)


def stories_for(conn: Conn, doc_ids: Sequence[str]) -> dict[str, Story]:
    """Stories of many documents in two queries (for collapsing a page of search hits)."""
    with _failing("read stories"):
        rows = conn.execute(
            "SELECT m.doc_id, s.id, s.canonical_id FROM story_members m JOIN stories s ON s.id = m.story_id"
            " WHERE m.doc_id = ANY(%s)",
            (list(doc_ids),),
        ).fetchall()
        by_doc = {str(r[0]): str(r[1]) for r in rows}
        stories = _build(conn, list({r[1]: (r[1], r[2]) for r in rows}.values()))
    return {d: stories[s] for d, s in by_doc.items()}


def list_stories(
    conn: Conn, since: datetime | None = None, min_size: int = 2, limit: int = 50
) -> list[Story]:
    """Multi-copy stories, most recently published first (a story with no known time last); ``since`` keeps
    stories with a copy published at or after it."""
    since_key = None if since is None else dedup.published_key(since)
    bound = "" if since_key is None else " AND last_published >= %(since)s"
    with _failing("list stories"):
        rows = conn.execute(
            f"SELECT id, canonical_id FROM stories WHERE size >= %(min_size)s{bound}"
            " ORDER BY last_published DESC NULLS LAST, id LIMIT %(limit)s",
            {"min_size": min_size, "since": since_key, "limit": limit},
        ).fetchall()
        stories = _build(conn, rows)
    return [stories[str(r[0])] for r in rows]


def story_columns(conn: Conn) -> list[tuple[int, str, bool]]:
    """(document rowid, story id, is canonical) of every member of a multi-copy story (``size > 1``): what
    search folds copies with (:class:`themeflow.store.columns.StoryCols`). O(documents in such stories)."""
    with _failing("read story columns"):
        rows = conn.execute(
            "SELECT d.rowid, m.story_id, s.canonical_id = m.doc_id FROM stories s"
            " JOIN story_members m ON m.story_id = s.id JOIN documents d ON d.id = m.doc_id WHERE s.size > 1"
        ).fetchall()
    return [(int(r[0]), str(r[1]), bool(r[2])) for r in rows]


def has_multi_copy_stories(conn: Conn) -> bool:
    """Whether any story has more than one copy (else folding is a no-op and search may skip it)."""
    with _failing("read stories"):
        row = conn.execute("SELECT EXISTS (SELECT 1 FROM stories WHERE size > 1)").fetchone()
    return bool(row and row[0])
