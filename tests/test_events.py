"""Events: one happening written up by several outlets is one feed item, "N outlets"; a series, another
happening on the same subject, or the same news days later is not. Texts are written for the tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.test_web_corpus import make_client
from themeflow.events import event_features, event_signature, group_events, same_event
from themeflow.model import Document
from themeflow.service import Themeflow
from themeflow.web.app import create_app

from .test_workflow_support import SH

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=SH)


def _doc(i: str, title: str, lead: str, source: str, at: datetime, rest: str = "") -> Document:
    paragraphs = (lead, rest or "市场人士表示，后续仍需关注项目落地进度和电力供应情况。")
    return Document(
        id=f"u{i}",
        title=title,
        paragraphs=paragraphs,
        source=source,
        published_at=at,
        time_origin="document",
        url=f"https://example.com/{i}",
    )


DEAL = (
    _doc(
        "a1",
        "星河科技与启明AI签署6GW算力合作协议，启明获认股权证",
        "星河科技周一宣布与启明AI达成协议，未来四年向启明供应总计6GW的AI算力芯片，首批1GW将于2027年下半年交付。作为交易的一部分，启明AI获得最多1.6亿股星河科技股票的认股权证。",
        "华尔街见闻",
        T0,
    ),
    _doc(
        "a2",
        "6GW大单！启明AI牵手星河科技，最多可获1.6亿股认股权证",
        "据星河科技公告，公司与启明AI签订长期合作协议，将分阶段部署6GW算力，首个1GW项目计划2027年下半年启动；启明AI同时获得可认购最多1.6亿股星河科技普通股的权证。",
        "财联社",
        T0 + timedelta(hours=3),
    ),
    _doc(
        "a3",
        "星河科技股价盘前暴涨，与启明AI的6GW芯片协议引爆市场",
        "星河科技与启明AI周一公布的6GW算力芯片协议点燃市场热情，星河科技股价盘前一度上涨逾25%。根据协议，启明AI可获得最多1.6亿股星河科技股票的认股权证。",
        "东方财富网",
        T0 + timedelta(hours=20),
    ),
)
SAME_COMPANY_OTHER_NEWS = _doc(
    "b1",
    "星河科技发布新一代服务器芯片，性能提升40%",
    "星河科技在年度开发者大会上发布新一代服务器芯片，官方称其推理性能较上一代提升40%，将于今年第三季度量产。",
    "36氪",
    T0 + timedelta(hours=5),
)
DAYS_LATER = _doc(
    "c1",
    "启明AI与星河科技6GW协议首批设备开始安装",
    "启明AI表示，与星河科技6GW算力协议中的首批设备已开始安装，启明AI获得的1.6亿股认股权证尚未行权。",
    "华尔街见闻",
    T0 + timedelta(days=6),
)


def _series(i: int) -> Document:
    return _doc(
        f"s{i}",
        f"算力日报第{i}期：智算中心建设提速",
        f"算力日报第{i}期：本周新增智算中心{i}个，合计算力规模{i * 100}P。",
        "科创板日报" if i % 2 else "第一财经",
        T0 + timedelta(days=i),
    )


def test_three_outlets_on_one_deal_are_one_event() -> None:
    sigs = [event_signature(d) for d in DEAL]
    assert same_event(sigs[0], sigs[1]) and same_event(sigs[0], sigs[2])
    assert group_events(sigs) == [[0, 1, 2]]


def test_other_news_of_the_same_company_a_series_and_the_same_news_days_later_are_not() -> None:
    deal = event_signature(DEAL[0])
    assert not same_event(deal, event_signature(SAME_COMPANY_OTHER_NEWS))
    assert not same_event(deal, event_signature(DAYS_LATER)), "six days later is another happening"
    f = event_features(deal, event_signature(DAYS_LATER))
    assert f.figures >= 1 and f.entities >= 2, "it shares the facts; only the time tells them apart"
    a, b = event_signature(_series(24)), event_signature(_series(25))
    assert event_features(a, b).lead > 0.6, "a templated series reads alike"
    assert not same_event(a, b)
    undated = event_signature(replace(DEAL[1], published_at=None))
    assert not same_event(deal, undated), "without a publish time there is no event"


def test_grouping_follows_the_leader_so_chains_do_not_snowball() -> None:
    docs = [*DEAL, SAME_COMPANY_OTHER_NEWS, _series(1), _series(2)]
    groups = group_events([event_signature(d) for d in docs])
    assert groups == [[0, 1, 2], [3], [4], [5]]


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("THEMEFLOW_HOME", str(tmp_path / "home"))
    db = tmp_path / "events.db"
    with Themeflow.open(db) as tf:
        tf.ingest_documents([*DEAL, SAME_COMPANY_OTHER_NEWS])
        tf.add_theme({"name": "星河科技", "query": "星河科技"})
    with make_client(create_app(db), follow_redirects=False) as c:
        yield c


def test_the_theme_page_shows_an_event_once_with_its_outlets(client: Any) -> None:
    html = client.get("/themes/星河科技").text
    assert html.count('<article class="item"') == 2, "the deal (three outlets) and the chip launch"
    assert "3 家媒体 · 同一事件" in html
    others = html[html.index('class="event-others"') :]
    assert DEAL[2].title not in others, "the newest story leads the event"
    assert DEAL[0].title in others and DEAL[1].title in others
    assert "财联社" in others and "华尔街见闻" in others

    body = client.get("/api/themes/星河科技").json()
    events = {d["id"]: d["event"] for d in body["documents"]}
    assert events[SAME_COMPANY_OTHER_NEWS.id] is None
    deal = events[DEAL[0].id]
    assert deal == {"id": DEAL[2].id, "stories": 3, "outlets": ["东方财富网", "财联社", "华尔街见闻"]}
    assert events[DEAL[1].id] == deal and events[DEAL[2].id] == deal
