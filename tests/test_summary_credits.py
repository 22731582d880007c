"""Credits, bylines, editor's notes and captions never become a section title or a bullet.

The outlets' furniture rules at ingest leave some of these lines in the text, and a short line over a longer
paragraph read as a sub-heading: summaries of the shared corpus had sections titled with a reporter and editor
line, a picture credit, an author line, a chart's caption, an outlet and a date, or a line announcing a
transcript. The lines below follow those shapes; the names in them are made up."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.shared_corpus import fr_documents
from themeflow.model import Document
from themeflow.summarize.extractive import ExtractiveSummarizer
from themeflow.summarize.fragments import is_boilerplate_sentence
from themeflow.summarize.outline import is_boilerplate, is_credit, key_phrase, outline
from themeflow.summarize.verify import drop_unverified, verify
from themeflow.text.segment import pos_tags

LEAD = (
    "某科技公司周二公布第三季度财报，营收与利润均超出市场预期，盘后股价上涨逾8%。",
    "公司首席执行官在电话会上表示，人工智能需求仍在加速，订单储备创出历史新高。",
)
FIRST = (
    "公司第三季度营收同比增长18%，达到42亿元，主要来自数据中心业务的放量，毛利率较上一季度提升两个百分点。",
    "数据中心业务营收达到25亿元，同比增长41%，占总营收的比重首次超过六成。",
    "消费电子业务营收同比下降6%，管理层预计第四季度将随新品上市企稳回升。",
)
SECOND = (
    "管理层表示，明年资本开支将继续向算力基础设施倾斜，并计划在华东新建两座数据中心，总投资约60亿元。",
    "公司预计明年资本开支在80亿元至90亿元之间，高于今年的55亿元，其中七成用于采购服务器和网络设备。",
    "分析师认为，随着订单能见度提高，公司全年利润有望超出市场此前的一致预期，估值仍有修复空间。",
)


def _article(line: str) -> tuple[str, ...]:
    """Two real sections; ``line`` stands over the second half of the first one, as the credits did."""
    return (*LEAD, "一、业绩超预期", FIRST[0], line, *FIRST[1:], "二、资本开支加码", *SECOND)


CREDIT_LINES = {
    "a reporter and an editor, marked": "⊙记者 王小明 ○编辑 李大华",
    "an editor alone": "责编 赵一鸣",
    "a column's credit": "东财图解",
    "an author line": "作者为某某研究院特约研究员",
    "an author line in brackets": "（本文作者系某证券首席经济学家）",
    "a commentator's byline": "北京商报评论员",
    "a picture credit": "图片由受访者提供",
    "a stock picture line": "官方图片",
    "a picture's source": "图片来自招股书",
    "a table's credit": "某某研究院根据Wind数据制表，截至10月9日收盘",
    "a chart's caption with its source": "2025年以来现货黄金价格走势；图片截自Wind",
    "a source link": "来源链接",
    "an outlet and a date": "Bloomberg电视台 2026年5月19日",
    "a transcript's announcement": "以下为访谈节选（略经编辑）",
    "a transcript's announcement, another form": "访谈全文如下（AI辅助翻译）",
    "an editor's note": "编者按：本栏目聚焦企业冲刺资本市场的关键时刻",
    "a time zone alone": "北京时间",
}


@pytest.mark.parametrize("line", CREDIT_LINES.values(), ids=CREDIT_LINES.keys())
def test_a_credit_line_is_no_heading(line: str) -> None:
    """The line stands over a longer paragraph, between two real headings: it is still no heading."""
    roles = {p.text: p.role for p in outline(_article(line))}
    assert roles[line] in {"boilerplate", "caption"}, roles
    assert roles["一、业绩超预期"] == roles["二、资本开支加码"] == "heading"


@pytest.mark.parametrize("line", CREDIT_LINES.values(), ids=CREDIT_LINES.keys())
def test_a_credit_line_titles_no_section(line: str) -> None:
    doc = Document("d1", "某科技公司三季度业绩超预期", _article(line))
    summary = drop_unverified(verify(ExtractiveSummarizer().summarize(doc), doc))
    assert summary.sections
    assert line not in {s.title for s in summary.sections}
    assert all(line not in b.text for b in summary.bullets())


@pytest.mark.parametrize(
    "line",
    [
        "营收大幅超越预期",
        "记者会上，发言人表示将继续推进谈判",
        "中国网络安全审查",  # starts with an outlet's name (中国网) but is none
        "（一）加快发展新质生产力",
        "投资方观点",
    ],
)
def test_ordinary_lines_are_not_credits(line: str) -> None:
    assert not is_boilerplate(line)


def test_a_line_wholly_in_brackets_is_a_caption_not_a_heading() -> None:
    roles = {p.text: p.role for p in outline(_article("（美油期货日内走势）"))}
    assert roles["（美油期货日内走势）"] == "caption"


def test_an_outlet_is_never_a_drawn_title() -> None:
    """``经济参考报`` is the section's most distinctive phrase (the roundup quotes it in every item), yet the
    section is about what it reported."""
    text = "经济参考报报道，新三板挂牌企业研发投入持续增长，经济参考报称专精特新集群加速崛起"
    weights = {"经济": 3.0, "参考报": 3.0, "企业": 1.0, "持续增长": 1.0}
    title = key_phrase([pos_tags(text)], weights, set())
    assert title is not None and title != "经济参考报"


@pytest.mark.parametrize(
    "sentence",
    [
        "编者按：本栏目聚焦企业冲刺资本市场的关键时刻",
        "副标题：韧性全球化，AI向未来",
        "（微信公众号“某地统计”）返回搜狐，查看更多",
        "某某新闻《一线》 张小明 发自硅谷",
        "以下为演讲全文：",
    ],
)
def test_notes_and_footers_are_never_bullets(sentence: str) -> None:
    assert is_boilerplate_sentence(sentence)


@pytest.mark.parametrize("sentence", ["他发自内心地认为这是机会", "市场人士表示，以下为主要的三点分歧"])
def test_sentences_that_only_look_like_notes_stay(sentence: str) -> None:
    assert not is_boilerplate_sentence(sentence)


NOTES = re.compile(r"^[【\[]?(?:编者按|编者注|副标题)|返回搜狐|市场有风险，投资需谨慎")


@pytest.mark.shared
def test_no_fr_summary_is_titled_with_a_credit(shared_data: Path) -> None:
    """Every fr- article of the shared corpus (2025–26 web news, where the credits were found): no section
    title is a credit, byline, caption or note line, and no shown bullet is one."""
    summarizer = ExtractiveSummarizer()
    checked = 0
    for doc in fr_documents(shared_data):
        summary = drop_unverified(verify(summarizer.summarize(doc), doc))
        for section in summary.sections:
            checked += 1
            assert not is_credit(section.title), (doc.id, section.title)
        for b in summary.bullets():
            assert not is_credit(b.text) and not NOTES.search(b.text), (doc.id, b.text)
    assert checked > 1000
