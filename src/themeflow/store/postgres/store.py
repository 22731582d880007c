"""The PostgreSQL store: the team's shared database, the same records and the same answers as the
embedded SQLite store.

Why this shape:
- **The protocols, not the embedded store's internals.** ``store/base.py`` is the contract; the search plan
  over full-text passes and per-document columns is shared (``store/plan.py``), and only what touches the
  database lives here: documents and paragraphs, the tsvector index (``fulltext.py``), stories
  (``stories.py``), workflows, tags and vectors.
- **A batch is one transaction**, queued behind other writers (``db.py``): a crash or Ctrl-C loses at most
  the batch in flight, a re-run resumes (re-ingest is idempotent by id and content hash), and several
  ingest processes over overlapping inputs create no duplicate and lose nothing. The tokens of a batch are
  analyzed before its transaction begins, so writers hold the queue only for the writes.
- **Index in the same transaction.** The tsvector rows and story membership are written with the document,
  so search never sees a document the index disagrees about.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import dict_row

from themeflow.errors import NotFoundError, StoreError
from themeflow.model import Document, IngestReport, SearchPage, Story, Summary
from themeflow.serialize import summary_from_dict, summary_to_dict
from themeflow.store import document_rows
from themeflow.store.base import StoreStats, WriteOutcome
from themeflow.store.postgres import fulltext, migrations
from themeflow.store.postgres.db import Database
from themeflow.text.doctype import doc_type

if TYPE_CHECKING:
    from themeflow.dedup import Fingerprint
    from themeflow.search.request import SearchRequest
    from themeflow.store.postgres.tags import PostgresTagStore
    from themeflow.store.postgres.transfer import PostgresTransfer
    from themeflow.store.postgres.vectors import PostgresVectorStore
    from themeflow.store.postgres.workflows import PostgresWorkflowStore


class PostgresStore:
    """A :class:`~themeflow.store.base.Store` in one PostgreSQL database (``THEMEFLOW_DB=postgresql://…``)."""

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self.db = Database(url, read_only=read_only)
        self.location = self.db.shown
        self.read_only = read_only
        self._vectors: PostgresVectorStore | None = None
        self.search_states = threading.local()
        """Per thread: what searches derive from the store while it is unchanged (``search.py``)."""
        try:
            with self.db.pool.connection() as conn:
                todo = migrations.pending(conn, migrations.all_migrations())
                if todo and read_only:
                    raise StoreError(
                        f"{self.location} needs {len(todo)} schema upgrade(s) ({', '.join(todo[:3])}) but is"
                        " opened read-only here; open it once with write access to upgrade it"
                    )
                if todo:
                    conn.commit()
                    conn.autocommit = True  # each migration runs in its own transaction
                    try:
                        migrations.apply(conn, migrations.all_migrations())
                    finally:
                        conn.autocommit = False
        except psycopg.Error as exc:
            self.db.close()
            raise StoreError(f"could not prepare the PostgreSQL store {self.location}: {exc}") from exc
        except BaseException:
            self.db.close()
            raise
        if not read_only:
            self._check_analyzer()

    # -- parts -----------------------------------------------------------------------------------
    @property
    def transfer(self) -> PostgresTransfer:
        """Its side of a copy to or from another store (``themeflow migrate``)."""
        from themeflow.store.postgres.transfer import PostgresTransfer

        return PostgresTransfer(self)

    @property
    def workflows(self) -> PostgresWorkflowStore:
        """Saved themes, runs and run locks (:class:`~themeflow.store.base.WorkflowStore`)."""
        from themeflow.store.postgres.workflows import PostgresWorkflowStore

        return PostgresWorkflowStore(self.db)

    @property
    def tags(self) -> PostgresTagStore:
        """Concept tags (:class:`~themeflow.store.base.TagStore`)."""
        from themeflow.store.postgres.tags import PostgresTagStore

        return PostgresTagStore(self.db)

    @property
    def vectors(self) -> PostgresVectorStore:
        """Document vectors for semantic search, one per store (its in-memory copy is shared by threads)."""
        from themeflow.store.postgres.vectors import PostgresVectorStore  # numpy: not at start-up

        if self._vectors is None:
            self._vectors = PostgresVectorStore(self.db)
        return self._vectors

    def close(self) -> None:
        self.db.close()
        self._vectors = None

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- analyzer version ------------------------------------------------------------------------
    def _check_analyzer(self) -> None:
        """Rebuild the full-text index when the analyzer (dictionary, folding rules) changed."""
        with self.db.read("read the analyzer version") as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'analyzer_version'").fetchone()
        if row is not None and row[0] == fulltext.ANALYZER_VERSION:
            return
        with self.db.write("record the analyzer version") as conn:
            if row is not None:
                self._reindex(conn)
            conn.execute(
                "INSERT INTO meta(key, value) VALUES ('analyzer_version', %s)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (fulltext.ANALYZER_VERSION,),
            )

    def _reindex(self, conn: psycopg.Connection[Any]) -> int:
        conn.execute("DELETE FROM doc_index")
        n = 0
        for rowid, doc in self._iter_rows(conn, "SELECT * FROM documents ORDER BY rowid", ()):
            fulltext.index_document(conn, rowid, fulltext.index_row(fulltext.tokens_for(doc)))
            n += 1
        return n

    def optimize(self) -> None:
        """Refresh the planner's statistics after a large ingest (GIN pending lists are merged by VACUUM)."""
        with self.db.pool.connection() as conn:
            conn.autocommit = True
            try:
                conn.execute("VACUUM ANALYZE doc_index")
                conn.execute("ANALYZE documents")
            finally:
                conn.autocommit = False

    def reindex(self) -> int:
        """Rebuild the full-text index from the stored documents; returns the number indexed."""
        with self.db.write("rebuild the full-text index") as conn:
            return self._reindex(conn)

    # -- documents -------------------------------------------------------------------------------
    def upsert_documents(self, docs: Sequence[Document]) -> list[WriteOutcome]:
        now = time.time()
        fixed = [document_rows.with_true_hash(_without_nul(d)) for d in docs]
        with self.db.read("check stored documents") as conn:
            stored = dict(
                conn.execute(
                    "SELECT id, content_hash FROM documents WHERE id = ANY(%s)", ([d.id for d in fixed],)
                ).fetchall()
            )
        # Analysis, tsvectors and fingerprints before the write queue is joined (the writers' queue holds
        # only the writes); a document already stored with this text needs none of them.
        prepared = [_Prepared.of(d, full=stored.get(d.id) != d.content_hash) for d in fixed]
        # In input order, as the embedded store: rowids (the newest-first tie-break) follow arrival. Writers
        # queue on one row (db.py), so the order of the row locks taken here cannot deadlock.
        with self.db.write("write documents") as conn:
            return [self._upsert_one(conn, p, now) for p in prepared]

    def _upsert_one(self, conn: psycopg.Connection[Any], prep: _Prepared, now: float) -> WriteOutcome:
        doc = prep.doc
        cur = conn.cursor(row_factory=dict_row)
        row = cur.execute(
            "SELECT rowid, content_hash, source, time_origin FROM documents WHERE id = %s FOR UPDATE",
            (doc.id,),
        ).fetchone()
        values = document_rows.document_values(doc, prep.kind, now)
        if row is None:
            values["ingested_at"] = now
            cols = ", ".join(values)
            holes = ", ".join(f"%({k})s" for k in values)
            inserted = cur.execute(
                f"INSERT INTO documents({cols}) VALUES ({holes}) RETURNING rowid",
                values,
            ).fetchone()
            assert inserted is not None
            rowid = int(inserted["rowid"])
            self._write_paragraphs(conn, rowid, doc)
            fulltext.index_document(conn, rowid, prep.index())
            self._assign_story(conn, prep)
            return "new"
        rowid = int(row["rowid"])
        if row["content_hash"] == doc.content_hash:
            # Same text: keep it, but let better metadata (a real publish time, an outlet) fill gaps.
            if document_rows.metadata_improves(row, doc):
                conn.execute(
                    "UPDATE documents SET source = coalesce(%(source)s, source), published_at = %(published_at)s,"
                    " published_ts = %(published_ts)s, time_origin = %(time_origin)s, url = coalesce(%(url)s, url)"
                    " WHERE rowid = %(rowid)s",
                    {**values, "rowid": rowid},
                )
                self._assign_story(conn, prep)  # an earlier publish time may move the canonical
                return "updated"
            return "unchanged"
        sets = ", ".join(f"{k} = %({k})s" for k in values if k != "id")
        conn.execute(
            f"UPDATE documents SET {sets} WHERE rowid = %(rowid)s",
            {**values, "rowid": rowid},
        )
        conn.execute("DELETE FROM paragraphs WHERE doc_rowid = %s", (rowid,))
        self._write_paragraphs(conn, rowid, doc)
        fulltext.index_document(conn, rowid, prep.index())
        self._assign_story(conn, prep)
        return "updated"

    @staticmethod
    def _write_paragraphs(conn: psycopg.Connection[Any], rowid: int, doc: Document) -> None:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO paragraphs(doc_rowid, n, text) VALUES (%s, %s, %s)",
                [(rowid, i, p) for i, p in enumerate(doc.paragraphs, start=1)],
            )

    @staticmethod
    def _assign_story(conn: psycopg.Connection[Any], prep: _Prepared) -> None:
        from themeflow.store.postgres import stories  # fingerprints load numpy: not at start-up

        stories.assign_fingerprinted(conn, prep.doc.id, prep.fingerprint(), prep.doc.published_at)

    def _iter_rows(
        self,
        conn: psycopg.Connection[Any],
        sql: str,
        params: Sequence[Any],
        *,
        batch: int = 500,
        paragraphs: bool = True,
    ) -> Iterator[tuple[int, Document]]:
        """(rowid, document) for each row of ``sql``, read in batches so a large store is never held whole;
        without paragraphs when ``paragraphs`` is false."""
        cur = conn.cursor(row_factory=dict_row)
        rows = cur.execute(sql, params).fetchall()
        if not paragraphs:
            for r in rows:
                yield int(r["rowid"]), document_rows.document_from_row(r, ())
            return
        for start in range(0, len(rows), batch):
            part = rows[start : start + batch]
            by_rowid: dict[int, list[str]] = {int(r["rowid"]): [] for r in part}
            for doc_rowid, text in conn.execute(
                "SELECT doc_rowid, text FROM paragraphs WHERE doc_rowid = ANY(%s) ORDER BY doc_rowid, n",
                (list(by_rowid),),
            ):
                by_rowid[int(doc_rowid)].append(text)
            for r in part:
                yield int(r["rowid"]), document_rows.document_from_row(r, tuple(by_rowid[int(r["rowid"])]))

    def get_document(self, doc_id: str) -> Document:
        with self.db.read("read a document") as conn:
            for _, doc in self._iter_rows(conn, "SELECT * FROM documents WHERE id = %s", (doc_id,)):
                return doc
        raise NotFoundError(f"no document with id {doc_id!r}; `themeflow search` lists ids")

    def get_documents(self, doc_ids: Sequence[str], *, paragraphs: bool = True) -> dict[str, Document]:
        if not doc_ids:
            return {}
        with self.db.read("read documents") as conn:
            return {
                doc.id: doc
                for _, doc in self._iter_rows(
                    conn,
                    "SELECT * FROM documents WHERE id = ANY(%s)",
                    (list(doc_ids),),
                    paragraphs=paragraphs,
                )
            }

    def document_ids_written_between(self, after: float | None, until: float) -> list[str]:
        """Ids of documents written (new or changed) in ``(after, until]``, epoch seconds; for incremental runs."""
        with self.db.read("list documents") as conn:
            rows = conn.execute(
                "SELECT id FROM documents WHERE updated_at > %s AND updated_at <= %s ORDER BY rowid",
                (after if after is not None else -1.0, until),
            ).fetchall()
        return [r[0] for r in rows]

    def write_fingerprint(self) -> tuple[object, ...]:
        """A cheap value that changes whenever a document is written (result caches compare it)."""
        with self.db.read("read the write fingerprint") as conn:
            row = conn.execute(
                "SELECT (SELECT max(rowid) FROM documents), (SELECT max(updated_at) FROM documents)"
            ).fetchone()
        return tuple(row) if row else (None, None)

    def iter_documents(self, *, ingested_after: datetime | None = None) -> Iterator[Document]:
        with self.db.read("read documents") as conn:
            if ingested_after is None:
                rows = self._iter_rows(conn, "SELECT * FROM documents ORDER BY rowid", ())
            else:
                rows = self._iter_rows(
                    conn,
                    "SELECT * FROM documents WHERE updated_at > %s ORDER BY rowid",
                    (ingested_after.timestamp(),),
                )
            for _, doc in rows:
                yield doc

    def count_documents(self) -> int:
        with self.db.read("count documents") as conn:
            row = conn.execute("SELECT count(*) FROM documents").fetchone()
        return int(row[0]) if row else 0

    def stats(self) -> StoreStats:
        with self.db.read("read statistics") as c:
            counts: dict[str, Any] = {}
            for key, table in document_rows.COUNTS.items():
                counts[key] = _scalar(c, f"SELECT count(*) FROM {table}")
            counts["multi_copy_stories"] = _scalar(c, "SELECT count(*) FROM stories WHERE size > 1")
            return document_rows.store_stats(
                counts,
                c.execute(
                    "SELECT source, count(*) FROM documents GROUP BY source ORDER BY count(*) DESC, source"
                ),
                c.execute("SELECT min(published_ts), max(published_ts) FROM documents").fetchone(),
                c.execute(
                    "SELECT coalesce(sum((payload->>'prompt_tokens')::bigint), 0),"
                    " coalesce(sum((payload->>'completion_tokens')::bigint), 0) FROM summaries"
                    " WHERE summarizer LIKE 'llm@%%'"
                ).fetchone(),
                [r[0] for r in c.execute("SELECT name FROM schema_migrations ORDER BY applied_at, name")],
                self.location,
            )

    # -- search ----------------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchPage:
        from themeflow.store.postgres import search  # numpy loads with the first search, not at start-up

        return search.run(self, request)

    # -- ingest log ------------------------------------------------------------------------------
    def record_ingest(self, source: str, report: IngestReport, started_at: datetime) -> None:
        with self.db.write("record an ingest") as conn:
            conn.execute(
                "INSERT INTO ingest_log(started_at, finished_at, source, read, new, updated, unchanged, failed,"
                " errors) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                document_rows.ingest_log_row(source, report, started_at),
            )

    # -- summaries -------------------------------------------------------------------------------
    def get_summary(self, content_hash: str, summarizer: str) -> Summary | None:
        with self.db.read("read a summary") as conn:
            row = conn.execute(
                "SELECT payload FROM summaries WHERE content_hash = %s AND summarizer = %s",
                (content_hash, summarizer),
            ).fetchone()
        return summary_from_dict(row[0]) if row else None

    def put_summary(self, summary: Summary) -> None:
        if self.read_only:  # a cache: a read-only store computes summaries without keeping them
            return
        payload = json.dumps(summary_to_dict(summary), ensure_ascii=False)
        with self.db.write("keep a summary") as conn:
            conn.execute(
                "INSERT INTO summaries(content_hash, summarizer, doc_id, payload, created_at)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (content_hash, summarizer) DO UPDATE SET"
                " payload = excluded.payload, doc_id = excluded.doc_id, created_at = excluded.created_at",
                (summary.content_hash, summary.summarizer, summary.doc_id, payload, time.time()),
            )

    # -- stories ---------------------------------------------------------------------------------
    def story_of(self, doc_id: str) -> Story | None:
        from themeflow.store.postgres import stories

        with self.db.read("read a story") as conn:
            return stories.story_of(conn, doc_id)

    def stories_for(self, doc_ids: Sequence[str]) -> dict[str, Story]:
        from themeflow.store.postgres import stories

        if not doc_ids:
            return {}
        with self.db.read("read stories") as conn:
            return stories.stories_for(conn, list(doc_ids))

    def list_stories(
        self, *, since: datetime | None = None, min_size: int = 2, limit: int = 100
    ) -> list[Story]:
        from themeflow.store.postgres import stories

        with self.db.read("list stories") as conn:
            return stories.list_stories(conn, since=since, min_size=min_size, limit=limit)


