"""The PostgreSQL store for a team (``THEMEFLOW_DB=postgresql://user@host/db``; extra ``themeflow[postgres]``)."""

from __future__ import annotations

from themeflow.errors import ConfigError
from themeflow.store.base import Store

__all__ = ["open_postgres"]


def open_postgres(url: str, *, read_only: bool = False) -> Store:
    """Open (and on first use create the tables of) the PostgreSQL database at ``url``."""
    try:
        from themeflow.store.postgres.store import PostgresStore
    except ImportError as exc:  # psycopg is an extra
        raise ConfigError(
            "THEMEFLOW_DB names a PostgreSQL store, but its driver is not installed:"
            " pip install 'themeflow[postgres]'"
        ) from exc
    return PostgresStore(url, read_only=read_only)
