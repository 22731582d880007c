"""Section titles of summaries, judged by careful readers (tests/data/titles/): pool, then score.

    python scripts/eval_titles.py pool --out /tmp/titles-pool.jsonl [--split all|dev|blind10…]
    python scripts/eval_titles.py score [--split all|blind10…] [--json]

The articles are those of the faithfulness set (``eval_faithfulness.set_articles``), split the same way;
``all`` leaves out its sealed parts. ``pool`` summarizes every article with the current code and writes each
section whose title is not judged yet, with its bullets: run it with the code before and after a change and
hand judges the two files merged and shuffled (``GUIDE.md``). ``score`` summarizes again and reports, over
the articles whose every section title is judged, the share of titles labelled good, vague, broken and
mismatched. Titles are keyed by the article, the title and the bullets under it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

import eval_faithfulness as ef

from themeflow.model import Section

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "tests" / "data" / "titles" / "labels.jsonl"
LABEL_NAMES = ("good", "vague", "broken", "mismatched")


def title_key(doc_id: str, section: Section) -> str:
    raw = "\x00".join([doc_id, section.title, *(b.text for b in section.bullets)])
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def load_labels(path: Path = LABELS) -> dict[str, dict[str, object]]:
    if not path.exists():
        return {}
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {str(r["key"]): r for r in rows}


def pool(args: argparse.Namespace) -> None:
    labels = load_labels()
    n = 0
    with Path(args.out).open("w", encoding="utf-8") as out:
        for doc, summary in ef.summaries(ef.articles_in(args.split)):
            for section in summary.sections:
                key = title_key(doc.id, section)
                if key in labels:
                    continue
                row = {
                    "key": key,
                    "doc": doc.id,
                    "split": ef.split_of(doc.id),
                    "article_title": doc.title,
                    "title": section.title,
                    "bullets": [b.text for b in section.bullets],
                }
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
    print(f"{n} unjudged titles -> {args.out}", file=sys.stderr)


def report(split: str) -> dict[str, object]:
    labels = load_labels()
    tally: Counter[str] = Counter()
    articles = partial = 0
    for doc, summary in ef.summaries(ef.articles_in(split)):
        found = [labels.get(title_key(doc.id, s)) for s in summary.sections]
        if any(f is None for f in found):
            partial += 1
            continue
        articles += 1
        tally.update(str(f["label"]) for f in found if f is not None)
    judged = sum(tally.values())
    return {
        "articles": articles,
        "articles_not_fully_judged": partial,
        "titles": judged,
        **{name: tally[name] for name in LABEL_NAMES},
        "good_share": tally["good"] / judged if judged else 0.0,
    }


def score(args: argparse.Namespace) -> None:
    print(json.dumps(report(args.split), ensure_ascii=False, indent=None if args.json else 2))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    choices = ("all", "dev", "blind", *ef.LATER_PARTS)
    p = sub.add_parser("pool")
    p.add_argument("--out", required=True)
    p.add_argument("--split", default="all", choices=choices)
    p.set_defaults(func=pool)
    s = sub.add_parser("score")
    s.add_argument("--split", default="all", choices=choices)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=score)
    args = parser.parse_args()
    if not (ef.SHARED / "news.jsonl").exists():
        sys.exit(f"needs the shared corpus at {ef.SHARED} (the articles the titles are judged on)")
    args.func(args)


if __name__ == "__main__":
    main()
