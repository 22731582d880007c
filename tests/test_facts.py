"""Figure facts, theme figures and conflicts on text composed in the seed's style (no article text)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from themeflow.facts import (
    extract_paragraph,
    figures_for_documents,
    metrics_match,
    period_key,
    theme_figures_to_dict,
)
from themeflow.facts.confidence import CONFIDENCE_THRESHOLD
from themeflow.facts.extract import scored_paragraph
from themeflow.facts.mentions import entity_mentions
from themeflow.facts.metric import metric_doubt
from themeflow.model import Copy, Document, Story

TZ = timezone(timedelta(hours=8))
TITLE = "巴克莱：OpenAI算力需求持续激增，2028年支出将达到1100亿美元"
REPORT = (
    "巴克莱银行发布研究报告称，AI资本开支周期远未结束。",
    "OpenAI在2024至2030年间计算运营支出预算总额超过4500亿美元，预计2028年达到峰值约1100亿美元。",
    "主要合约包括甲骨文OCI 3000亿美元 微软Azure 2500亿美元 谷歌GCP 400亿美元 亚马逊AWS 380亿美元 CoreWeave 224亿美元",
    "预计2024至2030年间，全球AI数据中心总容量将从114.3GW增长至236GW，实现翻倍。",
    "公司2027年预期营收从600亿美元上调至900亿美元。",
    "GPT-6和Sora 3于11月20日发布，港股通科技ETF（159101）当日成交活跃。",
)


def doc(
    doc_id: str, paragraphs: tuple[str, ...], source: str = "华尔街见闻", day: int = 20, title: str = TITLE
) -> Document:
    return Document(
        id=doc_id,
        title=title,
        paragraphs=paragraphs,
        source=source,
        published_at=datetime(2025, 11, day, 20, 41, tzinfo=TZ),
    )


def facts_of(text: str, title_entity: str | None = "OpenAI"):
    return extract_paragraph(text, doc_id="d", paragraph=1, title_entity=title_entity)


def test_entity_metric_period_qualifier_from_the_clause() -> None:
    facts = facts_of(REPORT[1])
    spend = next(f for f in facts if f.value == "1100亿美元")
    assert (spend.entity, spend.period, spend.qualifier) == ("OpenAI", "2028年", "约")
    assert metrics_match(spend.metric, "计算支出")
    assert spend.normalized_value == 1.1e11 and spend.normalized_unit == "USD" and spend.unit == "美元"
    total = next(f for f in facts if f.value == "4500亿美元")
    assert total.period == "2024至2030年" and total.qualifier == "超过"


def test_contract_list_names_each_company() -> None:
    facts = {f.value: f for f in facts_of(REPORT[2])}
    assert facts["3000亿美元"].entity == "甲骨文"
    assert facts["2500亿美元"].entity == "微软"
    assert facts["224亿美元"].entity == "CoreWeave"
    assert all(f.metric == "主要合约" for f in facts.values())


def test_from_to_pair_splits_a_year_range() -> None:
    start, end = facts_of(REPORT[3])
    assert (start.value, start.period, start.qualifier) == ("114.3GW", "2024年", "从")
    assert (end.value, end.period) == ("236GW", "2030年")
    assert start.entity == end.entity == "全球" and start.metric == end.metric == "AI数据中心总容量"


def test_linking_verb_inherits_the_metric() -> None:
    old, new = facts_of(REPORT[4])
    assert old.metric == new.metric == "预期营收" and new.normalized_value == 9e10


def test_anaphor_resolves_to_the_paragraph_subject_else_the_title() -> None:
    facts = facts_of("受财报提振，Nebius股价周三大涨18%。据道琼斯市场数据，其市值一度逼近539亿美元。")
    fact = next(f for f in facts if f.value == "539亿美元")
    assert fact.entity == "Nebius" and fact.metric.startswith("市值")
    # the anaphor resolves to the title's entity; with nothing in the paragraph naming it, the model is
    # less sure of such facts (right about half the time on the labels), so it is scored, not shown
    (scored,) = scored_paragraph(
        "据报道，公司已签约在2028年前获得约8GW的算力。", doc_id="d", paragraph=1, title_entity="OpenAI"
    )
    fact = scored.fact
    assert (fact.entity, fact.metric, fact.period) == ("OpenAI", "算力", "2028年前")
    assert scored.evidence.entity_from == "coref"


def test_abstains_when_nothing_in_the_paragraph_names_the_entity() -> None:
    text = "一座典型的核电站发电量约为1GW。"
    assert facts_of(text) == []  # the title's OpenAI is not what a nuclear plant's output is about
    (scored,) = scored_paragraph(text, doc_id="d", paragraph=1, title_entity="OpenAI")
    assert scored.evidence.entity_from == "title" and scored.confidence < CONFIDENCE_THRESHOLD


def test_metric_written_after_the_figure() -> None:
    facts = {f.value: f for f in facts_of("Nebius已与Meta签订为期五年、价值最高270亿美元的算力供应协议。")}
    assert facts["270亿美元"].metric == "算力供应协议价值" and facts["270亿美元"].entity == "Nebius"
    (fact,) = facts_of("地平线6月刚完成46.7亿港元配售。")
    assert (fact.entity, fact.metric) == ("地平线", "配售")


def test_owner_named_after_the_figure_and_subsidiary_after_its_owner() -> None:
    (fact,) = facts_of("Nebius股价大涨，市值逼近640亿美元的CoreWeave。")
    assert fact.entity == "CoreWeave"
    (fact,) = facts_of("马斯克旗下的SpaceX年化收入规模达260亿美元。")
    assert fact.entity == "SpaceX"


def test_landmarks_and_places_are_not_metrics() -> None:
    facts = facts_of("现货黄金历史性地突破每盎司4000美元大关。", title_entity=None)
    assert [(f.entity, f.metric) for f in facts] == [("黄金", "每盎司价格")]
    assert metric_doubt("大关") and metric_doubt("俄亥俄州") and not metric_doubt("资本支出")


def test_dates_codes_versions_and_years_are_not_facts() -> None:
    assert facts_of(REPORT[5]) == []
    assert facts_of(REPORT[0]) == []


def test_market_move_needs_a_named_subject() -> None:
    facts = facts_of("英伟达Q1净利润583亿美元，同比增长30%，恒生指数跌1.5%，随后小幅回落2%。")
    by_value = {f.value: f for f in facts}
    assert by_value["583亿美元"].period == "Q1"
    assert (by_value["1.5%"].entity, by_value["1.5%"].metric, by_value["1.5%"].period) == (
        "恒生指数",
        "跌幅",
        None,
    )


def test_verb_phrases_and_actors_are_doubtful_metrics() -> None:
    for phrase in (
        "具备年产",
        "启动总额",
        "折合人民币",
        "计划发行",
        "存储芯片制造商",
        "集团",
    ):
        assert metric_doubt(phrase), phrase
    for phrase in ("持股比例", "营收", "项目融资担保", "资本支出预测", "股价单日暴涨", "每桶价格涨幅"):
        assert not metric_doubt(phrase), phrase
    assert "unnamed subject" in metric_doubt("智谱涨幅") and not metric_doubt("价格涨幅")


def test_name_fragments_are_not_entities() -> None:
    names = {e.text for e in entity_mentions("女性客户占比达35%，首席执行官伊万·埃斯皮诺萨在横滨表示")}
    assert not names & {"比达", "诺萨", "埃斯皮"}


def test_list_members_products_and_market_figures_score_lower() -> None:
    def score(text: str, value: str) -> float:
        return next(
            s.confidence for s in scored_paragraph(text, doc_id="d", paragraph=1) if s.fact.value == value
        )

    # a leveraged product named after a company moved, not the company
    assert score("芯片股集体下跌，兆易创新跌超17%，南方两倍做多SK海力士跌30%。", "30%") < CONFIDENCE_THRESHOLD
    # the first item of a list is not the subject of a later sentence
    assert score("特斯拉Model Y、小鹏G6等车型均在此区间。作为参考，某新车起售价24.98万元。", "24.98万元") < (
        CONFIDENCE_THRESHOLD
    )
    # a market-wide figure is not the forecaster's
    text = "SEMI同时预测了行业前景。一季度全球半导体设备出货额达365.5亿美元。"
    assert score(text, "365.5亿美元") < CONFIDENCE_THRESHOLD


def test_close_per_barrel_is_the_closing_price() -> None:
    facts = facts_of("截至当天收盘，WTI原油期货下跌1.77美元，收于每桶74.08美元。", title_entity=None)
    assert {f.value: f.metric for f in facts}["74.08美元"] == "收盘价"


def test_citation_points_to_the_paragraph() -> None:
    from themeflow.facts import extract_facts

    facts = extract_facts(doc("a", REPORT))
    assert {f.citation.paragraph for f in facts} == {2, 3, 4, 5}
    assert all(f.citation.doc_id == "a" for f in facts)


# -- grouping and conflicts ----------------------------------------------------------------------------
SUMMARY = (  # another outlet's rewrite: same figures, one typo (1143GW)
    "OpenAI预计2028年计算支出达到峰值约1100亿美元",
    "预计2024至2030年间全球AI数据中心总容量将从1143GW增长至236GW 实现翻倍",
)


def test_seed_typo_is_flagged_with_both_citations() -> None:
    result = figures_for_documents([doc("a", REPORT), doc("b", SUMMARY, source="美股IPO", day=21)])
    (conflict,) = result.conflicts
    assert (conflict.entity, conflict.period) == ("全球", "2024年")
    values = {v.value: v for v in conflict.values}
    assert set(values) == {"114.3GW", "1143GW"}
    assert values["114.3GW"].citations[0].doc_id == "a" and values["1143GW"].citations[0].doc_id == "b"
    peak = next(g for g in result.figures if g.value == "1100亿美元")
    assert peak.agreement == 2 and peak.outlets == ("华尔街见闻", "美股IPO")


def test_syndicated_copies_agree_once() -> None:
    a, b = doc("a", REPORT), doc("b", REPORT, source="新浪财经")
    story = Story("s1", "a", (Copy("b", "新浪财经", b.published_at),))
    result = figures_for_documents([a, b], {"a": story, "b": story})
    assert result.conflicts == ()
    peak = next(g for g in result.figures if g.value == "1100亿美元")
    assert peak.agreement == 1 and len(peak.citations) == 2


def test_same_amount_in_other_scale_agrees() -> None:
    a = doc("a", ("南下资金年内净买入突破1.2万亿港元，创下历史新高。",), title="港股")
    b = doc("b", ("南下资金年内净买入突破12000亿港元。",), source="东方财富网", title="港股")
    result = figures_for_documents([a, b])
    assert result.conflicts == ()
    (group,) = result.figures
    assert group.agreement == 2 and group.normalized_value == 1.2e12


@pytest.mark.parametrize(
    ("a", "b", "conflict"),
    [
        (
            "OpenAI预计2028年计算支出达到峰值约1100亿美元。",
            "OpenAI预计2028年算力支出将达到1600亿美元。",
            True,
        ),
        (
            "OpenAI在2024至2030年间计算运营支出预算总额超过4500亿美元。",
            "OpenAI在2024至2030年间计算支出约4600亿美元。",
            False,
        ),
        ("微软预计2026年资本支出将达1900亿美元。", "微软预计2026年资本支出约1880亿美元。", False),
        ("苹果2026年市值3.5万亿美元。", "苹果2026年市值蒸发超1.5万亿美元。", False),
    ],
)
def test_tolerance_and_qualifiers(a: str, b: str, conflict: bool) -> None:
    result = figures_for_documents([doc("a", (a,), title=""), doc("b", (b,), source="其他", title="")])
    assert bool(result.conflicts) is conflict


def test_metric_matching_and_periods() -> None:
    assert metrics_match("计算运营支出预算总额", "算力支出")
    assert metrics_match("compute spending", "计算支出")
    assert metrics_match("预期营收", "营收")
    assert not metrics_match("市值蒸发", "市值")
    assert not metrics_match("付费用户年度平均收入", "营收")
    published = datetime(2025, 11, 20, tzinfo=TZ)
    assert period_key("2028年", published) == period_key("2028", published) == "2028"
    assert period_key("今年", published) == "2025"
    assert period_key("FY28", published) == period_key("2028财年", published) == "FY2028"
    assert period_key("2025年第一季度", published) == period_key("2025Q1", published) == "2025Q1"
    assert period_key("2024至2030年", published) == "2024-2030"


def test_json_shape_is_the_design_contract() -> None:
    data = theme_figures_to_dict(
        figures_for_documents([doc("a", REPORT), doc("b", SUMMARY, source="美股IPO")])
    )
    json.dumps(data, ensure_ascii=False)
    figure = data["figures"][0]
    for key in (
        "entity",
        "metric",
        "value",
        "unit",
        "normalized_value",
        "normalized_unit",
        "period",
        "citations",
    ):
        assert key in figure
    assert set(figure["citations"][0]) == {"doc_id", "paragraph"}
    conflict = data["conflicts"][0]
    assert {"entity", "metric", "period", "values"} <= set(conflict)
    assert {"value", "unit", "citations"} <= set(conflict["values"][0])


def test_bare_move_is_named_as_its_size() -> None:
    facts = facts_of("港股方面，示例科技盘中涨超12%，创历史新高。", title_entity=None)
    move = next(f for f in facts if f.value == "12%")
    assert move.metric.endswith("涨幅")


def test_speaker_does_not_own_the_figures_in_the_quote() -> None:
    text = "美联储主席鲍威尔说道，劳动力市场可能正在企稳，上月核心PCE同比通胀率可能为3%。"
    scored = scored_paragraph(text, doc_id="d", paragraph=1, title_entity=None)
    pce = [s for s in scored if s.fact.value == "3%" and s.fact.entity == "鲍威尔"]
    assert all("speaker" in s.evidence.doubts and s.confidence < CONFIDENCE_THRESHOLD for s in pce)


def test_metric_acronym_is_not_an_entity() -> None:
    names = {e.canonical for e in entity_mentions("示例公司调整后EBITDA利润率提升至35%，GBV同比增长16%。")}
    assert not names & {"EBITDA", "GBV"}


def test_an_agency_publishing_data_is_not_the_subject_but_a_data_center_owner_is() -> None:
    customs = "海关总署6月9日发布数据显示，2026年前5个月，我国货物贸易进出口总值20.68万亿元。"
    (fact,) = facts_of(customs, title_entity=None)
    assert fact.entity == "中国"  # 我国, not the customs office that published the data
    (fact,) = facts_of("英伟达数据中心营收达到411亿美元。", title_entity=None)
    assert (fact.entity, fact.metric) == ("英伟达", "数据中心营收")


def test_how_a_name_was_recognized_is_kept_as_evidence() -> None:
    from themeflow.facts.extract import scored_paragraph

    kinds = {
        s.fact.entity: s.evidence.entity_kind
        for s in scored_paragraph("MaaS收入约15亿元，Lancium营收达到13亿美元。", doc_id="d", paragraph=1)
    }
    assert kinds == {"MaaS": "acronym", "Lancium": "latin"}


def test_a_forecast_belongs_to_its_subject_not_to_the_forecaster() -> None:
    """``美国银行预计美联储将降息25个基点`` is about 美联储 (the labelling guide: the entity is what the number
    is about); a forecaster that names no one after its verb keeps what it forecasts of itself."""
    (cut,) = facts_of("美国银行预计美联储将降息25个基点。", title_entity=None)
    assert cut.entity == "美联储"
    (revenue,) = facts_of("高盛预计英伟达2026年营收将达到3000亿美元。", title_entity=None)
    assert (revenue.entity, revenue.metric) == ("英伟达", "营收")
    (own,) = facts_of("OpenAI预计2028年计算支出达到峰值约1100亿美元。", title_entity=None)
    assert own.entity == "OpenAI"
