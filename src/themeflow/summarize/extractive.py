"""The default summarizer: extractive, no model, fast enough to summarize every ingested article.

Sentences are scored by centrality (TextRank over TF-IDF cosine similarity of segmented words),
position, overlap with the title and figure density; redundancy is removed with MMR. The article's own
sub-headings become section titles; an article without them is cut into contiguous topical blocks,
each titled with a key phrase drawn from its text. Each chosen sentence is compressed into a terse
bullet by deleting attributions, fillers and minor clauses (:mod:`.compress`), so every bullet is made
of verbatim clauses and cites the paragraph(s) it came from. Articles with fewer than three
substantive paragraphs get a labelled lead excerpt instead of a structure.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter

import numpy as np

from themeflow.model import Bullet, Document, Section, Summary
from themeflow.summarize.compress import compress_parts
from themeflow.summarize.context import with_context
from themeflow.summarize.doubt import doubt_reason
from themeflow.summarize.fragments import (
    fragment_reason,
    is_boilerplate_sentence,
    strip_dateline,
    strip_headline,
)
from themeflow.summarize.meaning import meaning_reason, title_lead_name, title_reason
from themeflow.summarize.outline import Block, Para, headed_blocks, key_phrase, outline, segment_blocks
from themeflow.summarize.threads import one_blas_thread
from themeflow.text.numbers import find_figures
from themeflow.text.segment import pos_tags
from themeflow.text.sentences import sentence_spans, split_sentences
from themeflow.text.wordlists import word_list

__all__ = ["ExtractiveSummarizer"]

_STOP = frozenset(word_list("stopwords.toml", "summary_stopwords"))

WHOLE_SENTENCE_CHARS = 120
"""A sentence whose compression would change its meaning is shown whole up to this length, else skipped."""
"""Words that carry no topic (function words, verbs of saying, vague time words): data, see the file."""
_SKIP_POS = frozenset({"x", "m", "w", "u", "uj", "ul", "p", "c", "y", "e", "o", "q", "r"})
_QUANTITY_KINDS = frozenset(
    {"money", "percent", "power", "energy", "count", "multiple", "volume", "weight", "data"}
)


_CLOCK = re.compile(r"^(?:[01]?\d|2[0-3])[:：][0-5]\d$")


def entry_times(paras: Sequence[Para]) -> dict[int, tuple[str, int]]:
    """Body paragraph → (time, heading paragraph) when at least two headings are clock times (a live
    blog: ``09:51`` then the entry); empty otherwise."""
    clock_headings = [p for p in paras if p.role == "heading" and _CLOCK.match(p.text.strip())]
    if len(clock_headings) < 2:
        return {}
    out: dict[int, tuple[str, int]] = {}
    current: tuple[str, int] | None = None
    for p in paras:
        if p.role == "heading":
            text = p.text.strip()
            current = (text.replace("：", ":"), p.n) if _CLOCK.match(text) else None
        elif p.role == "body" and current is not None:
            out[p.n] = current
    return out


def _content_tokens(tagged: Sequence[tuple[str, str]]) -> list[str]:
    """Words that carry meaning: no stopwords, punctuation, numbers or single CJK characters."""
    out = []
    for w, pos in tagged:
        if pos in _SKIP_POS or (len(w) < 2 and not w.isascii()):
            continue
        lw = w.lower()
        if lw not in _STOP and (pos != "eng" or w.isalpha() or any(ch.isalpha() for ch in w)):
            out.append(lw)
    return out


@dataclass(slots=True)
class _Sent:
    idx: int
    para: int
    text: str
    first: bool
    tagged: list[tuple[str, str]]
    tokens: list[str]
    nfig: int
    score: float = 0.0
    core: float = 0.0


@dataclass(slots=True)
class _Doc:
    sents: list[_Sent]
    sim: np.ndarray
    body: list[int]
    keywords: list[tuple[str, float]] = field(default_factory=list)
    year: int | None = None
    """The article's publish year, for the meaning checks (a dropped year that is not it matters)."""
    paragraph_text: dict[int, str] = field(default_factory=dict)
    """Every paragraph by its number, for the section-title check."""
    title: str = ""
    times: dict[int, tuple[str, int]] = field(default_factory=dict)
    """Live blog: body paragraph number → (its entry's time, the time heading's paragraph number)."""


