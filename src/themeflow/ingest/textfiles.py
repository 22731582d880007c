"""Markdown and plain-text notes: title from the first heading (or first line), paragraphs from blocks.

Analysts' notes are either one paragraph per line (typical for Chinese text) or hard-wrapped blocks
separated by blank lines (typical for English and Markdown). We tell the two apart by whether blocks
have several lines, and join wrapped lines without inventing a space between Chinese characters.
Markdown markup that a reader does not see (``#``, ``**``, link targets, images) is dropped; the words
are kept.
"""

from __future__ import annotations

import re

from themeflow.ingest.document import Draft

__all__ = ["join_lines", "markdown_draft", "text_draft"]

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")
_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_QUOTE = re.compile(r"^\s*>\s?")
_FENCE = re.compile(r"^\s*(```|~~~)")
_HR = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
_SENTENCE_END = re.compile(r"[。！？!?；;：:”」』）)]$|[.]$")
_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines: no space between two Chinese characters, one space between Latin words."""
    out = ""
    for line in (x.strip() for x in lines):
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith("-") and line[:1].isalpha() and out[-2:-1].isalpha():
            out = out[:-1] + line  # a word hyphenated across lines
        elif _WIDE.match(out[-1]) or _WIDE.match(line[0]):
            out += line
        else:
            out += " " + line
    return out


def _blocks(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _paragraphs(lines: list[str]) -> list[str]:
    blocks = _blocks(lines)
    inner = [x.strip() for b in blocks for x in b[:-1]]  # lines that are followed by another in a block
    ends = sum(bool(_SENTENCE_END.search(x)) for x in inner)
    if inner and ends < len(inner) / 2:
        return [join_lines(b) for b in blocks]  # hard-wrapped text: a block is a paragraph
    return [x.strip() for b in blocks for x in b]  # one paragraph per line


def text_draft(text: str) -> Draft:
    """Plain text: the first line is the title when it looks like one (short, no final full stop)."""
    lines = text.splitlines()
    first = next((i for i, x in enumerate(lines) if x.strip()), None)
    title = None
    if first is not None:
        candidate = lines[first].strip()
        if len(candidate) <= 80 and not candidate.endswith(("。", ".", "；", ";")):
            title, lines = candidate, lines[first + 1 :]
    return Draft(title=title, text=_paragraphs(lines))


def _inline(line: str) -> str:
    line = _IMAGE.sub(lambda m: m.group(1), line)
    line = _LINK.sub(lambda m: m.group(1), line)
    return _EMPHASIS.sub(lambda m: m.group(2), line)


def markdown_draft(text: str) -> Draft:
    """Markdown: the first heading is the title; headings, list items and quotes become paragraphs."""
    text = _FRONT_MATTER.sub("", text.replace("\r\n", "\n"))
    lines = text.split("\n")
    title: str | None = None
    out: list[str] = []
    in_fence = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
            out.append("")
            continue
        if in_fence:
            out.extend([line, ""])  # code keeps its lines
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if _SETEXT.match(line) and out and out[-1].strip() and not _HR.match(line):
            heading = out.pop()
            if title is None:
                title = heading
            else:
                out.extend(["", heading])
            out.append("")
            continue
        if _HR.match(line):
            out.append("")
            continue
        if m := _HEADING.match(line):
            heading = _inline(m.group(2))
            if title is None:
                title = heading
            else:
                out.extend(["", heading])
            out.append("")
            continue
        if _LIST.match(line) or _QUOTE.match(line):
            out.extend(["", _inline(_QUOTE.sub("", _LIST.sub("", line)))])
            if not nxt.strip() or _LIST.match(nxt) or _QUOTE.match(nxt):
                out.append("")
            continue
        out.append(_inline(line))
    if title is None:
        draft = text_draft("\n".join(out))
        return draft
    blocks = _blocks(out)
    return Draft(title=title, text=[join_lines(b) for b in blocks])
