"""Does a bullet still *mean* what its source sentence means? The verifier's meaning checks.

Why: a bullet whose every word and figure is in its cited paragraph can still say something the article does
not. Read against their sources, current bullets dropped the era (``美国国内需求非常强…[35]``, where the source
says 1990年代末), the speaker (``没有谈判…``: what a spokesman said, shown as fact), the half of a contrast that
carries the point, a negation, the subject a figure belongs to (``港股早盘…资本开支至527.8亿元``: 腾讯's), or
the rest of a list it announces (``三条路径：…`` with one of three), or stopped mid-phrase (``…问题是``).

How: the bullet is **aligned** to the source sentence it was made from (the cited sentence sharing most of its
wording; each longest common piece marks the source characters the bullet says). What the bullet left out is
then read for what must not be left out: an attribution frame whose content the bullet keeps, a time phrase
governing kept content, a contrast or negation next to it, an entity that owned the kept clause, the items of
an announced list. Each finding is a reason with a code (``speaker``, ``period``, ``contrast``, ``negation``,
``subject``, ``enumeration``, ``dangling``, ``title``), the verifier rejects the bullet with it, and the
extractive summarizer then shows the whole sentence instead (still cited) or nothing.

The checks are lexical (markers, part-of-speech of names), so they cost microseconds and apply to any
summarizer's bullets; an abstractive bullet that shares too little wording with any one sentence is not
aligned and is left to the wording-support check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache

from themeflow.summarize.alignment import ALIGNED_ENOUGH, PUNCT, Alignment, align, sentences_of
from themeflow.summarize.fragments import credit_or_prompt, strip_dateline
from themeflow.summarize.standalone import context_reason, omission_reason, proper_names
from themeflow.text.numbers import find_figures
from themeflow.text.segment import fold, pos_tags
from themeflow.text.speech import saying_verbs

__all__ = ["ALIGNED_ENOUGH", "Alignment", "align", "meaning_reason", "title_lead_name", "title_reason"]


# -- what must not be left out -------------------------------------------------------------------------

_NOT_SAYING = "为|号|堪|简|俗|统|名|对|相|匀|职|号|自|声"  # 称为, 堪称, 简称 … are not 称 "says"


@cache
def _attribution() -> re.Pattern[str]:
    verbs = saying_verbs("attribution")
    return re.compile(
        r"(?:^|(?<=[，,。；;：:】）]))\s*(?P<frame>(?P<who>他们|她们|他|她|[^，,。；;：:“”\"]{2,48}?)"
        r"(?:还|也|则|同时|进一步|此前|曾|更|均|都|普遍|一致)?"
        rf"(?<![{_NOT_SAYING}]){verbs}(?!为|之为|号)[，,：:]?)"
        r"|(?P<frame3>在(?P<who3>[^，,。；;]{1,20}?)看来[，,]?)"
        r"|(?P<frame2>(?:根据|据)(?P<who2>[^，,。；;]{2,40}?)(?:报道|消息|透露|援引|称|介绍|统计|测算|估计|预计|预判|数据显示|显示)[，,：:]?)"
    )


@cache
def _frame_words() -> re.Pattern[str]:
    """The words one of which every match of :func:`_attribution` holds."""
    return re.compile(saying_verbs("attribution") + "|看来|据")


_DOCUMENT_SPEAKER = re.compile(
    r"^(?:该|这份|此|上述|本|这项|这一)?(?:报告|研报|公告|数据|调查|研究|统计|文件|通知|方案|意见|规划|纪要|文章|白皮书|财报)$"
    r"|^(?:不完全|初步|粗略|公开资料|公开数据)$"
)
"""A speaker that is the document the article reports on (报告指出, 公告称): the article is about it, so a
bullet that leaves it out still reads as what that document says. 据不完全统计 names no speaker at all."""

_HISTORIC = re.compile(
    r"(?:上世纪|二十世纪|20世纪)?\d{2,4}年代(?:初|中|末|初期|中期|末期|后期)?"
    r"|上世纪[一二三四五六七八九十]+年代(?:初|中|末)?"
    r"|去年(?:同期|底|初|末)?|前年|上年同期|过去[一二三四五六七八九十\d]+年|[一二三四五六七八九十\d]+年前"
)
_DATED = re.compile(
    r"(?:\d{4}|明)年(?:[一二三四1-4]季度|第[一二三四1-4]季度?|上半年|下半年|前[一二三四五六七八九十\d]+(?:个)?月"
    r"|\d{1,2}月(?:份)?|全年|年初|年底|年末)?"
    r"|(?:第[一二三四1-4]|[一二三四1-4])季度|上半年|下半年|前三季度|全年|Q[1-4]"
)
_OWN_TIME = re.compile(
    _HISTORIC.pattern + "|" + _DATED.pattern + r"|今年|目前|当前|现在|如今|本周|本月|近期|未来|曾|此前|当时"
)

_NEGATED_CONTRAST = re.compile(
    r"(?P<neg>不是|并非|并不是|而非|不在于|并不在于)(?P<a>[^。；;]{2,40}?)[，,]?\s*(?P<turn>而是|而在于|反而)(?P<b>[^。；;]{2,})"
)
_ADVERSATIVE = re.compile(r"[，,；;]\s*(?:但是|但|然而|不过|可是|却)|(?<=[^，,；;\s])却")
_CONCEDED = re.compile(r"虽然|虽|尽管|固然|短期|表面|看似|原本|本来|原以为|一度|曾经|起初|此前")
"""A first half that concedes or sets up (虽然…, 看似…, 原本…): the point is in the half after 但/却."""
_THEN_NOW = re.compile(r"[，,；;]\s*而(?=[^，,。；;]{0,6}(?:今天|现在|如今|目前|当前|今年|眼下))")
"""…，而今天…: a contrast of then and now, whose kept first half alone misdates the second."""
_NEGATOR = re.compile(
    r"(?:并未|尚未|未能|从未|不再|不会|不能|不是|无法|难以|没有|并非|不|未|没|无)"
    r"(?!断|少|仅|过|同|久|足|妨|论|但|管|料|利|良|满|止|及|外|乏|论|疑|线|人机|锡|限|法律)"
)
_NOT_NEGATION_BEFORE = re.compile(r"(?:未来|无人|毫不|不少|不断|不仅|不过|无论)$")
_ENUMERATION = re.compile(
    r"(?:[一二三四五六七八九十两几\d]+|多|以下几)\s*(?:条|个|点|大|方面|项|种|类|重|层|步|件|路径|措施|原因)[^，,。；;：:]{0,20}[：:]"
)
_DANGLING_END = re.compile(r"(?:[：:、“（(]|——|包括|如下|在于|是|为)$")
_DANGLING_POS = frozenset({"p", "c", "uj", "ude1", "cc"})
"""A bullet whose last word is a preposition, a conjunction or 的 stops in the middle of a phrase."""
_QUOTE_OPEN = '“"「『'
_CHANGE_HEAD = re.compile(
    r"(?:^|[，,；;])\s*(?P<change>(?:同比|环比|较上年同期|较去年同期|较上年|较上月)?(?:增长|增加|下降|减少|上涨|下跌|提升|回落|上升|下滑)"
    r"[^，,。；;]{0,4}?\d)"
)
_HEAD_POS = frozenset({"n", "nz", "nt", "nr", "vn", "ns", "nrt", "nrfg", "eng"})
_SCENE_HEAD = re.compile(
    r"^(?:截至|截止|在|于|从|自|据|按|以|随着|目前|当前|其中|此外|同时|另外|而且|并且|此前)"
)


_names = proper_names


def _clause_start(sentence: str, i: int) -> int:
    """Start of the clause holding position ``i`` (after the last clause mark before it)."""
    k = max(sentence.rfind(p, 0, i) for p in "，,；;：:")
    return k + 1


@lru_cache(maxsize=8192)
def _frames(sentence: str) -> tuple[tuple[str, int, int], ...]:
    """Attribution frames of a sentence: (speaker, start, end of the frame)."""
    if not _frame_words().search(sentence):
        return ()  # no verb of saying, 看来 or 据: no frame (one scan instead of trying one at every clause)
    out = []
    for m in _attribution().finditer(sentence):
        who = (m.group("who") or m.group("who2") or m.group("who3") or "").strip()
        group = "frame" if m.group("frame") else "frame2" if m.group("frame2") else "frame3"
        start, end = m.span(group)
        if not who or any(p in who for p in "，,") or _DOCUMENT_SPEAKER.match(who):
            continue
        if "我" in who:
            continue  # the article's own voice (an interview, a first-person column)
        out.append((who, start, end))
    return tuple(out)


def _speaker(al: Alignment, bullet: str, title: str | None) -> str | None:
    if title and _VIEW_TITLE.search(title):
        return None  # a section of views (机构观点): the section says whose they are
    s = al.sentence
    frames = _frames(s)
    for who, start, end in frames:
        if al.dropped(start, end) and al.said(end, len(s)) and not _mentions(bullet, who):
            return f"speaker: the source attributes this to {who} ({s[start:end].strip()}…); the bullet states it as fact"
    if frames or not al.before:
        return None
    # An account that goes on after its speaker's sentence (野村…表示，…。市场实际上…): the sentence just
    # before, when it opens with a frame, governs this one, unless this one names its own subject or source.
    if _names(s[:10]) or _OWN_SOURCE.search(s):
        return None
    found = [f for f in _frames(al.before[-1]) if f[1] <= 2]
    if found and not _mentions(bullet, found[0][0]):
        who = found[0][0]
        return (
            f"speaker: the paragraph is {who}'s account ({al.before[-1][:16]}…); the bullet states it as fact"
        )
    return None


_OWN_SOURCE = re.compile(r"据[^，,。；;]{2,24}?(?:披露|公布|发布|公告|财报)|财报显示|公告显示|数据显示")
"""A sentence that names its own source (据贵州茅台披露): it is not the previous speaker's account."""


_VIEW_TITLE = re.compile(r"观点|看法|机构|解读|声音|点评|认为|表示|称")
"""Section titles that say their bullets are someone's views, so a bullet under them need not repeat who."""


def _mentions(bullet: str, who: str) -> bool:
    """Whether the bullet names the speaker (the whole, a name in it, or its last three characters)."""
    b = fold(bullet)
    keys = [who, *_names(who), who[-3:]]
    return any(fold(k) in b for k in keys if len(k) >= 2)


def _governs(al: Alignment, start: int, end: int) -> bool:
    """Whether the time phrase at ``sentence[start:end]`` governs content the bullet keeps: it sits in a kept
    clause, or in a clause of its own that opens what follows (``1990年代末，…``, ``预计2024至2030年间，…``),
    not inside a dropped clause about something else (``为应对2029年落地后的需求，…``)."""
    s = al.sentence
    if end > al.last_said():
        return False
    c_start = _clause_start(s, start)
    c_end = min((k for k in (s.find(p, end) for p in "，,；;：:") if k >= 0), default=len(s))
    if al.said(c_start, c_end):
        return True
    rest = sum(1 for ch in s[c_start:c_end] if ch not in PUNCT) - (end - start)
    return rest <= 6


def _period(al: Alignment, bullet: str, year: int | None) -> str | None:
    if _OWN_TIME.search(bullet):
        return None  # the bullet says its own time; what it dropped may belong to another clause
    has_figure = bool(find_figures(bullet))
    for m in _HISTORIC.finditer(al.sentence):
        if al.dropped(*m.span()) and _governs(al, *m.span()):
            return f"period: the source says this of {m.group(0)}; the bullet drops the time"
    for m in _DATED.finditer(al.sentence):
        if not (al.dropped(*m.span()) and _governs(al, *m.span())):
            continue
        other_year = m.group(0)[:4].isdigit() and year is not None and int(m.group(0)[:4]) != year
        if has_figure or other_year:
            return f"period: the figure is for {m.group(0)}; the bullet drops the period"
    return None


def _contrast(al: Alignment) -> str | None:
    s = al.sentence
    for m in _NEGATED_CONTRAST.finditer(s):
        if al.said(*m.span("a")) and al.dropped(*m.span("b")):
            return f"contrast: the source says {m.group('neg')}…{m.group('turn')}{m.group('b')[:12]}; the bullet keeps the rejected half"
    for m in [*_ADVERSATIVE.finditer(s), *_THEN_NOW.finditer(s)]:
        before, after = s[: m.start()], s[m.end() :]
        if m.re is _ADVERSATIVE and not _CONCEDED.search(before) and "却" not in m.group(0):
            continue  # "A，但B" of two facts: dropping B loses detail, not meaning
        substantial = sum(1 for ch in after if ch not in PUNCT) >= 6
        if substantial and al.said(0, m.start()) and al.dropped(m.start(), len(s)):
            marker = m.group(0).lstrip("，,；; ")
            return f"contrast: the source goes on '{marker}{after[:12]}…'; the bullet keeps only the half before it"
    return None


def _negation(al: Alignment) -> str | None:
    s = al.sentence
    for m in _NEGATOR.finditer(s):
        if _NOT_NEGATION_BEFORE.search(s[max(0, m.start() - 2) : m.end()]):
            continue
        nxt = m.end()
        if al.dropped(*m.span()) and nxt < len(s) and al.covered[nxt]:
            return (
                f"negation: the source says '{m.group(0)}{s[nxt : nxt + 6]}'; the bullet drops '{m.group(0)}'"
            )
    return None


def _subject(al: Alignment, bullet: str) -> str | None:
    s = al.sentence
    credit = len(s) - len(strip_dateline(s))  # 人民网北京8月18日电（黄盛）: the reporter owns nothing
    i = max(1, credit + 1)
    while i < len(s):
        if al.covered[i] and not al.covered[i - 1]:
            start = max(_clause_start(s, i), credit)
            prefix = s[start:i]
            if start < i and al.dropped(start, i):
                names = [n for n in _names(prefix) if not _mentions(bullet, n)]
                if names:
                    return (
                        f"subject: '{s[i : i + 8]}…' belongs to {names[0]} in the source; the bullet drops it"
                    )
        i += 1
    # A change without the measure it changes (…，同比增加6.66% with 售电量为355.26亿千瓦时 dropped).
    for m in _CHANGE_HEAD.finditer(s):
        i, digit = m.start("change"), m.end("change") - 1
        if al.covered[digit]:  # the bullet states this change's figure
            prev_start = _clause_start(s, max(0, i - 1))
            if prev_start < i - 1 and al.dropped(prev_start, i - 1):
                return f"subject: '{s[i : i + 10]}…' is the change of '{s[prev_start : i - 1][-10:]}', which the bullet drops"
    # A figure with no owner at all (归属股东净利润约28.36亿元…): the owner named earlier in the sentence is gone.
    first = al.first_said()
    if first > credit and find_figures(bullet) and not _names(bullet):
        owners = _names(s[credit:first])
        if owners and al.dropped(credit, first):
            return f"subject: the figures belong to {owners[0]} in the source; the bullet names no owner"
    return None


def _enumeration(al: Alignment, bullet: str) -> str | None:
    m = _ENUMERATION.search(bullet)
    if m is None:
        return None
    s = al.sentence
    colon = s.find(m.group(0)[-1], s.find(m.group(0)[:2]) if m.group(0)[:2] in s else 0)
    if colon < 0:
        return None
    rest = [i for i in range(colon + 1, len(s)) if s[i] not in PUNCT]
    if rest and not all(al.covered[i] for i in rest):
        return f"enumeration: the bullet announces '{m.group(0)}' but leaves out items the source lists"
    return None


@lru_cache(maxsize=8192)
def _dangling(text: str) -> str | None:
    tags = pos_tags(text[-8:]) if text else []
    if _DANGLING_END.search(text) or (tags and tags[-1][1] in _DANGLING_POS):
        return f"dangling: ends with '{text[-2:]}', the rest of the point is missing"
    return None


