"""The single-pass search plan (FTS5 rowid+bm25, then cached numpy columns) against the plans it replaces.

Without folding it must match the SQL plan (``_counts`` + ``_page``); folding copies into stories it must
match the Python plan (``_all_rows`` + ``_rank_fold``): same total, same per-source counts and the same
page — scores, shown copy, story ids and copies included. The cached columns must follow writes made on
the same connection, another thread's, or another process's.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SHARED_DATA
from themeflow.model import Document, SearchPage
from themeflow.search.aboutness import MENTION_FACTOR
from themeflow.search.concept import BOOST_WEIGHT, PARTS_WEIGHT, Clause, Concept, expand_query
from themeflow.search.query import ParsedQuery, parse_query
from themeflow.search.ranking import Candidate
from themeflow.search.request import SearchRequest
from themeflow.store.sqlite import SQLiteStore
from themeflow.store.sqlite import search as backend
from themeflow.store.sqlite.fts import bm25_sql
from themeflow.store.sqlite.match import compile_exclusions, compile_match, surface_expr
from themeflow.store.sqlite.mentions import concept_mentions
from themeflow.store.sqlite.scans import scan

BJ = timezone(timedelta(hours=8))
SOURCES = ("华尔街见闻", "东方财富网", "财联社", None)
TOPICS = ("美联储降息预期升温", "资本开支与算力需求", "光伏产能出清", "南下资金流入港股通", "英伟达芯片出口")


def _docs(n: int) -> list[Document]:
    out = []
    for k in range(n):
        a, b = TOPICS[k % len(TOPICS)], TOPICS[(k * 3 + 1) % len(TOPICS)]
        out.append(
            Document(
                id=f"d{k}",
                title=a if k % 4 else f"{a}，{b}",
                paragraphs=(f"第{k}篇。{b}。", f"{a}，市场关注{b}。" * (1 + k % 3)),
                source=SOURCES[k % len(SOURCES)],
                # Every seventh document shares a time with its neighbour (ties), every ninth has none.
                published_at=None if k % 9 == 0 else datetime(2025, 1 + k % 12, 1 + (k // 7) % 27, tzinfo=BJ),
            )
        )
    return out


@pytest.fixture()
def store(tmp_path: Path) -> SQLiteStore:
    s = SQLiteStore(tmp_path / "fast.db")
    s.upsert_documents(_docs(120))
    yield s  # type: ignore[misc]
    s.close()


def _sql_plan(store: SQLiteStore, req: SearchRequest) -> tuple[int, dict[str, int], list[tuple[str, float]]]:
    q = parse_query(req.query)
    where, params = backend._filters(store.conn, q, req)
    assert where is not None
    frm = "doc_fts JOIN documents d ON d.rowid = doc_fts.rowid"
    sql_where = " AND ".join(["doc_fts MATCH ?", *where])
    params = [compile_match(q), *params]
    counts = backend._counts(store.conn, frm, sql_where, params)
    page = backend._page(store.conn, frm, sql_where, params, req, req.sort == "relevance", scored=True)
    return sum(counts.values()), counts, [(r.id, r.score) for r in page]


def _fast_plan(store: SQLiteStore, req: SearchRequest) -> tuple[int, dict[str, int], list[tuple[str, float]]]:
    q = parse_query(req.query)
    match = compile_match(q)
    assert match is not None
    page, total, counts, _ = backend._single_pass(store, scan(store, match), q, req, req.sort == "relevance")
    return total, counts, [(r.id, r.score) for r in page]


@pytest.mark.parametrize(
    "query", ["降息", "资本开支 算力", "美联储 OR 光伏", "港股通 -英伟达", '"产能出清"', "title:芯片"]
)
@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"sort": "time"},
        {"offset": 5, "limit": 7},
        {"sort": "time", "offset": 30, "limit": 50},
        {"since": datetime(2025, 6, 1), "until": datetime(2025, 9, 30)},
        {"sources": ("东方财富",), "sort": "time"},
        {"limit": 0},
        {"offset": 500},
    ],
)
def test_single_pass_equals_the_sql_plan(store: SQLiteStore, query: str, extra: dict[str, object]) -> None:
    req = SearchRequest(query=query, strict=True, **extra)  # type: ignore[arg-type]
    assert _fast_plan(store, req) == _sql_plan(store, req)


def _no_fold(query: str, **kw: object) -> SearchRequest:
    """collapse=False: the fixture's look-alike documents form stories, which take the folding plan."""
    return SearchRequest(query=query, collapse=False, **kw)  # type: ignore[arg-type]


