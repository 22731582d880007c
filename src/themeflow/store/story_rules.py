"""How documents are grouped into stories, for every store backend: the rules, free of any database.

Each backend keeps the same tables (fingerprints, LSH band keys, sentence keys, stories, memberships) and
exposes them through :class:`StoryTables`, a handful of one-statement operations. Everything that decides
an outcome lives here, once: which stored documents are candidates, which candidates are copies, when a
document founds, joins or bridges stories, which member is canonical, what a story's id, size, similarities
and publish span are, and how a story splits when its bridge leaves. Two backends given the same
documents therefore form the same stories with the same ids, whatever their SQL.

The invariant (see :mod:`themeflow.dedup`): **stories are the connected components of**
:func:`themeflow.dedup.linked` over the documents present, kept incrementally:

- a new document is linked to its candidates (a shared band key, a shared content sentence held by few
  documents, the same normalized body) and joins their story; when it links two or more stories it
  **bridges** them and they merge into one;
- removing a document (or changing its content, which is remove + insert) re-checks the remaining members
  of its story pairwise and splits the story if the document was the bridge — O(size²) in that one story.

Two approximations bound the work per document, whatever the store's size:

- a sentence key held by more than :data:`MAX_SENTENCE_HOLDERS` documents proposes no candidates, so a pair
  whose only link is such a stock sentence (and no band key) may stay apart on insert although
  :func:`themeflow.dedup.linked` holds for it; a real excerpt shares its rarer sentences too;
- a band key held by more than :data:`MAX_BAND_HOLDERS` documents proposes only its newest
  :data:`MAX_BAND_HOLDERS` holders. Documents sharing a band key agree on a whole band of MinHash rows, so a
  crowded key is one big story (a wire story re-posted hundreds of times) or a family of near-identical
  posts; its newest holders stand for it. A copy could stay apart only if every one of its crowded keys'
  newest holders sits in another story than the older holder it copies.

The canonical copy is the earliest published, then the longest normalized body, then the smallest id
(:func:`themeflow.dedup.canonical_order_key`); a story's id follows its canonical document
(:func:`themeflow.dedup.story_id_for`), so the same documents always form the same stories with the same
ids whichever order they came in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from themeflow import dedup
from themeflow.model import Copy, Document, Story

__all__ = [
    "CONFIG",
    "FINGERPRINT_COLUMNS",
    "MAX_BAND_HOLDERS",
    "MAX_SENTENCE_HOLDERS",
    "UNKNOWN_PUBLISHED",
    "Fingerprinted",
    "StoryState",
    "StoryTables",
    "assemble_stories",
    "assign",
    "components",
    "fingerprint_document",
    "fingerprint_values",
    "fingerprinted",
    "parse_time",
    "refresh",
    "remove",
    "sentence_candidates",
    "settle",
    "title_is_derived",
]

CONFIG = dedup.DEFAULT_CONFIG
"""The one configuration stored fingerprints are computed with (its version is recorded beside them)."""
UNKNOWN_PUBLISHED = dedup.published_key(None)
"""The publish key of a document without a known time: it sorts last and spans no story."""
MAX_SENTENCE_HOLDERS = 32
"""A sentence key held by more documents than this proposes no copy candidates (see the module doc)."""
MAX_BAND_HOLDERS = 64
"""A band key proposes at most this many of its holders, the newest (see the module doc). Why: with every
holder proposed, each new copy of a story of 1,800 copies read 36,000 band rows and slowed a million-document
ingest to a crawl."""

FINGERPRINT_COLUMNS: tuple[str, ...] = (
    "rowid",
    "doc_id",
    "content_hash",
    "length",
    "published_key",
    "minhash",
    "figures",
    "title",
    "sentences",
    "title_derived",
    "title_support",
    "collection",
)
"""The columns of a stored fingerprint in the order :func:`fingerprinted` reads them (and
:func:`fingerprint_values` writes them, ``rowid`` excepted): one layout for every backend."""


class Fingerprinted:
    """A stored document's fingerprint, with what orders it among its copies."""

    __slots__ = ("doc_id", "fp", "length", "published", "rowid")

    def __init__(self, rowid: int, doc_id: str, fp: dedup.Fingerprint, published: str) -> None:
        self.rowid, self.doc_id, self.fp, self.published = rowid, doc_id, fp, published
        self.length = fp.length

    def order(self) -> tuple[str, int, str]:
        return dedup.canonical_order_key(self.published, self.length, self.doc_id)


def fingerprinted(r: Sequence[object]) -> Fingerprinted:
    """A fingerprint from a row of :data:`FINGERPRINT_COLUMNS` (arrays stored as little-endian bytes)."""
    rowid, doc_id, chash, length, pub, mh, figs, title, sents, derived, support, collection = r
    hashes, lengths = dedup.Fingerprint.sentences_from_bytes(sents)  # type: ignore[arg-type]
    fp = dedup.Fingerprint(
        content_hash=str(chash),
        length=int(length),  # type: ignore[call-overload]
        signature=dedup.Fingerprint.array_from_bytes(mh),  # type: ignore[arg-type]
        figures=dedup.Fingerprint.array_from_bytes(figs),  # type: ignore[arg-type]
        title=str(title),
        sentences=hashes,
        sentence_lengths=lengths,
        title_derived=bool(derived),
        title_support=float(support),  # type: ignore[arg-type]
        collection=bool(collection),
    )
    return Fingerprinted(int(rowid), str(doc_id), fp, str(pub))  # type: ignore[call-overload]


def fingerprint_values(doc_id: str, fp: dedup.Fingerprint, published: str) -> tuple[object, ...]:
    """The values of :data:`FINGERPRINT_COLUMNS` after ``rowid``, for an insert."""
    return (
        doc_id,
        fp.content_hash,
        fp.length,
        published,
        fp.signature_bytes(),
        fp.figures_bytes(),
        fp.title,
        fp.sentences_bytes(),
        fp.title_derived,
        fp.title_support,
        fp.collection,
    )


def title_is_derived(meta: object) -> bool:
    """Whether ingest derived the title from the first sentence (``meta.title_origin``): such a title is
    body text, and two re-hosts that open differently must not veto each other as "unrelated
    headlines" (:attr:`themeflow.dedup.Fingerprint.title_derived`)."""
    return bool(meta.get("title_origin")) if isinstance(meta, Mapping) else False


def fingerprint_document(doc: Document, kind: str | None) -> dedup.Fingerprint:
    """The fingerprint a store keeps for ``doc``; ``kind`` is its type when the store already classified it."""
    derived = title_is_derived(doc.meta)
    return dedup.fingerprint(doc.paragraphs, doc.title, CONFIG, kind=kind, title_derived=derived)


def parse_time(value: object) -> datetime | None:
    """A stored ISO time, or None for none or an unreadable one."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _same(a: dedup.Fingerprint, b: dedup.Fingerprint) -> bool:
    """Whether a re-written document still links exactly as before (only its publish time may differ)."""
    return (
        a.content_hash == b.content_hash
        and a.title == b.title
        and a.figures.tobytes() == b.figures.tobytes()
        and a.collection == b.collection
        and a.title_support == b.title_support
        and a.title_derived == b.title_derived
    )


@dataclass(frozen=True, slots=True)
class StoryState:
    """What a story row holds, and each member's similarity to the canonical copy."""

    story_id: str
    canonical_id: str
    size: int
    first_published: str | None
    last_published: str | None
    similarities: tuple[tuple[str, float], ...] = ()
    """(document id, similarity to the canonical copy rounded to 4 places), canonical first."""

    def row(self, created: object, updated: object) -> tuple[object, ...]:
        """The values of ``stories(id, canonical_id, size, first_published, last_published, created_at,
        updated_at)``, times in the backend's own form."""
        return (
            self.story_id,
            self.canonical_id,
            self.size,
            self.first_published,
            self.last_published,
            created,
            updated,
        )


def story_from_row(story_id: str, row: Sequence[object] | None) -> StoryState | None:
    """A story row ``(canonical_id, size, first_published, last_published)`` as a state without
    similarities (None: no such story); each backend reads the row in its own SQL."""
    if row is None:
        return None
    canonical, size, first, last = row
    return StoryState(story_id, str(canonical), int(str(size)), _text(first), _text(last))


def settle(members: Sequence[Fingerprinted]) -> StoryState | None:
    """Canonical copy, id, size, similarities and publish span of a story with these members (None when it
    has none left)."""
    rows = sorted(members, key=Fingerprinted.order)
    if not rows:
        return None
    canon = rows[0]
    known = [r.published for r in rows if r.published != UNKNOWN_PUBLISHED]
    first, last = (min(known), max(known)) if known else (None, None)
    sims = tuple((r.doc_id, round(dedup.similarity(canon.fp, r.fp), 4)) for r in rows)
    return StoryState(dedup.story_id_for(canon.doc_id), canon.doc_id, len(rows), first, last, sims)


