"""The figures tables of four themes on the shared corpus, as an analyst opens them
(``themeflow figures THEME``): no owner is a time, a market or a headline fragment, and every conflict
shown is one careful readers judged a true conflict (tests/data/conflict_labels.jsonl).

The patterns below are written here from the issue's examples (早盘, 单周, A股, 中国 股市, 有限公司,
宁德时代上半年营收189 …), not imported from ``facts/readable.py``, so the test does not grade the rules
with themselves."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

import eval_themes  # noqa: E402

from themeflow.facts import ThemeFigures  # noqa: E402
from themeflow.service import Themeflow  # noqa: E402

THEMES = ("AI资本开支", "美联储 降息", "港股 科技", "储能")
TIME = re.compile(
    r"^(?:早盘|午盘|尾盘|盘前|盘后|盘中|开盘|收盘|今日|昨日|本周|上周|单周|单日|当日|本月|当月|目前|此前|近期|"
    r"年内|今年|去年|全年|上半年|下半年|\d+[年月日])$"
)
MARKETS = {"A股", "港股", "美股", "大盘", "两市", "沪市", "深市", "市场", "股市", "北向资金", "南向资金", "南下资金",
           "外资", "主力", "板块", "行业"}  # fmt: skip
FRAGMENT = re.compile(
    r"\d.*(?:亿|万|%)|营收|收入|净利润|[，。；：]|^(?:有限公司|股份有限公司|科技股份有限公司|毛利|公司)$"
)


@pytest.fixture(scope="module")
def tables(shared_data: Path) -> dict[str, ThemeFigures]:
    store = eval_themes.cached_store(eval_themes.SHARED / "news.jsonl", "full", set())
    path = store.path
    store.close()
    with Themeflow.open(path, read_only=True) as tf:
        return {theme: tf.figures(theme) for theme in THEMES}


@pytest.mark.shared
def test_no_owner_is_a_time_a_market_or_a_fragment(tables: dict[str, ThemeFigures]) -> None:
    for theme, table in tables.items():
        assert len(table.figures) >= 50, (
            theme,
            len(table.figures),
        )  # the table still has the theme's figures
        bad = sorted(
            {
                (g.entity, g.metric)
                for g in table.figures
                if TIME.match(g.entity)
                or g.entity in MARKETS
                or g.metric in MARKETS
                or FRAGMENT.search(g.entity)
            }
        )
        assert bad == [], (theme, bad)


@pytest.mark.shared
def test_every_conflict_shown_was_judged_true(tables: dict[str, ThemeFigures]) -> None:
    from build_conflict_pool import _pairs, candidate_id  # noqa: PLC0415

    labels = {
        json.loads(x)["id"]: json.loads(x)["label"]
        for x in (REPO / "tests" / "data" / "conflict_labels.jsonl").read_text(encoding="utf-8").splitlines()
        if x.strip()
    }
    for theme, table in tables.items():
        for conflict in table.conflicts:
            for va, vb in _pairs(conflict):
                a, b = va.citations[0], vb.citations[0]
                cid = candidate_id((a.doc_id, a.paragraph, va.value), (b.doc_id, b.paragraph, vb.value))
                assert labels.get(cid) == "true_conflict", (theme, conflict.entity, conflict.metric, cid)
