"""Concept tags against the pooled, graded theme set (tests/data/themes/): is a 主题 tag an article the
analyst wants on the concept's page, and how many of those does the page keep?

    python scripts/eval_tags.py --db STORE [--split dev|blind|blind2] [--central 0 0.25 0.4] [--json]
                                [--second-reading]

For each theme of the split, the theme's name is tagged as a concept (the search a page runs) over the
whole store, once per centrality threshold (0 = search's own 主题/提及 only). Over the *judged* documents:
precision of 主题 tags (grade >= 1, and grade 2), recall of judged relevant documents among 主题 tags, and
the newest-first top 20 of the page: judged, relevant among judged. ``STORE`` is an ingested copy of the
shared corpus (``scripts/eval_themes.py`` builds one). The blind splits are scored once per change.

``--second-reading`` replaces the grades of the dev pages' documents by their adjudicated grades
(``second_reading.jsonl``: every document of the newest 20 of each dev page, read again blind, and a third to
fifth reader wherever two readers disagreed on relevance; see the guide's last section).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

from themeflow.service import Themeflow
from themeflow.tags.tagger import search_tags
from themeflow.tags.vocabulary import TagConcept

REPO = Path(__file__).resolve().parents[1]
QRELS = REPO / "tests" / "data" / "themes" / "qrels.jsonl"
SECOND_READING = QRELS.with_name("second_reading.jsonl")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--split", default="dev")
    ap.add_argument("--central", type=float, nargs="+", default=[0.0, 0.25, 0.4])
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--second-reading", action="store_true", help="use the adjudicated grades of the dev pages"
    )
    args = ap.parse_args()
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    for line in QRELS.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["split"] == args.split:
            grades[row["theme"]][row["doc"]] = int(row["grade"])
    if args.second_reading:
        for line in SECOND_READING.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["theme"] in grades:
                grades[row["theme"]][row["doc"]] = int(row["grade"])
    if not grades:
        sys.exit(f"no judged theme in split {args.split!r}")
    tf = Themeflow.open(args.db, read_only=True)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for theme, judged in sorted(grades.items()):
        concept = TagConcept(name=theme, kind="lexicon", queries=(theme,))
        for central in args.central:
            tags = search_tags(tf.search, concept, None, 0.0, central)
            about = [t for t in tags if t.aboutness == "主题"]
            ids = {t.doc_id for t in about}
            rel = {d for d, g in judged.items() if g >= 1}
            rel2 = {d for d, g in judged.items() if g == 2}
            top = sorted(about, key=lambda t: (t.published_at is not None, t.published_at), reverse=True)[:20]
            top_judged = [judged[t.doc_id] for t in top if t.doc_id in judged]
            hit = [judged[d] for d in ids if d in judged]
            out.setdefault(theme, {})[f"{central:g}"] = {
                "about": len(about),
                "judged": len(hit),
                "precision": sum(g >= 1 for g in hit) / len(hit) if hit else 0.0,
                "precision2": sum(g == 2 for g in hit) / len(hit) if hit else 0.0,
                "recall": len(ids & rel) / len(rel) if rel else 0.0,
                "recall2": len(ids & rel2) / len(rel2) if rel2 else 0.0,
                "top20_judged": len(top_judged),
                "top20_relevant": sum(g >= 1 for g in top_judged),
                "top20_about": sum(g == 2 for g in top_judged),
            }
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for central in args.central:
        key = f"{central:g}"
        rows = [v[key] for v in out.values()]
        mean = {
            k: sum(r[k] for r in rows) / len(rows) for k in ("precision", "precision2", "recall", "recall2")
        }
        tj = sum(r["top20_judged"] for r in rows)
        tr = sum(r["top20_relevant"] for r in rows)
        ta = sum(r["top20_about"] for r in rows)
        print(
            f"central >= {key}: precision {mean['precision']:.3f} (grade 2: {mean['precision2']:.3f})"
            f" recall {mean['recall']:.3f} (grade 2: {mean['recall2']:.3f})"
            f" · newest 20: {tr}/{tj} judged relevant, {ta} about"
        )
        for theme, v in out.items():
            r = v[key]
            print(
                f"   {theme:<10} about {r['about']:>5}  P {r['precision']:.2f}  P2 {r['precision2']:.2f}"
                f"  R {r['recall']:.2f}  R2 {r['recall2']:.2f}"
                f"  top20 {r['top20_relevant']}/{r['top20_judged']} ({r['top20_about']} about)"
            )


if __name__ == "__main__":
    main()
