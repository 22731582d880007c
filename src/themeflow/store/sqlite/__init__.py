"""The embedded SQLite backend: one file, WAL, FTS5, named migrations.

Everything that speaks SQL to SQLite lives in this package; the rest of themeflow sees only the protocols
in :mod:`themeflow.store.base`.

- :mod:`.store`: :class:`SQLiteStore`, connections, transactions, documents, summaries, ingest log.
- :mod:`.migrations`: the schema, applied in order and recorded by name.
- :mod:`.fts`: the FTS5 index layout; :mod:`.match`: the query compiled to an FTS5 MATCH expression.
- :mod:`.search`: running a search request; :mod:`.docmeta`: the per-document columns it caches.
- :mod:`.stories`: story membership (syndicated copies) tables.
- :mod:`.workflows`: saved themes, runs, seen sets and run locks.
"""

from pathlib import Path

from themeflow.store.sqlite.store import SQLiteStore

__all__ = ["SQLiteStore", "open_sqlite"]


def open_sqlite(location: str | Path, *, read_only: bool = False) -> SQLiteStore:
    """The registry's opener (``store/__init__.py``): a file path, or ``sqlite:///path``."""
    text = str(location)
    if text.lower().startswith("sqlite://"):
        text = text[len("sqlite://") :]
    return SQLiteStore(text, read_only=read_only)
