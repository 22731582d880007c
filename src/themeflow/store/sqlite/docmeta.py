"""Per-document facts the search path needs for every match — outlet and publish time — as numpy columns.

Why: at a million documents a two-term query matches tens of thousands of rows. Counting them per outlet,
filtering them by date and cutting the newest-first page in SQL means a second FTS5 pass joined row by row
to ``documents``; with these columns in memory the single FTS5 pass (rowid + bm25) is all SQLite does, and
the rest is a ``bincount`` and a partial sort.

The columns are indexed by rowid (``source_code[rowid]``, ``ts[rowid]``; NaN = no known time; code -1 =
no outlet) and cached per connection (in the store's ``search_cache``). A cache is valid while neither of these moved:

* ``PRAGMA data_version`` of that connection — changes when any *other* connection commits (another
  thread's connection, another process);
* the store's ``write_generation`` — bumped by every commit through the store, which covers writes made
  on this very connection (``data_version`` does not see those).

A stale cache is rebuilt from two narrow index scans (0.7 s at a million documents, warm).

:class:`StoryCols` holds the story each document belongs to, for folding copies in the same pass. It is
loaded only when a search folds copies (stories exist), kept beside the other columns under the same key:
story membership changes only in write transactions, which move ``data_version`` or ``write_generation``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, get_args

import numpy as np
import numpy.typing as npt

from themeflow.text.doctype import DocType

__all__ = [
    "KINDS",
    "CachingStore",
    "DocMeta",
    "StoryCols",
    "doc_meta",
    "state_key",
    "state_slot",
    "story_cols",
]

T = TypeVar("T")

KINDS: tuple[str, ...] = get_args(DocType)
"""Document kinds in a fixed order, for the ``kind_code`` column."""


@dataclass(frozen=True, slots=True)
class DocMeta:
    """Outlet code and publish time per rowid, plus the outlet names the codes stand for."""

    sources: tuple[str, ...]
    source_code: npt.NDArray[np.int32]
    ts: npt.NDArray[np.float64]
    kind_code: npt.NDArray[np.int8]
    """Index into :data:`KINDS` (``text.doctype``), -1 when not classified."""

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> DocMeta:
        cur = conn.cursor()
        cur.row_factory = None  # plain tuples: a million sqlite3.Row objects cost more than the query
        top = cur.execute("SELECT max(rowid) FROM documents").fetchone()[0] or 0
        code = np.full(top + 1, -1, dtype=np.int32)
        ts = np.full(top + 1, np.nan, dtype=np.float64)
        sources: list[str] = []
        # documents_source is (source, rowid): one row per outlet, its rowids as one string.
        for name, ids in cur.execute(
            "SELECT source, group_concat(rowid) FROM documents WHERE source IS NOT NULL GROUP BY source"
        ):
            code[np.array(ids.split(","), dtype=np.int64)] = len(sources)
            sources.append(name)
        rows = cur.execute(
            "SELECT rowid, published_ts FROM documents INDEXED BY documents_published "
            "WHERE published_ts IS NOT NULL"
        ).fetchall()
        if rows:
            pairs = np.array(rows, dtype=np.float64)
            ts[pairs[:, 0].astype(np.int64)] = pairs[:, 1]
        kind = np.full(top + 1, -1, dtype=np.int8)
        for name, ids in cur.execute(
            "SELECT kind, group_concat(rowid) FROM documents WHERE kind IS NOT NULL GROUP BY kind"
        ):
            if name in KINDS:
                kind[np.array(ids.split(","), dtype=np.int64)] = KINDS.index(name)
        return cls(tuple(sources), code, ts, kind)


class CachingStore(Protocol):
    """What a per-connection search cache needs of the store: its connection, its write generation and
    the cache itself (``SQLiteStore.search_cache``)."""

    @property
    def conn(self) -> sqlite3.Connection: ...

    @property
    def write_generation(self) -> int: ...

    @property
    def search_cache(self) -> dict[str, Any]: ...


def state_key(conn: sqlite3.Connection, generation: int) -> tuple[int, int]:
    """What identifies the database as ``conn`` sees it: ``PRAGMA data_version`` and the store's
    ``write_generation`` (module docstring)."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0]), generation


def state_slot(store: CachingStore, name: str, new: Callable[[], T]) -> T:
    """The cache entry ``name`` for the database's current state: made by ``new`` on first use and again
    after any write (the FTS5 passes of ``scans.py``, the 提及 verdicts and texts of ``mentions.py``)."""
    key = state_key(store.conn, store.write_generation)
    held = store.search_cache.get(name)
    if held is None or held[0] != key:
        held = (key, new())
        store.search_cache[name] = held
    return held[1]


def doc_meta(conn: sqlite3.Connection, generation: int, cache: dict[str, Any]) -> DocMeta:
    """The columns for ``conn``'s view of the database, reloaded when a write may have changed them.

    ``cache`` is per connection (the store's ``search_cache``); ``generation`` its ``write_generation``.
    """
    key = state_key(conn, generation)
    hit = cache.get("docmeta")
    if hit is not None and hit[0] == key:
        return hit[1]  # type: ignore[no-any-return]
    meta = DocMeta.load(conn)
    cache["docmeta"] = (key, meta)
    return meta


@dataclass(frozen=True, slots=True)
class StoryCols:
    """Story key and canonical flag per rowid.

    ``story[rowid]`` is the same small integer for every member of one multi-copy story (``size > 1``);
    a document alone in its story, or in none, gets a key of its own (``n_stories + rowid``).
    ``canonical[rowid]`` is true for the canonical copy of a multi-copy story.
    """

    n_stories: int
    story: npt.NDArray[np.int64]
    canonical: npt.NDArray[np.bool_]

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> StoryCols:
        cur = conn.cursor()
        cur.row_factory = None
        top = cur.execute("SELECT max(rowid) FROM documents").fetchone()[0] or 0
        rows = cur.execute(
            # CROSS JOIN keeps the multi-copy stories first (stories_size_last), then their members:
            # O(documents in multi-copy stories), not a scan of every membership.
            "SELECT d.rowid, m.story_id, s.canonical_id = m.doc_id FROM stories s"
            " CROSS JOIN story_members m ON m.story_id = s.id JOIN documents d ON d.id = m.doc_id"
            " WHERE s.size > 1"
        ).fetchall()
        names = {sid: i for i, sid in enumerate(sorted({r[1] for r in rows}))}
        n = len(names)
        story = np.arange(n, n + top + 1, dtype=np.int64)
        canonical = np.zeros(top + 1, dtype=np.bool_)
        if rows:
            rowids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            story[rowids] = np.fromiter((names[r[1]] for r in rows), dtype=np.int64, count=len(rows))
            canonical[rowids] = np.fromiter((bool(r[2]) for r in rows), dtype=np.bool_, count=len(rows))
        return cls(n, story, canonical)


def story_cols(conn: sqlite3.Connection, generation: int, cache: dict[str, Any]) -> StoryCols:
    """:class:`StoryCols` for ``conn``'s view of the database; cached and invalidated like :func:`doc_meta`."""
    key = state_key(conn, generation)
    hit = cache.get("storycols")
    if hit is not None and hit[0] == key:
        return hit[1]  # type: ignore[no-any-return]
    cols = StoryCols.load(conn)
    cache["storycols"] = (key, cols)
    return cols
