"""The bundled demo sample is well-formed, attributed, small, and every record ingests."""

from __future__ import annotations

import json
from pathlib import Path

from themeflow.ingest import read_targets
from themeflow.model import Document

DATA = Path(__file__).resolve().parents[1] / "src" / "themeflow" / "data"


def test_sample_ingests_cleanly_and_covers_demo_themes() -> None:
    path = DATA / "sample.jsonl"
    assert path.stat().st_size < 2_000_000
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert 200 <= len(records) <= 400
    assert all(str(r["id"]).startswith("crud-") for r in records)  # the only redistributable texts
    docs = list(read_targets([str(path)]))
    assert all(isinstance(d, Document) for d in docs) and len(docs) == len(records)
    assert len({d.id for d in docs if isinstance(d, Document)}) == len(docs)
    text = "\n".join(d.text for d in docs if isinstance(d, Document))
    for theme in ("算力", "资本开支", "芯片", "数据中心", "美联储", "降息", "AI"):
        assert theme in text
    assert sum(len(d.paragraphs) > 1 for d in docs if isinstance(d, Document)) > len(docs) // 2


def test_sample_attribution_names_project_and_licence() -> None:
    note = (DATA / "SAMPLE_ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "CRUD-RAG" in note and "Apache" in note and "©" in note