def code_digest() -> str:
    """A digest of everything that decides an extractive summary and its verification: this package's code
    and model, the text package's code and the word lists. Cached summaries are keyed by the summarizer's
    version; a version written by hand ("3") stayed the same across a dozen changes to what the summarizer
    shows, so stores kept serving summaries the current verifier would reject."""
    import hashlib
    from importlib import resources

    digest = hashlib.sha1()
    root = resources.files("themeflow")
    for folder, suffixes in (
        ("summarize", (".py", ".json")),
        ("text", (".py",)),
        ("data", (".toml", ".txt")),
    ):
        for item in sorted(root.joinpath(folder).iterdir(), key=lambda f: f.name):
            if item.is_file() and item.name.endswith(suffixes):
                digest.update(item.name.encode())
                digest.update(item.read_bytes())
    return digest.hexdigest()[:10]


class ExtractiveSummarizer:
    """Structured extractive summaries: 2–4 core views, 3–5 sections of 1–4 terse cited bullets.

    ``version`` follows the code (:func:`code_digest`): cached summaries are keyed by it.
    """

    name = "extractive"
    version = f"4+{code_digest()}"

    def __init__(
        self,
        *,
        max_sections: int = 5,
        max_bullets: int = 4,
        bullet_chars: int = 45,
        core_chars: int = 40,
        min_paragraphs: int = 3,
    ) -> None:
        self.max_sections = max_sections
        self.max_bullets = max_bullets
        self.bullet_chars = bullet_chars
        self.core_chars = core_chars
        self.min_paragraphs = min_paragraphs

    # -- public -------------------------------------------------------------------------------------

    def summarize(self, doc: Document) -> Summary:
        """Summary of ``doc``; never raises on odd text (an empty document gives an empty excerpt)."""
        with one_blas_thread():
            return self._summarize(doc)

    def _summarize(self, doc: Document) -> Summary:
        key = f"{self.name}@{self.version}"
        paras = outline(doc.paragraphs)
        body = [p for p in paras if p.role == "body"]
        substantive = [p for p in body if len(p.text) >= 20]
        if len(substantive) < self.min_paragraphs:
            return Summary(
                doc.id, doc.content_hash, key, core_views=self._lead_excerpt(body, doc.title), excerpt=True
            )
        d = self._analyse(doc, body)
        d.times = entry_times(paras)
        if len(d.sents) < 3:
            return Summary(
                doc.id, doc.content_hash, key, core_views=self._lead_excerpt(body, doc.title), excerpt=True
            )
        used: set[int] = set()
        texts: list[str] = []
        core = self._core_views(d, used, texts)
        sections = self._sections(d, paras, used, texts)
        return Summary(doc.id, doc.content_hash, key, core_views=tuple(core), sections=tuple(sections))

    # -- analysis -----------------------------------------------------------------------------------

    def _analyse(self, doc: Document, body: list[Para]) -> _Doc:
        title_tokens = set(_content_tokens(pos_tags(doc.title))) if doc.title else set()
        sents: list[_Sent] = []
        for p in body:
            figs = [f for f in find_figures(p.text) if f.kind in _QUANTITY_KINDS]
            for j, (a, b) in enumerate(sentence_spans(p.text)):
                s = p.text[a:b]
                if len(s) < 8 or is_boilerplate_sentence(s):
                    continue
                tagged = pos_tags(s)
                nfig = sum(1 for f in figs if a <= f.start < b)
                sents.append(_Sent(len(sents), p.n, s, j == 0, tagged, _content_tokens(tagged), nfig))
        n = len(sents)
        sim, df = _similarity(sents)
        np.fill_diagonal(sim, 0.0)
        centrality = _textrank(sim)
        cmax = float(centrality.max()) if n else 1.0
        order = {pn: r for r, pn in enumerate(p.n for p in body)}
        for st in sents:
            c = float(centrality[st.idx]) / cmax if cmax > 0 else 0.0
            r = order[st.para]
            pos = 1.0 if r == 0 else 0.85 if r == 1 else max(0.1, 1.0 / (1.0 + 0.2 * r))
            pos = min(1.0, pos + (0.1 if st.first else 0.0))
            tov = len(title_tokens.intersection(st.tokens)) / len(title_tokens) if title_tokens else 0.0
            fig = min(1.0, st.nfig / 2.0)
            lf = 0.5 if len(st.text) < 15 else 0.8 if len(st.text) > 160 else 1.0
            if st.text.endswith(("？", "?", "？”", "?”")):
                lf *= 0.05  # a question is not a claim (interviews: the interviewer's lines)
            st.score = lf * (0.4 * c + 0.15 * pos + 0.2 * min(1.0, tov) + 0.25 * fig)
            st.core = lf * (0.4 * c + 0.3 * pos + 0.3 * min(1.0, tov))
        kw = Counter(t for s in sents for t in s.tokens)
        idf = {k: math.log((1.0 + n) / (1.0 + k)) + 1.0 for k in set(df.values())}  # one log per frequency
        weighted = [(t, c * idf[df[t]]) for t, c in kw.items()]
        keywords = heapq.nlargest(30, weighted, key=itemgetter(1))  # ties in first-seen order, as sorted()
        year = doc.published_at.year if doc.published_at is not None else None
        paragraph_text = {n: text for n, text in enumerate(doc.paragraphs, start=1)}
        return _Doc(sents, sim, [p.n for p in body], keywords, year, paragraph_text, doc.title)

    # -- selection ----------------------------------------------------------------------------------

    def _mmr(self, d: _Doc, cands: list[_Sent], k: int, attr: str, exclude: set[int]) -> list[_Sent]:
        """Up to ``k`` high-scoring, mutually non-redundant sentences (MMR, λ = 0.7)."""
        pool = [s for s in cands if s.idx not in exclude]
        if not pool:
            return []
        idx = np.array([s.idx for s in pool])
        rel = np.array([getattr(s, attr) for s in pool])
        red = np.zeros(len(pool))
        if exclude:
            red = d.sim[np.ix_(idx, np.array(sorted(exclude)))].max(axis=1)
        chosen: list[_Sent] = []
        alive = np.ones(len(pool), dtype=bool)
        while len(chosen) < k and alive.any():
            v = 0.7 * rel - 0.3 * red - np.where(red > 0.65, 1.0, 0.0)
            v[~alive] = -np.inf
            j = int(np.argmax(v))
            if v[j] < -0.5:
                break
            chosen.append(pool[j])
            alive[j] = False
            red = np.maximum(red, d.sim[idx, pool[j].idx])
        return chosen

    def _bullets(self, d: _Doc, s: _Sent, chars: int, texts: list[str], split: bool = False) -> list[Bullet]:
        """Compress ``s`` into one bullet (two when ``split`` and its figures do not fit in one); a figure
        whose owner is named in the sentence before is shown with that sentence, whole (:mod:`.context`)."""
        source = [d.paragraph_text.get(s.para, s.text)]
        merged = with_context(source[0], s.text)
        if merged is not None and not (
            is_boilerplate_sentence(merged)  # the sentence before may be a greeting or a credit
            or fragment_reason(merged)
            or meaning_reason(merged, source, year=d.year, article_title=d.title)
        ):
            b = self._bullet(d, s, merged, texts)
            return [self._dated(d, s, b)] if b is not None else []
        weights = dict(d.keywords)
        parts = compress_parts(
            s.text, max_chars=chars, weight=lambda c: sum(w for t, w in weights.items() if t in c)
        )
        whole = strip_dateline(s.text).strip().rstrip("。")
        parts = parts[: 2 if split else 1]
        cites = (s.para,)
        if any(
            meaning_reason(t, source, year=d.year, article_title=d.title)
            or (t != whole and doubt_reason(t, source, cites, None, d.title))
            for t in parts
        ):
            # A cut changed what the sentence says, or leaves a part readers would doubt (a figure whose
            # owner stayed in the other part): the whole sentence, if it is short enough to read as a
            # bullet and stands on its own, or nothing (never the parts that passed without the one that did
            # not: the figure the failed part held would be lost).
            if (
                len(whole) > WHOLE_SENTENCE_CHARS
                or fragment_reason(whole)
                or meaning_reason(whole, source, year=d.year, article_title=d.title)
            ):
                return []
            parts = [whole]
        out = []
        for text in parts:
            b = self._bullet(d, s, text, texts)
            if b is not None:
                out.append(self._dated(d, s, b))
        return out

    def _bullet(self, d: _Doc, s: _Sent, text: str, texts: list[str]) -> Bullet | None:
        """``text`` (compressed from ``s``) citing its paragraph plus up to two that restate it."""
        if len(text) < 6 or any(text in t or t in text for t in texts):
            return None
        cites = {s.para}
        row = d.sim[s.idx]
        for j in np.argsort(-row)[:6]:
            o = d.sents[int(j)]
            sim = float(row[j])
            # another paragraph that restates the claim (same figure, or near-identical wording) is cited too
            if (
                o.para not in cites
                and len(cites) < 3
                and (sim >= 0.7 or (sim >= 0.4 and _share_figure(s, o)))
            ):
                cites.add(o.para)
        texts.append(text)
        return Bullet(text, tuple(sorted(cites)))

    def _core_views(self, d: _Doc, used: set[int], texts: list[str]) -> list[Bullet]:
        n_body = len(d.body)
        k = 2 if n_body < 6 else 3 if n_body < 20 else 4
        out: list[Bullet] = []
        for s in self._mmr(d, d.sents, k + 4, "core", set()):
            if len(out) >= k:
                break
            for b in self._bullets(d, s, self.core_chars, texts):
                if self._doubted(d, b, None):
                    continue  # the next candidate instead (four more than needed are drawn)
                out.append(b)
                used.add(s.idx)
        return out

    def _sections(self, d: _Doc, paras: list[Para], used: set[int], texts: list[str]) -> list[Section]:
        lead, blocks = headed_blocks(paras)
        if d.times:
            # A live blog: its headings are clock times, which say when, not what. Sections by topic, each
            # bullet dated with its entry's time.
            blocks = self._topic_blocks(d)
        elif len(blocks) >= 2:
            if len(blocks) < 3 and len(lead) >= 2:
                blocks = [Block(None, tuple(lead)), *blocks]
        else:
            blocks = self._topic_blocks(d)
        by_para: dict[int, list[_Sent]] = {}
        for s in d.sents:
            by_para.setdefault(s.para, []).append(s)
        scored = []
        for i, b in enumerate(blocks):
            cands = [s for p in b.paras for s in by_para.get(p, [])]
            if cands:
                top = sorted((s.score for s in cands), reverse=True)[:3]
                scored.append((i, b, cands, sum(top)))
        if len(scored) > self.max_sections:
            keep = sorted(scored, key=lambda x: -x[3])[: self.max_sections]
            scored = sorted(keep, key=lambda x: x[0])
        sections: list[Section] = []
        titles: set[str] = set()
        df_blocks = Counter(t for _, _, c, _ in scored for t in {t for s in c for t in s.tokens})
        for _, b, cands, _ in scored:
            k = min(self.max_bullets, max(len(b.paras), math.ceil(len(cands) / 2)), len(cands))
            fresh = [s for s in cands if s.idx not in used]
            picked = self._mmr(d, fresh or cands, k + 3, "score", used if fresh else set())
            bullets: list[Bullet] = []
            for s in sorted(picked[: k + 3], key=lambda s: s.idx):
                if len(bullets) >= k:
                    break
                room = k - len(bullets)
                for bl in self._bullets(d, s, self.bullet_chars, texts, split=room > 1 or len(picked) <= k):
                    if len(bullets) < self.max_bullets:
                        bullets.append(bl)
                        used.add(s.idx)
            if not bullets:
                continue
            title = b.title or self._title(cands, df_blocks, len(scored), titles, d, bullets)
            if title and b.title and not self._owns(title, bullets, d):
                # The article's heading names a company or person its bullets are not about (a digest's
                # items under the wrong heading): a title from the bullets' own words instead.
                title = self._title(cands, df_blocks, len(scored), titles, d, bullets)
            if not title or title in titles:
                continue
            bullets = [bl for bl in bullets if self._owns(title, [bl], d) and not self._doubted(d, bl, title)]
            if not bullets:
                continue
            titles.add(title)
            sections.append(Section(title, tuple(bullets)))
        return sections

    @staticmethod
    def _dated(d: _Doc, s: _Sent, b: Bullet) -> Bullet:
        """A live-blog entry's bullet, led by its time and citing the time's paragraph too."""
        if s.para not in d.times:
            return b
        time, heading = d.times[s.para]
        return Bullet(f"{time} {b.text}", tuple(sorted({*b.citations, heading})))

    @staticmethod
    def _doubted(d: _Doc, b: Bullet, title: str | None) -> bool:
        """Whether the verifier's learned check (:mod:`.doubt`) would withhold ``b`` under ``title``: such a
        bullet is left out here so that another candidate can take its place."""
        cited = [d.paragraph_text[c] for c in b.citations]
        return doubt_reason(b.text, cited, b.citations, title, d.title) is not None

    @staticmethod
    def _owns(title: str, bullets: Sequence[Bullet], d: _Doc) -> bool:
        """Whether every bullet's cited paragraphs name what ``title`` names: its owner
        (``meaning.title_reason``), or the name a headline opens with (stricter than the verifier: a digest's
        item headline over another item's bullets reads as that company's news)."""
        lead = title_lead_name(title)
        for bl in bullets:
            cited = [d.paragraph_text[c] for c in bl.citations]
            if title_reason(title, cited) is not None:
                return False
            if lead is not None and not any(lead in text for text in cited):
                return False
        return True

    def _topic_blocks(self, d: _Doc) -> list[Block]:
        vectors: dict[int, Counter[str]] = {}
        for s in d.sents:
            vectors.setdefault(s.para, Counter()).update(s.tokens)
        n = len(vectors)
        k = 1 if n < 4 else max(2, min(self.max_sections, round(n / 2.5)))
        return [Block(None, ps) for ps in segment_blocks(vectors, k)]

    def _title(
        self,
        cands: list[_Sent],
        df_blocks: Counter[str],
        n_blocks: int,
        used: set[str],
        d: _Doc,
        bullets: Sequence[Bullet],
    ) -> str | None:
        """A key phrase that distinguishes this block from the others and names no one that the cited
        paragraphs of ``bullets`` do not."""
        named_in = ["".join(d.paragraph_text[c] for c in bl.citations) for bl in bullets]
        tf = Counter(t for s in cands for t in s.tokens)
        total = sum(tf.values()) or 1
        weights = {
            t: (c / total) * (0.3 + math.log((1 + n_blocks) / df_blocks.get(t, 1))) for t, c in tf.items()
        }
        top = sorted(cands, key=lambda s: -s.score)[:4]
        phrase = key_phrase([s.tagged for s in top], weights, used, named_in=named_in) or key_phrase(
            [s.tagged for s in cands], weights, used, named_in=named_in
        )
        return phrase

    # -- short documents ----------------------------------------------------------------------------

    def _lead_excerpt(self, body: list[Para], title: str = "") -> tuple[Bullet, ...]:
        """The first sentences (up to ~160 characters), verbatim, each citing its paragraph.

        A glued ``原标题：…`` headline, datelines and credits are cut from the front; boilerplate
        sentences and sentences that cannot stand alone (``而是…``, ``尽管…`` with no main clause) are
        skipped.
        """
        out: list[Bullet] = []
        total = 0
        for n, p in enumerate(body):
            text = strip_headline(p.text, title) if n == 0 else p.text
            for s in split_sentences(text):
                t = strip_dateline(s.strip()).rstrip("。；; ")
                if len(t) < 4 or is_boilerplate_sentence(t) or fragment_reason(t, continued=bool(out)):
                    continue
                if out and total + len(t) > 160:
                    return tuple(out)
                out.append(Bullet(t, (p.n,)))
                total += len(t)
                if len(out) >= 3:
                    return tuple(out)
        return tuple(out)


