"""Persistence behind the protocols of :mod:`themeflow.store.base`, and the registry that picks a backend.

``THEMEFLOW_DB`` (or ``--db``) names the store: a file path is the embedded SQLite store; a URL names its
backend by scheme. Adding a backend is a package under ``store/`` and its opener in :data:`BACKENDS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from themeflow.errors import ConfigError
from themeflow.store.base import Store

__all__ = ["BACKENDS", "backend_of", "open_store"]

Opener = Callable[[str, bool], Store]
"""``(location, read_only) -> Store``; each imports its backend only when called (start-up stays cheap)."""


def _sqlite(location: str, read_only: bool) -> Store:
    from themeflow.store.sqlite import open_sqlite

    return open_sqlite(location, read_only=read_only)


def _postgres(location: str, read_only: bool) -> Store:
    from themeflow.store.postgres import open_postgres

    return open_postgres(location, read_only=read_only)


BACKENDS: dict[str, Opener] = {
    "sqlite": _sqlite,
    "postgresql": _postgres,
    "postgres": _postgres,
}
"""URL scheme → opener. A plain path means ``sqlite``."""

_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://")
_PASSWORD = re.compile(r"(://[^/:@]*:)[^/@]*@")


def backend_of(location: str | Path) -> str:
    """The scheme of the backend a location opens: ``sqlite`` for a file path, else its URL's scheme."""
    m = _URL.match(str(location))
    return m.group("scheme").lower() if m else "sqlite"


def open_store(location: str | Path, *, read_only: bool = False) -> Store:
    """Open the store at ``location``: a file path (SQLite) or a URL whose scheme is in :data:`BACKENDS`.

    A URL of a scheme no installed backend handles is a clear error, never a file of that name.
    """
    text = str(location)
    scheme = backend_of(text)
    opener = BACKENDS.get(scheme)
    if opener is None:
        shown = _PASSWORD.sub(r"\1***@", text)
        known = ", ".join(f"{s}://" for s in BACKENDS)
        raise ConfigError(
            f"THEMEFLOW_DB={shown}: no store for {scheme}:// in this installation"
            f" (known: a file path for SQLite, {known})"
        )
    return opener(text, read_only)
