"""Turn files, folders, globs, feeds and URLs into normalized :class:`~themeflow.model.Document` records.

The one entry point is :func:`read_targets`; it yields a ``Document`` or an ``IngestError`` per record so
that one bad record never aborts a batch. Storing, counting new/updated/unchanged and progress bars
belong to :mod:`themeflow.service`. Readers for single formats live in their own modules.
"""

from __future__ import annotations

from themeflow.ingest.document import Limits
from themeflow.ingest.fetch import (
    USER_AGENT,
    FetchConfig,
    Fetcher,
    FetchResult,
    HttpFetcher,
    fetch_config_from_settings,
)
from themeflow.ingest.records import FIELD_NAMES
from themeflow.ingest.targets import EXTENSIONS, read_targets
from themeflow.ingest.times import parse_time

__all__ = [
    "EXTENSIONS",
    "FIELD_NAMES",
    "USER_AGENT",
    "FetchConfig",
    "FetchResult",
    "Fetcher",
    "HttpFetcher",
    "Limits",
    "fetch_config_from_settings",
    "parse_time",
    "read_targets",
]