_HOUSEKEEPING = re.compile(
    r"以下为.{0,12}(?:汇总|一览)|以下是.{0,12}(?:汇总|一览)|大家好|各位(?:老师|嘉宾|观众|朋友|投资者)好|丨"
)
_OWNERLESS_HEAD = re.compile(
    r"^(?:(?:上半年|下半年|前三季度|全年|\d{4}年|[一二三四]季度|第[一二三四]季度)[，,]?)?(?:归属|归母|扣非|净利润|净亏损|营收|营业收入|总收入|收入|毛利率|净利率|毛利|股价|市值|报\d|截至发稿|每股|"
    r"同比|环比|分别|得到|实现|录得|达到|增长|下降|包括|"
    # a stock's money flow, its share of turnover, its sectors: a stock page's lines without the stock
    r"资金流向数据[：:]|(?:主力|大单|超大单|中单|小单|散户|游资)(?:资金)?净(?:流入|流出|买入|卖出)|占总成交额|所属板块)"
)


@lru_cache(maxsize=8192)
def _hollow(text: str) -> str | None:
    """Housekeeping (以下为重要公告汇总, greetings, a panel's name丨title list) or a bullet that names something
    and says nothing about it (no verb, no figure: a photo caption's name and title)."""
    if _HOUSEKEEPING.search(text):
        return "boilerplate: an introduction or greeting, not a point of the article"
    if credit_or_prompt(text):
        return "boilerplate: a byline, credit or call to follow, not a point of the article"
    tags = pos_tags(text)
    if tags and not any(pos.startswith("v") for _, pos in tags) and not find_figures(text):
        return "empty: names something but says nothing about it"
    return None


def _ownerless(text: str, article_title: str | None, title: str | None) -> str | None:
    """Figures whose owner is in another sentence (``归属股东净利润约28.36亿元…``): fine in an article about
    one company (its title names it) or under a section that does, otherwise whose figures they are is lost."""
    if not _OWNERLESS_HEAD.match(text) or not find_figures(text) or _names(text):
        return None
    if any(_names(t) for t in (article_title, title) if t):
        return None
    return f"referent: '{text[:10]}…' states figures without saying whose"


_ANNOUNCES = re.compile(
    r"(?:^|(?<=[，,。；;：:]))\s*(?P<who>[^，,。；;：:“”\"]{2,24}?)(?:宣布|发表声明|声明|发布公告|公告称)"
)
"""Announcements, for :func:`_claimed_speaker` only: dropping 公司宣布 from a plain announcement is fine, but
giving the announcement to someone else is not."""


_SPEAKER_NOISE = re.compile(r"[《》“”\"「」]|(?:报道|公告|消息|报告|研报|方面|发表)$|^(?:据|根据)")


def _mentions_saying(paragraph: str, name: str) -> bool:
    """Whether ``name`` is followed closely by a verb of saying or reporting in ``paragraph`` (a frame the
    frame patterns cut differently: ``普利特(002324)晚间公告``, ``《韩国经济》日前报道``)."""
    at = paragraph.find(name)
    while at >= 0:
        window = paragraph[at + len(name) : at + len(name) + 16]
        if re.search(r"表示|称|认为|指出|预计|宣布|公告|报道|声明|透露|强调|介绍", window):
            return True
        at = paragraph.find(name, at + 1)
    return False


@lru_cache(maxsize=4096)
def _said_in(paragraph: str) -> tuple[str, ...]:
    """Who says, announces or reports something in the sentences of ``paragraph``, folded (kept: every
    bullet citing the paragraph is checked against the same speakers)."""
    return tuple(
        fold(who)
        for sentence in sentences_of(paragraph)
        for who in (
            *(f[0] for f in _frames(sentence)),
            *(m.group("who") for m in _ANNOUNCES.finditer(sentence)),
        )
    )


def _claimed_speaker(text: str, paragraphs: Sequence[str]) -> str | None:
    """A bullet that has someone say, announce or expect something (X宣布/表示/认为…) must find X saying it
    in the cited paragraphs: a paraphrase can move a statement to the wrong speaker (``OpenAI宣布…`` where
    the source has the Argentine government's statement) while every word stays in the paragraph."""
    claimed = [*_frames(text), *((m.group("who"), 0, 0) for m in _ANNOUNCES.finditer(text))]
    if not claimed:
        return None
    said = [who_said for para in paragraphs for who_said in _said_in(para)]
    for who, _, _ in claimed:
        core = _SPEAKER_NOISE.sub("", who) or who
        names = [*_names(core)] or [core[-4:]]
        folded = [fold(n) for n in names]
        if not any(any(n in w or w in n for n in folded) for w in said) and not any(
            n in fold(para) and _mentions_saying(para, name)
            for name, n in zip(names, folded, strict=True)
            for para in paragraphs
        ):
            return f"speaker: the bullet has {who} say it, but in the cited paragraphs {who} is not the one saying it"
    return None


