"""SQLite tables and access functions for saved themes, runs, run items and scheduler locks.

:class:`SQLiteWorkflowTables` reads and writes them through one connection and returns workflow records,
never rows; :class:`SQLiteWorkflowStore` hands it out for a read or a write transaction. Together they
implement the ``WorkflowStore`` / ``WorkflowTables`` protocols of ``store/base.py``, which is all the
workflow engine sees. What a row means, and when a run lock may be taken over, is
``store/workflow_records.py``, shared with every backend.

Tables:
- ``themes``: one row per saved theme (lists stored as JSON arrays).
- ``runs``: one row per run, written ``running`` at start and finished ``ok`` or ``failed``. The next run's
  window starts at the ``window_end`` of the latest ``ok`` run, so a failed run changes nothing. Ids are
  never reused (AUTOINCREMENT), because report files are named after them.
- ``run_items``: the stories a run reported, in report order.
- ``theme_seen``: per theme, the (document, content hash) pairs already reported. Written in the same
  transaction that marks a run ``ok``; this is what makes a re-run report nothing twice.
- ``scheduler_locks``: one row per workflow being run, with owner (``host:pid:thread:nonce``) and an expiry
  the running run pushes forward (its heartbeat).

Times are stored as epoch seconds (REAL) and returned as aware UTC datetimes.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from themeflow.errors import StoreError
from themeflow.model import LockHolder, RunItem, RunRecord, Theme
from themeflow.store import workflow_records as records
from themeflow.store.sqlite.params import chunks, marks

if TYPE_CHECKING:
    from themeflow.store.sqlite.store import SQLiteStore

MIGRATIONS: list[tuple[str, str]] = [
    (
        "workflows_0001_themes_runs",
        """
        CREATE TABLE IF NOT EXISTS themes (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            query TEXT NOT NULL,
            keywords TEXT NOT NULL DEFAULT '[]',
            exclusions TEXT NOT NULL DEFAULT '[]',
            sources TEXT NOT NULL DEFAULT '[]',
            since TEXT,
            schedule TEXT,
            summarizer TEXT NOT NULL DEFAULT 'extractive',
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE TABLE IF NOT EXISTS runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            theme_id INTEGER NOT NULL REFERENCES themes(id) ON DELETE CASCADE,
            theme TEXT NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL,
            status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
            trigger TEXT NOT NULL DEFAULT 'manual',
            slot_at REAL,
            window_start REAL,
            window_end REAL NOT NULL,
            candidates INTEGER NOT NULL DEFAULT 0,
            new_documents INTEGER NOT NULL DEFAULT 0,
            items INTEGER NOT NULL DEFAULT 0,
            summarized INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            reports TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX IF NOT EXISTS runs_theme ON runs(theme_id, status, id);
        CREATE TABLE IF NOT EXISTS run_items (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            doc_id TEXT NOT NULL,
            story_id TEXT,
            status TEXT NOT NULL,
            new_doc_ids TEXT NOT NULL,
            score REAL,
            snippet TEXT,
            summarized INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (run_id, position)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS theme_seen (
            theme_id INTEGER NOT NULL REFERENCES themes(id) ON DELETE CASCADE,
            doc_id TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            story_id TEXT,
            run_id INTEGER NOT NULL,
            PRIMARY KEY (theme_id, doc_id)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS scheduler_locks (
            name TEXT PRIMARY KEY,
            owner TEXT NOT NULL,
            acquired_at REAL NOT NULL,
            expires_at REAL NOT NULL
        );
        """,
    ),
    (
        "workflows_0002_llm_usage",
        """
        ALTER TABLE runs ADD COLUMN prompt_tokens INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE runs ADD COLUMN completion_tokens INTEGER NOT NULL DEFAULT 0;
        """,
    ),
    (
        "workflows_0003_item_aboutness_late",
        """
        ALTER TABLE run_items ADD COLUMN aboutness TEXT;
        ALTER TABLE run_items ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
        """,
    ),
    (
        "workflows_0004_theme_figures",
        "ALTER TABLE themes ADD COLUMN figures TEXT NOT NULL DEFAULT 'rules';",
    ),
]


def _json(value: object) -> str:
    """A JSON column's value as the JSON text this store keeps."""
    return json.dumps(value, ensure_ascii=False)


class SQLiteWorkflowTables:
    """The workflow tables seen through one connection: inside a read, or a ``BEGIN IMMEDIATE`` write
    transaction (see :class:`SQLiteWorkflowStore`). Returns records, never rows."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def theme_id(self, name: str) -> int | None:
        row = self.conn.execute("SELECT id FROM themes WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else None

    def insert_theme(self, theme: Theme, now: float | None = None) -> int | None:
        """Insert a theme; returns its id, or None when the name is taken (the caller says what to do)."""
        values = records.theme_values(theme, _json, now=now, new=True)
        cols = ", ".join(values)
        qmarks = ", ".join(f":{k}" for k in values)
        cur = self.conn.execute(f"INSERT OR IGNORE INTO themes({cols}) VALUES ({qmarks})", values)
        return int(cur.lastrowid) if cur.rowcount and cur.lastrowid else None

    def update_theme(self, name: str, theme: Theme, now: float | None = None) -> bool:
        """Replace the definition of theme ``name`` (which may be renamed to ``theme.name``)."""
        values = records.theme_values(theme, _json, now=now, new=False)
        sets = ", ".join(f"{k} = :{k}" for k in values)
        cur = self.conn.execute(f"UPDATE themes SET {sets} WHERE name = :old", {**values, "old": name})
        if cur.rowcount and theme.name != name:
            self.conn.execute("UPDATE runs SET theme = ? WHERE theme = ?", (theme.name, name))
        return bool(cur.rowcount)

    def delete_theme(self, name: str) -> bool:
        """Delete a theme with its runs, items and seen set (cascade)."""
        self.conn.execute("DELETE FROM scheduler_locks WHERE name = ?", (name,))
        return bool(self.conn.execute("DELETE FROM themes WHERE name = ?", (name,)).rowcount)

    def get_theme(self, name: str) -> Theme | None:
        row = self.conn.execute("SELECT * FROM themes WHERE name = ?", (name,)).fetchone()
        return records.theme_from_row(row) if row else None

    def list_themes(self) -> list[Theme]:
        return [records.theme_from_row(r) for r in self.conn.execute("SELECT * FROM themes ORDER BY name")]

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
        cur = self.conn.execute(
            "INSERT INTO runs(theme_id, theme, started_at, status, trigger, slot_at, window_start, window_end)"
            " VALUES (?, ?, ?, 'running', ?, ?, ?, ?)",
            (theme_id, theme, records.to_epoch(started_at), trigger, slot, start, end),
        )
        return int(cur.lastrowid or 0)

    def interrupt_stale_runs(self, theme_id: int, now: float) -> int:
        """Mark runs left ``running`` by a process that died as failed (call only while holding the lock)."""
        return self.conn.execute(
            "UPDATE runs SET status = 'failed', finished_at = ?, "
            "error = 'interrupted: the process ended before the run finished' "
            "WHERE theme_id = ? AND status = 'running'",
            (now, theme_id),
        ).rowcount

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
        self.conn.executemany(
            "INSERT INTO run_items(run_id, position, doc_id, story_id, status, new_doc_ids, score, snippet,"
            " summarized, aboutness, late) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [records.run_item_values(run_id, it, _json) for it in items],
        )
        finished, counts = records.to_epoch(finished_at), (candidates, new_documents, len(items), summarized)
        self.conn.execute(
            "UPDATE runs SET status = 'ok', finished_at = ?, candidates = ?, new_documents = ?, items = ?,"
            " summarized = ?, reports = ?, prompt_tokens = ?, completion_tokens = ?, error = NULL WHERE id = ?",
            (finished, *counts, _json(dict(reports)), prompt_tokens, completion_tokens, run_id),
        )

    def fail_run(self, run_id: int, *, finished_at: datetime, error: str) -> None:
        self.conn.execute(
            "UPDATE runs SET status = 'failed', finished_at = ?, error = ? WHERE id = ?",
            (records.to_epoch(finished_at), error[: records.ERROR_CHARS], run_id),
        )

    def _item_ids(self, run_id: int) -> tuple[str, ...]:
        return tuple(
            r[0]
            for r in self.conn.execute(
                "SELECT doc_id FROM run_items WHERE run_id = ? ORDER BY position", (run_id,)
            )
        )

    def get_run(self, run_id: int) -> RunRecord | None:
        """The run with id ``run_id``; None for any id that cannot exist (0, negative, beyond 64 bits)."""
        if not records.id_can_exist(run_id):
            return None
        row = self.conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return records.run_from_row(row, self._item_ids(run_id)) if row else None

    def last_successful_run(self, theme_id: int) -> RunRecord | None:
        row = self.conn.execute(
            "SELECT * FROM runs WHERE theme_id = ? AND status = 'ok' ORDER BY window_end DESC, id DESC LIMIT 1",
            (theme_id,),
        ).fetchone()
        return records.run_from_row(row) if row else None

    def first_successful_window_end(self, theme_id: int) -> datetime | None:
        """End of the theme's first successful run: documents written up to then are its backfill."""
        row = self.conn.execute(
            "SELECT min(window_end) FROM runs WHERE theme_id = ? AND status = 'ok'", (theme_id,)
        ).fetchone()
        return records.to_datetime(row[0]) if row and row[0] is not None else None

    def last_run(self, theme_id: int) -> RunRecord | None:
        row = self.conn.execute(
            "SELECT * FROM runs WHERE theme_id = ? ORDER BY id DESC LIMIT 1", (theme_id,)
        ).fetchone()
        return records.run_from_row(row) if row else None

    def list_runs(self, theme_id: int, limit: int = 20) -> list[RunRecord]:
        rows = self.conn.execute(
            "SELECT * FROM runs WHERE theme_id = ? ORDER BY id DESC LIMIT ?",
            (theme_id, records.row_limit(limit)),
        ).fetchall()
        return [records.run_from_row(r) for r in rows]

    def run_items(self, run_id: int) -> list[RunItem]:
        rows = self.conn.execute(
            "SELECT * FROM run_items WHERE run_id = ? ORDER BY position", (run_id,)
        ).fetchall()
        return [records.run_item_from_row(run_id, r) for r in rows]

    def seen_hashes(self, theme_id: int, doc_ids: Iterable[str]) -> dict[str, str]:
        """``doc_id -> content_hash`` for the documents among ``doc_ids`` this theme already reported."""
        ids = list(dict.fromkeys(doc_ids))
        out: dict[str, str] = {}
        for chunk in chunks(ids):
            qmarks = marks(len(chunk))
            for r in self.conn.execute(
                f"SELECT doc_id, content_hash FROM theme_seen WHERE theme_id = ? AND doc_id IN ({qmarks})",
                [theme_id, *chunk],
            ):
                out[r[0]] = r[1]
        return out

    def mark_seen(self, theme_id: int, run_id: int, docs: Iterable[tuple[str, str, str | None]]) -> None:
        """Record ``(doc_id, content_hash, story_id)`` as reported by ``run_id``."""
        self.conn.executemany(
            "INSERT INTO theme_seen(theme_id, doc_id, content_hash, story_id, run_id) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(theme_id, doc_id) DO UPDATE SET content_hash = excluded.content_hash,"
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

        Call inside a ``BEGIN IMMEDIATE`` transaction: the read and the write then happen under SQLite's
        single write lock, so two schedulers cannot both see the row free. A lock is taken over when its
        heartbeat expired or ``is_stale(holder)`` says its owner is gone (a process on this host that no
        longer exists); the owner itself may re-acquire to extend.
        """
        row = self.conn.execute(
            "SELECT owner, acquired_at, expires_at FROM scheduler_locks WHERE name = ?", (name,)
        ).fetchone()
        holder = records.blocking_holder(name, row, owner, now=now, is_stale=is_stale)
        if holder is not None:
            return holder
        self.conn.execute(
            "INSERT INTO scheduler_locks(name, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, acquired_at = excluded.acquired_at,"
            " expires_at = excluded.expires_at",
            (name, owner, now, now + ttl),
        )
        return None

    def refresh_lock(self, name: str, owner: str, *, now: float, ttl: float) -> bool:
        """The heartbeat: push the expiry of ``owner``'s lock to ``now + ttl``. False when the lock is no longer
        ``owner``'s (it expired and was taken over, or was removed by ``workflow unlock``)."""
        return bool(
            self.conn.execute(
                "UPDATE scheduler_locks SET expires_at = ? WHERE name = ? AND owner = ?",
                (now + ttl, name, owner),
            ).rowcount
        )

    def lock_holder(self, name: str) -> LockHolder | None:
        """Who holds the lock on ``name`` (expired or not), or None."""
        row = self.conn.execute(
            "SELECT owner, acquired_at, expires_at FROM scheduler_locks WHERE name = ?", (name,)
        ).fetchone()
        return records.holder_from_row(name, row) if row is not None else None

    def release_lock(self, name: str, owner: str | None = None) -> bool:
        """Release the lock if ``owner`` still holds it (a taken-over lock is left to its new owner);
        ``owner=None`` removes it whoever holds it (``workflow unlock``)."""
        if owner is None:
            return bool(self.conn.execute("DELETE FROM scheduler_locks WHERE name = ?", (name,)).rowcount)
        return bool(
            self.conn.execute(
                "DELETE FROM scheduler_locks WHERE name = ? AND owner = ?", (name, owner)
            ).rowcount
        )


class SQLiteWorkflowStore:
    """:class:`~themeflow.store.base.WorkflowStore` for a :class:`~themeflow.store.sqlite.SQLiteStore`.

    Reads use the store's per-thread connection; writes run in its ``BEGIN IMMEDIATE`` transaction, so a
    check and the write that depends on it (a lock taken, a run started) happen under one write lock.
    """

    def __init__(self, store: SQLiteStore) -> None:
        self._store = store

    @contextmanager
    def reading(self) -> Iterator[SQLiteWorkflowTables]:
        try:
            yield SQLiteWorkflowTables(self._store.conn)
        except sqlite3.Error as exc:
            raise StoreError(f"could not read workflows in {self._store.location}: {exc}") from exc

    @contextmanager
    def writing(self) -> Iterator[SQLiteWorkflowTables]:
        with self._store.transaction() as conn:
            yield SQLiteWorkflowTables(conn)

    def refresh_lock(self, name: str, owner: str, *, now: float, ttl: float) -> bool:
        """The heartbeat's write, on a short-lived connection of its own: a server that runs workflows for
        weeks must not keep a connection per heartbeat thread (the store keeps one per thread)."""
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(self._store.path, timeout=30, isolation_level=None)
            return SQLiteWorkflowTables(conn).refresh_lock(name, owner, now=now, ttl=ttl)
        except sqlite3.Error as exc:
            raise StoreError(f"could not refresh the run lock of workflow {name!r}: {exc}") from exc
        finally:
            if conn is not None:
                conn.close()
