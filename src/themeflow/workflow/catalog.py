"""Saved themes: add, list, show, edit, remove — validated here, kept by the store's workflow tables.

Every function takes the store (its :class:`~themeflow.store.base.WorkflowStore` does the reading and
writing) and, where a theme is read from a mapping, the time zone its dates are in.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

from themeflow.errors import InputError, NotFoundError
from themeflow.model import RunRecord, Theme
from themeflow.store.base import Store
from themeflow.workflow.themes import apply_changes, search_queries, theme_from_mapping

__all__ = [
    "add_theme",
    "edit_theme",
    "get_run",
    "get_theme",
    "list_runs",
    "list_themes",
    "remove_theme",
]


def _check_query(theme: Theme) -> None:
    """Parse each search string the theme will run, so a bad query fails at ``add``, not at 08:00."""
    from themeflow.search.query import parse_query

    for q in search_queries(theme):
        try:
            parse_query(q)
        except InputError as exc:
            raise InputError(f"theme {theme.name!r}: query {q!r}: {exc}") from None


def _no_such_theme(name: str) -> NotFoundError:
    return NotFoundError(f"no workflow named {name!r}; `themeflow workflow list` shows the saved ones")


def add_theme(store: Store, theme: Theme | Mapping[str, Any], *, tz: tzinfo, replace: bool = False) -> Theme:
    """Save a new theme (``replace=True`` overwrites one with the same name, keeping its run history)."""
    if not isinstance(theme, Theme):
        theme = theme_from_mapping(theme, tz=tz)
    _check_query(theme)
    with store.workflows.writing() as wf:
        if wf.insert_theme(theme) is None:
            if not replace:
                raise InputError(
                    f"a workflow named {theme.name!r} already exists; use `themeflow workflow edit` "
                    "to change it or `workflow add --replace` to overwrite it"
                )
            wf.update_theme(theme.name, theme)
    return theme


def list_themes(store: Store) -> list[Theme]:
    with store.workflows.reading() as wf:
        return wf.list_themes()


def get_theme(store: Store, name: str) -> Theme:
    with store.workflows.reading() as wf:
        theme = wf.get_theme(name)
    if theme is None:
        raise _no_such_theme(name)
    return theme


def edit_theme(store: Store, name: str, changes: Mapping[str, Any], *, tz: tzinfo) -> Theme:
    """Change some fields of a saved theme; the run history and what was reported are kept."""
    current = get_theme(store, name)
    updated = apply_changes(current, changes, tz=tz)
    _check_query(updated)
    with store.workflows.writing() as wf:
        if updated.name != name and wf.theme_id(updated.name) is not None:
            raise InputError(f"cannot rename {name!r} to {updated.name!r}: that name is taken")
        wf.update_theme(name, updated)
    return updated


def remove_theme(store: Store, name: str) -> None:
    """Delete a theme with its run history (reports already written stay on disk)."""
    with store.workflows.writing() as wf:
        if not wf.delete_theme(name):
            raise _no_such_theme(name)


def list_runs(store: Store, name: str, *, limit: int = 20) -> list[RunRecord]:
    """The theme's runs, newest first."""
    with store.workflows.reading() as wf:
        tid = wf.theme_id(name)
        if tid is None:
            raise _no_such_theme(name)
        return wf.list_runs(tid, limit)


def get_run(store: Store, run_id: int) -> RunRecord:
    with store.workflows.reading() as wf:
        record = wf.get_run(run_id)
    if record is None:
        raise NotFoundError(f"no workflow run with id {run_id}; `themeflow workflow show NAME` lists runs")
    return record
