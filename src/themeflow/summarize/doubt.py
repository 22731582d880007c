"""A learned last check: how likely a bullet that passed every rule still misleads a reader.

Why a model after the rules: the rules of :mod:`.meaning`, :mod:`.standalone` and :mod:`.fragments` each
prove one fault (a dropped speaker, a cut contrast, a pronoun at the head). What careful readers still
marked wrong in the bullets those rules pass is a mix of weak signs none of which proves anything alone: a
这一/该/它 in mid-sentence, a figure with no name to own it, a section title naming someone the cited
paragraph does not, a view whose sentence is the second of its paragraph, a short line with no verb. Their
weights are learned from the faithfulness set's judged bullets (``tests/data/faithfulness/``), an
L2-regularized logistic regression over the features below (``scripts/train_doubt.py``; the model ships as
``doubt_model.json``, plain weights, no library needed to read it).

The bullet is withheld when the model's probability that it is not faithful reaches the shipped
``threshold``. That threshold is not tuned for a score: it is where showing a bullet costs more than
withholding it when a misleading bullet is taken to cost :data:`COST_RATIO` times a missing good one
(p ≥ 1 / (1 + COST_RATIO)), on probabilities the training recipe checks for calibration out of fold.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from themeflow.errors import ConfigError
from themeflow.summarize.alignment import PUNCT, align
from themeflow.summarize.standalone import proper_names
from themeflow.text.numbers import find_figures
from themeflow.text.segment import pos_tags
from themeflow.text.speech import saying_verbs

__all__ = [
    "COST_RATIO",
    "FEATURE_NAMES",
    "SIGNS",
    "DoubtModel",
    "doubt_features",
    "doubt_reason",
    "load_model",
]

COST_RATIO = 2.0
"""A misleading bullet shown costs this many missing good ones: analysts act on what they read, and a
summary that leaves a sentence out still links to the article."""

_SAYS = re.compile(saying_verbs("names_its_speaker"))
_REPORTED = re.compile(r"据|报道|知情人士|消息人士|援引|传出|传闻|透露|爆料")
_DEICTIC = re.compile(r"该|这一|这种|这项|这个|这些|这笔|这|此|它|他|她|其|上述|前述|那")
_PERSON = re.compile(r"我们|我|你们|你|您|咱")
_LEANS = re.compile(
    r"^(?:比如|例如|譬如|另外|此外|同时|但是?|而|不过|因此|所以|于是|最后|首先|其次|然后|对此|对于|其中|"
    r"也|还|并且?|以及|或者|甚至|就是|即|尤其|特别是|包括)"
)
_OPINION = re.compile(
    r"可关注|建议|有望|或将|料将|将会|应当|应该|需要|必须|可能|或许|预计|看好|认为|判断|相信|值得"
)
_DATE_HEAD = re.compile(r"^(?:\d{1,2}月\d{1,2}日|\d{4}年|今年|去年|昨日|今日|本周|上周|近日|日前)")
_HEADLINE = re.compile(r"[！!｜|]|^[^，,。]{4,30}[：:][^，,。]{2,}$")
_COMPANY_WORD = re.compile(r"公司|集团|该行|该所|本行|企业")
_COLON_SPEAKER = re.compile(r"^[^，,。：:“”]{2,10}[：:]")
_TEASER = re.compile(r"答案|问题|幕后|背后|原因|秘密|关键|焦点|看点|真相|逻辑|信号|意味着|如下|以下")


def _verb(text: str) -> bool:
    return any(pos.startswith("v") for _, pos in pos_tags(text))


FEATURE_NAMES: tuple[str, ...] = (
    "length",
    "short",
    "aligned",
    "kept_share",
    "whole_sentence",
    "not_first_sentence",
    "sentence_after_says",
    "lead_paragraph",
    "citations",
    "deictic",
    "deictic_head",
    "person",
    "leans_back",
    "names",
    "figures",
    "figure_no_name",
    "company_no_name",
    "verb",
    "says",
    "says_dropped",
    "reported_dropped",
    "opinion",
    "opinion_no_speaker",
    "date_head",
    "question",
    "exclaim",
    "quote",
    "ends_open",
    "headline_like",
    "short_paragraph",
    "whole_paragraph",
    "core",
    "title_names",
    "title_name_in_text",
    "title_name_in_cited",
    "title_overlap",
    "article_title_overlap",
    "empty",
    "colon_speaker",
    "teaser",
    "later_no_name",
    "title_text_overlap",
)


SIGNS: dict[str, str] = {
    "length": "short",
    "short": "under 20 characters",
    "kept_share": "much of its sentence left out",
    "whole_sentence": "a whole sentence that may lean on the one before",
    "not_first_sentence": "not its paragraph's first sentence",
    "sentence_after_says": "follows a sentence that names a speaker",
    "deictic": "a 这/该/其/它 whose referent may be elsewhere",
    "person": "a 我/你 with no one named",
    "leans_back": "opens with a word that leans back (比如, 此外, 而…)",
    "figure_no_name": "a figure with no name to own it",
    "company_no_name": "公司 with no company named",
    "says_dropped": "a speaker left out of its sentence",
    "reported_dropped": "a 据/知情人士 left out",
    "opinion_no_speaker": "a view with no one holding it",
    "exclaim": "an exclamation",
    "quote": "a quotation",
    "ends_open": "its sentence ends open (：, ；, 的, 是)",
    "headline_like": "reads as a headline",
    "short_paragraph": "cites a heading-length paragraph",
    "title_names": "a section title naming someone",
    "empty": "no figure and no name",
    "colon_speaker": "an interview line",
    "teaser": "announces what it does not say (答案, 原因, 关键…)",
    "later_no_name": "a later sentence with no name of its own",
}
"""What a reader is told for the features that weighed most (``--show-unverified``)."""


_NO_PUNCT = dict.fromkeys(map(ord, PUNCT))
"""``str.translate`` table deleting punctuation."""


@lru_cache(maxsize=8192)
def _bigrams(text: str) -> frozenset[str]:
    """Character bigrams of ``text`` without punctuation (cached: a paragraph is read for every bullet citing
    it, in the summarizer and again in the verifier)."""
    t = text.translate(_NO_PUNCT)
    return frozenset(map(str.__add__, t, t[1:]))


def _overlap(a: str, b: str) -> float:
    ga = _bigrams(a)
    return len(ga & _bigrams(b)) / len(ga) if ga else 0.0


def doubt_features(
    text: str,
    cited: Sequence[str],
    citations: Sequence[int],
    title: str | None,
    article_title: str = "",
) -> list[float]:
    """The inputs of :class:`DoubtModel` for one bullet, in :data:`FEATURE_NAMES` order. ``title`` is the
    section title the bullet is shown under (None for the core views, as the verifier passes them)."""
    t = text.strip().rstrip("。")
    al = align(t, cited) if cited else None
    sentence = al.sentence if al is not None else t
    covered = al.covered if al is not None else ()
    content = [i for i, ch in enumerate(sentence) if ch not in PUNCT]
    kept = sum(1 for i in content if covered and covered[i]) / len(content) if content and covered else 1.0
    dropped_text = "".join(ch for i, ch in enumerate(sentence) if covered and not covered[i])
    names = proper_names(t)
    figures = bool(find_figures(t))
    says = bool(_SAYS.search(t))
    opinion = bool(_OPINION.search(t))
    core = title is None
    title_names = () if core else proper_names(title or "")
    para = cited[0] if cited else ""
    stripped = t.rstrip("。！？!?；;，,")
    return [
        min(len(t), 120) / 120,
        float(len(t) < 20),
        float(al is not None),
        kept,
        float(kept >= 0.95),
        float(bool(al is not None and al.before)),
        float(bool(al is not None and al.before and _SAYS.search(al.before[-1]))),
        float(bool(citations) and min(citations) <= 2),
        min(len(citations), 3) / 3,
        float(bool(_DEICTIC.search(t))),
        float(bool(_DEICTIC.search(t[:6]))),
        float(bool(_PERSON.search(t))),
        float(bool(_LEANS.match(t))),
        min(len(names), 3) / 3,
        float(figures),
        float(figures and not names),
        float(bool(_COMPANY_WORD.search(t)) and not names),
        float(_verb(t)),
        float(says),
        float(not says and bool(_SAYS.search(dropped_text))),
        float(bool(_REPORTED.search(dropped_text)) and not _REPORTED.search(t)),
        float(opinion),
        float(opinion and not says and not names),
        float(bool(_DATE_HEAD.match(t))),
        float("？" in t or "?" in t),
        float("！" in t or "!" in t),
        float(any(q in t for q in '“"「『')),
        float(
            sentence.rstrip().endswith(("：", ":", "；", ";")) or stripped.endswith(("的", "是", "称", "在"))
        ),
        float(bool(_HEADLINE.search(t)) and not sentence.endswith(("。", "！"))),
        float(len(para) < 40),
        float(_overlap(para, t) >= 0.9 and _overlap(t, para) >= 0.9),
        float(core),
        float(bool(title_names)),
        float(bool(title_names) and any(n in t for n in title_names)),
        float(bool(title_names) and any(n in c for n in title_names for c in cited)),
        0.0 if core else _overlap(title or "", " ".join(cited)),
        _overlap(article_title, t) if article_title else 0.0,
        float(not figures and not names and len(t) < 30),
        float(bool(_COLON_SPEAKER.match(t))),
        float(bool(_TEASER.search(t)) and not figures),
        float(bool(al is not None and al.before) and not names),
        0.0 if core else _overlap(title or "", t),
    ]


@dataclass(frozen=True, slots=True)
class DoubtModel:
    """Logistic regression weights over standardized :data:`FEATURE_NAMES` and the withholding threshold."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float

    def probability(self, features: Sequence[float]) -> float:
        """The probability that the bullet is not faithful."""
        z = self.bias
        for x, m, s, w in zip(features, self.mean, self.scale, self.weights, strict=True):
            z += w * (x - m) / s
        return 1.0 / (1.0 + math.exp(-z))

    def strongest(self, features: Sequence[float], n: int = 2) -> list[str]:
        """The features that raised the probability most, for the rejection reason."""
        parts = [
            (w * (x - m) / s, name)
            for name, x, m, s, w in zip(
                self.names, features, self.mean, self.scale, self.weights, strict=True
            )
        ]
        return [SIGNS.get(name, name) for v, name in sorted(parts, reverse=True)[:n] if v > 0]


