"""The analyzer: dictionary terms whole, OOV names via grams, folding, numbers, the same tokens both sides."""

from __future__ import annotations

import pytest

from themeflow.text import segment
from themeflow.text.segment import analyze, analyze_both, bigrams, fold, gram_phrase, query_words, words


def contains_phrase(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


@pytest.mark.parametrize(
    "term", ["资本开支", "算力", "南下资金", "港股通", "降息", "美联储", "超大规模云厂商", "宁德时代"]
)
def test_dictionary_terms_stay_whole(term: str) -> None:
    assert term in words(f"分析师认为{term}将持续受到关注")
    assert term in analyze(f"分析师认为{term}将持续受到关注")


def test_long_names_keep_their_parts_findable() -> None:
    tokens = analyze("中国农业发展银行发布公告")
    assert "中国农业发展银行" in tokens
    assert "农业" in tokens
    assert "资本开支" in analyze("AI资本开支周期仍将持续")
    assert query_words("资本开支") == ["资本开支"]


def test_every_cjk_substring_is_a_gram_phrase() -> None:
    doc = bigrams("巴克莱：AI资本开支周期仍将持续")
    for sub in ["资本开支", "开支周", "AI资本", "持续", "续", "巴"]:
        grams, prefix = gram_phrase(sub)
        if prefix:
            assert any(contains_phrase(doc, grams[:-1] + [g]) for g in doc if g.startswith(grams[-1]))
        else:
            assert contains_phrase(doc, grams), sub


def test_oov_name_matches_through_grams() -> None:
    # A made-up company name jieba has never seen: words may split it anywhere, grams always match.
    doc = bigrams("据悉，澜湃芯途科技完成新一轮融资。")
    grams, prefix = gram_phrase("澜湃芯途")
    assert not prefix and contains_phrase(doc, grams)


def test_traditional_and_simplified_find_each_other() -> None:
    assert analyze("星際之門項目") == analyze("星际之门项目")
    assert bigrams("星際之門") == bigrams("星际之门")
    assert query_words("星際之門") == query_words("星际之门")


def test_full_width_letters_and_digits_fold() -> None:
    assert analyze("ＡＩ芯片") == analyze("AI芯片")
    assert "2025" in analyze("２０２５年")
    assert "ai" in analyze("ＡＩ")


def test_fold_keeps_length_and_offsets() -> None:
    text = "星際之門ＡＩ２０２５年，OpenAI"
    assert len(fold(text)) == len(text)
    assert fold(text) == "星际之门ai2025年，openai"


def test_numbers_kept_whole() -> None:
    tokens = analyze("容量从114.3GW增长至236GW，合同金额1,100亿美元")
    assert "114.3" in tokens and "gw" in tokens
    assert "1100" in tokens  # thousands separators dropped: 1,100 == 1100
    assert "1" not in tokens and "3" not in tokens
    assert "h100" in analyze("英伟达H100芯片")


def test_punctuation_only_text_has_no_tokens() -> None:
    assert analyze_both("*^'()；。").words == []
    assert gram_phrase("*^") == ([], False)


def test_version_tracks_dictionary() -> None:
    assert segment.ANALYZER_VERSION.startswith(segment._RULES_VERSION + "-")
    assert len(segment.dictionary_words()) >= 300


def _one_run_at_a_time(text: str) -> segment.Analyzed:
    """The analysis as it was written first: every CJK run segmented by a call of its own."""
    w: list[str] = []
    g: list[str] = []
    for kind, run in segment.runs(fold(text)):
        if kind == "cjk":
            for word in segment._segmenter().cut(run):
                w.extend(segment._expand(word))
            g.extend([run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]])  # bigrams, last character
        else:
            w.append(run)
            g.append(run)
    return segment.Analyzed(w, g)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "，。！",
        "英伟达Q3营收350.8亿美元，同比增长94%；数据中心业务308亿美元。",
        "二〇二五年，人们々日々忙碌\n第二段：资本开支周期（AI）与GPU、HBM3e",
        "𠀀𠀁汉字扩展B区与兼容字\uf900\uf901混排 abc 12,345.6 字",
        "連續兩個季度維持在百分之九十五以上，港股ETF一度上漲6.5%",
        "字",
        "a1b2 c3",
    ],
)
def test_runs_cut_together_give_what_each_run_alone_gives(text: str) -> None:
    assert analyze_both(text) == _one_run_at_a_time(text)
    _assert_joined_streams_match(text)


def _assert_joined_streams_match(text: str) -> None:
    """What the index stores (both streams joined, the grams alone) is the reference's streams joined."""
    reference = _one_run_at_a_time(text)
    joined = (" ".join(reference.words), " ".join(reference.grams))
    assert segment.analyze_joined(text) == joined
    assert segment.grams_joined(text) == joined[1]
    assert bigrams(text) == reference.grams


@pytest.mark.parametrize(
    "text",
    ["甲，乙，丙丁", "一。二三。四", "AI字，h100乙1,100丙", "股", "股。", "。股", "12,3", "a，b"],
)
def test_one_character_runs_between_others_keep_their_grams(text: str) -> None:
    """Grams are laid out for all runs at once and split at the breaks: a one-character run next to others,
    first or last, keeps its one gram, and no pair straddles two runs."""
    _assert_joined_streams_match(text)


def test_word_expansions_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """The joined expansions are a cache: emptied when full, and the words come out the same."""
    monkeypatch.setattr(segment, "_EXPANSIONS_KEPT", 3)
    cache = segment._JoinedExpansions()
    for word in ("资本开支周期", "中国农业发展银行", "营收", "英伟达", "资本开支周期"):
        assert cache[word] == " ".join(segment._expand(word))
        assert len(cache) <= 3


def test_runs_cut_together_on_the_corpus(shared_data) -> None:  # type: ignore[no-untyped-def]
    """Every title and text of the first 3,000 research-corpus articles: the same words and grams."""
    import json

    with (shared_data / "news.jsonl").open(encoding="utf-8") as fh:
        for line, _ in zip(fh, range(3000), strict=False):
            rec = json.loads(line)
            for text in (str(rec.get("title") or ""), str(rec.get("text") or "")):
                assert analyze_both(text) == _one_run_at_a_time(text)
                _assert_joined_streams_match(text)


def test_loading_the_analyzer_loads_no_numpy() -> None:
    """Read-only commands (``stats``, ``show``) load this module; numpy is loaded only when text is indexed."""
    import subprocess
    import sys

    code = "import sys, themeflow.text.segment, themeflow.text.script; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
