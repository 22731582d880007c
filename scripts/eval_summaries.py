"""Summary quality on the shared corpus: citation validity, figure fidelity, verification, shape.

Usage::

    python scripts/eval_summaries.py                     # 60 articles (48 fr- + 12 crud-), 5 side-by-sides
    python scripts/eval_summaries.py --n 200 --show 0    # metrics only
    python scripts/eval_summaries.py --write-baseline    # refresh tests/data/summary_eval_baseline.json
    python scripts/eval_summaries.py --audit > audit.txt # every bullet of the audit sample beside its source

The audit sample (40 fr- + 20 crud-, drawn with a fixed seed) is the one read by hand for
``tests/data/summary_audit.jsonl``: each bullet is printed with the sentence it was compressed from, so a
reader can judge whether deletion changed the meaning (subject, condition, contrast, figure owner).

Articles are read from ``../shared/data/news.jsonl`` at run time (outlets' copyright: never copied into
the repository; the side-by-side goes to stdout only). The sample is deterministic: every k-th record of
each prefix in id order. Metrics are computed on the summaries *before* unverified bullets are dropped:

* citation validity — bullets citing ≥ 1 paragraph, all of which exist;
* figure fidelity — figures in bullets that the cited paragraphs state (must be 100%);
* pass rate — bullets the verifier accepts;
* shape — sections per structured summary, bullets per section, bullet length in characters, % excerpt.

The baseline file holds only ids and numbers; ``tests/test_summarize_shared.py`` holds the floors.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
from collections.abc import Iterator
from pathlib import Path

from themeflow.model import Document, Summary
from themeflow.summarize.extractive import ExtractiveSummarizer
from themeflow.summarize.verify import verify
from themeflow.text.numbers import figure_matches, find_figures

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data" / "news.jsonl"
BASELINE = REPO / "tests" / "data" / "summary_eval_baseline.json"


def record_to_document(rec: dict) -> Document:
    """A Document from a corpus record; crud- bodies mark old paragraph breaks with runs of spaces."""
    text = rec.get("text") or ""
    parts = re.split(r"\n|\s{2,}", text) if rec["id"].startswith("crud-") else text.split("\n")
    paras = tuple(p.strip() for p in parts if p.strip())
    return Document(id=rec["id"], title=rec.get("title") or "", paragraphs=paras, source=rec.get("source"))


def sample(path: Path, quotas: dict[str, int]) -> list[Document]:
    """Every k-th record (in id order) of each prefix, ``quotas[prefix]`` of them."""
    by_prefix: dict[str, list[dict]] = {p: [] for p in quotas}
    with path.open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            for p in quotas:
                if rec["id"].startswith(p):
                    by_prefix[p].append(rec)
    docs = []
    for p, n in quotas.items():
        recs = sorted(by_prefix[p], key=lambda r: r["id"])
        step = max(1, len(recs) // max(1, n))
        docs.extend(record_to_document(r) for r in recs[::step][:n])
    return docs


AUDIT_SEED = 20240817


def audit_sample(path: Path, n_fr: int = 40, n_crud: int = 20, seed: int = AUDIT_SEED) -> list[Document]:
    """The hand-audited sample: ``n_fr`` fr- and ``n_crud`` crud- records drawn with a fixed seed."""
    fr: list[dict] = []
    crud: list[dict] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec["id"].startswith("fr-"):
                fr.append(rec)
            elif rec["id"].startswith("crud-"):
                crud.append(rec)
    rng = random.Random(seed)
    fr.sort(key=lambda r: r["id"])
    crud.sort(key=lambda r: r["id"])
    return [record_to_document(r) for r in rng.sample(fr, n_fr) + rng.sample(crud, n_crud)]


def _source_sentence(doc: Document, text: str, citations: tuple[int, ...]) -> str:
    from themeflow.text.sentences import split_clauses, split_sentences

    parts = split_clauses(text)
    for c in citations:
        for s in split_sentences(doc.paragraph(c)):
            if all(x in s for x in parts):
                return s
    return "?"


def print_audit(docs: list[Document]) -> None:
    """Every bullet (verified or not) beside the sentence it came from: the sheet for a manual audit."""
    summ = ExtractiveSummarizer()
    for doc in docs:
        s = verify(summ.summarize(doc), doc)
        print(f"== {doc.id}  {doc.title[:40]}")
        for i, (_, b) in enumerate(iter_bullets(s)):
            mark = "" if b.verified else f"  ✗ {b.reason}"
            print(f"{i:3d} B: {b.text} {list(b.citations)}{mark}")
            src = _source_sentence(doc, b.text, b.citations).rstrip("。")
            if src != b.text:
                print(f"    S: {src}")


def iter_bullets(s: Summary) -> Iterator[tuple[str, object]]:
    for b in s.core_views:
        yield "core", b
    for sec in s.sections:
        for b in sec.bullets:
            yield sec.title, b


def evaluate(docs: list[Document]) -> tuple[dict[str, float], list[tuple[Document, Summary]]]:
    """Metrics over ``docs`` and the verified (not yet dropped) summaries."""
    summ = ExtractiveSummarizer()
    out = []
    n_b = valid = passed = n_fig = fig_ok = 0
    lengths: list[int] = []
    secs: list[int] = []
    per_sec: list[int] = []
    cores: list[int] = []
    excerpts = 0
    for doc in docs:
        s = verify(summ.summarize(doc), doc)
        out.append((doc, s))
        excerpts += s.excerpt
        if not s.excerpt:
            secs.append(len(s.sections))
            per_sec.extend(len(x.bullets) for x in s.sections)
            cores.append(len(s.core_views))
        for _, b in iter_bullets(s):
            n_b += 1
            cites_ok = bool(b.citations) and all(1 <= c <= len(doc.paragraphs) for c in b.citations)
            valid += cites_ok
            passed += bool(b.verified)
            if not s.excerpt:
                lengths.append(len(b.text))
            ev = [
                f
                for c in b.citations
                if 1 <= c <= len(doc.paragraphs)
                for f in find_figures(doc.paragraph(c))
            ]
            for f in find_figures(b.text):
                n_fig += 1
                fig_ok += cites_ok and figure_matches(f, ev)
    structured = max(1, len(secs))
    metrics = {
        "documents": len(docs),
        "bullets": n_b,
        "citation_validity": valid / max(1, n_b),
        "figure_fidelity": fig_ok / max(1, n_fig),
        "figures": n_fig,
        "pass_rate_before_drop": passed / max(1, n_b),
        "excerpt_share": excerpts / max(1, len(docs)),
        "core_views_per_summary": statistics.fmean(cores) if cores else 0.0,
        "sections_per_summary": statistics.fmean(secs) if secs else 0.0,
        "share_3_to_5_sections": sum(3 <= x <= 5 for x in secs) / structured,
        "bullets_per_section": statistics.fmean(per_sec) if per_sec else 0.0,
        "bullet_chars_mean": statistics.fmean(lengths) if lengths else 0.0,
        "bullet_chars_median": statistics.median(lengths) if lengths else 0.0,
        "share_bullets_15_to_45_chars": sum(15 <= x <= 45 for x in lengths) / max(1, len(lengths)),
    }
    return metrics, out


def render(s: Summary) -> str:
    """The summary in the seed's layout (``text [1][5]``)."""
    lines = ["[摘录 excerpt]" if s.excerpt else "", "文章核心观点"]
    for title, b in iter_bullets(s):
        if title != "core" and (not lines or lines[-1] != title):
            if f"  {title}" not in lines:
                lines.append(f"  {title}")
        mark = "" if b.verified else f"   ✗ {b.reason}"
        cites = "".join(f"[{c}]" for c in b.citations)
        lines.append(f"    - {b.text} {cites}{mark}")
    return "\n".join(x for x in lines if x)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--n", type=int, default=60, help="articles in all (80%% fr-, 20%% crud-)")
    ap.add_argument("--show", type=int, default=5, help="side-by-sides to print")
    ap.add_argument("--write-baseline", action="store_true")
    ap.add_argument(
        "--audit", action="store_true", help="print the audit sample's bullets beside their sources"
    )
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"needs the shared corpus at {args.data} (../shared/data)", file=sys.stderr)
        return 2
    if args.audit:
        print_audit(audit_sample(args.data))
        return 0
    n_fr = max(1, round(args.n * 0.8))
    docs = sample(args.data, {"fr-": n_fr, "crud-": args.n - n_fr})
    metrics, results = evaluate(docs)
    shown = [(d, s) for d, s in results if d.id.startswith("fr-") and not s.excerpt][: args.show]
    for doc, s in shown:
        print("=" * 100)
        print(f"{doc.id}  {doc.title}  ({len(doc.paragraphs)} paragraphs)")
        print("-" * 40, "article head")
        for i, p in enumerate(doc.paragraphs[:6], 1):
            print(f"  [{i}] {p[:160]}{'…' if len(p) > 160 else ''}")
        print("-" * 40, "summary")
        print(render(s))
    print("=" * 100)
    print(json.dumps(metrics, ensure_ascii=False, indent=1))
    if args.write_baseline:
        floors = {
            "citation_validity": 1.0,
            "figure_fidelity": 1.0,
            "pass_rate_before_drop": round(metrics["pass_rate_before_drop"] - 0.01, 3),
            "share_3_to_5_sections": round(metrics["share_3_to_5_sections"] - 0.05, 3),
            "share_bullets_15_to_45_chars": round(metrics["share_bullets_15_to_45_chars"] - 0.05, 3),
        }
        if BASELINE.exists():  # a floor may be raised, never lowered
            old = json.loads(BASELINE.read_text(encoding="utf-8")).get("floors", {})
            floors = {k: max(v, old.get(k, v)) for k, v in floors.items()}
        payload = {"ids": [d.id for d in docs], "metrics": metrics, "floors": floors}
        BASELINE.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {BASELINE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
