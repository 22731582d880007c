"""The embedded SQLite store: one file, WAL, FTS5, named migrations.

Why this shape:
- **One writer, many readers.** WAL lets the web app and CLI read while an ingest writes; every write goes
  through ``BEGIN IMMEDIATE`` so two writers queue instead of failing half-way.
- **Batches commit as they go.** An ingest commits every batch, so a crash or Ctrl-C loses at most the
  batch in flight and a re-run resumes (re-ingest is idempotent by document id and content hash). A bulk
  ingest (:meth:`SQLiteStore.bulk_writing`) syncs the log to disk less often: a power cut or an OS crash,
  unlike a killed process, can undo the batches since the last sync, which the same re-run writes again.
- **Index in the same transaction.** The FTS rows and story membership are written with the document, so
  search never sees a document the index disagrees about.
- **Connections per thread.** sqlite3 connections are not shared across threads (the web server runs
  handlers in a thread pool).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from themeflow.errors import NotFoundError, StoreError
from themeflow.model import Document, IngestReport, SearchPage, Story, Summary
from themeflow.serialize import summary_from_dict, summary_to_dict
from themeflow.store import document_rows
from themeflow.store.base import StoreStats, WriteOutcome
from themeflow.store.sqlite import fts, migrations
from themeflow.store.sqlite.docmeta import CONTENT_VERSION
from themeflow.store.sqlite.fingerprint_cache import StoreConnection
from themeflow.store.sqlite.params import chunks, marks
from themeflow.store.sqlite.tags import SQLiteTagStore
from themeflow.store.sqlite.workflows import SQLiteWorkflowStore
from themeflow.text.doctype import doc_type

if TYPE_CHECKING:
    from themeflow.search.request import SearchRequest
    from themeflow.store.sqlite.prepare import PreparedDocument
    from themeflow.store.sqlite.transfer import SQLiteTransfer
    from themeflow.store.sqlite.vectors import SQLiteVectorStore

_BUMP_CONTENT_VERSION = f"UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = '{CONTENT_VERSION}'"
"""Run before committing a transaction that may change what search reads (``docmeta.py``)."""

BUSY_TIMEOUT_MS = 30_000
BULK_CACHE_KIB = 65_536
"""The writer's page cache during a bulk ingest (:meth:`SQLiteStore.bulk_writing`), in KiB: 64 MiB."""
BULK_CHECKPOINT_PAGES = 20_000
"""Pages of write-ahead log (about 80 MB) between two copies back into the database during a bulk ingest."""


def _cannot_write(path: Path) -> bool:
    """An existing database this process cannot write: the file, or its folder (for the WAL files)."""
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