def test_columns_follow_writes_on_the_same_connection(store: SQLiteStore) -> None:
    first = store.search(_no_fold("稀土"))
    assert first.total == 0
    store.upsert_documents(
        [Document(id="new", title="稀土出口管制", paragraphs=("稀土。",), source="新来源")]
    )
    page = store.search(_no_fold("稀土"))
    assert [h.document.id for h in page.hits] == ["new"]
    assert page.per_source == {"新来源": 1}


def test_columns_follow_metadata_updates(store: SQLiteStore) -> None:
    doc = Document(id="late", title="稀土出口管制", paragraphs=("稀土。",))
    store.upsert_documents([doc])
    assert store.search(_no_fold("稀土")).per_source == {"(unknown)": 1}
    when = datetime(2025, 12, 1, tzinfo=BJ)
    store.upsert_documents([replace(doc, source="财联社", published_at=when, time_origin="document")])
    page = store.search(_no_fold("稀土", since=datetime(2025, 11, 30)))
    assert page.per_source == {"财联社": 1}


def test_columns_follow_writes_from_other_connections(tmp_path: Path, store: SQLiteStore) -> None:
    assert store.search(_no_fold("稀土")).total == 0
    other = SQLiteStore(store.path)  # another process, as far as SQLite can tell
    other.upsert_documents([Document(id="x1", title="稀土", paragraphs=("稀土。",), source="财联社")])
    other.close()
    assert store.search(_no_fold("稀土")).total == 1

    def write() -> None:
        store.upsert_documents([Document(id="x2", title="稀土", paragraphs=("稀土。",), source="财联社")])

    t = threading.Thread(target=write)  # another thread writes on its own connection
    t.start()
    t.join()
    assert store.search(_no_fold("稀土")).per_source == {"财联社": 2}


# --------------------------------------------------------------------------- folding copies into stories

STORY_TEXT = (
    (
        "美联储议息会议释放降息信号",
        "美联储主席在议息会议后的记者会上表示，通胀回落的趋势已经确立，劳动力市场逐步降温，委员会认为年内开启"
        "降息的条件正在成熟。市场随即上调了降息预期，美债收益率全线下行，美元指数走弱，黄金价格刷新阶段高点。"
        "分析人士指出，政策转向的节奏仍取决于后续的就业与物价数据。",
    ),
    (
        "光伏行业加速产能出清",
        "多家光伏组件企业宣布减产检修，硅料价格连续数周下跌，行业库存压力依然较大。业内人士认为，产能出清将是"
        "一个漫长的过程，落后产能退出之后龙头企业的市场份额有望提升。地方政府也在收紧新增项目的审批，行业协会"
        "呼吁企业避免低价恶性竞争，降息环境有助于缓解企业财务压力。",
    ),
    (
        "南下资金持续流入港股通",
        "本周南下资金通过港股通净买入港股，互联网龙头和高股息银行股获得集中增持。有券商策略团队认为，港股估值"
        "处于历史低位，叠加海外降息周期开启，外资回流的可能性上升。不过也有观点提醒，港股流动性仍受汇率波动"
        "影响，短期内或维持震荡格局。",
    ),
    (
        "算力需求推动资本开支上行",
        "海外云计算巨头在财报中再次上调资本开支指引，主要投向数据中心和算力基础设施。产业链人士表示，高端芯片"
        "和光模块订单饱满，交付周期仍在拉长。市场担心投资回报周期过长，但管理层强调人工智能应用的商业化正在"
        "加速，降息预期也降低了融资成本。",
    ),
)


