"""The tag vocabulary: every concept of the curated finance lexicon, and every saved theme.

A concept is tagged by the search a user would run for it, so a tag means exactly what the concept's page
and the theme's workflow find: a lexicon concept by its name (which search expands to its other names,
narrower terms and compound parts), a theme by one search per alternative (its query and each keyword, with
its exclusions, outlets and ``since``). A saved theme named like a lexicon concept replaces it.

Each concept has a ``digest`` of everything that decides its tags (the searches, the lexicon version, the
tagging rules). A stored tag set computed under another digest is recomputed in full; under the same
digest only documents written since the last refresh are read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from themeflow.model import TagKind, Theme
from themeflow.search.concept import EXPANSION_RULES
from themeflow.text.lexicon import Lexicon, finance_lexicon
from themeflow.text.segment import fold

__all__ = [
    "TAGGING_VERSION",
    "TagConcept",
    "lexicon_concepts",
    "resolve_concept",
    "theme_concept",
    "vocabulary",
]

TAGGING_VERSION = 1
"""Bump when the rule that turns search hits into tags changes: every concept is tagged again."""


@dataclass(frozen=True, slots=True)
class TagConcept:
    """One concept of the vocabulary and how it is searched."""

    name: str
    kind: TagKind
    queries: tuple[str, ...]
    sources: tuple[str, ...] = ()
    since: datetime | None = None
    definition: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """What the page header shows: the lexicon's other names and narrower terms, or a theme's query,
    keywords, exclusions and outlets."""
    lexicon_version: int = 0
    summarizer: str | None = None
    figures: str = "rules"
    """How the page's key figures are read: ``rules``, or ``llm`` (a theme's ``figures``; ``facts/confirm.py``)."""
    """The summarizer a theme's page uses (its workflow's); None: the configured one."""

    @property
    def digest(self) -> str:
        spec = {
            "v": TAGGING_VERSION,
            "lexicon": self.lexicon_version,
            "rules": EXPANSION_RULES,
            "queries": list(self.queries),
            "sources": list(self.sources),
            "since": self.since.isoformat() if self.since else None,
        }
        return hashlib.sha1(json.dumps(spec, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def lexicon_concepts(lexicon: Lexicon | None = None) -> list[TagConcept]:
    """One concept per lexicon entry, searched by its name."""
    lexicon = lexicon or finance_lexicon()
    return [
        TagConcept(
            name=e.name,
            kind="lexicon",
            queries=(e.name,),
            definition={"same": e.same, "narrower": e.narrower},
            lexicon_version=lexicon.version,
        )
        for e in lexicon.entries
    ]


def theme_concept(theme: Theme, queries: Sequence[str], *, lexicon_version: int | None = None) -> TagConcept:
    """A saved theme as a concept; ``queries`` are the searches its runs issue (``workflow.themes``)."""
    return TagConcept(
        name=theme.name,
        kind="theme",
        queries=tuple(queries),
        sources=theme.sources,
        since=theme.since,
        definition={
            "query": (theme.query,),
            "keywords": theme.keywords,
            "exclusions": theme.exclusions,
            "sources": theme.sources,
        },
        lexicon_version=finance_lexicon().version if lexicon_version is None else lexicon_version,
        summarizer=theme.summarizer,
        figures=theme.figures,
    )


def vocabulary(themes: Iterable[TagConcept], lexicon: Lexicon | None = None) -> dict[str, TagConcept]:
    """Lexicon concepts, then themes (a theme replaces a lexicon concept of the same name), by name."""
    found = {c.name: c for c in lexicon_concepts(lexicon)}
    found.update((c.name, c) for c in themes)
    return found


def resolve_concept(
    name: str, vocab: Mapping[str, TagConcept], lexicon: Lexicon | None = None
) -> tuple[TagConcept, str | None] | None:
    """The concept a page address names, and a note when it was read as another name.

    ``AI资本开支周期`` (the seed's address) is the lexicon concept AI资本开支 with the modifier 周期, which
    names a kind of concept and is never required (``search/concept.py``); other names of a concept
    (资本支出), other scripts and cases (資本開支, ai) lead to the concept. None: no concept of that name.
    """
    typed = name.strip()
    if not typed:
        return None
    if typed in vocab:
        return vocab[typed], None
    folded = fold(typed).strip()
    by_fold = {fold(n).strip(): c for n, c in vocab.items()}
    if folded in by_fold:
        return by_fold[folded], None
    lexicon = lexicon or finance_lexicon()
    entry = lexicon.lookup(typed)
    if entry is not None and entry.name in vocab:
        return vocab[entry.name], f"「{typed}」是「{entry.name}」的另一种写法"
    for modifier in sorted(lexicon.modifiers, key=len, reverse=True):
        if folded.endswith(modifier) and len(folded) > len(modifier):
            found = resolve_concept(typed[: len(typed) - len(modifier)], vocab, lexicon)
            if found is not None:
                concept, _ = found
                return (
                    concept,
                    f"「{typed}」按概念「{concept.name}」显示（「{modifier}」是修饰词，不要求出现）",
                )
    return None
