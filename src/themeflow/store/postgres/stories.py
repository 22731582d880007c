"""PostgreSQL stories (being ported from store/sqlite/stories.py)."""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = []
