"""The extractive summarizer on articles written for these tests: structure, citations, terseness."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from themeflow.model import Document, Summary
from themeflow.summarize import ExtractiveSummarizer, Summarizer, summarizer_key
from themeflow.summarize.compress import compress, strip_fillers
from themeflow.summarize.context import CONTEXT_CHARS, with_context
from themeflow.summarize.extractive import WHOLE_SENTENCE_CHARS
from themeflow.summarize.outline import clean_heading, outline
from themeflow.summarize.verify import verify
from themeflow.text.numbers import figure_matches, find_figures
from themeflow.text.sentences import split_clauses, split_sentences

FIXTURES = json.loads(
    (Path(__file__).parent / "data" / "summary_eval_fixtures.json").read_text(encoding="utf-8")
)
FILLERS = (
    "据",
    "分析显示",
    "报告显示",
    "报告指出",
    "值得注意的是",
    "此外",
    "他表示",
    "华岳证券预测",
    "业内人士",
)


def load(doc_id: str) -> Document:
    a = next(a for a in FIXTURES["articles"] if a["id"] == doc_id)
    return Document(a["id"], a["title"], tuple(a["paragraphs"]))


@pytest.fixture(scope="module")
def summaries() -> dict[str, tuple[Document, Summary]]:
    s = ExtractiveSummarizer()
    out = {}
    for a in FIXTURES["articles"]:
        doc = load(a["id"])
        out[doc.id] = (doc, verify(s.summarize(doc), doc))
    return out


def test_protocol_and_key() -> None:
    s = ExtractiveSummarizer()
    assert isinstance(s, Summarizer)
    assert summarizer_key(s) == f"extractive@{s.version}"
    doc = load("fixture-flat")
    summary = s.summarize(doc)
    assert summary.summarizer == summarizer_key(s)
    assert (summary.doc_id, summary.content_hash) == (doc.id, doc.content_hash)


@pytest.mark.parametrize("doc_id", ["fixture-headed", "fixture-flat"])
def test_structure(summaries: dict[str, tuple[Document, Summary]], doc_id: str) -> None:
    doc, s = summaries[doc_id]
    assert not s.excerpt
    assert 2 <= len(s.core_views) <= 4
    assert 3 <= len(s.sections) <= 5
    for sec in s.sections:
        assert 1 <= len(sec.bullets) <= 4
        assert sec.title and not re.fullmatch(r"[\d\s.]+|Section \d+", sec.title)
        assert sec.title in doc.text, "titles are drawn from the article"
    assert len({sec.title for sec in s.sections}) == len(s.sections)


def test_subheadings_become_titles(summaries: dict[str, tuple[Document, Summary]]) -> None:
    _, s = summaries["fixture-headed"]
    assert [sec.title for sec in s.sections] == [
        "收入大幅超越预期",
        "算力支出进入高峰期",
        "数据中心容量翻倍",
        "竞争推动军备竞赛",
    ]


@pytest.mark.parametrize("doc_id", ["fixture-headed", "fixture-flat", "fixture-short"])
def test_every_bullet_verified_and_figures_cited(
    summaries: dict[str, tuple[Document, Summary]], doc_id: str
) -> None:
    doc, s = summaries[doc_id]
    assert s.bullets()
    for b in s.bullets():
        assert b.verified, (b.text, b.reason)
        evidence = [f for c in b.citations for f in find_figures(doc.paragraph(c))]
        for f in find_figures(b.text):
            assert figure_matches(f, evidence), (b.text, f.raw)


@pytest.mark.parametrize("doc_id", ["fixture-headed", "fixture-flat"])
def test_bullets_are_terse(summaries: dict[str, tuple[Document, Summary]], doc_id: str) -> None:
    doc, s = summaries[doc_id]
    for b in s.bullets():
        # terse, or a whole sentence shown because cutting it would change what it says, or a figure with
        # the sentence before it that names its owner (summarize/context.py)
        whole = any(b.text in p and len(b.text) <= WHOLE_SENTENCE_CHARS for p in doc.paragraphs)
        with_owner = any(b.text in p and len(b.text) <= CONTEXT_CHARS for p in doc.paragraphs)
        assert 6 <= len(b.text) <= 60 or whole or with_owner, b.text
        assert not b.text.endswith(("。", "，", "；")), b.text
        assert whole or not b.text.startswith(FILLERS), b.text  # 据X测算 is kept with a whole sentence
        assert "本文来自" not in b.text
    lengths = [len(b.text) for b in s.bullets()]
    assert sum(lengths) / len(lengths) <= 52


def test_boilerplate_never_cited(summaries: dict[str, tuple[Document, Summary]]) -> None:
    doc, s = summaries["fixture-headed"]
    last = len(doc.paragraphs)  # "本文来自华岳研究，仅供参考…"
    assert all(last not in b.citations for b in s.bullets())


def test_key_figures_survive(summaries: dict[str, tuple[Document, Summary]]) -> None:
    _, s = summaries["fixture-headed"]
    text = "\n".join(b.text for b in s.bullets())
    for fig in ("121.6GW", "258GW", "1250亿美元", "980亿美元"):
        assert fig in text


def test_short_article_is_an_excerpt(summaries: dict[str, tuple[Document, Summary]]) -> None:
    doc, s = summaries["fixture-short"]
    assert s.excerpt and not s.sections
    assert [b.citations for b in s.core_views] == [(1,), (2,)]
    assert s.core_views[0].text == doc.paragraphs[0].rstrip("。")


def test_empty_and_odd_documents() -> None:
    s = ExtractiveSummarizer()
    assert s.summarize(Document("e", "", ())).excerpt
    odd = Document("o", "标题", ("。。。", "1,2,3", "——", "GPT-6", "短", "本文来自某某"))
    assert s.summarize(odd).excerpt
    many = Document(
        "m", "标题", tuple(f"第{i}段内容讲述了公司第{i}季度的业务进展，营收增长{i}%。" for i in range(1, 30))
    )
    out = verify(s.summarize(many), many)
    assert all(b.verified for b in out.bullets())


def test_compress_drops_fillers_keeps_figures() -> None:
    cases = {
        "据路透社报道，5月美国原油出口量达到创纪录的560万桶/日。": "5月美国原油出口量达到创纪录的560万桶/日",
        "巴克莱报告显示，2028年计算支出将达到约1100亿美元。": "2028年计算支出将达到约1100亿美元",
        "值得注意的是，此外，星河智能营收增长15%。": "星河智能营收增长15%",
        "他表示，华为将继续加大投入。": "华为将继续加大投入",
        "在周三的盘后交易中，CrowdStrike股价大跌10%。": "CrowdStrike股价大跌10%",
        "分析人士指出，行业竞争依然激烈。": "行业竞争依然激烈",
    }
    for sentence, expected in cases.items():
        assert compress(sentence) == expected
    long = "据测算，星河智能2025年营收为100亿元，同比增长20%，毛利率提升至35%，主要受益于海外市场的持续扩张以及产品结构的优化升级和成本控制能力的增强。"
    out = compress(long)
    assert {"100亿元", "20%", "35%"} <= {f.raw for f in find_figures(out)}
    assert len(out) <= 60 and out in long.replace("据测算，", "")


def test_strip_fillers() -> None:
    assert strip_fillers("此外，据了解，公司营收增长") == "公司营收增长"
    assert strip_fillers("公司营收增长") == "公司营收增长"


def test_sentences_and_clauses() -> None:
    assert split_sentences("营收增长1,100亿。利润114.3亿！真的吗？是的") == [
        "营收增长1,100亿。",
        "利润114.3亿！",
        "真的吗？",
        "是的",
    ]
    assert split_sentences("他说：“增长很快。”随后离开。") == ["他说：“增长很快。”", "随后离开。"]
    assert split_clauses("营收1,100亿元，同比增长15%：创新高") == ["营收1,100亿元", "同比增长15%", "创新高"]


def test_outline_headings() -> None:
    paras = outline(
        [
            "导语段落，介绍全文内容。",
            "营收大幅超越预期",
            "营收详细内容很长很长的一段话。",
            "风险因素：",
            "风险详细内容。",
            "本文来自某某，欢迎下载APP",
        ]
    )
    assert [p.role for p in paras] == ["body", "heading", "body", "heading", "body", "boilerplate"]
    assert clean_heading("一、营收大幅超越预期") == "营收大幅超越预期"
    # kept whole: cut at its colon, the heading named a company over bullets that were not all its own
    heading = "鹏鼎控股：拟定增募资不超96亿元 用于高密度互连积层板项目"
    assert clean_heading(heading) == heading
    long = "英伟达：数据中心收入同比增长近两倍，游戏业务回暖，汽车业务仍在亏损区间，管理层上调全年指引"
    assert clean_heading(long) == "英伟达：数据中心收入同比增长近两倍，游戏业务回暖，汽车业务仍在亏损区间"


def test_a_figure_keeps_the_sentence_that_names_its_owner() -> None:
    """``净利润15亿元`` alone does not say whose profit it is: shown with the sentence before it that
    names the company, verbatim; never with a sentence that names no one, never past the length limit."""
    para = "腾讯发布2025年年度报告。净利润15亿元，同比增长21%。"
    assert with_context(para, "净利润15亿元，同比增长21%。") == para.rstrip("。")
    assert with_context(para, "腾讯发布2025年年度报告。") is None  # the paragraph's first sentence
    assert (
        with_context("公司发布年度报告。净利润15亿元，同比增长21%。", "净利润15亿元，同比增长21%。") is None
    )
    assert with_context("腾讯发布年报。腾讯的净利润15亿元。", "腾讯的净利润15亿元。") is None
    long = "腾讯发布年度报告，" + "各项业务稳步推进，" * 20 + "全年经营平稳。净利润15亿元。"
    assert with_context(long, "净利润15亿元。") is None
