"""The theme's key figures as a digest or a page shows them: the figures record plus the cited text.

:class:`~themeflow.facts.ThemeFigures` says which paragraph of which document states each figure. A page
also needs an outlet to label each citation with, the cited paragraph to quote in the conflicts box, and,
in a self-contained HTML digest, a place inside the file for every citation to land. :class:`KeyFigures`
carries the record with the cited documents; it never queries the store (``workflow/digests.py`` reads the
documents and stories once, when a digest is built).

Why these rules:
- **All copies are read, stories count once.** A syndicated copy may have changed a number (that is how a
  ``1143GW`` slips in), so every copy of a digest item is extracted; agreement counts stories
  (``store.stories_for``), so ten reposts do not make a figure ten times as credible.
- **Bounded.** The digest shows the :data:`TOP_FIGURES` best-attested figures (named entity and period
  first among equals, then the figures of the stories most on the theme, at most :data:`PER_DOCUMENT` single-source rows from one article so one dense
  earnings note does not fill the table) and every conflict: conflicts are what an analyst must check.
- **Every citation resolves inside the file.** A citation of an item's lead document links to the
  paragraph in its source view; a copy whose cited paragraph reads the same as one of its lead's links
  there; any other cited paragraph is listed in the figures card's own source view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from themeflow.model import Citation, Document, Story

if TYPE_CHECKING:
    from themeflow.facts import Conflict, FactChecker, FigureGroup, ThemeFigures

__all__ = ["TOP_FIGURES", "KeyFigures", "Quote", "key_figures"]

TOP_FIGURES = 15
"""Figure groups a digest shows (most outlets first); the JSON report carries all of them."""
PER_DOCUMENT = 3
"""Single-source figures shown from one document before other documents get a row."""
QUOTE_CHARS = 28
"""Characters of context either side of a value quoted in the conflicts box."""
OUTLET_CHARS = 8
"""An outlet name labelling a citation is cut to this many characters (feeds put headlines there)."""


@dataclass(frozen=True, slots=True)
class Quote:
    """A cited paragraph clipped around the value it states: ``before`` + ``hit`` + ``after``."""

    before: str
    hit: str
    after: str


def shown_qualifier(qualifier: str | None) -> str:
    """The qualifier printed before a value (约, 超过 …); ``从`` marks a start value and is not printed."""
    return qualifier if qualifier and qualifier != "从" else ""


@dataclass(frozen=True, slots=True)
class KeyFigures:
    """A theme's figures and conflicts with the documents they cite (see the module docstring)."""

    result: ThemeFigures
    documents: Mapping[str, Document] = field(default_factory=dict)
    """The cited documents by id (for outlet labels, quotes and the digest's extra source view)."""
    rank: Mapping[str, int] = field(default_factory=dict)
    """Each document's place in relevance order (0 first): among equally attested figures, those of the
    stories most on the theme come first. Unranked documents come last."""

    @property
    def figures(self) -> tuple[FigureGroup, ...]:
        return self.result.figures

    @property
    def conflicts(self) -> tuple[Conflict, ...]:
        return self.result.conflicts

    def __bool__(self) -> bool:
        return bool(self.result.figures or self.result.conflicts)

    def top(self, n: int = TOP_FIGURES, per_document: int = PER_DOCUMENT) -> tuple[FigureGroup, ...]:
        """The ``n`` best-attested figures: most stories first, then those naming an entity and a period,
        then those of the most relevant stories; among single-source figures at most ``per_document`` from
        one document until others run out."""
        last = len(self.rank)

        def relevance(g: FigureGroup) -> int:
            return min((self.rank.get(c.doc_id, last) for c in g.citations), default=last)

        ranked = sorted(
            self.result.figures, key=lambda g: (-g.agreement, not g.entity, g.period is None, relevance(g))
        )
        shown: list[FigureGroup] = []
        held: list[FigureGroup] = []
        per_doc: dict[str, int] = {}
        for g in ranked:
            if len(shown) >= n:
                break
            doc = g.citations[0].doc_id if g.citations else ""
            if g.agreement <= 1 and per_doc.get(doc, 0) >= per_document:
                held.append(g)
                continue
            per_doc[doc] = per_doc.get(doc, 0) + 1
            shown.append(g)
        return tuple(shown + held[: n - len(shown)])

    def disputed(self, g: FigureGroup) -> bool:
        """True when ``g`` is one of the values of a conflict (the same value, a shared citation)."""
        return any(
            v.value == g.value and set(v.citations) & set(g.citations)
            for k in self.result.conflicts
            for v in k.values
        )

    def outlet(self, doc_id: str, width: int = OUTLET_CHARS) -> str:
        """The cited document's outlet as a citation label, cut to ``width`` characters (0: whole)."""
        doc = self.documents.get(doc_id)
        name = " ".join(((doc.source if doc else None) or "来源未知").split())
        return name[: width - 1] + "…" if width and len(name) > width else name

    def text(self, c: Citation) -> str:
        """The cited paragraph, or '' when the document or paragraph is unknown."""
        doc = self.documents.get(c.doc_id)
        if doc is None or not 1 <= c.paragraph <= len(doc.paragraphs):
            return ""
        return doc.paragraphs[c.paragraph - 1]

    def quote(self, c: Citation, value: str, width: int = QUOTE_CHARS) -> Quote | None:
        """The cited paragraph clipped to ``width`` characters either side of ``value`` (None: not found)."""
        text = self.text(c)
        at = text.find(value) if value else -1
        if at < 0:
            return None
        start, end = max(0, at - width), min(len(text), at + len(value) + width)
        return Quote(
            ("…" if start else "") + text[start:at],
            value,
            text[at + len(value) : end] + ("…" if end < len(text) else ""),
        )

    def cited(self, groups: Iterable[FigureGroup] | None = None) -> list[Citation]:
        """Every citation the conflicts and ``groups`` (default: :meth:`top`) show, in first-seen order."""
        out: dict[Citation, None] = {}
        for k in self.result.conflicts:
            for v in k.values:
                out.update(dict.fromkeys(v.citations))
        for g in self.top() if groups is None else groups:
            out.update(dict.fromkeys(g.citations))
        return list(out)

    def anchors(
        self, shown: Mapping[str, Document], groups: Iterable[FigureGroup] | None = None
    ) -> tuple[dict[Citation, Citation], list[tuple[Document, list[int]]]]:
        """Where each shown citation lands in a digest whose source views hold the ``shown`` documents.

        Returns ``(targets, extra)``: ``targets`` maps a citation to the (document, paragraph) whose
        anchor to link — itself, or its lead's identical paragraph for a copy — and ``extra`` lists the
        documents and paragraphs the digest must add a source view for. A citation missing from
        ``targets`` cannot be resolved and is printed without a link.
        """
        leads_text: dict[str, Citation] = {}
        for doc in shown.values():
            for n, p in enumerate(doc.paragraphs, start=1):
                leads_text.setdefault(p, Citation(doc.id, n))
        targets: dict[Citation, Citation] = {}
        extra: dict[str, list[int]] = {}
        for c in self.cited(groups):
            lead = shown.get(c.doc_id)
            if lead is not None:
                if 1 <= c.paragraph <= len(lead.paragraphs):
                    targets[c] = c
                continue
            text = self.text(c)
            if not text:
                continue
            if text in leads_text:
                targets[c] = leads_text[text]
            else:
                targets[c] = c
                extra.setdefault(c.doc_id, []).append(c.paragraph)
        return targets, [(self.documents[i], sorted(set(ns))) for i, ns in extra.items()]


def key_figures(
    docs: Sequence[Document],
    stories: Mapping[str, Story] | None = None,
    checker: FactChecker | None = None,
    theme: str | None = None,
) -> KeyFigures:
    """Extract and line up the figures of ``docs``, given most relevant first (``stories``:
    ``store.stories_for`` of their ids; ``checker``: the LLM check, ``facts/confirm.py``; ``theme``: the
    theme's query and name, so the table keeps the figures worth reading on it, ``facts/readable.py``)."""
    from themeflow.facts import figures_for_documents

    result = figures_for_documents(docs, stories, checker=checker, theme=theme)
    cited = {c.doc_id for g in result.figures for c in g.citations}
    cited |= {c.doc_id for k in result.conflicts for v in k.values for c in v.citations}
    rank = {d.id: i for i, d in enumerate(docs)}
    return KeyFigures(result, {d.id: d for d in docs if d.id in cited}, rank)
