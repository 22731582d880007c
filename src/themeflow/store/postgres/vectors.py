"""PostgreSQL vectors (being ported from store/sqlite/vectors.py)."""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = []
