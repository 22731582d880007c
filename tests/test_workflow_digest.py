"""A run digest that reads well: every story listed, the ones most on the theme summarized, 补录 apart,
figures of the theme only, and a page small enough to mail (real stores: an SQLite file, then a PostgreSQL
database; real extractive summarizer).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from themeflow.model import Document
from themeflow.report.digest import Digest, DigestItem
from themeflow.report.html import render_html
from themeflow.summarize.extractive import ExtractiveSummarizer
from themeflow.workflow.runner import run_workflow

from .test_workflow_support import AI_THEME, SH, ai_doc, open_service

ROUNDUP_PARAS = (
    "早盘港股三大指数走势分化，恒生指数小幅高开，科技指数一度转跌。",
    "内房股普遍走弱，多家开发商公布的合约销售额同比下滑。",
    "航运板块延续反弹，集运运价指数连续三周上涨4.6%。",
    "消费股方面，白酒与乳制品表现平平，成交额较前一交易日萎缩。",
    "个股方面，一家芯片设计公司披露资本开支计划，股价午后冲高回落。",
    "医药板块分化，创新药企业获得海外授权的消息提振了部分个股。",
    "汇率方面，离岸人民币兑美元窄幅波动，市场等待周末公布的通胀数据。",
    "南向资金全天净买入约62亿港元，连续第五个交易日净流入。",
)


def _roundup(published: datetime) -> Document:
    return Document(
        id="u00000000000000aa",
        title="港股早盘速递：三大指数走势分化，航运股延续反弹",
        paragraphs=ROUNDUP_PARAS,
        source="港股日报",
        published_at=published,
        time_origin="document",
        url="https://example.com/hk/roundup",
    )


def test_late_articles_are_listed_as_buli_after_the_new_ones(store_url: str) -> None:
    tf = open_service(store_url)
    tf.add_theme(AI_THEME)
    tf.ingest_documents([ai_doc(1, published=datetime(2025, 11, 20, 8, 0, tzinfo=SH))])
    first = tf.run_workflow("AI资本开支周期")
    assert [it.late for it in first.items] == [False], "a first run is the theme so far, nothing is 补录"
    first_html = Path(first.reports["html"]).read_text(encoding="utf-8")
    assert "补录" not in first_html and "新 · new" not in first_html

    fresh = ai_doc(2, published=datetime.now(UTC) - timedelta(hours=1))
    backfill = ai_doc(3, published=datetime(2019, 3, 1, 8, 0, tzinfo=SH), source="东方财富网")
    tf.ingest_documents([backfill, fresh])
    second = tf.run_workflow("AI资本开支周期")
    assert [(it.document.id, it.late) for it in second.items] == [(fresh.id, False), (backfill.id, True)]

    html = Path(second.reports["html"]).read_text(encoding="utf-8")
    heading = html.index('id="late"')
    assert html.index(f'data-doc-id="{fresh.id}"') < heading < html.index(f'data-doc-id="{backfill.id}"')
    assert "新 · new" in html and "补录 · late" in html
    body = json.loads(Path(second.reports["json"]).read_text(encoding="utf-8"))
    assert [(i["hit"]["id"], i["late"]) for i in body["items"]] == [
        (fresh.id, False),
        (backfill.id, True),
    ]
    assert any("补录" in note for note in body["notes"])
    assert "补录" in Path(second.reports["markdown"]).read_text(encoding="utf-8")

    rebuilt = tf.report(run_id=second.run.id)
    assert [(it.document.id, it.late) for it in rebuilt.items] == [(fresh.id, False), (backfill.id, True)]
    tf.close()


def test_summaries_go_to_the_stories_most_about_the_theme_and_figures_come_from_them(store_url: str) -> None:
    tf = open_service(store_url)
    tf.add_theme(AI_THEME)
    about = ai_doc(1, published=datetime(2025, 11, 20, 8, 0, tzinfo=SH))
    mention = _roundup(datetime(2025, 11, 21, 11, 30, tzinfo=SH))
    tf.ingest_documents([about, mention])

    result = run_workflow(tf.workflow_context(), "AI资本开支周期", max_summaries=1, write=False)
    by_id = {it.document.id: it for it in result.items}
    assert [it.document.id for it in result.items] == [mention.id, about.id], "listed newest first"
    assert by_id[mention.id].aboutness == "提及" and by_id[about.id].aboutness == "主题"
    assert by_id[about.id].summary is not None, "the story about the theme gets the one summary"
    assert by_id[mention.id].summary is None, "the newer roundup is a title line"

    figures = result.digest.figures
    assert figures is not None
    assert figures.result.documents == 1, "a roundup that only mentions the theme adds none of its figures"
    assert mention.id not in {c.doc_id for g in figures.figures for c in g.citations}

    html = render_html(result.digest)
    lines = html[html.index('class="card lines"') :]
    assert f'data-doc-id="{mention.id}"' in lines and "提及" in lines
    tf.close()


def _long_document(i: int) -> Document:
    sentence = f"第{i}家公司表示，新一轮算力投资将分阶段落地，数据中心资本开支预计增长{i % 40 + 10}%，电力与冷却成本占比上升。"
    paragraphs = tuple(f"{sentence}（第{n}段）" * 5 for n in range(1, 31))
    return Document(
        id=f"u{i:016x}",
        title=f"第{i}家公司披露算力投资计划",
        paragraphs=paragraphs,
        source=f"来源{i % 12}",
        published_at=datetime(2025, 11, 1, tzinfo=SH) + timedelta(hours=i),
        time_origin="document",
        url=f"https://example.com/long/{i}",
    )


def test_a_digest_of_300_stories_stays_under_a_megabyte_and_every_citation_lands() -> None:
    summarizer = ExtractiveSummarizer()
    docs = [_long_document(i) for i in range(300)]
    items = tuple(
        DigestItem(
            document=d,
            summary=summarizer.summarize(d) if i < 50 else None,
            status="new",
            aboutness="主题",
            score=1.0,
        )
        for i, d in enumerate(docs)
    )
    assert sum(len(p.encode()) for d in docs for p in d.paragraphs) > 5_000_000, "whole texts would not fit"
    digest = Digest(
        kind="workflow",
        title="算力",
        query="算力",
        generated_at=datetime(2025, 11, 30, tzinfo=UTC),
        tz=SH,
        items=items,
        run_id=2,
        window_start=datetime(2025, 10, 31, tzinfo=UTC),
        window_end=datetime(2025, 11, 30, tzinfo=UTC),
    )
    html = render_html(digest)
    assert len(html.encode()) < 1_000_000
    ids = set(re.findall(r'id="([^"]+)"', html))
    targets = re.findall(r'href="#([^"]+)"', html)
    assert targets and all(t in ids for t in targets), "every citation link lands on a paragraph in the page"
    for d in docs:
        assert f'data-doc-id="{d.id}"' in html, "every story is listed"


def test_equally_attested_figures_of_the_more_relevant_story_come_first() -> None:
    from themeflow.report.figures import key_figures

    def doc(i: str, text: str) -> Document:
        return Document(
            id=f"u{i}",
            title=text[:6],
            paragraphs=(text,),
            source=f"来源{i}",
            published_at=datetime(2026, 3, 20, tzinfo=SH),
            time_origin="document",
        )

    tencent = doc("a", "腾讯2025年全年资本开支为792亿元，同比增长221%。")
    alibaba = doc("b", "阿里巴巴2025财年资本开支为767亿元，同比增长197%。")
    assert [g.entity for g in key_figures([tencent, alibaba]).top()][:2] == ["腾讯", "阿里巴巴"]
    assert [g.entity for g in key_figures([alibaba, tencent]).top()][:2] == ["阿里巴巴", "腾讯"]
