"""Connections to the PostgreSQL store: a psycopg 3 pool, read and write transactions, clear errors.

Why this shape:
- **One pool per store.** The web app runs handlers in a thread pool and the scheduler in threads of its
  own; each takes a connection for one read or one write and gives it back, so a busy server holds a few
  connections, not one per thread it ever ran.
- **Writers queue on one row.** Every write transaction first bumps ``store_state.writes`` (a row lock held
  to commit). Writers therefore run one after another, as in the embedded store, and take their other locks
  in the same order behind it: several ingest processes over overlapping inputs cannot deadlock, and the
  story tables, which a write reads and rewrites, never see two writers at once. What a write may do in
  parallel (parsing, segmenting, fingerprinting) happens before the transaction.
- **The counter is the cache key.** Search caches (columns, full-text passes) are valid while
  ``store_state.writes`` is unchanged: any commit, by any process, moves it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from themeflow.errors import StoreError

__all__ = ["Database", "shown_url"]

_PASSWORD = re.compile(r"(://[^/:@]*:)[^/@]*@")


def shown_url(url: str) -> str:
    """The URL as it may appear in a message or a log: the password masked."""
    return _PASSWORD.sub(r"\1***@", url)


class Database:
    """A pool of connections to one PostgreSQL database, handed out for one transaction at a time."""

    def __init__(
        self, url: str, *, read_only: bool = False, max_size: int = 8, timeout: float = 30.0
    ) -> None:
        self.url = url
        self.shown = shown_url(url)
        self.read_only = read_only
        self._local = threading.local()
        try:  # one direct connection first: a server that is not there fails fast, with its own reason
            psycopg.connect(url, connect_timeout=int(timeout)).close()
        except psycopg.Error as exc:
            raise StoreError(
                f"cannot connect to the PostgreSQL store {self.shown}: {_reason(exc)}"
                " (is the server running, and does THEMEFLOW_DB name it with a user who may connect?)"
            ) from exc
        try:
            self.pool = ConnectionPool(
                url,
                min_size=1,
                max_size=max_size,
                timeout=timeout,
                kwargs={"autocommit": False},
                open=False,
                name="themeflow",
                # A connection is checked as it leaves the pool (one round trip): after a server restart or
                # a dropped link the first request gets a fresh connection, not an error.
                check=ConnectionPool.check_connection,
            )
            self.pool.open(wait=True, timeout=min(timeout, 10.0))
        except (PoolTimeout, psycopg.Error) as exc:
            self.pool.close()
            raise StoreError(
                f"cannot connect to the PostgreSQL store {self.shown}: {_reason(exc)}"
                " (is the server running, and does THEMEFLOW_DB name it with a user who may connect?)"
            ) from exc

    @contextmanager
    def read(self, what: str = "read") -> Iterator[psycopg.Connection[Any]]:
        """A connection for one read; a driver error becomes a StoreError naming what was being read.
        Nested reads on one thread share the outer read's connection (one snapshot, one pool slot)."""
        held: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if held is not None:
            with self._translate(what):
                yield held
            return
        with self._translate(what), self.pool.connection() as conn:
            self._local.conn = conn
            try:
                yield conn
            finally:
                self._local.conn = None

    @contextmanager
    def write(self, what: str = "write") -> Iterator[psycopg.Connection[Any]]:
        """A write transaction: queued behind other writers (module docstring), committed on success, rolled
        back on any error. Nested inside a write on this thread it joins that transaction."""
        if self.read_only:
            raise StoreError(f"{self.shown} is open read-only (--read-only); nothing can be changed")
        held: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if held is not None and getattr(self._local, "writing", False):
            with self._translate(what):
                yield held
            return
        # A write inside a read (a loop over iter_documents that keeps summaries) takes a connection of its
        # own and commits on its own, as on SQLite; the read goes on afterwards and sees it committed.
        with self._translate(what), self.pool.connection() as conn:
            self._local.conn, self._local.writing = conn, True
            try:
                conn.execute("UPDATE store_state SET writes = writes + 1 WHERE id = 1")
                yield conn
            finally:
                self._local.conn, self._local.writing = held, False

    def writes(self, conn: psycopg.Connection[Any]) -> int:
        """The store's write counter as ``conn`` sees it (the search caches' key)."""
        row = conn.execute("SELECT writes FROM store_state WHERE id = 1").fetchone()
        return int(row[0]) if row else 0

    @contextmanager
    def _translate(self, what: str) -> Iterator[None]:
        try:
            yield
        except PoolTimeout as exc:
            raise StoreError(f"could not {what} in {self.shown}: no free connection ({exc})") from exc
        except psycopg.Error as exc:
            raise StoreError(f"could not {what} in {self.shown}: {_reason(exc)}") from exc

    def close(self) -> None:
        self.pool.close()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
