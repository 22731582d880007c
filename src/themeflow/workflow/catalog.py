"""Saved themes: add, list, show, edit, remove — and the seam to the store's workflow tables.

The workflow tables are SQLite-only for now. Everything here reaches them through :func:`tables`, which
hands back the backend's access module (``store/workflows_sqlite.py``) together with the store; a Postgres
store will provide a module with the same functions and this file will not change.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any

from themeflow.errors import InputError, NotAvailableError, NotFoundError, StoreError
from themeflow.model import Theme
from themeflow.workflow.themes import apply_changes, search_queries, theme_from_mapping

if TYPE_CHECKING:
    from themeflow.service import Themeflow
    from themeflow.store.base import Store

__all__ = [
    "tables",
    "reading",
    "writing",
    "add_theme",
    "list_themes",
    "get_theme",
    "edit_theme",
    "remove_theme",
]


def tables(store: Store) -> ModuleType:
    """The workflow table functions for this store's backend."""
    if not hasattr(store, "transaction") or not hasattr(store, "conn"):
        raise NotAvailableError(
            f"saved workflows need the SQLite store for now ({type(store).__name__} has no workflow tables)"
        )
    from themeflow.store.sqlite import workflows as workflows_sqlite

    return workflows_sqlite


@contextmanager
def reading(store: Store) -> Iterator[sqlite3.Connection]:
    """The store's read connection, with sqlite errors translated."""
    try:
        yield store.conn  # type: ignore[attr-defined]
    except sqlite3.Error as exc:
        raise StoreError(f"could not read workflows in {store.location}: {exc}") from exc


@contextmanager
def writing(store: Store) -> Iterator[sqlite3.Connection]:
    """A ``BEGIN IMMEDIATE`` write transaction (the store translates sqlite errors)."""
    with store.transaction() as conn:  # type: ignore[attr-defined]
        yield conn


def _check_query(tf: Themeflow, theme: Theme) -> None:
    """Parse each search string the theme will run, so a bad query fails at ``add``, not at 08:00."""
    from themeflow.search.query import parse_query

    for q in search_queries(theme):
        try:
            parse_query(q)
        except InputError as exc:
            raise InputError(f"theme {theme.name!r}: query {q!r}: {exc}") from None


def add_theme(tf: Themeflow, theme: Theme | Mapping[str, Any], *, replace: bool = False) -> Theme:
    """Save a new theme (``replace=True`` overwrites one with the same name, keeping its run history)."""
    if not isinstance(theme, Theme):
        theme = theme_from_mapping(theme, tz=tf.settings.timezone)
    _check_query(tf, theme)
    wf = tables(tf.store)
    with writing(tf.store) as conn:
        if wf.insert_theme(conn, theme) is None:
            if not replace:
                raise InputError(
                    f"a workflow named {theme.name!r} already exists; use `themeflow workflow edit` "
                    "to change it or `workflow add --replace` to overwrite it"
                )
            wf.update_theme(conn, theme.name, theme)
    return theme


def list_themes(tf: Themeflow) -> list[Theme]:
    wf = tables(tf.store)
    with reading(tf.store) as conn:
        return list(wf.list_themes(conn))


def get_theme(tf: Themeflow, name: str) -> Theme:
    wf = tables(tf.store)
    with reading(tf.store) as conn:
        theme = wf.get_theme(conn, name)
    if theme is None:
        raise NotFoundError(f"no workflow named {name!r}; `themeflow workflow list` shows the saved ones")
    return theme  # type: ignore[no-any-return]


def edit_theme(tf: Themeflow, name: str, changes: Mapping[str, Any]) -> Theme:
    """Change some fields of a saved theme; the run history and what was reported are kept."""
    current = get_theme(tf, name)
    updated = apply_changes(current, changes, tz=tf.settings.timezone)
    _check_query(tf, updated)
    wf = tables(tf.store)
    with writing(tf.store) as conn:
        if updated.name != name and wf.theme_id(conn, updated.name) is not None:
            raise InputError(f"cannot rename {name!r} to {updated.name!r}: that name is taken")
        wf.update_theme(conn, name, updated)
    return updated


def remove_theme(tf: Themeflow, name: str) -> None:
    """Delete a theme with its run history (reports already written stay on disk)."""
    wf = tables(tf.store)
    with writing(tf.store) as conn:
        if not wf.delete_theme(conn, name):
            raise NotFoundError(f"no workflow named {name!r}; `themeflow workflow list` shows the saved ones")
