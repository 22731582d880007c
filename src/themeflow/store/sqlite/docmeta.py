"""Per-document facts the search path needs for every match — outlet and publish time — as numpy columns.

Why: at a million documents a two-term query matches tens of thousands of rows. Counting them per outlet,
filtering them by date and cutting the newest-first page in SQL means a second FTS5 pass joined row by row
to ``documents``; with these columns in memory the single FTS5 pass (rowid + bm25) is all SQLite does, and
the rest is a ``bincount`` and a partial sort.

The columns are indexed by rowid (``source_code[rowid]``, ``ts[rowid]``; NaN = no known time; code -1 =
no outlet) and cached per connection (in the store's ``search_cache``). A cache is valid while neither of these moved:

* the database's ``content_version`` (a row of ``meta``), bumped by every commit through the store that may
  change what search reads: documents, their index, stories (``SQLiteStore.transaction``). A commit that only
  writes a side table such as the concept tags (``transaction(documents=False)``) leaves it. It is read
  again only when ``PRAGMA data_version`` of the connection moved, i.e. when another connection (another
  thread's, another process's) committed anything, so a check costs one pragma;
* the store's ``write_generation`` — bumped by the same commits made through this store, which covers writes
  made on this very connection (``data_version`` does not see those).

Why the version and not ``data_version`` alone: that moves on *any* commit of another connection. A concept
refresh tags concepts in worker processes and writes each concept's tags here as it comes back; every such
commit threw away the workers' columns, FTS5 passes and 提及 verdicts, and they read the same again for the
next concept: the workers spent 10.5 CPU-s on what takes 6.9 with the caches kept (the shared corpus). The
web app, a process of its own, likewise lost them to every scheduled workflow's tag writes.

A store written before the version existed has no such row: then any commit another connection makes
drops the caches, as before. A stale cache is rebuilt from two narrow index scans (0.7 s at a million
documents, warm).

:class:`StoryCols` holds the story each document belongs to, for folding copies in the same pass. It is
loaded only when a search folds copies (stories exist), kept beside the other columns under the same key:
story membership changes only in write transactions, which move the version or ``write_generation``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from itertools import chain
from typing import Any, Protocol, TypeVar

import numpy as np

from themeflow.store.columns import KINDS, DocMeta, StoryCols

__all__ = [
    "KINDS",
    "CONTENT_VERSION",
    "CachingStore",
    "DocMeta",
    "StoryCols",
    "doc_meta",
    "load_doc_meta",
    "load_story_cols",
    "state_key",
    "state_slot",
    "story_cols",
]

T = TypeVar("T")


def load_doc_meta(conn: sqlite3.Connection) -> DocMeta:
    """The columns of :class:`~themeflow.store.columns.DocMeta` read from ``conn``."""
    cur = conn.cursor()
    cur.row_factory = None  # plain tuples: a million sqlite3.Row objects cost more than the query
    top = cur.execute("SELECT max(rowid) FROM documents").fetchone()[0] or 0
    # documents_source is (source, rowid): one row per outlet, its rowids as one string.
    by_source = [
        (name, np.array(ids.split(","), dtype=np.int64))
        for name, ids in cur.execute(
            "SELECT source, group_concat(rowid) FROM documents WHERE source IS NOT NULL GROUP BY source"
        )
    ]
    # Streamed into the array: a million (rowid, time) tuples held at once cost ~100 MB for a moment.
    published = np.fromiter(
        chain.from_iterable(
            cur.execute(
                "SELECT rowid, published_ts FROM documents INDEXED BY documents_published"
                " WHERE published_ts IS NOT NULL"
            )
        ),
        dtype=np.float64,
    ).reshape(-1, 2)
    by_kind = [
        (name, np.array(ids.split(","), dtype=np.int64))
        for name, ids in cur.execute(
            "SELECT kind, group_concat(rowid) FROM documents WHERE kind IS NOT NULL GROUP BY kind"
        )
    ]
    return DocMeta.build(top, by_source, published, by_kind)


class CachingStore(Protocol):
    """What a per-connection search cache needs of the store: its connection, its write generation and
    the cache itself (``SQLiteStore.search_cache``)."""

    @property
    def conn(self) -> sqlite3.Connection: ...

    @property
    def write_generation(self) -> int: ...

    @property
    def search_cache(self) -> dict[str, Any]: ...


CONTENT_VERSION = "content_version"
"""The ``meta`` row that every commit changing what search reads bumps (``SQLiteStore.transaction``)."""

_SEEN = "_content_version"
"""Where a connection's cache keeps the last ``data_version`` it saw and the content version read then."""


def state_key(conn: sqlite3.Connection, generation: int, cache: dict[str, Any]) -> tuple[object, int]:
    """What identifies what search reads as ``conn`` sees it: the database's content version (read again only
    when ``PRAGMA data_version`` moved) and the store's ``write_generation`` (module docstring). ``cache`` is
    the connection's ``search_cache``."""
    version = int(conn.execute("PRAGMA data_version").fetchone()[0])
    seen = cache.get(_SEEN)
    if seen is None or seen[0] != version:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (CONTENT_VERSION,)).fetchone()
        # no row (a store from before the version): any commit of another connection counts
        seen = (version, ("content", str(row[0])) if row is not None else ("data", version))
        cache[_SEEN] = seen
    return seen[1], generation


def state_slot(store: CachingStore, name: str, new: Callable[[], T]) -> T:
    """The cache entry ``name`` for the database's current state: made by ``new`` on first use and again
    after any write that may change what search reads (the FTS5 passes of ``scans.py``, the 提及 verdicts and
    texts of ``mentions.py``)."""
    key = state_key(store.conn, store.write_generation, store.search_cache)
    held = store.search_cache.get(name)
    if held is None or held[0] != key:
        held = (key, new())
        store.search_cache[name] = held
    return held[1]


def doc_meta(conn: sqlite3.Connection, generation: int, cache: dict[str, Any]) -> DocMeta:
    """The columns for ``conn``'s view of the database, reloaded when a write may have changed them.

    ``cache`` is per connection (the store's ``search_cache``); ``generation`` its ``write_generation``.
    """
    key = state_key(conn, generation, cache)
    hit = cache.get("docmeta")
    if hit is not None and hit[0] == key:
        return hit[1]  # type: ignore[no-any-return]
    meta = load_doc_meta(conn)
    cache["docmeta"] = (key, meta)
    return meta


MEMBER_CHUNK = 8_192
"""Story members read at a time while the story columns are built."""


def load_story_cols(conn: sqlite3.Connection) -> StoryCols:
    """:class:`~themeflow.store.columns.StoryCols` read from ``conn``."""
    cur = conn.cursor()
    cur.row_factory = None
    top = cur.execute("SELECT max(rowid) FROM documents").fetchone()[0] or 0
    # Numbered in the order of their ids, as StoryCols.build numbers them; the members then stream in
    # chunks: on a replica where every document has copies, a million (rowid, story id) tuples and their
    # strings held at once were ~300 MB.
    ids = sorted((str(sid) for (sid,) in cur.execute("SELECT id FROM stories WHERE size > 1")), key=str)
    code = {sid: i for i, sid in enumerate(ids)}
    rows = cur.execute(
        # CROSS JOIN keeps the multi-copy stories first (stories_size_last), then their members:
        # O(documents in multi-copy stories), not a scan of every membership.
        "SELECT d.rowid, m.story_id, s.canonical_id IS m.doc_id FROM stories s"
        " CROSS JOIN story_members m ON m.story_id = s.id JOIN documents d ON d.id = m.doc_id"
        " WHERE s.size > 1"
    )
    parts = [np.empty((0, 3), dtype=np.int64)]
    while chunk := rows.fetchmany(MEMBER_CHUNK):
        parts.append(np.array([(r, code[sid], c) for r, sid, c in chunk], dtype=np.int64))
    members = np.concatenate(parts)
    return StoryCols.from_codes(top, members)


def story_cols(conn: sqlite3.Connection, generation: int, cache: dict[str, Any]) -> StoryCols:
    """:class:`StoryCols` for ``conn``'s view of the database; cached and invalidated like :func:`doc_meta`."""
    key = state_key(conn, generation, cache)
    hit = cache.get("storycols")
    if hit is not None and hit[0] == key:
        return hit[1]  # type: ignore[no-any-return]
    cols = load_story_cols(conn)
    cache["storycols"] = (key, cols)
    return cols
