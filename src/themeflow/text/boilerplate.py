"""Remove page furniture (原标题, 责任编辑, 返回搜狐…, disclaimers, glued datelines) from titles and paragraphs.

Why at ingest: every later stage reads the stored paragraphs. A "返回搜狐，查看更多责任编辑：" tail ends up in
snippets, a disclaimer becomes a summary bullet, two syndicated copies look less alike to the copy detector,
and a title "…投资机会财联社8月18日讯（编辑" is what the analyst sees in every list.

The rules are data (``data/boilerplate.toml``, loaded once); this module applies them. Removed credits are
not thrown away blindly: a "来源：TechWeb" credit is returned so ingest can name the outlet of a document
that arrived without one.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from themeflow.errors import ConfigError
from themeflow.text.outlets import fold_outlet, outlet_table

__all__ = ["Rule", "Stripped", "rules", "strip_paragraphs", "strip_title", "strip_title_dateline"]

Action = Literal["drop", "cut"]
_MAX_PASSES = 4
"""A paragraph can carry several layers of furniture (credit, then editor, then sohu footer); each pass peels
one, and four is more than any corpus paragraph needed."""


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    where: frozenset[str]
    action: Action
    pattern: re.Pattern[str]
    example: str
    requires: tuple[str, ...] = ()
    """Literals of which every match holds one (``boilerplate.toml``); empty: the pattern is always searched."""

    def may_match(self, text: str) -> bool:
        """False when ``text`` holds none of :attr:`requires`, so the pattern cannot match it."""
        return not self.requires or any(lit in text for lit in self.requires)


@dataclass(frozen=True, slots=True)
class Stripped:
    """Paragraphs with the furniture removed, the credited outlet names found, and which rules fired."""

    paragraphs: list[str]
    credits: list[str]
    fired: list[str]


@cache
def rules() -> tuple[Rule, ...]:
    """The bundled rules, parsed and compiled once per process."""
    try:
        text = (resources.files("themeflow") / "data" / "boilerplate.toml").read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"the bundled boilerplate rules data/boilerplate.toml cannot be read: {exc}"
        ) from exc
    return rules_from_dict(data)


def rules_from_dict(data: dict[str, object]) -> tuple[Rule, ...]:
    """Compile parsed TOML into rules; raises ConfigError naming the rule that is malformed."""
    out: list[Rule] = []
    raw = data.get("rule", [])
    if not isinstance(raw, list):
        raise ConfigError("boilerplate rules: [[rule]] entries expected")
    for entry in raw:
        name = str(entry.get("name", "?"))
        action = entry.get("action")
        where = entry.get("where", [])
        if action not in ("drop", "cut") or not isinstance(where, list) or not where:
            raise ConfigError(f"boilerplate rule {name!r}: action must be drop or cut, where a list")
        try:
            pattern = re.compile(str(entry["pattern"]))
        except (KeyError, re.error) as exc:
            raise ConfigError(f"boilerplate rule {name!r}: bad pattern: {exc}") from exc
        requires = entry.get("requires", [])
        if not isinstance(requires, list) or not all(isinstance(r, str) and r for r in requires):
            raise ConfigError(f"boilerplate rule {name!r}: requires must be a list of non-empty strings")
        example = str(entry.get("example", ""))
        rule = Rule(name, frozenset(where), action, pattern, example, tuple(requires))
        if example and not rule.may_match(example):
            raise ConfigError(f"boilerplate rule {name!r}: its example holds none of its required literals")
        out.append(rule)
    return tuple(out)


def _apply(text: str, rule: Rule, credits: list[str]) -> str:
    """``text`` after one rule ("" when a drop rule matches the whole of it)."""
    if not rule.may_match(text):
        return text
    if rule.action == "drop":
        m = rule.pattern.fullmatch(text)
        if m is None:
            return text
        _credit(m, credits)
        return ""

    def repl(m: re.Match[str]) -> str:
        _credit(m, credits)
        return m.groupdict().get("keep") or ""

    return rule.pattern.sub(repl, text)


def _credit(m: re.Match[str], credits: list[str]) -> None:
    outlet = m.groupdict().get("outlet")
    if outlet and outlet.strip():
        credits.append(outlet.strip())


@cache
def _rules_for(where: str) -> tuple[Rule, ...]:
    return tuple(r for r in rules() if where in r.where)


@cache
def _literals_for(where: str) -> tuple[str, ...]:
    return tuple(sorted({lit for r in _rules_for(where) for lit in r.requires}))


def _strip_one(text: str, where: str, credits: list[str], fired: list[str]) -> str:
    active = _rules_for(where)
    literals = _literals_for(where)
    for _ in range(_MAX_PASSES):
        before = text
        # which rules' literals the text holds, told once for all of them (a C-level test per literal)
        present = frozenset(filter(text.__contains__, literals))
        for rule in active:
            if rule.requires and present.isdisjoint(rule.requires):
                continue
            after = _apply(text, rule, credits).strip()
            if after != text:
                fired.append(rule.name)
                text = after
                present = frozenset(filter(text.__contains__, literals))
            if not text:
                return ""
        if text == before:
            break
    return text


_ORIGINAL_TITLE = re.compile(r"^原标题[：:]\s*")
_SPACES = re.compile(r"\s+")


def _drop_title_echo(first: str, title: str) -> str:
    """A first paragraph "原标题：<title><body…>" without the label and, when it is the title, the echo."""
    m = _ORIGINAL_TITLE.match(first)
    if m is None:
        return first
    rest = first[m.end() :]
    if not title:
        return rest
    # Compare without spaces: flattened pages drop or add spaces inside the repeated title.
    want = _SPACES.sub("", title)
    i = matched = 0
    while i < len(rest) and matched < len(want):
        if rest[i].isspace():
            i += 1
            continue
        if rest[i] != want[matched]:
            return rest
        i += 1
        matched += 1
    return rest[i:].lstrip() if matched == len(want) else rest


def strip_paragraphs(paragraphs: Sequence[str], title: str = "") -> Stripped:
    """Paragraphs without boilerplate; a paragraph that was nothing but boilerplate is dropped.

    ``title`` (already cleaned) lets the first paragraph lose an "原标题：<title>" echo of it.
    """
    credits: list[str] = []
    fired: list[str] = []
    out: list[str] = []
    for n, para in enumerate(paragraphs):
        text = para
        if n < 3:  # the echo opens the body, sometimes after a lead line or the dateline
            echo_free = _drop_title_echo(text, title)
            if echo_free != text:
                fired.append("original-title echo")
                text = echo_free
        text = _strip_one(text, "paragraph", credits, fired)
        if text:
            out.append(text)
    return Stripped(out, credits, fired)


# -- titles -------------------------------------------------------------------------------------------

_DATE_CREDIT = r"\d{1,2}月\d{1,2}日(?:讯|电|消息)"
_TAIL_DATELINE = re.compile(_DATE_CREDIT + r"(?:\s*[（(](?:编辑|记者|通讯员)[^）)]{0,12}[）)]?)?\s*$")
_HEAD_DATELINE = re.compile(
    r"^(?P<credit>[^\s，。！？：:、“”\"]{2,14}?)"
    + r"(?:"
    + _DATE_CREDIT
    + r"|讯(?=[（(](?:编辑|记者)))"  # 财联社讯（编辑 梓隆）: no date, but the byline makes it a dateline
    + r"(?:\s*[（(][^（）()]{0,20}[）)])?[\s，,：:]*(?:题[：:]\s*)?"
)
"""A dateline opening a text: outlet (and place), date, 讯/电, then the byline in brackets and 题： if any."""
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_HOUSE_CREDITS = ("本报", "本台", "本网")


def _credit_start(before: str) -> int | None:
    """Where an outlet credit (optionally followed by a place: 新华社成都) starts at the end of ``before``.

    Only a name the outlet table knows counts, so a title never loses its own last words to a guess.
    """
    table = outlet_table()
    best: int | None = None
    for k in range(2, min(len(before), 16) + 1):
        cand = before[-k:]
        # The credit may end in a place of 2–4 characters (新华社成都, 中国青年报客户端北京).
        names = [cand] + [cand[:-p] for p in (2, 3, 4) if len(cand) - p >= 2 and _CJK.fullmatch(cand[-p:])]
        for name in names:
            bare = name.removeprefix("据")
            if fold_outlet(bare) in table.by_key or bare in _HOUSE_CREDITS:
                best = len(before) - k
    return best


def strip_title_dateline(title: str) -> tuple[str, str | None]:
    """``title`` without a glued dateline ("…投资机会财联社8月18日讯（编辑"), and the credited outlet.

    A dateline at the start ("财联社8月15日讯（编辑 胡家荣）近日…", a title derived from the first sentence)
    is cut whole; one at the end only from a known outlet name on.
    """
    m = _HEAD_DATELINE.match(title)
    if m and m.end() < len(title):
        credit = m.group("credit").strip("【】[]（）()")
        start = _credit_start(credit)
        # Name the outlet only when the table knows it (新华社成都 is 新华社; 红网时刻新闻 is not guessed at).
        return title[m.end() :].strip(), credit[start:] if start is not None else None
    m = _TAIL_DATELINE.search(title)
    if m and m.start() > 0:
        start = _credit_start(title[: m.start()])
        if start is not None and start > 0:
            credit = title[start : m.start()].removeprefix("据")
            return title[:start].rstrip(), credit
    return title, None


def strip_title(title: str) -> tuple[str, str | None]:
    """A title without labels, datelines and furniture, and an outlet credited in it (or None)."""
    credits: list[str] = []
    fired: list[str] = []
    text = _strip_one(title, "title", credits, fired)
    text, credit = strip_title_dateline(text)
    return text, credit or (credits[0] if credits else None)
