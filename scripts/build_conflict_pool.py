"""Pool candidate conflicts on the shared corpus, as pairs of values for careful readers.

    python scripts/build_conflict_pool.py [--out tests/data/conflict_pool.jsonl] [--limit 200]

Three methods, pooled before anyone judges (a candidate says which found it):

* ``rules``: every conflict the rules find over the whole corpus at once (``facts.group_facts`` over the
  facts of all 18k documents, copies folded by story) — a superset of what any one theme shows;
* ``shown``: the conflicts ``themeflow figures QUERY`` shows (a theme page's 关键数据, a run digest) for
  the 19 themes of the theme set (``scripts/eval_themes.py``) and the 20 queries of the web load check,
  each over its top ``--limit`` documents: the ones users see;
* ``loose``: pairs the rules keep apart only because their periods differ (same owner key, matching
  metrics, values that disagree, two documents): where a missed true conflict would be;
* ``near`` (``--round 2``): pairs filed under one key whose values disagree and that the rules keep apart
  for one reason other than the period (``facts.comparable.why_not_comparable``: a running measure, no
  year, a part, a forecast, another owner as written, …), up to ``--per-reason`` of each reason drawn by a
  hash: where the rules' own tests would hide a true conflict. Rows carry ``round`` and ``drawn_after``
  (the commit whose rules were frozen), so a round is scored once against the rules it was drawn for.

A conflict of k values gives at most three candidates (neighbouring values, the first citation of each,
from two different documents). Readers judge per ``docs/conflict-labelling.md`` (written before this pool
was drawn); they see the two paragraphs, titles, outlets and times and the key, never the method or the
split. Only ids, spans and keys are stored: the texts stay in ``../shared/data``. A pair the rules showed
only after a change was judged then and carries ``drawn_after`` (the commit).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "bench"))

from eval_search import SHARED, cached_store  # noqa: E402
from eval_themes import THEMES  # noqa: E402

from themeflow.facts import extract_facts  # noqa: E402
from themeflow.facts.comparable import REASONS, why_not_comparable  # noqa: E402
from themeflow.facts.group import (  # noqa: E402
    Conflict,
    ConflictValue,
    cluster_metrics,
    compatible,
    group_facts,
    lined_up,
    side_of,
)
from themeflow.facts.keys import entity_key, metrics_match, period_key  # noqa: E402
from themeflow.model import Document, Fact, Story  # noqa: E402
from themeflow.service import Themeflow  # noqa: E402

POOL = REPO / "tests" / "data" / "conflict_pool.jsonl"
WEB_QUERIES = (
    "AI资本开支", "美联储 降息", "南下资金", "资本开支 算力", "港股 科技", "新能源汽车", "人民币 汇率",
    "房地产 政策", "芯片", "光伏", "央行 降准", "消费 复苏", "黄金 价格", "原油", "银行 净息差",
    "ETF 资金", "券商", "医药 集采", "债券 收益率", "数据中心",
)  # fmt: skip
"""The queries of ``bench/web.py`` (kept here so the pool does not move when the load check does)."""


def _bucket(text: str, salt: str) -> int:
    return int(hashlib.sha1(f"{salt}:{text}".encode()).hexdigest()[:8], 16)


def split_of(candidate_id: str) -> str:
    """``blind`` for 40 % of candidates by a hash of their id, else ``dev``."""
    return "blind" if _bucket(candidate_id, "conflict-split") % 5 < 2 else "dev"


def candidate_id(a: tuple[str, int, str], b: tuple[str, int, str]) -> str:
    """Order-free id of a pair of (document, paragraph, value)."""
    first, second = sorted([a, b])
    raw = "\x00".join(str(x) for x in (*first, *second))
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def _pairs(conflict: Conflict) -> list[tuple[ConflictValue, ConflictValue]]:
    """Up to three pairs of a conflict's values: neighbours by size, so a many-valued key does not flood."""
    values = sorted(conflict.values, key=lambda v: v.normalized_value)
    pairs = list(zip(values, values[1:], strict=False))
    return pairs[:3] if len(values) > 2 else list(combinations(values, 2))


