"""LLM-assisted figures: a model reads each fact's paragraph, says whose figure it is, what it measures and
for when, and only facts whose reading it confirms enter conflicts.

Why: the rules read a figure's owner, metric and period from the words next to the number, and a quarter
read as the year (``2025年第四季资本开支224亿元`` → 2025年), a subsidiary read as its parent (腾讯音乐 →
腾讯) or a profit read as revenue makes a false conflict. A model that reads the whole sentence catches
many of these. It is still a model, so:

* **it reads blind.** It is given the paragraph and the value, not the rules' reading, and asked for
  owner, metric and period; the comparison with the rules is made here (``facts.group``'s own keys). A
  model shown an answer tends to agree with it; one asked the question has to read;
* **it never changes a value.** The number stays as written in the source;
* **a correction must come from the paragraph.** A differing owner, metric or period is taken only when
  its words occur in the paragraph (or the title); otherwise the fact stays as the rules read it and is
  not confirmed;
* **it decides conflicts, not the table.** A corrected fact meets other facts under the model's reading
  when conflicts are found; the figures table keeps the rules' reading (``facts.group``), because a
  small model's corrections were wrong about as often as right (README);
* **no answer is no confirmation.** A fact the model did not answer for (an endpoint down, a reply that
  does not parse, a value it skipped) keeps its place in the figures table but stays out of conflicts.

One request per paragraph with facts (at most :data:`MAX_FACTS` values each, each with the words around
it), under the versioned prompt :data:`PROMPT_VERSION`; ``complete`` is the summarizer's chat-completions
client, so retries, the deadline and the concurrency limit are the same. Measured with
``scripts/eval_facts.py --check`` (README).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from themeflow.errors import ThemeflowError
from themeflow.model import Document, Fact
from themeflow.summarize.llm_prompt import json_object

__all__ = [
    "MAX_FACTS",
    "PROMPT_VERSION",
    "SCHEMA",
    "CheckedFacts",
    "Complete",
    "FactChecker",
    "LLMFactChecker",
    "Verdict",
    "llm_fact_checker",
]

PROMPT_VERSION = "figcheck-2"
MAX_FACTS = 12
"""Facts asked about in one request (a dense earnings paragraph is split into several)."""

VerdictKind = Literal["confirmed", "corrected", "unchecked"]

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "facts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "n": {"type": "integer"},
                    "owner": {"type": "string"},
                    "metric": {"type": "string"},
                    "period": {"type": "string"},
                },
                "required": ["n", "owner", "metric", "period"],
            },
        }
    },
    "required": ["facts"],
}

SYSTEM = "你是严谨的财经数据核对员。只依据给出的原文回答，用原文中的词，不要使用外部知识。"

INSTRUCTIONS = """对每个编号的数值，回答它在原文中是谁的什么数据、对应什么时间：
- owner：这个数值属于谁（被描述的公司、机构、国家、产品）；预测、表示、认为的一方不是 owner，被预测的对象才是。
- metric：它衡量什么（如营收、净利润、资本开支、降息幅度），用原文的说法。
- period：它对应的时间，照原文写（如“2025年第四季度”“全年”“今年”）；原文没写就留空。
只输出 JSON：{"facts": [{"n": 编号, "owner": "...", "metric": "...", "period": "..."}]}"""

CONTEXT_CHARS = 18
"""Characters either side of a value shown with it, so the model knows which occurrence is meant."""


class Complete(Protocol):
    """The chat-completions call (``ChatClient.complete``): messages in, a reply with ``content`` and
    token counts out; raises a ThemeflowError when no answer comes in time."""

    def __call__(
        self,
        messages: Sequence[dict[str, str]],
        *,
        schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the check made of one fact: the fact as it now stands (corrected when ``kind`` says so)."""

    fact: Fact
    kind: VerdictKind
    original: Fact | None = None
    """The rules' reading, when the model corrected it."""
    note: str | None = None


@dataclass(slots=True)
class CheckedFacts:
    """Every fact's verdict, and what the checks cost."""

    verdicts: list[Verdict] = field(default_factory=list)
    requests: int = 0
    failed_requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model: str | None = None

    def kept(self) -> list[Fact]:
        """Facts for the figures table: every fact, corrections applied."""
        return [v.fact for v in self.verdicts]

    def comparable(self) -> set[int]:
        """``id`` of the facts that may enter conflicts: those the model confirmed or corrected."""
        return {id(v.fact) for v in self.verdicts if v.kind in ("confirmed", "corrected")}

    def counts(self) -> dict[str, int]:
        out = {"confirmed": 0, "corrected": 0, "unchecked": 0}
        for v in self.verdicts:
            out[v.kind] += 1
        return out


