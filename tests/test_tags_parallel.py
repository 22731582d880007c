"""Concepts tagged from scratch in worker processes (``tags/parallel.py``) on a real SQLite file: the same
tags as one process, a retagger that fails part-way leaves the rest to this process, and small stores or one
worker never start processes."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from importlib import resources
from pathlib import Path

import pytest

from themeflow.model import DocumentTag
from themeflow.service import Themeflow
from themeflow.tags.parallel import parallel_retagger
from themeflow.tags.tagger import Retagger, refresh_tags
from themeflow.tags.vocabulary import TagConcept

TAG_ROWS = (
    "SELECT concept, doc_rowid, aboutness, round(score, 6), sort_ts, tagged_at FROM doc_tags ORDER BY 1, 2"
)


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample corpus (400 articles), ingested in one process."""
    db = tmp_path_factory.mktemp("parallel") / "sample.db"
    sample = resources.files("themeflow") / "data" / "sample.jsonl"
    with Themeflow.open(db, ingest_workers="1") as tf:
        tf.ingest([str(sample)])
    return db


def _tags(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(TAG_ROWS).fetchall()
    finally:
        conn.close()


def _refresh(db: Path, retag: object | None) -> None:
    with Themeflow.open(db, ingest_workers="1") as tf:
        refresh_tags(
            tf.store,
            tf.search,
            tf.tags.vocabulary(),
            full=True,
            now=lambda: 1_800_000_000.0,
            retag=retag,  # type: ignore[arg-type]
        )


def _pair(sample_store: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Two copies of the sample store: the first refreshed in one process (the reference), the second not."""
    one, other = tmp_path / "one.db", tmp_path / "other.db"
    shutil.copy(sample_store, one)
    shutil.copy(sample_store, other)
    _refresh(one, None)
    return one, other


def _counted(db: Path, returned: list[str], limit: int | None = None) -> Retagger:
    """Two workers on ``db``, noting in ``returned`` each concept a worker tagged; after ``limit`` concepts
    it raises as a worker that could not start would."""
    with Themeflow.open(db) as tf:
        real = parallel_retagger(str(db), tf.tags.tz, 2)

    def retag(concepts: Sequence[TagConcept], started: float) -> Iterator[tuple[str, list[DocumentTag]]]:
        for item in real(concepts if limit is None else concepts[: limit + 1], started):
            returned.append(item[0])
            yield item
            if limit is not None and len(returned) == limit:
                raise OSError("a worker could not start")

    return retag


def test_workers_write_the_tags_one_process_writes(sample_store: Path, tmp_path: Path) -> None:
    one, two = _pair(sample_store, tmp_path)
    returned: list[str] = []
    _refresh(two, _counted(two, returned))
    with Themeflow.open(two) as tf:
        assert sorted(returned) == sorted(tf.tags.vocabulary())  # every concept came from a worker
    serial, parallel = _tags(one), _tags(two)
    assert len({row[0] for row in serial}) >= 10  # many concepts have tags in the sample
    assert parallel == serial


def test_a_retagger_that_fails_leaves_the_rest_to_this_process(sample_store: Path, tmp_path: Path) -> None:
    one, broken = _pair(sample_store, tmp_path)
    returned: list[str] = []
    _refresh(broken, _counted(broken, returned, limit=2))
    assert len(returned) == 2
    assert _tags(broken) == _tags(one)


def test_no_workers_for_a_small_store_or_one_worker(sample_store: Path, tmp_path: Path) -> None:
    db = tmp_path / "small.db"
    shutil.copy(sample_store, db)
    with Themeflow.open(db, ingest_workers="4") as tf:
        assert tf.tags._retagger() is None  # 400 documents: fewer than MIN_DOCUMENTS
    with Themeflow.open(db, ingest_workers="1") as tf:
        assert tf.tags._retagger() is None


def test_workers_from_a_fork_server_when_this_process_runs_threads(
    sample_store: Path, tmp_path: Path
) -> None:
    """A web server or scheduler holds threads: its workers come from a fork server, with the same tags."""
    import threading

    one, served = _pair(sample_store, tmp_path)
    returned: list[str] = []
    stop = threading.Event()
    waiter = threading.Thread(target=stop.wait, daemon=True)
    waiter.start()
    try:
        _refresh(served, _counted(served, returned))
    finally:
        stop.set()
        waiter.join()
    with Themeflow.open(served) as tf:
        assert sorted(returned) == sorted(tf.tags.vocabulary())  # every concept from a fork server's worker
    assert _tags(served) == _tags(one)
