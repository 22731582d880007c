"""What a notification says about a run: the theme, the new stories (new before 补录), links, counts.

One record, two renderings: :meth:`RunNotice.payload` is the webhook's JSON body and
:meth:`RunNotice.email_text` the e-mail's plain text. Both are built from the run's digest, so they say
what the digest says: titles, outlets, publish times and the summaries' verified core views with their
paragraph citations, never anything a summary dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from themeflow.model import RunRecord
from themeflow.report.digest import Digest, DigestItem, stamp
from themeflow.serialize import iso

__all__ = ["EVENT", "MAX_STORIES", "RunNotice", "notice_of_run", "worth_notifying"]

EVENT = "themeflow.run.new_stories"
MAX_STORIES = 50
"""Stories a notification lists; the rest are counted (``more``) and are on the theme page."""


def worth_notifying(digest: Digest) -> bool:
    """A run notifies when it found a story the theme never reported (late or not); a run that only saw
    new copies of reported stories (``updated``) stays quiet."""
    return any(it.status == "new" for it in digest.items)


@dataclass(frozen=True, slots=True)
class RunNotice:
    """A run's news, ready to send."""

    theme: str
    run_id: int | None
    window_start: datetime | None
    window_end: datetime | None
    digest: Digest
    public_url: str | None = None

    @property
    def new(self) -> list[DigestItem]:
        return [it for it in self.digest.items if it.status == "new" and not it.late]

    @property
    def late(self) -> list[DigestItem]:
        return [it for it in self.digest.items if it.status == "new" and it.late]

    @property
    def updated(self) -> list[DigestItem]:
        return [it for it in self.digest.items if it.status == "updated"]

    def links(self) -> dict[str, str]:
        """Absolute links into the web app (only when ``public_url`` is set: a notification read on a phone
        cannot follow a relative one)."""
        if not self.public_url:
            return {}
        base = self.public_url.rstrip("/")
        out = {"theme": f"{base}/themes/{quote(self.theme, safe='')}"}
        if self.run_id is not None:
            out["run"] = f"{base}/runs/{self.run_id}"
        return out

    def subject(self) -> str:
        parts = [f"{len(self.new)} 个新故事"]
        if self.late:
            parts.append(f"{len(self.late)} 个补录")
        return f"[themeflow] {self.theme}：" + "，".join(parts)

    def listed(self) -> list[DigestItem]:
        """The stories a notification lists: new ones first, then 补录, at most :data:`MAX_STORIES`."""
        return (self.new + self.late)[:MAX_STORIES]

    def payload(self, sent_at: datetime) -> dict[str, Any]:
        """The webhook's JSON body."""
        listed = self.listed()
        return {
            "event": EVENT,
            "theme": self.theme,
            "run_id": self.run_id,
            "window": {"start": iso(self.window_start), "end": iso(self.window_end)},
            "sent_at": iso(sent_at),
            "counts": {"new": len(self.new), "late": len(self.late), "updated": len(self.updated)},
            "stories": [_story(it) for it in listed],
            "more": len(self.new) + len(self.late) - len(listed),
            "links": self.links(),
        }

    def email_text(self) -> str:
        """The e-mail body: one block per story, 补录 under their own heading."""
        tz = self.digest.tz
        lines = [self.subject().removeprefix("[themeflow] "), ""]
        listed = self.listed()
        late_heading = False
        for it in listed:
            if it.late and not late_heading:
                late_heading = True
                lines += ["补录（发布于上次运行之前、本次才收录）", ""]
            doc = it.document
            lines.append(f"■ {doc.title}")
            lines.append(f"  {doc.source or '来源未知'} · {stamp(doc.published_at, tz)}")
            if it.copies:
                lines.append("  also in " + "、".join(c.source or "来源未知" for c in it.copies))
            for text, cites in _core_views(it):
                lines.append(f"  - {text} " + "".join(f"[{c}]" for c in cites))
            if doc.url:
                lines.append(f"  {doc.url}")
            lines.append("")
        more = len(self.new) + len(self.late) - len(listed)
        if more:
            lines += [f"另有 {more} 个故事，见主题页。", ""]
        links = self.links()
        if "theme" in links:
            lines.append(f"主题页：{links['theme']}")
        if "run" in links:
            lines.append(f"本次运行：{links['run']}")
        return "\n".join(lines).rstrip() + "\n"


def _core_views(it: DigestItem) -> list[tuple[str, Sequence[int]]]:
    s = it.shown_summary
    if s is None:
        return []
    return [(b.text, b.citations) for b in s.core_views]


def _story(it: DigestItem) -> dict[str, Any]:
    doc = it.document
    return {
        "id": doc.id,
        "title": doc.title,
        "url": doc.url,
        "source": doc.source,
        "published": iso(doc.published_at),
        "late": it.late,
        "aboutness": it.aboutness,
        "also_in": [c.source for c in it.copies],
        "core_views": [{"text": text, "citations": list(cites)} for text, cites in _core_views(it)],
    }


def notice_of_run(run: RunRecord, digest: Digest, public_url: str | None = None) -> RunNotice:
    return RunNotice(
        theme=run.theme,
        run_id=run.id,
        window_start=run.window_start,
        window_end=run.window_end,
        digest=digest,
        public_url=public_url,
    )