class FactChecker(Protocol):
    """Confirms or corrects the facts extracted from documents, or leaves them unchecked."""

    def check(self, docs: Sequence[Document], facts: Sequence[Fact]) -> CheckedFacts: ...


def _appears(words: str, doc: Document, paragraph: str) -> bool:
    """True when ``words`` (spaces and punctuation aside) occur in the paragraph or the title."""
    return _appears_in(words, paragraph) or _appears_in(words, doc.title)


NEAR_BEFORE = 40
"""Characters before a value within which a corrected owner or metric must stand (a sentence's subject
and verb phrase; the whole paragraph would let a neighbour's name through)."""


def _near(paragraph: str, fact: Fact) -> str:
    """The words before the value's first occurrence, and a few after it."""
    at = paragraph.find(fact.value)
    if at < 0:
        return paragraph
    return paragraph[max(0, at - NEAR_BEFORE) : at + len(fact.value) + CONTEXT_CHARS]


def _appears_in(words: str, text: str) -> bool:
    key = re.sub(r"[\s，,。、：:（）()《》“”\"']", "", words)
    return bool(key) and key in re.sub(r"\s", "", text)


def _context(paragraph: str, fact: Fact) -> str:
    """The value with the words around its first occurrence (the model is told which one is meant)."""
    at = paragraph.find(fact.value)
    if at < 0:
        return fact.value
    start, end = max(0, at - CONTEXT_CHARS), min(len(paragraph), at + len(fact.value) + CONTEXT_CHARS)
    return f"{fact.value}（“{paragraph[start:end]}”）"


def _prompt(doc: Document, paragraph: str, facts: Sequence[Fact]) -> list[dict[str, str]]:
    """The question: the paragraph and the values, never the rules' reading of them."""
    when = doc.published_at.date().isoformat() if doc.published_at else "未知"
    lines = [f"{n}. {_context(paragraph, f)}" for n, f in enumerate(facts, start=1)]
    user = f"标题：{doc.title}\n发布日期：{when}\n原文：\n{paragraph}\n\n数值：\n" + "\n".join(lines)
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user + "\n\n" + INSTRUCTIONS}]


_SUFFIXES = ("控股", "集团", "公司", "股份", "有限", "科技", "银行")


def _same_owner(rules: str, model: str) -> bool:
    """One owner named two ways: equal keys, or one name the other plus a corporate suffix (腾讯 / 腾讯控股;
    not 腾讯 / 腾讯音乐)."""
    from themeflow.facts.keys import entity_key

    if entity_key(rules) == entity_key(model):
        return True
    short, long_ = sorted((rules, model), key=len)
    if not short or not long_.startswith(short):
        return False
    rest = long_[len(short) :]
    for suffix in _SUFFIXES:
        rest = rest.replace(suffix, "")
    return not rest


def _verdict(fact: Fact, answer: dict[str, Any] | None, doc: Document, paragraph: str) -> Verdict:
    """The model's reading of one fact against the rules', held to the rules in the module docstring:
    agreeing everywhere confirms it; a different owner, metric or period in the paragraph's own words
    corrects it; a difference the paragraph does not hold leaves it unchecked."""
    from themeflow.facts.keys import metrics_match, period_key

    if answer is None:
        return Verdict(fact, "unchecked", note="no answer for this figure")
    owner = str(answer.get("owner") or "").strip()
    metric = str(answer.get("metric") or "").strip()
    period = str(answer.get("period") or "").strip()
    if not owner or not metric:
        return Verdict(fact, "unchecked", note="the model named no owner or metric")
    published = doc.published_at
    differs = {
        "entity": owner if not fact.entity or not _same_owner(fact.entity, owner) else None,
        "metric": metric if not metrics_match(fact.metric, metric) else None,
        # a period only one side names is no objection: the rules may have read it from the sentence
        # before, and a move the rules leave undated is not given a date by the model
        "period": period
        if period and fact.period and period_key(period, published) != period_key(fact.period, published)
        else None,
    }
    changes = {attr: value for attr, value in differs.items() if value is not None}
    if not changes:
        return Verdict(fact, "confirmed")
    missing = [value for value in changes.values() if not _appears(value, doc, paragraph)]
    if missing:
        return Verdict(fact, "unchecked", note=f"the model's reading {missing[0]!r} is not in the paragraph")
    near = _near(paragraph, fact)
    far = [changes[a] for a in ("entity", "metric") if a in changes and not _appears_in(changes[a], near)]
    if far:
        # a small model reading a list shifts names by one item: a new owner or metric must stand by the value
        return Verdict(fact, "unchecked", note=f"the model's reading {far[0]!r} is not next to the value")
    corrected = replace(
        fact,
        entity=changes.get("entity", fact.entity),
        metric=changes.get("metric", fact.metric),
        period=changes.get("period", fact.period),
    )
    return Verdict(corrected, "corrected", original=fact)


