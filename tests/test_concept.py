"""Concept expansion: a theme or bare query term finds what articles call it, operators stay exact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from themeflow.errors import ConfigError
from themeflow.model import Document
from themeflow.search.concept import expand_query, expand_term, minimum_should_match
from themeflow.search.query import parse_query
from themeflow.search.request import SearchRequest
from themeflow.store.sqlite import SQLiteStore
from themeflow.text import lexicon as lexicon_module
from themeflow.text.lexicon import finance_lexicon


def _forms(clause) -> set[str]:  # type: ignore[no-untyped-def]
    return {s.text for s in clause.surfaces()}


def test_a_theme_name_splits_into_lexicon_parts_with_their_synonyms() -> None:
    clause = expand_term("AI资本开支周期")
    assert clause.label == "AI资本开支周期"
    [core] = clause.parts
    assert core.label == "AI资本开支"
    assert {"算力投资", "科技巨头资本开支"} <= {s.text for s in core.whole}
    ai, capex = core.parts
    assert {"人工智能"} <= {s.text for s in ai.whole}
    assert {"资本支出", "资本性支出", "capex"} <= {s.text for s in capex.whole}
    assert [b.label for b in clause.boosts] == ["周期"]  # a modifier ranks, never required


def test_forms_fold_script_and_case() -> None:
    assert finance_lexicon().lookup("資本開支") is not None
    assert finance_lexicon().lookup("CAPEX") is finance_lexicon().lookup("资本开支")


def test_narrower_terms_widen_but_are_not_keys() -> None:
    """算力投资 implies AI capex; a search for 算力投资 must not widen to all of AI capex."""
    assert "AI资本开支" not in _forms(expand_term("算力投资"))
    assert "算力投资" in _forms(expand_term("AI资本开支"))


def test_an_unknown_word_is_left_as_typed() -> None:
    clause = expand_term("宁德时代")
    assert [s.text for s in clause.whole] == ["宁德时代"] and not clause.parts


def test_operators_are_never_expanded() -> None:
    concept, rest = expand_query(parse_query('+资本开支 "美联储" 港股 OR 美股 title:降息 -光伏 储能'))
    assert concept is not None and [c.label for c in concept.clauses] == ["储能"]
    assert [[t.text for t in g] for g in rest.groups] == [
        ["资本开支"],
        ["美联储"],
        ["港股", "美股"],
        ["降息"],
    ]
    assert [t.text for t in rest.excluded] == ["光伏"]


def test_minimum_should_match() -> None:
    assert [minimum_should_match(n) for n in range(1, 8)] == [1, 2, 2, 3, 4, 5, 5]


def test_a_lexicon_form_listed_twice_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = 'version = 1\nmodifiers = []\n[[concept]]\nname = "降息"\nsame = ["减息"]\n[[concept]]\nname = "减息"\n'
    monkeypatch.setattr(lexicon_module, "word_file", lambda name: __import__("tomllib").loads(bad))
    monkeypatch.setattr(lexicon_module, "word_list", lambda name, key: ())
    finance_lexicon.cache_clear()
    try:
        with pytest.raises(ConfigError, match="listed under both"):
            finance_lexicon()
    finally:
        finance_lexicon.cache_clear()


def _doc(i: int, title: str, *paras: str) -> Document:
    return Document(id=f"c{i}", title=title, paragraphs=paras, source="测试社")


@pytest.fixture()
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = SQLiteStore(tmp_path / "c.db")
    s.upsert_documents(
        [
            _doc(
                1,
                "科技巨头资本支出再创新高",
                "微软、谷歌本季资本支出合计超过800亿美元，主要投向人工智能数据中心。",
            ),
            _doc(2, "算力投资热潮延续", "多家云厂商上调算力投资计划。"),
            _doc(3, "AI资本开支周期进入下半场", "分析师认为AI资本开支周期仍将持续。"),
            _doc(4, "钢铁企业资本开支收缩", "多家钢厂削减资本开支。"),
            _doc(5, "美联储宣布减息25个基点", "Fed 如期下调利率。"),
            _doc(6, "欧洲央行维持利率不变", "欧洲央行按兵不动。"),
            _doc(7, "联储官员暗示年内降息", "联邦储备委员会官员表示年内可能降息。"),
        ]
    )
    yield s
    s.close()


def _ids(store: SQLiteStore, query: str, **kw: object) -> list[str]:
    """The matches (partial matches of relevance order left out; see the partial-tier test)."""
    page = store.search(SearchRequest(query=query, collapse=False, **kw))  # type: ignore[arg-type]
    return [h.document.id for h in page.hits if not h.partial]


def test_relevance_order_lists_partial_matches_after_every_match(store: SQLiteStore) -> None:
    page = store.search(SearchRequest(query="AI资本开支周期", collapse=False))
    ids = [h.document.id for h in page.hits]
    partial = [h.document.id for h in page.hits if h.partial]
    # c4 says 资本开支 with no AI: not a match, but the best of what is left after the matches
    assert partial == ["c4"] and ids[-1] == "c4"
    assert page.total == 3 and page.partial == 1
    assert page.per_source == {"测试社": 3}  # outlet counts are of matches
    # newest first lists the match set only, and so does strict AND
    newest = store.search(SearchRequest(query="AI资本开支周期", collapse=False, sort="time"))
    assert "c4" not in [h.document.id for h in newest.hits] and newest.partial == 0
    # a compound of two parts asks for both (as the two words typed apart would), so c4 is no match
    assert "c4" not in _ids(store, "AI 资本开支")
    # a page past the matches is made of partial matches
    past = store.search(SearchRequest(query="AI资本开支周期", collapse=False, offset=3, limit=5))
    assert [h.document.id for h in past.hits] == ["c4"] and past.hits[0].partial


def test_a_theme_finds_articles_that_never_say_its_name(store: SQLiteStore) -> None:
    found = _ids(store, "AI资本开支周期")
    assert found[0] == "c3"  # the literal compound with its modifier ranks first
    assert {"c1", "c2", "c3"} <= set(found)
    assert "c4" not in found  # capex without AI is not the theme
    assert _ids(store, "AI资本开支周期", strict=True) == ["c3"]


def test_synonyms_satisfy_each_term(store: SQLiteStore) -> None:
    assert set(_ids(store, "美联储 降息")) == {"c5", "c7"}
    assert _ids(store, "+美联储 降息") == ["c5"]  # +美联储: as typed, no synonyms
    assert _ids(store, "美联储 降息", strict=True) == []  # nothing says both words as typed


def test_two_terms_both_required_three_allow_one_miss(store: SQLiteStore) -> None:
    assert "c6" not in _ids(store, "欧洲央行 降息")
    assert "c6" in _ids(store, "欧洲央行 降息 利率")


def test_exclusion_and_filters_still_apply(store: SQLiteStore) -> None:
    assert "c1" not in _ids(store, "AI资本开支周期 -微软")
    assert _ids(store, "AI资本开支周期", sources=("别的社",)) == []


def _cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "THEMEFLOW_DB": str(db)}
    return subprocess.run(
        [sys.executable, "-m", "themeflow.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_theme_explain_shows_each_search_of_a_saved_theme(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    add = _cli(
        "workflow",
        "add",
        "AI资本开支周期",
        "--query",
        "AI资本开支周期",
        "--keyword",
        "算力",
        "--exclude",
        "招聘",
        db=db,
    )
    assert add.returncode == 0, add.stderr
    r = _cli("theme", "explain", "AI资本开支周期", "--json", db=db)
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    assert body["theme"] == "AI资本开支周期"
    first, keyword = body["searches"]
    assert first["excluded"] == ["招聘"] and keyword["excluded"] == ["招聘"]
    [clause] = first["clauses"]
    capex = clause["parts"][0]["parts"][1]
    forms = {f["text"]: f for f in capex["forms"]}
    assert forms["资本支出"]["why"] == "同义: 词库「资本开支」" and forms["资本支出"]["weight"] == 0.9
    assert [b["label"] for b in clause["boosts"]] == ["周期"]
    text = _cli("theme", "explain", '美联储 "降息" -加息', db=db)
    assert text.returncode == 0, text.stderr
    assert (
        "Fed" in text.stdout
        and 'required as typed: "降息"' in text.stdout
        and "excluded: 加息" in text.stdout
    )


ROUNDUP = (
    "1、央行今日开展逆回购操作。",
    "2、多家银行下调存款利率。",
    "3、国家能源局：上半年新型储能装机增长。",
    "4、A股三大指数集体收涨。",
    "5、原油价格小幅回落。",
    "6、人民币中间价调升。",
    "7、多家券商发布四季度策略。",
    "8、港股科技股走强。",
)


def test_a_roundup_that_mentions_a_theme_comes_after_articles_about_it(tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    bj = timezone(timedelta(hours=8))
    with SQLiteStore(tmp_path / "r.db") as s:
        s.upsert_documents(
            [
                Document(
                    id="article",
                    title="大型储能电站并网",
                    paragraphs=("储能电站今日并网发电。", "储能需求旺盛。"),
                    source="测试社",
                    published_at=datetime(2025, 8, 1, 9, tzinfo=bj),
                ),
                Document(
                    id="roundup",
                    title="财经早报：8月2日要闻一览",
                    paragraphs=ROUNDUP,
                    source="测试社",
                    published_at=datetime(2025, 8, 2, 7, tzinfo=bj),
                ),
            ]
        )
        page = s.search(SearchRequest(query="储能", sort="time"))
        assert [(h.document.id, h.aboutness) for h in page.hits] == [("article", "主题"), ("roundup", "提及")]
        ranked = s.search(SearchRequest(query="储能"))
        assert [h.document.id for h in ranked.hits][0] == "article"
        strict = s.search(SearchRequest(query="储能", sort="time", strict=True))
        assert [h.document.id for h in strict.hits] == ["roundup", "article"]  # no labels, plain newest first
        assert all(h.aboutness is None for h in strict.hits)


def test_a_rewritten_roundup_is_read_again(tmp_path: Path) -> None:
    """Roundups are read and folded once per store state (``store/sqlite/mentions.py``): a roundup whose
    text changes is read again, so a theme it now leads with is its subject (主题), not a mention."""
    from dataclasses import replace
    from datetime import datetime, timedelta, timezone

    bj = timezone(timedelta(hours=8))
    roundup = Document(
        id="roundup",
        title="财经早报：8月2日要闻一览",
        paragraphs=ROUNDUP,
        source="测试社",
        published_at=datetime(2025, 8, 2, 7, tzinfo=bj),
    )
    with SQLiteStore(tmp_path / "r.db") as s:
        s.upsert_documents([roundup])
        assert [h.aboutness for h in s.search(SearchRequest(query="储能", sort="time")).hits] == ["提及"]
        rewritten = ("1、储能装机大增，储能成为电力系统主角。", "2、储能电站密集并网。", *ROUNDUP[2:])
        s.upsert_documents(
            [replace(roundup, title="财经早报：储能专题", paragraphs=rewritten, content_hash="")]
        )
        assert [h.aboutness for h in s.search(SearchRequest(query="储能", sort="time")).hits] == ["主题"]


def test_a_split_into_another_name_of_the_same_concept_is_not_made() -> None:
    """美联储 → 美 · 联储, 锂电池 → 锂电 · 池: 联储 and 锂电 are names of the same concepts, so the term is a way
    of writing its concept and gets no parts (a split into other concepts stays)."""
    assert expand_term("美联储").parts == ()
    assert expand_term("锂电池").parts == ()
    assert expand_term("香港股市").parts == ()  # 香 · 港股 · 市: two of three were enough, 香港 and 市场
    assert expand_term("地方政府专项债券").parts == ()  # 地方 · 政府 · 专项债券: 地方政府 alone matched
    assert [p.label for p in expand_term("AI资本开支").parts] == ["AI", "资本开支"]
    assert [b.label for b in expand_term("A股市场").boosts] == ["市场"]  # the modifier still ranks


@pytest.fixture()
def store_of(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A store holding the given documents, closed after the test."""
    made: list[SQLiteStore] = []

    def make(*docs: Document) -> SQLiteStore:
        made.append(SQLiteStore(tmp_path / f"s{len(made)}.db"))
        made[-1].upsert_documents(list(docs))
        return made[-1]

    yield make
    for s in made:
        s.close()


