"""The CLI as a user runs it: the real console script in a subprocess, on a real SQLite file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from themeflow.model import Document
from themeflow.service import Themeflow

SH = ZoneInfo("Asia/Shanghai")


def run_cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "THEMEFLOW_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "themeflow.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    with Themeflow.open(path) as tf:
        tf.ingest_documents(
            [
                Document(
                    id="c0000000000000001",
                    title="巴克莱：AI资本开支周期仍将持续",
                    paragraphs=("巴克莱银行发布最新研究报告。", "OpenAI 2028年计算支出约1100亿美元。"),
                    source="华尔街见闻",
                    published_at=datetime(2025, 11, 20, 20, 41, tzinfo=SH),
                    time_origin="document",
                )
            ]
        )
    return path


def test_show_prints_numbered_paragraphs(db: Path) -> None:
    proc = run_cli("show", "c0000000000000001", db=db)
    assert proc.returncode == 0, proc.stderr
    assert "[1] 巴克莱银行发布最新研究报告。" in proc.stdout
    assert "[2] OpenAI 2028年计算支出约1100亿美元。" in proc.stdout
    assert "华尔街见闻 · 2025-11-20 20:41" in proc.stdout


def test_show_json_follows_the_contract(db: Path) -> None:
    proc = run_cli("show", "c0000000000000001", "--json", db=db)
    data = json.loads(proc.stdout)
    assert data["paragraphs"][1] == "OpenAI 2028年计算支出约1100亿美元。"
    assert data["published"] == "2025-11-20T20:41:00+08:00"


def test_stats_json(db: Path) -> None:
    data = json.loads(run_cli("stats", "--json", db=db).stdout)
    assert data["documents"] == 1
    assert data["sources"] == {"华尔街见闻": 1}


def test_unknown_document_is_one_clear_line(db: Path) -> None:
    proc = run_cli("show", "nope", db=db)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("error: no document with id 'nope'")
    assert "Traceback" not in proc.stderr


def test_semantic_search_without_vectors_says_what_to_do(db: Path) -> None:
    proc = run_cli("search", "x", "--mode", "semantic", db=db)
    assert proc.returncode != 0
    # With the semantic extra: run `themeflow embed`; without it: the install line.
    assert "themeflow embed" in proc.stderr or "themeflow[semantic]" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_flags_are_clear(db: Path) -> None:
    for args, needle in [
        (("search", "x", "--sort", "oldest"), "--sort must be time or relevance"),
        (("search", "x", "--since", "yesterday"), "--since 'yesterday' is not a date"),
        (("search", "x", "--limit", "0"), "--limit must be between 1 and 1000"),
        (("ingest", "x.jsonl", "--map", "title"), "--map expects field=column"),
    ]:
        proc = run_cli(*args, db=db)
        assert proc.returncode != 0
        assert needle in proc.stderr, (args, proc.stderr)
        assert "Traceback" not in proc.stderr


REPORT = (
    "巴克莱银行发布最新研究报告称，AI资本开支周期远未结束，行业投资不会在短期内放缓。",
    "OpenAI 2025年实际营收比年中内部预测高出约15%，2027年预期营收从600亿美元上调50%至900亿美元。",
    "OpenAI在2024至2030年间计算运营支出预算总额超过4500亿美元，预计2028年达到峰值约1100亿美元。",
    "公司已与合作伙伴签订约6500亿美元的算力租赁合同，覆盖未来十年，主要合约包括甲骨文OCI 3000亿美元。",
    "预计2024至2030年间，全球AI数据中心总容量将从114.3GW增长至236GW，实现翻倍。",
)


@pytest.fixture
def syndicated(tmp_path: Path) -> Path:
    """One report published by two outlets (the later one a verbatim copy) and an unrelated article."""
    path = tmp_path / "stories.db"
    with Themeflow.open(path) as tf:
        tf.ingest_documents(
            [
                Document(
                    id="u0000000000000001",
                    title="拆解OpenAI的AI需求后，巴克莱得出结论：AI资本开支周期仍将持续",
                    paragraphs=REPORT,
                    source="华尔街见闻",
                    published_at=datetime(2025, 11, 20, 20, 41, tzinfo=SH),
                    time_origin="document",
                ),
                Document(
                    id="u0000000000000002",
                    title="拆解OpenAI的AI需求后，巴克莱得出结论：AI资本开支周期仍将持续",
                    paragraphs=REPORT,
                    source="美股IPO",
                    published_at=datetime(2025, 11, 21, 0, 7, tzinfo=SH),
                    time_origin="document",
                ),
                Document(
                    id="u0000000000000003",
                    title="港股科技成四季度进攻王牌",
                    paragraphs=(
                        "南下资金年内净买入突破1.2万亿港元，创下历史新高。",
                        "全球AI资本开支周期启动。",
                    ),
                    source="每日经济新闻",
                    published_at=datetime(2025, 10, 30, 9, 4, tzinfo=SH),
                    time_origin="document",
                ),
            ]
        )
    return path


def test_search_folds_copies_into_one_story_and_expand_shows_them(syndicated: Path) -> None:
    folded = json.loads(run_cli("search", "AI资本开支周期", "--json", db=syndicated).stdout)
    assert folded["total"] == 2
    lead = next(h for h in folded["hits"] if h["id"] == "u0000000000000001")
    assert [c["source"] for c in lead["copies"]] == ["美股IPO"], (
        "the earliest copy leads, the other is 'also in'"
    )
    expanded = json.loads(run_cli("search", "AI资本开支周期", "--expand", "--json", db=syndicated).stdout)
    assert expanded["total"] == 3
    text = run_cli("search", "AI资本开支周期", db=syndicated).stdout
    assert "also in: 美股IPO 2025-11-21 00:07" in text


def test_stories_lists_multi_copy_stories_with_outlets(syndicated: Path) -> None:
    data = json.loads(run_cli("stories", "--json", db=syndicated).stdout)
    assert len(data["stories"]) == 1
    story = data["stories"][0]
    assert story["canonical_id"] == "u0000000000000001" and story["size"] == 2
    assert story["source"] == "华尔街见闻" and [c["source"] for c in story["copies"]] == ["美股IPO"]
    assert "华尔街见闻 · 美股IPO" in run_cli("stories", db=syndicated).stdout


def test_search_with_summaries_prints_cited_bullets(syndicated: Path) -> None:
    proc = run_cli("search", "巴克莱", "--summaries", db=syndicated)
    assert proc.returncode == 0, proc.stderr
    assert "文章核心观点" in proc.stdout
    assert re.search(r"\[\d\]", proc.stdout)
    data = json.loads(run_cli("search", "巴克莱", "--summaries", "--json", db=syndicated).stdout)
    summary = data["hits"][0]["summary"]
    assert summary["doc_id"] == data["hits"][0]["id"]
    for bullet in summary["core_views"] + [b for s in summary["sections"] for b in s["bullets"]]:
        assert bullet["citations"] and all(1 <= c <= len(REPORT) for c in bullet["citations"])


def test_ingest_of_a_mixed_folder_lands_the_good_and_lists_the_bad(tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.jsonl").write_text(
        '{"title":"好文","content":"第一段。\\n第二段，营收1100亿美元。","source":"华尔街见闻"}\n{broken\n',
        encoding="utf-8",
    )
    (folder / "b.txt").write_bytes("标题行\n正文第一段。".encode("gbk"))
    (folder / "empty.md").write_text("", encoding="utf-8")
    (folder / "d.docx").write_bytes(b"x")
    db = tmp_path / "mixed.db"
    proc = run_cli("ingest", str(folder), "--json", db=db)
    assert proc.returncode == 1, "a failure anywhere makes the exit code non-zero"
    report = json.loads(proc.stdout)
    assert (report["read"], report["new"], report["failed"]) == (5, 2, 3)
    reasons = {(Path(e["source"]).name, e["record"]): e["reason"] for e in report["errors"]}
    assert "not valid JSON" in reasons[("a.jsonl", "line 2")]
    assert "empty document" in reasons[("empty.md", None)]
    assert "unsupported file type '.docx'" in reasons[("d.docx", None)]
    again = run_cli("ingest", str(folder / "b.txt"), db=db)
    assert again.returncode == 0 and "unchanged 1" in again.stderr
