"""The query language: structure, filters, compilation, and every malformed input a user might type."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from themeflow.errors import QueryError
from themeflow.search import parse_query
from themeflow.search.query import MAX_QUERY_CHARS, parse_date_bound
from themeflow.store.sqlite.match import compile_match
from themeflow.text.segment import in_vocabulary

BJ = timezone(timedelta(hours=8))


def test_terms_phrases_or_exclusions_fields() -> None:
    q = parse_query(
        '美联储 OR 欧洲央行 降息 "资本开支周期" -光伏 title:算力 source:东方财富 since:2025-11-01'
    )
    assert [[t.text for t in g] for g in q.groups] == [
        ["美联储", "欧洲央行"],
        ["降息"],
        ["资本开支周期"],
        ["算力"],
    ]
    assert q.groups[2][0].phrase
    assert q.groups[3][0].field == "title"
    assert [t.text for t in q.excluded] == ["光伏"]
    assert q.sources == ("东方财富",)
    assert q.since == datetime(2025, 11, 1, tzinfo=BJ)


def test_until_is_inclusive_and_dates_take_the_narrower_bound() -> None:
    q = parse_query("降息 until:2025-11-20 until:2025-12 since:2025 since:2025-06")
    assert q.until == datetime(2025, 11, 21, tzinfo=BJ) - timedelta(microseconds=1)
    assert q.since == datetime(2025, 6, 1, tzinfo=BJ)
    assert parse_date_bound("2025-11-20T08:00:00+00:00", end=False).tzinfo is not None


def test_every_user_token_is_quoted() -> None:
    expr = compile_match(parse_query('NEAR(资本 开支) AND ^光伏 "x" *'))
    assert expr is not None
    outside = expr
    for chunk in expr.split('"')[1::2]:
        outside = outside.replace(f'"{chunk}"', "")
    assert "NEAR" not in outside and "^" not in outside
    assert '"near"' in expr


@pytest.mark.parametrize(
    ("query", "position"),
    [
        ('资本开支 "周期', 5),
        ('"', 0),
        ('title:"降息', 6),
        ("降息 - 光伏", 3),
        ("-", 0),
        ("since:notadate", 6),
        ("until:2025-13-01", 6),
        ("since:", 0),
        ("OR 降息", 0),
        ("降息 OR", 3),
        ("降息 OR OR 加息", 6),
        ("NOT", 0),
        ("*", 0),
        ("^ ( )", 0),
        ("since:2025-12-01 until:2025-11-01", 0),
        ('""', 0),
        ("x" * 10_240, MAX_QUERY_CHARS),
    ],
)
def test_malformed_queries_name_the_position(query: str, position: int) -> None:
    with pytest.raises(QueryError) as err:
        parse_query(query)
    assert err.value.position == position
    assert f"position {position}" in str(err.value)


@pytest.mark.parametrize(
    "query",
    [
        "NEAR(资本 开支)",
        "资本*",
        "AND 降息 AND",
        "^光伏",
        "'; DROP TABLE documents; --",
        "降息 -- 光伏",
        "a:b 降息",
        "http://example.com/x?y=1",
        "{title}: 降息",
        "降息 OR *",
        "",
    ],
)
def test_operators_typed_literally_are_just_text(query: str) -> None:
    q = parse_query(query)  # no exception; the result may be empty
    compile_match(q)


def test_lone_exclusion_and_filters_only_are_allowed() -> None:
    q = parse_query("-光伏 source:华尔街见闻")
    assert not q.has_terms and q.excluded and q.sources
    assert compile_match(q) is None


def test_analysis_variants_compile() -> None:
    q = parse_query("AI资本开支周期")
    word = compile_match(q, "word")
    gram = compile_match(q, "bigram")
    both = compile_match(q, "word+bigram")
    assert word and "{title body}" in word and "title_g" not in word
    assert gram and "{title_g body_g}" in gram and "{title body}" not in gram
    assert both and "{title body}" in both and "title_g" not in both  # in vocabulary: words only
    oov = compile_match(parse_query("宁波舟山港"), "word+bigram")  # 港 alone: out of vocabulary
    assert oov and "{title body}" in oov and "{title_g body_g}" in oov


def test_in_vocabulary_terms_skip_the_gram_alternative() -> None:
    assert in_vocabulary("美联储") and in_vocabulary("AI资本开支周期") and in_vocabulary("星際之門")
    assert in_vocabulary("h100") and in_vocabulary("114.3")
    assert not in_vocabulary("宁波舟山港") and not in_vocabulary("A股")
    assert (
        compile_match(parse_query("美联储 降息")) == '{title body} : ("美联储") AND {title body} : ("降息")'
    )
    # Phrases and exclusions stay exact consecutive-gram matches whatever the vocabulary says.
    assert compile_match(parse_query('"美联储"')) == '{title_g body_g} : ("美联" + "联储")'
    excl = compile_match(parse_query("降息 -美联储"))
    assert excl and excl.endswith('NOT ({title_g body_g} : ("美联" + "联储"))')


# -- bounds on hostile queries, and the highlighter they compile to ---------------------------------------
def test_a_term_of_hundreds_of_parts_is_refused_with_its_position() -> None:
    """``'A股,' * 333`` is one 999-character 'word'; it used to cost ~0.5 s of regex work per search page."""
    from themeflow.search.query import MAX_TERM_CHARS, MAX_TERM_PARTS

    with pytest.raises(QueryError, match="too long") as exc:
        parse_query("资本开支 " + "A股," * 331)
    assert exc.value.position == len("资本开支 ")
    with pytest.raises(QueryError, match=f"too many parts.*limit is {MAX_TERM_PARTS}"):
        parse_query("A股," * 9)  # 18 parts
    with pytest.raises(QueryError, match=f"limit is {MAX_TERM_CHARS}"):
        parse_query('"' + "资" * (MAX_TERM_CHARS + 1) + '"')
    assert parse_query("A股," * 8).positive_terms()[0].text == "A股," * 8  # 16 parts: allowed


def _worst_legal_queries() -> dict[str, str]:
    return {
        "64 distinct terms": " ".join(f"资本开支{n}期" for n in range(64)),
        "many 16-part terms": " ".join("A股," * 7 + f"b{n}股" for n in range(40))[:1000],
        "one term repeated": "A股 " * 60,
        "long in-vocabulary phrases": " ".join(["资本开支周期仍将持续美联储降息预期升温南下资金"] * 30)[
            :1000
        ],
    }


@pytest.mark.parametrize("name", list(_worst_legal_queries()))
def test_highlighter_size_is_bounded_whatever_the_query(name: str) -> None:
    """The operation count of highlighting is (text length) x (alternatives tried at a position where a
    match can start); alternatives are deduplicated and capped, and each starts with a literal character
    so the regex engine skips, in C, every position no alternative can start at."""
    import re

    from themeflow.search.snippet import MAX_PATTERNS, Highlighter

    query = _worst_legal_queries()[name]
    h = Highlighter.for_query(parse_query(query))
    assert 1 <= h.size <= MAX_PATTERNS
    assert h.pattern is not None and len(h.pattern.pattern) <= MAX_PATTERNS * 1000
    alternatives = re.split(r"\|(?=[^|]?\(\?P<t\d+>)", h.pattern.pattern)
    assert len(alternatives) == h.size
    for alt in alternatives:  # a literal first character, then the named group
        assert re.match(r"^(?:\\.|[^\\(\[|])\(\?P<t\d+>", alt), alt[:40]
    if name == "one term repeated":
        assert h.size == 1, "sixty copies of a term compile once"


def test_highlight_boundaries_survive_the_literal_first_rewrite() -> None:
    from themeflow.search.snippet import Highlighter

    def marked(query: str, text: str) -> list[str]:
        return [text[s:e] for s, e, _ in Highlighter.for_query(parse_query(query)).matches(text)]

    assert marked("15", "2015年增长15%，115亿") == ["15"]
    assert marked("ai", "said AI and aim; ai") == ["AI", "ai"]
    assert marked("5", "5G 与 25 和 5") == ["5", "5"]
    assert marked('"A股 港股"', "A股、港股联动，A股 港股") == ["A股、港股", "A股 港股"]
    assert marked("资本开支 周期", "资本开支周期") == ["资本开支", "周期"]
    assert marked('"资本开支周期"', "资本开支周期延长") == ["资本开支周期"]
