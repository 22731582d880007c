"""Self-contained HTML digest: one file with inline CSS, readable offline and safe to mail around.

Why this shape:
- **No external assets.** Fonts come from the system CJK stack, styles are inline, the only script is a
  few optional lines that open a source view when a citation is followed (modern Chromium already opens a
  ``<details>`` on fragment navigation; the page works without script).
- **A strict Content-Security-Policy in a ``<meta>``**, because a digest file is opened from disk or a
  mail attachment where no server sends headers: no script but :data:`REVEAL_SCRIPT` (allowed by its
  SHA-256 hash), nothing loaded from anywhere (``default-src 'none'``), no forms, no ``<base>``. Inline
  styles stay allowed: the day and outlet bars are sized with ``style`` attributes, and CSS cannot run code.
- **Only http(s) links** (:func:`themeflow.report.links.safe_url`): a stored ``javascript:`` URL leaves the
  title as plain text.
- **Every article string is escaped** by Jinja2 autoescape: titles and paragraphs are third-party text and
  a ``<script>`` in a headline must print as text.
- **Citations are links.** ``[n]`` points to ``#doc-<id>-p<n>``, the numbered paragraph in the item's
  source view, so a reader checks a claim in one click. The key figures and conflicts cite the same way
  (a paragraph only a copy states gets a source view in the figures card; see ``report/figures.py``).
- **Small enough to mail.** A source view holds the paragraphs something on the page cites, not the
  whole article (the title links to it): the whole text of every story made a 300-story digest several
  megabytes. Stories without a summary are title lines, and 补录 stories (published before the previous
  run) are listed after the new ones under their own heading.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from themeflow.model import Citation
from themeflow.report.digest import UNKNOWN_DAY, Digest, DigestItem, anchor_id, source_id, stamp
from themeflow.report.figures import TOP_FIGURES, shown_qualifier
from themeflow.report.links import safe_url

__all__ = ["CSP", "REVEAL_SCRIPT", "render_html"]

MAX_DAYS = 31
"""The day chart shows the latest this many days that have articles (oldest left)."""
MAX_OUTLETS = 8

REVEAL_SCRIPT = """
(function () {
  function reveal() {
    var id;
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
    var el = id && document.getElementById(id);
    if (!el) return;
    var box = el.closest("details");
    if (box && !box.open) { box.open = true; el.scrollIntoView({ block: "center" }); }
  }
  window.addEventListener("hashchange", reveal);
  reveal();
})();
"""
"""The page's only script: no article data ever goes into it, so its hash is fixed."""

_SCRIPT_HASH = base64.b64encode(hashlib.sha256(REVEAL_SCRIPT.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; script-src 'sha256-{_SCRIPT_HASH}'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("themeflow", "report/templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["anchor_id"] = anchor_id
    env.globals["source_id"] = source_id
    env.globals["qualifier"] = shown_qualifier
    env.globals["safe_url"] = safe_url
    return env


def _figures_context(digest: Digest) -> dict[str, Any]:
    """What the key-figures card needs: the shown rows, where each citation lands, extra source views."""
    kf = digest.figures
    if not kf:
        return {"kf": None}
    rows = kf.top(TOP_FIGURES)
    targets, extra = kf.anchors({it.document.id: it.document for it in digest.items}, rows)
    return {
        "kf": kf,
        "fig_rows": [(g, kf.disputed(g)) for g in rows],
        "fig_more": len(kf.figures) - len(rows),
        "fig_targets": targets,
        "fig_extra": extra,
    }


@dataclass(frozen=True, slots=True)
class _Group:
    """One part of the item list: summarized stories as cards, the rest as title lines."""

    key: str
    heading: str | None = None
    note: str = ""
    cards: list[tuple[int, DigestItem]] = field(default_factory=list)
    lines: list[tuple[int, DigestItem]] = field(default_factory=list)
    lines_label: str = "其他故事"


def _groups(digest: Digest) -> list[_Group]:
    """New stories, then 补录 under their own heading; in each, cards in list order, then title lines.
    A story keeps its list position (``item-N``) wherever it is shown."""
    fresh = _Group("new", lines_label="其他新故事" if digest.kind == "workflow" else "其他结果")
    late = _Group(
        "late",
        heading="补录 · late arrivals",
        note="发布于上次运行之前、本次才收录的文章（回补或迟到的来源）",
        lines_label="其他补录故事",
    )
    for position, it in enumerate(digest.items, start=1):
        group = late if it.late else fresh
        as_card = it.summary is not None or digest.kind == "search"
        (group.cards if as_card else group.lines).append((position, it))
    return [g for g in (fresh, late) if g.cards or g.lines]


def _shown_paragraphs(digest: Digest, targets: Mapping[Citation, Citation]) -> dict[str, list[int]]:
    """Per item document, the paragraphs its source view shows: those its summary or snippet cites and
    those the figures and conflicts link to."""
    shown: dict[str, set[int]] = {}
    for it in digest.items:
        doc = it.document
        ns = set(it.cited_paragraphs())
        if it.summary is None and it.snippet is not None and digest.kind == "search":
            ns.add(it.snippet.paragraph)
        shown[doc.id] = {n for n in ns if 1 <= n <= len(doc.paragraphs)}
    for t in targets.values():
        if t.doc_id in shown:
            shown[t.doc_id].add(t.paragraph)
    return {doc_id: sorted(ns) for doc_id, ns in shown.items() if ns}


def _day_columns(counts: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """Chronological columns; a span of up to MAX_DAYS days is shown whole, quiet days as zero."""
    known = sorted(counts)
    if not known:
        return []
    first, last = date.fromisoformat(known[0][0]), date.fromisoformat(known[-1][0])
    if (last - first).days >= MAX_DAYS:
        return known[-MAX_DAYS:]
    by_day = dict(known)
    span = ((first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1))
    return [(d, by_day.get(d, 0)) for d in span]


def render_html(digest: Digest) -> str:
    """The digest as one self-contained HTML document."""
    by_day = digest.counts_by_day()
    unknown_day = dict(by_day).get(UNKNOWN_DAY, 0)
    days = _day_columns([(d, n) for d, n in by_day if d != UNKNOWN_DAY])
    by_outlet = digest.counts_by_outlet()
    template = _env().get_template("digest.html.j2")
    figures = _figures_context(digest)
    return template.render(
        d=digest,
        stamp=lambda dt: stamp(dt, digest.tz),
        days=days,
        unknown_day=unknown_day,
        max_day=max((n for _, n in days), default=1),
        by_outlet=by_outlet[:MAX_OUTLETS],
        more_outlets=max(0, len(by_outlet) - MAX_OUTLETS),
        max_outlet=max((n for _, n in by_outlet), default=1),
        article_count=len(digest.articles()),
        doc_ids=digest.document_ids(),
        csp=CSP,
        script=Markup(REVEAL_SCRIPT),
        groups=_groups(digest),
        shown_paras=_shown_paragraphs(digest, figures.get("fig_targets", {})),
        **figures,
    )