def components(rows: Sequence[Fingerprinted]) -> list[list[Fingerprinted]]:
    """Connected components under :func:`dedup.linked` (union-find over all pairs of one story), the one
    holding the earliest canonical first."""
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            if find(i) != find(j) and dedup.linked(rows[i].fp, rows[j].fp, CONFIG):
                parent[find(i)] = find(j)
    groups: dict[int, list[Fingerprinted]] = {}
    for i, r in enumerate(rows):
        groups.setdefault(find(i), []).append(r)
    return sorted(groups.values(), key=lambda g: min(r.order() for r in g))


class StoryTables(Protocol):
    """The story tables of one backend inside one write transaction: single statements, no decisions.

    Creation times are the backend's own (``created`` is opaque here: read from one story, written to
    another; None means now)."""

    def fingerprints(self, doc_ids: Sequence[str]) -> list[Fingerprinted]: ...

    def fingerprints_at(self, rowids: Sequence[int]) -> list[Fingerprinted]: ...

    def stories_at(self, rowids: Sequence[int]) -> dict[int, str | None]:
        """The story of each fingerprint (None: in none yet), by fingerprint rowid."""
        ...

    def insert_fingerprint(
        self, doc_id: str, fp: dedup.Fingerprint, published: str, bands: Sequence[int]
    ) -> int:
        """Store the fingerprint, its band keys and its sentence keys; returns its rowid."""
        ...

    def drop_fingerprint(
        self, doc_id: str, rowid: int | None, bands: Sequence[int], sentences: Sequence[int]
    ) -> None:
        """Delete a document's fingerprint and, when it had one (``rowid``), its band and sentence keys."""
        ...

    def set_published(self, rowid: int, published: str) -> None: ...

    def band_holders(self, bands: Sequence[int], per_band: int) -> set[int]:
        """Rowids of the fingerprints holding any of these band keys: of each key, its ``per_band`` newest
        (highest rowid) holders."""
        ...

    def sentence_counts(self, keys: Sequence[int], max_holders: int) -> dict[int, int]:
        """Per fingerprint rowid, how many of ``keys`` it holds, counting only keys held by at most
        ``max_holders`` fingerprints (telling a crowded key must not read all its holders)."""
        ...

    def same_content(self, content_hash: str) -> set[int]: ...

    def story_of_doc(self, doc_id: str) -> str | None: ...

    def story_ids_of(self, doc_ids: Sequence[str]) -> set[str]: ...

    def member_ids(self, story_id: str) -> list[str]: ...

    def add_member(self, story_id: str, doc_id: str, similarity: float) -> None: ...

    def drop_member(self, doc_id: str) -> str | None:
        """Remove a document's membership; returns the story it was in."""
        ...

    def move_members(self, story_id: str, doc_ids: Sequence[str]) -> None: ...

    def merge_story(self, into: str, other: str) -> None:
        """Move every member of ``other`` into ``into``, keep the earlier creation time, delete ``other``."""
        ...

    def story_created(self, story_id: str) -> object | None: ...

    def story_row(self, story_id: str) -> StoryState | None:
        """The story's row (canonical copy, size, publish span; no similarities), None if there is none."""
        ...

    def upsert_story(self, state: StoryState, created: object | None) -> None:
        """Write the story row; an existing row keeps its creation time."""
        ...

    def set_members(self, state: StoryState) -> None:
        """Point each member at ``state.story_id`` with its similarity."""
        ...

    def delete_story(self, story_id: str) -> None: ...


def assign(tables: StoryTables, doc_id: str, fp: dedup.Fingerprint, published: str) -> str:
    """Keep an unchanged document where it is; otherwise (re)insert its fingerprint, find its copies and
    join (or found, or bridge) their story. Returns the document's story id."""
    kept = _unchanged_story(tables, doc_id, fp, published)
    if kept is not None:
        return kept
    bands = dedup.band_keys(fp.signature, CONFIG) if fp.signature is not None else []
    rowid = tables.insert_fingerprint(doc_id, fp, published, bands)
    matches = _copies_of(tables, rowid, bands, fp)
    if not matches:
        # Alone (most documents): written as a refresh would leave it, without reading it back.
        state = settle([Fingerprinted(rowid, doc_id, fp, published)])
        assert state is not None
        tables.upsert_story(state, None)
        tables.add_member(state.story_id, doc_id, state.similarities[0][1])
        return state.story_id
    story_ids = sorted(tables.story_ids_of([m.doc_id for m in matches]))
    if len(story_ids) == 1:
        joined = _join_one(tables, Fingerprinted(rowid, doc_id, fp, published), story_ids[0])
        if joined is not None:
            return joined
    return _join_story(tables, doc_id, story_ids)


def _join_one(tables: StoryTables, new: Fingerprinted, story_id: str) -> str | None:
    """Add ``new`` to one story without reading its members again, when it does not become the canonical
    copy (the common case: a later copy of a story already told). The canonical copy then stays, as does
    every member's similarity to it; the size, the publish span and the newcomer's similarity are what
    :func:`settle` would give. Why: a story of thousands of copies (a wire story, a replica) was re-read
    whole for every copy that joined it. None when the newcomer orders before the canonical copy (the
    caller settles the story in full)."""
    row = tables.story_row(story_id)
    canon = tables.fingerprints([row.canonical_id]) if row is not None else []
    if row is None or not canon or new.order() < canon[0].order():
        return None
    known = [p for p in (row.first_published, row.last_published) if p is not None]
    if new.published != UNKNOWN_PUBLISHED:
        known.append(new.published)
    first, last = (min(known), max(known)) if known else (None, None)
    state = StoryState(story_id, row.canonical_id, row.size + 1, first, last)
    tables.upsert_story(state, tables.story_created(story_id))
    tables.add_member(story_id, new.doc_id, round(dedup.similarity(canon[0].fp, new.fp), 4))
    return story_id


def _unchanged_story(tables: StoryTables, doc_id: str, fp: dedup.Fingerprint, published: str) -> str | None:
    """The story of a document whose fingerprint did not change (its publish time refreshed, which can move
    the canonical copy); None after removing a changed one, or for a document never seen."""
    old = tables.fingerprints([doc_id])
    if not old:
        return None
    prev = old[0]
    story = tables.story_of_doc(doc_id)
    if _same(prev.fp, fp) and story is not None:
        if prev.published != published:
            tables.set_published(prev.rowid, published)
            return refresh(tables, [story])[0]
        return story
    remove(tables, doc_id)
    return None


def _copies_of(
    tables: StoryTables, rowid: int, bands: Sequence[int], fp: dedup.Fingerprint
) -> list[Fingerprinted]:
    """Stored documents that are copies of ``fp``: candidates share a band key, a content sentence held by
    few documents, or the same normalized body (O(candidates)); each is checked with :func:`dedup.is_copy`."""
    cand = tables.band_holders(bands, MAX_BAND_HOLDERS) if bands else set()
    cand |= sentence_candidates(tables, fp.sentences.tolist(), rowid)
    if fp.length > 0:  # every empty body has the same hash and is a copy of nothing
        cand |= tables.same_content(fp.content_hash)
    cand.discard(rowid)
    if not cand:
        return []
    if len(cand) <= CHECK_BATCH:
        return [r for r in tables.fingerprints_at(sorted(cand)) if dedup.is_copy(fp, r.fp, CONFIG)]
    by_story: dict[str | None, list[int]] = {}
    for r, story in tables.stories_at(sorted(cand)).items():
        by_story.setdefault(story, []).append(r)
    found: list[Fingerprinted] = []
    for story, rowids in by_story.items():
        found += _copies_in(tables, fp, sorted(rowids, reverse=True), first_only=story is not None)
    return found


CHECK_BATCH = 8
"""Candidates read and compared at a time within one story. A story of many copies (a wire story, or a
replica) gives every new copy hundreds of candidates; one copy per story settles where the document goes
(it joins, or bridges, every story holding a copy of it), so the rest of that story is not read."""


def _copies_in(
    tables: StoryTables, fp: dedup.Fingerprint, rowids: Sequence[int], *, first_only: bool
) -> list[Fingerprinted]:
    """Copies of ``fp`` among ``rowids``, read :data:`CHECK_BATCH` at a time, newest first; ``first_only``
    (they are one story's members): stop at the first batch holding a copy."""
    out: list[Fingerprinted] = []
    for start in range(0, len(rowids), CHECK_BATCH):
        batch = tables.fingerprints_at(rowids[start : start + CHECK_BATCH])
        out += [r for r in batch if dedup.is_copy(fp, r.fp, CONFIG)]
        if out and first_only:
            break
    return out