@dataclass
class LLMFactChecker:
    """:class:`FactChecker` over a chat-completions ``complete`` (see the module docstring).

    Answers are kept per paragraph text and facts asked (in this process), so a page that shows the same
    figures again, or a digest rebuilt from a run, asks nothing twice.
    """

    complete: Complete
    max_facts: int = MAX_FACTS
    on_usage: Callable[[int, int], None] | None = None
    """Told the tokens of every request (the service's running LLM usage)."""
    cache_size: int = 4096
    _cache: dict[tuple[str, ...], dict[int, dict[str, Any]]] = field(default_factory=dict, repr=False)

    def check(self, docs: Sequence[Document], facts: Sequence[Fact]) -> CheckedFacts:
        by_id = {d.id: d for d in docs}
        result = CheckedFacts()
        groups: dict[tuple[str, int], list[Fact]] = defaultdict(list)
        for f in facts:
            groups[(f.citation.doc_id, f.citation.paragraph)].append(f)
        verdicts: dict[int, Verdict] = {}
        for (doc_id, n), group in groups.items():
            doc = by_id.get(doc_id)
            if doc is None or not 1 <= n <= len(doc.paragraphs):
                verdicts.update((id(f), Verdict(f, "unchecked", note="paragraph not found")) for f in group)
                continue
            paragraph = doc.paragraphs[n - 1]
            for start in range(0, len(group), self.max_facts):
                part = group[start : start + self.max_facts]
                answers = self._ask(result, doc, paragraph, part)
                for i, f in enumerate(part, start=1):
                    verdicts[id(f)] = _verdict(f, answers.get(i) if answers else None, doc, paragraph)
        result.verdicts = [verdicts[id(f)] for f in facts]
        return result

    def _ask(
        self, result: CheckedFacts, doc: Document, paragraph: str, facts: Sequence[Fact]
    ) -> dict[int, dict[str, Any]] | None:
        key = (
            PROMPT_VERSION,
            doc.title,
            paragraph,
            *(f"{f.value}|{f.entity}|{f.metric}|{f.period}" for f in facts),
        )
        if key in self._cache:
            return self._cache[key]
        answers = self._request(result, doc, paragraph, facts)
        if answers is not None:
            if len(self._cache) >= self.cache_size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = answers
        return answers

    def _request(
        self, result: CheckedFacts, doc: Document, paragraph: str, facts: Sequence[Fact]
    ) -> dict[int, dict[str, Any]] | None:
        result.requests += 1
        try:
            reply = self.complete(
                _prompt(doc, paragraph, facts), schema=SCHEMA, max_tokens=64 * len(facts) + 64
            )
        except ThemeflowError:
            result.failed_requests += 1
            return None
        result.prompt_tokens += int(getattr(reply, "prompt_tokens", 0) or 0)
        result.completion_tokens += int(getattr(reply, "completion_tokens", 0) or 0)
        result.model = getattr(reply, "model", None) or result.model
        if self.on_usage is not None:
            self.on_usage(
                int(getattr(reply, "prompt_tokens", 0) or 0), int(getattr(reply, "completion_tokens", 0) or 0)
            )
        body = json_object(str(getattr(reply, "content", "") or ""), ("facts",))
        items = body.get("facts") if body else None
        if not isinstance(items, list):
            result.failed_requests += 1
            return None
        out: dict[int, dict[str, Any]] = {}
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("n"), int) and 1 <= item["n"] <= len(facts):
                out.setdefault(item["n"], item)
        return out


def llm_fact_checker(get: Callable[[str], str | None]) -> LLMFactChecker:
    """The checker over the LLM endpoint the settings name (``THEMEFLOW_LLM_*``, as the summarizer);
    ConfigError saying what to set when they name none."""
    from themeflow.summarize.llm_client import ChatClient
    from themeflow.summarize.registry import llm_config

    # temperature 0: a check asked twice should answer the same
    return LLMFactChecker(ChatClient(replace(llm_config(get), temperature=0.0)).complete)
