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
from themeflow.tags.tagger import refresh_tags
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


def test_workers_write_the_tags_one_process_writes(sample_store: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    shutil.copy(sample_store, one)
    shutil.copy(sample_store, two)
    _refresh(one, None)
    with Themeflow.open(two) as tf:
        tz = tf.tags.tz
    real = parallel_retagger(str(two), tz, 2)
    returned: list[str] = []

    def counted(concepts: Sequence[TagConcept], started: float) -> Iterator[tuple[str, list[DocumentTag]]]:
        for item in real(concepts, started):
            returned.append(item[0])
            yield item

    _refresh(two, counted)
    with Themeflow.open(two) as tf:
        assert sorted(returned) == sorted(tf.tags.vocabulary())  # every concept came from a worker
    serial, parallel = _tags(one), _tags(two)
    assert len({row[0] for row in serial}) >= 10  # many concepts have tags in the sample
    assert parallel == serial


def test_a_retagger_that_fails_leaves_the_rest_to_this_process(sample_store: Path, tmp_path: Path) -> None:
    one, broken = tmp_path / "one.db", tmp_path / "broken.db"
    shutil.copy(sample_store, one)
    shutil.copy(sample_store, broken)
    _refresh(one, None)
    with Themeflow.open(broken) as tf:
        tz = tf.tags.tz
    real = parallel_retagger(str(broken), tz, 2)
    returned: list[str] = []

    def failing(concepts: Sequence[TagConcept], started: float) -> Iterator[tuple[str, list[DocumentTag]]]:
        for k, item in enumerate(real(concepts[:3], started)):
            returned.append(item[0])
            yield item
            if k == 1:
                raise OSError("a worker could not start")

    _refresh(broken, failing)
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

    one, served = tmp_path / "one.db", tmp_path / "served.db"
    shutil.copy(sample_store, one)
    shutil.copy(sample_store, served)
    _refresh(one, None)
    stop = threading.Event()
    waiter = threading.Thread(target=stop.wait, daemon=True)
    waiter.start()
    try:
        with Themeflow.open(served) as tf:
            tz, names = tf.tags.tz, sorted(tf.tags.vocabulary())
        real = parallel_retagger(str(served), tz, 2)
        returned: list[str] = []

        def counted(
            concepts: Sequence[TagConcept], started: float
        ) -> Iterator[tuple[str, list[DocumentTag]]]:
            for item in real(concepts, started):
                returned.append(item[0])
                yield item

        _refresh(served, counted)
    finally:
        stop.set()
        waiter.join()
    assert sorted(returned) == names  # every concept came from a worker of the fork server
    assert _tags(served) == _tags(one)