def _cut_predicate(al: Alignment, text: str) -> str | None:
    """The bullet stops where its sentence goes on, inside a clause or after a last clause with no verb and
    no figure: the subject or the setting is kept, what it does is cut (``宏和科技…于7月2日至7月3日期间``
    without 减持). A last clause that states a figure (``基酒产量2.40万吨``) is a complete statement."""
    s = al.sentence
    end = al.last_said() + 1
    if not al.dropped(end, len(s)) or sum(1 for ch in s[end:] if ch not in PUNCT) < 4:
        return None
    if end < len(s) and s[end] in '"“「' and end + 1 < len(s) and s[end + 1] not in PUNCT:
        return f"dangling: the bullet stops at a quotation mark inside a clause (the source goes on '{s[end : end + 10]}…')"
    if end < len(s) and s[end] not in PUNCT:
        rest = re.split(r"[，,。；;：:！!？?]", s[end:], maxsplit=1)[0]
        if sum(1 for ch in rest if ch not in PUNCT) >= 2:
            return f"dangling: the bullet stops inside a clause (the source goes on '{s[end : end + 10]}…')"
    last = re.split(r"[，,；;：:]", text)[-1]
    if last and not find_figures(last) and not any(pos.startswith("v") for _, pos in pos_tags(last)):
        return (
            f"dangling: '{last[-10:]}' stops before what it does (the source goes on '{s[end : end + 10]}…')"
        )
    return None


def _quoted(al: Alignment, text: str) -> str | None:
    """A quotation shown without its quotation marks reads as the article's own statement."""
    s = al.sentence.lstrip()
    if re.search(saying_verbs("attribution") + "|" + saying_verbs("speaker"), text[-6:]):
        return None  # the bullet names who says it (…，《韩国经济》报道称)
    if s[:1] in _QUOTE_OPEN and text[:1] not in _QUOTE_OPEN:
        return (
            "speaker: the source quotes someone (the sentence is a quotation); the bullet states it as fact"
        )
    if text[:1] in _QUOTE_OPEN and not _names(text) and not any(_frames(x) for x in (*al.before, s)):
        return "speaker: a quotation whose speaker neither the bullet nor its paragraph names"
    return None


def meaning_reason(
    bullet: str,
    paragraphs: Sequence[str],
    *,
    year: int | None = None,
    title: str | None = None,
    article_title: str | None = None,
    continued: bool = False,
) -> str | None:
    """The first meaning fault of ``bullet`` against its cited ``paragraphs``, as ``code: explanation``,
    or None. A cut that leaves out more than :func:`.standalone.omission_reason` can prove safe is a
    fault too, whoever made the bullet. ``continued``: the bullet follows its sentence's predecessor in a
    lead excerpt, which says what a leading 该行 or 但 points back at. ``year``: the article's publish
    year (a dropped year that is not it changes the meaning); ``title``: the section title the bullet is shown under (a section of views names their speakers);
    ``article_title``: the article's (an article about one company owns the figures it states)."""
    text = bullet.strip().rstrip("。")
    cited = tuple(paragraphs)
    if title is not None and _first_fault(text, cited, year, None, article_title, continued) is None:
        # A section title only ever excuses (a section of views names its speakers, a title naming the
        # company owns its figures): what passes under no title passes under any, and the summarizer has
        # usually asked that already, before it knew the title.
        return None
    return _first_fault(text, cited, year, title, article_title, continued)


