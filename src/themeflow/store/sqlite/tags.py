"""Concept tags in SQLite (:class:`~themeflow.store.base.TagStore`).

Two tables: ``tag_concepts`` (one row per concept: the definition digest its tags were computed from and the
write-time watermark up to which every document has been read for it) and ``doc_tags`` (one row per concept
and document). ``doc_tags`` carries the document's publish time as ``sort_ts`` so a concept's feed, counts and
heat chart read one index range (``doc_tags_feed``) instead of joining every tagged document; a document whose
text or time changes is written again, which re-tags it and rewrites ``sort_ts``. Documents without a publish
time sort last (:data:`NO_TIME`). What a row means, and the arithmetic on counts (trends, related concepts),
is ``store/tag_records.py``, shared with every backend.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from themeflow.model import DocumentTag, TagCount, TagState
from themeflow.store import tag_records as records
from themeflow.store.base import NO_TIME
from themeflow.store.sqlite.params import chunks, marks

if TYPE_CHECKING:
    from themeflow.store.base import TagCursor
    from themeflow.store.sqlite.store import SQLiteStore

__all__ = ["MIGRATIONS", "SQLiteTagStore"]

MIGRATIONS: list[tuple[str, str]] = [
    (
        "tags_0001_doc_tags",
        """
        CREATE TABLE IF NOT EXISTS tag_concepts (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            digest TEXT NOT NULL,
            watermark REAL NOT NULL,
            refreshed_at REAL NOT NULL
        );
        CREATE TABLE IF NOT EXISTS doc_tags (
            concept TEXT NOT NULL REFERENCES tag_concepts(name) ON DELETE CASCADE,
            doc_rowid INTEGER NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
            aboutness TEXT NOT NULL,
            score REAL NOT NULL,
            sort_ts REAL NOT NULL,
            tagged_at REAL NOT NULL,
            PRIMARY KEY (concept, doc_rowid)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS doc_tags_feed ON doc_tags(concept, aboutness, sort_ts DESC, doc_rowid DESC);
        CREATE INDEX IF NOT EXISTS doc_tags_doc ON doc_tags(doc_rowid);
        """,
    ),
]

_TAG_COLUMNS = "t.concept, d.id, t.aboutness, t.score, t.sort_ts, t.tagged_at"


class SQLiteTagStore:
    """The tag tables of one :class:`~themeflow.store.sqlite.store.SQLiteStore`."""

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store

    def states(self) -> dict[str, TagState]:
        with self._store.reading("read the tag vocabulary"):
            rows = self._store.conn.execute(
                "SELECT name, kind, digest, watermark, refreshed_at FROM tag_concepts"
            ).fetchall()
        return {state.name: state for state in map(records.state_from_row, rows)}

    def write(
        self, state: TagState, tags: Sequence[DocumentTag], *, replacing: Sequence[str] | None = None
    ) -> None:
        with self._store.transaction(documents=False) as conn:
            conn.execute(
                "INSERT INTO tag_concepts(name, kind, digest, watermark, refreshed_at) VALUES (?,?,?,?,?)"
                " ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, digest = excluded.digest,"
                " watermark = excluded.watermark, refreshed_at = excluded.refreshed_at",
                (state.name, state.kind, state.digest, state.watermark, state.refreshed_at),
            )
            docs = _rowids(conn, [t.doc_id for t in tags])
            first_tagged = dict(
                conn.execute("SELECT doc_rowid, tagged_at FROM doc_tags WHERE concept = ?", (state.name,))
            )
            if replacing is None:
                conn.execute("DELETE FROM doc_tags WHERE concept = ?", (state.name,))
            else:
                gone = _rowids(conn, list(replacing))
                for part in chunks([rowid for rowid, _ in gone.values()]):
                    conn.execute(
                        f"DELETE FROM doc_tags WHERE concept = ? AND doc_rowid IN ({marks(len(part))})",
                        (state.name, *part),
                    )
            conn.executemany(
                "INSERT OR REPLACE INTO doc_tags(concept, doc_rowid, aboutness, score, sort_ts, tagged_at)"
                " VALUES (?,?,?,?,?,?)",
                [
                    (state.name, rowid, *row)
                    for rowid, row in records.tag_rows(tags, docs, first_tagged).items()
                ],
            )

    def drop(self, name: str) -> bool:
        with self._store.transaction(documents=False) as conn:
            conn.execute("DELETE FROM doc_tags WHERE concept = ?", (name,))
            return conn.execute("DELETE FROM tag_concepts WHERE name = ?", (name,)).rowcount > 0

    def counts(self, as_of: float, *, name: str | None = None) -> list[TagCount]:
        about = "t.aboutness = '主题'"
        windows = ", ".join(
            f"coalesce(sum({about} AND t.sort_ts > {start!r} AND t.sort_ts <= {end!r}), 0)"
            for start, end in records.trend_bounds(as_of)
        )
        sql = (
            "SELECT c.name, c.kind, c.refreshed_at,"
            f" coalesce(sum({about}), 0), coalesce(sum(t.aboutness = '提及'), 0),"
            f" {windows},"
            f" max(CASE WHEN {about} AND t.sort_ts > {NO_TIME!r} THEN t.sort_ts END)"
            " FROM tag_concepts c LEFT JOIN doc_tags t ON t.concept = c.name"
            + (" WHERE c.name = ?" if name is not None else "")
            + " GROUP BY c.name"
        )
        with self._store.reading("count tags"):
            rows = self._store.conn.execute(sql, () if name is None else (name,)).fetchall()
        return records.by_size(map(records.count_from_row, rows))

    def feed(
        self,
        name: str,
        *,
        aboutness: Sequence[str],
        after: TagCursor | None = None,
        limit: int = 20,
    ) -> list[DocumentTag]:
        params: list[object] = [name, *aboutness]
        where = f"t.concept = ? AND t.aboutness IN ({marks(len(aboutness))})"
        if after is not None:
            ts, doc_id = after
            rowid = self._rowid(doc_id)
            where += " AND (t.sort_ts < ? OR (t.sort_ts = ? AND t.doc_rowid < ?))"
            params += [ts, ts, rowid if rowid is not None else -1]
        sql = (
            f"SELECT {_TAG_COLUMNS} FROM doc_tags t JOIN documents d ON d.rowid = t.doc_rowid"
            f" WHERE {where} ORDER BY t.sort_ts DESC, t.doc_rowid DESC LIMIT ?"
        )
        with self._store.reading("read a concept's documents"):
            return [records.tag_from_row(r) for r in self._store.conn.execute(sql, (*params, limit))]

    def tagged(self, name: str, doc_ids: Sequence[str]) -> dict[str, DocumentTag]:
        found: dict[str, DocumentTag] = {}
        with self._store.reading("read tags"):
            for part in chunks(list(doc_ids)):
                rows = self._store.conn.execute(
                    f"SELECT {_TAG_COLUMNS} FROM doc_tags t JOIN documents d ON d.rowid = t.doc_rowid"
                    f" WHERE t.concept = ? AND d.id IN ({marks(len(part))})",
                    (name, *part),
                )
                found.update((t.doc_id, t) for t in map(records.tag_from_row, rows))
        return found

    def published_times(self, name: str, *, aboutness: Sequence[str], since: float) -> list[float]:
        with self._store.reading("read a concept's publish times"):
            rows = self._store.conn.execute(
                f"SELECT sort_ts FROM doc_tags WHERE concept = ? AND aboutness IN ({marks(len(aboutness))})"
                " AND sort_ts >= ?",
                (name, *aboutness, since),
            )
            return [float(r[0]) for r in rows]

    def related(self, name: str, *, limit: int = 8) -> list[tuple[str, int]]:
        """Two counts (about-documents per concept, and shared with each other concept), ranked by
        :func:`~themeflow.store.tag_records.rank_related`."""
        with self._store.reading("read related concepts"):
            conn = self._store.conn
            sizes = {
                str(c): int(n)
                for c, n in conn.execute(
                    "SELECT concept, count(*) FROM doc_tags WHERE aboutness = '主题' GROUP BY concept"
                )
            }
            shared = conn.execute(
                "SELECT o.concept, count(*) FROM doc_tags t JOIN doc_tags o"
                " ON o.doc_rowid = t.doc_rowid AND o.concept <> t.concept AND o.aboutness = '主题'"
                " WHERE t.concept = ? AND t.aboutness = '主题' GROUP BY o.concept",
                (name,),
            ).fetchall()
        return records.rank_related(name, sizes, [(str(o), int(n)) for o, n in shared], limit=limit)

    def tags_of(self, doc_id: str) -> list[DocumentTag]:
        with self._store.reading("read a document's tags"):
            rows = self._store.conn.execute(
                f"SELECT {_TAG_COLUMNS} FROM doc_tags t JOIN documents d ON d.rowid = t.doc_rowid"
                " WHERE d.id = ? ORDER BY t.aboutness = '提及', t.score DESC",
                (doc_id,),
            )
            return [records.tag_from_row(r) for r in rows]

    def _rowid(self, doc_id: str) -> int | None:
        row = self._store.conn.execute("SELECT rowid FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return int(row[0]) if row else None


def _rowids(conn: sqlite3.Connection, doc_ids: list[str]) -> dict[str, tuple[int, float]]:
    """Document id → (rowid, sort_ts) for the ids that are stored."""
    found: dict[str, tuple[int, float]] = {}
    for part in chunks(doc_ids):
        rows = conn.execute(
            f"SELECT id, rowid, round(coalesce(published_ts, {NO_TIME!r}), 6) FROM documents"
            f" WHERE id IN ({marks(len(part))})",
            part,
        )
        found.update((str(r[0]), (int(r[1]), float(r[2]))) for r in rows)
    return found
