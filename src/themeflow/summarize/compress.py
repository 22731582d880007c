"""Turn an article sentence into a terse bullet by deleting, never by rewriting.

A bullet is the sentence minus attributions (``据路透社报道，``, ``巴克莱报告显示，``, ``他表示，``), fillers
(``值得注意的是``, ``此外，``), datelines, parentheticals and low-value clauses, with the trailing ``。``
gone. Every piece kept is a verbatim clause of the sentence, so a figure in a bullet is always a figure
the paragraph states — compression cannot invent or alter one, and the verifier can prove it.

Deleting a clause can still change what the others mean, so clauses are kept together with what they
need (:func:`_closure`, kinds from :mod:`.fragments`): a clause without its own subject (``份额升至39%``,
``将…``, ``其…``) keeps the clause that owns it, a condition (``若…``) keeps its consequence and the other
way round, ``随着…``/``不仅…`` and bare noun phrases keep their main clause. When that makes the bullet
too long, the whole sentence is used if it is short, else the sentence gives no bullet; a pronoun whose
referent is in another sentence (``这一数字…``, ``该公司…``) also gives none.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from themeflow.summarize.fragments import (
    Kind,
    clause_kind,
    fragment_reason,
    is_boilerplate_sentence,
    is_noun_phrase,
    self_contained,
    speech_start,
    starts_with_pronoun,
    strip_dateline,
)
from themeflow.summarize.fragments import (
    ownerless_noun as head_needs_noun,
)
from themeflow.text.numbers import find_figures
from themeflow.text.sentences import clause_spans, split_clauses, split_sentences
from themeflow.text.speech import saying_verbs

__all__ = ["compress", "compress_parts", "strip_fillers"]

# Who said it, when not a pronoun or a generic source: ``英伟达表示`` can own ``将…`` after it.
_CONNECTIVE_HEAD = re.compile(
    r"^(?:此外|另外|同时|与此同时|但是?|不过|然而|而且|而(?!非)|并且?|也|还|对此)[，,]?"
)
_SAYS = re.compile(rf"(?:{saying_verbs('attribution_split')}|(?:在|对|向)(?:记者|媒体|本报))")
_TIME_OF_DAY = re.compile(
    r"^(?:北京时间|当地时间|美东时间|周[一二三四五六日]|[上下]午|凌晨|晚间|早间|\d{1,2}月\d{1,2}日|今天|昨天|当天)*"
    r"[^，,。\d]{0,4}\d{1,2}[点时](?:\d{1,2}分|半)?(?:左右|许)?$"
)
_GENERIC_WHO = re.compile(
    r"(?:据|根据|援引|按照)?(?:有关|相关|最新|该|此|一份|这份|多项|多份|部分|有|业内|市场|分析|知情|消息)?"
    r"(?:数据|报告|研报|研究|分析|调查|统计|资料|消息|公告|文件|报道|媒体|外媒|记者|人士|分析师|专家|机构|方面)"
)
_SPEECH_END = re.compile(saying_verbs("speech_end") + "(?:投资者|市场|记者|客户|外界|大家|称)?$")
_LIST_MARK = re.compile(
    r"^\s*(?:\d{1,2}[、.．)](?!\d)|[（(]\d{1,2}[）)]|[一二三四五六七八九十]{1,2}、)\s*(?:[^，,。|｜]{1,10}\s*[|｜]\s*)?"
)
_NOISE_LABEL = re.compile(
    r"^(?:点评|注|备注|评论|编者按|导读|摘要|提示|免责声明|风险提示|小结|总结|结论|观点|核心观点|问|答|[QA])$"
)
_CONSEQUENCE = re.compile(r"就|则|才|便")
_TIME_CLAUSE = re.compile(r"^[^，,。]{2,30}(?:时|之时|之际|期间)$")
_PRONOUN_SOURCE = re.compile(r"^(?:他们?|她们?|其|它|该人士|对方|后者|前者|这位|此人)")

# Whole-clause attributions: the clause only says who said it (``巴克莱报告显示``, ``他表示``).
_ATTRIBUTION_CLAUSE = re.compile(
    r"^(?:据|根据|援引|按照)[^，,。“”]*?(?:报道|消息|数据|显示|统计|测算|估算|公告|分析)$"
    r"|^[^，,。“”]*?" + saying_verbs("attribution_clause") + r"(?:称|说|显示|指出)?$"
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
        r"近日|日前|与此同时|今年以来|年内|那样的话|这样一来|换句话说|也就是说|简单来说|总之|可见|更重要的是|更为重要的是|"
        r"最重要的是|需要强调的是|简单理解|换言之)"
        r"(?!来看|看来|为止|而言|来说|之一|中的|的)[，,]?"
    ),
    re.compile(
        r"^(?:而(?!言|已|今|立|后|非)|但|并(?!非|不|未|没|购|表|列|行|存|网|发|且)|且|也(?!就)|还(?!原|款|是|贷|债)|"
        r"则(?!是)|即(?!便|使|刻|时|将|可|期)|又(?!称|名))(?=[^，,。]{4,})"
    ),
]
# Clauses that set the scene but carry no claim: ``在周三的盘后交易中``, ``受需求驱动``, ``基于强劲的业务表现``.
_SCENE_CLAUSE = re.compile(
    r"^(?:(?:在|对于|截至|截止|为)[^，,。]{1,40}"
    r"(?:中|下|上|后|前|时|里|影响|驱动|推动|背景|来看|方面|而言|表现|之际|之下)"
    r"|(?:随着|由于|受|基于|为了|面对|鉴于|伴随|得益于|尽管|虽然|虽|即便|即使|哪怕)[^，,。]{1,30})$"
)
# Short scene-setting clauses: ``商业化方面``, ``这点上``, ``从产业链角度看``.
_SHORT_SCENE = re.compile(
    r"^(?:[^，,。\d]{1,10}(?:方面|来看|看来|而言|角度看|层面|这点上|这方面|期间)|从[^，,。\d]{1,12}看)$"
)
_PAREN = re.compile(r"（[^（）]{0,40}）|\([^()]{0,40}\)|【[^【】]{0,40}】")
_TRAILING = "。；;，,：:、…— "
_QUOTES = re.compile('[“”「」『』"]')
_PAIRS = (("“", "”"), ("「", "」"), ("『", "』"), ("《", "》"))


_ANY_LEADING = re.compile("|".join(f"(?:{rx.pattern})" for rx in _LEADING))
"""One test for all of ``_LEADING`` (each anchored at the start): most clauses open with none of them."""
_STRIPPED = "，,：: "


def strip_fillers(clause: str) -> str:
    """Remove leading attributions and connectives from one clause (repeatedly: ``此外，据…报道，``)."""
    bare = clause.lstrip(_STRIPPED)
    if not _ANY_LEADING.match(bare):
        return bare  # what the passes below give when no pattern applies: the clause, its marks stripped
    for _ in range(4):
        before = clause
        for rx in _LEADING:
            clause = rx.sub("", clause, count=1).lstrip(_STRIPPED)
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
    """A terse bullet made of verbatim clauses of ``sentence`` ('' when nothing safe is left).

    Keeps the subject clause (the first clause that is not scene-setting or attribution), every clause
    with a figure while the bullet stays under ``hard_max`` characters, then the clauses ``weight``
    ranks highest while under ``max_chars`` — each together with the clauses it needs to keep its
    meaning (:func:`_closure`): its owner, its condition, its consequence or its predicate.
    """
    parts = compress_parts(sentence, max_chars, hard_max, weight)
    return parts[0] if parts else ""


class _Clause:
    __slots__ = ("forward", "kind", "nfig", "optional", "refers", "sep", "speaker", "supplier", "text")

    def __init__(self, text: str, sep: str, kind: str, nfig: int, optional: bool, supplier: bool) -> None:
        self.forward = kind in _FORWARD  # needs the clause after it (condition, 随着…, a bare noun phrase)
        self.refers = False  # a 其/该 inside: wants the owner before it when there is one
        self.speaker = False  # a named attribution (英伟达表示): the only owner a 同时强调… can have
        self.text = text
        self.sep = sep
        self.kind = kind
        self.nfig = nfig
        self.optional = optional  # setting or attribution: dropped unless another clause needs it
        self.supplier = supplier  # names an owner for the clauses after it


_OWNED = (Kind.NEEDS_OWNER, Kind.PRONOUN, Kind.CONNECTIVE)
_SETTING = (Kind.SCENE, Kind.SUBORDINATE, Kind.CONDITION)
_STRICT = (Kind.PRONOUN, Kind.CONNECTIVE)
_INNER_PRONOUN = re.compile(r"(?:其(?!中|他|它|余|实|次|后|间|一)|该(?![^，]{0,2}(?:如何|怎么))|它)")
_FORWARD = (Kind.CONDITION, Kind.SUBORDINATE, Kind.NOUN_PHRASE)


def _analyse(text: str) -> list[_Clause]:
    spans = clause_spans(text)
    out: list[_Clause] = []
    for n, (a, b) in enumerate(spans):
        raw = text[a:b].strip().rstrip(_TRAILING)
        sep = text[b : spans[n + 1][0]].strip() if n + 1 < len(spans) else ""
        sep = "——" if "—" in sep else sep
        bare = _CONNECTIVE_HEAD.sub("", raw)
        c = bare if _ATTRIBUTION_CLAUSE.match(bare) else strip_fillers(raw).strip().rstrip(_TRAILING)
        if len(c) < 2:
            continue
        nq = _n_figures(c, quantities_only=True)
        last = n == len(spans) - 1
        if n == 0 and sep in ("：", ":") and len(c) <= 8 and not _MAYBE_NUMBER.search(c) and len(spans) > 1:
            if not _NOISE_LABEL.match(c):  # 鸿远电子：…, 上交所：… — the owner of what follows
                label = _Clause(c, "：", Kind.SUBJECT, 0, optional=True, supplier=True)
                label.refers = True
                out.append(label)
            continue
        if _ATTRIBUTION_CLAUSE.match(c) and not nq:
            who = _SAYS.split(c, maxsplit=1)[0]
            if not who or _PRONOUN_SOURCE.match(c):
                out.append(_Clause(c, sep, Kind.PRONOUN, 0, optional=True, supplier=False))
            else:
                named = not (_GENERIC_WHO.fullmatch(who) or re.match(r"(?:据|根据|援引|按照)", who))
                out.append(_Clause(c, sep, Kind.SUBJECT if named else Kind.SCENE, 0, True, named))
                out[-1].speaker = named
            continue
        if _TIME_OF_DAY.match(c) or _TIME_CLAUSE.match(c) or (not last and _SCENE_CLAUSE.match(c)):
            nq = 0  # a figure in a setting (在250GW目标公布前) does not make it a claim
        scene = (
            nq == 0
            and not last
            and bool(
                _SCENE_CLAUSE.match(c)
                or _SHORT_SCENE.match(c)
                or _is_when(c)
                or _TIME_OF_DAY.match(c)
                or _TIME_CLAUSE.match(c)
            )
        )
        kind = clause_kind(c, scene=scene)
        if scene and kind not in (Kind.CONDITION, Kind.SUBORDINATE):
            kind = Kind.SCENE
        optional = kind == Kind.SCENE or (kind == Kind.SUBORDINATE and scene)
        clause = _Clause(c, sep, kind, nq, optional, kind in (Kind.SUBJECT, Kind.NOUN_PHRASE))
        clause.forward = clause.forward or (kind == Kind.SUBJECT and bool(_SPEECH_END.search(c)))
        clause.refers = bool(_INNER_PRONOUN.search(c[1:]))
        if out and out[-1].sep == "——":  # 需要与两大竞争对手——英特尔和AMD展开竞争: one clause, cut by a dash
            clause.refers = True
            out[-1].forward = True
        out.append(clause)
    for cur, nxt in zip(out, out[1:], strict=False):  # 覆盖…全流程的软硬件闭环，是…: a subject after all
        if cur.kind == Kind.NEEDS_OWNER and nxt.kind == Kind.NEEDS_OWNER and is_noun_phrase(cur.text):
            cur.kind, cur.forward, cur.supplier = Kind.NOUN_PHRASE, True, True
    if out and out[0].refers and out[0].optional and len(out) > 1:  # a label travels with its first clause
        out[0].refers = False
        out[1].refers = True
    return out


def _closure(cl: list[_Clause], start: int) -> set[int] | None:
    """``start`` and every clause it needs to keep its meaning; None when that need is outside the sentence.

    * a clause without its own subject (``份额升至39%``, ``将…``, ``其…``) needs the nearest earlier
      clause that can own it — skipping settings and subordinate clauses — and that clause's needs;
    * a condition (``若…``, ``在…前提下``) stays with the clause after it, and that clause with it;
    * a subordinate clause (``随着…``, ``不仅…``) or a bare noun phrase needs the clause after it.
    """
    need = {start}
    todo = [(start, cl[start].kind in _STRICT)]
    while todo:
        j, strict = todo.pop()
        c = cl[j]
        if c.kind == Kind.SCENE:
            continue
        wants: list[tuple[int, bool]] = []
        if j > 0 and cl[j - 1].kind == Kind.CONDITION:
            wants.append((j - 1, False))
        elif j > 1 and cl[j - 2].kind == Kind.CONDITION and _CONSEQUENCE.search(c.text):
            wants.append((j - 2, False))  # 没有光放，信号就出不去，链路就建不起来
        if c.kind in _OWNED and speech_start(c.text):  # 同时强调… : its owner is the speaker
            k = j - 1
            while k >= 0 and not cl[k].speaker:
                k -= 1
            if k < 0:
                return None
            wants.append((k, False))
        elif c.kind in _OWNED or c.refers or strict:
            k = j - 1
            while (
                k >= 0
                and (cl[k].kind in (Kind.SCENE, Kind.SUBORDINATE, Kind.CONDITION))
                and not cl[k].supplier
            ):
                k -= 1
            if k >= 0:
                wants.append((k, strict and not cl[k].supplier))
            elif strict or c.kind in _STRICT:
                return None  # 其/该/这…, 而/尤其是… whose owner is not in the sentence
        if c.forward:
            k = j + 1
            while k < len(cl) and cl[k].kind == Kind.SCENE:
                k += 1
            if k < len(cl):
                wants.append((k, False))
            elif c.kind != Kind.NOUN_PHRASE and not self_contained(c.text) and c.kind != Kind.SUBJECT:
                return None  # a condition or 随着… that ends the sentence
        for k, st in wants:
            if k not in need:
                need.add(k)
                todo.append((k, st))
    return need


def _join(cl: list[_Clause], chosen: set[int]) -> str:
    order = sorted(chosen)
    out: list[str] = []
    for n, i in enumerate(order):
        out.append(cl[i].text)
        if n + 1 < len(order):
            out.append(cl[i].sep if order[n + 1] == i + 1 and cl[i].sep in ("：", "，") else "，")
    return _balanced("".join(out)).strip().rstrip(_TRAILING)


def _standalone(text: str) -> bool:
    return bool(text) and fragment_reason(text) is None and not starts_with_pronoun(text)


def compress_parts(
    sentence: str,
    max_chars: int = 45,
    hard_max: int = 60,
    weight: Callable[[str], float] | None = None,
) -> list[str]:
    """Like :func:`compress`, plus a second bullet made of the figure clauses that did not fit.

    A sentence that states two figures (``…预算总额超过5200亿美元，预计2029年计算支出将达到约1250亿美元的峰值``)
    becomes two terse bullets instead of one long one, the way an analyst would write it; the second
    keeps the subject clause its figures belong to, or is not made.
    """
    text = _LIST_MARK.sub("", strip_dateline(sentence.strip())).rstrip(_TRAILING)
    if not text or is_boilerplate_sentence(text) or sentence.rstrip("”’\"' ").endswith(("？", "?")):
        return []  # boilerplate, or a question (not a claim)
    cl = _analyse(_PAREN.sub("", text))
    subjects = [i for i, c in enumerate(cl) if not c.optional]
    if not subjects:
        return []

    def size(chosen: set[int]) -> int:
        return _size(cl, chosen)

    first = None
    for n, i in enumerate(subjects[:3]):
        first = _closure(cl, i)
        if first is not None:
            subjects = subjects[n:]
            break
    if first is None:
        return []
    chosen = set(first)

    def grow(i: int, limit: int) -> None:
        nonlocal chosen
        add = _closure(cl, i)
        if add is not None and size(chosen | add) <= limit:
            chosen |= add

    if size(chosen) <= hard_max:
        for i in subjects[1:]:
            if cl[i].nfig:
                grow(i, hard_max)
        rest = sorted(
            (i for i in subjects[1:] if i not in chosen),
            key=lambda i: -(weight(cl[i].text) if weight else -i),
        )
        for i in rest:
            grow(i, max_chars)
        for i in subjects[1:]:  # a lone short clause says little: add the next one if it fits at all
            if size(chosen) >= 15:
                break
            grow(i, hard_max)
    out = [_join(cl, chosen)]
    if len(out[0]) > hard_max and out[0].startswith(
        ("“", "「", '"')
    ):  # one long quoted remark: its first clauses
        out[0] = _quoted_head(out[0], max_chars)
    claims = [i for i in chosen if not cl[i].optional and cl[i].kind not in _SETTING]
    if len(out[0]) > hard_max or not claims or not _standalone(out[0]):
        whole = _join(cl, set(range(len(cl))))  # the full sentence, when it is short enough, says it best
        return [whole] if len(whole) <= hard_max and _standalone(whole) else []
    second = _second_bullet(cl, subjects, chosen, hard_max)
    if second and second not in out[0]:
        out.append(second)
    return out


def _size(cl: list[_Clause], chosen: set[int]) -> int:
    """Characters of the clauses ``chosen`` joined with one separator each."""
    return sum(len(cl[i].text) + 1 for i in chosen) - 1


def _second_bullet(cl: list[_Clause], subjects: list[int], chosen: set[int], hard_max: int) -> str:
    """The figure clauses the first bullet left out, with what they need, as a bullet of their own ('' if
    none fits or it cannot stand alone).

    The second bullet follows the first in its section, so an owner the first one states may be left
    there (``…预算总额超过5200亿美元`` / ``预计2029年计算支出将达到约1250亿美元的峰值``) — but a bare
    ``份额…``/``其…`` could be read as anyone's, so those keep their owner or are not made.
    """
    second: set[int] = set()
    for i in (i for i in subjects if cl[i].nfig and i not in chosen):
        add = _closure(cl, i)
        if add is None:
            continue
        extra = add - chosen
        head = cl[min(extra)] if extra else None
        if head is not None and head.kind == Kind.NEEDS_OWNER and not head_needs_noun(head.text):
            add = extra
        if _size(cl, second | add) <= hard_max:
            second |= add
    if not second or second <= chosen:
        return ""
    text = _join(cl, second)
    return text if 12 <= len(text) <= hard_max and _standalone(text) else ""


def _quoted_head(text: str, max_chars: int) -> str:
    first = split_sentences(_QUOTES.sub("", text))[:1]
    inner = [c.strip().rstrip(_TRAILING) for c in split_clauses(first[0]) if c.strip()] if first else []
    kept: list[str] = []
    for c in inner:
        if kept and sum(len(k) + 1 for k in kept) + len(c) > max_chars:
            break
        kept.append(c)
    return _finish(kept)


def _finish(parts: list[str]) -> str:
    text = "，".join(p for p in parts if p)
    return _balanced(text).strip().rstrip(_TRAILING)
