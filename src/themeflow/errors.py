"""The exceptions themeflow raises, each with a message a user can act on.

::

    ThemeflowError            catch this to handle anything themeflow raises on purpose
    ├── InputError            a bad file, record, feed, URL or query: the user can fix the input
    │   └── QueryError        a malformed search query; carries the character position
    ├── StoreError            the database could not be read or written
    ├── SummarizerError       a summarizer (extractive or LLM endpoint) failed
    ├── ConfigError           a setting is missing or invalid
    └── NotAvailableError     a capability not built yet or whose optional extra is not installed

Foreign errors (sqlite3, httpx, pypdf, trafilatura) are translated at the adapter that calls them:
``raise StoreError("…") from exc``. The CLI prints ``str(error)`` and exits non-zero; the web API renders
the one JSON error envelope. A bare traceback for a user mistake is a bug.
"""

from __future__ import annotations


class ThemeflowError(Exception):
    """Base class. ``str(exc)`` is the user-facing message."""

    exit_code = 1
    http_status = 500


class InputError(ThemeflowError):
    """Bad input: a file, record, feed, URL or argument. Catch to report and continue with the next."""

    exit_code = 2
    http_status = 400


class QueryError(InputError):
    """A search query that cannot be parsed. ``position`` is the 0-based character offset of the problem."""

    def __init__(self, message: str, position: int | None = None) -> None:
        self.position = position
        if position is not None:
            message = f"{message} (at position {position})"
        super().__init__(message)


class StoreError(ThemeflowError):
    """The store failed (locked, corrupt, unreachable). Retrying may help; the data already committed is safe."""

    http_status = 503


class SummarizerError(ThemeflowError):
    """A summarizer could not produce a summary for a document."""

    http_status = 502


class ConfigError(ThemeflowError):
    """A setting is missing or invalid; the message names the setting and how to set it."""

    exit_code = 3


class NotAvailableError(ThemeflowError):
    """A capability that is not built yet, or whose optional extra is missing (the message gives the install line)."""

    exit_code = 4
    http_status = 501


class NotFoundError(InputError):
    """A document, story, workflow or run that does not exist."""

    http_status = 404
