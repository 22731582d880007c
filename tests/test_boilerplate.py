"""Boilerplate removal at ingest: furniture goes, article text stays, ids do not move.

Quoted lines come from the CRUD-RAG news corpus (Apache-2.0, IAAR-Shanghai; see
src/themeflow/data/SAMPLE_ATTRIBUTION.md), the part of the research corpus that may be quoted in the repo.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from themeflow.ids import document_id
from themeflow.ingest.document import Draft, build_document
from themeflow.model import Document
from themeflow.text.boilerplate import _apply, rules, strip_paragraphs, strip_title


@pytest.mark.parametrize("rule", rules(), ids=lambda r: r.name)
def test_every_rule_removes_its_example(rule) -> None:  # type: ignore[no-untyped-def]
    example = rule.example.lstrip("…")
    assert example
    assert _apply(example, rule, []).strip() != example


@pytest.mark.parametrize(
    ("title", "clean"),
    [
        (
            "原标题：前美联储理事：别这么快认定美联储已不会加息！",
            "前美联储理事：别这么快认定美联储已不会加息！",
        ),
        (
            "别光盯着AI！英国百年资管巨头：这一领域存在100万亿美元投资机会财联社8月18日讯（编辑",
            "别光盯着AI！英国百年资管巨头：这一领域存在100万亿美元投资机会",
        ),
        ("我国服务贸易“朋友圈”日益扩大新华社北京8月18日电", "我国服务贸易“朋友圈”日益扩大"),
        ("财联社8月15日讯（编辑 胡家荣）近日三大电信运营商布上半年业绩", "近日三大电信运营商布上半年业绩"),
        (
            "中新经纬8月15日电 题：MLF+逆回购利率大幅调降释放什么信号？",
            "MLF+逆回购利率大幅调降释放什么信号？",
        ),
        ("台积电百亿项目落地，德国的“豪赌”？【环球时报驻德国特约记者", "台积电百亿项目落地，德国的“豪赌”？"),
        # An unknown name before a dateline is not guessed at: the title keeps its words.
        (
            "今年前7个月南京外贸进出口3384.3亿元扬子晚报网8月14日讯（通讯员",
            "今年前7个月南京外贸进出口3384.3亿元",
        ),
        ("贝恩资本收购秦淮数据", "贝恩资本收购秦淮数据"),
    ],
)
def test_titles(title: str, clean: str) -> None:
    assert strip_title(title)[0] == clean


def test_title_dateline_names_the_outlet() -> None:
    assert strip_title("我国服务贸易“朋友圈”日益扩大新华社北京8月18日电")[1] == "新华社北京"


@pytest.mark.parametrize(
    ("paragraph", "clean"),
    [
        (
            "根据合并协议的条款，英特尔将向高塔半导体支付3.53亿美元的终止费。来源: TechWeb返回搜狐，查看更多责任编辑：",
            "根据合并协议的条款，英特尔将向高塔半导体支付3.53亿美元的终止费。",
        ),
        (
            "加快推动算力在千行百业的创新应用，赋能经济社会高质量发展。 编辑 白华兵校对 赵琳",
            "加快推动算力在千行百业的创新应用，赋能经济社会高质量发展。",
        ),
        ("英镑兑美元日线图北京时间7月24日13：46，英镑兑美元报1.2875/77责任编辑：郭建", None),
        ("是典型的贸易保护主义做法。来源：环球网流程编辑：tf028", "是典型的贸易保护主义做法。"),
        ("【责任编辑：于璧嘉】", ""),
        ("来源：格隆汇", ""),
        ("图片来源：每日经济新闻 资料图", ""),
        ("中新经纬版权所有，未经书面授权，任何单位及个人不得转载、摘编或以其它方式使用。", ""),
    ],
)
def test_paragraph_furniture_goes(paragraph: str, clean: str | None) -> None:
    out = strip_paragraphs([paragraph]).paragraphs
    if clean is None:
        assert out == ["英镑兑美元日线图北京时间7月24日13：46，英镑兑美元报1.2875/77"]
    else:
        assert out == ([clean] if clean else [])


@pytest.mark.parametrize(
    "sentence",
    [
        # 编辑 and 来源 inside a sentence are article text.
        "香港大公文汇传媒集团董事长、总编辑李大宏表示，人类可持续发展是全球关注的热点问题，“ESG理念”由此应运而生。",
        "作为《时代摘要》特约嘉宾，新华网总编辑助理刘洪和《时代摘要》第一季栏目组实地探访了中国产业链韧性和实体企业。",
        "传闻起因来源于中国恒大（03333.HK）8月14日发布的一则恒大新能源汽车股权交易公告。",
        "对于台积电来说，全球智能手机市场——其主要收入来源之一，也面临压力。",
        "分析人士称，纽顿集团的流动资产并不足以支撑投资恒大汽车，资金来源成谜。",
        "以下为对谈实录，经整理编辑：",  # an introduction, not a credit: no name follows
    ],
)
def test_article_text_stays(sentence: str) -> None:
    assert strip_paragraphs([sentence]).paragraphs == [sentence]


def test_original_title_echo_leaves_the_body() -> None:
    title = "外媒：英特尔将在美国加州裁员140人"
    first = "原标题：外媒：英特尔将在美国加州裁员140人8月18日消息，据外媒报道，英特尔将在加州裁员140人。"
    assert strip_paragraphs([first], title).paragraphs == [
        "8月18日消息，据外媒报道，英特尔将在加州裁员140人。"
    ]


def test_build_document_cleans_but_keeps_the_id_of_the_text_as_read() -> None:
    title = "原标题：贝恩资本收购秦淮数据"
    text = "贝恩资本宣布收购秦淮数据。\n返回搜狐，查看更多责任编辑："
    doc = build_document(Draft(title=title, text=text), source="t", record=None, origin="t")
    assert isinstance(doc, Document)
    assert doc.title == "贝恩资本收购秦淮数据"
    assert doc.paragraphs == ("贝恩资本宣布收购秦淮数据。",)
    # Re-ingesting a file read before these rules existed must find the same document, not a new one.
    assert doc.id == document_id(None, title, ["贝恩资本宣布收购秦淮数据。", "返回搜狐，查看更多责任编辑："])


def test_a_document_of_nothing_but_furniture_is_kept_as_read() -> None:
    doc = build_document(Draft(title="t", text="责任编辑："), source="t", record=None, origin="t")
    assert isinstance(doc, Document)
    assert doc.paragraphs == ("责任编辑：",)


def test_corpus_furniture_is_gone(shared_data: Path) -> None:
    """Over the research corpus: every sohu footer and 原标题 title goes, and little text goes with it."""
    from themeflow.ingest.records import read_jsonl

    docs = [d for d in read_jsonl(shared_data / "news.jsonl") if isinstance(d, Document)]
    assert len(docs) > 18_000
    body = ["\n".join(d.paragraphs) for d in docs]
    assert sum("返回搜狐" in b for b in body) == 0
    assert sum(d.title.startswith("原标题") for d in docs) == 0
    assert sum("讯（编辑" in d.title for d in docs) == 0
    raw_chars = 0
    with (shared_data / "news.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            raw_chars += len("".join(json.loads(line)["text"].split()))
    kept = sum(len("".join(b.split())) for b in body)
    assert kept > 0.97 * raw_chars


def _without_requires(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rule searched on every text, as before rules named the literals their matches hold."""
    from dataclasses import replace

    import themeflow.text.boilerplate as bp

    plain = tuple(replace(r, requires=()) for r in bp.rules())
    monkeypatch.setattr(bp, "_rules_for", lambda where: tuple(r for r in plain if where in r.where))


