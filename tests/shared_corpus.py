"""The shared corpus's fr- articles (2025–26 web news, the product's real input) as documents, for the tests
that read them (``../shared/data``; such tests take the ``shared_data`` fixture and skip without it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from themeflow.model import Document


def fr_documents(shared_data: Path, n: int | None = None) -> Iterator[Document]:
    """The first ``n`` fr- articles of ``news.jsonl`` in file order (all of them when ``n`` is None), their
    paragraphs stripped and empty ones dropped."""
    found = 0
    with (shared_data / "news.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if n is not None and found >= n:
                return
            if '"id": "fr-' not in line[:40]:
                continue
            rec = json.loads(line)
            paras = tuple(p.strip() for p in rec["text"].split("\n") if p.strip())
            found += 1
            yield Document(rec["id"], rec.get("title") or "", paras)
