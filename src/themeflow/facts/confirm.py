"""LLM-assisted figures: each fact the rules extract is confirmed, corrected or rejected by a model reading
its paragraph, and only confirmed facts enter conflicts.

Why: the rules read a figure's owner, metric and period from the words next to the number, and a forecaster
read as the owner (``美国银行预计美联储将降息25个基点`` → 美国银行) or a quarter read as a year makes a
false conflict. A model that reads the whole paragraph catches many of these. It is still a model, so:

* **it never changes a value.** The number stays as written in the source; the model may only say whose
  it is, what it measures and for when;
* **a correction must come from the paragraph.** A corrected owner, metric or period is taken only when
  its words occur in the paragraph (or the title); otherwise the fact stays as the rules read it and is
  not confirmed;
* **no answer is no confirmation.** A fact the model did not answer for (an endpoint down, a reply that
  does not parse, a number it skipped) keeps its place in the figures table but stays out of conflicts.

One request per paragraph with facts (at most :data:`MAX_FACTS` facts each), under the versioned prompt
:data:`PROMPT_VERSION`; the ``complete`` function is the summarizer's chat-completions client, so retries,
the deadline and the concurrency limit are the same.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

from themeflow.errors import ThemeflowError
from themeflow.model import Document, Fact

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

PROMPT_VERSION = "figcheck-1"
MAX_FACTS = 12
"""Facts asked about in one request (a dense earnings paragraph is split into several)."""

VerdictKind = Literal["confirmed", "corrected", "rejected", "unchecked"]

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "facts": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "n": {"type": "integer"},
                    "verdict": {"type": "string", "enum": ["confirmed", "corrected", "rejected"]},
                    "owner": {"type": "string"},
                    "metric": {"type": "string"},
                    "period": {"type": "string"},
                },
                "required": ["n", "verdict"],
            },
        }
    },
    "required": ["facts"],
}

SYSTEM = (
    "你是严谨的财经数据核对员。给你一段新闻原文和从中抽取的若干数据，逐条判断抽取是否正确。"
    "只依据这段原文，不要使用外部知识，不要改动数值。"
)

INSTRUCTIONS = """逐条核对下面的数据（数值照原文，不得改动）：
- 主体（owner）：这个数值属于谁（公司、机构、国家、产品）。预测、表示、认为的一方不是主体，被预测的对象才是。
- 指标（metric）：这个数值衡量什么（营收、资本开支、降息幅度……）。
- 期间（period）：数值对应的时间（2025年、第四季度、上半年……）；原文没有写明就留空。
判断：
- confirmed：主体、指标、期间都与原文一致；
- corrected：数值确实出现在原文，但主体、指标或期间抽错了，请给出原文中的正确写法（用原文里的词）；
- rejected：这个数值不是所说的那种数据（例如日期、序号、股票代码），或原文无法支持。
只输出 JSON：{"facts": [{"n": 序号, "verdict": "confirmed|corrected|rejected", "owner": "...", "metric": "...", "period": "..."}]}"""


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
        """Facts for the figures table: every fact but the rejected ones, corrections applied."""
        return [v.fact for v in self.verdicts if v.kind != "rejected"]

    def comparable(self) -> set[int]:
        """``id`` of the facts that may enter conflicts: those the model confirmed or corrected."""
        return {id(v.fact) for v in self.verdicts if v.kind in ("confirmed", "corrected")}

    def counts(self) -> dict[str, int]:
        out = {"confirmed": 0, "corrected": 0, "rejected": 0, "unchecked": 0}
        for v in self.verdicts:
            out[v.kind] += 1
        return out


class FactChecker(Protocol):
    """Confirms, corrects or rejects the facts extracted from documents."""

    def check(self, docs: Sequence[Document], facts: Sequence[Fact]) -> CheckedFacts: ...


def _appears(words: str, doc: Document, paragraph: str) -> bool:
    """True when ``words`` (spaces and punctuation aside) occur in the paragraph or the title."""
    key = re.sub(r"[\s，,。、：:（）()《》“”\"']", "", words)
    if not key:
        return False
    return key in re.sub(r"\s", "", paragraph) or key in re.sub(r"\s", "", doc.title)


def _json(text: str) -> dict[str, Any] | None:
    """The reply's JSON object (inside code fences or with words around it), None when there is none."""
    fenced = re.search(r"```(?:json)?\s*(.*?)```", text, re.S)
    body = fenced.group(1) if fenced else text
    start = body.find("{")
    end = body.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        value = json.loads(body[start : end + 1])
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _prompt(doc: Document, paragraph: str, facts: Sequence[Fact]) -> list[dict[str, str]]:
    when = doc.published_at.date().isoformat() if doc.published_at else "未知"
    lines = [
        f"{n}. 数值：{f.qualifier or ''}{f.value}；主体：{f.entity or '（未识别）'}；指标：{f.metric}；期间：{f.period or '（未写明）'}"
        for n, f in enumerate(facts, start=1)
    ]
    user = f"标题：{doc.title}\n发布日期：{when}\n原文段落：\n{paragraph}\n\n待核对数据：\n" + "\n".join(
        lines
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user + "\n\n" + INSTRUCTIONS}]


def _verdict(fact: Fact, answer: dict[str, Any] | None, doc: Document, paragraph: str) -> Verdict:
    """The model's answer for one fact, held to the rules in the module docstring."""
    if answer is None:
        return Verdict(fact, "unchecked", note="no answer for this figure")
    kind = answer.get("verdict")
    if kind == "confirmed":
        return Verdict(fact, "confirmed")
    if kind == "rejected":
        return Verdict(fact, "rejected")
    if kind != "corrected":
        return Verdict(fact, "unchecked", note=f"unreadable verdict {kind!r}")
    changes: dict[str, Any] = {}
    for key, attr in (("owner", "entity"), ("metric", "metric"), ("period", "period")):
        value = str(answer.get(key) or "").strip()
        if not value or value == (getattr(fact, attr) or ""):
            continue
        if not _appears(value, doc, paragraph):
            return Verdict(fact, "unchecked", note=f"correction {key}={value!r} is not in the paragraph")
        changes[attr] = value
    if not changes:
        return Verdict(fact, "confirmed")
    return Verdict(replace(fact, **changes), "corrected", original=fact)


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
                _prompt(doc, paragraph, facts), schema=SCHEMA, max_tokens=96 * len(facts) + 64
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
        body = _json(str(getattr(reply, "content", "") or ""))
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

    return LLMFactChecker(ChatClient(llm_config(get)).complete)
