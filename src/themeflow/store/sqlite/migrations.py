"""Named, append-only schema migrations for the SQLite store.

Each module that owns tables (core here, the full-text index in ``fts.py``, stories in
``stories.py``, workflows) contributes a list of ``(name, step)`` pairs, where a step is a SQL
script or, for a data migration SQL cannot express (rewriting outlet names through the outlet table), a
function of the connection. Names are recorded in ``schema_migrations``; an applied migration is never
edited, only followed by a new one.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable

Step = str | Callable[[sqlite3.Connection], None]

CORE: list[tuple[str, Step]] = [
    (
        "core_0001_documents",
        """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE IF NOT EXISTS documents (
            rowid INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            source TEXT,
            published_at TEXT,
            published_ts REAL,
            time_origin TEXT NOT NULL DEFAULT 'unknown',
            url TEXT,
            lang TEXT NOT NULL DEFAULT 'zh',
            fetched_at TEXT,
            origin TEXT,
            meta TEXT,
            content_hash TEXT NOT NULL,
            paragraph_count INTEGER NOT NULL,
            char_count INTEGER NOT NULL,
            ingested_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX IF NOT EXISTS documents_published ON documents(published_ts);
        CREATE INDEX IF NOT EXISTS documents_source ON documents(source);
        CREATE INDEX IF NOT EXISTS documents_updated ON documents(updated_at);
        CREATE INDEX IF NOT EXISTS documents_hash ON documents(content_hash);
        CREATE TABLE IF NOT EXISTS paragraphs (
            doc_rowid INTEGER NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
            n INTEGER NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (doc_rowid, n)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS ingest_log (
            id INTEGER PRIMARY KEY,
            started_at REAL NOT NULL,
            finished_at REAL NOT NULL,
            source TEXT NOT NULL,
            read INTEGER NOT NULL,
            new INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            unchanged INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            errors TEXT NOT NULL
        );
        """,
    ),
    (
        "core_0002_summaries",
        """
        CREATE TABLE IF NOT EXISTS summaries (
            content_hash TEXT NOT NULL,
            summarizer TEXT NOT NULL,
            doc_id TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (content_hash, summarizer)
        );
        CREATE INDEX IF NOT EXISTS summaries_doc ON summaries(doc_id);
        """,
    ),
]


def normalize_stored_outlets(conn: sqlite3.Connection) -> None:
    """Rewrite every stored outlet name to its canonical form (``data/outlets.toml``); a name the table
    refuses as a headline fragment becomes NULL. The name as it was is kept in ``meta["source_given"]``,
    as ingest does for new documents. Touches only rows whose name changes (one UPDATE per distinct name)."""
    from themeflow.text.outlets import canonical_outlet

    names = [r[0] for r in conn.execute("SELECT DISTINCT source FROM documents WHERE source IS NOT NULL")]
    for name in names:
        canonical = canonical_outlet(name)
        if canonical == name:
            continue
        rows = conn.execute("SELECT rowid, meta FROM documents WHERE source = ?", (name,)).fetchall()
        for rowid, meta in rows:
            data = json.loads(meta) if meta else {}
            data.setdefault("source_given", name)
            conn.execute(
                "UPDATE documents SET source = ?, meta = ? WHERE rowid = ?",
                (canonical, json.dumps(data, ensure_ascii=False), rowid),
            )


CORE.append(("core_0003_canonical_outlets", normalize_stored_outlets))
"""Outlet names stored before the outlet table existed (东方财富 / 东方财富网, 央视 / 央视网 …). After a change
to the table that remaps stored names, append another step calling :func:`normalize_stored_outlets`."""


def classify_stored_documents(conn: sqlite3.Connection) -> None:
    """Add ``documents.kind`` (article, flash, roundup, liveblog, research, table: ``text.doctype``) and fill
    it for the documents already stored, in batches so a large store never holds every text at once.
    New documents get their kind at ingest; a change to the classifier appends another step calling this."""
    from themeflow.text.doctype import doc_type_of

    columns = {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
    if "kind" not in columns:
        conn.execute("ALTER TABLE documents ADD COLUMN kind TEXT")
    last = 0
    while True:
        batch = conn.execute(
            "SELECT rowid, title FROM documents WHERE rowid > ? ORDER BY rowid LIMIT 2000", (last,)
        ).fetchall()
        if not batch:
            return
        first, last = batch[0][0], batch[-1][0]
        paragraphs: dict[int, list[str]] = {}
        for rowid, text in conn.execute(
            "SELECT doc_rowid, text FROM paragraphs WHERE doc_rowid BETWEEN ? AND ? ORDER BY doc_rowid, n",
            (first, last),
        ):
            paragraphs.setdefault(rowid, []).append(text)
        conn.executemany(
            "UPDATE documents SET kind = ? WHERE rowid = ?",
            [(doc_type_of(title, paragraphs.get(rowid, [])), rowid) for rowid, title in batch],
        )


CORE.append(("core_0004_document_kind", classify_stored_documents))
CORE.append(
    (
        "core_0005_content_version",
        # bumped by every commit that may change what search reads; search caches are keyed on it (docmeta.py)
        "INSERT OR IGNORE INTO meta(key, value) VALUES ('content_version', '0');",
    )
)


def all_migrations() -> list[tuple[str, Step]]:
    """Every migration in the order it must run: core, index, stories, workflows, vectors, tags."""
    from themeflow.store.sqlite import fts, stories, tags, vectors, workflows

    return [
        *CORE,
        *fts.MIGRATIONS,
        *stories.MIGRATIONS,
        *workflows.MIGRATIONS,
        *vectors.MIGRATIONS,
        *tags.MIGRATIONS,
    ]


def apply(conn: sqlite3.Connection, migrations: list[tuple[str, Step]]) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction; returns the names applied."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
    )
    done = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
    applied: list[str] = []
    for name, sql in migrations:
        if name in done:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if callable(sql):
                sql(conn)
            else:
                for statement in _statements(sql):
                    conn.execute(statement)
            conn.execute("INSERT INTO schema_migrations(name, applied_at) VALUES (?, ?)", (name, time.time()))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        applied.append(name)
    return applied


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (``executescript`` would commit our transaction)."""
    out: list[str] = []
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