def _story_docs() -> list[Document]:
    """Four stories, copies from several outlets: ``s{j}c`` the canonical (earliest) copy; ``s{j}a`` three hours
    later with an extra paragraph, so it outranks the canonical for 降息; ``s{j}b`` a day later; ``s{j}n``
    (even j) with no outlet and no time."""
    out = []
    for j, (title, body) in enumerate(STORY_TEXT):
        day = datetime(2025, 3, 1 + j, 9, tzinfo=BJ)
        extra = "降息降息，再谈降息。"
        out += [
            Document(id=f"s{j}c", title=title, paragraphs=(body,), source="财联社", published_at=day),
            Document(
                id=f"s{j}a",
                title=f"{title}（附解读）",
                paragraphs=(body, extra),
                source="华尔街见闻",
                published_at=day + timedelta(hours=3),
            ),
            Document(
                id=f"s{j}b",
                title=title,
                paragraphs=(body,),
                source="东方财富网",
                published_at=day + timedelta(days=1),
            ),
        ]
        if j % 2 == 0:
            out.append(Document(id=f"s{j}n", title=title, paragraphs=(body,), source=None, published_at=None))
    return out


@pytest.fixture()
def story_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "stories.db")
    s.upsert_documents([*_docs(120), *_story_docs()])
    yield s
    s.close()


Page = tuple[int, dict[str, int], list[tuple[object, ...]], int]


def _page_key(page: SearchPage) -> Page:
    return (
        page.total,
        dict(page.per_source),
        [(h.document.id, h.score, h.story_id, h.copies, h.partial) for h in page.hits],
        page.partial,
    )


def _python_plan(store: SQLiteStore, req: SearchRequest) -> Page:
    """The reference: every match fetched, ranked and folded in Python, copies from ``stories_for`` of all."""
    q = parse_query(req.query)
    where, params = backend._filters(store.conn, q, req)
    if where is None:
        return 0, {}, []
    frm = "doc_fts JOIN documents d ON d.rowid = doc_fts.rowid"
    sql_where = " AND ".join(["doc_fts MATCH ?", *where])
    rows = backend._all_rows(store.conn, frm, sql_where, [compile_match(q), *params], scored=True)
    ranked = req.sort == "relevance"
    page, total, counts, stories = backend._rank_fold(store, rows, req, ranked, True)
    return _page_key(backend._result(store, q, req, page, total, counts, stories))


def _scores(store: SQLiteStore, expr: str | None) -> dict[int, float]:
    if expr is None:
        return {}
    sql = f"SELECT rowid, {bm25_sql()} FROM doc_fts WHERE doc_fts MATCH ?"
    return {int(r): float(b) for r, b in store.conn.execute(sql, (expr,))}


def _clause_scores(store: SQLiteStore, clause: Clause, loose: bool = False) -> dict[int, float]:
    """A clause the obvious way: each form's matches, weighted; where enough parts match (any one when
    ``loose``), their sum over the number of parts; the best score per document."""
    best: dict[int, float] = {}
    alternatives = [
        {r: b * s.weight for r, b in _scores(store, surface_expr(s)).items()} for s in clause.whole
    ]
    if clause.parts:
        parts = [_clause_scores(store, p, loose) for p in clause.parts]
        need = 1 if loose else clause.parts_minimum
        enough = {r for r in set().union(*parts) if sum(r in p for p in parts) >= need}
        alternatives.append(
            {r: sum(p[r] for p in parts if r in p) * (PARTS_WEIGHT / len(parts)) for r in enough}
        )
    for alt in alternatives:
        for r, b in alt.items():
            best[r] = min(best.get(r, float("inf")), b)
    return best


