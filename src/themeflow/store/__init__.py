"""Persistence behind the protocols of :mod:`themeflow.store.base`, and the registry that picks a backend.

``THEMEFLOW_DB`` (or ``--db``) names the store: a file path is the embedded SQLite store; a URL names its
backend by scheme. Adding a backend is a package under ``store/`` and one line in :data:`BACKENDS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

from themeflow.errors import ConfigError
from themeflow.store.base import Store

__all__ = ["BACKENDS", "open_store"]

BACKENDS: dict[str, str] = {
    "sqlite": "themeflow.store.sqlite:open_sqlite",
}
"""URL scheme → ``module:function(location, read_only=…) -> Store``. A plain path means ``sqlite``."""

_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://")
_PASSWORD = re.compile(r"(://[^/:@]*:)[^/@]*@")


def open_store(location: str | Path, *, read_only: bool = False) -> Store:
    """Open the store at ``location``: a file path (SQLite) or a URL whose scheme is in :data:`BACKENDS`.

    A URL of a scheme no installed backend handles is a clear error, never a file of that name.
    """
    text = str(location)
    m = _URL.match(text)
    scheme = m.group("scheme").lower() if m else "sqlite"
    target = BACKENDS.get(scheme)
    if target is None:
        shown = _PASSWORD.sub(r"\1***@", text)
        known = ", ".join(f"{s}://" for s in BACKENDS)
        raise ConfigError(
            f"THEMEFLOW_DB={shown}: no store for {scheme}:// in this installation"
            f" (known: a file path for SQLite, {known})"
        )
    module, _, name = target.partition(":")
    opener: Callable[..., Store] = getattr(import_module(module), name)
    return opener(text, read_only=read_only)
