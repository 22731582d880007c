"""The workflow capability as the web app sees it: a thin adapter over the service's workflow methods.

Saved themes, runs and digests live in ``Themeflow.add_theme / themes / theme / edit_theme /
remove_theme / run_workflow / runs / report`` (logic in :mod:`themeflow.workflow` and
:mod:`themeflow.report`). If a method or the package behind it is missing from the build, the call
raises :class:`~themeflow.errors.NotAvailableError`, so the pages show "not yet available" (and the API
a 501 envelope) instead of crashing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from themeflow.model import Theme
from themeflow.service import Themeflow

FORM_FIELDS = ("name", "query", "keywords", "exclusions", "sources", "since", "schedule", "summarizer")


def _call(tf: Themeflow, method: str, *args: Any, **kwargs: Any) -> Any:
    """``tf.method(*args, **kwargs)``, or NotAvailableError when the workflow capability is not built."""
    bound: Callable[..., Any] = getattr(tf, method)
    return bound(*args, **kwargs)


def form_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """The theme fields of a submitted form: strings, lists comma-separated (one per line also works)."""
    out: dict[str, Any] = {}
    for key in FORM_FIELDS:
        value = form.get(key)
        if value is not None:
            out[key] = str(value).replace("\r\n", "\n").replace("\n", ",").strip()
    return out


def themes(tf: Themeflow) -> list[Theme]:
    return list(_call(tf, "themes"))


def theme(tf: Themeflow, name: str) -> Theme:
    found: Theme = _call(tf, "theme", name)
    return found


def add(tf: Themeflow, data: Mapping[str, Any]) -> Theme:
    """Validate and save a new theme (the workflow package's validator names the bad field)."""
    values = {k: v for k, v in data.items() if v not in ("", None) or k in ("name", "query")}
    added: Theme = _call(tf, "add_theme", values)
    return added


def edit(tf: Themeflow, name: str, changes: Mapping[str, Any]) -> Theme:
    """Change fields; an empty ``since``/``schedule`` clears it, an empty list field clears the list, and
    ``name`` renames."""
    values = dict(changes)
    new_name = values.pop("name", None)
    if new_name and new_name != name:
        values["name"] = new_name
    edited: Theme = tf.edit_theme(name, **values)
    return edited


def remove(tf: Themeflow, name: str) -> None:
    _call(tf, "remove_theme", name)


def run(tf: Themeflow, name: str) -> Any:
    """Run now; returns the workflow package's ``RunResult`` (run record, digest, report paths)."""
    return _call(tf, "run_workflow", name)


def runs(tf: Themeflow, name: str, *, limit: int = 20) -> list[Any]:
    """Run records of a theme, newest first."""
    return list(_call(tf, "runs", name, limit=limit))


def digest(tf: Themeflow, run_id: int) -> Any:
    """The digest of a stored run (items as recorded, summaries from the cache)."""
    return _call(tf, "report", run_id=run_id)


@dataclass(frozen=True, slots=True)
class ThemeRow:
    theme: Theme
    last_run: Any | None


def overview(tf: Themeflow) -> list[ThemeRow]:
    """Every theme with its latest run, for the list page."""
    out = []
    for t in themes(tf):
        latest = runs(tf, t.name, limit=1)
        out.append(ThemeRow(t, latest[0] if latest else None))
    return out
