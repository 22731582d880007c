"""Faithfulness of summary bullets, judged by careful readers (tests/data/faithfulness/): pool, then score.

    python scripts/eval_faithfulness.py pool --out /tmp/faith-pool.jsonl   # bullets for judges (texts: /tmp)
    python scripts/eval_faithfulness.py score [--split dev|blind|all] [--json]
    python scripts/eval_faithfulness.py reliability [--json]   # the second reading (needs no corpus)

The set: articles of the shared corpus, fr- (2025–26 web news, the product's real input) first, then crud-,
drawn by a hash of their id so the draw needs no state; the 60 articles of the earlier hand audit
(``eval_summaries.py --audit``), which the compression rules were tuned on, are left out. Each article is in
``dev`` or ``blind`` (by the same hash). Judges see one bullet, its section title and the paragraphs it
cites (never which code made it) and label it per ``GUIDE.md``: faithful, misstated,
misleading-truncation or fragment.

``pool`` summarizes every set article with the current code and writes every bullet not judged yet (shown or
rejected: the verifier's catch rate is measured on the rejected ones too). ``score`` summarizes again and
reports, per split: the share of *shown* bullets (those the verifier passes) that are faithful, the bullets
still unjudged, and the catch rate: of the judged bullets labelled misstated or fragment, the share that the
current verifier rejects. A bullet is keyed by (article, text, citations, section title), so a label follows
the bullet, not the code that made it, and a bullet moved under another title is judged again (labels made
before the title was part of the key match when their stored title is the one shown). Only ids, keys, labels and each bullet as *spans* of its article (paragraph, start,
end; punctuation between them literal) are stored: the texts stay in ``../shared/data`` and a bullet is
rebuilt from its article when a later verifier is scored on it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from eval_search import SHARED, read_corpus, record_to_document
from eval_summaries import audit_sample, iter_bullets

from themeflow.model import Bullet, Document, Section, Summary
from themeflow.summarize.extractive import ExtractiveSummarizer
from themeflow.summarize.verify import verify

REPO = Path(__file__).resolve().parents[1]
SET_DIR = REPO / "tests" / "data" / "faithfulness"
LABELS = SET_DIR / "labels.jsonl"
SECOND_READING = SET_DIR / "second_reading.jsonl"
SECOND_SAMPLE = SET_DIR / "second_reading_sample.json"

N_FR = 70
N_CRUD = 20
N_FR_BLIND2 = 30
N_CRUD_BLIND2 = 10
"""A second blind part, the next articles in the same draw: labelled with the code of the day it was
pooled, scored once after the changes that followed the first blind part's scoring."""
N_FR_BLIND3 = 30
N_CRUD_BLIND3 = 10
"""A third blind part, the articles after blind2 in the same draw, pooled with the whole-sentence rule and
the context checks frozen, labelled by readers who saw no code, and scored once. After their scoring,
blind and blind2 are development data."""
N_FR_BLIND4 = 30
N_CRUD_BLIND4 = 10
"""A fourth blind part, the articles after blind3 in the same draw, pooled with the roundup item headings
frozen and with the commit before them (5b7f992), labelled by readers who saw no code, and scored once.
After their scoring, blind3 is development data."""
N_FR_BLIND5 = 30
N_CRUD_BLIND5 = 10
"""A fifth blind part, the articles after blind4: pooled with the rules written from blind4's notes frozen
(6fa7422 and before) and with 5b7f992, labelled by readers who saw no code, and scored once."""
N_FR_BLIND6 = 30
N_CRUD_BLIND6 = 10
"""A sixth blind part, the articles after blind5: pooled with the learned doubt gate frozen and with b89af44
(the rules alone), labelled by readers who saw no code, and scored once. The gate is trained on every earlier
part, so blind6 is the only part that says how it does on articles it has not seen."""
N_FR_BLIND7 = 30
N_CRUD_BLIND7 = 10
"""A seventh blind part, the articles after blind6: pooled with the digest outline (long item headlines as
headings, tables of contents never bullets) frozen and with 1196377 (before it), labelled by readers who saw
no code, and scored once."""
N_FR_BLIND8 = 30
N_CRUD_BLIND8 = 10
"""An eighth blind part, the articles after blind7: pooled with this release's summarizer frozen (92ca584: the
digest outline, captions, figures shown with the sentence naming their owner, the names word list, the
doubt model retrained) and with 1196377 (the release before), labelled by readers who saw no code, and
scored once."""
N_FR_BLIND9 = 30
N_CRUD_BLIND9 = 10
"""A ninth blind part, the articles after blind8: pooled with 9dbe277's summarizer (the same as 1f900df's)
and labelled by readers who saw no code, then sealed until the verifier next changed. Scored once at 0bc05a2
(bylines, credits and cut main clauses), the code before and after side by side: 456 and 457 of 506 shown
bullets faithful (90.1 % and 90.3 %). Since then it is development data."""
N_FR_BLIND10 = 30
N_CRUD_BLIND10 = 10
"""A tenth blind part, the articles after blind9: pooled with 0bc05a2's summarizer and verifier (the code
blind9 was scored on), labelled by readers who saw no code (469 bullets), then sealed until the summarizer
next changed. Scored once at 49235bc (section titles never cut where their phrase goes on), the code before
and after side by side: 415 and 413 of 469 shown bullets faithful (88.5 % and 88.1 %; 37 bullets shown under
a new title judged by three readers first). Since then it is development data."""
N_FR_BLIND11 = 30
N_CRUD_BLIND11 = 10
"""An eleventh blind part, the articles after blind10: pooled with 49235bc's summarizer and verifier,
labelled by readers who saw no code (511 bullets), then sealed until the summarizer next changed: scored once
when the doubt model was retrained on every other part (64dc078), the code before and after side by side:
459 of 511 and 459 of 509 shown bullets faithful (89.8 % and 90.2 %). Since then it is development data."""
N_FR_BLIND12 = 30
N_CRUD_BLIND12 = 10
"""A twelfth blind part, the articles after blind11: pooled with the retrained doubt model (64dc078 shows
the same bullets), 434 bullets labelled by readers who saw no code, then sealed until the summarizer next
changed: scored once when section titles stopped naming whom their bullets' paragraphs do not (the code
before and after side by side, 393 of 432 and 393 of 435 shown bullets faithful). Since then it is
development data."""
N_FR_BLIND13 = 30
N_CRUD_BLIND13 = 10
"""A thirteenth blind part, the articles after blind12: pooled with the summarizer whose titles name only
whom their bullets' paragraphs name, 490 bullets labelled by readers who saw no code, then sealed until the
summarizer next changed: scored once when credit, byline, caption and note lines stopped heading sections or
making bullets (with the doubt model retrained on that round's labels), the code before and after side by
side: 437 of 490 and 436 of 489 shown bullets faithful (two of its articles changed; three new bullets judged
by a reader who reported counts only). Since then it is development data."""
N_FR_BLIND14 = 30
N_CRUD_BLIND14 = 10
"""A fourteenth blind part, the articles after blind13: pooled with the summarizer whose titles are never
credits or notes, labelled by readers who saw no code, then SEALED: nobody scores it until the summarizer or
the verifier changes, when it is scored once, the code before and after the change side by side.
``score --split all`` leaves it out; ``score --split blind14`` is that one scoring."""
PART_SIZES = {
    "blind2": (N_FR_BLIND2, N_CRUD_BLIND2),
    "blind3": (N_FR_BLIND3, N_CRUD_BLIND3),
    "blind4": (N_FR_BLIND4, N_CRUD_BLIND4),
    "blind5": (N_FR_BLIND5, N_CRUD_BLIND5),
    "blind6": (N_FR_BLIND6, N_CRUD_BLIND6),
    "blind7": (N_FR_BLIND7, N_CRUD_BLIND7),
    "blind8": (N_FR_BLIND8, N_CRUD_BLIND8),
    "blind9": (N_FR_BLIND9, N_CRUD_BLIND9),
    "blind10": (N_FR_BLIND10, N_CRUD_BLIND10),
    "blind11": (N_FR_BLIND11, N_CRUD_BLIND11),
    "blind12": (N_FR_BLIND12, N_CRUD_BLIND12),
    "blind13": (N_FR_BLIND13, N_CRUD_BLIND13),
    "blind14": (N_FR_BLIND14, N_CRUD_BLIND14),
}
"""(fr-, crud-) articles of each later blind part, in the order of the draw."""
LATER_PARTS = tuple(PART_SIZES)
SEALED = ("blind14",)
"""Parts that ``all`` leaves out (scored only by name, once)."""
LABELS_OK = "faithful"
CORE_VIEWS = "文章核心观点"
BAD = ("misstated", "fragment")
"""The labels the verifier must catch (the acceptance's catch rate); misleading truncation is scored as not
faithful in the shown share but is a compression fault more than a verifier one."""


