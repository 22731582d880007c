"""Turn an article sentence into a terse bullet by deleting, never by rewriting.

A bullet is the sentence minus attributions (``据路透社报道，``, ``巴克莱报告显示，``, ``他表示，``), fillers
(``值得注意的是``, ``此外，``), parentheticals and low-value clauses, with the trailing ``。`` gone. Every
piece kept is a verbatim clause of the sentence, joined with ``，``, so a figure in a bullet is always a
figure the paragraph states — compression cannot invent or alter one, and the verifier can prove it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from themeflow.text.numbers import find_figures
from themeflow.text.sentences import split_clauses

__all__ = ["compress", "compress_parts", "strip_fillers"]

# Whole-clause attributions: the clause only says who said it (``巴克莱报告显示``, ``他表示``).
_ATTRIBUTION_CLAUSE = re.compile(
    r"^(?:据|根据|援引|按照)?[^，,。“”]*?"
    r"(?:报道|消息|数据显示|数据|显示|表示|指出|认为|称|透露|强调|介绍|提到|坦言|直言|写道|分析|预计|预测|警告|说|"
    r"公告|公布|发布|披露|统计|测算|估算|援引|获悉|了解到|注意到|证实|回应|问及|问到)(?:称|说|显示|指出)?$"
    r"|^[^，,。“”]{1,30}?(?:告诉[^，,。“”]{1,12}|(?:对|向)[^，,。“”]{1,12}?(?:表示|说|称|透露)"
    r"|接受[^，,。“”]{1,16}?采访时?(?:表示|称|说)?)$"
    r"|^据[^，,。“”]{1,14}$"
)
# Leading attributions inside a clause: ``据路透社报道``, ``巴克莱报告显示``, ``分析人士指出``.
_LEADING = [
    re.compile(
        r"^(?:据|根据|援引)[^，,。“”]{1,30}?(?:报道|消息|数据|显示|统计|测算|透露|介绍|报告|称)[，,：:]?"
    ),
    re.compile(r"^据[^，,。“”\d]{1,12}[，,]"),
    re.compile(
        r"^[^，,。“”]{1,16}?(?:报告|研报|研究|分析|数据|调查|公告|统计|测算)(?:显示|指出|认为|称|表明|预计)[，,：:]?"
    ),
    re.compile(
        r"^(?:他|她|他们|其|该人士|分析人士|业内人士|市场人士|分析师|专家|官员|知情人士|消息人士)"
        r"(?:表示|指出|认为|称|透露|强调|介绍|坦言|说)[，,：:]?"
    ),
    re.compile(
        r"^(?:据悉|据了解|据介绍|据报道|据统计|据测算|据估计|据估算|据称|据透露|值得注意的是|值得一提的是|需要指出的是|需要注意的是|不可否认的是|可以看到|可以看出|总体来看|总体而言|"
        r"总的来说|综上所述|具体来看|具体而言|整体来看|整体而言|从数据来看|事实上|实际上|与此同时|此外|另外|同时|"
        r"而且|并且|但是|不过|然而|因此|所以|其中|对此|目前|当前|首先|其次|再次|最后|另一方面|一方面|此前|随后|"
        r"近日|日前|与此同时|今年以来|年内|那样的话|这样一来|换句话说|也就是说|简单来说|总之|可见)[，,]?"
    ),
    re.compile(r"^(?:而|但|并|且|也|还|则|即|又)(?=[^，,。]{4,})"),
]
# Clauses that set the scene but carry no claim: ``在周三的盘后交易中``, ``受需求驱动``, ``基于强劲的业务表现``.
_SCENE_CLAUSE = re.compile(
    r"^(?:(?:在|对于|截至|截止|为)[^，,。]{1,24}"
    r"(?:中|下|上|后|前|时|里|影响|驱动|推动|背景|来看|方面|而言|表现|之际|之下)"
    r"|(?:随着|由于|受|基于|为了|面对|鉴于|伴随|得益于|尽管|虽然|虽|即便|即使|哪怕)[^，,。]{1,30})$"
)
# Short scene-setting clauses: ``商业化方面``, ``这点上``, ``从产业链角度看``.
_SHORT_SCENE = re.compile(
    r"^(?:[^，,。\d]{1,10}(?:方面|来看|看来|而言|角度看|层面|这点上|这方面|期间)|从[^，,。\d]{1,12}看)$"
)
# A speaker or source label before a colon: ``美银：``, ``舒江鹏：``.
_LABEL = re.compile(r"^[^，,。：:“”\d]{1,8}[：:](?=[^，,。]{6,})")
_PAREN = re.compile(r"（[^（）]{0,40}）|\([^()]{0,40}\)|【[^【】]{0,40}】")
_TRAILING = "。；;，,：:、…— "
_QUOTES = re.compile('[“”「」『』"]')
_PAIRS = (("“", "”"), ("「", "」"), ("『", "』"), ("《", "》"))


def strip_fillers(clause: str) -> str:
    """Remove leading attributions and connectives from one clause (repeatedly: ``此外，据…报道，``)."""
    for _ in range(4):
        before = clause
        for rx in _LEADING:
            clause = rx.sub("", clause, count=1).lstrip("，,：: ")
        if clause == before:
            break
    return clause


def _balanced(text: str) -> str:
    """Drop quote marks left unmatched by clause deletion, so a bullet never opens a quote it does not close."""
    for o, c in _PAIRS:
        if text.count(o) != text.count(c):
            text = text.replace(o, "").replace(c, "")
    if text.count('"') % 2:
        text = text.replace('"', "")
    return text


_MAYBE_NUMBER = re.compile(r"[\d零〇一二两三四五六七八九十百千万亿]")


def _n_figures(clause: str, quantities_only: bool = False) -> int:
    if not _MAYBE_NUMBER.search(clause):
        return 0
    skip = ("code", "name", "date", "year", "period") if quantities_only else ("code", "name")
    return sum(1 for f in find_figures(clause) if f.kind not in skip)


_WHEN_WORDS = re.compile(
    r"当地时间|北京时间|美东时间|今年|去年|明年|上午|下午|晚间|午后|盘中|盘后|当天|同日|当周|截至|[年月日号周]"
)


def _is_when(clause: str) -> bool:
    """A clause that only says when (``1月23日``, ``当地时间3月11日``): context, not a claim."""
    figs = find_figures(clause) if _MAYBE_NUMBER.search(clause) else []
    if not figs or any(f.kind not in ("date", "year", "period") for f in figs):
        return False
    rest = clause
    for f in reversed(figs):
        rest = rest[: f.start] + rest[f.end :]
    return len(_WHEN_WORDS.sub("", rest).strip()) <= 2


def compress(
    sentence: str,
    max_chars: int = 45,
    hard_max: int = 60,
    weight: Callable[[str], float] | None = None,
) -> str:
    """A terse bullet made of verbatim clauses of ``sentence`` ('' when nothing substantive is left).

    Keeps the subject clause (the first clause that is not scene-setting or attribution), every clause
    with a figure while the bullet stays under ``hard_max`` characters, then the clauses ``weight``
    ranks highest while under ``max_chars``.
    """
    parts = compress_parts(sentence, max_chars, hard_max, weight)
    return parts[0] if parts else ""


def compress_parts(
    sentence: str,
    max_chars: int = 45,
    hard_max: int = 60,
    weight: Callable[[str], float] | None = None,
) -> list[str]:
    """Like :func:`compress`, plus a second bullet made of the figure clauses that did not fit.

    A sentence that states two figures (``…预算总额超过5200亿美元，预计2029年计算支出将达到约1250亿美元的峰值``)
    becomes two terse bullets instead of one long one, the way an analyst would write it.
    """
    text = sentence.strip().rstrip(_TRAILING)
    text = _LABEL.sub("", _PAREN.sub("", text), count=1)
    clauses = [strip_fillers(c) for c in split_clauses(text)]
    cands: list[tuple[int, str, int]] = []
    for i, c in enumerate(clauses):
        c = c.strip().rstrip(_TRAILING)
        if len(c) < 2 or (_ATTRIBUTION_CLAUSE.match(c) and not _n_figures(c, quantities_only=True)):
            continue
        nfig = _n_figures(c, quantities_only=True)
        last = i == len(clauses) - 1
        if nfig == 0 and not last and (_SCENE_CLAUSE.match(c) or _SHORT_SCENE.match(c) or _is_when(c)):
            continue
        cands.append((i, c, nfig))
    if not cands:
        return []
    total = sum(len(c) + 1 for _, c, _ in cands) - 1
    if total <= max_chars:
        return [_finish([c for _, c, _ in cands])]
    chosen: dict[int, str] = {cands[0][0]: cands[0][1]}
    length = len(cands[0][1])
    for i, c, nfig in cands[1:]:
        if nfig and length + 1 + len(c) <= hard_max:
            chosen[i] = c
            length += 1 + len(c)
    rest = sorted(
        ((i, c) for i, c, nfig in cands[1:] if i not in chosen),
        key=lambda ic: -(weight(ic[1]) if weight else -ic[0]),
    )
    for i, c in rest:
        if length + 1 + len(c) <= max_chars:
            chosen[i] = c
            length += 1 + len(c)
    for i, c, _ in cands[1:]:  # a lone short clause says little: add the next one if it fits at all
        if length >= 15:
            break
        if i not in chosen and length + 1 + len(c) <= hard_max:
            chosen[i] = c
            length += 1 + len(c)
    out = [_finish([chosen[i] for i in sorted(chosen)])]
    if len(out[0]) > hard_max:  # one long quoted remark: open the quotes and keep its first clauses
        inner = [c.strip().rstrip(_TRAILING) for c in split_clauses(_QUOTES.sub("", out[0])) if c.strip()]
        kept: list[str] = []
        for c in inner:
            if kept and sum(len(k) + 1 for k in kept) + len(c) > max_chars:
                break
            kept.append(c)
        out[0] = _finish(kept)
        if len(out[0]) > hard_max:
            return []
    left = [c for i, c, nfig in cands if nfig and i not in chosen]
    if left:
        second = _finish(left)
        if 12 <= len(second) <= hard_max:
            out.append(second)
    return out


def _finish(parts: list[str]) -> str:
    text = "，".join(p for p in parts if p)
    return _balanced(text).strip().rstrip(_TRAILING)
