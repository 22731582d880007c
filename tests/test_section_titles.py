"""A section title drawn from the section's own words is a whole phrase, never a cut one.

Titles such as ``三大指数小幅``, ``所有受限制``, ``日本财务`` and ``电器实业有限公司`` came from cutting a run
of words where the phrase goes on: the weights below are what made the cut phrase win (its words are the
section's distinctive ones)."""

from __future__ import annotations

from pathlib import Path

import pytest

from themeflow.ingest.records import read_jsonl
from themeflow.model import Document
from themeflow.summarize.extractive import ExtractiveSummarizer
from themeflow.summarize.outline import key_phrase, outline
from themeflow.text.segment import pos_tags
from themeflow.text.wordlists import word_list

ROLES = tuple(word_list("stopwords.toml", "title_role_words"))
NO_ONE = {*word_list("stopwords.toml", "not_names"), *word_list("entities.toml", "price_owners")}
SAMPLE = Path(__file__).resolve().parents[1] / "src" / "themeflow" / "data" / "sample.jsonl"

CASES = {
    "an adverb the segmenter takes for a noun": ("三大指数小幅上涨，创业板指小幅下跌", {"小幅": 3.0}, "小幅"),
    "a collective adverb": ("三大指数集体收涨，半导体板块集体走强", {"集体": 3.0}, "集体"),
    "a modifier without its noun": ("所有受限制的资金将解冻", {"受限制": 3.0}, "受限制"),
    "a name cut before its last character": (
        "日本财务省官员表示将密切关注汇率",
        {"日本": 2.0, "财务": 2.0},
        "省",
    ),
    "an organization's name without its distinctive part": (
        "新丰电器实业有限公司停产",
        {"实业": 2.0, "有限公司": 2.0},
        "新丰",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_title_is_not_cut_where_its_phrase_goes_on(case: str) -> None:
    sentence, weights, needed = CASES[case]
    title = key_phrase([pos_tags(sentence)], weights, set())
    if needed in ("小幅", "集体", "受限制"):
        assert title is None or needed not in title
    else:
        assert title is None or needed in title, title


def test_a_whole_phrase_is_still_a_title() -> None:
    assert (
        key_phrase([pos_tags("日本财务省官员表示将密切关注汇率")], {"日本": 2.0, "财务": 2.0}, set())
        == "日本财务省"
    )
    assert key_phrase([pos_tags("三大指数小幅上涨")], {"三大": 1.0, "指数": 1.0}, set()) == "三大指数"


NAMED = "英伟达首席执行官黄仁勋表示，首席执行官黄仁勋看好世界模型，世界模型将改变机器人训练"


def test_a_title_names_no_one_the_cited_paragraphs_do_not() -> None:
    """``首席执行官黄仁勋`` over a section whose bullets cite Meta's paragraphs presents Meta's work as his: the
    name must be in every bullet's cited paragraphs, else the next phrase is the title."""
    weights = {"首席": 2.0, "执行官": 2.0, "黄仁勋": 3.0, "世界": 1.0, "模型": 1.0}
    meta = "Meta则试图用原始视频训练其V-JEPA模型，世界模型是它的重点"
    assert key_phrase([pos_tags(NAMED)], weights, set()) == "首席执行官黄仁勋"
    title = key_phrase([pos_tags(NAMED)], weights, set(), named_in=[NAMED, meta])
    assert title is not None and "黄仁勋" not in title
    assert key_phrase([pos_tags(NAMED)], weights, set(), named_in=[NAMED]) == "首席执行官黄仁勋"


def test_a_place_s_office_is_a_person() -> None:
    """``法国总统`` over bullets on a bank's traders reads as the president's words; ``中国市场`` over bullets
    that do not say 中国 presents no one's words and stays a title."""
    text = "法国总统表示将派遣舰艇护航，法国总统呼吁各方克制，油轮运输风险上升"
    weights = {"法国": 3.0, "总统": 3.0, "油轮": 1.0, "运输": 1.0}
    traders = "摩根大通交易员指出，油轮运输风险仍在上升"
    title = key_phrase([pos_tags(text)], weights, set(), named_in=[traders])
    assert title is not None and "总统" not in title
    market = "中国市场销量回升，中国市场份额扩大"
    assert (
        key_phrase([pos_tags(market)], {"中国": 3.0, "市场": 3.0}, set(), named_in=["销量回升"]) == "中国市场"
    )


def test_summary_titles_name_only_whom_their_bullets_cite() -> None:
    """Over the bundled sample corpus: a title the summarizer draws from a section's words never names a
    person, place or organization that some bullet's cited paragraphs leave out."""
    summarizer = ExtractiveSummarizer()
    checked = 0
    for doc in (d for d in read_jsonl(SAMPLE) if isinstance(d, Document)):
        headings = {p.text.strip() for p in outline(doc.paragraphs) if p.role == "heading"}
        for section in summarizer.summarize(doc).sections:
            if section.title in headings or any(section.title in h for h in headings):
                continue  # the article's own heading, checked by its owner rule instead
            office = section.title.endswith(ROLES)
            for word, pos in pos_tags(section.title):
                if word not in NO_ONE and (pos in {"nr", "nrt", "nrfg", "nt"} or (pos == "ns" and office)):
                    checked += 1
                    for bullet in section.bullets:
                        cited = "".join(doc.paragraphs[c - 1] for c in bullet.citations)
                        assert word in cited, (doc.id, section.title, bullet.text)
    assert checked, "no drawn title named anyone: the test checks nothing"


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        ("英伟达高管表示，公司将继续扩大数据中心投资，英伟达高管还称需求强劲", "伟达高管"),
        ("车企自研机器人正在成为趋势，车企自研机器人的投入持续增加", "企自研机器人"),
    ],
)
def test_a_title_never_starts_after_a_name_s_split_off_first_character(text: str, cut: str) -> None:
    """The segmenter splits 英|伟达 and 车|企自研: the phrase after the lone character is a name without its
    first character, which readers judged broken."""
    tagged = pos_tags(text)
    title = key_phrase([tagged], {w: 2.0 for w, _ in tagged if len(w) > 1}, set())
    assert title is not None and title != cut and not cut.startswith(title)
