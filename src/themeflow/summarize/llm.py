"""Abstractive summaries from an OpenAI-compatible LLM, held to the same verifier as every other summary.

Why the care: the seed's LLM summaries turned 114.3GW into 1143GW. Here every bullet the model writes is
checked against the paragraphs it cites (``summarize/verify.py``: figures, citations, wording, meaning). A
failing bullet gets **one targeted re-ask** (the bullet, what the verifier found, rewrite it from its cited
paragraphs or leave it out); still failing, it is dropped and counted. A summary left with fewer than
:data:`MIN_BULLETS` verified bullets is replaced by the extractive one, labelled as such, so a reader is never
shown a thin or wrong LLM summary. Nothing unverified leaves this module.

A long article is sent in parts of at most :data:`PART_CHARS` characters, each keeping the article's
paragraph numbers, and the parts' bullets are merged (core views first come first, sections in order, at
most five). The summary records the model, the prompt version, tokens, the bullets dropped and any fallback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from themeflow.errors import SummarizerError
from themeflow.model import Bullet, Document, Section, Summary
from themeflow.summarize.base import Summarizer
from themeflow.summarize.llm_client import ChatClient, Reply
from themeflow.summarize.llm_prompt import (
    PROMPT_VERSION,
    SUMMARY_SCHEMA,
    parse_reply,
    reask_messages,
    summary_messages,
)
from themeflow.summarize.verify import check_bullet

__all__ = ["MIN_BULLETS", "PART_CHARS", "LLMSummarizer"]

PART_CHARS = 6000
"""Characters of paragraphs per request: small enough for a 4k-token context with the reply, large enough
that most articles go in one request."""
MIN_BULLETS = 3
MAX_REPLY_TOKENS = 8192
"""The most a reply cut at the token limit is given on its one second try."""
MAX_SECTIONS = 5
MAX_CORE = 4


class LLMSummarizer:
    """The ``llm`` summarizer (see the module doc). ``version`` holds the prompt version and the model, so
    the cache keeps one summary per (content, model, prompt)."""

    name = "llm"

    def __init__(self, client: ChatClient, *, fallback: Summarizer | None = None) -> None:
        self.client = client
        self.model = client.config.model
        self.version = f"p{PROMPT_VERSION}:{self.model}"
        if fallback is None:
            from themeflow.summarize.extractive import ExtractiveSummarizer

            fallback = ExtractiveSummarizer()
        self.fallback = fallback

    @property
    def concurrency(self) -> int:
        """Documents worth summarizing at once (the endpoint's request limit; see ``Themeflow.summarize_many``)."""
        return self.client.config.concurrency

    def summarize(self, doc: Document) -> Summary:
        key = f"{self.name}@{self.version}"
        numbered = [(n, p) for n, p in enumerate(doc.paragraphs, start=1) if p.strip()]
        parts = _parts(numbered, PART_CHARS)
        tokens = [0, 0]
        core: list[Bullet] = []
        sections: list[Section] = []
        dropped = 0
        for i, part in enumerate(parts):
            label = f"第{i + 1}/{len(parts)}部分" if len(parts) > 1 else ""
            part_core, part_sections, part_dropped = self._summarize_part(doc, part, label, tokens)
            core += part_core
            sections += part_sections
            dropped += part_dropped
        summary = Summary(
            doc.id,
            doc.content_hash,
            key,
            core_views=tuple(core[:MAX_CORE]),
            sections=tuple(_merge(sections)[:MAX_SECTIONS]),
            model=self.model,
            prompt_tokens=tokens[0],
            completion_tokens=tokens[1],
            dropped=dropped,
        )
        if len(summary.bullets()) >= MIN_BULLETS:
            return summary
        return replace(
            self.fallback.summarize(doc),
            summarizer=key,
            model=self.model,
            prompt_tokens=tokens[0],
            completion_tokens=tokens[1],
            dropped=dropped,
            fallback=(
                f"{self.fallback.name}: only {len(summary.bullets())} of the LLM's bullets passed "
                f"verification ({dropped} dropped)"
            ),
        )

    def _ask(self, messages: list[dict[str, str]], tokens: list[int], max_tokens: int | None = None) -> Reply:
        """One request, its tokens added to ``tokens`` (prompt, completion)."""
        reply = self.client.complete(messages, schema=SUMMARY_SCHEMA, max_tokens=max_tokens)
        tokens[0] += reply.prompt_tokens
        tokens[1] += reply.completion_tokens
        return reply

    def _summarize_part(
        self, doc: Document, part: list[tuple[int, str]], label: str, tokens: list[int]
    ) -> tuple[list[Bullet], list[Section], int]:
        """(core views, sections, bullets dropped) of one part: asked, verified, re-asked once for the
        failing bullets; a reply with no summary in it counts as one dropped."""
        messages = summary_messages(doc.title, part, part=label)
        reply = self._ask(messages, tokens)
        if reply.finish_reason == "length":
            # Cut at the token limit (the JSON never closes): once more with twice the room.
            reply = self._ask(messages, tokens, min(2 * self.client.config.max_tokens, MAX_REPLY_TOKENS))
        try:
            parsed = parse_reply(reply.content)
        except SummarizerError:
            return [], [], 1
        allowed = {n for n, _ in part}
        checked = [(None, [self._check(b, doc, allowed, None) for b in parsed.core_views])] + [
            (s.title, [self._check(b, doc, allowed, s.title) for b in s.bullets]) for s in parsed.sections
        ]
        failed = [(b, why) for _, bullets in checked for b, why in bullets if why]
        rewritten: dict[int, Bullet] = {}
        if failed:
            again = self._ask(reask_messages(messages, failed), tokens)
            rewritten = self._rewrites(again.content, failed, doc, allowed)
        dropped = parsed.unreadable
        core: list[Bullet] = []
        sections: list[Section] = []
        for title, bullets in checked:
            kept = [b if not why else rewritten.get(id(b)) for b, why in bullets]
            dropped += kept.count(None)
            good = [b for b in kept if b is not None]
            if title is None:
                core = good
            elif good:
                sections.append(Section(title, tuple(good)))
        return core, sections, dropped

    def _check(
        self, b: Bullet, doc: Document, allowed: set[int], title: str | None
    ) -> tuple[Bullet, str | None]:
        """The bullet verified (citations must be within the part it was written from)."""
        outside = [c for c in b.citations if c not in allowed]
        if outside:
            return b, f"citation: cites paragraph {outside[0]}, which it was not given"
        checked = check_bullet(b, doc, title=title, doubt=False)
        return checked, (None if checked.verified else checked.reason or "not verified")

    def _rewrites(
        self, content: str, failed: Sequence[tuple[Bullet, str]], doc: Document, allowed: set[int]
    ) -> dict[int, Bullet]:
        """Verified rewrites from a re-ask, each placed where the failed bullet citing the same paragraph
        was (the model may leave some out, so order alone cannot pair them)."""
        try:
            parsed = parse_reply(content)
        except SummarizerError:
            return {}
        candidates = [*parsed.core_views, *(b for s in parsed.sections for b in s.bullets)]
        out: dict[int, Bullet] = {}
        for new in candidates:
            checked, why = self._check(new, doc, allowed, None)
            if why:
                continue
            for old, _ in failed:
                if id(old) not in out and set(old.citations) & set(checked.citations):
                    out[id(old)] = checked
                    break
        return out


def _parts(numbered: list[tuple[int, str]], limit: int) -> list[list[tuple[int, str]]]:
    """Paragraphs in order, cut into parts of at most ``limit`` characters (a longer paragraph alone)."""
    parts: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    size = 0
    for n, text in numbered:
        if current and size + len(text) > limit:
            parts.append(current)
            current, size = [], 0
        current.append((n, text))
        size += len(text)
    if current:
        parts.append(current)
    return parts or [[]]


def _merge(sections: list[Section]) -> list[Section]:
    """Sections of several parts: one per title, bullets in order."""
    out: dict[str, list[Bullet]] = {}
    for s in sections:
        out.setdefault(s.title, []).extend(s.bullets)
    return [Section(title, tuple(bs)) for title, bs in out.items()]
