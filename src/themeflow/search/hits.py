"""The page's hits: each shown document with its score, highlighted snippet and the story's other copies.

Backend-free: built for the page's documents only, after ranking and folding.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from themeflow.model import Copy, Document, Hit, Story
from themeflow.search.query import ParsedQuery
from themeflow.search.ranking import Candidate
from themeflow.search.request import SearchRequest
from themeflow.search.snippet import Highlighter, make_snippet

__all__ = ["LoadDocuments", "build_hits", "other_copies"]

LoadDocuments = Callable[[Sequence[str]], dict[str, Document]]
"""``store.get_documents``: the documents among these ids that exist, keyed by id."""


def build_hits(
    rows: Sequence[Candidate],
    stories: Mapping[str, Story],
    query: ParsedQuery,
    request: SearchRequest,
    load: LoadDocuments,
) -> list[Hit]:
    """One :class:`Hit` per row, in order; a document deleted since it was ranked is left out."""
    if not rows:
        return []
    docs = load([r.id for r in rows])
    highlighter = Highlighter.for_query(query, loose=request.analysis != "bigram")
    hits: list[Hit] = []
    for r in rows:
        doc = docs.get(r.id)
        if doc is None:  # deleted between the two reads
            continue
        story = stories.get(r.id)
        hits.append(
            Hit(
                document=doc,
                score=r.score,
                snippet=make_snippet(doc, highlighter) if request.snippets else None,
                story_id=story.id if story else None,
                copies=other_copies(story, doc.id, load) if story else (),
                aboutness=r.aboutness,
                partial=r.partial,
            )
        )
    return hits


def other_copies(story: Story, shown_id: str, load: LoadDocuments) -> tuple[Copy, ...]:
    """The story's other members: its copies, plus the canonical one (first) when a copy represents the
    story."""
    out = [c for c in story.copies if c.id != shown_id]
    if story.canonical_id != shown_id:
        canon = load([story.canonical_id]).get(story.canonical_id)
        if canon is not None:
            out.insert(0, Copy(canon.id, canon.source, canon.published_at, canon.url, canon.title))
    return tuple(out)
