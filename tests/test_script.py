"""The fingerprint's width and script folding: the array way gives what NFKC then the character table give."""

from __future__ import annotations

import json
import unicodedata

import pytest

from themeflow.text import script
from themeflow.text.script import nfkc_simplified, to_simplified


def _reference(text: str) -> str:
    return to_simplified(unicodedata.normalize("NFKC", text))


_BODY = "英偉達第三季度營收３５０．８億美元，同比增長９４％；數據中心業務（ＡＩ）貢獻最大。" * 8
"""A long traditional, full-width text: the array way, not the short-text one."""


@pytest.mark.parametrize(
    "text",
    [
        "",
        "短标题",
        _BODY,
        _BODY + "ﬁnance…㈱½",  # one character whose NFKC form is several
        _BODY + "cafe\u0301 and e\u0301",  # a combining mark that composes with the letter before it
        _BODY + "\u1100\u1161",  # Hangul jamo that compose into one syllable
        _BODY + "𠀀𠀁兼容字\uf900\uf901",  # beyond the BMP, and compatibility ideographs
        _BODY + "\ud800",  # a lone surrogate
        _BODY + "ΑΣ ΟΔΟΣ İstanbul",  # case is left alone: the fingerprint lower-cases after
        "ＡＩ資本開支" * 60,
    ],
)
def test_array_folding_is_nfkc_then_simplified(text: str) -> None:
    assert nfkc_simplified(text) == _reference(text)


def test_long_plain_text_takes_the_array_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long BMP text is mapped through the tables, not folded character by character."""

    def refuse(text: str) -> str:
        raise AssertionError("the character-by-character way was taken")

    monkeypatch.setattr(script, "to_simplified", refuse)
    assert (
        nfkc_simplified(_BODY) == "英伟达第三季度营收350.8亿美元,同比增长94%;数据中心业务(AI)贡献最大。" * 8
    )


def test_array_folding_on_the_corpus(shared_data) -> None:  # type: ignore[no-untyped-def]
    """Every title and body of the research corpus: the same string both ways."""
    with (shared_data / "news.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            for text in (str(rec.get("title") or ""), str(rec.get("text") or "")):
                assert nfkc_simplified(text) == _reference(text)
