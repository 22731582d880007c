"""What every route needs: the service object, the security settings and the template environment.

One :class:`WebState` lives on ``app.state.web``; routes fetch it with :func:`web_state` instead of
reaching for globals, so tests can build as many independent apps as they like.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from themeflow.model import Document
from themeflow.service import Themeflow
from themeflow.web.guard import HostPolicy
from themeflow.web.present import summary_view
from themeflow.web.searching import SearchCache
from themeflow.web.throttle import LoginThrottle

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"


@dataclass
class WebState:
    """Per-app state shared by every request (the service object is thread-safe: one connection per thread)."""

    tf: Themeflow
    templates: Jinja2Templates
    read_only: bool = False
    token: str | None = None
    hosts: HostPolicy = field(default_factory=HostPolicy.build)
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    search_cache: SearchCache = field(default_factory=SearchCache)
    _sources: tuple[float, list[tuple[str, int]]] | None = field(default=None, repr=False)
    _blocks: OrderedDict[tuple[str, str, str | tuple[str, ...] | None, str | None], Markup] = field(
        default_factory=OrderedDict, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def sources(self, ttl: float = 60.0) -> list[tuple[str, int]]:
        """Outlets with document counts for the source filter, cached briefly: ``stats()`` scans the table
        and the filter does not need to be exact to the second."""
        now = time.monotonic()
        with self._lock:
            cached = self._sources
        if cached is not None and now - cached[0] < ttl:
            return cached[1]
        counts = sorted(self.tf.stats().sources.items(), key=lambda kv: (-kv[1], kv[0]))
        with self._lock:
            self._sources = (now, counts)
        return counts

    def top_sources(self, selected: tuple[str, ...] = (), n: int = 40) -> list[tuple[str, int]]:
        """The ``n`` biggest named outlets (a corpus can have hundreds) plus any currently selected."""
        named = [(name, count) for name, count in self.sources() if name and name != "(unknown)"]
        top = named[:n]
        shown = {name for name, _ in top}
        return top + [(name, 0) for name in selected if name not in shown]

    def summary_block(
        self, doc: Document, *, theme: str | tuple[str, ...] | None = None, summarizer: str | None = None
    ) -> Markup:
        """The rendered summary of ``doc`` (the ``summary`` macro), cached per document content (and per
        ``theme`` for a roundup shown under one: its summary covers the theme's paragraphs only); rendering
        20 cited summaries dominates the search page's cost."""
        key = (doc.id, doc.content_hash, theme, summarizer)
        with self._lock:
            cached = self._blocks.get(key)
            if cached is not None:
                self._blocks.move_to_end(key)
                return cached
        view = summary_view(self.tf, doc, theme=theme, summarizer=summarizer)
        # A template module's attributes are its macros, known only when the template is loaded, so
        # jinja2's stubs cannot name them.
        macro = self.templates.env.get_template("_items.html").module.summary  # type: ignore[attr-defined]
        html = Markup(macro(doc, view))
        if view.summary is not None:  # failures are not cached: the next view retries
            with self._lock:
                self._blocks[key] = html
                while len(self._blocks) > 4096:
                    self._blocks.popitem(last=False)
        return html


async def web_state(request: Request) -> WebState:
    """FastAPI dependency: the app's :class:`WebState` (async: a sync dependency costs a thread hop)."""
    state: WebState = request.app.state.web
    return state


TfSource = Themeflow | Callable[[], Themeflow] | str | Path | None


def open_service(source: TfSource, *, read_only: bool = False) -> Themeflow:
    """Accept a ready service, a factory, or a database path (None: the configured default database).

    ``read_only`` opens a path read-only (SQLite ``mode=ro``), so ``serve --read-only`` works on a
    database in a folder it cannot write.
    """
    if isinstance(source, Themeflow):
        return source
    if callable(source):
        return source()
    return Themeflow.open(source, read_only=read_only)


def template_globals() -> dict[str, Any]:
    return {"app_name": "themeflow"}
