"""The verifier accepts faithful bullets and rejects every doctored one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from themeflow.model import Bullet, Document, Section, Summary
from themeflow.summarize.verify import check_bullet, drop_unverified, support, verify

FIXTURES = json.loads(
    (Path(__file__).parent / "data" / "summary_eval_fixtures.json").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def doc() -> Document:
    a = next(a for a in FIXTURES["articles"] if a["id"] == "fixture-headed")
    return Document(a["id"], a["title"], tuple(a["paragraphs"]))


GOOD = [
    ("华岳证券预测，全球AI数据中心总容量将从2025年的121.6GW增长至2031年的258GW", (10,)),
    ("全球AI数据中心总容量将从2025年的121.6GW增长至2031年的258GW，华岳证券预测", (10,)),
    (  # separator added: same figure
        "星河智能2025至2031年间的计算运营支出预算总额超过5200亿美元，预计2029年计算支出将达到约1,250亿美元的峰值",
        (6,),
    ),
    ("星河智能2025至2031年间的计算运营支出预算总额超过5200亿美元", (6,)),
    ("星河智能每周活跃用户预计将从12亿增至16.5亿", (4,)),
    ("南向资金年内净买入已突破13000亿港元", (11,)),  # 1.3万亿 restated as 13000亿
    ("报告将2028年营收预期从700亿美元上调至980亿美元", (3,)),
    ("星河智能已预留约520亿美元可变现算力资金", (7, 8)),  # extra citation is fine
    # cuts that dropped the owner (每周活跃用户… without 星河智能) or the forecast (…without 预计) were here: the
    # verifier now rejects a cut it cannot prove safe (summarize/standalone.py)
    # 竞争对手被迫扩大用户规模… was here: the paragraph says 他表示，…, so without him it is a claim shown as fact
]

DOCTORED = {
    "changed digit": ("全球AI数据中心总容量将从2025年的121.6GW增长至2031年的268GW", (10,)),
    "shifted decimal": ("全球AI数据中心总容量将从2025年的1216GW增长至2031年的258GW", (10,)),
    "scaled figure": ("预计2029年计算支出将达到约125亿美元的峰值", (6,)),
    "wrong unit": ("星河智能2025至2031年间的计算运营支出预算总额超过5200亿港元", (6,)),
    "wrong year": ("预计2030年计算支出将达到约1250亿美元的峰值", (6,)),
    "wrong decimal in users": ("每周活跃用户预计将从12亿增至1.65亿", (4,)),
    "wrong paragraph": ("预计2029年计算支出将达到约1250亿美元的峰值", (7,)),
    "citation out of range": ("预计2029年计算支出将达到约1250亿美元的峰值", (99,)),
    "paragraph zero": ("预计2029年计算支出将达到约1250亿美元的峰值", (0,)),
    "no citation": ("预计2029年计算支出将达到约1250亿美元的峰值", ()),
    "invented sentence": ("星河智能计划收购北辰云全部股权并进军自动驾驶芯片业务", (7,)),
    "invented figure": ("北辰云合同金额为3500亿美元", (7,)),
    "wrong percent": ("星河智能2026年实际营收比年初内部预测高出约81%", (3,)),
    "range end changed": ("星河智能2025至2032年间的计算运营支出预算总额超过5200亿美元", (6,)),
    "empty": ("", (6,)),
}


@pytest.mark.parametrize(("text", "cites"), GOOD)
def test_faithful_bullets_pass(doc: Document, text: str, cites: tuple[int, ...]) -> None:
    b = check_bullet(Bullet(text, cites), doc)
    assert b.verified, b.reason
    assert b.reason is None


@pytest.mark.parametrize("case", sorted(DOCTORED))
def test_doctored_bullets_fail(doc: Document, case: str) -> None:
    text, cites = DOCTORED[case]
    b = check_bullet(Bullet(text, cites), doc)
    assert b.verified is False, case
    assert b.reason


def test_seed_conflict_1143gw() -> None:
    d = Document("x", "t", ("预计2024至2030年间，全球AI数据中心总容量将从114.3GW增长至236GW，实现翻倍。",))
    assert check_bullet(
        Bullet("预计2024至2030年间，全球AI数据中心总容量将从114.3GW增长至236GW", (1,)), d
    ).verified
    bad = check_bullet(Bullet("2024至2030年间，全球AI数据中心总容量将从1143GW增长至236GW", (1,)), d)
    assert bad.verified is False and "1143GW" in (bad.reason or "")


def test_reasons_say_what_is_wrong(doc: Document) -> None:
    assert "99" in (check_bullet(Bullet("预计2029年", (99,)), doc).reason or "")
    r = check_bullet(Bullet("星河智能计划收购北辰云全部股权并进军自动驾驶芯片业务", (7,)), doc).reason or ""
    assert "wording" in r


def test_verify_and_drop(doc: Document) -> None:
    good = Bullet(*GOOD[0])
    bad = Bullet(*DOCTORED["shifted decimal"])
    s = Summary(
        doc.id,
        doc.content_hash,
        "test@1",
        core_views=(good, bad),
        sections=(Section("A", (good,)), Section("B", (bad,))),
    )
    v = verify(s, doc)
    assert [b.verified for b in v.bullets()] == [True, False, True, False]
    kept = drop_unverified(v)
    assert [sec.title for sec in kept.sections] == ["A"]
    assert all(b.verified for b in kept.bullets())
    assert len(kept.core_views) == 1


def test_support() -> None:
    assert support("总容量将翻倍", "全球总容量将实现翻倍") > 0.5
    assert support("完全无关的句子", "全球总容量将实现翻倍") == 0.0
    assert support("", "x") == 1.0


def test_a_cached_llm_summary_is_verified_again_an_extractive_one_is_not() -> None:
    """An LLM summary is cached (it cost a request) but its verdicts are today's: a bullet stored as verified
    that the verifier now rejects shows as rejected. The extractive summarizer's cache key follows the
    verifier's code, so its cached summaries are current and read as stored. Both are named after the
    document asking (a syndicated copy shares its copy's summary)."""
    from themeflow.summarize.verify import cached_for

    doc = Document(
        "copy", "星河智能发布财报", ("星河智能第三季度营收120亿元，同比增长18%。", "公司维持全年指引。")
    )
    invented = Bullet("星河智能第三季度营收150亿元", (1,), verified=True)
    llm = Summary("original", "h", "llm@p2:model", core_views=(invented,))
    again = cached_for(llm, doc)
    assert again is not None and again.doc_id == "copy"
    assert again.core_views[0].verified is False and "150" in str(again.core_views[0].reason)
    extractive = Summary("original", "h", "extractive@4+abc", core_views=(invented,))
    kept = cached_for(extractive, doc)
    assert kept is not None and kept.doc_id == "copy" and kept.core_views[0].verified is True
    assert cached_for(None, doc) is None
