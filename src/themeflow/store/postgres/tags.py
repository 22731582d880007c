"""Concept tags in PostgreSQL (:class:`~themeflow.store.base.TagStore`).

Two tables, as in the embedded store: ``tag_concepts`` (one row per concept: the definition digest its tags
were computed from and the write-time watermark up to which every document has been read for it) and
``doc_tags`` (one row per concept and document). ``doc_tags`` carries the document's publish time as
``sort_ts`` so a concept's feed, counts and heat chart read one index range (``doc_tags_feed``) instead of
joining every tagged document; a document whose text or time changes is written again, which re-tags it and
rewrites ``sort_ts``. Documents without a publish time sort last (:data:`~themeflow.store.base.NO_TIME`).

Why this shape:
- **The same answers as the embedded store.** Orders, tie-breaks (newest first, then the later-ingested
  document), the rounding of ``sort_ts`` and the arithmetic of trends and related-concept scores are the
  same, so a feed cursor or a count means one thing whichever backend wrote it. Rows become records, and
  related concepts are scored from counts, by the code both stores share (``store/tag_records.py``).
- **A concept's tags are one statement.** A refresh can write thousands of tags; they go in as arrays
  (``unnest``) in one ``INSERT … ON CONFLICT``, inside the one write transaction that also moves the
  concept's state, so a reader never sees tags of one definition under the state of another.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from themeflow.model import DocumentTag, TagCount, TagState
from themeflow.store import tag_records as records
from themeflow.store.base import NO_TIME

if TYPE_CHECKING:
    import psycopg

    from themeflow.store.base import TagCursor
    from themeflow.store.postgres.db import Database

__all__ = ["MIGRATIONS", "PostgresTagStore"]

MIGRATIONS: list[tuple[str, str]] = [
    (
        "pg_tags_0001_doc_tags",
        """
        CREATE TABLE IF NOT EXISTS tag_concepts (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            digest TEXT NOT NULL,
            watermark DOUBLE PRECISION NOT NULL,
            refreshed_at DOUBLE PRECISION NOT NULL
        );
        CREATE TABLE IF NOT EXISTS doc_tags (
            concept TEXT NOT NULL REFERENCES tag_concepts(name) ON DELETE CASCADE,
            doc_rowid BIGINT NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
            aboutness TEXT NOT NULL,
            score DOUBLE PRECISION NOT NULL,
            sort_ts DOUBLE PRECISION NOT NULL,
            tagged_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (concept, doc_rowid)
        );
        CREATE INDEX IF NOT EXISTS doc_tags_feed ON doc_tags(concept, aboutness, sort_ts DESC, doc_rowid DESC);
        CREATE INDEX IF NOT EXISTS doc_tags_doc ON doc_tags(doc_rowid);
        """,
    ),
]

_TAGS_OF = (
    "SELECT t.concept, d.id, t.aboutness, t.score, t.sort_ts, t.tagged_at"
    " FROM doc_tags t JOIN documents d ON d.rowid = t.doc_rowid"
)

_ABOUT = "t.aboutness = '主题'"


class PostgresTagStore:
    """The tag tables of one PostgreSQL store; every call is one read or one write transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def states(self) -> dict[str, TagState]:
        with self._db.read("read the tag vocabulary") as conn:
            rows = conn.execute(
                "SELECT name, kind, digest, watermark, refreshed_at FROM tag_concepts"
            ).fetchall()
        return {state.name: state for state in map(records.state_from_row, rows)}

    def write(
        self, state: TagState, tags: Sequence[DocumentTag], *, replacing: Sequence[str] | None = None
    ) -> None:
        with self._db.write("write a concept's tags") as conn:
            conn.execute(
                "INSERT INTO tag_concepts(name, kind, digest, watermark, refreshed_at)"
                " VALUES (%s, %s, %s, %s, %s)"
                " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, digest = excluded.digest,"
                " watermark = excluded.watermark, refreshed_at = excluded.refreshed_at",
                (state.name, state.kind, state.digest, state.watermark, state.refreshed_at),
            )
            docs = _rowids(conn, [t.doc_id for t in tags])
            # A tag that stays keeps the time it was first written (read before the old set is removed).
            first_tagged: dict[int, float] = {
                int(r[0]): float(r[1])
                for r in conn.execute(
                    "SELECT doc_rowid, tagged_at FROM doc_tags WHERE concept = %s AND doc_rowid = ANY(%s)",
                    (state.name, [rowid for rowid, _ in docs.values()]),
                )
            }
            if replacing is None:
                conn.execute("DELETE FROM doc_tags WHERE concept = %s", (state.name,))
            elif replacing:
                conn.execute(
                    "DELETE FROM doc_tags t USING documents d"
                    " WHERE t.concept = %s AND d.rowid = t.doc_rowid AND d.id = ANY(%s)",
                    (state.name, list(replacing)),
                )
            # One row per document (a statement may not touch a row twice).
            rows = records.tag_rows(tags, docs, first_tagged)
            if not rows:
                return
            conn.execute(
                "INSERT INTO doc_tags(concept, doc_rowid, aboutness, score, sort_ts, tagged_at)"
                " SELECT %s, r, a, s, ts, ta"
                " FROM unnest(%s::bigint[], %s::text[], %s::float8[], %s::float8[], %s::float8[])"
                " AS u(r, a, s, ts, ta)"
                " ON CONFLICT (concept, doc_rowid) DO UPDATE SET aboutness = excluded.aboutness,"
                " score = excluded.score, sort_ts = excluded.sort_ts, tagged_at = excluded.tagged_at",
                (
                    state.name,
                    list(rows),
                    [v[0] for v in rows.values()],
                    [v[1] for v in rows.values()],
                    [v[2] for v in rows.values()],
                    [v[3] for v in rows.values()],
                ),
            )

    def drop(self, name: str) -> bool:
        with self._db.write("forget a concept's tags") as conn:
            conn.execute("DELETE FROM doc_tags WHERE concept = %s", (name,))
            return conn.execute("DELETE FROM tag_concepts WHERE name = %s", (name,)).rowcount > 0

    def counts(self, as_of: float, *, name: str | None = None) -> list[TagCount]:
        bounds = records.trend_bounds(as_of)
        window = f"count(*) FILTER (WHERE {_ABOUT} AND t.sort_ts > %s AND t.sort_ts <= %s)"
        sql = (
            "SELECT c.name, c.kind, c.refreshed_at,"
            f" count(*) FILTER (WHERE {_ABOUT}), count(*) FILTER (WHERE t.aboutness = '提及'),"
            f" {', '.join(window for _ in bounds)},"
            f" max(t.sort_ts) FILTER (WHERE {_ABOUT} AND t.sort_ts > %s)"
            " FROM tag_concepts c LEFT JOIN doc_tags t ON t.concept = c.name"
            + (" WHERE c.name = %s" if name is not None else "")
            + " GROUP BY c.name"
        )
        params = [*(ts for bound in bounds for ts in bound), NO_TIME, *(() if name is None else (name,))]
        with self._db.read("count tags") as conn:
            rows = conn.execute(sql, params).fetchall()
        return records.by_size(map(records.count_from_row, rows))

    def feed(
        self,
        name: str,
        *,
        aboutness: Sequence[str],
        after: TagCursor | None = None,
        limit: int = 20,
    ) -> list[DocumentTag]:
        """Newest first, then the later-ingested document; ``after`` resumes behind the (time, document) of
        the last row read, so a page boundary does not move when newer documents arrive. A cursor naming a
        document no longer stored resumes after every document of its time."""
        params: list[object] = [name, list(aboutness)]
        where = "t.concept = %s AND t.aboutness = ANY(%s)"
        if after is not None:
            ts, doc_id = after
            where += (
                " AND (t.sort_ts, t.doc_rowid)"
                " < (%s, coalesce((SELECT rowid FROM documents WHERE id = %s), -1))"
            )
            params += [ts, doc_id]
        sql = f"{_TAGS_OF} WHERE {where} ORDER BY t.sort_ts DESC, t.doc_rowid DESC LIMIT %s"
        with self._db.read("read a concept's documents") as conn:
            return [records.tag_from_row(r) for r in conn.execute(sql, [*params, limit])]

    def tagged(self, name: str, doc_ids: Sequence[str]) -> dict[str, DocumentTag]:
        if not doc_ids:
            return {}
        with self._db.read("read tags") as conn:
            rows = conn.execute(
                f"{_TAGS_OF} WHERE t.concept = %s AND d.id = ANY(%s)", (name, list(doc_ids))
            ).fetchall()
        return {t.doc_id: t for t in map(records.tag_from_row, rows)}

    def published_times(self, name: str, *, aboutness: Sequence[str], since: float) -> list[float]:
        with self._db.read("read a concept's publish times") as conn:
            rows = conn.execute(
                "SELECT sort_ts FROM doc_tags WHERE concept = %s AND aboutness = ANY(%s) AND sort_ts >= %s",
                (name, list(aboutness), since),
            )
            return [float(r[0]) for r in rows]

    def related(self, name: str, *, limit: int = 8) -> list[tuple[str, int]]:
        """Two counts (documents about this concept and each other one, and the sizes of only those
        concepts), ranked by :func:`~themeflow.store.tag_records.rank_related`."""
        with self._db.read("read related concepts") as conn:
            shared = [
                (str(r[0]), int(r[1]))
                for r in conn.execute(
                    "SELECT o.concept, count(*) FROM doc_tags t JOIN doc_tags o"
                    " ON o.doc_rowid = t.doc_rowid AND o.concept <> t.concept AND o.aboutness = '主题'"
                    " WHERE t.concept = %s AND t.aboutness = '主题' GROUP BY o.concept",
                    (name,),
                )
            ]
            sizes: dict[str, int] = {
                str(r[0]): int(r[1])
                for r in conn.execute(
                    "SELECT concept, count(*) FROM doc_tags WHERE aboutness = '主题' AND concept = ANY(%s)"
                    " GROUP BY concept",
                    ([name, *(other for other, _ in shared)],),
                )
            }
        return records.rank_related(name, sizes, shared, limit=limit)

    def tags_of(self, doc_id: str) -> list[DocumentTag]:
        """About-tags first, then by score; equal scores by concept name in code-point order."""
        with self._db.read("read a document's tags") as conn:
            rows = conn.execute(
                f"{_TAGS_OF} WHERE d.id = %s"
                " ORDER BY t.aboutness = '提及', t.score DESC, t.concept COLLATE \"C\"",
                (doc_id,),
            )
            return [records.tag_from_row(r) for r in rows]


def _rowids(conn: psycopg.Connection[Any], doc_ids: list[str]) -> dict[str, tuple[int, float]]:
    """Document id → (rowid, sort_ts) for the ids that are stored. The publish time is rounded to the
    microsecond in Python (a cast through ``numeric`` would keep only 15 significant digits), so a feed
    cursor written as text compares equal to the stored value."""
    if not doc_ids:
        return {}
    rows = conn.execute("SELECT id, rowid, published_ts FROM documents WHERE id = ANY(%s)", (doc_ids,))
    return {str(r[0]): (int(r[1]), round(float(r[2]) if r[2] is not None else NO_TIME, 6)) for r in rows}
