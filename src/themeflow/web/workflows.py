"""What the workflow pages and API add to the service's workflow methods: form parsing and the list view.

Saved themes, runs and digests live in ``Themeflow.add_theme / themes / theme / edit_theme /
remove_theme / run_workflow / runs / report`` (logic in :mod:`themeflow.workflow` and
:mod:`themeflow.report`); routes call those directly. Only what a web form or the list page needs on
top of them is here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from themeflow.model import RunRecord, Theme
from themeflow.service import Themeflow

FORM_FIELDS = (
    "name",
    "query",
    "keywords",
    "exclusions",
    "sources",
    "since",
    "schedule",
    "summarizer",
    "figures",
)


def form_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """The theme fields of a submitted form: strings, lists comma-separated (one per line also works)."""
    out: dict[str, Any] = {}
    for key in FORM_FIELDS:
        value = form.get(key)
        if value is not None:
            out[key] = str(value).replace("\r\n", "\n").replace("\n", ",").strip()
    return out


def add(tf: Themeflow, data: Mapping[str, Any]) -> Theme:
    """Validate and save a new theme (the workflow package's validator names the bad field); a form's
    empty optional fields mean "not set", not an empty value to validate."""
    values = {k: v for k, v in data.items() if v not in ("", None) or k in ("name", "query")}
    return tf.add_theme(values)


def edit(tf: Themeflow, name: str, changes: Mapping[str, Any]) -> Theme:
    """Change fields; an empty ``since``/``schedule`` clears it, an empty list field clears the list, and
    a different ``name`` renames (the form always sends the name, unchanged or not)."""
    values = dict(changes)
    new_name = values.pop("name", None)
    if new_name and new_name != name:
        values["name"] = new_name
    return tf.edit_theme(name, **values)


@dataclass(frozen=True, slots=True)
class ThemeRow:
    """One line of the workflow list: the theme and its latest run (None: never run)."""

    theme: Theme
    last_run: RunRecord | None


def overview(tf: Themeflow) -> list[ThemeRow]:
    """Every theme with its latest run, for the list page and ``/api/workflows``."""
    out = []
    for t in tf.themes():
        latest = tf.runs(t.name, limit=1)
        out.append(ThemeRow(t, latest[0] if latest else None))
    return out