_FURNITURE_AND_PROSE = [
    *(r.example.lstrip("…") for r in rules()),
    "记者 王小明 李华 报道",
    "（文章来源：证券时报）",
    "图片来源：视觉中国",
    "本文来自华尔街见闻，欢迎下载APP查看更多",
    "免责声明：本文仅供参考，不构成投资建议。",
    "公司表示，编辑部将继续跟踪来源不明的消息。",  # 编辑 and 来源 mid-sentence: prose, kept
    "他在声明中说，版权问题仍在谈判。",
    "长按识别二维码关注我们",
    "据悉，该项目来源于去年的规划。责任编辑：张三",
    "光伏装机量同比增长30%。（原标题：光伏装机再创新高）",
]


@pytest.mark.parametrize("text", _FURNITURE_AND_PROSE)
def test_required_literals_change_nothing(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule skipped because the text holds none of its literals is a rule that could not have matched."""
    fast = (strip_paragraphs([text, text]), strip_title(text))
    _without_requires(monkeypatch)
    assert (strip_paragraphs([text, text]), strip_title(text)) == fast


def test_required_literals_change_nothing_on_the_corpus(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every paragraph and title of 3,000 research-corpus articles is stripped the same either way."""
    records = []
    with (shared_data / "news.jsonl").open(encoding="utf-8") as fh:
        for line, _ in zip(fh, range(3000), strict=False):
            rec = json.loads(line)
            records.append((str(rec.get("title") or ""), str(rec.get("text") or "").split("\n")))
    fast = [(strip_title(t), strip_paragraphs(p, t)) for t, p in records]
    _without_requires(monkeypatch)
    assert [(strip_title(t), strip_paragraphs(p, t)) for t, p in records] == fast


@pytest.mark.parametrize(
    ("requires", "message"),
    [
        ("编辑", "requires must be a list"),
        ([""], "requires must be a list"),
        (["监制"], "its example holds none"),
    ],
)
def test_bad_required_literals_are_refused(requires: object, message: str) -> None:
    from themeflow.errors import ConfigError
    from themeflow.text.boilerplate import rules_from_dict

    rule = {
        "name": "r",
        "where": ["paragraph"],
        "action": "cut",
        "pattern": "责任编辑",
        "example": "责任编辑",
    }
    with pytest.raises(ConfigError, match=message):
        rules_from_dict({"rule": [{**rule, "requires": requires}]})
