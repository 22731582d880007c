"""PostgreSQL tags (being ported from store/sqlite/tags.py)."""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = []
