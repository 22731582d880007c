"""A bullet may be shorter than its source, never different from it: the verifier's meaning checks.

Each case is a source sentence shaped like one a careful reader found misrepresented by a shipped bullet
(the era, the contrast, the speaker, the subject, the rest of the point), the bullet that misrepresented it,
and the code the verifier must reject it with; then the extractive summarizer on the same sentences, which
must produce a faithful bullet or none.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from themeflow.model import Bullet, Document, Section, Summary
from themeflow.summarize.extractive import ExtractiveSummarizer
from themeflow.summarize.meaning import align, meaning_reason, title_reason
from themeflow.summarize.verify import check_bullet, reason_code, verify

BJ = timezone(timedelta(hours=8))

MISREAD = {
    "era dropped": (
        "1990年代末，美国国内需求非常强，两年实际内需年化增速接近6%，通胀却保持温和。",
        "美国国内需求非常强，两年实际内需年化增速接近6%",
        "period",
    ),
    "contrast dropped": (
        "1990年代末的资本开支分散在电信、互联网等大量企业，而今天的AI资本开支更集中于超大规模云厂商。",
        "1990年代末的资本开支分散在电信、互联网等大量企业",
        "contrast",
    ),
    "speaker dropped": (
        "伊朗外交部发言人巴加埃表示，没有谈判，未来数日也没有派出或接待代表团的安排。",
        "没有谈判，未来数日也没有派出或接待代表团的安排",
        "speaker",
    ),
    "subject dropped": (
        "腾讯控股港股早盘一度跌超3%，一度触及逾两周盘中低位，财报显示算力采购大幅推高资本开支至527.8亿元。",
        "港股早盘一度跌超3%，一度触及逾两周盘中低位，算力采购大幅推高资本开支至527.8亿元",
        "subject",
    ),
    "rest of the point missing": (
        "高盛认为当前更关键的问题是，AI投资能否转化为企业盈利。",
        "高盛认为当前更关键的问题是",
        "dangling",
    ),
    "one of three paths": (
        "触发加息的三条路径也很清楚：长期通胀预期脱锚、工资增速重新加快、财政赤字失控。",
        "触发加息的三条路径也很清楚：长期通胀预期脱锚",
        "enumeration",
    ),
    "cut before 而是": (
        "如果降息过快，结果可能不是通胀下行，而是需求先冲上去。",
        "结果可能不是通胀下行",
        "contrast",
    ),
    "negation dropped": (
        "公司目前尚未与任何客户签订正式采购合同。",
        "公司目前与任何客户签订正式采购合同",
        "negation",
    ),
    "quarter shown as the year": (
        "腾讯2025年第四季度资本开支为224亿元，全年资本开支为792亿元。",
        "腾讯资本开支为224亿元",
        "period",
    ),
    "forecast shown as fact": (
        "摩根士丹利预计，美联储将在年内降息两次，每次25个基点。",
        "美联储将在年内降息两次，每次25个基点",
        "speaker",
    ),
    "according to a report": (
        "据彭博社报道，微软正考虑出售旗下云计算业务。",
        "微软正考虑出售旗下云计算业务",
        "speaker",
    ),
    "a view in someone's eyes": (
        "在首席经济学家张明看来，人民币汇率年内仍有升值空间。",
        "人民币汇率年内仍有升值空间",
        "speaker",
    ),
    "a quotation nobody says": (
        "“开源对我们的商业模式没有任何影响。”",
        "“开源对我们的商业模式没有任何影响。”",
        "speaker",
    ),
    "a change without its measure": (
        "公司上半年售电量为355.26亿千瓦时，同比增加6.66%，其中太阳能发电项目售电量为82.66亿千瓦时，同比增加52.06%。",
        "公司上半年售电量为355.26亿千瓦时，同比增加52.06%",
        "subject",
    ),
    "a roundup's introduction": (
        "沪深两市多家上市公司7月17日晚间发布公司公告，以下为重要公告汇总。",
        "沪深两市多家上市公司7月17日晚间发布公司公告，以下为重要公告汇总",
        "boilerplate",
    ),
    "a caption: a name and a title": (
        "美联储主席鲍威尔",
        "美联储主席鲍威尔",
        "empty",
    ),
    "figure moved to the other company": (
        "英伟达本季营收增长56%，AMD营收下降5%。",
        "英伟达本季营收增长56%，营收下降5%",
        "subject",
    ),
}

FAITHFUL = {
    "speaker kept": (
        "中信证券认为，AI资本开支仍处于上行周期，明年增速有望维持在30%以上。",
        "中信证券认为，AI资本开支仍处于上行周期",
    ),
    "plain shortening": (
        "英伟达第二财季营收达到467亿美元，同比增长56%，数据中心业务贡献了411亿美元。",
        "英伟达第二财季营收达到467亿美元，同比增长56%",
    ),
    "setting dropped": (
        "截至收盘，恒生指数涨1.2%，恒生科技指数涨2.3%。",
        "恒生指数涨1.2%，恒生科技指数涨2.3%",
    ),
    "adverb dropped": ("不断增长的算力需求推动数据中心建设。", "算力需求推动数据中心建设"),
    "the report is the subject": (
        "报告指出，全球储能装机规模将在2030年达到1500GW。",
        "全球储能装机规模将在2030年达到1500GW",
    ),
    "concession dropped, point kept": (
        "虽然短期估值偏高，但龙头公司的盈利增长足以消化估值。",
        "龙头公司的盈利增长足以消化估值",
    ),
    "a purpose clause's year is not the figure's": (
        "为应对新技术在2028至2029年落地后的需求，公司已单独预留约520亿美元资金。",
        "公司已单独预留约520亿美元资金",
    ),
    "the whole list": (
        "触发加息的三条路径也很清楚：长期通胀预期脱锚、工资增速重新加快、财政赤字失控。",
        "触发加息的三条路径也很清楚：长期通胀预期脱锚、工资增速重新加快、财政赤字失控",
    ),
}


@pytest.mark.parametrize("case", sorted(MISREAD))
def test_a_bullet_that_changes_the_meaning_is_rejected_with_its_code(case: str) -> None:
    source, bullet, code = MISREAD[case]
    doc = Document("d", "标题", (source,), published_at=datetime(2025, 11, 20, 9, tzinfo=BJ))
    checked = check_bullet(Bullet(bullet, (1,)), doc)
    assert checked.verified is False, case
    assert reason_code(checked.reason) == code, checked.reason


@pytest.mark.parametrize("case", sorted(FAITHFUL))
def test_a_shorter_bullet_that_keeps_the_meaning_passes(case: str) -> None:
    source, bullet = FAITHFUL[case]
    assert meaning_reason(bullet, [source], year=2025) is None
    doc = Document("d", "标题", (source,), published_at=datetime(2025, 11, 20, 9, tzinfo=BJ))
    # the rules alone: the learned doubt check weighs signs these one-sentence cases lack on purpose (an
    # article title, a section, neighbours); tests/test_doubt.py covers it
    checked = check_bullet(Bullet(bullet, (1,)), doc, doubt=False)
    assert checked.verified, checked.reason


def test_figures_without_their_owner_need_an_article_about_one_company() -> None:
    source = ("福耀玻璃发布半年报。上半年归属股东净利润约28.36亿元，同比增长19.07%。",)
    bullet = Bullet("上半年归属股东净利润约28.36亿元，同比增长19.07%", (1,))
    roundup = Document("d", "今日上市公司公告汇总", source)
    assert reason_code(check_bullet(bullet, roundup).reason) == "referent"
    about_it = Document("d", "福耀玻璃上半年净利润增长19%", source)
    assert check_bullet(bullet, about_it).verified


def test_a_year_other_than_the_publish_year_matters_without_a_figure() -> None:
    source = "2019年，公司完成了对欧洲业务的全面重组。"
    assert meaning_reason("公司完成了对欧洲业务的全面重组", [source], year=2025) is not None
    assert meaning_reason("公司完成了对欧洲业务的全面重组", [source], year=2019) is None


def test_alignment_marks_what_the_bullet_says() -> None:
    al = align("恒生指数涨1.2%", ["截至收盘，恒生指数涨1.2%，恒生科技指数涨2.3%。"])
    assert al is not None and al.share == 1.0
    said = "".join(ch for ch, c in zip(al.sentence, al.covered, strict=True) if c)
    assert said == "恒生指数涨1.2%"
    assert align("完全无关的一句话", ["截至收盘，恒生指数涨1.2%。"]) is None  # a paraphrase is not aligned


def test_a_section_titled_with_a_name_heads_only_its_own_views() -> None:
    paragraphs = ("中金公司认为，港股科技板块估值仍有修复空间。", "中信证券认为，AI资本开支仍处于上行周期。")
    doc = Document("d", "券商观点汇总", paragraphs)
    own = Bullet("中金公司认为，港股科技板块估值仍有修复空间", (1,))
    other = Bullet("中信证券认为，AI资本开支仍处于上行周期", (2,))
    checked = verify(
        Summary("d", doc.content_hash, "t@1", sections=(Section("中金公司", (own, other)),)), doc
    )
    verdicts = [(b.verified, reason_code(b.reason)) for b in checked.sections[0].bullets]
    assert verdicts == [(True, None), (False, "title")]
    assert title_reason("市场表现", ["任何段落"]) is None


def test_the_summarizer_shows_these_sentences_faithfully_or_not_at_all() -> None:
    """Every sentence above in one article: whatever the extractive summarizer shows is verified, and
    none of the shown bullets is one of the misreadings."""
    sources = [s for s, _, _ in MISREAD.values()] + [s for s, _ in FAITHFUL.values()]
    doc = Document(
        "art",
        "宏观与产业观察",
        tuple(dict.fromkeys(sources)),
        published_at=datetime(2025, 11, 20, 9, tzinfo=BJ),
    )
    summary = verify(ExtractiveSummarizer().summarize(doc), doc)
    shown = [b for b in summary.bullets() if b.verified is not False]
    assert shown, "the article still gets a summary"
    misreadings = {bullet for _, bullet, _ in MISREAD.values()}
    for b in shown:
        assert b.text not in misreadings, b.text
        paragraphs = [doc.paragraphs[c - 1] for c in b.citations]
        assert meaning_reason(b.text, paragraphs, year=2025) is None, b.text


def test_a_live_blog_is_summarized_as_dated_items_not_under_clock_titles() -> None:
    from themeflow.text.doctype import doc_type

    entries = [
        ("09:51", "光伏概念盘中震荡拉升，太空光伏方向领涨，多只个股涨超10%，产业链公司普遍走强。"),
        ("09:34", "存储芯片概念反复活跃，龙头公司涨超10%续创历史新高，多家模组厂商跟涨。"),
        ("09:27", "早盘光纤概念集体高开，通鼎互联一字涨停，特发信息高开8%，多只个股涨幅靠前。"),
        ("09:26", "上证指数高开0.2%，深证成指高开0.35%，创业板指涨0.79%，两市超3000只个股上涨。"),
        ("09:21", "恒生指数高开1.21%，恒生科技指数涨2.41%，科网股集体走强，半导体板块领涨。"),
    ]
    paragraphs = ["5月7日，A股震荡上涨，三大股指盘初小幅走高，光伏产业链活跃，港股高开高走，恒科指涨近3%。"]
    for time, text in entries:
        paragraphs += [time, text]
    doc = Document(
        "live",
        "A股震荡上涨，光伏早盘活跃，恒科指大涨",
        tuple(paragraphs),
        published_at=datetime(2026, 5, 7, 10, tzinfo=BJ),
    )
    assert doc_type(doc) == "liveblog"
    summary = verify(ExtractiveSummarizer().summarize(doc), doc)
    assert summary.sections, "a live blog long enough gets sections"
    assert not any(re.fullmatch(r"\d{1,2}:\d{2}", sec.title) for sec in summary.sections)
    dated = [b for sec in summary.sections for b in sec.bullets if re.match(r"\d{2}:\d{2} ", b.text)]
    assert dated, "entries are shown with their time"
    for b in dated:
        time = b.text[:5]
        assert any(doc.paragraphs[c - 1] == time for c in b.citations), b  # the time is cited too
        assert b.verified, b.reason


def test_bylines_editor_lines_and_footers_never_become_bullets_or_titles() -> None:
    furniture = [
        "原标题：美联储释放降息信号 市场押注9月行动",
        "记者 张三 北京报道",
        "责任编辑：李四",
        "返回搜狐，查看更多",
    ]
    body = [
        "美联储主席在杰克逊霍尔年会上表示，当前政策利率处于限制性区间，劳动力市场降温为调整政策提供了空间。",
        "市场随即加大对9月降息的押注，利率期货显示9月降息25个基点的概率升至85%。",
        "分析人士认为，若通胀数据继续回落，年内可能降息两到三次，美元指数应声下跌0.6%。",
        "美股三大股指集体收涨，纳斯达克指数上涨1.5%，标普500指数上涨1.1%。",
    ]
    doc = Document("f", "美联储释放降息信号", tuple(furniture[:2] + body + furniture[2:]))
    summary = verify(ExtractiveSummarizer().summarize(doc), doc)
    assert summary.bullets()
    shown = " ".join([b.text for b in summary.bullets()] + [s.title for s in summary.sections])
    for line in ("记者 张三", "责任编辑", "返回搜狐", "原标题"):
        assert line not in shown, line


def test_a_paraphrase_that_gives_a_statement_to_the_wrong_speaker_is_rejected() -> None:
    """Found on a real 1.5B model's summary: every word in the paragraph, the announcement moved."""
    source = (
        "阿根廷政府周五发表声明称，OpenAI与阿根廷企业Sur Energy签署意向书，计划在该国建设一个高达500兆瓦的"
        "大型数据中心，投资规模最高可达250亿美元。"
    )
    moved = "OpenAI宣布将在阿根廷建设高达500兆瓦的大型数据中心，投资规模最高可达250亿美元"
    assert reason_code(meaning_reason(moved, [source], year=2025)) == "speaker"
    kept = "阿根廷政府称，OpenAI与阿根廷企业Sur Energy签署意向书"
    assert meaning_reason(kept, [source], year=2025) is None
    # a trailing attribution names its speaker too
    reported = "《韩国经济》日前报道称，中国对镓锗实施出口管制动摇韩国半导体供应链。"
    assert (
        meaning_reason(
            "中国对镓锗实施出口管制动摇韩国半导体供应链，《韩国经济》报道称", [reported], year=2025
        )
        is None
    )


def test_a_bullet_cut_at_a_quotation_mark_inside_its_clause_is_dangling() -> None:
    source = '四个月后，OpenAI确认了"星际之门"的海外扩张打算，5月称，将通过海外投资扩大"星际之门"项目。'
    cut = '四个月后，OpenAI确认了"星际之门"的海外扩张打算，5月称，将通过海外投资扩大'
    assert reason_code(meaning_reason(cut, [source], year=2025)) == "dangling"


def test_a_bullet_that_drops_a_price_s_denominator_is_rejected() -> None:
    """``839元/吨`` is a price per tonne: a bullet saying 839元 states another figure than its source."""
    source = ("秦皇岛5500大卡动力煤现货价格报839元/吨，较上周上涨5元/吨。",)
    doc = Document("d", "动力煤价格", source, published_at=datetime(2025, 11, 20, 9, tzinfo=BJ))
    dropped = check_bullet(Bullet("秦皇岛5500大卡动力煤现货价格报839元，较上周上涨5元", (1,)), doc)
    assert dropped.verified is False and reason_code(dropped.reason) == "figure", dropped.reason
    kept = check_bullet(Bullet("秦皇岛5500大卡动力煤现货价格报839元/吨，较上周上涨5元/吨", (1,)), doc)
    assert kept.verified, kept.reason
