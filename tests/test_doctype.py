"""Document types from structure, and theme centrality.

Unit tests on small synthetic documents written here (each type, and the near misses that must not be it),
then quality gates on the hand-labelled sample of the shared corpus (``tests/data/doctype/labels.jsonl``,
labelled by ``tests/data/doctype/GUIDE.md``). The gates skip without ``../shared/data``. Floors are pinned
slightly below what was measured: raise them when the classifier improves, never lower them silently.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

from tests.conftest import TEST_DATA
from themeflow.ingest.records import read_jsonl
from themeflow.model import Document
from themeflow.text.doctype import (
    DOC_TYPES,
    DocType,
    classify,
    doc_type,
    doc_type_of,
    structure_of,
    theme_centrality,
)
from themeflow.text.wordlists import word_file

LABELS = TEST_DATA / "doctype" / "labels.jsonl"

DEV_MACRO_F1_FLOOR = 0.92
"""Dev split (160 documents, tuned on): measured 0.951 (accuracy 0.956)."""
DEV_RECALL_FLOORS: dict[DocType, float] = {"roundup": 0.92, "liveblog": 0.95}
"""Dev split: roundup recall measured 0.96 (24 of 25), live blog 1.00 (12 of 12)."""
BLIND_MACRO_F1_FLOOR = 0.84
"""Blind split (80 documents, never tuned on): scored once, after the classifier was committed (9c69394):
macro-F1 0.865, accuracy 0.863; recall article 0.87, flash 0.94, roundup 1.00, live blog 1.00, research
0.62, table 0.73. A regression floor only: the blind split is not to be tuned on, so a failure here means
a change broke something, not that the floor needs moving."""

PROSE = (
    "公司表示，本轮投入将主要用于扩充产能和研发，管理层预计相关项目将在未来两年内陆续投产，"
    "并对毛利率形成支撑。分析人士认为，行业需求仍处在上行周期，但价格竞争也在加剧。"
)


# --- one synthetic document of each type -------------------------------------------------------


def test_a_live_blog_is_a_lead_then_timestamped_entries() -> None:
    paras = [
        "A股三大指数早盘震荡分化，创业板指跌超1%，半导体板块走强，光伏板块回调。",
        "10:26",
        "三大指数集体翻红，贵金属、算力硬件涨幅居前。",
        "09:46",
        "早盘PCB概念震荡回升，多股涨停。",
        "09:37",
        "创业板指跌超2%，沪深京三市下跌个股近3300只。",
    ]
    assert doc_type_of("A股三大股指盘中集体翻红，半导体拉升", paras) == "liveblog"
    # Two clock times in the text of a story make no live blog.
    story = ["13:05 ET：特朗普接受采访时表示不在乎谈判结果。", "13:45 ET：股市飙升，油价下跌。", PROSE * 3]
    assert doc_type_of("特朗普的两次表态", story) != "liveblog"


def test_an_evening_brief_is_a_roundup() -> None:
    paras = [
        "热点聚焦",
        "国务院常务会议：",
        "会议研究推进新型工业化有关工作，部署未来产业发展。",
        "核电：",
        "国务院常务会议决定核准四个核电项目，总投资将超过1700亿元。",
        "券商交易系统规范：",
        "监管层拟对券商交易信息系统接入环节进行系统性规范。",
        "公司新闻",
        "兆易创新：公司拟以集中竞价交易方式回购股份。",
        "铭普光磁：公司拟向特定对象发行股票。",
    ]
    assert doc_type_of("7月31日东方财富财经晚报（附新闻联播）", paras) == "roundup"
    # A newspaper whose name holds 早报 is no morning brief.
    assert doc_type_of("据《联合早报》报道，英国签署贸易协定", [PROSE * 6]) == "article"


def test_a_list_of_companies_is_a_roundup_without_a_telling_title() -> None:
    companies = ["大中矿业", "中色股份", "海天股份", "德冠新材", "融捷股份", "华亚智能"]
    paras = ["沪深两市多家上市公司晚间发布重要公告："]
    for name in companies:
        paras += [f"{name}：拟投资建设新项目", f"{name}公告，公司拟投资建设新项目，预计总投资约10亿元。"]
    assert doc_type_of("上市公司晚间动态", paras) == "roundup"


def test_a_session_wrap_is_a_roundup_however_short() -> None:
    body = ["截至午盘，恒指涨0.37%，国企指数涨0.52%，红筹指数涨0.76%。有色金属股强势，在线教育股走低。"]
    assert doc_type_of("港股午评：恒指涨0.37% 有色金属股强势", body) == "roundup"
    # Untitled, the same wrap is still one: a session, three indexes, sectors in passing.
    wrap = [
        "截至收盘，沪指跌0.34%，深成指跌0.50%，创业板指跌1.02%。算力板块全天强势，"
        "券商板块午后拉升，食品饮料板块回调，汽车板块走弱，两市成交额约7419亿元。" * 2
    ]
    assert doc_type_of("A股三大指数午后小幅上行", wrap) == "roundup"


def test_a_broker_view_is_research_whatever_its_length() -> None:
    short = ["天风证券研报指出，看好锂钴稀土涨势延续，关注北方稀土、五矿稀土。"]
    assert doc_type_of("锂钴稀土涨势有望延续", short) == "research"
    assert doc_type_of("中金：料寿险明年新业务价值好转", [PROSE]) == "research"
    assert doc_type_of("交银国际：予宝胜国际“买入”评级", [PROSE * 2]) == "research"
    # A newspaper and an exchange are no brokers.
    assert doc_type_of("上海证券报：新规落地", ["上海证券报记者了解到，新规将于下月实施。"]) == "flash"


def test_a_generated_data_report_is_a_table() -> None:
    body = [
        "截至2023年7月28日收盘，大庆华科报收于16.34元，上涨0.06%，换手率0.49%，成交量6359.0手，"
        "成交额1035.57万元。主力资金净流入34.36万元，游资资金净流出87.86万元，散户资金净流入53.51万元。"
        "公司主营收入6.29亿元，同比上升2.02%；归母净利润227.32万元，同比下降82.47%；扣非净利润"
        "162.37万元，同比下降86.83%；负债率16.31%，毛利率4.06%。以上内容由算法生成。"
    ]
    assert doc_type_of("股票行情快报：大庆华科（000985）7月28日主力资金净买入34.36万元", body) == "table"
    p2p = [
        "06月12日，P2P网贷平台融金所的成交额为1,393.94万元，较上一个工作日的1,693.71万元，减少了"
        "299.77万元；网贷利率为11.17%，较上一个工作日的11.47%，降低了0.30%。"
    ]
    assert doc_type_of("融金所P2P网贷平台06月12日数据分析", p2p) == "table"


def test_a_short_wire_item_is_a_flash() -> None:
    assert doc_type_of("公司回购", ["财联社8月4日电，某公司公告拟回购不超过1亿元股份。"]) == "flash"
    # A short line with many figures is still news, not a table.
    assert doc_type_of("安阳新增病例", ["1月10日0时至11日8时，安阳全市新增本土确诊病例58例。"]) == "flash"
    # Past the flash length without a dateline, the same kind of text is an article.
    assert doc_type_of("公司扩产", [PROSE * 6]) == "article"


def test_a_long_single_topic_piece_is_an_article() -> None:
    paras = ["随着大语言模型技术进步放缓，一场围绕世界模型的竞赛正在展开。", PROSE, "模拟物理世界", PROSE * 2]
    paras += [PROSE] * 6 + ["巨头为何押注新赛道？", PROSE * 2]
    assert doc_type_of("科技巨头都在加码世界模型", paras) == "article"


def test_every_type_and_the_document_form_agree() -> None:
    doc = Document(id="x", title="港股午评：恒指涨0.37%", paragraphs=("截至午盘，恒指涨0.37%。",))
    assert doc_type(doc) == doc_type_of(doc.title, doc.paragraphs) == "roundup"
    assert classify(structure_of(doc.title, doc.paragraphs)) == "roundup"
    assert set(DOC_TYPES) == {"article", "flash", "roundup", "liveblog", "research", "table"}


def test_empty_and_odd_input_is_typed_not_an_error() -> None:
    assert doc_type_of("", []) == "flash"
    assert doc_type_of("", ["", "  "]) == "flash"
    assert doc_type_of("x" * 50, ["9" * 5000]) == "table"


def test_the_cue_file_is_versioned_data() -> None:
    data = word_file("doctype_cues.toml")
    assert data["version"] >= 1
    assert "早报" in data["title_roundup"] and "联合早报" in data["title_roundup_names"]


# --- centrality ----------------------------------------------------------------------------------


def _on_theme(text: str) -> bool:
    return "光模块" in text


def test_a_theme_in_one_line_of_a_roundup_is_not_central() -> None:
    paras = [f"第{i}条：其他公司的消息。" for i in range(1, 30)] + ["光模块：某公司订单排至明年。"]
    c = theme_centrality(paras, "财经晚报", _on_theme)
    assert c.paragraphs == (30,) and not c.title_match and not c.lead_match
    assert c.share == pytest.approx(1 / 30)
    assert c.score < 0.05


def test_a_theme_in_title_lead_and_body_is_central() -> None:
    paras = ["光模块需求爆发。", "公司光模块出货翻倍。", "其他业务平稳。", "光模块价格上涨。"]
    c = theme_centrality(paras, "光模块迎来超级周期", _on_theme)
    assert c.title_match and c.lead_match and c.paragraphs == (1, 2, 4)
    assert c.share == pytest.approx(0.75)
    assert c.score == pytest.approx(1.0)


def test_centrality_weighs_title_lead_and_coverage() -> None:
    flash = theme_centrality(["光模块龙头涨停。"], "A股午后拉升", _on_theme)
    assert flash.score == pytest.approx(0.25 + 0.35)  # lead and full coverage, no title
    late = theme_centrality(["无关。", "无关。", "无关。", "光模块。"], "无关", _on_theme)
    assert late.score == pytest.approx(0.35 * (0.25 / 0.5))  # coverage only, below saturation
    titled = theme_centrality(["无关。"] * 10, "光模块晚报", _on_theme)
    assert titled.score == pytest.approx(0.40)
    assert theme_centrality([], "", _on_theme).score == 0.0
    assert 0.0 <= late.score <= flash.score <= 1.0


# --- the labelled sample -------------------------------------------------------------------------


def _on_ai_capex(text: str) -> bool:
    """A compound theme: both parts must be there (AI without 资本支出 is not AI capex)."""
    return "AI" in text and "资本支出" in text


def test_a_lead_states_a_compound_theme_only_in_one_sentence() -> None:
    # An earnings preview whose lead names the capex in one sentence and the AI unit in the next: two
    # subjects of the lead, not the theme (it scored 0.25 for the lead alone and made the concept page).
    split = [
        "SpaceX即将发布上市以来首份季度财报。",
        "分析师预计本季度资本支出约达180亿美元。拖累业绩的主要来源是AI业务。",
        "星舰的商业化进程才是核心变量。",
        "市场期待公司在电话会上提供更多细节。",
    ]
    c = theme_centrality(split, "SpaceX首份财报倒计时", _on_ai_capex)
    assert c.paragraphs == (2,) and not c.lead_match
    assert c.score == pytest.approx(0.35 * (0.25 / 0.5))  # coverage still counts the paragraph
    together = ["分析师预计本季度AI相关资本支出约达180亿美元，拖累了业绩。", *split[2:]]
    assert theme_centrality(together, "SpaceX首份财报倒计时", _on_ai_capex).lead_match
    one_sentence = ["AI资本支出再创新高", *split[2:]]  # a lead without a full stop is one sentence
    assert theme_centrality(one_sentence, "", _on_ai_capex).lead_match


def _labels() -> list[dict[str, str]]:
    with LABELS.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def test_the_labels_file_holds_ids_and_labels_only() -> None:
    rows = _labels()
    assert len(rows) == 240 and len({r["id"] for r in rows}) == 240
    assert {k for r in rows for k in r} == {"id", "type", "split", "note"}
    assert collections.Counter(r["split"] for r in rows) == {"dev": 160, "blind": 80}
    per_type = collections.Counter(r["type"] for r in rows)
    assert set(per_type) == set(DOC_TYPES) and min(per_type.values()) >= 15
    assert max(len(r["note"]) for r in rows) <= 100  # a note, never a quotation of the text


@pytest.fixture(scope="module")
def labelled(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Document]:
    """The labelled articles as ingest makes them (restored breaks, derived titles), by corpus id."""
    wanted = {r["id"] for r in _labels()}
    subset = tmp_path_factory.mktemp("doctype") / "labelled.jsonl"
    with (
        (shared_data / "news.jsonl").open(encoding="utf-8") as src,
        subset.open("w", encoding="utf-8") as out,
    ):
        for line in src:
            if json.loads(line)["id"] in wanted:
                out.write(line)
    docs = {d.meta["source_id"]: d for d in read_jsonl(subset) if isinstance(d, Document)}
    assert set(docs) == wanted
    return docs


def _score(labelled: dict[str, Document], split: str) -> tuple[float, dict[str, float]]:
    """Macro-F1 over the six types and per-type recall on ``split``."""
    pairs = [(r["type"], doc_type(labelled[r["id"]])) for r in _labels() if r["split"] == split]
    f1s, recall = [], {}
    for t in DOC_TYPES:
        tp = sum(g == p == t for g, p in pairs)
        gold = sum(g == t for g, _ in pairs)
        predicted = sum(p == t for _, p in pairs)
        precision = tp / predicted if predicted else 0.0
        recall[t] = tp / gold if gold else 0.0
        total = precision + recall[t]
        f1s.append(2 * precision * recall[t] / total if total else 0.0)
    return sum(f1s) / len(f1s), recall


@pytest.mark.shared
def test_dev_split_floors(labelled: dict[str, Document]) -> None:
    macro_f1, recall = _score(labelled, "dev")
    assert macro_f1 >= DEV_MACRO_F1_FLOOR, (macro_f1, recall)
    for t, floor in DEV_RECALL_FLOORS.items():
        assert recall[t] >= floor, (t, recall[t])


@pytest.mark.shared
def test_blind_split_floor(labelled: dict[str, Document]) -> None:
    macro_f1, recall = _score(labelled, "blind")
    assert macro_f1 >= BLIND_MACRO_F1_FLOOR, (macro_f1, recall)