def sentence_candidates(tables: StoryTables, keys: Sequence[int], rowid: int) -> set[int]:
    """Fingerprints sharing at least ``min_shared_sentences`` of these sentence keys (fewer can never make
    a contained copy; :func:`themeflow.dedup.are_candidates` says the same), counting only keys held by at
    most :data:`MAX_SENTENCE_HOLDERS` other documents (the new document's own keys are already stored)."""
    if len(keys) < CONFIG.min_shared_sentences:
        return set()
    counts = tables.sentence_counts(keys, MAX_SENTENCE_HOLDERS + 1)
    out = {fp for fp, n in counts.items() if n >= CONFIG.min_shared_sentences}
    out.discard(rowid)
    return out


def _join_story(tables: StoryTables, doc_id: str, story_ids: Sequence[str]) -> str:
    """Add the document to the first of ``story_ids``, merging the others into it (the document bridges
    them), or found a story of its own; returns the story's id after its refresh."""
    provisional = story_ids[0] if story_ids else dedup.story_id_for(doc_id)
    if not story_ids:
        tables.upsert_story(StoryState(provisional, doc_id, 1, None, None), None)
    for other in story_ids[1:]:
        tables.merge_story(provisional, other)
    tables.add_member(provisional, doc_id, 0.0)
    return refresh(tables, [provisional])[0]


def refresh(tables: StoryTables, story_ids: Sequence[str]) -> list[str]:
    """Recompute canonical copy, id, size, similarities and publish span of stories; returns the new ids
    (a story left without members is deleted)."""
    out = []
    for sid in story_ids:
        state = settle(tables.fingerprints(tables.member_ids(sid)))
        if state is None:
            tables.delete_story(sid)
            continue
        created = tables.story_created(sid)
        if state.story_id != sid:
            tables.delete_story(sid)
        tables.upsert_story(state, created)
        tables.set_members(state)
        out.append(state.story_id)
    return out


def remove(tables: StoryTables, doc_id: str) -> None:
    """Forget a document's fingerprint and membership; split its story if it was the bridge."""
    rows = tables.fingerprints([doc_id])
    row = rows[0] if rows else None
    bands = (
        dedup.band_keys(row.fp.signature, CONFIG) if row is not None and row.fp.signature is not None else []
    )
    sentences = row.fp.sentences.tolist() if row is not None else []
    tables.drop_fingerprint(doc_id, row.rowid if row is not None else None, bands, sentences)
    sid = tables.drop_member(doc_id)
    if sid is None:
        return
    parts = components(tables.fingerprints(tables.member_ids(sid)))
    if len(parts) <= 1:
        refresh(tables, [sid])
        return
    # The removed document was a bridge: each component becomes its own story.
    created = tables.story_created(sid)
    tables.delete_story(sid)
    for n, part in enumerate(parts):
        tmp = f"{sid}~{n}"
        tables.upsert_story(StoryState(tmp, part[0].doc_id, len(part), None, None), created)
        tables.move_members(tmp, [r.doc_id for r in part])
        refresh(tables, [tmp])


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def assemble_stories(
    story_rows: Iterable[Sequence[object]], member_rows: Iterable[Sequence[object]]
) -> dict[str, Story]:
    """Stories by id from ``(id, canonical_id)`` rows and their members' rows ``(story_id, doc_id,
    published_key, length, source, published_at, url, title)``: copies (canonical excluded) in canonical
    order."""
    canon = {str(r[0]): str(r[1]) for r in story_rows}
    members: dict[str, list[tuple[tuple[str, int, str], Copy]]] = {i: [] for i in canon}
    for sid, did, pub, length, source, published, url, title in member_rows:
        copy = Copy(
            id=str(did),
            source=_text(source),
            published_at=parse_time(published),
            url=_text(url),
            title=_text(title),
        )
        key = dedup.canonical_order_key(str(pub), int(length), str(did))  # type: ignore[call-overload]
        members[str(sid)].append((key, copy))
    out = {}
    for sid, canonical_id in canon.items():
        ordered = [c for _, c in sorted(members[sid], key=lambda x: x[0]) if c.id != canonical_id]
        out[sid] = Story(id=sid, canonical_id=canonical_id, copies=tuple(ordered))
    return out