def _similarity(sents: list[_Sent]) -> tuple[np.ndarray, Counter[str]]:
    """Cosine similarity of the sentences' TF-IDF vectors, and the sentence frequency of each word.

    Only words found in two or more sentences get a matrix column (the others add nothing to any dot
    product but still count in each vector's norm), which keeps the matrix small on long articles.
    """
    n = len(sents)
    counts = [Counter(s.tokens) for s in sents]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    cols: dict[str, int] = {}
    for t, k in df.items():
        if k >= 2:
            cols[t] = len(cols)
    m = np.zeros((n, max(1, len(cols))), dtype=np.float64)
    for i, c in enumerate(counts):
        norm2 = 0.0
        row = m[i]
        for t, k in c.items():
            w = (1.0 + math.log(k)) * (math.log((1.0 + n) / (1.0 + df[t])) + 1.0)
            norm2 += w * w
            j = cols.get(t)
            if j is not None:
                row[j] = w
        if norm2 > 0:
            row /= math.sqrt(norm2)
    return m @ m.T, df


def _share_figure(a: _Sent, b: _Sent) -> bool:
    fa = {(f.unit, f.normalized) for f in find_figures(a.text) if f.kind in _QUANTITY_KINDS}
    return bool(fa) and any(
        (f.unit, f.normalized) in fa for f in find_figures(b.text) if f.kind in _QUANTITY_KINDS
    )


def _textrank(sim: np.ndarray, d: float = 0.85, iters: int = 30) -> np.ndarray:
    """PageRank over the sentence-similarity graph (weights = cosine similarity)."""
    n = sim.shape[0]
    if n == 0:
        return np.zeros(0)
    rows = sim.sum(axis=1, keepdims=True)
    w = np.divide(sim, rows, out=np.zeros_like(sim), where=rows > 0)
    r = np.full(n, 1.0 / n, dtype=np.float64)
    wt = w.T.astype(np.float64)
    for _ in range(iters):
        r_new: np.ndarray = (1 - d) / n + d * (wt @ r)
        if float(np.abs(r_new - r).sum()) < 1e-6:
            return r_new
        r = r_new
    return r
