"""Records of the workflow capability that the shared ``model.py`` does not carry.

``model.Run`` is the shared, minimal record of a run; :class:`RunRecord` adds what the store keeps for
scheduling and reporting (trigger, slot, counts, report paths) and converts back with :meth:`to_run`.
These live here, not in ``model.py``, so the workflow tables can grow without touching a shared file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from themeflow.model import Run, Snippet

RunStatus = Literal["running", "ok", "failed"]
ItemStatus = Literal["new", "updated"]
Trigger = Literal["manual", "scheduler"]


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run as stored: the shared :class:`~themeflow.model.Run` fields plus bookkeeping."""

    id: int
    theme: str
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    trigger: Trigger
    slot_at: datetime | None
    """The schedule slot this run was recorded for (see :mod:`themeflow.schedule`)."""
    window_start: datetime | None
    """Exclusive lower bound of the write window (None: everything written before ``window_end``)."""
    window_end: datetime
    """Inclusive upper bound: the next run starts here."""
    candidates: int = 0
    """Documents written in the window, matching or not."""
    new_documents: int = 0
    """Matching documents new (or changed) for this theme."""
    items: int = 0
    """Stories reported (copies folded)."""
    summarized: int = 0
    error: str | None = None
    reports: Mapping[str, str] = field(default_factory=dict)
    item_ids: tuple[str, ...] = ()

    def to_run(self) -> Run:
        return Run(
            id=self.id,
            theme=self.theme,
            started_at=self.started_at,
            finished_at=self.finished_at,
            status=self.status,
            window_start=self.window_start,
            window_end=self.window_end,
            new_documents=self.new_documents,
            item_ids=self.item_ids,
            error=self.error,
        )


@dataclass(frozen=True, slots=True)
class RunItem:
    """One reported story of a run: its lead document and which of its copies were new in this run."""

    run_id: int
    position: int
    doc_id: str
    story_id: str | None
    status: ItemStatus
    new_doc_ids: tuple[str, ...]
    score: float | None = None
    snippet: Snippet | None = None
    summarized: bool = True


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds a workflow's run lock, since when, and until when its heartbeat keeps it."""

    name: str
    owner: str
    """``host:pid:thread:nonce`` of the process running it (see ``workflow.locks``)."""
    expires_at: datetime
    acquired_at: datetime | None = None
