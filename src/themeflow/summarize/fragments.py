"""What a clause needs to be read on its own: the rules that keep deletion from changing meaning.

Compression deletes clauses; a deletion is only safe when every kept clause still says what the article
says. Three things go wrong when it is not (all seen on real articles):

* a kept clause loses its **owner** — ``…份额降至26%，份额升至39%`` (whose 39%?), ``已在24小时内完成赔偿``
  (who?), ``其承认…`` (whose 其?);
* a kept clause loses its **partner** — ``若配额增速收窄至10%以内`` without its consequence, ``随着…`` or
  ``不仅…`` without the main clause, a long noun phrase without its predicate;
* a kept clause drags **boilerplate** in — ``新京报贝壳财经讯（记者…）8月17日，``, ``36氪获悉，``.

:func:`clause_kind` sorts a clause into the few kinds these rules need; :mod:`.compress` uses the kinds to
keep owners and partners together, and :func:`fragment_reason` is the structural check the verifier runs
on every bullet of every summarizer. Rules are lexical (marker words and the part of speech of the first
word), so they cost microseconds and never need a model.
"""

from __future__ import annotations

import re
from functools import lru_cache

from themeflow.text.segment import pos_tags
from themeflow.text.speech import saying_verbs

__all__ = [
    "Kind",
    "clause_kind",
    "credit_or_prompt",
    "fragment_reason",
    "is_boilerplate_sentence",
    "is_noun_phrase",
    "ownerless_noun",
    "speech_start",
    "self_contained",
    "starts_with_pronoun",
    "strip_dateline",
    "strip_headline",
]


class Kind:
    """Clause kinds (plain strings, so they print well in tests and debug output)."""

    SUBJECT = "subject"  # names what it talks about: can own the clauses after it
    NOUN_PHRASE = "noun_phrase"  # a subject waiting for its predicate in the next clause
    NEEDS_OWNER = (
        "needs_owner"  # starts with a verb, adverb or ownerless noun (份额, 增速): subject is earlier
    )
    PRONOUN = "pronoun"  # starts with 其/该/这/它/公司…: the owner is earlier
    CONDITION = "condition"  # 若/如果/一旦/除非…: stays with its consequence, both ways
    SUBORDINATE = "subordinate"  # 随着/尽管/不仅/作为…: needs the main clause after it
    CONNECTIVE = "connective"  # 而/但/其中/尤其是…: points back at something
    SCENE = "scene"  # when/where/attribution only: safe to drop


# Markers at the start of a clause ------------------------------------------------------------------