def _add(
    out: dict[str, dict[str, object]], conflict: Conflict, method: str, query: str | None = None
) -> None:
    for va, vb in _pairs(conflict):
        ca = next(iter(va.citations), None)
        cb = next((c for c in vb.citations if ca is None or c.doc_id != ca.doc_id), None)
        if ca is None or cb is None or ca.doc_id == cb.doc_id:
            continue
        a = (ca.doc_id, ca.paragraph, va.value)
        b = (cb.doc_id, cb.paragraph, vb.value)
        cid = candidate_id(a, b)
        row = out.setdefault(
            cid,
            {
                "id": cid,
                "split": split_of(cid),
                "methods": [],
                "queries": [],
                "key": {
                    "entity": conflict.entity,
                    "metric": conflict.metric,
                    "period": conflict.period,
                    "unit": conflict.normalized_unit,
                },
                "a": {"doc": a[0], "paragraph": a[1], "value": a[2], "outlets": list(va.outlets)},
                "b": {"doc": b[0], "paragraph": b[1], "value": b[2], "outlets": list(vb.outlets)},
            },
        )
        if method not in row["methods"]:  # type: ignore[operator]
            row["methods"].append(method)  # type: ignore[union-attr]
        if query and query not in row["queries"]:  # type: ignore[operator]
            row["queries"].append(query)  # type: ignore[union-attr]


def _loose(facts: list[Fact], docs: dict[str, Document], stories: dict[str, Story]) -> list[Conflict]:
    """Pairs the rules keep apart by period alone: same owner key and unit, matching metrics, values that
    disagree, two stories, two different period keys (at least one stated)."""
    buckets: dict[tuple[str, str], list[tuple[Fact, str | None, str]]] = defaultdict(list)
    for f in facts:
        if not f.entity:
            continue
        doc = docs.get(f.citation.doc_id)
        pk = period_key(f.period, doc.published_at if doc else None)
        story = stories.get(f.citation.doc_id)
        buckets[(entity_key(f.entity), f.normalized_unit)].append(
            (f, pk, story.id if story else f.citation.doc_id)
        )
    out: list[Conflict] = []
    for items in buckets.values():
        for (fa, pa, sa), (fb, pb, sb) in combinations(items, 2):
            if sa == sb or pa == pb or (pa is None and pb is None) or not metrics_match(fa.metric, fb.metric):
                continue
            if compatible(fa, fb):
                continue
            values = tuple(
                ConflictValue(f.value, f.unit, f.normalized_value, f.qualifier, (f.citation,), ())
                for f in (fa, fb)
            )
            out.append(Conflict(fa.entity, fa.metric, f"{pa} / {pb}", fa.normalized_unit, values))
    return out


_NEAR_ITEMS = 80
"""Items of one key looked at for near misses (by a hash): a market index's hundred daily readings would
otherwise fill the pool with one kind of pair."""


def _near(
    facts: list[Fact], docs: dict[str, Document], stories: dict[str, Story], per_reason: int
) -> list[tuple[str, Conflict]]:
    """Disagreeing pairs of one key and metric cluster from two stories that ``why_not_comparable`` keeps
    apart for a reason other than the period, at most ``per_reason`` of each reason (by a hash)."""
    found: dict[str, list[tuple[int, Conflict]]] = defaultdict(list)
    for items in lined_up(facts, docs, stories).values():
        if not items[0].fact.entity:
            continue
        items = sorted(items, key=lambda it: _bucket(f"{it.fact.citation}{it.fact.value}", "near-items"))
        for cluster in cluster_metrics(items[:_NEAR_ITEMS]):
            for x, y in combinations(cluster, 2):
                if x.story == y.story or compatible(x.fact, y.fact):
                    continue
                reason = why_not_comparable(side_of(x, docs), side_of(y, docs))
                if reason is None or reason == "period":
                    continue
                values = tuple(
                    ConflictValue(
                        it.fact.value, it.fact.unit, it.fact.normalized_value, it.fact.qualifier,
                        (it.fact.citation,), (it.outlet,) if it.outlet else (),
                    )
                    for it in (x, y)
                )  # fmt: skip
                conflict = Conflict(x.fact.entity, x.fact.metric, x.period, x.fact.normalized_unit, values)
                rank = _bucket(f"{x.fact.citation}{x.fact.value}{y.fact.citation}{y.fact.value}", "near")
                found[reason].append((rank, conflict))
    out: list[tuple[str, Conflict]] = []
    for reason in REASONS:
        drawn = sorted(found.get(reason, []), key=lambda rc: rc[0])[:per_reason]
        print(f"near/{reason}: {len(found.get(reason, []))} pairs, {len(drawn)} drawn", file=sys.stderr)
        out.extend((reason, c) for _, c in drawn)
    return out


