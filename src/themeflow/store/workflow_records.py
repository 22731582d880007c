"""Saved themes, runs, run items and run locks as rows and back, for every store backend.

Every backend keeps the same workflow tables (``themes``, ``runs``, ``run_items``, ``theme_seen``,
``scheduler_locks``) with times as epoch seconds. They differ in their SQL and in how a JSON column is kept
(text in the embedded store, JSONB on PostgreSQL); what a row means does not. So the column values a record
writes, the record a row reads back as, and the rule for when a run lock may be taken over are decided here
once, and two backends given the same calls give the same answers.

A backend hands in its rows as anything indexable by column name (``sqlite3.Row``, a psycopg dict row) and
says how it binds a JSON value (:data:`JsonColumn`); nothing here runs a statement.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from themeflow.model import LockHolder, RunItem, RunRecord, Snippet, Theme
from themeflow.serialize import parse_iso

__all__ = [
    "ERROR_CHARS",
    "MAX_ID",
    "JsonColumn",
    "Row",
    "blocking_holder",
    "decoded",
    "id_can_exist",
    "holder_from_row",
    "row_limit",
    "run_from_row",
    "run_item_from_row",
    "run_item_values",
    "theme_from_row",
    "theme_values",
    "to_datetime",
    "to_epoch",
]

MAX_ID = 2**63 - 1
"""Ids and limits beyond a signed 64-bit integer cannot exist (and cannot be bound as a parameter)."""

ERROR_CHARS = 2000
"""How much of a failed run's error message is kept."""

JsonColumn = Callable[[Any], object]
"""How a backend binds a JSON value: JSON text for the embedded store, a JSONB adapter for PostgreSQL."""


class Row(Protocol):
    """A row read by column name: ``sqlite3.Row`` or a psycopg dict row."""

    def __getitem__(self, key: str, /) -> Any: ...


def to_datetime(epoch: float | None) -> datetime | None:
    """Stored epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def to_epoch(dt: datetime | None) -> float | None:
    """A datetime as the epoch seconds the tables keep."""
    return dt.timestamp() if dt is not None else None


def decoded(value: object) -> Any:
    """A JSON column as read: JSON text from the embedded store (empty text for none), an already decoded
    value from JSONB."""
    if isinstance(value, str):
        return json.loads(value) if value else None
    return value


def id_can_exist(run_id: int) -> bool:
    """Whether a run id could be stored at all (0, negative and beyond 64 bits cannot)."""
    return 0 < run_id <= MAX_ID


def row_limit(limit: int) -> int:
    """A caller's limit as one the database accepts: negative reads nothing, huge reads everything."""
    return max(0, min(limit, MAX_ID))


# --------------------------------------------------------------------------- themes


def theme_values(theme: Theme, json_column: JsonColumn, *, now: float | None, new: bool) -> dict[str, object]:
    """The ``themes`` columns of ``theme``, by name, stamped ``now`` (the clock when None): ``updated_at``,
    and ``created_at`` too for a ``new`` theme."""
    now = time.time() if now is None else now
    values: dict[str, object] = {
        "name": theme.name,
        "query": theme.query,
        "keywords": json_column(list(theme.keywords)),
        "exclusions": json_column(list(theme.exclusions)),
        "sources": json_column(list(theme.sources)),
        "since": theme.since.isoformat() if theme.since else None,
        "schedule": theme.schedule,
        "summarizer": theme.summarizer,
        "figures": theme.figures,
    }
    return {**values, "created_at": now, "updated_at": now} if new else {**values, "updated_at": now}


def theme_from_row(row: Row) -> Theme:
    return Theme(
        name=row["name"],
        query=row["query"],
        keywords=tuple(decoded(row["keywords"])),
        exclusions=tuple(decoded(row["exclusions"])),
        sources=tuple(decoded(row["sources"])),
        since=parse_iso(row["since"]),
        schedule=row["schedule"],
        summarizer=row["summarizer"],
        figures=row["figures"],
    )


# --------------------------------------------------------------------------- runs and their items


def run_from_row(row: Row, item_ids: tuple[str, ...] = ()) -> RunRecord:
    window_end = to_datetime(row["window_end"])
    started = to_datetime(row["started_at"])
    assert window_end is not None and started is not None
    return RunRecord(
        id=int(row["id"]),
        theme=row["theme"],
        started_at=started,
        finished_at=to_datetime(row["finished_at"]),
        status=row["status"],
        trigger=row["trigger"],
        slot_at=to_datetime(row["slot_at"]),
        window_start=to_datetime(row["window_start"]),
        window_end=window_end,
        candidates=int(row["candidates"]),
        new_documents=int(row["new_documents"]),
        items=int(row["items"]),
        summarized=int(row["summarized"]),
        prompt_tokens=int(row["prompt_tokens"]),
        completion_tokens=int(row["completion_tokens"]),
        error=row["error"],
        reports=dict(decoded(row["reports"]) or {}),
        item_ids=item_ids,
    )


def run_item_values(run_id: int, item: RunItem, json_column: JsonColumn) -> tuple[object, ...]:
    """The ``run_items`` columns of one reported story: run, position, document, story, status, new copies,
    score, snippet, summarized, aboutness, late."""
    snippet = item.snippet
    return (
        run_id,
        item.position,
        item.doc_id,
        item.story_id,
        item.status,
        json_column(list(item.new_doc_ids)),
        item.score,
        None if snippet is None else json_column(_snippet_dict(snippet)),
        bool(item.summarized),
        item.aboutness,
        bool(item.late),
    )


def run_item_from_row(run_id: int, row: Row) -> RunItem:
    return RunItem(
        run_id=run_id,
        position=int(row["position"]),
        doc_id=row["doc_id"],
        story_id=row["story_id"],
        status=row["status"],
        new_doc_ids=tuple(decoded(row["new_doc_ids"])),
        score=row["score"],
        snippet=_snippet_from_dict(decoded(row["snippet"])),
        summarized=bool(row["summarized"]),
        aboutness=row["aboutness"],
        late=bool(row["late"]),
    )


def _snippet_dict(snippet: Snippet) -> dict[str, object]:
    return {
        "paragraph": snippet.paragraph,
        "text": snippet.text,
        "highlights": [list(h) for h in snippet.highlights],
    }


def _snippet_from_dict(d: Any) -> Snippet | None:
    if not d:
        return None
    return Snippet(
        paragraph=int(d["paragraph"]),
        text=d["text"],
        highlights=tuple((int(a), int(b)) for a, b in d.get("highlights", [])),
    )


# --------------------------------------------------------------------------- run locks


def holder_from_row(name: str, row: Row) -> LockHolder:
    """The holder of the lock on ``name`` from its ``scheduler_locks`` row (owner, acquired_at, expires_at)."""
    expires, acquired = to_datetime(float(row["expires_at"])), to_datetime(float(row["acquired_at"]))
    assert expires is not None and acquired is not None
    return LockHolder(name=name, owner=row["owner"], expires_at=expires, acquired_at=acquired)


def blocking_holder(
    name: str, row: Row | None, owner: str, *, now: float, is_stale: Callable[[str], bool] | None
) -> LockHolder | None:
    """Who keeps ``owner`` from taking the lock on ``name`` (its row as read inside the write), or None when
    it may be taken: no row, ``owner``'s own (taking it again extends it), a heartbeat that expired, or an
    owner ``is_stale`` says is gone (a process on this host that no longer exists)."""
    if (
        row is not None
        and row["owner"] != owner
        and float(row["expires_at"]) > now
        and not (is_stale is not None and is_stale(row["owner"]))
    ):
        return holder_from_row(name, row)
    return None