_CONDITION = re.compile(
    r"^(?:若|如果|假如|假设|倘若|要是|一旦|只要|只有|除非|即使|即便|哪怕|纵然|纵使|万一)"
    r"|^(?:在|当)[^，,。]{1,24}(?:前提|条件|情况|情形|假设|面前)下?$"
    r"|^(?:目标|预计|计划|力争|争取)?到\d{4}年(?:底|末)?$|^没有[^，,。]{1,10}$"
)
_SUBORDINATE = re.compile(
    r"^(?:经过|按照?(?=[^，,。]{1,20}(?:计算|测算|估算|来看|统计|口径))|正如|以(?=[^，,。]{1,40}为(?:例|指导|核心|主线|重点|抓手|目标))|随着|伴随着?|尽管|虽然|虽说|由于|因为|鉴于|为了|无论|不论|不管|不仅|不但|不只|不光|之所以|作为|"
    r"有了|除了|相比于?|相较于?|相对于|与其|比起|不同于|有别于|对比|一方面|既然|要想|想要|要理解|"
    r"基于|依托|凭借|依靠|借助|通过|针对|围绕|面对|对于|关于|再到|从(?![^，,。]*(?:看|来看|角度|层面))|"
    r"当(?!前|下|天|日|时|地|年|初|今|然|中|即|局|选|做|成|作|期|月|周)|"
    r"为(?=加快|推动|进一步|全面|深入|切实|更好|有效|促进|落实|贯彻|确保|保障|实现|加强|推进|满足|应对|解决|助力))"
)
_SELF_CONTAINED = re.compile(r"^[^，,。]{2,}?(?:也|都|就|则|便|才|还|仍|均)[^，,。]{2,}")
_CONNECTIVE = re.compile(
    r"^(?:而(?!言|已|今|立|后)|但是?|然而|不过|其中|此外|另外|同时|与此同时|因此|所以|因而|从而|进而|以及|并且|而且|"
    r"甚至|尤其是?|特别是|换言之|换句话说|也就是说|对此|为此|否则|期间|其间|届时|即(?!便|使|刻|时|将|可|期))"
)
_PRONOUN = re.compile(
    r"^(?:当天|当日|同日|今年|此前|随后|目前|现在|如今|未来)?(?:其(?!中|他|它|余|实|次|后)|它们?|他们?|她们?|该|这(?!里)|那(?!么|里)|此(?!前|后|外|次|时|刻|轮|番|间)|上述|前者|后者|"
    r"两者|二者|本公司|公司(?!债|法|治理|制度|层面|客户)|集团(?!化)|本行|本基金)"
)
_COMPANY = re.compile(r"^(?:本公司|公司|集团|本行|本基金)")  # a reader of one company's article knows which
# Nouns that need an owner: ``份额升至39%`` says nothing until we know whose share it is.
_OWNERLESS = re.compile(
    r"^(?:(?:今年|去年|明年|上半年|下半年|全年|年内|同期|当期|本期|上期|前\d+个?月|\d{4}年度?|[一二三四1-4]季度|"
    r"第[一二三四1-4]季度|Q[1-4]|二季度|单季度?|月度|年度|首日|当日|盘中|盘后)[，,]?)*"
    r"(?:市场份额|份额|增速|增幅|降幅|占比|比例|比重|规模|价格|售价|均价|单价|股价|营收|收入|营业收入|营业总收入|净利润|"
    r"归母净利润|扣非净利润|利润|毛利率|净利率|利润率|市值|估值|涨幅|跌幅|销量|销售额|出货量|产能|产量|业绩|订单|负债|"
    r"现金流|研发投入|投入|支出|开支|保有量|渗透率|装机量|存量|增量|余额|总额|总量|人数|数量|评级|目标价|持股|持仓|用户|用户数|员工|总部|市盈率|市净率|每股收益|同比|环比|分别|"
    r"均|都|各|合计|累计|总计|共计)"
)
_SCENE_ONLY = re.compile(
    r"^(?:今年|去年|明年|前年|本周|上周|下周|本月|上月|当月|当周|近期|近日|日前|目前|当前|现在|如今|此前|此后|随后|"
    r"同期|年内|年初|年底|年末|月初|月底|上半年|下半年|前三季度|[一二三四]季度|早盘|午盘|尾盘|盘中|盘后|盘前|隔夜|"
    r"周[一二三四五六日]|以来|当天|当日|同日)+$"
    r"|^[^，,。]{1,20}(?:会上|会议上|论坛上|大会上|仪式上|发布会上|活动中|访谈中|采访中|之际)$"
    r"|^(?:根据|据|依据)[^，,。]{1,30}$|^在[^，,。]{1,30}(?:初期|末期|中期|阶段|过程中?|期间|之初|伊始|当下|的今天)$"
    r"|^(?:展望未来|未来|目前|当前|现阶段|下一步|接下来|今年以来|近年来|近期|近日|日前|此前|随后|当天|当日|同日|"
    r"会上|会议上|发布会上|[^，,。]{1,8}方面|从[^，,。]{1,10}(?:看|来看)|[^，,。]{1,12}(?:来看|看来|而言))$"
)
_PREDICATE_WORD = re.compile(
    r"^(?:标志着|意味着|预示着|象征着|代表着|体现了|反映了|凸显了|显示了|表明|说明|导致|使得|致使|带动|推动|促使|引发|造成|"
    r"同时|并|也|还|又|亦|均|都|皆|仍|将|已|正|再|更|计划|拟|预计|有望|旨在|致力于|用于|负责)"
)
_SPEECH_START = re.compile(r"^(?:同时|并|也|还|又|亦)?" + saying_verbs("speech_start"))
_VERB_POS = frozenset({"v", "vd", "vg", "vi", "vq", "d", "ad", "dg", "zg", "vn"})

# Boilerplate ---------------------------------------------------------------------------------------

_OUTLET = r"[\u4e00-\u9fffA-Za-z0-9·\-—\s]{2,20}?"
_DATE = r"\d{1,2}\s?月\s?\d{1,2}\s?日"
"""A month and day, spaced as some outlets write it (``IT之家 7 月 28 日消息``)."""
_CREDIT = r"\s*(?:[（(][^）)]{0,40}[）)]|【[^】]{0,30}】)"
_DATELINE = re.compile(
    r"^(?:【[^】]{1,24}(?:消息|讯|报道|电)】"
    r"|(?:财联社|智通财经|格隆汇|金十数据)(?!获悉|记者|报道|消息|认为|表示|提及|了解到|注意到|APP|讯|电|\d)"
    r"|(?:【[^】]{1,24}】\s*)?(?:"
    # 新华社北京8月17日电（记者 …）, 财联社8月19日讯（编辑 …）, 新京报贝壳财经讯（记者 …）8月17日，
    rf"{_OUTLET}(?:{_DATE})?(?:讯(?=[（(\s，,：:【]|\d{{1,2}}月)|{_DATE}电)(?:{_CREDIT})?\s*(?:{_DATE}(?:[上下]午|晚间|早间|凌晨)?)?"
    # 央视网消息：, IT之家6月10日消息，
    rf"|[\u4e00-\u9fffA-Za-z0-9·\-]{{2,12}}?\s?(?:{_DATE})?消息(?=[，,：:\s])"
    # 四川在线记者 彭瑀珩 吴忧8月18日上午，
    rf"|{_OUTLET}记者(?:\s*[\u4e00-\u9fff]{{2,4}}){{1,3}}\s*(?:{_DATE}(?:[上下]午|晚间|早间|凌晨)?)?"
    # 36氪获悉，  智通财经APP了解到，  记者从天津滨海高新区获悉，
    r"|(?:\d{1,2}月\d{1,2}日，)?[\u4e00-\u9fffA-Za-z0-9]{2,16}?(?:APP)?(?:获悉|了解到)(?=[，,：:])"
    r"|(?:\d{1,2}月\d{1,2}日，)?记者(?:从|在)[^，,。]{2,24}?(?:获悉|了解到|注意到|获得)(?=[，,：:])"
    r"))[，,：:\s]*"
)
_DATELINE_GUARD = re.compile(r"(?:讯|电|消息|记者|获悉|了解到|财联社|智通财经|格隆汇|金十数据)")
_FALSE_OUTLET = re.compile(
    r"[的了是在和与对将把被个这那]|通讯|资讯|快讯|电信|电力|电池|电网|电商|电子|电视|电动|电器"
)
_CREDIT_OR_PROMPT = (
    # a reporter, editor, author or picture credit, glued to the text or not (每经记者：王帆 每经编辑：…,
    # 来源：巨灵财经，作者：…, …/图片来源：…)
    r"(?:^|[\s，,。；;/|｜])(?:[\u4e00-\u9fff]{0,4}(?:记者|编辑)|作者|来源|图片来源|图源)[：:]\s*[\u4e00-\u9fffA-Za-z]{2}|"
    # a compiled-from credit line (每日经济新闻综合第一财经、市场公开消息)
    r"(?:综合|编译自?|整理自)[^，,。；;]{1,24}(?:消息|报道)$|"
    # a call to follow or share (请点下面的名片加关注, 扫码关注)
    r"点(?:击|下面|个)[^，,。]{0,12}(?:关注|分享|在看|名片|阅读原文)|加关注|扫码|长按(?:识别|二维码)|识别二维码"
)
"""Credits and prompts that are never a point of the article: the summarizer skips a sentence holding one
and the verifier rejects a bullet that does (``summarize/meaning.py``)."""
_BOILERPLATE_SENTENCE = re.compile(
    _CREDIT_OR_PROMPT + "|"
    r"仅供参考|不构成[^，,。]{0,12}投资建议|市场有风险|投资需谨慎|不代表[^，,。]{0,10}(?:立场|观点)|据此操作|风险自担|旨在传播更多信息|"
    r"与本平台立场无关|本文约\d+字|"
    r"建议阅读\d+分钟|主要内容精华如下|持续关注|敬请关注|欢迎关注|^图[为：:]|^图片?来源|^原标题|点击(?:阅读|查看)|"
    # an editor's note, a subtitle, a transcript's announcement, a portal's footer, a picture credit
    r"^[【\[]?(?:编者按|编者注|编辑按|副标题)|^以下为.{0,20}(?:节选|实录|全文|原文)|返回搜狐|图片由[^，,。]{1,20}提供|"
    # a byline with its dateline (腾讯新闻《一线》 张三 发自硅谷)
    r"^.{0,30}发自[\u4e00-\u9fff]{2,6}$|"
    r"(?:编辑|责编|审校|校对|监制)[：:\s]|"
    # a panel's greetings and hand-overs (谢谢主持人，大家下午好 …; 谢谢崔总，圆桌就到这里)
    r"谢谢(?:主持人|大家|各位|[\u4e00-\u9fff]{1,3}总)|大家(?:上午|下午|晚上)?好(?:[，,。！!]|$)|圆桌就到这里|"
    # a caption: an office and a name, nothing said (国家发展改革委固定资产投资司司长罗国三)
    r"^[\u4e00-\u9fff]{2,24}(?:司长|局长|部长|主任|行长|董事长|总裁|总经理|发言人|秘书长|院长|所长|主席)[\u4e00-\u9fff·]{2,4}$"
)


