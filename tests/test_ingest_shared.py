"""The whole shared corpus reads cleanly and with stable ids (skipped without ../shared/data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from themeflow.ingest import read_targets
from themeflow.model import Document, IngestError

pytestmark = pytest.mark.shared


def test_every_record_of_news_jsonl_yields_a_stable_document(shared_data: Path) -> None:
    path = shared_data / "news.jsonl"
    expected = 0
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            expected += bool((record.get("text") or "").strip())
    first = list(read_targets([str(path)]))
    errors = [r for r in first if isinstance(r, IngestError)]
    docs = [r for r in first if isinstance(r, Document)]
    assert not errors, errors[:5]
    assert len(docs) == expected
    assert all(d.paragraphs and d.title for d in docs)
    assert all(d.published_at is None or d.published_at.tzinfo is not None for d in docs)
    assert {d.time_origin for d in docs} <= {"document", "fetch", "unknown"}
    assert sum(d.time_origin == "fetch" for d in docs) > 0  # the published_note records
    upstream = {d.meta["source_id"] for d in docs}
    assert len(upstream) == len(docs)
    second = [(d.id, d.content_hash) for d in read_targets([str(path)]) if isinstance(d, Document)]
    assert second == [(d.id, d.content_hash) for d in docs]
