"""PostgreSQL tables and access functions for saved themes, runs, run items and scheduler locks.

:class:`PostgresWorkflowTables` reads and writes them through one connection and returns workflow records,
never rows; :class:`PostgresWorkflowStore` hands it out for a read or a write transaction. Together they
implement the ``WorkflowStore`` / ``WorkflowTables`` protocols of ``store/base.py``, with the same answers
as the embedded store: what a row means (and when a run lock may be taken over) is decided by the code both
share, ``store/workflow_records.py``.

Tables:
- ``themes``: one row per saved theme (lists kept as JSONB arrays).
- ``runs``: one row per run, written ``running`` at start and finished ``ok`` or ``failed``. The next run's
  window starts at the ``window_end`` of the latest ``ok`` run, so a failed run changes nothing. Ids come
  from an identity sequence and are never reused, because report files are named after them.
- ``run_items``: the stories a run reported, in report order.
- ``theme_seen``: per theme, the (document, content hash) pairs already reported. Written in the same
  transaction that marks a run ``ok``; this is what makes a re-run report nothing twice.
- ``scheduler_locks``: one row per workflow being run, with owner (``host:pid:thread:nonce``) and an expiry
  the running run pushes forward (its heartbeat).

Why the locks are safe across processes and hosts: a lock is taken inside a write transaction, which
queues behind every other writer of the database (``db.py``), and the holder's row is read ``FOR UPDATE``,
so a heartbeat racing the take-over waits for it and then finds the lock no longer its own. The heartbeat
itself is a single ``UPDATE`` outside the write queue: a run must keep its lock alive while a long ingest
holds the queue.

Times are stored as epoch seconds (DOUBLE PRECISION) and returned as aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import PoolTimeout

from themeflow.errors import StoreError
from themeflow.model import LockHolder, RunItem, RunRecord, Theme
from themeflow.store import workflow_records as records
from themeflow.store.postgres.db import Database

__all__ = ["MIGRATIONS", "PostgresWorkflowStore", "PostgresWorkflowTables"]

Row = dict[str, Any]

MIGRATIONS: list[tuple[str, str]] = [
    (
        "pg_workflows_0001_themes_runs_locks",
        """
        CREATE TABLE IF NOT EXISTS themes (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            query TEXT NOT NULL,
            keywords JSONB NOT NULL DEFAULT '[]',
            exclusions JSONB NOT NULL DEFAULT '[]',
            sources JSONB NOT NULL DEFAULT '[]',
            since TEXT,
            schedule TEXT,
            summarizer TEXT NOT NULL DEFAULT 'extractive',
            figures TEXT NOT NULL DEFAULT 'rules',
            created_at DOUBLE PRECISION NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL
        );
        CREATE TABLE IF NOT EXISTS runs (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            theme_id BIGINT NOT NULL REFERENCES themes(id) ON DELETE CASCADE,
            theme TEXT NOT NULL,
            started_at DOUBLE PRECISION NOT NULL,
            finished_at DOUBLE PRECISION,
            status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
            trigger TEXT NOT NULL DEFAULT 'manual',
            slot_at DOUBLE PRECISION,
            window_start DOUBLE PRECISION,
            window_end DOUBLE PRECISION NOT NULL,
            candidates INTEGER NOT NULL DEFAULT 0,
            new_documents INTEGER NOT NULL DEFAULT 0,
            items INTEGER NOT NULL DEFAULT 0,
            summarized INTEGER NOT NULL DEFAULT 0,
            prompt_tokens BIGINT NOT NULL DEFAULT 0,
            completion_tokens BIGINT NOT NULL DEFAULT 0,
            error TEXT,
            reports JSONB NOT NULL DEFAULT '{}'
        );
        CREATE INDEX IF NOT EXISTS runs_theme ON runs(theme_id, status, id);
        CREATE TABLE IF NOT EXISTS run_items (
            run_id BIGINT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            doc_id TEXT NOT NULL,
            story_id TEXT,
            status TEXT NOT NULL,
            new_doc_ids JSONB NOT NULL,
            score DOUBLE PRECISION,
            snippet JSONB,
            summarized BOOLEAN NOT NULL DEFAULT TRUE,
            aboutness TEXT,
            late BOOLEAN NOT NULL DEFAULT FALSE,
            PRIMARY KEY (run_id, position)
        );
        CREATE TABLE IF NOT EXISTS theme_seen (
            theme_id BIGINT NOT NULL REFERENCES themes(id) ON DELETE CASCADE,
            doc_id TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            story_id TEXT,
            run_id BIGINT NOT NULL,
            PRIMARY KEY (theme_id, doc_id)
        );
        CREATE TABLE IF NOT EXISTS scheduler_locks (
            name TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            acquired_at DOUBLE PRECISION NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL
        );
        """,
    ),
]

HEARTBEAT_LOCK_WAIT = "5s"
"""How long a heartbeat waits for its lock row (held only by a take-over or an unlock in progress) before
giving up this beat; the next beat tries again."""


class PostgresWorkflowTables:
    """The workflow tables seen through one connection: inside a read, or a write transaction queued
    behind the database's other writers (see :class:`PostgresWorkflowStore`). Returns records, never rows."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def _rows(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Row]:
        cur = self.conn.cursor(row_factory=dict_row)
        return cur.execute(sql, params).fetchall()

    def _row(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Row | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _count(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> int:
        """Rows changed by one statement."""
        return self.conn.execute(sql, params).rowcount

    def theme_id(self, name: str) -> int | None:
        row = self._row("SELECT id FROM themes WHERE name = %s", (name,))
        return int(row["id"]) if row else None

    def insert_theme(self, theme: Theme, now: float | None = None) -> int | None:
        """Insert a theme; returns its id, or None when the name is taken (the caller says what to do)."""
        values = records.theme_values(theme, Jsonb, now=now, new=True)
        cols = ", ".join(values)
        holes = ", ".join(f"%({k})s" for k in values)
        row = self._row(
            f"INSERT INTO themes({cols}) VALUES ({holes}) ON CONFLICT (name) DO NOTHING RETURNING id", values
        )
        return int(row["id"]) if row else None

    def update_theme(self, name: str, theme: Theme, now: float | None = None) -> bool:
        """Replace the definition of theme ``name`` (which may be renamed to ``theme.name``)."""
        values = records.theme_values(theme, Jsonb, now=now, new=False)
        sets = ", ".join(f"{k} = %({k})s" for k in values)
        changed = self._count(f"UPDATE themes SET {sets} WHERE name = %(old)s", {**values, "old": name})
        if changed and theme.name != name:
            self.conn.execute("UPDATE runs SET theme = %s WHERE theme = %s", (theme.name, name))
        return bool(changed)

    def delete_theme(self, name: str) -> bool:
        """Delete a theme with its runs, items and seen set (cascade), and its lock."""
        self.conn.execute("DELETE FROM scheduler_locks WHERE name = %s", (name,))
        return bool(self._count("DELETE FROM themes WHERE name = %s", (name,)))

    def get_theme(self, name: str) -> Theme | None:
        row = self._row("SELECT * FROM themes WHERE name = %s", (name,))
        return records.theme_from_row(row) if row else None

    def list_themes(self) -> list[Theme]:
        return [
            records.theme_from_row(r) for r in self._rows('SELECT * FROM themes ORDER BY name COLLATE "C"')
        ]

    def start_run(
        self,
        *,
        theme_id: int,
        theme: str,
        started_at: datetime,
        window_start: datetime | None,
        window_end: datetime,
        trigger: str = "manual",
        slot_at: datetime | None = None,
    ) -> int:
        slot, start, end = (records.to_epoch(t) for t in (slot_at, window_start, window_end))
        row = self._row(
            "INSERT INTO runs(theme_id, theme, started_at, status, trigger, slot_at, window_start, window_end)"
            " VALUES (%s, %s, %s, 'running', %s, %s, %s, %s) RETURNING id",
            (theme_id, theme, records.to_epoch(started_at), trigger, slot, start, end),
        )
        assert row is not None
        return int(row["id"])

    def interrupt_stale_runs(self, theme_id: int, now: float) -> int:
        """Mark runs left ``running`` by a process that died as failed (call only while holding the lock)."""
        return self._count(
            "UPDATE runs SET status = 'failed', finished_at = %s,"
            " error = 'interrupted: the process ended before the run finished'"
            " WHERE theme_id = %s AND status = 'running'",
            (now, theme_id),
        )

    def finish_run(
        self,
        run_id: int,
        *,
        finished_at: datetime,
        candidates: int,
        new_documents: int,
        items: Sequence[RunItem],
        summarized: int,
        reports: Mapping[str, str],
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
    ) -> None:
        """Record a run's items and mark it ``ok``: the one write that moves the theme's window forward."""
        with self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO run_items(run_id, position, doc_id, story_id, status, new_doc_ids, score,"
                " snippet, summarized, aboutness, late) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                [records.run_item_values(run_id, it, Jsonb) for it in items],
            )
        finished, counts = records.to_epoch(finished_at), (candidates, new_documents, len(items), summarized)
        self.conn.execute(
            "UPDATE runs SET status = 'ok', finished_at = %s, candidates = %s, new_documents = %s, items = %s,"
            " summarized = %s, reports = %s, prompt_tokens = %s, completion_tokens = %s, error = NULL"
            " WHERE id = %s",
            (finished, *counts, Jsonb(dict(reports)), prompt_tokens, completion_tokens, run_id),
        )

    def fail_run(self, run_id: int, *, finished_at: datetime, error: str) -> None:
        self.conn.execute(
            "UPDATE runs SET status = 'failed', finished_at = %s, error = %s WHERE id = %s",
            (records.to_epoch(finished_at), error[: records.ERROR_CHARS], run_id),
        )

    def _item_ids(self, run_id: int) -> tuple[str, ...]:
        rows = self._rows("SELECT doc_id FROM run_items WHERE run_id = %s ORDER BY position", (run_id,))
        return tuple(r["doc_id"] for r in rows)

    def get_run(self, run_id: int) -> RunRecord | None:
        """The run with id ``run_id``; None for any id that cannot exist (0, negative, beyond 64 bits)."""
        if not records.id_can_exist(run_id):
            return None
        row = self._row("SELECT * FROM runs WHERE id = %s", (run_id,))
        return records.run_from_row(row, self._item_ids(run_id)) if row else None

    def last_successful_run(self, theme_id: int) -> RunRecord | None:
        row = self._row(
            "SELECT * FROM runs WHERE theme_id = %s AND status = 'ok' ORDER BY window_end DESC, id DESC LIMIT 1",
            (theme_id,),
        )
        return records.run_from_row(row) if row else None

    def first_successful_window_end(self, theme_id: int) -> datetime | None:
        """End of the theme's first successful run: documents written up to then are its backfill."""
        row = self._row(
            "SELECT min(window_end) AS first_end FROM runs WHERE theme_id = %s AND status = 'ok'", (theme_id,)
        )
        return records.to_datetime(row["first_end"]) if row else None

    def last_run(self, theme_id: int) -> RunRecord | None:
        row = self._row("SELECT * FROM runs WHERE theme_id = %s ORDER BY id DESC LIMIT 1", (theme_id,))
        return records.run_from_row(row) if row else None

    def list_runs(self, theme_id: int, limit: int = 20) -> list[RunRecord]:
        rows = self._rows(
            "SELECT * FROM runs WHERE theme_id = %s ORDER BY id DESC LIMIT %s",
            (theme_id, records.row_limit(limit)),
        )
        return [records.run_from_row(r) for r in rows]

    def run_items(self, run_id: int) -> list[RunItem]:
        rows = self._rows("SELECT * FROM run_items WHERE run_id = %s ORDER BY position", (run_id,))
        return [records.run_item_from_row(run_id, r) for r in rows]

    def seen_hashes(self, theme_id: int, doc_ids: Iterable[str]) -> dict[str, str]:
        """``doc_id -> content_hash`` for the documents among ``doc_ids`` this theme already reported."""
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return {}
        rows = self._rows(
            "SELECT doc_id, content_hash FROM theme_seen WHERE theme_id = %s AND doc_id = ANY(%s)",
            (theme_id, ids),
        )
        return {r["doc_id"]: r["content_hash"] for r in rows}

    def mark_seen(self, theme_id: int, run_id: int, docs: Iterable[tuple[str, str, str | None]]) -> None:
        """Record ``(doc_id, content_hash, story_id)`` as reported by ``run_id``."""
        with self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO theme_seen(theme_id, doc_id, content_hash, story_id, run_id)"
                " VALUES (%s, %s, %s, %s, %s)"
                " ON CONFLICT (theme_id, doc_id) DO UPDATE SET content_hash = excluded.content_hash,"
                " story_id = excluded.story_id, run_id = excluded.run_id",
                [(theme_id, d, h, s, run_id) for d, h, s in docs],
            )

    def acquire_lock(
        self,
        name: str,
        owner: str,
        *,
        now: float,
        ttl: float,
        is_stale: Callable[[str], bool] | None = None,
    ) -> LockHolder | None:
        """Take the lock on ``name`` for ``owner``; returns None on success, else the current holder.

        Call inside a write transaction: writers queue one after another, so two schedulers (in any
        process, on any host) cannot both see the row free, and the row is read ``FOR UPDATE`` so the old
        holder's heartbeat cannot slip in between the check and the take-over. A lock is taken over when
        its heartbeat expired or ``is_stale(holder)`` says its owner is gone (a process on this host that no
        longer exists); the owner itself may re-acquire to extend.
        """
        row = self._row(
            "SELECT owner, acquired_at, expires_at FROM scheduler_locks WHERE name = %s FOR UPDATE", (name,)
        )
        holder = records.blocking_holder(name, row, owner, now=now, is_stale=is_stale)
        if holder is not None:
            return holder
        self.conn.execute(
            "INSERT INTO scheduler_locks(name, owner, acquired_at, expires_at) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, acquired_at = excluded.acquired_at,"
            " expires_at = excluded.expires_at",
            (name, owner, now, now + ttl),
        )
        return None

    def refresh_lock(self, name: str, owner: str, *, now: float, ttl: float) -> bool:
        """The heartbeat's one ``UPDATE``: True while the lock is still ``owner``'s, False once it was taken over
        or removed (see :meth:`PostgresWorkflowStore.refresh_lock`, which runs it outside the write queue)."""
        return bool(
            self._count(
                "UPDATE scheduler_locks SET expires_at = %s WHERE name = %s AND owner = %s",
                (now + ttl, name, owner),
            )
        )

    def lock_holder(self, name: str) -> LockHolder | None:
        """Who holds the lock on ``name`` (expired or not), or None."""
        row = self._row("SELECT owner, acquired_at, expires_at FROM scheduler_locks WHERE name = %s", (name,))
        return records.holder_from_row(name, row) if row is not None else None

    def release_lock(self, name: str, owner: str | None = None) -> bool:
        """Release the lock if ``owner`` still holds it (a taken-over lock is left to its new owner);
        ``owner=None`` removes it whoever holds it (``workflow unlock``)."""
        if owner is None:
            return bool(self._count("DELETE FROM scheduler_locks WHERE name = %s", (name,)))
        return bool(self._count("DELETE FROM scheduler_locks WHERE name = %s AND owner = %s", (name, owner)))


class PostgresWorkflowStore:
    """:class:`~themeflow.store.base.WorkflowStore` over a PostgreSQL :class:`Database`.

    Reads take a pooled connection for the read; writes run in the database's write transaction, queued
    behind other writers, so a check and the write that depends on it (a lock taken, a run started) commit
    together or not at all.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    @contextmanager
    def reading(self) -> Iterator[PostgresWorkflowTables]:
        with self._db.read("read workflows") as conn:
            yield PostgresWorkflowTables(conn)

    @contextmanager
    def writing(self) -> Iterator[PostgresWorkflowTables]:
        with self._db.write("write workflows") as conn:
            yield PostgresWorkflowTables(conn)

    def refresh_lock(self, name: str, owner: str, *, now: float, ttl: float) -> bool:
        """The heartbeat's write, in a short transaction of its own on a pooled connection. It skips the
        write queue, so a run keeps its lock while a long ingest is writing, and waits at most
        :data:`HEARTBEAT_LOCK_WAIT` for its row; any failure is a StoreError and the next beat retries."""
        try:
            with self._db.pool.connection() as conn:
                conn.execute(f"SET LOCAL lock_timeout = '{HEARTBEAT_LOCK_WAIT}'")
                return PostgresWorkflowTables(conn).refresh_lock(name, owner, now=now, ttl=ttl)
        except (PoolTimeout, psycopg.Error) as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise StoreError(
                f"could not refresh the run lock of workflow {name!r} in {self._db.shown}: {reason}"
            ) from exc