def strip_dateline(text: str) -> str:
    """``text`` without a leading dateline, reporter credit or ``XX获悉，`` (the outlet, not the claim)."""
    t = text.lstrip()
    if not _DATELINE_GUARD.search(t[:60]):
        return t
    m = _DATELINE.match(t)
    if not m or m.end() >= len(t) - 4:
        return t
    head = m.group(0)
    outlet = re.split(r"\d|记者|获悉|了解到|消息|讯", head, maxsplit=1)[0]
    if _FALSE_OUTLET.search(outlet) and "记者" not in head and "获悉" not in head:
        return t
    return t[m.end() :].lstrip()


_LEAD_START = re.compile(
    r"(?<=[\d%！!？?”A-Za-z\u4e00-\u9fff])(?:近日|日前|今日|昨日|截至|截止|\d{1,2}月\d{1,2}日[，,])"
)


def strip_headline(text: str, title: str = "") -> str:
    """A lead paragraph without a glued ``原标题：…`` headline and the dateline after it.

    Flattened exports glue ``原标题：<headline>`` to the first sentence with no separator; the headline
    ends where the document title ends (titles are often repeated) or where a dateline begins.
    """
    t = text.lstrip()
    if not t.startswith("原标题"):
        return strip_dateline(t)
    t = t[3:].lstrip("：: ")
    head = (title or "").strip().rstrip("…")
    if len(head) >= 6 and t.startswith(head):
        while t.startswith(head):
            t = t[len(head) :].lstrip()
        return strip_dateline(t)
    for i in range(min(len(t), 90)):
        if t[i] in "，。！？":
            continue
        rest = strip_dateline(t[i:])
        if rest != t[i:].lstrip():
            return rest
    m = _LEAD_START.search(t, 8, 100)  # …增加34.95%近日丝路视觉披露 : the lead starts at 近日
    return t[m.start() :] if m else t


