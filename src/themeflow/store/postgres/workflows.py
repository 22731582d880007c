"""PostgreSQL workflows (being ported from store/sqlite/workflows.py)."""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = []
