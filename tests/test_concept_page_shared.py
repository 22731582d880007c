"""The seed's page on the shared corpus: ``/tags/concept?tagValue=AI资本开支周期`` lists, newest first, 20
stories that careful readers judged to be about the theme, each story once.

Grades are the pooled theme set's (``tests/data/themes/qrels.jsonl``) with the adjudicated second reading of
the dev pages (``second_reading.jsonl``, the guide's last section) laid over them: every document of the
page's newest 20 was read by at least two readers who saw neither the software nor each other's grade. A
document nobody judged fails the test (it must be read, not assumed relevant)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import eval_themes  # noqa: E402

from themeflow.service import Themeflow  # noqa: E402

THEME = "AI资本开支周期"
SET_DIR = REPO / "tests" / "data" / "themes"


def _grades(theme: str) -> dict[str, int]:
    grades: dict[str, int] = {}
    for name in ("qrels.jsonl", "second_reading.jsonl"):  # the adjudicated grade wins
        for line in (SET_DIR / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["theme"] == theme:
                grades[row["doc"]] = int(row["grade"])
    return grades


@pytest.mark.shared
def test_the_seed_concept_page_shows_twenty_stories_about_the_theme(
    shared_data: Path, tmp_path: Path
) -> None:
    store = eval_themes.cached_store(shared_data / "news.jsonl", "full", set())
    source = Path(store.path)
    store.close()
    db = tmp_path / "corpus.db"
    shutil.copyfile(source, db)  # the cached store stays untagged for the tests that share it
    with Themeflow.open(db) as tf:
        concept, _note = tf.tags.concept(THEME)  # the address resolves the way the page does
        tf.tags.refresh(only=[concept.name])
        page = tf.tags.feed(concept.name, limit=20)
    items = page.items
    assert len(items) == 20
    times = [item.document.published_at for item in items]
    assert all(t is not None for t in times) and times == sorted(times, reverse=True)  # type: ignore[type-var]
    shown = [item.document.id for item in items]
    copies = [c.id for item in items for c in item.copies]
    assert len(set(shown + copies)) == len(shown) + len(copies)  # each story once, its copies under it
    grades = _grades(THEME)
    unjudged = [d for d in shown if d not in grades]
    assert not unjudged, f"read these before trusting the page: {unjudged}"
    off_theme = [d for d in shown if grades[d] < 1]
    assert not off_theme, off_theme