_CREDIT_OR_PROMPT_RE = re.compile(_CREDIT_OR_PROMPT)


def credit_or_prompt(text: str) -> bool:
    """Whether ``text`` holds a byline, a picture credit, a compiled-from line or a call to follow."""
    return bool(_CREDIT_OR_PROMPT_RE.search(text))


@lru_cache(maxsize=8192)
def is_boilerplate_sentence(text: str) -> bool:
    """Disclaimers, reading-time notes, captions and credits inside body paragraphs (kept per text: the
    summarizer asks it of each sentence, then again of the sentence it compresses)."""
    return bool(_BOILERPLATE_SENTENCE.search(text))


@lru_cache(maxsize=8192)
def _first_pos(clause: str) -> tuple[str, str]:
    tagged = pos_tags(clause[:8])
    return tagged[0] if tagged else ("", "")


def self_contained(clause: str) -> bool:
    """A condition or concession with its own main part: ``即便是领先方案也仅搭载约80个压力点``."""
    return bool(_SELF_CONTAINED.match(clause))


def speech_start(clause: str) -> bool:
    """``同时强调…``, ``表示…``: only the speaker named in an attribution can own it."""
    return bool(_SPEECH_START.match(clause))


def ownerless_noun(clause: str) -> bool:
    """``份额升至39%``, ``一季度营收…``: a measure whose owner must be named next to it."""
    return bool(_OWNERLESS.match(clause))


def starts_with_pronoun(clause: str) -> bool:
    """``其承认…``, ``这一数字…``, ``该公司…``, ``公司营收…``: the owner is in another sentence or clause."""
    return bool(_PRONOUN.match(clause))


def is_noun_phrase(clause: str) -> bool:
    """A long subject whose predicate follows (``覆盖…全流程的软硬件闭环``, ``…的天然优势``)."""
    if "的" not in clause or len(clause) < 8:
        return False
    core = clause.rstrip("”’」』）)】\"' ")
    if re.search(r"[了着过已将是为有正]|可以|能够|需要|成为|达到|实现", core):
        return False
    tagged = pos_tags(core[-6:])
    return bool(tagged) and tagged[-1][1].startswith(("n", "vn")) and tagged[-1][0] != "的"


def clause_kind(clause: str, scene: bool = False) -> str:
    """The :class:`Kind` of one clause (connectives already stripped unless the caller kept them).

    ``scene`` marks a clause the caller already judged to be setting only (time, place, attribution).
    """
    c = clause.strip()
    if not c:
        return Kind.SCENE
    if _CONDITION.match(c):
        return Kind.CONDITION
    if _SUBORDINATE.match(c):
        return Kind.SUBORDINATE
    if _CONNECTIVE.match(c):
        return Kind.CONNECTIVE
    if scene or _SCENE_ONLY.match(c):
        return Kind.SCENE
    if _PRONOUN.match(c):
        return Kind.PRONOUN
    if _OWNERLESS.match(c):
        return Kind.NEEDS_OWNER
    if _CORRELATIVE.search(c) and not re.search(r"(?:也|还|而且|更|是因为|在于)", c.split("不仅")[-1]):
        return Kind.SUBORDINATE  # 韶音之所以做出…, 品牌不仅聚焦… : the other half follows
    word, pos = _first_pos(_TIME_HEAD.sub("", c) or c)
    verb_first = pos in _VERB_POS or pos == "p" or word in ("同比", "环比") or bool(_PREDICATE_WORD.match(c))
    if not verb_first and is_noun_phrase(c):
        return Kind.NOUN_PHRASE
    return Kind.NEEDS_OWNER if verb_first else Kind.SUBJECT


