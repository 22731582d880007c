"""The learned doubt check: its file follows its recipe, it reads a bullet's signs, and it withholds the
kind of bullet careful readers marked unfaithful while passing an ordinary one."""

from __future__ import annotations

import importlib.util
import json
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import pytest

from themeflow.model import Bullet, Document
from themeflow.summarize.doubt import (
    COST_RATIO,
    FEATURE_NAMES,
    SIGNS,
    doubt_features,
    doubt_reason,
    load_model,
)
from themeflow.summarize.verify import check_bullet, reason_code

BJ = timezone(timedelta(hours=8))
SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"


def test_the_shipped_model_reads_these_features_and_cuts_where_the_cost_says() -> None:
    raw = json.loads(resources.files("themeflow.summarize").joinpath("doubt_model.json").read_text("utf-8"))
    assert tuple(raw["names"]) == FEATURE_NAMES
    assert len(raw["weights"]) == len(raw["mean"]) == len(raw["scale"]) == len(FEATURE_NAMES)
    model = load_model()
    assert model is not None
    assert model.threshold == pytest.approx(1 / (1 + COST_RATIO), abs=1e-3)
    # blind12 and blind13 were each scored once with a model that never saw them: the shipped one neither
    assert {"blind12", "blind13"} <= set(raw["held_out"])
    assert set(SIGNS) <= set(FEATURE_NAMES)


def test_features_line_up_with_their_names() -> None:
    source = "有观点认为AI将取代SaaS。对此，肖锋认为这是一个伪命题。"
    x = doubt_features("肖锋认为这是一个伪命题", [source], (3,), "智能体", "微盟")
    assert len(x) == len(FEATURE_NAMES)
    named = dict(zip(FEATURE_NAMES, x, strict=True))
    assert named["deictic"] == 1.0 and named["short"] == 1.0 and named["not_first_sentence"] == 1.0


def test_a_referent_fragment_is_withheld_with_a_reason_a_reader_can_use() -> None:
    source = (
        "有观点认为AI将取代SaaS。对此，肖锋认为这是一个伪命题。他指出，SaaS沉淀的经营知识库是智能体的基础。"
    )
    why = doubt_reason("肖锋认为这是一个伪命题", [source], (5,), "智能体精准", "微盟：AI不会取代SaaS")
    assert why is not None and why.startswith("doubt: ")
    assert "short" in why or "这/该/其" in why


def test_an_owned_figure_in_a_whole_sentence_is_shown() -> None:
    source = "此外，星河智能已与合作伙伴签订总额约7300亿美元的算力租赁合同，期限覆盖未来十二年。"
    doc = Document(
        "d",
        "星河智能2029年计算支出或达1250亿美元",
        ("星河智能发布报告。", "算力支出进入高峰期", source),
        published_at=datetime(2026, 5, 1, 9, tzinfo=BJ),
    )
    bullet = Bullet("星河智能已与合作伙伴签订总额约7300亿美元的算力租赁合同，期限覆盖未来十二年", (3,))
    assert check_bullet(bullet, doc, title="算力支出进入高峰期").verified


def test_the_verifier_reports_the_doubt_code() -> None:
    source = (
        "有观点认为AI将取代SaaS。对此，肖锋认为这是一个伪命题。他指出，SaaS沉淀的经营知识库是智能体的基础。"
    )
    doc = Document("d", "微盟：AI不会取代SaaS", ("微盟集团举办发布会。", source))
    checked = check_bullet(Bullet("肖锋认为这是一个伪命题", (2,)), doc, title="智能体精准")
    assert checked.verified is False and reason_code(checked.reason) == "doubt"
    assert check_bullet(Bullet("肖锋认为这是一个伪命题", (2,)), doc, title="智能体精准", doubt=False).verified


@pytest.mark.shared
def test_the_shipped_model_follows_its_recipe(shared_data: Path) -> None:
    if importlib.util.find_spec("sklearn") is None:
        pytest.skip("retraining needs scikit-learn: pip install -e '.[train]'")
    spec = importlib.util.spec_from_file_location("train_doubt", SCRIPTS / "train_doubt.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0
    # the sealed part (blind14) is read only by its one scoring, never trained on
    assert {"blind13", "blind14"} <= set(module.HELD_OUT)