@lru_cache(maxsize=8192)
def _first_fault(
    text: str,
    paragraphs: tuple[str, ...],
    year: int | None,
    title: str | None,
    article_title: str | None,
    continued: bool,
) -> str | None:
    """:func:`meaning_reason` of a stripped bullet, kept: the summarizer checks a bullet before it keeps it
    and the verifier checks it again."""
    why = (
        _dangling(text)
        or _hollow(text)
        or _ownerless(text, article_title, title)
        or _claimed_speaker(text, paragraphs)
    )
    if why:
        return why
    al = align(text, paragraphs)
    if al is not None:
        why = (
            _speaker(al, text, title)
            or _quoted(al, text)
            or _contrast(al)
            or _negation(al)
            or _period(al, text, year)
            or _subject(al, text)
            or _enumeration(al, text)
            or _cut_predicate(al, text)
        )
        if why:
            return why
    why = context_reason(text, al, paragraphs, continued)
    if why is None and al is not None:
        why = omission_reason(al)
    return why


_TITLE_ORG_SUFFIX = re.compile(
    r"^[\u4e00-\u9fffA-Za-z]{2,12}?(?:证券|银行|基金|资本|集团|公司|控股|研究院|研究所|资管|信托|保险|期货)"
)
_OWNER_TAIL = re.compile(r"^(?:[：:]|认为|预计|观点|表示|称|看好|指出|强调|：|$)")


def _title_owner(title: str) -> str | None:
    """The organization or person a section title presents as the owner of its bullets: the title is the
    name (``中金公司``), or the name then a colon or a verb of view (``特朗普：…``, ``高盛预计``). A headline
    that merely mentions a name (``宇树科技科创板IPO注册获批``) is not an owner."""
    t = title.strip()
    m = _TITLE_ORG_SUFFIX.match(t)
    candidates = [m.group(0)] if m else []
    tags = pos_tags(t)
    if tags and tags[0][1] in {"nr", "nt", "nrt", "nrfg"} and len(tags[0][0]) >= 2:
        candidates.append(tags[0][0])
    for name in candidates:
        rest = t[len(name) :]
        if len(rest) <= 2 or _OWNER_TAIL.match(rest):
            return name
    return None


def title_lead_name(title: str) -> str | None:
    """The name a headline opens with (``宇树科技科创板IPO注册获批`` → 宇树科技), owner or not: a summarizer that
    keeps such a headline over a section should keep under it only bullets about that name."""
    owner = _title_owner(title)
    if owner is not None:
        return owner
    tags = pos_tags(title.strip())
    if (
        tags
        and tags[0][1] in {"nr", "nt", "nz", "nrt", "nrfg"}
        and len(tags[0][0]) >= 2
        and not tags[0][0].isascii()
    ):
        return tags[0][0]
    return None


_COMPANY_HEAD = re.compile(
    r"^[\u4e00-\u9fff]{2,4}(?:科技|技术|股份|集团|证券|银行|新能源|能源|电子|汽车|智能|医药|半导体|控股|资本|基金)"
)


def _title_subject(title: str) -> tuple[str, ...]:
    """What a headline-like title is about, as the names a cited paragraph must hold one of: the part before
    a colon (``国家发展改革委：…``, ``智元邓泰华：…``) or a company-like opening (``赛伍技术``)."""
    t = title.strip().strip('“”"「」')
    head = re.split(r"[：:]", t, maxsplit=1)[0] if re.search(r"[：:]", t[:15]) else None
    if head is None:
        m = _COMPANY_HEAD.match(t)
        head = m.group(0) if m else None
    if not head or len(head) < 2:
        return ()
    return (head, *(n for n in _names(head) if len(n) >= 2))


def title_reason(title: str, cited: Sequence[str]) -> str | None:
    """A section title that presents an organization or a person as the owner of its bullets may head only
    bullets whose cited paragraphs name it (a ``中金公司`` section holding 中信证券's views misattributes them);
    a headline's subject (``商务部：…``, ``赛伍技术``) likewise."""
    text = fold("".join(cited))
    name = _title_owner(title)
    if name is not None and fold(name) not in text:
        return f"title: the section is titled '{title}', but the cited paragraphs do not name {name}"
    subject = _title_subject(title)
    if subject and not any(fold(n) in text for n in subject):
        return f"title: the section's headline is about {subject[0]}, but the cited paragraphs do not name it"
    return None