_CORRELATIVE = re.compile(r"之所以|不仅|不但|不只|不光|^[^，,。]*越(?!来越|南|过|发|野)[^，,。越]*$")
_CONCESSIVE = re.compile(
    r"^(?:尽管|虽然|虽说|随着|伴随|由于|因为|鉴于|不仅|不但|之所以|即使|即便|哪怕|若|如果|一旦|只要|除非)"
)
_TIME_HEAD = re.compile(
    r"^(?:如今|目前|现在|当前|今年|去年|明年|未来|此前|随后|近期|近日|日前|同时|此外|目前已)+"
)
_TRAILING_CONCESSION = re.compile(r"(?:虽然|虽说|尽管)[^，,。；;]*$")
_BARE_TIME = re.compile(
    r"^(?:[一二三四五六七八九十两几数\d]+(?:天|日|周|个月|月|年|小时|分钟)(?:之?后|之?前|以来)|此后|随后|与此同时|同时)$"
)
_PURPOSE_TAIL = re.compile(r"以[^，,。；;]{1,30}为(?:由|名|借口)$")
_CLAUSE_SPLIT = re.compile(r"(?<!\d)[，,；;](?!\d)|——")


def _clauses(text: str) -> list[str]:
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "“「『《（(":
            depth += 1
        elif ch in "”」』》）)" and depth:
            depth -= 1
        elif ch in "，,；;" and not depth:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [c.strip() for c in out if c.strip()]


def fragment_reason(text: str, continued: bool = False) -> str | None:
    """Why ``text`` cannot stand alone as a bullet, or None. Run on every bullet of every summarizer.

    A bullet is a fragment when it starts with a dateline or credit, with a connective that points at
    a missing antecedent (``而``, ``其中``, ``尤其是``), with a pronoun (``其``, ``该``, ``这一``), with
    a time-or-place setting followed by a subject-less predicate (``展望未来，加速…``), or when its
    last clause is a condition or adverbial clause whose main clause is missing (``…，若增速收窄至10%以内``,
    ``随着…``). ``continued`` marks a bullet that continues the one before it verbatim (the sentences
    of a lead excerpt): a leading connective or pronoun then points at that bullet and is allowed.
    """
    t = text.strip()
    if not t:
        return None
    if strip_dateline(t) != t:
        return f"starts with a dateline or credit ({t[:12]}…)"
    parts = _clauses(t)
    if not parts:
        return None
    first, last = parts[0], parts[-1]
    m = None if continued else _CONNECTIVE.match(first)
    if m:
        return f"starts with the connective '{m.group(0)}' but its antecedent is not in the bullet"
    if not continued and _PRONOUN.match(first) and not _COMPANY.match(first):
        return f"starts with '{first[:3]}' whose referent is not in the bullet"
    for m2 in (_CONDITION.match(last), _SUBORDINATE.match(last)):
        if (
            m2
            and not self_contained(last)
            and not (len(parts) > 1 and last.startswith(("作为", "相比", "相较", "不同于", "除了")))
        ):
            return f"ends with a '{m2.group(0)}' clause whose main clause is missing"
    if last.endswith("的") and "是" not in last:
        return "ends in the middle of a phrase (…的)"
    if _TRAILING_CONCESSION.search(last):
        return "ends with a concession (虽然/尽管…) whose main clause is missing"
    if len(parts) > 1 and _BARE_TIME.match(last):
        return f"ends with the bare time phrase '{last}' (what happened then is missing)"
    if _PURPOSE_TAIL.search(last):
        return "ends with '以…为由' but what was done on those grounds is missing"
    if len(parts) > 1 and _CONCESSIVE.match(first) and not self_contained(first):
        if all(clause_kind(p) == Kind.NEEDS_OWNER for p in parts[1:]):
            return f"'{first[:6]}…' is followed only by predicates: the main clause's subject is missing"
    if len(parts) > 1 and _SCENE_ONLY.match(first):
        word, pos = _first_pos(parts[1])
        if (pos in _VERB_POS and pos != "vn") and not _OWNERLESS.match(parts[1]):
            return f"'{first}' is followed by a predicate without a subject"
    return None
