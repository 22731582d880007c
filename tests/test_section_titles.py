"""A section title drawn from the section's own words is a whole phrase, never a cut one.

Titles such as ``三大指数小幅``, ``所有受限制``, ``日本财务`` and ``电器实业有限公司`` came from cutting a run
of words where the phrase goes on: the weights below are what made the cut phrase win (its words are the
section's distinctive ones)."""

from __future__ import annotations

import pytest

from themeflow.summarize.outline import key_phrase
from themeflow.text.segment import pos_tags

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
