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
from themeflow.summarize.llm_client import ChatClient
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
        core: list[Bullet] = []
        sections: list[Section] = []
        prompt_tokens = completion_tokens = 0
        dropped = 0
        for i, part in enumerate(parts):
            label = f"第{i + 1}/{len(parts)}部分" if len(parts) > 1 else ""
            messages = summary_messages(doc.title, part, part=label)
            reply = self.client.complete(messages, schema=SUMMARY_SCHEMA)
            prompt_tokens += reply.prompt_tokens
            completion_tokens += reply.completion_tokens
            if reply.finish_reason == "length":
                # Cut at the token limit (the JSON never closes): once more with twice the room.
                room = min(2 * self.client.config.max_tokens, MAX_REPLY_TOKENS)
                reply = self.client.complete(messages, schema=SUMMARY_SCHEMA, max_tokens=room)
                prompt_tokens += reply.prompt_tokens
                completion_tokens += reply.completion_tokens
            try:
                parsed = parse_reply(reply.content)
            except SummarizerError:
                dropped += 1  # a reply with no JSON at all: this part gives nothing
                continue
            dropped += parsed.unreadable
            allowed = {n for n, _ in part}
            checked_core = [self._check(b, doc, allowed, None) for b in parsed.core_views]
            checked_secs = [
                (s.title, [self._check(b, doc, allowed, s.title) for b in s.bullets]) for s in parsed.sections
            ]
            failed = [(b, why) for b, why in checked_core if why] + [
                (b, why) for _, bs in checked_secs for b, why in bs if why
            ]
            rewritten: dict[int, Bullet] = {}
            if failed:
                again = self.client.complete(reask_messages(messages, failed), schema=SUMMARY_SCHEMA)
                prompt_tokens += again.prompt_tokens
                completion_tokens += again.completion_tokens
                rewritten = self._rewrites(again.content, failed, doc, allowed)
            for b, why in checked_core:
                kept = b if not why else rewritten.get(id(b))
                if kept is None:
                    dropped += 1
                else:
                    core.append(kept)
            for title, bs in checked_secs:
                kept_bullets = []
                for b, why in bs:
                    kept = b if not why else rewritten.get(id(b))
                    if kept is None:
                        dropped += 1
                    else:
                        kept_bullets.append(kept)
                if kept_bullets:
                    sections.append(Section(title, tuple(kept_bullets)))
        sections = _merge(sections)
        summary = Summary(
            doc.id,
            doc.content_hash,
            key,
            core_views=tuple(core[:MAX_CORE]),
            sections=tuple(sections[:MAX_SECTIONS]),
            model=self.model,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            dropped=dropped,
        )
        if len(summary.bullets()) < MIN_BULLETS:
            made = self.fallback.summarize(doc)
            return replace(
                made,
                summarizer=key,
                model=self.model,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                dropped=dropped,
                fallback=(
                    f"{self.fallback.name}: only {len(summary.bullets())} of the LLM's bullets passed "
                    f"verification ({dropped} dropped)"
                ),
            )
        return summary

    def _check(
        self, b: Bullet, doc: Document, allowed: set[int], title: str | None
    ) -> tuple[Bullet, str | None]:
        """The bullet verified (citations must be within the part it was written from)."""
        outside = [c for c in b.citations if c not in allowed]
        if outside:
            return b, f"citation: cites paragraph {outside[0]}, which it was not given"
        checked = check_bullet(b, doc, title=title)
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