def test_an_article_saying_only_a_prefix_of_a_concept_is_no_partial_match(store_of) -> None:  # type: ignore[no-untyped-def]
    s = store_of(
        _doc(1, "美联储宣布减息", "美联储如期下调利率。"),
        _doc(2, "美国股市收涨", "美国三大股指收涨，美元走弱。"),
        _doc(3, "电池池化技术", "池化方案降低了储能成本。"),
        _doc(4, "地方政府推动消费", "多地政府出台措施，地方财政压力仍大。"),
        _doc(5, "香港市场观察", "香港零售市场回暖。"),
    )
    for query in ("美联储", "锂电池", "地方政府专项债券", "香港股市"):
        page = s.search(SearchRequest(query=query, collapse=False))
        # 美国 and 池化 begin like 美联储's and 锂电池's leftover characters, 地方 and 政府 are two of
        # 地方政府专项债券's pieces, 香港 and 市场 two of 香港股市's: none of them is about the term
        assert all(h.document.id == "c1" for h in page.hits), (query, [h.document.id for h in page.hits])


def test_what_the_expansion_rules_made_is_keyed_by_their_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Concept tags and a roundup's focused summary were made by the rules that turn terms into clauses: a
    change of those rules (not only of the lexicon) makes them again."""
    from themeflow.tags import vocabulary

    concept = vocabulary.lexicon_concepts()[0]
    before = concept.digest
    monkeypatch.setattr(vocabulary, "EXPANSION_RULES", vocabulary.EXPANSION_RULES + 1)
    assert concept.digest != before


def test_a_lexicon_term_is_split_only_into_concepts() -> None:
    """人民银行 → 人民 · 银行 matched any article saying 人民币 and 银行; a term the lexicon names stands on its
    curated forms unless every piece is a concept, and a term it does not know keeps its split."""
    assert expand_term("人民银行").parts == ()
    assert expand_term("日本央行").parts == ()
    assert [p.label for p in expand_term("英伟达芯片").parts] == ["英伟达", "芯片"]  # not a lexicon term
    forms = {s.text for s in expand_term("新能源汽车").whole}
    assert "新能源乘用车" in forms  # what the 新能源 · 汽车 split used to find in passenger-car reports


def test_characters_of_a_lexicon_term_apart_are_no_match(store_of) -> None:  # type: ignore[no-untyped-def]
    s = store_of(
        _doc(1, "人民银行下调存款准备金率", "中国人民银行宣布降准0.5个百分点。"),
        _doc(2, "人民币存款利率下调", "多家银行下调人民币存款利率。"),
        _doc(3, "日本股市大涨", "日本股市收涨，央行公开市场操作净投放。"),
        _doc(4, "新能源乘用车销量创新高", "上半年新能源乘用车零售同比增长。"),
    )
    assert _ids(s, "人民银行") == ["c1"]
    assert "c3" not in _ids(s, "日本央行")
    assert _ids(s, "新能源汽车") == ["c4"]