def _python_concept_scores(
    store: SQLiteStore, concept: Concept, rest: ParsedQuery, loose: bool
) -> dict[int, float]:
    """Every matching document's score the obvious way (``loose``: any clause, any part, for the partial
    tier): the minimum-should-match, coordination, modifiers, required clauses and exclusions."""
    clauses = [_clause_scores(store, c, loose) for c in concept.clauses]
    boosts = [_clause_scores(store, b) for b in concept.boosts()]
    musts = compile_match(ParsedQuery(raw=rest.raw, groups=rest.groups))
    required = _scores(store, musts) if musts else None
    excluded = set(_scores(store, compile_exclusions(rest.excluded))) if rest.excluded else set()
    score: dict[int, float] = {}
    for rowid in set().union(*clauses):
        hits = [c[rowid] for c in clauses if rowid in c]
        if (
            len(hits) < (1 if loose else concept.minimum)
            or rowid in excluded
            or (required is not None and rowid not in required)
        ):
            continue
        total = 0.0  # accumulated in the fast path's order, so the same doubles come out
        for clause in clauses:
            total += clause.get(rowid, 0.0)
        for boost in boosts:
            total += BOOST_WEIGHT * boost[rowid] if rowid in boost else 0.0
        total += 1.0 * required[rowid] if required is not None else 0.0
        score[rowid] = total * (len(hits) / len(clauses))
    return score


def _python_concept_plan(store: SQLiteStore, req: SearchRequest) -> Page:
    """The reference for bare-term queries, written the slow, obvious way: every clause's matches as a
    dict, then (relevance order) the partial matches after them, the filters in SQL, then the Python
    ranking and folding of every other query."""
    q = parse_query(req.query)
    concept, rest = expand_query(q)
    assert concept is not None
    ranked = req.sort == "relevance"
    score = _python_concept_scores(store, concept, rest, loose=False)
    partial: dict[int, float] = {}
    if ranked:
        loose = _python_concept_scores(store, concept, rest, loose=True)
        partial = {r: v for r, v in loose.items() if r not in score}
    where, params = backend._filters(store.conn, q, req)
    if where is None or not (score or partial):
        return 0, {}, [], 0
    ordered = sorted(score)
    mentions = concept_mentions(store, np.array(ordered, dtype=np.int64), concept)
    mention = {r: bool(m) for r, m in zip(ordered, mentions, strict=True)}
    every = {**score, **partial}
    marks = ",".join("?" * len(every))
    sql = f"SELECT d.rowid, d.id, d.source, d.published_ts FROM documents d WHERE d.rowid IN ({marks})"
    sql += "".join(f" AND {w}" for w in where)
    found = list(store.conn.execute(sql, [*every, *params]))

    def candidates() -> list[Candidate]:
        rows = []
        for r in found:
            rowid = int(r[0])
            if rowid in partial:
                rows.append(Candidate(rowid, r[1], r[2], r[3], -partial[rowid], "主题", True))
                continue
            scaled = score[rowid] * MENTION_FACTOR if ranked and mention[rowid] else score[rowid]
            rows.append(Candidate(rowid, r[1], r[2], r[3], -scaled, "提及" if mention[rowid] else "主题"))
        return rows

    folds = backend._has_stories(store.conn)
    page, total, counts, stories = backend._rank_fold(store, candidates(), req, ranked, folds)
    every_row, *_ = backend._rank_fold(store, candidates(), replace(req, offset=0, limit=1000), ranked, folds)
    shown = ParsedQuery(raw=q.raw, groups=tuple((t,) for t in concept.terms()) + rest.groups)
    result = replace(
        backend._result(store, shown, req, page, total, counts, stories),
        partial=sum(r.partial for r in every_row),
    )
    return _page_key(result)


CONCEPT_QUERIES = [
    "降息",
    "港股 降息",
    "美联储降息",
    "资本开支 算力 港股",
    "降息 -光伏",
    '港股 "产能出清"',
    "AI资本开支周期",
]


