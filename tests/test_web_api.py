"""The JSON API in-process on a real store (SQLite, then PostgreSQL): bodies are the CLI's ``--json`` shapes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_web_corpus import (
    CAPACITY_QUERY,
    CAPEX,
    CAPEX_COPY,
    FLASH,
    GW_SOURCE,
    GW_TYPO,
    build_store,
    make_client,
)
from themeflow.web.app import create_app


@pytest.fixture(scope="module")
def client(module_store_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One app over the composed corpus, shared by the read-only tests of this module: on an SQLite file,
    then on a PostgreSQL database (``module_store_url``)."""
    root = tmp_path_factory.mktemp("webapi")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("THEMEFLOW_HOME", str(root / "home"))
        mp.delenv("THEMEFLOW_API_TOKEN", raising=False)
        with make_client(create_app(build_store(module_store_url))) as c:
            yield c


def test_search_returns_the_cli_json_shape(client: Any) -> None:
    r = client.get("/api/search", params={"q": "AI资本开支", "sort": "time"})
    assert r.status_code == 200
    body = r.json()
    assert {"query", "total", "hits", "per_source", "offset", "limit"} <= body.keys()
    assert body["total"] >= 4
    hit = body["hits"][0]
    assert {
        "id",
        "title",
        "source",
        "published",
        "url",
        "score",
        "snippet",
        "story_id",
        "copies",
    } <= hit.keys()
    published = [h["published"] for h in body["hits"]]
    assert published == sorted(published, reverse=True), "sort=time is newest first"
    assert sum(body["per_source"].values()) == body["total"]


def test_search_filters_and_pagination(client: Any) -> None:
    first = client.get("/api/search", params={"q": "算力日报", "limit": 10}).json()
    second = client.get("/api/search", params={"q": "算力日报", "limit": 10, "offset": 10}).json()
    assert first["total"] == 25 and len(first["hits"]) == 10 and len(second["hits"]) == 10
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}
    only = client.get("/api/search", params={"q": "算力日报", "source": "第一财经", "limit": 50}).json()
    assert only["total"] == 12 and {h["source"] for h in only["hits"]} == {"第一财经"}
    dated = client.get(
        "/api/search", params={"q": "算力日报", "since": "2025-08-20", "until": "2025-08-22"}
    ).json()
    assert {h["id"] for h in dated["hits"]} == {"t-daily-19", "t-daily-20", "t-daily-21"}


def test_search_with_summaries_adds_verified_cited_summaries(client: Any) -> None:
    body = client.get("/api/search", params={"q": "巴克莱 算力", "summaries": "true"}).json()
    summary = body["hits"][0]["summary"]
    assert summary["doc_id"] == body["hits"][0]["id"]
    bullets = summary["core_views"] + [b for s in summary["sections"] for b in s["bullets"]]
    assert bullets and all(b["citations"] for b in bullets)


def test_document_and_summary(client: Any) -> None:
    doc = client.get(f"/api/documents/{CAPEX.id}").json()
    assert doc["paragraphs"] == list(CAPEX.paragraphs)
    assert doc["published"] == "2025-11-20T20:41:00+08:00"
    summary = client.get(f"/api/documents/{CAPEX.id}/summary").json()
    assert summary["doc_id"] == CAPEX.id and summary["excerpt"] is False
    for b in summary["core_views"]:
        assert all(1 <= n <= len(CAPEX.paragraphs) for n in b["citations"])
    flash = client.get(f"/api/documents/{FLASH.id}/summary").json()
    assert flash["excerpt"] is True


def test_document_copies_are_the_ones_its_page_lists(client: Any) -> None:
    """Each member of a syndicated story lists the others, canonical included, in the page's order."""
    for doc in (CAPEX, CAPEX_COPY):
        copies = client.get(f"/api/documents/{doc.id}").json()["copies"]
        assert [c["id"] for c in copies] == _page_copy_ids(client, doc.id)
        assert {c["id"] for c in copies} == {CAPEX.id, CAPEX_COPY.id} - {doc.id}
    copy = client.get(f"/api/documents/{CAPEX.id}").json()["copies"][0]
    assert copy == {
        "id": CAPEX_COPY.id,
        "source": "美股IPO",
        "published": "2025-11-21T00:07:00+08:00",
        "url": CAPEX_COPY.url,
    }, "a hit's copy shape"
    assert client.get(f"/api/documents/{FLASH.id}").json()["copies"] == [] == _page_copy_ids(client, FLASH.id)


