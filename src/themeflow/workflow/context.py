"""What the workflow engine works with, handed in by the service: the store, a search, a summarizer.

Why not the service itself: the workflow engine sits below the service (``docs/architecture.md``). It needs
three capabilities and the settings, and taking exactly those keeps it testable on its own and free of an
import cycle (the service imports the workflow package, never the other way round).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Literal, Protocol

from themeflow.config import Settings
from themeflow.facts.confirm import FactChecker, llm_fact_checker
from themeflow.model import Document, SearchPage, Summary
from themeflow.notify import Notifier, notifiers_from_settings
from themeflow.store.base import Store

__all__ = ["SearchFn", "SummarizeFn", "WorkflowContext"]


class SearchFn(Protocol):
    """``Themeflow.search``: the query language, filters, copies folded or not."""

    def __call__(
        self,
        query: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        sources: Sequence[str] = (),
        sort: Literal["time", "relevance"] = "relevance",
        limit: int = 20,
        offset: int = 0,
        collapse: bool = True,
        within: Collection[str] | None = None,
    ) -> SearchPage: ...


class SummarizeFn(Protocol):
    """``Themeflow.summarize``: the verified, cached summary of a document by the named summarizer (None:
    the configured one); under ``theme`` (its queries) a roundup that only mentions the theme is summarized
    from its paragraphs about it."""

    def __call__(
        self,
        doc: Document,
        *,
        summarizer: str | None = None,
        theme: str | Sequence[str] | None = None,
    ) -> Summary: ...


class SummarizeManyFn(Protocol):
    """``Themeflow.summarize_many``: several documents' summaries, made concurrently where that helps."""

    def __call__(
        self,
        docs: Sequence[Document],
        *,
        summarizer: str | None = None,
        theme: str | Sequence[str] | None = None,
    ) -> list[Summary]: ...


@dataclass(frozen=True, slots=True)
class WorkflowContext:
    """The store, a search, a summarizer and the settings a workflow run, a digest or the scheduler use."""

    store: Store
    search: SearchFn
    summarize: SummarizeFn
    settings: Settings
    summarize_many: SummarizeManyFn | None = None
    """Several summaries at once (None: one :attr:`summarize` call per document)."""
    usage: Callable[[], tuple[int, int]] = lambda: (0, 0)
    """LLM tokens (prompt, completion) spent by this process's summaries so far: a run reads it before and
    after summarizing, so a summary served from the cache costs nothing again."""
    notifiers: Callable[[Settings], Sequence[Notifier]] = notifiers_from_settings
    """The channels a run that finds new stories notifies, read from the settings when one is due."""
    fact_checker: Callable[[Settings], FactChecker] = lambda settings: llm_fact_checker(settings.get)
    """The LLM check of key figures for a theme whose ``figures`` is ``llm`` (ConfigError: no endpoint)."""

    @property
    def tz(self) -> tzinfo:
        """The time zone dates are read and shown in."""
        return self.settings.timezone

    @property
    def reports_dir(self) -> Path:
        return self.settings.reports_dir
