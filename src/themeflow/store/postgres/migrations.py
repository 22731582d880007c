"""Named, append-only schema migrations for the PostgreSQL store.

The same rules as the embedded store's (``store/sqlite/migrations.py``): each module that owns tables
contributes ``(name, step)`` pairs, a step being SQL or a function of the connection; names are recorded
in ``schema_migrations`` and an applied migration is never edited, only followed. Several processes may
open a new database at once (ingest workers, the web app): the runner holds a transaction-level advisory
lock, so one applies and the others find the work done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg

Step = str | Callable[[psycopg.Connection[Any]], None]

MIGRATION_LOCK = 0x7468656D65666C6F  # "themeflo": the advisory lock the migration runner holds

CORE: list[tuple[str, Step]] = [
    (
        "pg_core_0001_documents",
        """
        CREATE TABLE IF NOT EXISTS store_state (id INTEGER PRIMARY KEY CHECK (id = 1), writes BIGINT NOT NULL);
        INSERT INTO store_state(id, writes) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE IF NOT EXISTS documents (
            rowid BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            source TEXT,
            published_at TEXT,
            published_ts DOUBLE PRECISION,
            time_origin TEXT NOT NULL DEFAULT 'unknown',
            url TEXT,
            lang TEXT NOT NULL DEFAULT 'zh',
            fetched_at TEXT,
            origin TEXT,
            meta JSONB,
            content_hash TEXT NOT NULL,
            paragraph_count INTEGER NOT NULL,
            char_count INTEGER NOT NULL,
            kind TEXT,
            ingested_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX IF NOT EXISTS documents_published ON documents(published_ts);
        CREATE INDEX IF NOT EXISTS documents_source ON documents(source);
        CREATE INDEX IF NOT EXISTS documents_updated ON documents(updated_at);
        CREATE INDEX IF NOT EXISTS documents_hash ON documents(content_hash);
        CREATE TABLE IF NOT EXISTS paragraphs (
            doc_rowid BIGINT NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
            n INTEGER NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (doc_rowid, n)
        );
        CREATE TABLE IF NOT EXISTS ingest_log (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            started_at DOUBLE PRECISION NOT NULL,
            finished_at DOUBLE PRECISION NOT NULL,
            source TEXT NOT NULL,
            read INTEGER NOT NULL,
            new INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            unchanged INTEGER NOT NULL,
            failed INTEGER NOT NULL,
            errors JSONB NOT NULL
        );
        CREATE TABLE IF NOT EXISTS summaries (
            content_hash TEXT NOT NULL,
            summarizer TEXT NOT NULL,
            doc_id TEXT NOT NULL,
            payload JSONB NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (content_hash, summarizer)
        );
        CREATE INDEX IF NOT EXISTS summaries_doc ON summaries(doc_id);
        """,
    ),
]


def all_migrations() -> list[tuple[str, Step]]:
    """Every migration in the order it must run: core, full-text index, stories, workflows, vectors, tags."""
    from themeflow.store.postgres import fulltext, stories, tags, vectors, workflows

    return [
        *CORE,
        *fulltext.MIGRATIONS,
        *stories.MIGRATIONS,
        *workflows.MIGRATIONS,
        *vectors.MIGRATIONS,
        *tags.MIGRATIONS,
    ]


def pending(conn: psycopg.Connection[Any], migrations: list[tuple[str, Step]]) -> list[str]:
    """Names of the migrations this database has not applied (all of them on an empty database)."""
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not (exists and exists[0]):
        return [name for name, _ in migrations]
    done = {r[0] for r in conn.execute("SELECT name FROM schema_migrations")}
    return [name for name, _ in migrations if name not in done]


def apply(conn: psycopg.Connection[Any], migrations: list[tuple[str, Step]]) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction; returns the names applied."""
    applied: list[str] = []
    for name, step in migrations:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations"
                " (name TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
            )
            if conn.execute("SELECT 1 FROM schema_migrations WHERE name = %s", (name,)).fetchone():
                continue
            if callable(step):
                step(conn)
            else:
                conn.execute(step)
            conn.execute(
                "INSERT INTO schema_migrations(name, applied_at) VALUES (%s, %s)", (name, time.time())
            )
        applied.append(name)
    return applied
