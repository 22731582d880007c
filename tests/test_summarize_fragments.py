"""Clause deletion must not change meaning: owners, conditions and main clauses stay with what they govern.

Every sentence here was written for these tests, in the shapes the audit of real articles found
(``tests/data/summary_audit.jsonl``): a figure re-attached to the wrong subject, a dateline glued to a
fragment, a subject-less predicate, a condition without its consequence, a 随着… clause without its main
clause, and bullets that open with 其/该/这/公司 whose referent was deleted.
"""

from __future__ import annotations

import pytest

from themeflow.model import Bullet, Document
from themeflow.summarize.compress import compress, compress_parts
from themeflow.summarize.fragments import fragment_reason, strip_dateline, strip_headline
from themeflow.summarize.verify import check_bullet


def parts(sentence: str) -> list[str]:
    out = compress_parts(sentence, max_chars=40)
    for p in out:
        assert fragment_reason(p) is None, p
    return out


def test_figure_keeps_its_owner() -> None:
    s = "这一产能锁定效应已在市场份额数据上有所体现，星河存储二季度DRAM市场份额降至26%，北辰电子凭借高带宽内存量产优势，份额升至39%。"
    out = parts(s)
    assert out
    for p in out:
        assert "份额升至39%" not in p or "北辰电子" in p, p
        assert not p.startswith("这一"), p


def test_figure_after_a_deleted_ranking_keeps_it() -> None:
    s = "数据显示，本月以来主力资金抢筹了一批存储概念股，其中星河集团排名第一，主力净买额超38亿元。"
    for p in parts(s):
        assert "38亿元" not in p or "星河集团" in p, p


def test_predicate_keeps_the_clause_that_owns_it() -> None:
    s = "过去一座数据中心的功耗约为30兆瓦，而现在单个园区的规划功耗已达数千兆瓦，堪比一座城市的用电量。"
    for p in parts(s):
        assert "堪比" not in p or "数千兆瓦" in p, p


def test_dateline_and_dangling_connective() -> None:
    s = (
        "新京报贝壳财经讯（记者张三）8月17日，在某某科技大会上，星河科技董事长李四表示，"
        "人工智能技术正在重塑消费电子行业，尤其是AIGC的爆发会促进智能设备的升级。"
    )
    out = parts(s)
    assert out
    for p in out:
        assert "贝壳财经" not in p and not p.startswith(("尤其是", "8月17日")), p
    assert fragment_reason("新京报贝壳财经讯8月17日，尤其是AIGC的爆发会促进智能设备的升级")


def test_subjectless_predicate_keeps_its_subject() -> None:
    out = parts("展望未来，星河科技将携手更多合作伙伴，加速人工智能在千行百业的普及和渗透。")
    assert out and all("星河科技" in p for p in out if "加速" in p)
    assert fragment_reason("展望未来，加速人工智能在千行百业的普及和渗透")


def test_condition_stays_with_its_consequence() -> None:
    s = "2024年以来配额增速已从过去三年20%+的高增长降至5.9%，若本次配额增速继续收窄至10%以内，行业供需格局有望进一步改善。"
    for p in parts(s):
        assert "若" not in p or "有望" in p, p
    assert fragment_reason(
        "2024年以来配额增速已从过去三年20%+的高增长降至5.9%，若本次配额增速继续收窄至10%以内"
    )
    s2 = "某某透露，在保持质量不变的前提下，通过云服务把成熟场景的成本砍掉50%到70%是可行的。"
    for p in parts(s2):
        assert "50%" not in p or "前提下" in p, p


def test_adverbial_clause_needs_its_main_clause() -> None:
    assert fragment_reason("随着杠杆ETF资产管理规模下降、散户情绪降温、对冲基金仓位适度回落")
    out = parts("随着杠杆ETF资产管理规模下降、散户情绪降温、对冲基金仓位适度回落，市场波动率有望回归常态。")
    assert out and all("回归常态" in p for p in out)
    assert fragment_reason("尽管生产者物价指数环比增长0.3%，超过了预期的0.2%")


@pytest.mark.parametrize(
    "sentence",
    [
        "其承认平台出现技术问题，并表示将尽快修复。",
        "该公司去年营收增长20%，净利润增长15%。",
        "他表示，公司将继续加大投入。",
        "按修剪均值口径计算，这一数字仅为2.35%。",
        "这引发了部分用户关于市场操纵的指控。",
        "它正在以前所未有的方式重塑能源、土地和资本市场。",
    ],
)
def test_lost_referent_drops_the_bullet(sentence: str) -> None:
    assert compress(sentence) == ""


def test_referent_resolved_from_the_same_sentence() -> None:
    out = compress("北辰医药(688000.SH)公告称，公司上半年实现营业总收入222.20亿元，同比增长26.8%。")
    assert out.startswith("北辰医药公告称，公司"), out
    assert compress("特朗普称，将派遣边境事务主管前往明尼苏达州，与当地官员合作处理枪击事件。").startswith(
        "特朗普称"
    )
    assert compress("鸿星电子：公司董事会审议通过发行方案，拟募集资金总额不超过3亿元。").startswith(
        "鸿星电子：公司"
    )


def test_fillers_never_cut_words() -> None:
    assert compress("即便是尺寸领先的全手方案也仅搭载约80个压力点。").startswith("即便是")
    assert compress("即刻旗下团队重点开发的应用包括一款旅游翻译应用。").startswith("即刻")
    assert compress("2.5Lab做新项目其实没有固定赛道。").startswith("2.5Lab")
    assert "而非" in compress("市场崩盘主要由宏观环境驱动，而非平台出现的系统性故障。")
    assert compress("目前来看，星河科技更侧重意图框架策略。") == "星河科技更侧重意图框架策略"


def test_datelines_and_headlines() -> None:
    cases = {
        "财联社8月19日讯（编辑 王五）虽然央行已经进入紧缩轨道，但通胀前景恶化": "虽然央行已经进入紧缩轨道，但通胀前景恶化",
        "人民网北京8月1日电 （记者赵六）近年来，国家持续开展专项整治": "近年来，国家持续开展专项整治",
        "某某在线记者 张三 李四8月18日上午，全省融资担保推进会在成都召开": "全省融资担保推进会在成都召开",
        "36氪获悉，某某科技近日完成亿元级B轮融资": "某某科技近日完成亿元级B轮融资",
        "央视网消息：暑期档电影市场已有114部影片上映": "暑期档电影市场已有114部影片上映",
    }
    for raw, want in cases.items():
        assert strip_dateline(raw) == want
    for keep in (
        "目前腾讯股价中AI比重偏低，市场仍在观望",
        "中国电信宣布，5G用户突破3亿户",
        "资讯平台用户增长",
    ):
        assert strip_dateline(keep) == keep
    assert strip_headline(
        "原标题：某某公司上半年营收增长新京报贝壳财经讯（记者张三）8月14日，某某公司发布半年报。"
    ) == ("某某公司发布半年报。")
    assert strip_headline("原标题：某某股份股东户数减少近日某某股份披露，股东户数为2万户") == (
        "近日某某股份披露，股东户数为2万户"
    )


def test_boilerplate_and_questions_are_not_bullets() -> None:
    assert compress("本文基于AI生产，仅供参考，不构成任何投资建议。") == ""
    assert compress("上交所如何切实扛起使命担当，抓好政策落地见效？") == ""


def test_verifier_rejects_fragments() -> None:
    doc = Document(
        "d",
        "t",
        (
            "新京报贝壳财经讯8月17日，星河科技表示，尤其是AIGC的爆发会促进智能设备的升级。",
            "若本次配额增速继续收窄至10%以内，行业格局有望改善。",
            "尤其是AIGC的爆发会促进智能设备的升级。",
        ),
    )
    bad = [
        Bullet("新京报贝壳财经讯8月17日，尤其是AIGC的爆发会促进智能设备的升级", (1,)),
        Bullet("尤其是AIGC的爆发会促进智能设备的升级", (1,)),
        Bullet("行业格局有望改善，若本次配额增速继续收窄至10%以内", (2,)),
    ]
    for b in bad:
        out = check_bullet(b, doc)
        assert not out.verified and out.reason and out.reason.startswith("fragment"), (b.text, out.reason)
    good = check_bullet(Bullet("若本次配额增速继续收窄至10%以内，行业格局有望改善", (2,)), doc)
    assert good.verified, good.reason
    cont = check_bullet(Bullet("尤其是AIGC的爆发会促进智能设备的升级", (3,)), doc, continued=True)
    assert cont.verified, cont.reason
    # continuing the bullet before allows the connective, not dropping the speaker of the cited sentence
    unsaid = check_bullet(Bullet("尤其是AIGC的爆发会促进智能设备的升级", (1,)), doc, continued=True)
    assert not unsaid.verified and (unsaid.reason or "").startswith("speaker"), unsaid.reason


@pytest.mark.parametrize(
    "bullet",
    [
        "存储芯片虽然没有像内存一样供应吃紧",  # a concession with its main clause cut off
        "有消息称某公司正探索出售富余算力，一天之后",  # a bare time phrase: what happened then is missing
        "系统于今年4月上线，公司曾在今年1月以需要进一步优化为由",  # 以…为由 without what was done
    ],
)
def test_tail_fragments_are_rejected(bullet: str) -> None:
    assert fragment_reason(bullet) is not None


@pytest.mark.parametrize(
    "bullet", ["虽然营收下滑，公司利润仍增长20%", "一天之后，股价上涨5%", "公司以现金支付为主"]
)
def test_complete_sentences_with_those_words_pass(bullet: str) -> None:
    assert fragment_reason(bullet) is None