@dataclass
class _Prepared:
    """A document ready to write: its kind, and (when its text is new to the store) its index row and
    fingerprint, made before the write transaction; made on demand if a concurrent writer changed the text."""

    doc: Document
    kind: str
    row: fulltext.IndexRow | None = None
    fp: Fingerprint | None = None

    @classmethod
    def of(cls, doc: Document, *, full: bool) -> _Prepared:
        prep = cls(doc, doc_type(doc))
        if full:
            prep.index()
            prep.fingerprint()
        return prep

    def index(self) -> fulltext.IndexRow:
        if self.row is None:
            self.row = fulltext.index_row(fulltext.tokens_for(self.doc))
        return self.row

    def fingerprint(self) -> Fingerprint:
        if self.fp is None:
            from themeflow.store.story_rules import fingerprint_document  # numpy: not at start-up

            self.fp = fingerprint_document(self.doc, self.kind)
        return self.fp


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_clean(v) for v in value)
    return value


def _without_nul(doc: Document) -> Document:
    """``doc`` without NUL characters, which PostgreSQL text and JSONB cannot hold (SQLite can): ingest
    strips them from titles and paragraphs, but an outlet, a URL or a field kept in ``meta`` may carry one
    (``"author": "张\u0000三"``), and one such value would fail its whole batch."""
    fields = (doc.title, doc.source, doc.url, doc.origin, *doc.paragraphs)
    if not any(f and "\x00" in f for f in fields) and "\\u0000" not in json.dumps(dict(doc.meta)):
        return doc
    return replace(
        doc,
        title=_clean(doc.title),
        paragraphs=tuple(_clean(p) for p in doc.paragraphs),
        source=_clean(doc.source),
        url=_clean(doc.url),
        origin=_clean(doc.origin),
        meta=_clean(dict(doc.meta)),
    )


def _scalar(conn: psycopg.Connection[Any], sql: str) -> Any:
    row = conn.execute(sql).fetchone()
    return row[0] if row else 0