@lru_cache(maxsize=1)
def load_model() -> DoubtModel | None:
    """The shipped model, or None when it is absent (then no bullet is withheld by it)."""
    path = resources.files("themeflow.summarize").joinpath("doubt_model.json")
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    if tuple(raw["names"]) != FEATURE_NAMES:
        raise ConfigError(
            "the installed doubt_model.json was trained on other features than this code reads; reinstall"
            " themeflow, or refit it with scripts/train_doubt.py"
        )
    return DoubtModel(
        names=tuple(raw["names"]),
        mean=tuple(raw["mean"]),
        scale=tuple(raw["scale"]),
        weights=tuple(raw["weights"]),
        bias=float(raw["bias"]),
        threshold=float(raw["threshold"]),
    )


def doubt_reason(
    text: str,
    cited: Sequence[str],
    citations: Sequence[int],
    title: str | None,
    article_title: str = "",
    model: DoubtModel | None = None,
) -> str | None:
    """``doubt: …`` when the model judges the bullet more likely to mislead than :data:`COST_RATIO` allows,
    else None."""
    model = model if model is not None else load_model()
    if model is None:
        return None
    x = _features(text, tuple(cited), tuple(citations), title, article_title)
    p = model.probability(x)
    if p < model.threshold:
        return None
    signs = ", ".join(model.strongest(x)) or "several weak signs"
    return f"doubt: readers marked bullets like this one unfaithful ({p:.0%} likely; {signs})"


@lru_cache(maxsize=4096)
def _features(
    text: str, cited: tuple[str, ...], citations: tuple[int, ...], title: str | None, article_title: str
) -> tuple[float, ...]:
    """:func:`doubt_features`, kept: the summarizer weighs a bullet before it keeps it and the verifier
    weighs it again."""
    return tuple(doubt_features(text, cited, citations, title, article_title))
