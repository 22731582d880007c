"""`themeflow stories`: each multi-copy story with its date, ids, distinct outlets, copy count and length;
``--since`` on publish time; README's example prints stories on the bundled sample."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.test_cli import run_cli
from themeflow.model import Document
from themeflow.service import Themeflow

SH = ZoneInfo("Asia/Shanghai")
REPO = Path(__file__).resolve().parents[1]

BODY = (
    "英特尔宣布终止收购以色列半导体代工厂高塔半导体，原因是无法及时获得合并协议所要求的监管批准。",
    "根据合并协议的条款，英特尔将向高塔半导体支付3.53亿美元的终止费，这完全抵消了英特尔代工服务部门的营收。",
    "英特尔预计第三季度营收约在129亿至139亿美元之间，公司正努力削减成本以应对芯片需求放缓。",
)
OTHER = (
    "贝恩资本宣布以约31.6亿美元收购秦淮数据中国业务，交易预计在今年下半年完成。",
    "秦淮数据是中国领先的超大规模数据中心运营商，在京津冀和长三角地区运营多个数据中心园区。",
    "分析人士认为，算力需求持续增长，数据中心资产受到私募资本青睐，估值仍有上升空间。",
)


def _doc(
    doc_id: str, source: str | None, when: datetime | None, body: tuple[str, ...], title: str
) -> Document:
    return Document(
        id=doc_id, title=title, paragraphs=body, source=source, published_at=when, time_origin="document"
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "stories.db"
    with Themeflow.open(path) as tf:
        tf.ingest_documents(
            [
                # One outlet re-posting its own article: one outlet, not "TechWeb · TechWeb".
                _doc(
                    "c1000000000000001",
                    "TechWeb",
                    datetime(2023, 8, 18, 9, 5, tzinfo=SH),
                    BODY,
                    "英特尔终止收购高塔",
                ),
                _doc(
                    "c1000000000000002",
                    "TechWeb",
                    datetime(2023, 8, 18, 11, 0, tzinfo=SH),
                    BODY,
                    "英特尔终止收购",
                ),
                _doc("c1000000000000003", None, None, BODY, "英特尔放弃收购高塔半导体"),
                # Two copies without an outlet: one 来源未知, not "(unknown) · (unknown)".
                _doc(
                    "c2000000000000001",
                    None,
                    datetime(2023, 7, 20, 8, 0, tzinfo=SH),
                    OTHER,
                    "贝恩资本收购秦淮数据",
                ),
                _doc(
                    "c2000000000000002",
                    None,
                    datetime(2023, 7, 21, 8, 0, tzinfo=SH),
                    OTHER,
                    "贝恩收购秦淮数据",
                ),
            ]
        )
    return path


def test_listing_shows_date_ids_outlets_and_sizes(db: Path) -> None:
    result = run_cli("stories", db=db)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "2023-08-18 09:05 UTC+8  英特尔终止收购高塔" in text  # the earliest copy, with its zone
    assert re.search(r"st-[0-9a-f]{16} · 3 copies · [\d,]+ 字 · TechWeb · 来源未知", text)
    assert "TechWeb · TechWeb" not in text
    assert "c1000000000000001 (canonical) · c1000000000000002 · c1000000000000003" in text
    assert re.search(r"st-[0-9a-f]{16} · 2 copies · [\d,]+ 字 · 来源未知\n", text)
    assert "(unknown)" not in text


def test_since_filters_on_publish_time(db: Path) -> None:
    result = run_cli("stories", "--since", "2023-08-01", db=db)
    assert result.returncode == 0, result.stderr
    assert "英特尔终止收购高塔" in result.stdout
    assert "贝恩资本收购秦淮数据" not in result.stdout  # ingested now, published in July
    late = run_cli("stories", "--since", "2025-11-01", db=db)
    assert late.stdout == ""
    assert "no multi-copy stories published since 2025-11-01" in late.stderr


def test_json(db: Path) -> None:
    result = run_cli("stories", "--json", db=db)
    stories = json.loads(result.stdout)["stories"]
    intel = next(s for s in stories if s["canonical_id"] == "c1000000000000001")
    assert intel["size"] == 3
    assert intel["first_published"] == "2023-08-18T09:05:00+08:00"
    assert intel["last_published"] == "2023-08-18T11:00:00+08:00"
    assert intel["outlets"] == ["TechWeb", "来源未知"]
    assert intel["document_ids"] == ["c1000000000000001", "c1000000000000002", "c1000000000000003"]
    assert intel["chars"] == sum(len(p) for p in BODY)


def test_readme_example_prints_stories_on_the_sample(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    m = re.search(r"^themeflow stories (--since \S+)", readme, re.M)
    assert m, "README shows a `themeflow stories --since …` example"
    db = tmp_path / "demo.db"
    assert run_cli("ingest", str(REPO / "src/themeflow/data/sample.jsonl"), db=db).returncode == 0
    result = run_cli("stories", *m.group(1).split(), db=db)
    assert result.returncode == 0, result.stderr
    assert re.search(r"copies · [\d,]+ 字 · ", result.stdout)


def test_an_absurd_limit_is_a_usage_error_not_an_internal_one(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "themeflow.cli", "stories", "--limit", "99999999999999999999"],
        capture_output=True,
        text=True,
        env={**os.environ, "THEMEFLOW_DB": str(tmp_path / "s.db")},
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert "--limit must be between 1 and 10000" in proc.stderr
