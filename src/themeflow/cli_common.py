"""What every ``themeflow`` command file shares: option types, the two consoles, JSON output.

Kept free of heavy imports on purpose: ``themeflow --help`` and ``themeflow version`` import only this,
typer and the command files, so they start in a few tens of milliseconds. The store, search, summarizers
and rich's console are imported by the command that needs them, when it runs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol

import typer

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from themeflow.service import Themeflow

__all__ = [
    "DbOption",
    "JsonOption",
    "LazyConsole",
    "ListOption",
    "Printer",
    "QuietOption",
    "RayAddressOption",
    "RayOption",
    "SinceOption",
    "SourceOption",
    "UntilOption",
    "err",
    "open_themeflow",
    "out",
    "print_json",
]

DbOption = Annotated[
    str | None,  # not Path: a store URL (scheme://host/db) must reach the registry with its "//" intact
    typer.Option(
        "--db",
        envvar="THEMEFLOW_DB",
        help="The store: a SQLite file (default: ~/.themeflow/themeflow.db) or postgresql://user@host/db.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
RayOption = Annotated[
    bool,
    typer.Option(
        "--ray", help="Run the batches as Ray tasks (pip install 'themeflow[ray]'; a PostgreSQL store)."
    ),
]
RayAddressOption = Annotated[
    str | None,
    typer.Option("--ray-address", help="The Ray cluster to use (default: RAY_ADDRESS, else a local one)."),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]
SinceOption = Annotated[
    str | None, typer.Option(help="Published on or after: YYYY, YYYY-MM, YYYY-MM-DD, or 30d (days ago).")
]
UntilOption = Annotated[
    str | None, typer.Option(help="Published on or before: YYYY, YYYY-MM or YYYY-MM-DD (the whole period).")
]
SourceOption = Annotated[list[str] | None, typer.Option("--source", help="Only this outlet (repeatable).")]
ListOption = Annotated[list[str] | None, typer.Option(help="Repeatable, or comma-separated.")]


class Printer(Protocol):
    """What the terminal renderers need of a console: rich's ``Console`` is one, and so is
    :class:`LazyConsole`, so ``print_page(out, …)`` type-checks without building a console up front."""

    def print(self, *objects: RenderableType) -> None: ...


class LazyConsole:
    """A rich ``Console`` built on first use, so a command that prints nothing never imports rich.

    ``print`` (all the commands use) is typed; other attribute access is forwarded. ``.console`` is the
    real object, for APIs that type-check it (a ``Progress`` display).
    """

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, soft_wrap=True, highlight=False)
        return self._console

    def print(
        self, *objects: RenderableType, markup: bool | None = None, highlight: bool | None = None
    ) -> None:
        self.console.print(*objects, markup=markup, highlight=highlight)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


out = LazyConsole(stderr=False)
"""Results: the one thing on stdout."""
err = LazyConsole(stderr=True)
"""Messages, progress and errors: stderr, so ``--json | jq`` always works."""


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def open_themeflow(db: str | Path | None, *, read_only: bool = False, **overrides: str | None) -> Themeflow:
    """The service over the configured store (imported here, not at start-up)."""
    from themeflow.service import Themeflow

    return Themeflow.open(db, read_only=read_only, **overrides)