@pytest.mark.parametrize("query", CONCEPT_QUERIES)
@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"sort": "time"},
        {"offset": 2, "limit": 3},
        {"recency_boost": True},
        {"sources": ("华尔街见闻",)},
        {"since": datetime(2025, 3, 1, 12)},
    ],
)
def test_concept_single_pass_equals_the_python_plan(
    story_store: SQLiteStore, query: str, extra: dict[str, object]
) -> None:
    req = SearchRequest(query=query, **extra)  # type: ignore[arg-type]
    assert _page_key(story_store.search(req)) == _python_concept_plan(story_store, req)


ROUNDUP_ITEMS = (
    "央行今日开展逆回购操作。",
    "多家银行下调存款利率。",
    "A股三大指数集体收涨。",
    "原油价格小幅回落。",
    "人民币中间价调升。",
    "多家券商发布四季度策略。",
    "港股科技股走强。",
)


def _roundup_docs() -> list[Document]:
    """Forty morning roundups that mention 储能 in one item (提及), every fourth one leading with it (主题),
    every third one also posted by a second outlet (a story of two copies), among twelve articles about
    储能 and the 120 others; times interleave so roundups reach every page in either order."""
    out: list[Document] = []
    for i in range(40):
        day = datetime(2025, 6, 1, 7, tzinfo=BJ) + timedelta(hours=5 * i)
        items = [f"{k + 1}、{t}" for k, t in enumerate(ROUNDUP_ITEMS)]
        if i % 4 == 0:
            items = ["1、储能装机大增，储能成为电力系统主角。", "2、储能电站密集并网。", *items[2:]]
        else:
            items.insert(i % 6 + 1, f"{i % 6 + 2}、国家能源局：新型储能装机第{i}周增长。")
        body = tuple(items)
        title = f"财经早报：储能专题第{i}期" if i % 4 == 0 else f"财经早报：第{i}期要闻一览"
        out.append(Document(id=f"r{i}", title=title, paragraphs=body, source="财联社", published_at=day))
        if i % 3 == 0:
            out.append(
                Document(
                    id=f"r{i}x",
                    title=title,
                    paragraphs=body,
                    source="东方财富网",
                    published_at=day + timedelta(hours=1),
                )
            )
    for j in range(12):
        day = datetime(2025, 6, 1, 9, tzinfo=BJ) + timedelta(hours=17 * j)
        out.append(
            Document(
                id=f"a{j}",
                title=f"储能电站第{j}批并网",
                paragraphs=(f"储能电站第{j}批今日并网发电。", "储能需求旺盛。"),
                source="证券时报",
                published_at=day,
            )
        )
    return out


@pytest.fixture()
def roundup_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "roundups.db")
    s.upsert_documents([*_docs(120), *_roundup_docs()])
    yield s
    s.close()


def _count_reads(monkeypatch: pytest.MonkeyPatch, *, read_all_under: int) -> list[int]:
    """The rowids the 提及 reading is asked for, with roundups read all at once up to ``read_all_under``."""
    from themeflow.store import plan

    monkeypatch.setattr(plan, "READ_ALL_UNDER", read_all_under)
    read: list[int] = []
    mentions = backend.SQLiteSearch.mentions

    def counting(self: backend.SQLiteSearch, rowids: np.ndarray, concept: Concept) -> np.ndarray:
        read.extend(int(r) for r in rowids)
        return mentions(self, rowids, concept)

    monkeypatch.setattr(backend.SQLiteSearch, "mentions", counting)
    return read


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"sort": "time"},
        {"limit": 5},
        {"sort": "time", "limit": 5},
        {"offset": 7, "limit": 6},
        {"sort": "time", "offset": 11, "limit": 4},
        {"sources": ("财联社",), "limit": 6},
        {"sources": ("财联社",), "sort": "time", "limit": 3},
        {"recency_boost": True, "limit": 6},
        {"since": datetime(2025, 6, 4, tzinfo=BJ), "sort": "time"},
        {"offset": 200},
    ],
)
def test_roundups_read_as_needed_give_the_page_of_reading_them_all(
    roundup_store: SQLiteStore, monkeypatch: pytest.MonkeyPatch, extra: dict[str, object]
) -> None:
    """A concept query reads only the roundups that reach its page (``plan._read_as_needed``), yet its
    page is the one reading every roundup gives: 提及 moves a roundup back, a story's copies read together."""
    read = _count_reads(monkeypatch, read_all_under=0)
    req = SearchRequest(query="储能", **{"limit": 10, **extra})  # type: ignore[arg-type]
    assert _page_key(roundup_store.search(req)) == _python_concept_plan(roundup_store, req)
    assert len(set(read)) == len(read)  # no roundup read twice


