"""Stage announcements from deep inside long operations, to whoever is listening.

A workflow run searches, reads, summarizes and writes reports; the CLI wants to show which of these is
happening, the web app and tests do not care. Passing a callback through every layer would put a UI
concern into every signature, so the service calls :func:`stage` and a caller that wants to show it
wraps the call in :func:`reporting`. A context variable keeps concurrent callers (threads, the web app's
requests) from seeing each other's stages. With no listener, :func:`stage` costs one lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["Listener", "reporting", "stage"]

Listener = Callable[[str], None]

_listener: ContextVar[Listener | None] = ContextVar("themeflow_progress_listener", default=None)


def stage(text: str) -> None:
    """Announce what the current operation is doing now (``"summarizing 12/40"``)."""
    listener = _listener.get()
    if listener is not None:
        listener(text)


@contextmanager
def reporting(listener: Listener) -> Iterator[None]:
    """Send the stages announced inside this block to ``listener``."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)
