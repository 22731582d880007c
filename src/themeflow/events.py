"""Events: stories of one happening written up by different outlets, grouped as a view.

A *copy* is one article re-hosted (``dedup.py`` folds copies into a story). An *event* is one happening —
an announcement, a data release, a deal, a decision — that several reporters wrote up in their own words:
eight outlets on one chip deal are eight stories and one event. Stories stay separate (a rewrite is
independent corroboration, a copy is not); an event is how a feed *shows* them: one item, "N outlets".

How two stories are judged one event (:func:`same_event`), from what each says first:

* **the same time** — published within :attr:`EventConfig.hours` of each other (a day either way);
* **the same words up front** — character-bigram Dice of the normalized headline and of the lead (the
  headline plus the first :data:`LEAD_CHARS` characters), which rewrites of one happening share far more
  than two stories on one topic do;
* **the same facts** — figures (value and unit, read by ``text.numbers``) and names (people, places,
  organisations, Latin names, from the part-of-speech tagger) that both leads state.

Only stories of **different outlets** are grouped: an outlet writing twice in a day is following its own
story or running a series. A roundup, live blog or table (``text.doctype``) reports many happenings, so
it is no one event's write-up beside a story about one of them (two roundups of one market session are
one event).

Templated series keep apart by a veto: headlines that read alike (Dice ≥ 0.5) with all their numbers
different (``第24期`` / ``第25期``), or near-identical leads whose figures are all different.

No single signal decides: similar headlines on a topic ("美联储…降息") and shared common figures ("25个基点")
are everywhere. A pair is one event when the leads are near-identical, when the leads are close and
share facts, or when the headlines are close and share many facts. :class:`EventConfig` holds the
thresholds: round values chosen on the ``dev`` part of the pooled, hand-labelled pairs in
``tests/data/event_pairs.jsonl`` (``docs/event-labelling.md``); ``scripts/eval_events.py`` measures them,
and the ``blind`` part was scored once with them frozen.

Grouping (:func:`group_events`) is by leader: in feed order, a story joins the first group whose first
story it is one event with, so a chain of loosely similar stories never snowballs into one group.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from themeflow.dedup import char_bigrams, dice, normalize
from themeflow.model import Document
from themeflow.text.doctype import doc_type
from themeflow.text.numbers import find_figures

__all__ = [
    "LEAD_CHARS",
    "EventConfig",
    "EventFeatures",
    "EventSignature",
    "event_features",
    "event_signature",
    "group_events",
    "same_event",
]

LEAD_CHARS = 300
"""Characters of body text after the headline that make the lead (two or three sentences)."""
ENTITY_TAGS = frozenset({"nr", "ns", "nt", "nz", "eng", "nrt", "j"})
"""Part-of-speech tags of names: person, place, organisation, other proper noun, Latin word, abbreviation."""
MANY_HAPPENINGS = frozenset({"roundup", "liveblog", "table"})
"""Document kinds that report many happenings at once and so are no one event's write-up."""
_CST = timezone(timedelta(hours=8))


@dataclass(frozen=True, slots=True)
class EventConfig:
    """Thresholds of :func:`same_event` (see the module docstring)."""

    hours: float = 36.0
    """Publish times at most this far apart (a day either way)."""
    near_identical_lead: float = 0.4
    """Lead bigram Dice at which the leads alone say one event."""
    lead: float = 0.3
    lead_facts: int = 2
    """Close leads (Dice ≥ ``lead``) sharing this many figures and names."""
    title: float = 0.5
    title_lead: float = 0.15
    title_facts: int = 5
    """Close headlines (Dice ≥ ``title``), leads not far apart, sharing this many figures and names."""
    series_title: float = 0.5
    series_lead: float = 0.6


DEFAULT_EVENT_CONFIG = EventConfig()


@dataclass(frozen=True, slots=True)
class EventSignature:
    """What :func:`same_event` compares, read once per document."""

    doc_id: str
    published: datetime | None
    title: frozenset[str]
    lead: frozenset[str]
    figures: frozenset[str]
    entities: frozenset[str]
    title_numbers: frozenset[str] = frozenset()
    source: str | None = None
    single: bool = True
    """About one thing: not a roundup, live blog or table (``text.doctype``)."""


@dataclass(frozen=True, slots=True)
class EventFeatures:
    hours: float | None
    title: float
    lead: float
    figures: int
    entities: int
    series: bool = False
    """The pair looks like two issues of one series: different numbers in the headlines, or figures in
    both leads and none shared."""

    @property
    def facts(self) -> int:
        return self.figures + self.entities


