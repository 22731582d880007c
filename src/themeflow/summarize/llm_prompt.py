"""The versioned Chinese prompt of the LLM summarizer, its JSON schema, and a tolerant reader of replies.

Why versioned: a summary is cached under (content hash, model, :data:`PROMPT_VERSION`), so changing a word
of the prompt must change the version, or old summaries would be served as if the new prompt wrote them.

The reply has the shape of ``summarize --json``: ``{"core_views": [{"text", "citations"}], "sections":
[{"title", "bullets": [{"text", "citations"}]}]}`` with 1-based paragraph numbers of the *article* (a long
article is sent in parts, each part keeping the article's numbering). Servers without JSON-schema support
wrap the JSON in code fences or add a sentence around it; :func:`parse_reply` finds the object anyway and
says what it could not read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from themeflow.errors import SummarizerError
from themeflow.model import Bullet, Section

__all__ = [
    "PROMPT_VERSION",
    "SUMMARY_SCHEMA",
    "Parsed",
    "parse_reply",
    "reask_messages",
    "summary_messages",
]

PROMPT_VERSION = "2"

_BULLET: dict[str, Any] = {
    "type": "object",
    "properties": {
        "text": {"type": "string"},
        "citations": {"type": "array", "items": {"type": "integer"}},
    },
    "required": ["text", "citations"],
    "additionalProperties": False,
}
SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "core_views": {"type": "array", "items": _BULLET},
        "sections": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"title": {"type": "string"}, "bullets": {"type": "array", "items": _BULLET}},
                "required": ["title", "bullets"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["core_views", "sections"],
    "additionalProperties": False,
}

_SYSTEM = """你是严谨的财经编辑，为投资研究人员把一篇文章写成结构化摘要。只输出一个JSON对象，不要任何其他文字。

规则：
1. 只依据给出的编号段落，不得加入段落之外的信息、推测或评价。
2. 每条要点末尾用 citations 给出它依据的段落编号（整数，即段落前方括号里的数字），每条至少一个。
3. 数字、单位、时间照原文抄写，不得换算、四舍五入或改写（114.3GW 不能写成 1143GW）。
4. 要点可以比原文短，但意思不能变：保留说话人（X表示/认为/预计/据X）、时间或期间（季度、年份、年代）、
   主体（谁的数字、谁的观点）、转折中表达观点的一半（不是…而是、但、却）、否定与条件；列举要么完整要么不写。
   摘抄原句时只可删去电头、"此外"一类连接词、不含数字的括号、句首的时间/来源/目的/让步从句、句末另起主语
   的补充分句；删不干净就整句照抄（不超过120字），不要从句子中间截断。
5. 每条要点要能单独读懂：不以"而、因为、二是、答案"等承上的词开头，不留"该、这一、上述"指代不明，
   引语要写出说话人，不写标题式短语或空洞的开场白。
6. core_views：2至4条文章核心观点；sections：3至5个小节，每节一个简短标题（不用时间戳、媒体名作标题，
   标题里点名的机构或人物必须是该节要点的主体）和1至4条简洁要点。"""


def summary_messages(
    title: str, numbered: Sequence[tuple[int, str]], *, part: str = ""
) -> list[dict[str, str]]:
    """The request for one article (or one part of a long one: ``part`` says which)."""
    lines = [f"标题：{title}" if title else "标题：（无）"]
    if part:
        lines.append(f"（这是长文的{part}，段落编号沿用全文编号）")
    lines.append("段落：")
    lines.extend(f"[{n}] {text}" for n, text in numbered)
    return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": "\n".join(lines)}]


def reask_messages(first: list[dict[str, str]], failed: Sequence[tuple[Bullet, str]]) -> list[dict[str, str]]:
    """One targeted re-ask: the failing bullets with what the verifier found, to be rewritten from their
    cited paragraphs or left out. The reply has the same shape; only its bullets are read."""
    items = "\n".join(
        f"- {b.text} {''.join(f'[{c}]' for c in b.citations)}  问题：{reason}" for b, reason in failed
    )
    ask = (
        "以下要点未通过与原文段落的核对：\n"
        f"{items}\n"
        "请只依据它们所引的段落逐条改写（保留说话人、时间、主体、转折、否定，数字照抄），"
        "无法改写正确的就删去。输出同样结构的JSON对象，把改写后的要点放在 core_views 里，sections 留空。"
    )
    return [*first, {"role": "user", "content": ask}]


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a reply said, and what of it could not be read (counted, never shown)."""

    core_views: tuple[Bullet, ...]
    sections: tuple[Section, ...]
    unreadable: int = 0


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def json_object(text: str, keys: tuple[str, ...]) -> dict[str, Any] | None:
    """The first balanced ``{…}`` in ``text`` (inside code fences if there are any) that has one of
    ``keys``; None when there is none. Models wrap JSON in fences and words, and a reply cut off at the
    token limit leaves only inner objects complete, none of which is the reply."""
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    start = body.find("{")
    while start >= 0:
        depth = 0
        in_string = escaped = False
        for i in range(start, len(body)):
            ch = body[i]
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    try:
                        value = json.loads(body[start : i + 1])
                    except ValueError:
                        break
                    if isinstance(value, dict) and any(k in value for k in keys):
                        return value
                    break
        start = body.find("{", start + 1)
    return None


def _json_object(text: str) -> dict[str, Any]:
    """The reply's summary object (``core_views`` or ``sections``); SummarizerError when there is none."""
    found = json_object(text, ("core_views", "sections"))
    if found is None:
        raise SummarizerError(f"the LLM reply holds no summary object (cut off, or not JSON): {text[:120]!r}")
    return found


def _bullets(items: Any) -> tuple[list[Bullet], int]:
    out: list[Bullet] = []
    bad = 0
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            bad += 1
            continue
        text = str(item.get("text") or "").strip()
        raw = item.get("citations")
        cites: list[int] = []
        for c in raw if isinstance(raw, list) else [raw]:
            try:
                cites.append(int(str(c).strip("[] ")))
            except (TypeError, ValueError):
                continue
        text = re.sub(r"(?:\s*\[\d+\])+\s*$", "", text)  # citations also written into the text
        if not text:
            bad += 1
            continue
        out.append(Bullet(text, tuple(dict.fromkeys(cites))))
    return out, bad


def parse_reply(text: str) -> Parsed:
    """The bullets of a reply; SummarizerError when it holds no JSON object at all."""
    data = _json_object(text)
    core, bad = _bullets(data.get("core_views"))
    sections: list[Section] = []
    raw_sections = data.get("sections")
    for raw in raw_sections if isinstance(raw_sections, list) else []:
        if not isinstance(raw, dict):
            bad += 1
            continue
        bullets, more = _bullets(raw.get("bullets"))
        bad += more
        title = str(raw.get("title") or "").strip()
        if title and bullets:
            sections.append(Section(title, tuple(bullets)))
        elif bullets:
            bad += len(bullets)
    return Parsed(tuple(core), tuple(sections), bad)
