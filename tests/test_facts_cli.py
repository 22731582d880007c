"""`themeflow figures` end to end: documents in a real SQLite file, the CLI's --json output, conflicts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from themeflow.cli import app  # noqa: E402
from themeflow.model import Document
from themeflow.service import Themeflow  # noqa: E402

TZ = timezone(timedelta(hours=8))
TITLE = "巴克莱：OpenAI算力需求持续激增，AI资本开支周期仍将持续"


def _docs() -> list[Document]:
    when = datetime(2025, 11, 20, 20, 41, tzinfo=TZ)
    return [
        Document(
            id="wscn-1",
            title=TITLE,
            source="华尔街见闻",
            published_at=when,
            url="https://example.com/wscn/1",
            paragraphs=(
                "巴克莱认为AI资本开支周期仍将持续。",
                "OpenAI在2024至2030年间计算运营支出预算总额超过4500亿美元，预计2028年达到峰值约1100亿美元。",
                "预计2024至2030年间，全球AI数据中心总容量将从114.3GW增长至236GW，实现翻倍。",
            ),
        ),
        Document(
            id="ipo-1",
            title="拆解OpenAI的AI需求后：AI资本开支周期仍将持续",
            source="美股IPO",
            published_at=when + timedelta(hours=3),
            url="https://example.com/ipo/1",
            paragraphs=(
                "文章核心观点：AI资本开支周期将在中长期内持续。",
                "OpenAI预计2028年计算支出达到峰值约1100亿美元",
                "预计2024至2030年间全球AI数据中心总容量将从1143GW增长至236GW 实现翻倍",
            ),
        ),
    ]


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "tf.db"
    with Themeflow.open(path) as tf:
        tf.ingest_documents(_docs())
    return path


def test_service_figures(db: Path) -> None:
    with Themeflow.open(db) as tf:
        result = tf.figures("资本开支")
    assert result.documents == 2
    assert [v.value for v in result.conflicts[0].values] == ["114.3GW", "1143GW"]


def test_cli_json(db: Path) -> None:
    res = CliRunner().invoke(app, ["figures", "资本开支", "--db", str(db), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert set(data) >= {"figures", "conflicts"}
    (conflict,) = data["conflicts"]
    assert conflict["period"] == "2024年"
    cited = {c["doc_id"] for v in conflict["values"] for c in v["citations"]}
    assert cited == {"wscn-1", "ipo-1"}
    peak = next(f for f in data["figures"] if f["value"] == "1100亿美元")
    assert peak["normalized_value"] == 1.1e11 and peak["normalized_unit"] == "USD" and peak["agreement"] == 2


def test_cli_table(db: Path) -> None:
    res = CliRunner().invoke(app, ["figures", "资本开支", "--db", str(db)])
    assert res.exit_code == 0, res.output
    assert "conflict" in res.stdout and "1143GW" in res.stdout and "key figures" in res.stdout