def test_a_page_reads_only_the_roundups_that_reach_it(
    roundup_store: SQLiteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """54 roundup rows match 储能 (40 roundups, 14 copies). Newest first, the first five 主题 are found
    after reading those newer than the fifth; by relevance the articles fill the page and none is read."""
    read = _count_reads(monkeypatch, read_all_under=0)
    roundup_store.search(SearchRequest(query="储能", sort="time", limit=5))
    assert 0 < len(read) < 40  # the roundups newer than the fifth 主题, and their copies
    read.clear()
    roundup_store.search(SearchRequest(query="储能", limit=10))
    assert read == []
    read = _count_reads(monkeypatch, read_all_under=1000)
    roundup_store.search(SearchRequest(query="储能", limit=10))
    assert len(read) == 54  # a few roundups in all are read at once


FOLD_QUERIES = ["降息", "港股 降息", "美联储 OR 光伏", "降息 -光伏", '"产能出清"', "title:资本开支", "算力"]
FOLD_EXTRAS: list[dict[str, object]] = [
    {},
    {"sort": "time"},
    {"offset": 2, "limit": 3},
    {"sort": "time", "offset": 3, "limit": 4},
    {"offset": 10, "limit": 100},
    {"sources": ("华尔街见闻",)},  # excludes every canonical copy
    {"sources": ("东方财富", "华尔街见闻"), "sort": "time"},
    {"since": datetime(2025, 3, 1, 12), "until": datetime(2025, 3, 3, 23)},  # excludes some canonicals
    {"limit": 0},
    {"offset": 500},
]


@pytest.mark.parametrize("query", FOLD_QUERIES)
@pytest.mark.parametrize("extra", FOLD_EXTRAS)
def test_folding_single_pass_equals_the_python_plan(
    story_store: SQLiteStore, query: str, extra: dict[str, object]
) -> None:
    req = SearchRequest(query=query, strict=True, **extra)  # type: ignore[arg-type]
    assert backend._has_stories(story_store.conn)
    assert _page_key(story_store.search(req)) == _python_plan(story_store, req)


def test_the_canonical_copy_is_shown_at_its_storys_best_rank(story_store: SQLiteStore) -> None:
    loose = {h.document.id: h.score for h in story_store.search(_no_fold("降息", limit=100)).hits}
    assert loose["s0a"] > loose["s0c"]  # the premise: a copy outranks the canonical one
    page = story_store.search(SearchRequest(query="降息", limit=100))
    by_id = {h.document.id: h for h in page.hits}
    assert not {"s0a", "s0b", "s0n"} & set(by_id)
    hit = by_id["s0c"]
    assert hit.score == loose["s0a"]
    assert [c.id for c in hit.copies] == ["s0a", "s0b", "s0n"]
    assert hit.story_id is not None
    ids = [h.document.id for h in page.hits]
    assert ids.index("s0c") < ids.index("s2c") < ids.index("s3c") < ids.index("s1c")
    story_of = story_store.stories_for(list(loose))
    assert page.total == len({story_of[d].id if d in story_of else d for d in loose}) < len(loose)


def test_a_filter_that_excludes_the_canonical_shows_the_best_matching_copy(story_store: SQLiteStore) -> None:
    page = story_store.search(SearchRequest(query="降息", sources=("东方财富",), sort="time"))
    story_hits = [h for h in page.hits if h.document.id.startswith("s")]
    assert [h.document.id for h in story_hits] == ["s3b", "s2b", "s1b", "s0b"]
    assert [c.id for c in story_hits[-1].copies] == ["s0c", "s0a", "s0n"]  # the canonical first
    assert set(page.per_source) == {"东方财富网"}


def test_story_columns_follow_writes(story_store: SQLiteStore) -> None:
    req = SearchRequest(query="外资回流", sort="time")
    assert [h.document.id for h in story_store.search(req).hits] == ["s2c"]
    title, body = STORY_TEXT[2]
    earlier = Document(
        id="s2e",
        title=title,
        paragraphs=(body,),
        source="新来源",
        published_at=datetime(2025, 2, 1, tzinfo=BJ),
    )
    story_store.upsert_documents([earlier])  # joins story 2 and becomes its canonical copy
    page = story_store.search(req)
    assert [h.document.id for h in page.hits] == ["s2e"]
    assert page.per_source == {"新来源": 1}
    assert _page_key(page) == _python_plan(story_store, req)
    other = SQLiteStore(story_store.path)  # another connection rewrites it: it leaves the story
    other.upsert_documents([Document(id="s2e", title="稀土出口管制", paragraphs=("稀土出口管制细则公布。",))])
    other.close()
    page = story_store.search(req)
    assert [h.document.id for h in page.hits] == ["s2c"]
    assert _page_key(page) == _python_plan(story_store, req)


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteStore]:
    """A real store over part of the shared corpus: every record whose title another record shares (the
    copies), and as many more that stand alone."""
    path = SHARED_DATA / "news.jsonl"
    if not path.exists():
        pytest.skip(f"needs the shared corpus at {path}")
    from themeflow.ingest import read_targets

    docs = [d for d in read_targets([str(path)]) if isinstance(d, Document)]
    by_title: dict[str, list[Document]] = defaultdict(list)
    for d in docs:
        by_title[d.title].append(d)
    copies = [d for group in by_title.values() if len(group) > 1 for d in group]
    alone = [group[0] for group in by_title.values() if len(group) == 1][: len(copies)]
    s = SQLiteStore(tmp_path_factory.mktemp("shared") / "shared.db")
    s.upsert_documents([*copies, *alone])
    yield s
    s.close()


