"""Normalization cleans whitespace and widths but never changes a number or Chinese punctuation."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from themeflow.text.normalize import (
    clean_line,
    clean_text,
    restore_breaks,
    split_long_paragraph,
    split_paragraphs,
)


def test_full_width_digits_and_letters_become_ascii_punctuation_stays() -> None:
    assert (
        clean_line("营收２０２５年达到１１４．３亿元，同比增长５％。ＡＩ")
        == "营收2025年达到114.3亿元，同比增长5%。AI"
    )


def test_numbers_with_separators_survive() -> None:
    assert clean_line("资本开支1,100亿美元，增长114.3%，1，100") == "资本开支1,100亿美元，增长114.3%，1，100"


def test_whitespace_invisibles_and_controls() -> None:
    text = "\ufeff  第一段\u200b内容\u3000\u3000有  空格\x07 \r\n\r\n\n\t第二段\xa0结尾  \u2028第三段"
    assert split_paragraphs(text) == ["第一段内容 有 空格", "第二段 结尾", "第三段"]
    assert clean_text(" \n \n") == ""
    assert split_paragraphs("") == []


def test_restore_breaks_only_on_runs_of_spaces() -> None:
    flat = "IT之家 8 月 16 日消息，京东发布财报。  第二段开始。\u3000\u3000第三段。"
    assert split_paragraphs(restore_breaks(flat)) == [
        "IT之家 8 月 16 日消息，京东发布财报。",
        "第二段开始。",
        "第三段。",
    ]


def test_split_long_paragraph_keeps_sentences_whole() -> None:
    sentence = "英伟达数据中心收入增长。"
    para = sentence * 100
    chunks = split_long_paragraph(para, max_chars=100)
    assert "".join(chunks) == para
    assert all(len(c) <= 100 for c in chunks)
    assert all(c.endswith("。") for c in chunks)
    assert split_long_paragraph("短。", 100) == ["短。"]


_PIECES = st.sampled_from(
    [
        "1,100",
        "114.3",
        "２０２５",
        "５％",
        "亿元",
        "，",
        "。",
        " ",
        "  ",
        "\u3000",
        "\n",
        "\t",
        "\u200b",
        "\x00",
        "\xa0",
        "A",
        "ｂ",
        "美联储",
        "-3.5",
        "1/2",
        "１．５",
    ]
)
_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=5)), max_size=30).map("".join)
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)}
_INVISIBLE = re.compile(
    r"[\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]"
)


def _digit_runs(text: str) -> list[str]:
    return re.findall(r"[0-9]+", text)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_normalization_never_changes_a_digit_sequence(text: str) -> None:
    visible = _INVISIBLE.sub("", text).translate(_FOLD)
    out = "\n".join(split_paragraphs(text))
    assert _digit_runs(out) == _digit_runs(visible)
    # Separators inside numbers are kept too: every "1,100"/"114.3"-style token survives verbatim.
    number = r"[0-9]+(?:[.,][0-9]+)*"
    assert re.findall(number, out) == re.findall(number, _FULLWIDTH_POINTS(visible))


def _FULLWIDTH_POINTS(text: str) -> str:  # noqa: N802 - mirrors the one width rule for points
    return re.sub(r"(?<=[0-9])．(?=[0-9])", ".", text)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalization_is_idempotent_and_lines_are_clean(text: str) -> None:
    once = clean_text(text)
    assert clean_text(once) == once
    for para in split_paragraphs(text):
        assert para and para == para.strip() and "  " not in para and "\n" not in para


def _clean_line_translated(line: str) -> str:
    """The first way of cleaning a line: every character looked up in the table."""
    from themeflow.text import normalize as nm

    return nm._SPACES.sub(" ", nm._FW_POINT.sub(".", line.translate(nm._TABLE))).strip()


def _line_breaks_as_newlines(text: str) -> list[str]:
    from themeflow.text import normalize as nm

    return nm._LINE_BREAKS.sub("\n", text).split("\n")


_FURNISHED = st.text(
    alphabet=st.sampled_from(
        list("0123456789abcAZ，。．.%％ \t\r\n\u3000\u00a0\u200b\ufeff\x00\x07\x85\u2028０９ＡＺａｚ资本开支")
    )
)


@given(_FURNISHED)
@settings(max_examples=300)
def test_the_text_is_translated_once_as_each_line_was(text: str) -> None:
    """Lines are cleaned from the text translated once (and only when it holds a character to translate):
    the same lines as translating each line."""
    lines = [_clean_line_translated(x) for x in _line_breaks_as_newlines(text)]
    assert clean_text(text) == "\n".join(x for x in lines if x)
    for line in _line_breaks_as_newlines(text):
        assert clean_line(line) == _clean_line_translated(line)