class SQLiteStore:
    """A :class:`~themeflow.store.base.Store` in one SQLite file (``:memory:`` is not supported: readers
    on other threads would see a different database)."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path).expanduser()
        self.location = str(self.path)
        self.read_only = read_only
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._generation = 0
        self._vectors: SQLiteVectorStore | None = None
        if not read_only and _cannot_write(self.path):
            # Only ever read: a read-write open would fail on its first WAL or migration write.
            self.read_only = read_only = True
        if read_only:
            if not self.path.exists():
                raise StoreError(f"database {self.path} does not exist; ingest something first")
            with self._translate("open the database"):
                self._check_schema()
        else:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder for {self.path}: {exc}") from exc
            with self._translate("open the database"):
                migrations.apply(self.conn, migrations.all_migrations())
                self._check_analyzer()

    @property
    def transfer(self) -> SQLiteTransfer:
        """Its side of a copy to or from another store (``themeflow migrate``)."""
        from themeflow.store.sqlite.transfer import SQLiteTransfer

        return SQLiteTransfer(self)

    @property
    def workflows(self) -> SQLiteWorkflowStore:
        """Saved themes, runs and run locks (:class:`~themeflow.store.base.WorkflowStore`)."""
        return SQLiteWorkflowStore(self)

    @property
    def tags(self) -> SQLiteTagStore:
        """Concept tags (:class:`~themeflow.store.base.TagStore`)."""
        return SQLiteTagStore(self)

    @property
    def vectors(self) -> SQLiteVectorStore:
        """Document vectors for semantic search (:class:`~themeflow.store.base.VectorStore`); one per store,
        so its in-memory copy of the vectors is shared by every thread."""
        from themeflow.store.sqlite.vectors import SQLiteVectorStore  # numpy: not at start-up

        with self._connections_lock:
            if self._vectors is None:
                self._vectors = SQLiteVectorStore(self)
            return self._vectors

    # -- connections -----------------------------------------------------------------------------
    @property
    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._connections_lock:
                self._connections.append(conn)
        return conn

    def _connect(self) -> sqlite3.Connection:
        try:
            if self.read_only:
                conn = self._connect_read_only()
            else:
                conn = sqlite3.connect(
                    self.path, isolation_level=None, check_same_thread=False, factory=StoreConnection
                )
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not self.read_only:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            return conn
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc

    def _connect_read_only(self) -> sqlite3.Connection:
        """``mode=ro``, which never writes. A WAL database whose ``-shm`` file is gone (its last writer
        closed cleanly) cannot be opened that way in a folder we cannot write, since SQLite would have to
        create the ``-shm``; with no ``-wal`` file there is no writer either, so it is read as immutable."""
        uri = f"file:{quote(str(self.path))}?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            conn.close()
            if Path(f"{self.path}-wal").exists() or not _cannot_write(self.path):
                raise
        return sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None, check_same_thread=False)

    def _check_schema(self) -> None:
        """A read-only store cannot migrate: say so clearly instead of failing later on a missing column."""
        names = [name for name, _ in migrations.all_migrations()]
        try:
            done = {r[0] for r in self.conn.execute("SELECT name FROM schema_migrations")}
        except sqlite3.OperationalError:
            done = set()
        missing = [n for n in names if n not in done]
        if missing:
            raise StoreError(
                f"database {self.path} needs {len(missing)} schema upgrade(s) ({', '.join(missing[:3])}) but can"
                " only be read here; open it once with write access (any command, e.g. `themeflow stats`,"
                " as a user who can write the file and its folder) to upgrade it"
            )

    def reading(self, what: str) -> AbstractContextManager[None]:
        """A read by one of the store's parts (tags, vectors): a driver error becomes a StoreError that
        names the file and what was being read."""
        return self._translate(what)

    @contextmanager
    def _translate(self, what: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(f"could not {what} in {self.path}: {exc}") from exc

    @contextmanager
    def transaction(self, *, documents: bool = True) -> Iterator[sqlite3.Connection]:
        """A write transaction (``BEGIN IMMEDIATE``): committed on success, rolled back on any error.

        ``documents=False``: the transaction writes none of what search reads (documents, their index,
        stories), only a side table such as the concept tags, so it leaves :attr:`write_generation`, the
        database's content version and the search caches keyed on them alone, in this process and in others
        (``docmeta.py``). A concept refresh writes one transaction per concept; each used to
        drop the outlet/time columns and the 提及 texts the next concept's searches needed again (a fifth of
        a full refresh at 18k documents went to reloading them)."""
        if self.read_only:
            raise StoreError(
                f"{self.path} is open read-only (--read-only, or the file or its folder cannot be written);"
                " nothing can be changed"
            )
        with self._write_lock, self._translate("write"):
            conn = self.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                if isinstance(conn, StoreConnection):
                    conn.fingerprints.clear()  # rows read in the transaction may be gone (fingerprint_cache.py)
                raise
            else:
                if documents:  # other connections' search caches key on it (docmeta.py)
                    conn.execute(_BUMP_CONTENT_VERSION)
                conn.execute("COMMIT")
                if documents:
                    self._generation += 1

    @property
    def write_generation(self) -> int:
        """Bumped by every commit through this store that may change documents (search caches compare it;
        see ``docmeta.py``)."""
        return self._generation

    @property
    def search_cache(self) -> dict[str, Any]:
        """Scratch space for the search backend, per thread like the connection (dropped with it on close)."""
        cache: dict[str, Any] | None = getattr(self._local, "search_cache", None)
        if cache is None:
            cache = self._local.search_cache = {}
        return cache

    def close(self) -> None:
        with self._connections_lock:
            for conn in self._connections:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._connections.clear()
        self._local = threading.local()
        self._vectors = None

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- analyzer version ------------------------------------------------------------------------
    def _check_analyzer(self) -> None:
        """Rebuild the full-text index when the analyzer (dictionary, folding rules) changed."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'analyzer_version'").fetchone()
        if row is not None and row["value"] == fts.ANALYZER_VERSION:
            return
        with self.transaction() as conn:
            if row is not None:
                self._reindex(conn)
            conn.execute(
                "INSERT INTO meta(key, value) VALUES ('analyzer_version', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (fts.ANALYZER_VERSION,),
            )

    def _reindex(self, conn: sqlite3.Connection) -> None:
        fts.clear(conn)
        for rowid, doc in self._iter_rows(conn, "SELECT * FROM documents ORDER BY rowid", ()):
            fts.index_document(conn, rowid, doc)

    @contextmanager
    def bulk_writing(self) -> Iterator[None]:
        """Many batches in a row from this thread (``cluster/writers.PreparingWriter``): a page cache of
        :data:`BULK_CACHE_KIB` instead of SQLite's 2 MB, and the write-ahead log copied back into the
        database every :data:`BULK_CHECKPOINT_PAGES` pages instead of 1,000. Why: a batch updates index and
        key pages all over a file of hundreds of MB (twenty random band keys a document, the full-text
        segments), which a 2 MB cache read back from disk batch after batch, and each copy-back rewrote
        pages the next batches changed again; on the shared corpus the two made ingest 1.12× faster
        (604 against 540 docs/s). The full-text index merges its segments sixteen at a time instead of four
        (``fts.BULK_AUTOMERGE``): each commit flushes a segment, and merging them four by four rewrote every
        posting about twice more than sixteen by sixteen does before the final ``optimize``. All three are
        put back on leaving, and the log is copied back then."""
        if self.read_only:
            yield  # nothing will be written (a write raises as it would anyway)
            return
        conn = self.conn
        cache = conn.execute("PRAGMA cache_size").fetchone()[0]
        checkpoint = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
        conn.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
        conn.execute(f"PRAGMA wal_autocheckpoint = {BULK_CHECKPOINT_PAGES}")
        try:
            with self.transaction(documents=False) as c:  # inside: if the index is locked, the rest goes back
                fts.set_automerge(c, fts.BULK_AUTOMERGE)
            yield
        finally:
            with contextlib.suppress(StoreError), self.transaction(documents=False) as c:
                fts.set_automerge(c, fts.AUTOMERGE)
            conn.execute(f"PRAGMA cache_size = {int(cache)}")
            conn.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint)}")
            with contextlib.suppress(sqlite3.Error):  # a reader holds the log: the next commit copies it back
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def optimize(self) -> None:
        """Merge the full-text index into one segment: after a large ingest, queries get ~20% faster."""
        with self.transaction() as conn:
            fts.optimize(conn)

    def reindex(self) -> int:
        """Rebuild the full-text index from the stored documents; returns the number indexed."""
        with self.transaction() as conn:
            self._reindex(conn)
            return int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])

    # -- documents -------------------------------------------------------------------------------
    def upsert_documents(self, docs: Sequence[Document | PreparedDocument]) -> list[WriteOutcome]:
        """Write ``docs`` in one transaction. A :class:`~themeflow.store.sqlite.prepare.PreparedDocument`
        brings its analysis and fingerprint computed ahead (in a worker process); a plain document gets
        them computed here. Either way the rows written are the same."""
        outcomes: list[WriteOutcome] = []
        now = time.time()
        with self.transaction() as conn:
            for item in docs:
                if isinstance(item, Document):
                    outcomes.append(self._upsert_one(conn, item, now))
                else:
                    outcomes.append(self._upsert_one(conn, item.doc, now, item))
        return outcomes

    @property
    def preparer(self) -> Callable[[Sequence[Document]], list[PreparedDocument]]:
        """What a bulk writer runs in worker processes before :meth:`upsert_documents` (``prepare.py``)."""
        from themeflow.store.sqlite.prepare import prepare_batch

        return prepare_batch

    def stored_hashes(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """The content hash stored for each of ``doc_ids`` that is stored: a bulk writer prepares only the
        documents whose text is new or changed."""
        out: dict[str, str] = {}
        with self.reading("reading content hashes"):
            for part in chunks(list(doc_ids)):
                for doc_id, content_hash in self.conn.execute(
                    f"SELECT id, content_hash FROM documents WHERE id IN ({marks(len(part))})", part
                ):
                    out[str(doc_id)] = str(content_hash)
        return out

    def _upsert_one(
        self, conn: sqlite3.Connection, doc: Document, now: float, ready: PreparedDocument | None = None
    ) -> WriteOutcome:
        doc = ready.doc if ready is not None else document_rows.with_true_hash(doc)
        row = conn.execute(
            "SELECT rowid, content_hash, source, time_origin FROM documents WHERE id = ?", (doc.id,)
        ).fetchone()
        values = document_rows.document_values(doc, ready.kind if ready is not None else doc_type(doc), now)
        if row is None:
            values["ingested_at"] = now
            cols = ", ".join(values)
            qmarks = ", ".join(f":{k}" for k in values)
            cur = conn.execute(f"INSERT INTO documents({cols}) VALUES ({qmarks})", values)
            rowid = int(cur.lastrowid or 0)
            self._write_paragraphs(conn, rowid, doc)
            self._index(conn, rowid, doc, ready)
            self._assign_story(conn, doc, values["kind"], ready)
            return "new"
        rowid = int(row["rowid"])
        if row["content_hash"] == doc.content_hash:
            # Same text: keep it, but let better metadata (a real publish time, an outlet) fill gaps.
            if document_rows.metadata_improves(row, doc):
                conn.execute(
                    "UPDATE documents SET source = coalesce(:source, source), published_at = :published_at, "
                    "published_ts = :published_ts, time_origin = :time_origin, url = coalesce(:url, url) "
                    "WHERE rowid = :rowid",
                    {**values, "rowid": rowid},
                )
                self._assign_story(
                    conn, doc, values["kind"]
                )  # an earlier publish time may move the canonical
                return "updated"
            return "unchanged"
        stale = False
        try:  # read before the text is overwritten: the index's copy needs it (store/sqlite/fts.py)
            indexed = fts.indexed_values(conn, rowid, lambda: self._stored_text(conn, rowid))
        except fts.StaleIndexCopy:
            indexed, stale = None, True
        sets = ", ".join(f"{k} = :{k}" for k in values if k != "id")
        conn.execute(f"UPDATE documents SET {sets} WHERE rowid = :rowid", {**values, "rowid": rowid})
        conn.execute("DELETE FROM paragraphs WHERE doc_rowid = ?", (rowid,))
        self._write_paragraphs(conn, rowid, doc)
        if stale:  # never delete with values the index may not hold: rebuild it, this text included
            self._reindex(conn)
        elif indexed is not None:
            fts.remove_values(conn, rowid, indexed)
            self._index(conn, rowid, doc, ready)
        else:
            self._index(conn, rowid, doc, ready)
        self._assign_story(conn, doc, values["kind"], ready)
        return "updated"

    @staticmethod
    def _stored_text(conn: sqlite3.Connection, rowid: int) -> tuple[str, str]:
        """A document's title and paragraphs (joined as ``Document.text``) as stored."""
        title = conn.execute("SELECT title FROM documents WHERE rowid = ?", (rowid,)).fetchone()[0]
        paras = conn.execute("SELECT text FROM paragraphs WHERE doc_rowid = ? ORDER BY n", (rowid,))
        return str(title or ""), "\n".join(str(p) for (p,) in paras)

    @staticmethod
    def _index(conn: sqlite3.Connection, rowid: int, doc: Document, ready: PreparedDocument | None) -> None:
        """The document's FTS row (it has none), from its prepared columns when it has them."""
        if ready is None:
            fts.insert_tokens(conn, rowid, fts.tokens_for(doc))
        else:
            fts.insert_tokens(conn, rowid, ready.tokens, ready.tokens_blob)

    @staticmethod
    def _write_paragraphs(conn: sqlite3.Connection, rowid: int, doc: Document) -> None:
        conn.executemany(
            "INSERT INTO paragraphs(doc_rowid, n, text) VALUES (?, ?, ?)",
            [(rowid, i, p) for i, p in enumerate(doc.paragraphs, start=1)],
        )

    def _assign_story(
        self, conn: sqlite3.Connection, doc: Document, kind: object, ready: PreparedDocument | None = None
    ) -> None:
        from themeflow.store.sqlite import stories  # fingerprints load numpy: not at start-up

        if ready is None:
            stories.assign_story(conn, doc, str(kind) if kind else None)
        else:
            stories.assign_fingerprinted(conn, doc.id, ready.fingerprint, doc.published_at)

    def _row_to_document(self, conn: sqlite3.Connection, row: sqlite3.Row) -> Document:
        rows = conn.execute("SELECT text FROM paragraphs WHERE doc_rowid = ? ORDER BY n", (row["rowid"],))
        return document_rows.document_from_row(row, tuple(r[0] for r in rows.fetchall()))

    def _iter_rows(
        self, conn: sqlite3.Connection, sql: str, params: Sequence[Any], *, paragraphs: bool = True
    ) -> Iterator[tuple[int, Document]]:
        rows = conn.execute(sql, params).fetchall()
        if not paragraphs:
            yield from ((int(r["rowid"]), document_rows.document_from_row(r, ())) for r in rows)
            return
        plain = conn.cursor()
        plain.row_factory = None  # paragraph rows as tuples: a page of hits reads thousands of them
        for chunk in chunks(rows):
            by_rowid: dict[int, list[str]] = {int(r["rowid"]): [] for r in chunk}
            qmarks = marks(len(by_rowid))
            for doc_rowid, text in plain.execute(
                f"SELECT doc_rowid, text FROM paragraphs WHERE doc_rowid IN ({qmarks}) ORDER BY doc_rowid, n",
                list(by_rowid),
            ):
                by_rowid[doc_rowid].append(text)
            for r in chunk:
                yield int(r["rowid"]), document_rows.document_from_row(r, tuple(by_rowid[int(r["rowid"])]))

    def get_document(self, doc_id: str) -> Document:
        with self._translate("read a document"):
            row = self.conn.execute("SELECT rowid, * FROM documents WHERE id = ?", (doc_id,)).fetchone()
            if row is None:
                raise NotFoundError(f"no document with id {doc_id!r}; `themeflow search` lists ids")
            return self._row_to_document(self.conn, row)

    def get_documents(self, doc_ids: Sequence[str], *, paragraphs: bool = True) -> dict[str, Document]:
        if not doc_ids:
            return {}
        out: dict[str, Document] = {}
        with self._translate("read documents"):
            for chunk in chunks(doc_ids):
                sql = f"SELECT rowid, * FROM documents WHERE id IN ({marks(len(chunk))})"
                for _, doc in self._iter_rows(self.conn, sql, chunk, paragraphs=paragraphs):
                    out[doc.id] = doc
        return out

    def document_ids_written_between(self, after: float | None, until: float) -> list[str]:
        """Ids of documents written (new or changed) in ``(after, until]``, epoch seconds; for incremental runs."""
        with self._translate("list documents"):
            rows = self.conn.execute(
                "SELECT id FROM documents WHERE updated_at > ? AND updated_at <= ? ORDER BY rowid",
                (after if after is not None else -1.0, until),
            ).fetchall()
        return [r[0] for r in rows]

    def write_fingerprint(self) -> tuple[object, ...]:
        """A cheap value that changes whenever a document is written (result caches compare it)."""
        with self._translate("read the write fingerprint"):
            row = self.conn.execute(
                "SELECT (SELECT max(rowid) FROM documents), (SELECT max(updated_at) FROM documents)"
            ).fetchone()
        return tuple(row)

    def iter_documents(self, *, ingested_after: datetime | None = None) -> Iterator[Document]:
        with self._translate("read documents"):
            if ingested_after is None:
                rows = self._iter_rows(self.conn, "SELECT rowid, * FROM documents ORDER BY rowid", ())
            else:
                rows = self._iter_rows(
                    self.conn,
                    "SELECT rowid, * FROM documents WHERE updated_at > ? ORDER BY rowid",
                    (ingested_after.timestamp(),),
                )
            for _, doc in rows:
                yield doc

    def count_documents(self) -> int:
        with self._translate("count documents"):
            return int(self.conn.execute("SELECT count(*) FROM documents").fetchone()[0])

    def stats(self) -> StoreStats:
        with self._translate("read statistics"):
            c = self.conn
            counts: dict[str, Any] = {
                key: c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for key, table in document_rows.COUNTS.items()
            }
            counts["multi_copy_stories"] = c.execute(
                "SELECT count(*) FROM stories WHERE size > 1"
            ).fetchone()[0]
            return document_rows.store_stats(
                counts,
                c.execute("SELECT source, count(*) FROM documents GROUP BY source ORDER BY count(*) DESC"),
                c.execute("SELECT min(published_ts), max(published_ts) FROM documents").fetchone(),
                c.execute(
                    "SELECT coalesce(sum(json_extract(payload, '$.prompt_tokens')), 0),"
                    " coalesce(sum(json_extract(payload, '$.completion_tokens')), 0) FROM summaries"
                    " WHERE summarizer LIKE 'llm@%'"
                ).fetchone(),
                [r[0] for r in c.execute("SELECT name FROM schema_migrations ORDER BY applied_at, name")],
                self.location,
            )

    # -- search ----------------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchPage:
        from themeflow.store.sqlite import search  # numpy loads with the first search, not at start-up

        with self._translate("search"):
            return search.run(self, request)

    # -- ingest log ------------------------------------------------------------------------------
    def record_ingest(self, source: str, report: IngestReport, started_at: datetime) -> None:
        with self.transaction(documents=False) as conn:  # the log is not what search reads
            conn.execute(
                "INSERT INTO ingest_log(started_at, finished_at, source, read, new, updated, unchanged, failed, errors)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                document_rows.ingest_log_row(source, report, started_at),
            )

    # -- summaries -------------------------------------------------------------------------------
    def get_summary(self, content_hash: str, summarizer: str) -> Summary | None:
        with self._translate("read a summary"):
            row = self.conn.execute(
                "SELECT payload FROM summaries WHERE content_hash = ? AND summarizer = ?",
                (content_hash, summarizer),
            ).fetchone()
        return summary_from_dict(json.loads(row[0])) if row else None

    def put_summary(self, summary: Summary) -> None:
        if self.read_only:  # a cache: a read-only store computes summaries without keeping them
            return
        payload = json.dumps(summary_to_dict(summary), ensure_ascii=False)
        with self.transaction(documents=False) as conn:  # a summary viewed keeps every search cache
            conn.execute(
                "INSERT INTO summaries(content_hash, summarizer, doc_id, payload, created_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(content_hash, summarizer) DO UPDATE SET payload = excluded.payload,"
                " doc_id = excluded.doc_id, created_at = excluded.created_at",
                (summary.content_hash, summary.summarizer, summary.doc_id, payload, time.time()),
            )

    # -- stories ---------------------------------------------------------------------------------
    def story_of(self, doc_id: str) -> Story | None:
        from themeflow.store.sqlite import stories  # fingerprints load numpy: not at start-up

        with self._translate("read a story"):
            return stories.story_of(self.conn, doc_id)

    def stories_for(self, doc_ids: Sequence[str]) -> dict[str, Story]:
        from themeflow.store.sqlite import stories  # fingerprints load numpy: not at start-up

        if not doc_ids:
            return {}
        with self._translate("read stories"):
            return stories.stories_for(self.conn, list(doc_ids))

    def list_stories(
        self, *, since: datetime | None = None, min_size: int = 2, limit: int = 100
    ) -> list[Story]:
        from themeflow.store.sqlite import stories  # fingerprints load numpy: not at start-up

        with self._translate("list stories"):
            return stories.list_stories(self.conn, since=since, min_size=min_size, limit=limit)