@lru_cache(maxsize=4096)
def _names(text: str) -> frozenset[str]:
    from themeflow.text.segment import pos_tags

    return frozenset(w for w, tag in pos_tags(text) if tag in ENTITY_TAGS and len(w) >= 2 and not w.isdigit())


def _figures(text: str) -> frozenset[str]:
    """Figures as value and unit (``78亿美元`` and ``7.8 billion dollars`` read alike); bare numbers and
    years are left out: they are what unrelated stories share by chance."""
    out = set()
    for f in find_figures(text):
        if not f.unit or f.unit == "year" or f.kind == "date":
            continue
        out.add(f"{f.normalized:.6g}{f.unit}")
    return frozenset(out)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _lead_text(doc: Document) -> str:
    body = "".join(doc.paragraphs)
    return body[:LEAD_CHARS]


_SIGNATURES: dict[tuple[str, str, datetime | None, str | None], EventSignature] = {}
_SIGNATURES_MAX = 8192


def event_signature(doc: Document) -> EventSignature:
    """What :func:`same_event` compares, kept per document version (a feed page shows the same stories
    to every visitor; reading them costs a tagger pass and the figure reader)."""
    if not doc.content_hash:  # a document never stored: no version to key it by
        return _signature(doc)
    key = (doc.id, doc.content_hash, doc.published_at, doc.source)  # the hash covers the text only
    found = _SIGNATURES.get(key)
    if found is None:
        if len(_SIGNATURES) >= _SIGNATURES_MAX:
            _SIGNATURES.pop(next(iter(_SIGNATURES)))
        found = _SIGNATURES[key] = _signature(doc)
    return found


def _signature(doc: Document) -> EventSignature:
    lead = _lead_text(doc)
    head = f"{doc.title}。{lead}"
    return EventSignature(
        doc_id=doc.id,
        published=doc.published_at,
        title=char_bigrams(doc.title),
        lead=char_bigrams(head),
        figures=_figures(head),
        entities=_names(head),
        title_numbers=frozenset(_NUMBER.findall(normalize(doc.title))),
        source=normalize(doc.source) if doc.source else None,
        single=doc_type(doc) not in MANY_HAPPENINGS,
    )


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=_CST)


def _series(a: EventSignature, b: EventSignature, config: EventConfig | None = None) -> bool:
    """Two issues of a templated series: alike headlines with all numbers different, or near-identical
    leads with all figures different."""
    config = config or DEFAULT_EVENT_CONFIG
    if a.title_numbers and b.title_numbers and not a.title_numbers & b.title_numbers:
        if dice(a.title, b.title) >= config.series_title:
            return True
    if a.figures and b.figures and not a.figures & b.figures:
        return dice(a.lead, b.lead) >= config.series_lead
    return False


def event_features(a: EventSignature, b: EventSignature) -> EventFeatures:
    hours = None
    if a.published is not None and b.published is not None:
        hours = abs((_aware(a.published) - _aware(b.published)).total_seconds()) / 3600
    return EventFeatures(
        hours=hours,
        title=dice(a.title, b.title),
        lead=dice(a.lead, b.lead),
        figures=len(a.figures & b.figures),
        entities=len(a.entities & b.entities),
        series=_series(a, b),
    )


def same_event(a: EventSignature, b: EventSignature, config: EventConfig = DEFAULT_EVENT_CONFIG) -> bool:
    """True when ``a`` and ``b`` report one happening (see the module docstring). Without both publish
    times, or both outlets, no pair is one event: the time is half of what an event is, and an event is
    told by several outlets."""
    if a.source is None or b.source is None or a.source == b.source or a.single != b.single:
        return False
    f = event_features(a, b)
    if f.hours is None or f.hours > config.hours or f.series:
        return False
    if f.lead >= config.near_identical_lead:
        return True
    if f.lead >= config.lead and f.facts >= config.lead_facts:
        return True
    return f.title >= config.title and f.lead >= config.title_lead and f.facts >= config.title_facts


def group_events(
    signatures: Sequence[EventSignature], config: EventConfig = DEFAULT_EVENT_CONFIG
) -> list[list[int]]:
    """Indexes of ``signatures`` grouped into events, in order: each group's first index is its leader
    (the first of its stories in the given order), and a story joins the first group whose leader it is
    one event with."""
    groups: list[list[int]] = []
    for i, sig in enumerate(signatures):
        for group in groups:
            if same_event(signatures[group[0]], sig, config):
                group.append(i)
                break
        else:
            groups.append([i])
    return groups