SHARED_QUERIES = ["美联储 降息", "港股 科技", "芯片", "光伏", "人民币 汇率", "银行 净息差", "ETF 资金", "原油"]  # fmt: skip


@pytest.mark.shared
@pytest.mark.parametrize("query", SHARED_QUERIES)
def test_folding_on_the_shared_corpus_equals_the_python_plan(shared_store: SQLiteStore, query: str) -> None:
    multi = shared_store.conn.execute("SELECT count(*) FROM stories WHERE size > 1").fetchone()[0]
    assert multi > 50
    for extra in FOLD_EXTRAS[:8]:
        for limit in (20, 200):
            req = SearchRequest(query=query, strict=True, **{"limit": limit, **extra})  # type: ignore[arg-type]
            assert _page_key(shared_store.search(req)) == _python_plan(shared_store, req), (query, extra)
            concept = SearchRequest(query=query, **{"limit": limit, **extra})  # type: ignore[arg-type]
            assert _page_key(shared_store.search(concept)) == _python_concept_plan(shared_store, concept)


@pytest.mark.shared
@pytest.mark.parametrize("query", SHARED_QUERIES[:4])
def test_roundups_read_as_needed_on_the_shared_corpus(
    shared_store: SQLiteStore, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    """The page of reading roundups only as they reach it is the page of reading them all, on real
    roundups, live blogs and their copies."""
    read = _count_reads(monkeypatch, read_all_under=0)
    for extra in FOLD_EXTRAS[:8]:
        req = SearchRequest(query=query, **extra)  # type: ignore[arg-type]
        assert _page_key(shared_store.search(req)) == _python_concept_plan(shared_store, req), (query, extra)
    assert read  # roundups were read, as needed
