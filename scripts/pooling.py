"""What the pooled-pair builders share (``build_copy_pool.py``, ``build_event_pool.py``): the store's view of
corpus records, and writing a pool with its stable dev/blind split.

Store ids are content-derived, not the corpus ids of ``../shared/data/news.jsonl``; each stored record
keeps its corpus id in ``meta.source_id``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from pathlib import Path

from themeflow.store import open_store

__all__ = ["split_of", "stored_titles", "stories_by_source_id", "write_pool"]


def _source_ids(db: str) -> dict[str, tuple[str, str]]:
    """The store's id and title of each corpus record, keyed by the corpus id (``meta.source_id``)."""
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT json_extract(meta, '$.source_id'), id, title FROM documents").fetchall()
    return {str(src): (str(i), str(t or "")) for src, i, t in rows if src}


def stored_titles(db: str) -> dict[str, str]:
    return {src: title for src, (_i, title) in _source_ids(db).items()}


def stories_by_source_id(db: str, ids: list[str]) -> dict[str, str]:
    """Corpus id → the id of its story in the store (its own id when it is alone)."""
    mapping = _source_ids(db)
    store = open_store(db)
    found = store.stories_for([mapping[i][0] for i in ids if i in mapping])
    return {i: (found[mapping[i][0]].id if i in mapping and mapping[i][0] in found else i) for i in ids}


def split_of(a: str, b: str) -> str:
    """``dev`` (60%) or ``blind`` (40%), from a hash of the pair: stable whatever else is pooled."""
    h = int(hashlib.sha1(f"{a}|{b}".encode()).hexdigest(), 16)
    return "dev" if h % 10 < 6 else "blind"


def write_pool(chosen: dict[tuple[str, str], set[str]], out: Path) -> None:
    """One JSON line per pair, sorted: ids, the generators that drew it, its split."""
    rows = [
        {"a": a, "b": b, "pool": sorted(g), "split": split_of(a, b)} for (a, b), g in sorted(chosen.items())
    ]
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} pairs → {out}", file=sys.stderr)
