"""Quality gate of the same-event rule on the pooled, hand-labelled pairs of the shared corpus.

Skips without ``../shared/data``. Floors may be raised, never silently lowered; the blind part was scored
once with the rule frozen (README), so this gate holds the whole set to the issue's precision bar.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import TEST_DATA
from themeflow.events import event_signature, group_events, same_event
from themeflow.model import Document

pytestmark = pytest.mark.shared

PRECISION_FLOOR = 0.9
RECALL_FLOOR = 0.5
POSITIVE = {"same_event", "copy"}


def _documents(news: Path, ids: set[str]) -> dict[str, Document]:
    out: dict[str, Document] = {}
    with news.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if r["id"] in ids:
                out[r["id"]] = Document(
                    id=r["id"],
                    title=r.get("title") or "",
                    paragraphs=tuple(p.strip() for p in r["text"].split("\n") if p.strip()),
                    source=r.get("source"),
                    published_at=datetime.fromisoformat(r["published"]) if r.get("published") else None,
                )
    return out


def test_same_event_precision_and_recall_on_the_labelled_pairs(shared_data: Path) -> None:
    rows = [
        json.loads(x) for x in (TEST_DATA / "event_pairs.jsonl").read_text(encoding="utf-8").splitlines() if x
    ]
    assert len(rows) >= 200 and {r["split"] for r in rows} == {"dev", "blind"}
    docs = _documents(shared_data / "news.jsonl", {r["a"] for r in rows} | {r["b"] for r in rows})
    sigs = {i: event_signature(d) for i, d in docs.items()}
    said = [same_event(sigs[r["a"]], sigs[r["b"]]) for r in rows]
    truth = [r["label"] in POSITIVE for r in rows]
    tp = sum(s and t for s, t in zip(said, truth, strict=True))
    precision = tp / max(1, sum(said))
    recall = tp / sum(truth)
    assert precision >= PRECISION_FLOOR, f"event precision {precision:.3f}"
    assert recall >= RECALL_FLOOR, f"event recall {recall:.3f}"
    # the relation is symmetric, so a page's grouping does not depend on which story came first
    for r in rows[:60]:
        a, b = sigs[r["a"]], sigs[r["b"]]
        assert same_event(a, b) == same_event(b, a)
        assert len(group_events([a, b])) == len(group_events([b, a]))
