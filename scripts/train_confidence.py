"""Fit the fact-confidence model on the hand-labelled figures and write ``confidence_model.json``.

Usage::

    pip install -e '.[train]'
    python scripts/train_confidence.py [--data ../shared/data] [--target 0.93] [--check]

Every candidate fact the extractor proposes for the labelled articles (``candidate_facts``, below
the threshold too) is a training row, judged right or wrong against the labels
(:func:`themeflow.facts.evaluate.judge_facts`); its inputs are :func:`themeflow.facts.features.fact_features`.
The model is an L2-regularized logistic regression (scikit-learn). The threshold is chosen from
out-of-fold scores, cross-validated by article (an article's facts are never split across folds), as
the lowest score from which every higher cut keeps the out-of-fold precision at or above ``--target``.

``HELD_OUT`` label sets are never trained on: they are scored once with the frozen model, as the
estimate of how the extractor does on articles it has not seen. ``--check`` retrains and compares with the
shipped file instead of writing it (the test suite runs it, so the file cannot drift from its recipe).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from themeflow.facts.evaluate import complete_docs, judge_facts, load_labels
from themeflow.facts.extract import candidate_facts, change_partners
from themeflow.facts.features import FEATURE_NAMES, fact_features

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_facts import load_documents  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
MODEL_PATH = REPO / "src" / "themeflow" / "facts" / "confidence_model.json"
TRAIN_SETS = (
    "figures_labels",
    "figures_labels_heldout",
    "figures_labels_check",
    "figures_labels_dev2",
    "figures_labels_blind3",
    "figures_labels_blind4",
    "figures_labels_blind5",
)
HELD_OUT = ("figures_labels_blind6",)
REGULARIZATION_C = 1.0
FOLDS = 10


def training_rows(data: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Feature matrix, right/wrong targets, article ids (the CV groups), the row each row takes its score
    from (itself, or the start of its change: :func:`~themeflow.facts.extract.change_partners`), and the
    number of gold labels."""
    xs: list[list[float]] = []
    ys: list[int] = []
    groups: list[str] = []
    source: list[int] = []
    sets = []
    for name in TRAIN_SETS:
        path = REPO / "tests" / "data" / f"{name}.jsonl"
        labels, whole = load_labels(path), complete_docs(path)
        sets.append((labels, whole, {lab.doc_id for lab in labels} | whole))
    wanted = set().union(*(ids for _, _, ids in sets))
    docs = {d.id: d for d in load_documents(data / "news.jsonl", wanted)}  # one pass over the corpus
    for labels, whole, ids in sets:
        for doc in (docs[i] for i in sorted(ids) if i in docs):
            found = candidate_facts(doc)
            verdicts = judge_facts([fact for fact, _ in found], labels, whole)
            row_of: dict[int, int] = {}
            for i, ((fact, evidence), ok, partner) in enumerate(
                zip(found, verdicts, change_partners(found), strict=True)
            ):
                if ok is None:
                    continue
                row_of[i] = len(ys)
                feats = fact_features(fact, evidence)
                xs.append([feats.get(k, 0.0) for k in FEATURE_NAMES])
                ys.append(int(ok))
                groups.append(doc.id)
                source.append(row_of.get(partner, row_of[i]))  # partner None: the row itself
    gold = sum(len(labels) for labels, _, _ in sets)
    return np.array(xs), np.array(ys), np.array(groups), np.array(source), gold


def pick_threshold(scores: np.ndarray, y: np.ndarray, target: float) -> float:
    """The lowest cut (0.01 steps) from which every higher cut keeps precision ≥ ``target``."""
    best = 0.99
    for t in np.round(np.arange(0.99, 0.29, -0.01), 2):
        kept = scores >= t
        if kept.sum() and y[kept].mean() < target:
            break
        best = float(t)
    return best


def fit(data: Path, target: float) -> dict[str, object]:
    x, y, groups, source, gold = training_rows(data)
    own = source == np.arange(len(y))  # rows scored by the model; change ends copy their start's score
    oof = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=FOLDS).split(x, y, groups):
        train = train[own[train]]
        model = LogisticRegression(C=REGULARIZATION_C, max_iter=5000).fit(x[train], y[train])
        oof[test] = model.predict_proba(x[test])[:, 1]
    oof = oof[source]
    threshold = pick_threshold(oof, y, target)
    kept = oof >= threshold
    model = LogisticRegression(C=REGULARIZATION_C, max_iter=5000).fit(x[own], y[own])
    return {
        "features": list(FEATURE_NAMES),
        "weights": [round(float(w), 6) for w in model.coef_[0]],
        "bias": round(float(model.intercept_[0]), 6),
        "threshold": threshold,
        "target_precision": target,
        "trained_on": list(TRAIN_SETS),
        "candidates": int(len(y)),
        "articles": int(len(set(groups))),
        "gold_labels": gold,
        "cv_precision": round(float(y[kept].mean()), 4),
        "cv_correct": int(y[kept].sum()),
        "cv_kept": int(kept.sum()),
        "cv_recall": round(float(y[kept].sum() / gold), 4),
        "regularization_c": REGULARIZATION_C,
        "folds": FOLDS,
        "sklearn": sklearn.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    ap.add_argument("--target", type=float, default=None, help="out-of-fold precision to reach")
    ap.add_argument("--check", action="store_true", help="compare with the shipped model, write nothing")
    args = ap.parse_args(argv)
    if not (args.data / "news.jsonl").exists():
        print(f"needs the shared corpus at {args.data}", file=sys.stderr)
        return 2
    shipped = json.loads(MODEL_PATH.read_text(encoding="utf-8")) if MODEL_PATH.exists() else {}
    target = args.target or shipped.get("target_precision") or 0.93
    result = fit(args.data, target)
    if args.check:
        if not shipped:
            print(f"no shipped model at {MODEL_PATH} to compare with", file=sys.stderr)
            return 1
        drift = max(abs(a - b) for a, b in zip(result["weights"], shipped["weights"], strict=True))  # type: ignore[arg-type]
        same = result["features"] == shipped["features"] and result["threshold"] == shipped["threshold"]
        print(json.dumps({"max_weight_drift": drift, "same_features_and_threshold": same}))
        return 0 if same and drift < 0.01 else 1
    MODEL_PATH.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k not in ("features", "weights")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