def _page_copy_ids(client: Any, doc_id: str) -> list[str]:
    """The ids in the document page's "另见" line."""
    also = re.search(r'<div class="also">(.*?)</div>', client.get(f"/documents/{doc_id}").text, re.S)
    return re.findall(r'href="/documents/([\w-]+)"', also.group(1)) if also else []


def test_stats(client: Any) -> None:
    body = client.get("/api/stats").json()
    assert body["documents"] == 31 and body["sources"]["华尔街见闻"] == 1


def test_openapi_is_served_and_docs_are_self_contained(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/search" in spec["paths"] and "/api/documents/{doc_id}" in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/api/search" in docs.text
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text


def test_figures_returns_the_cli_json_shape(client: Any) -> None:
    r = client.get("/api/figures", params={"q": "AI资本开支"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"query", "documents", "figures", "conflicts"} <= body.keys() and body["query"] == "AI资本开支"
    assert body["documents"] >= 4
    for f in body["figures"]:
        assert {
            "entity",
            "metric",
            "value",
            "unit",
            "normalized_value",
            "normalized_unit",
            "period",
        } <= f.keys()
        assert f["citations"] and all(c.keys() == {"doc_id", "paragraph"} for c in f["citations"])
        assert f["agreement"] <= len({c["doc_id"] for c in f["citations"]})


def test_figures_flags_the_conflict_between_two_outlets(tmp_path: Path) -> None:
    with make_client(create_app(build_store(tmp_path / "t.db", daily=False, capacity=True))) as c:
        body = c.get("/api/figures", params={"q": CAPACITY_QUERY, "source": ["第一财经", "财联社"]}).json()
    assert body["documents"] == 2
    (conflict,) = body["conflicts"]
    values = {v["value"]: v["citations"] for v in conflict["values"]}
    assert values == {
        "114.3GW": [{"doc_id": GW_SOURCE.id, "paragraph": 2}],
        "1143GW": [{"doc_id": GW_TYPO.id, "paragraph": 2}],
    }
    both = next(f for f in body["figures"] if f["value"] == "236GW")
    assert both["agreement"] == 2 and both["outlets"] == ["第一财经", "财联社"]


def test_workflow_api_create_run_and_history(tmp_path: Path) -> None:
    with make_client(create_app(build_store(tmp_path / "t.db"))) as c:
        r = c.post(
            "/api/workflows", json={"name": "AI资本开支周期", "query": "AI资本开支", "keywords": ["算力租赁"]}
        )
        assert r.status_code == 201, r.text
        assert r.json()["keywords"] == ["算力租赁"]
        assert [w["name"] for w in c.get("/api/workflows").json()["workflows"]] == ["AI资本开支周期"]
        dup = c.post("/api/workflows", json={"name": "AI资本开支周期", "query": "x"})
        assert dup.status_code == 400 and "already exists" in dup.json()["error"]
        run = c.post("/api/workflows/AI资本开支周期/run", json={})
        assert run.status_code == 200, run.text
        body = run.json()
        assert body["theme"] == "AI资本开支周期" and body["new_documents"] >= 5
        assert any(
            item["hit"]["id"] == CAPEX.id or item["hit"]["id"] == "t-capex-ipo" for item in body["items"]
        )
        again = c.post("/api/workflows/AI资本开支周期/run", json={}).json()
        assert again["new_documents"] == 0, "a second run with nothing new reports nothing"
        runs = c.get("/api/workflows/AI资本开支周期/runs").json()["runs"]
        assert [r["run_id"] for r in runs] == [again["run_id"], body["run_id"]]
        digest = c.get(f"/api/runs/{body['run_id']}").json()
        assert digest["run_id"] == body["run_id"] and digest["items"]
        edited = c.put("/api/workflows/AI资本开支周期", json={"schedule": "1d"})
        assert edited.status_code == 200 and edited.json()["schedule"] == "1d"
        assert c.delete("/api/workflows/AI资本开支周期").json() == {"ok": True, "removed": "AI资本开支周期"}
        assert c.get("/api/workflows/AI资本开支周期").status_code == 404


def test_workflow_rename_keeps_the_history(tmp_path: Path) -> None:
    """``PUT {"name": …}`` and the edit form's name field rename a theme; its runs follow it."""
    with make_client(create_app(build_store(tmp_path / "t.db", daily=False))) as c:
        assert c.post("/api/workflows", json={"name": "旧名", "query": "AI资本开支"}).status_code == 201
        run_id = c.post("/api/workflows/旧名/run", json={}).json()["run_id"]
        renamed = c.put("/api/workflows/旧名", json={"name": "新名", "schedule": "1d"})
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["name"] == "新名" and renamed.json()["schedule"] == "1d"
        assert c.get("/api/workflows/旧名").status_code == 404
        assert [r["run_id"] for r in c.get("/api/workflows/新名/runs").json()["runs"]] == [run_id]
        taken = c.post("/api/workflows", json={"name": "其他", "query": "资本开支"})
        assert taken.status_code == 201
        clash = c.put("/api/workflows/新名", json={"name": "其他"})
        assert clash.status_code == 400 and "taken" in clash.json()["error"]


def test_new_documents_show_up_despite_the_search_cache(tmp_path: Path) -> None:
    from dataclasses import replace

    from themeflow.service import Themeflow

    db = build_store(tmp_path / "t.db", daily=False)
    with make_client(create_app(db)) as c:
        before = c.get("/api/search", params={"q": "午后拉升"}).json()["total"]
        assert c.get("/api/search", params={"q": "午后拉升"}).json()["total"] == before  # served from cache
        with Themeflow.open(db) as writer:  # another process ingests (here: another connection)
            fresh = replace(
                FLASH,
                id="t-flash-2",
                title="创业板午后拉升，成交放量",
                paragraphs=("创业板指数午后拉升涨超1%，半导体板块领涨，两市成交额突破1.1万亿元。",),
                content_hash="",
            )
            writer.ingest_documents([fresh])
        assert c.get("/api/search", params={"q": "午后拉升"}).json()["total"] == before + 1


def test_workflow_list_json_and_the_api_give_the_same_body(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    from themeflow.service import Themeflow

    db = build_store(tmp_path / "wf.db")
    with Themeflow.open(db) as tf:
        tf.add_theme({"name": "AI资本开支", "query": CAPACITY_QUERY, "schedule": "1d"})
        tf.add_theme({"name": "按需", "query": "资本开支"})
        tf.run_workflow("AI资本开支", reports_dir=tmp_path / "reports")
    env = {**os.environ, "THEMEFLOW_DB": str(db)}
    proc = subprocess.run(
        [sys.executable, "-m", "themeflow.cli", "workflow", "list", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    with make_client(create_app(db)) as c:
        api = c.get("/api/workflows").json()
    cli = json.loads(proc.stdout)
    assert cli == api
    entry = next(w for w in cli["workflows"] if w["name"] == "AI资本开支")
    assert entry["last_run"]["status"] == "ok" and entry["next_due"] is not None


def test_blocking_routes_get_a_thread_pool_sized_to_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """AnyIO's default of 40 threads put 40 cold SQLite connections on one GIL (p95 of seconds under 50
    clients, bench/web.py --uncached); the app sizes the pool to the cores, or to THEMEFLOW_WEB_THREADS."""
    from themeflow.web.app import web_threads

    monkeypatch.delenv("THEMEFLOW_WEB_THREADS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert web_threads() == 8
    monkeypatch.setattr("os.cpu_count", lambda: 16)
    assert web_threads() == 64
    monkeypatch.setenv("THEMEFLOW_WEB_THREADS", "3")
    assert web_threads() == 3
    monkeypatch.setenv("THEMEFLOW_WEB_THREADS", "many")
    assert web_threads() == 64
