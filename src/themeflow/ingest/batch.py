"""Two rules for a batch of documents on its way to the store: one version per id, one id per article."""

from __future__ import annotations

from dataclasses import replace

from themeflow.model import Document

__all__ = ["dedupe_batch", "disambiguate"]


def disambiguate(doc: Document, written: dict[str, str]) -> Document:
    """Keep two different articles that share one URL (a site's bug) as two documents.

    Without this, re-ingesting a source that lists the same URL twice with different text would flip the
    stored document back and forth on every run. The second article gets a stable id derived from its
    content, so re-runs find both unchanged; ``meta["url_collision"]`` names the id it collided with.
    """
    seen = written.get(doc.id)
    if seen is None or seen == doc.content_hash:
        written[doc.id] = doc.content_hash
        return doc
    new_id = f"{doc.id}-{doc.content_hash[:8]}"
    written[new_id] = doc.content_hash
    return replace(doc, id=new_id, meta={**doc.meta, "url_collision": doc.id})


def dedupe_batch(batch: list[Document]) -> list[Document]:
    """Keep the last version of each id within one batch (a file may list an article twice)."""
    seen: dict[str, Document] = {}
    for doc in batch:
        seen[doc.id] = doc
    return list(seen.values())