def pool_round2(tf: Themeflow, per_reason: int, drawn_after: str, known: set[str]) -> list[dict[str, object]]:
    """Round 2: near misses of the rules frozen at ``drawn_after``, minus the pairs already judged."""
    docs = {d.id: d for d in tf.store.iter_documents()}
    facts = [f for d in docs.values() for f in extract_facts(d)]
    stories = tf.store.stories_for(list(docs))
    out: dict[str, dict[str, object]] = {}
    for reason, conflict in _near(facts, docs, stories, per_reason):
        before = set(out)
        _add(out, conflict, "near")
        for cid in set(out) - before:
            out[cid]["reason"] = reason
    rows = [r for cid, r in out.items() if cid not in known]
    for r in rows:
        r["round"] = 2
        r["drawn_after"] = drawn_after
    return sorted(rows, key=lambda r: str(r["id"]))


def pool(tf: Themeflow, queries: list[str], limit: int, loose_max: int) -> list[dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    docs = {d.id: d for d in tf.store.iter_documents()}
    facts = [f for d in docs.values() for f in extract_facts(d)]
    stories = tf.store.stories_for(list(docs))
    corpus = group_facts(facts, docs, stories)
    for conflict in corpus.conflicts:
        _add(out, conflict, "rules")
    print(
        f"rules over {len(docs)} documents: {len(corpus.conflicts)} conflicts, pool {len(out)}",
        file=sys.stderr,
    )
    loose = sorted(
        _loose(facts, docs, stories), key=lambda c: _bucket(repr([v.citations for v in c.values]), "loose")
    )
    before = len(out)
    for conflict in loose:
        if len(out) - before >= loose_max:
            break
        _add(out, conflict, "loose")
    print(f"loose: {len(loose)} pairs, {len(out) - before} drawn, pool {len(out)}", file=sys.stderr)
    for query in queries:
        figures = tf.figures(query, limit=limit)
        for conflict in figures.conflicts:
            _add(out, conflict, "shown", query)
        print(f"{query}: {len(figures.conflicts)} conflicts, pool {len(out)}", file=sys.stderr)
    return sorted(out.values(), key=lambda r: str(r["id"]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=POOL)
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--loose", type=int, default=80, help="loose pairs drawn (by a hash, not by size)")
    ap.add_argument("--round", type=int, default=1, choices=(1, 2), help="2: append near misses")
    ap.add_argument("--per-reason", type=int, default=14, help="round 2: near misses drawn per reason")
    ap.add_argument("--drawn-after", default="", help="round 2: the commit whose rules were frozen")
    args = ap.parse_args()
    if not (SHARED / "news.jsonl").exists():
        print(f"needs the shared corpus at {SHARED}", file=sys.stderr)
        return 2
    store = cached_store(SHARED / "news.jsonl", "full", set())
    store_path = store.path
    store.close()
    if args.round == 2:
        if not args.drawn_after:
            print("--round 2 needs --drawn-after COMMIT (the rules the round is drawn for)", file=sys.stderr)
            return 2
        existing = [json.loads(x) for x in args.out.read_text(encoding="utf-8").splitlines() if x.strip()]
        with Themeflow.open(store_path, read_only=True) as tf:
            new = pool_round2(tf, args.per_reason, args.drawn_after, {str(r["id"]) for r in existing})
        rows = sorted([*existing, *new], key=lambda r: str(r["id"]))
        print(f"round 2: {len(new)} new candidates", file=sys.stderr)
    else:
        with Themeflow.open(store_path, read_only=True) as tf:
            rows = pool(tf, [*THEMES, *WEB_QUERIES], args.limit, args.loose)
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} candidates -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
