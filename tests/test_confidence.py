"""The learned fact-confidence model: its file, its features, and how scores are shared and compared."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from themeflow.errors import ThemeflowError
from themeflow.facts.confidence import CONFIDENCE_THRESHOLD, MODEL_FILE, ConfidenceModel, load_model
from themeflow.facts.evaluate import Label, judge_facts
from themeflow.facts.evidence import Evidence, rule_score
from themeflow.facts.extract import candidate_paragraph, change_partners, scored_paragraph
from themeflow.facts.features import FEATURE_NAMES, fact_features, unit_class
from themeflow.model import Citation, Fact
from themeflow.text.units import unit_kind


def _raw() -> dict[str, object]:
    return json.loads(resources.files("themeflow.facts").joinpath(MODEL_FILE).read_text(encoding="utf-8"))


def test_shipped_model_matches_the_features_and_records_its_cross_validation() -> None:
    raw = _raw()
    model = load_model()
    assert tuple(raw["features"]) == FEATURE_NAMES and set(model.weights) == set(FEATURE_NAMES)
    assert model.threshold == CONFIDENCE_THRESHOLD and 0.5 < CONFIDENCE_THRESHOLD < 0.95
    # the cut was chosen where the out-of-fold precision reached the target, on thousands of figures
    assert raw["cv_precision"] >= raw["target_precision"] >= 0.9
    assert raw["gold_labels"] >= 3000 and raw["articles"] >= 100


def test_a_model_trained_on_other_features_is_refused() -> None:
    raw = _raw() | {"features": [*FEATURE_NAMES[:-1], "something_else"]}
    with pytest.raises(ThemeflowError, match="retrain"):
        ConfidenceModel.from_dict(raw)


def test_scores_are_probabilities_ordered_by_evidence() -> None:
    near = scored_paragraph("英伟达股价大涨5%。", doc_id="d", paragraph=1)
    far = scored_paragraph("一座典型的核电站发电量约为1GW。", doc_id="d", paragraph=1, title_entity="OpenAI")
    assert len(near) == 1 and len(far) == 1
    assert 0.0 < far[0].confidence < CONFIDENCE_THRESHOLD <= near[0].confidence < 1.0


def test_both_ends_of_a_change_share_the_start_value_score() -> None:
    text = "OpenAI将2027年预期营收从600亿美元上调至900亿美元。"
    found = candidate_paragraph(text, doc_id="d", paragraph=1)
    assert [ev.role for _, ev in found] == ["from", "to"]
    assert change_partners(found) == [None, 0]
    start, end = scored_paragraph(text, doc_id="d", paragraph=1)
    assert start.confidence == end.confidence


def test_a_head_that_introduces_a_list_names_its_metric() -> None:
    text = "主要合约包括甲骨文OCI 3000亿美元 微软Azure 2500亿美元"
    first, second = scored_paragraph(text, doc_id="d", paragraph=1)
    assert first.evidence.metric_from == "list_head" and first.fact.entity == "甲骨文"
    assert first.fact.metric == second.fact.metric == "主要合约"
    assert first.confidence >= CONFIDENCE_THRESHOLD


def test_features_of_an_owner_a_forecaster_and_a_count() -> None:
    (owner,) = scored_paragraph("Nebius股价大涨，市值逼近640亿美元的CoreWeave。", doc_id="d", paragraph=1)
    assert owner.evidence.entity_from == "owner" and owner.evidence.gap == 1  # 的 between figure and name
    bank = Fact("高盛", "目标价", "53万韩元", "韩元", 5.3e5, "KRW", None, Citation("d", 1))
    broker = Fact("中信证券", "目标价", "53万韩元", "韩元", 5.3e5, "KRW", None, Citation("d", 1))
    maker = Fact("三星电子", "目标价", "53万韩元", "韩元", 5.3e5, "KRW", None, Citation("d", 1))
    assert [
        fact_features(f, Evidence("window", "window")).get("forecaster") for f in (bank, broker, maker)
    ] == [
        1.0,
        1.0,
        None,
    ]
    counted = Fact("某公司", "员工", "2000人", "人", 2000.0, "人", None, Citation("d", 1))
    assert fact_features(counted, Evidence("window", "window")).get("unit:count") == 1.0


def test_unit_kinds_and_classes() -> None:
    assert (unit_kind("GW"), unit_kind("USD"), unit_kind("股"), unit_kind("")) == (
        "power",
        "money",
        "count",
        "bare",
    )
    assert [unit_class(u) for u in ("%", "bp", "HKD", "x", "t", "辆", "")] == [
        "percent",
        "points",
        "money",
        "multiple",
        "physical",
        "count",
        "bare",
    ]


def test_rule_score_is_the_product_of_its_factors() -> None:
    assert rule_score(Evidence("window", "window")) == 1.0
    assert rule_score(Evidence("title", "window")) == 0.45
    assert rule_score(Evidence("window", "window", doubts=("place",))) == 0.4


def test_judge_facts_scores_each_candidate_alone() -> None:
    labels = [Label("d", 1, "5%", "%", "英伟达", "涨幅", None)]
    right = Fact("英伟达", "涨幅", "5%", "%", 5.0, "%", None, Citation("d", 1))
    twin = Fact("英伟达", "股价涨幅", "5%", "%", 5.0, "%", None, Citation("d", 1))
    wrong = Fact("AMD", "涨幅", "5%", "%", 5.0, "%", None, Citation("d", 1))
    elsewhere = Fact("英伟达", "涨幅", "5%", "%", 5.0, "%", None, Citation("d", 2))
    # one label may vouch for several candidates; an unlabelled paragraph is not scored unless complete
    assert judge_facts([right, twin, wrong, elsewhere], labels) == [True, True, False, None]
    assert judge_facts([elsewhere], labels, complete={"d"}) == [False]
