"""The summarizer's and the figure reader's shortcuts give exactly what the plain computation gives.

Each shortcut (a test before a regex scan, a verbatim bullet covered in one step, a cache) is checked
against a reference written here the plain way, on hand-made edge cases and, where ``../shared/data`` is
present, on real articles.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA
from tests.shared_corpus import fr_documents
from themeflow.summarize import alignment, compress, doubt, meaning
from themeflow.summarize.alignment import PUNCT
from themeflow.text import figure_reader, numbers, segment
from themeflow.text.sentences import split_sentences
from themeflow.text.units import PREFIX_CURRENCY, UNIT_RE

EDGE_TEXTS = (
    "",
    "。",
    "营收达到了1234亿元，同比增长12.5%",
    "US$ 5 billion, HK$3.2亿, RMB 100万, ￥88, €5, £7, 5千瓦, 5千亿, 150 亿元, 10 GW",
    "2024-05-06 09:30 Q3 3Q 1月2日 二月三号 2024/1/2 3.1.2",
    "他表示，公司预计2025年营收增长20%；据路透社报道，在分析师看来，需求仍强。",
    "没有任何说话的词的一句话，只有名词和动作",
    "——“引号”（括号）、顿号：冒号；分号！叹号？问号… 全角\u3000空格 ab-cd",
)


@pytest.mark.parametrize(
    ("bullet", "sentence"),
    [
        ("同比增长12%", "营收同比增长12%，净利同比增长12%"),  # repeated: the first occurrence
        ("增长", "增长增长增长"),
        ("星河智能2029年目标", "星河智能2029年目标是上市"),
        ("ab", "xxabyy"),
        ("a", "a"),  # too short to align
        ("营收增长，净利下降", "营收增长，而净利下降"),  # not verbatim: pieces
        ("2029年营收", "星河智能202年，2029年营收"),
    ],
)
def test_verbatim_cover_is_the_piecewise_cover(bullet: str, sentence: str) -> None:
    assert alignment._cover(bullet, sentence) == alignment._cover_by_pieces(bullet, sentence)


def test_bigrams_are_the_plain_definitions() -> None:
    rng = random.Random(7)
    alphabet = "营收增长净利下降ab12" + "".join(sorted(PUNCT))
    texts = [
        *EDGE_TEXTS,
        *("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) for _ in range(500)),
    ]
    for t in texts:
        pairs = zip(t, t[1:], strict=False)
        assert alignment._bigrams(t) == frozenset(
            a + b for a, b in pairs if a not in PUNCT and b not in PUNCT
        )
        kept = "".join(ch for ch in t if ch not in PUNCT)
        assert doubt._bigrams(t) == frozenset(kept[i : i + 2] for i in range(len(kept) - 1))


def test_clean_is_twelve_significant_digits() -> None:
    values = [1e12 - 1, -(1e12 - 1), 1e12, 123456789012.0, 1.2 * 1e12, 0.1 + 0.2, 3.5e8, -7.0, 1e15, 2.5]
    for x in values:
        assert numbers._clean(x) == float(f"{x:.12g}")


def _texts(shared: Path | None) -> list[str]:
    texts = list(EDGE_TEXTS)
    if shared is not None:
        for doc in fr_documents(shared, 150):
            texts.extend(doc.paragraphs)
    return texts


@pytest.fixture
def texts() -> list[str]:
    """The edge texts, and the first 150 fr- articles' paragraphs where the shared corpus is present."""
    return _texts(SHARED_DATA if (SHARED_DATA / "news.jsonl").exists() else None)


def test_unit_and_currency_shortcuts_match_the_scans(texts: list[str]) -> None:
    for text in texts:
        for pos in range(len(text) + 1):
            unit = figure_reader._unit_at(text, pos)
            plain = UNIT_RE.match(text, pos)
            assert (unit and unit.group()) == (plain and plain.group()), (text, pos)
            head = text[max(0, pos - 4) : pos]
            ends = any(head.endswith(surface) for surface, _ in PREFIX_CURRENCY)
            if not ends:
                assert figure_reader._currency_before(text, pos) is None


def test_frames_without_a_frame_word_are_none(texts: list[str]) -> None:
    for text in texts:
        for sentence in split_sentences(text) or [text]:
            if not meaning._frame_words().search(sentence):
                assert not list(meaning._attribution().finditer(sentence)), sentence


def test_figures_found_with_the_date_and_time_tests_skipped_still_include_them() -> None:
    found = {f.raw for f in numbers.find_figures(EDGE_TEXTS[4])}
    assert {"2024-05-06", "09:30", "Q3", "3Q", "1月2日", "二月三号", "2024/1/2"} <= found


def test_pos_tags_are_a_fresh_list_each_time() -> None:
    first = segment.pos_tags("英伟达发布新款芯片")
    first.append(("x", "x"))
    assert segment.pos_tags("英伟达发布新款芯片") == first[:-1]


def test_a_title_only_excuses_so_a_bullet_passing_without_one_passes_under_any(shared_data: Path) -> None:
    """``meaning_reason`` answers a titled bullet from its untitled verdict when that passed; the full check
    under the title must agree on every sentence and clause of real articles."""
    titles = ("机构观点", "中金公司", "特朗普：关税将继续", "英伟达财报超预期", "业绩")
    checked = 0
    for doc in fr_documents(shared_data, 40):
        for para in doc.paragraphs[:12]:
            for sentence in split_sentences(para):
                for bullet in (sentence, sentence.split("，", 1)[-1]):
                    for title in titles:
                        fresh = meaning._first_fault.__wrapped__(
                            bullet.strip().rstrip("。"), (para,), 2025, title, doc.title, False
                        )
                        assert (
                            meaning.meaning_reason(
                                bullet, [para], year=2025, title=title, article_title=doc.title
                            )
                            == fresh
                        ), (bullet, title)
                        checked += 1
    assert checked > 1000


def test_strip_fillers_without_a_leading_filler_is_the_clause_stripped(texts: list[str]) -> None:
    """The one-pattern test before the passes gives what the passes give."""

    def plain(clause: str) -> str:
        for _ in range(4):
            before = clause
            for rx in compress._LEADING:
                clause = rx.sub("", clause, count=1).lstrip("，,：: ")
            if clause == before:
                break
        return clause

    extra = [
        "，据路透社报道，公司营收增长",
        " 此外，据悉，销量上升",
        "：而且需求旺盛",
        "分析师表示，利率将下调",
    ]
    for text in [*texts, *extra]:
        for clause in [text, *text.split("，")]:
            assert compress.strip_fillers(clause) == plain(clause), clause