def _bucket(doc_id: str, salt: str) -> int:
    return int(hashlib.sha1(f"{salt}:{doc_id}".encode()).hexdigest()[:8], 16)


def split_of(doc_id: str) -> str:
    """``blind2`` … ``blind14`` for the later blind parts' articles, else ``dev`` (60 %) or
    ``blind`` (40 %) by the id."""
    for name, ids in _later_parts().items():
        if doc_id in ids:
            return name
    return "blind" if _bucket(doc_id, "split") % 5 < 2 else "dev"


def _drawn() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Eligible fr- (2025–26) and crud- records in draw order (lowest hash first)."""
    audited = {d.id for d in audit_sample(SHARED / "news.jsonl")}
    fr: list[dict[str, object]] = []
    crud: list[dict[str, object]] = []
    for rec in read_corpus(SHARED / "news.jsonl"):
        doc_id = str(rec["id"])
        if doc_id in audited or str(rec.get("text") or "").count("\n") < 3:
            continue
        if doc_id.startswith("fr-") and str(rec.get("published") or "")[:4] in ("2025", "2026"):
            fr.append(rec)
        elif doc_id.startswith("crud-"):
            crud.append(rec)
    fr.sort(key=lambda r: _bucket(str(r["id"]), "pick"))
    crud.sort(key=lambda r: _bucket(str(r["id"]), "pick"))
    return fr, crud


def _parts(fr: list[dict[str, object]], crud: list[dict[str, object]]) -> dict[str, list[dict[str, object]]]:
    """The draw cut into the first set (dev + blind by hash) and the later blind parts, in order."""
    out = {"first": fr[:N_FR] + crud[:N_CRUD]}
    f, c = N_FR, N_CRUD
    for name, (n_fr, n_crud) in PART_SIZES.items():
        out[name] = fr[f : f + n_fr] + crud[c : c + n_crud]
        f, c = f + n_fr, c + n_crud
    return out


def articles_in(split: str) -> list[Document]:
    """The set's articles of ``split``; ``all`` is every part but the sealed ones (a sealed part is read
    only by name: pooled for its readers, scored once)."""
    return [
        d
        for d in set_articles()
        if split == split_of(d.id) or (split == "all" and split_of(d.id) not in SEALED)
    ]


_LATER: dict[str, set[str]] | None = None


def _later_parts() -> dict[str, set[str]]:
    global _LATER
    if _LATER is None:
        if not (SHARED / "news.jsonl").exists():
            return {}
        parts = _parts(*_drawn())
        _LATER = {name: {str(r["id"]) for r in parts[name]} for name in LATER_PARTS}
    return _LATER


def set_articles(*, blind2: bool = True) -> list[Document]:
    """The set's articles: :data:`N_FR` fr- of 2025–26 and :data:`N_CRUD` crud-, lowest hash first, with at
    least three body paragraphs (shorter ones get a lead excerpt, not a summary), audit articles left out;
    then the later blind parts."""
    parts = _parts(*_drawn())
    later = [r for name in LATER_PARTS for r in parts[name]]
    pick = parts["first"] + (later if blind2 else [])
    return [record_to_document(r) for r in pick]


def bullet_key(doc_id: str, bullet: Bullet, title: str | None = None) -> str:
    """A label's key: the article, the bullet's text and citations, and (labels judged since the section
    title became part of the key) the title the bullet was judged under."""
    raw = f"{doc_id}\x00{bullet.text}\x00{','.join(map(str, bullet.citations))}"
    if title is not None:
        raw += f"\x00{title}"
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]


def judged_title(row: dict[str, object], doc: Document) -> str:
    """The section title a label was judged under (the core views' label when it has none)."""
    spans = row.get("section_spans")
    return decode_text(spans, doc) if spans else CORE_VIEWS  # type: ignore[arg-type]


def find_label(
    labels: dict[str, dict[str, object]], doc: Document, bullet: Bullet, title: str
) -> dict[str, object] | None:
    """The label of ``bullet`` shown under ``title``, or None.

    The guide makes the section title part of the bullet (a bullet under the wrong company's name is
    misstated), so a label counts only under the title it was judged under: a bullet that a later change
    moves under another title is unjudged again. The earliest labels are keyed without the title (they are
    matched when their stored title is the one shown); later ones with it."""
    row = labels.get(bullet_key(doc.id, bullet, title))
    if row is not None:
        return row
    row = labels.get(bullet_key(doc.id, bullet))
    return row if row is not None and judged_title(row, doc) == title else None


def encode_text(text: str, doc: Document, citations: list[int]) -> list[object]:
    """``text`` as spans of ``doc``: ``[paragraph, start, end]`` for each longest piece found in a cited
    paragraph (then any paragraph), single characters that are in none kept literal (punctuation the
    compressor adds). Rebuilt by :func:`decode_text`."""
    order = [c for c in citations if 1 <= c <= len(doc.paragraphs)]
    order += [n for n in range(1, len(doc.paragraphs) + 1) if n not in order]
    out: list[object] = []
    i = 0
    while i < len(text):
        best: tuple[int, int, int] | None = None
        for n in order:
            para = doc.paragraphs[n - 1]
            j = len(text)
            while j - i >= 2 and (best is None or j - i > best[2] - best[1]):
                at = para.find(text[i:j])
                if at >= 0:
                    best = (n, at, at + j - i)
                    break
                j -= 1
        if best is None:
            out.append(text[i])
            i += 1
        else:
            out.append(list(best))
            i += best[2] - best[1]
    return out


def decode_text(spans: list[object], doc: Document) -> str:
    parts = []
    for item in spans:
        if isinstance(item, str):
            parts.append(item)
        else:
            n, start, end = item  # type: ignore[misc]
            parts.append(doc.paragraphs[int(n) - 1][int(start) : int(end)])
    return "".join(parts)


def load_labels(path: Path = LABELS) -> dict[str, dict[str, object]]:
    if not path.exists():
        return {}
    out: dict[str, dict[str, object]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out[str(row["key"])] = row
    return out


def summaries(docs: list[Document]) -> Iterator[tuple[Document, Summary]]:
    summarizer = ExtractiveSummarizer()
    for doc in docs:
        yield doc, verify(summarizer.summarize(doc), doc)


def pool(args: argparse.Namespace) -> None:
    labels = load_labels()
    rows: list[dict[str, object]] = []
    docs = articles_in(args.split)
    doc_of = {d.id: d for d in docs}
    for doc, summary in summaries(docs):
        for label, b in iter_bullets(summary):
            title = CORE_VIEWS if label == "core" else label
            if find_label(labels, doc, b, title) is not None:
                continue
            key = bullet_key(doc.id, b, title)
            rows.append(
                {
                    "key": key,
                    "doc": doc.id,
                    "split": split_of(doc.id),
                    "article_title": doc.title,
                    "section": title,
                    "bullet": b.text,
                    "citations": list(b.citations),
                    "spans": encode_text(b.text, doc, list(b.citations)),
                    "section_spans": []
                    if title == CORE_VIEWS
                    else encode_text(title, doc, list(b.citations)),
                    "cited": {
                        str(c): doc.paragraphs[c - 1] for c in b.citations if 1 <= c <= len(doc.paragraphs)
                    },
                }
            )
    for row in rows:
        assert decode_text(row["spans"], doc_of[row["doc"]]) == row["bullet"], row["key"]
        assert decode_text(row["section_spans"], doc_of[row["doc"]]) in (row["section"], ""), row["key"]
    with Path(args.out).open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} unjudged bullets -> {args.out}", file=sys.stderr)


def report(split: str = "dev") -> dict[str, dict[str, object]]:
    """Per split (``dev``, ``blind`` or ``all``): shown bullets, how many are judged, the faithful share
    among the judged shown ones, labels of the shown and of the rejected, and the verifier's catch rate."""
    labels = load_labels()
    table: dict[str, Counter[str]] = {}
    docs = set_articles()
    for doc, summary in summaries(docs):
        doc_split = split_of(doc.id)
        if split != doc_split and (split != "all" or doc_split in SEALED):
            continue
        tally = table.setdefault(doc_split, Counter())
        for label_of, b in iter_bullets(summary):
            row = find_label(labels, doc, b, CORE_VIEWS if label_of == "core" else label_of)
            shown = b.verified is not False
            label = str(row["label"]) if row else "unjudged"
            tally[f"{'shown' if shown else 'rejected'}:{label}"] += 1
    # catch rate: every judged bad bullet, whichever code made it, re-checked by the current verifier under
    # the section title it was judged under
    by_id = {d.id: d for d in docs}
    for row in labels.values():
        row_split = str(row["split"])
        if split != row_split and (split != "all" or row_split in SEALED):
            continue
        if row["label"] not in BAD or row["doc"] not in by_id:
            continue
        doc = by_id[str(row["doc"])]
        text = decode_text(row["spans"], doc)  # type: ignore[arg-type]
        bullet = Bullet(text, tuple(int(c) for c in row["citations"]))  # type: ignore[union-attr]
        title = judged_title(row, doc)
        made = (
            Summary(doc.id, doc.content_hash, "judged", core_views=(bullet,))
            if title == CORE_VIEWS
            else Summary(doc.id, doc.content_hash, "judged", sections=(Section(title, (bullet,)),))
        )
        caught = verify(made, doc).bullets()[0].verified is False
        table.setdefault(row_split, Counter())[f"bad:{'caught' if caught else 'missed'}"] += 1
    out: dict[str, dict[str, object]] = {}
    for name, t in sorted(table.items()):
        shown = sum(v for k, v in t.items() if k.startswith("shown:"))
        judged = shown - t["shown:unjudged"]
        bad = t["bad:caught"] + t["bad:missed"]
        out[name] = {
            "shown": shown,
            "shown_judged": judged,
            "shown_unjudged": t["shown:unjudged"],
            "faithful_share": t[f"shown:{LABELS_OK}"] / judged if judged else 0.0,
            "shown_by_label": {k[6:]: v for k, v in sorted(t.items()) if k.startswith("shown:")},
            "rejected_by_label": {k[9:]: v for k, v in sorted(t.items()) if k.startswith("rejected:")},
            "bad_judged": bad,
            "catch_rate": t["bad:caught"] / bad if bad else 0.0,
        }
    return out


def score(args: argparse.Namespace) -> None:
    print(json.dumps(report(args.split), ensure_ascii=False, indent=None if args.json else 2))


def reliability_report() -> dict[str, object]:
    """How far the labels can be trusted: a stratified sample of shown, judged bullets read again blind
    (``second_reading_sample.json``: drawn from the first-labelled faithful and not-faithful bullets of
    one summarizer). Where the first and second readings disagree (faithful or not), three more readers
    judge and at least three of the five readings decide. Returns the raw agreement and Cohen's kappa of
    the two readings, and the faithful share of shown bullets under the first reading and under the
    adjudicated one, each reweighted from the strata to all the shown bullets, with its standard error."""
    for path in (SECOND_SAMPLE, SECOND_READING, LABELS):
        if not path.exists():
            raise SystemExit(f"reliability needs {path} (part of the faithfulness set in this repository)")
    sample = json.loads(SECOND_SAMPLE.read_text(encoding="utf-8"))
    labels = load_labels()
    first = {k: labels[k]["label"] == LABELS_OK for k in sample["keys"]}
    second: dict[str, bool] = {}
    more: dict[str, list[bool]] = {}
    with SECOND_READING.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            ok = row["label"] == LABELS_OK
            if row["round"] == "second":
                second[row["key"]] = ok
            else:
                more.setdefault(row["key"], []).append(ok)
    final = {}
    for key, ok in first.items():
        if second[key] == ok:
            final[key] = ok
        else:
            votes = [ok, second[key], *more[key]]
            if len(votes) != 5:
                raise SystemExit(f"{key}: a disagreement needs three more readings, has {len(votes) - 2}")
            final[key] = sum(votes) >= 3
    population = {True: sample["shown_judged"]["faithful"], False: sample["shown_judged"]["not_faithful"]}
    total = sum(population.values())
    drawn = {s: sum(1 for k in first if first[k] is s) for s in (True, False)}
    weight = {s: population[s] / total for s in (True, False)}

    def share(reading: dict[str, bool]) -> tuple[float, float]:
        est = var = 0.0
        for s in (True, False):
            p = sum(1 for k in first if first[k] is s and reading[k]) / drawn[s]
            est += weight[s] * p
            var += weight[s] ** 2 * p * (1 - p) / drawn[s] * (1 - drawn[s] / population[s])
        return est, var**0.5

    cell = {
        (a, b): sum(weight[a] / drawn[a] for k in first if first[k] is a and second[k] is b)
        for a in (True, False)
        for b in (True, False)
    }
    agree = cell[(True, True)] + cell[(False, False)]
    p_first, p_second = cell[(True, True)] + cell[(True, False)], cell[(True, True)] + cell[(False, True)]
    chance = p_first * p_second + (1 - p_first) * (1 - p_second)
    est_second, _ = share(second)
    est_final, se_final = share(final)
    return {
        "summarizer": sample["summarizer"],
        "sample": {"faithful": drawn[True], "not_faithful": drawn[False]},
        "agreement": round(agree, 4),
        "kappa": round((agree - chance) / (1 - chance), 4),
        "disagreements": sum(1 for k in first if first[k] != second[k]),
        "first_faithful_upheld": round(sum(final[k] for k in first if first[k]) / drawn[True], 4),
        "first_unfaithful_overturned": round(sum(final[k] for k in first if not first[k]) / drawn[False], 4),
        "faithful_share_first": round(weight[True], 4),
        "faithful_share_second": round(est_second, 4),
        "faithful_share_adjudicated": round(est_final, 4),
        "standard_error": round(se_final, 4),
    }


def reliability(args: argparse.Namespace) -> None:
    print(json.dumps(reliability_report(), ensure_ascii=False, indent=None if args.json else 2))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pool")
    p.add_argument("--out", required=True)
    p.add_argument(
        "--split",
        default="all",
        choices=("dev", "blind", *LATER_PARTS, "all"),
    )
    p.set_defaults(func=pool)
    s = sub.add_parser("score")
    s.add_argument(
        "--split",
        default="dev",
        choices=("dev", "blind", *LATER_PARTS, "all"),
    )
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=score)
    r = sub.add_parser("reliability")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=reliability)
    args = parser.parse_args()
    if args.cmd != "reliability" and not (SHARED / "news.jsonl").exists():
        sys.exit(f"needs the shared corpus at {SHARED} (the articles the bullets are judged on)")
    args.func(args)


if __name__ == "__main__":
    main()
