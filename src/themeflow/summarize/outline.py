"""The shape of an article: boilerplate, sub-headings, topical blocks and their titles.

Analysts read a summary by its section titles, so titles must come from the article: its own
sub-headings when it has them (``营收大幅超越预期``), otherwise a key phrase drawn from the block of
paragraphs a section covers (``美国原油出口``) — never "Section 1" and never a bare number.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from themeflow.text.outlets import fold_outlet, outlet_table
from themeflow.text.speech import saying_verbs
from themeflow.text.wordlists import word_list, word_text

__all__ = [
    "Block",
    "Para",
    "clean_heading",
    "headed_blocks",
    "is_boilerplate",
    "is_credit",
    "key_phrase",
    "outline",
    "segment_blocks",
]

_BOILERPLATE = re.compile(
    r"本文来自|欢迎下载|文章来源|来源[：:]|责任编辑|编辑[：:]|作者[：:]|记者[：:]|校对|免责声明|特别声明|风险提示[：:]|"
    r"原标题|图源|图片来源|封面来源|封面图|题图|来源/|供图|摄影|视觉中国|(?:编辑|作者|撰文|出品|采访|文|图|策划|监制)\s*[｜丨|/]|"
    r"版权(?:所有|声明|归|属于|说明)|本文版权|仅供参考|不构成(?:任何)?投资建议|据此操作|扫码|二维码|公众号|点击(?:阅读|查看|下方)|"
    r"转载|未经授权|APP查看|下载APP|（完）|\(完\)|市场有风险|投资需谨慎|返回搜狐|查看更多"
)
_BYLINE = re.compile(
    r"^(?:本报|本刊)?(?:特约|见习)?记者[\s\u3000]*[\u4e00-\u9fa5·]{2,4}(?:[\s\u3000、]+(?:见习记者[\s\u3000]*)?"
    r"[\u4e00-\u9fa5·]{2,4}){0,3}(?:[\s\u3000]*[\u4e00-\u9fa5]{0,4}(?:报道|发自[\u4e00-\u9fa5]{2,6}))?$"
)
"""A paragraph that is only a byline (本报记者 张三 北京报道): ingest drops it; a document made elsewhere may
still hold one."""
_CREDIT_LINE = re.compile(
    # a line of credits only, marked or not (⊙记者 张三 ○编辑 李四, 责编 王五, ■本报记者赵六)
    r"^[⊙○●◎◆◇■□★☆▲△▶►•·\s]*(?:(?:本报|本刊|特约|见习)?(?:记者|编辑|责编|作者|撰文|摄影|实习生|通讯员)"
    r"[\s\u3000：:]*[\u4e00-\u9fa5·]{2,4}[\s\u3000⊙○●◎｜|/、]*){1,4}$"
    # an editor's note or a line that announces a transcript (编者按：…, 副标题：…, 以下为访谈节选（略经编辑）)
    r"|^[【\[]?(?:编者按|编者注|编辑按|编者的话)|^副标题[：:]"
    r"|^以下为.{0,20}(?:节选|实录|全文|原文)[^，,。]{0,12}$|^[^，,。]{0,12}(?:全文|实录|原文)如下"
    r"|^[（(]?注[：:][^。]{0,30}(?:删节|删减|编辑)|略经编辑[)）]?$"
    # who wrote it (作者为…, （本文作者系…）, 北京商报评论员)
    r"|^[（(]?(?:本文)?作者(?:为|是|系|简介)|^[\u4e00-\u9fa5A-Za-z]{0,10}评论员(?:[\u4e00-\u9fa5·]{2,4})?$"
    # a picture's or a table's credit (图片由受访者提供, 官方图片, 东财图解, 根据Wind数据制表, 数据来源：Wind, 来源链接)
    r"|图片由[^，,。]{1,20}提供|图片(?:来自|源自|出自|来源于)|图片截自|截自Wind|图解$"
    r"|^(?:官方|资料|网络|现场|新闻|示意|来源)?(?:图片|配图|资料图)$"
    r"|制表|数据制图|制图[：:]|数据来源[：:]?\s*[)）]?$|^[（(]?\s*数据来源|来源链接"
    # a time zone alone on its line, the head of a dateline (北京时间, 美东时间)
    r"|^(?:北京|美东|美西|当地|纽约|伦敦|东京|香港|欧洲|美国[\u4e00-\u9fa5]{0,3})时间$"
)
"""Credit and note lines the outlets' furniture rules leave in the text: an analyst's summary never shows one
as a section title or a bullet (each was a title on the shared corpus: ``⊙记者 … ○编辑 …``, ``东财图解``,
``作者为…特约研究员``, ``以下为访谈节选（略经编辑）``, ``官方图片``)."""
_DATED_CREDIT = re.compile(r"\s*(?:\d{4}年)?\d{1,2}月\d{1,2}日$")
_BROADCAST = re.compile(r"(?:电视台|电台|通讯社|新闻社|电视)$")
_END_PUNCT = "。！？!?；;…,，、"
_NUMBERING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|（[一二三四五六七八九十\d]+）|\([一二三四五六七八九十\d]+\)|\d+[、.．)]\s*|"
    r"第[一二三四五六七八九十\d]+[部分章节][、：: ]?|[■●◆▶►•·\-—]+\s*)"
)


@dataclass(frozen=True, slots=True)
class Para:
    """One paragraph and its role: 'heading', 'body', 'boilerplate', 'contents' (a table-of-contents line)
    or 'caption' (a photo's). ``n`` is the 1-based number."""

    n: int
    text: str
    role: str


@dataclass(frozen=True, slots=True)
class Block:
    """A section to be: a title (None until one is found) over body paragraph numbers."""

    title: str | None
    paras: tuple[int, ...]


def is_boilerplate(text: str) -> bool:
    """Outlet footers, disclaimers and credits: never summarized, never cited. A line that is only an
    outlet's name (``经济参考报`` over a syndicated item) is a credit, not a heading."""
    t = text.strip()
    return not t or (len(t) < 90 and bool(_BOILERPLATE.search(t))) or is_credit(t)


def is_credit(text: str) -> bool:
    """Whether ``text`` is a credit or a note, not a statement: a byline, an editor's or author's line, a
    picture's or table's credit, a transcript's announcement, an outlet's name (with a date or not)."""
    t = text.strip()
    if bool(_BYLINE.match(t)) or (len(t) < 90 and bool(_CREDIT_LINE.search(t))):
        return True
    if len(t) <= 30 and _DATED_CREDIT.search(t):  # Bloomberg电视台 5月19日: an outlet and a date
        t = _DATED_CREDIT.sub("", t).strip()
    return len(t) <= 16 and _outlet_name(t)


def _outlet_name(text: str) -> bool:
    """Whether ``text`` is an outlet's name as a whole (``北京商报``, ``Bloomberg电视台``): a credit, never a
    heading or a title (a name that only starts with one, ``中国网络安全审查``, is not)."""
    table = outlet_table().by_key
    return fold_outlet(text) in table or fold_outlet(_BROADCAST.sub("", text)) in table


HEADING_CHARS = 36
"""Headings up to this length are kept whole: cutting ``鹏鼎控股：拟定增募资…`` at its colon left a company
name over bullets that were not all that company's."""


def clean_heading(text: str) -> str:
    """A sub-heading as a section title: numbering and a trailing colon removed, the rest kept whole; a
    heading longer than :data:`HEADING_CHARS` is cut at its last clause or word boundary before that, never
    at the colon that separates a name from what the section says about it."""
    t = _NUMBERING.sub("", text.strip()).strip().rstrip("：:").strip()
    if len(t) <= HEADING_CHARS:
        return t
    head = t[:HEADING_CHARS]
    cut = max(head.rfind(sep) for sep in ("，", "；", " ", "、"))
    return head[:cut].strip() if cut >= 10 else head


_INTRO = re.compile(saying_verbs("quote_intro") + "$")


def _looks_like_heading(text: str) -> bool:
    t = text.strip()
    core = _NUMBERING.sub("", t).strip()
    if not 2 <= len(core) <= 30 or is_boilerplate(t) or "=" in core:
        return False  # (a formula, ``营业收入=存续期间营业收入/存续月数×12``, is not a heading)
    if t.endswith(("：", ":")):
        if _INTRO.search(core.rstrip("：:")):
            return False  # "瑞银分析师某某表示：" introduces a quote; it is not a heading
        return len(core) <= 26
    if t[-1] in _END_PUNCT:
        return False
    if t.count("，") + t.count(",") > 1 or t.count("。") > 0:
        return False
    return True


ITEM_HEADLINE_CHARS = 60
"""A roundup's item headline runs to this length (``纳尔股份：终止购买南通纳尔材料科技有限公司33.5542%股权并募集
配套资金事项``); an ordinary heading stops at 30."""


def _item_headline(text: str, nxt: str) -> bool:
    """A roundup item's own headline: a line without closing punctuation whose item opens with the same name
    (``安诺其：拟购买…`` over ``安诺其(300067)4月20日公告，…``). Such a line is a heading whatever its length,
    so each item is a section of its own and its headline never becomes a bullet under another item."""
    t = text.strip()
    if not 6 <= len(t) <= ITEM_HEADLINE_CHARS or t[-1] in _END_PUNCT or t.count("。"):
        return False
    core = _NUMBERING.sub("", t).strip()
    shared = 0
    for a, b in zip(core, nxt, strict=False):
        if a != b:
            break
        shared += 1
    if shared >= 2 and all("\u4e00" <= ch <= "\u9fff" or ch.isalnum() or ch in "*" for ch in core[:shared]):
        return True
    name = core[:4]  # 芯原股份1月至今新签订单… over 4月20日晚间，芯原股份发布…: the name a little way in
    return all("\u4e00" <= ch <= "\u9fff" for ch in name) and name in nxt[:20]


_CLOSERS = "”’\"')）】」』"


def _headline_shaped(text: str) -> bool:
    """A line that reads as a headline, not a sentence: up to :data:`ITEM_HEADLINE_CHARS`, no full stop, not
    ending in sentence punctuation (closing quotes aside) or in the colon that introduces a list or a
    quote, and no formula (``营业收入=…``)."""
    t = text.strip()
    if not 6 <= len(t) <= ITEM_HEADLINE_CHARS or "。" in t or "=" in t or is_boilerplate(t):
        return False
    end = t.rstrip(_CLOSERS)
    return bool(end) and end[-1] not in _END_PUNCT and end[-1] not in "：:" and t.count("，") <= 3


def outline(paragraphs: Sequence[str]) -> list[Para]:
    """Classify every paragraph. A heading must be followed by a longer body paragraph.

    Two readings need the whole document: in an article with sub-headings, a longer headline-shaped line
    followed by its text is one more heading (a digest's item headline of 40 characters, ``超1.4万人砸12亿抢购
    SpaceX代币，总认购资金高达1.77亿美元``, otherwise joined the item before it, under that item's
    headline); and a headline-shaped line that recurs later as a heading is the article's table of
    contents (role ``contents``: never a bullet, the item below it says the same).
    """
    texts = [p.strip() for p in paragraphs]
    following = _next_nonempty(texts)
    out: list[Para] = []
    for i, t in enumerate(texts):
        role = "body"
        nxt = following[i]
        if is_boilerplate(t):
            role = "boilerplate"
        elif (_looks_like_heading(t) or _item_headline(t, nxt)) and _heads_text(t, nxt):
            role = "heading"
        out.append(Para(i + 1, t, role))
    out = _captions(out)
    heads = sum(p.role == "heading" for p in out)
    if heads < 2:  # one short line is a lede or a caption, not a structure
        return [Para(p.n, p.text, "body") if p.role == "heading" else p for p in out]
    out = [
        Para(p.n, p.text, "heading")
        if p.role == "body" and _headline_shaped(p.text) and _heads_text(p.text, following[p.n - 1])
        else p
        for p in out
    ]
    return _table_of_contents(out)


def _next_nonempty(texts: list[str]) -> list[str]:
    """For each paragraph, the next non-empty one ("" at the end), in one backward pass: a giant document
    of ten thousand paragraphs must not cost a scan per paragraph."""
    out = [""] * len(texts)
    nxt = ""
    for i in range(len(texts) - 1, -1, -1):
        out[i] = nxt
        if texts[i]:
            nxt = texts[i]
    return out


_CAPTION_END = re.compile(r"(?:截图|示意图|效果图|渲染图|走势图|配图|实拍图)$")


def _captions(paras: list[Para]) -> list[Para]:
    """Photo captions (role ``caption``): a short line that repeats words of the paragraph just before it
    (``36氪研究院院长邹萍`` under ``36氪研究院院长邹萍发表了…``, ``《楼兰：诅咒之沙》`` under the item about it), or
    that names a picture (``《异环》游戏截图``, ``…示意图``). Read as headings, they titled sections with a
    person or a report whose words the bullets below were not."""
    out: list[Para] = []
    previous = ""
    for p in paras:
        t = p.text.strip()
        if p.role != "boilerplate" and _is_caption(t, previous):
            out.append(Para(p.n, p.text, "caption"))
        else:
            out.append(p)
        if t:
            previous = t
    return out


_NOTE_LINE = re.compile(r"^[（(][^（）()]{2,80}[）)]$")
"""A line wholly in brackets: a chart's caption or an aside (``（美油期货日内走势）``, ``（注：…）``, ``（记者 张三）``)."""


def _is_caption(text: str, previous: str) -> bool:
    if _NOTE_LINE.match(text):
        return True
    if not 4 <= len(text) <= ITEM_HEADLINE_CHARS or "。" in text or text[-1] in _END_PUNCT:
        return False
    if _CAPTION_END.search(text):
        return True
    # a line with a figure that repeats the lede (``股票型ETF净流入超550亿元``) is the heading over its detail
    return len(previous) > len(text) and text in previous and not any(ch.isdigit() for ch in text)


def _heads_text(line: str, nxt: str) -> bool:
    """Whether ``nxt`` is the text a heading ``line`` stands over: a longer paragraph, itself no heading."""
    return bool(nxt) and not _looks_like_heading(nxt) and len(nxt) > len(line) and not is_boilerplate(nxt)


def _table_of_contents(paras: list[Para]) -> list[Para]:
    """Body lines that repeat a later heading (``今日热点导览`` then five headlines, each an item below)."""
    later: set[str] = set()
    out: list[Para] = []
    for p in reversed(paras):
        key = p.text.strip()
        if p.role != "boilerplate" and key in later and _headline_shaped(p.text):
            out.append(Para(p.n, p.text, "contents"))
        else:
            out.append(p)
            if p.role == "heading":
                later.add(key)
    return out[::-1]


def headed_blocks(paras: Sequence[Para]) -> tuple[list[int], list[Block]]:
    """(lead paragraph numbers before the first heading, one block per heading with its body)."""
    lead: list[int] = []
    blocks: list[Block] = []
    title: str | None = None
    body: list[int] = []
    for p in paras:
        if p.role == "heading":
            if title is not None and body:
                blocks.append(Block(title, tuple(body)))
            title, body = clean_heading(p.text), []
        elif p.role == "body":
            (lead if title is None else body).append(p.n)
    if title is not None and body:
        blocks.append(Block(title, tuple(body)))
    return lead, blocks


def segment_blocks(vectors: dict[int, Counter[str]], k: int) -> list[tuple[int, ...]]:
    """Split paragraphs (in order) into ``k`` contiguous topical blocks at the weakest links.

    TextTiling in miniature: the cosine similarity of adjacent paragraphs' token bags is the link
    strength, and the k-1 weakest links that keep every block at least ``min_size`` long are cut.
    """
    ns = sorted(vectors)
    if k <= 1 or len(ns) <= 1:
        return [tuple(ns)] if ns else []
    k = min(k, len(ns))
    min_size = 2 if len(ns) >= 2 * k else 1
    links = []
    for a, b in zip(ns, ns[1:], strict=False):
        # window of two paragraphs each side smooths single-paragraph noise
        left = vectors[a] + vectors.get(ns[max(0, ns.index(a) - 1)], Counter())
        right = vectors[b] + vectors.get(ns[min(len(ns) - 1, ns.index(b) + 1)], Counter())
        links.append(_cos(left, right))
    cuts: list[int] = []
    for idx in sorted(range(len(links)), key=lambda i: links[i]):
        trial = sorted([*cuts, idx + 1])
        bounds = [0, *trial, len(ns)]
        if all(b - a >= min_size for a, b in zip(bounds, bounds[1:], strict=False)):
            cuts = trial
        if len(cuts) == k - 1:
            break
    bounds = [0, *cuts, len(ns)]
    return [tuple(ns[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


def _cos(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b[t] for t, v in a.items() if t in b)
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb) if na and nb else 0.0


_NOUNISH = {"n", "nz", "vn", "eng", "nt", "ns", "nr", "j", "an", "l", "nrt", "nrfg", "ng"}
_HEAD_OK = _NOUNISH | {"a", "b"}
_NAME_TAGS = {"nr", "nrt", "nrfg", "nt"}
_ROLE_END = tuple(word_list("stopwords.toml", "title_role_words"))
_NO_ONE = frozenset(word_list("stopwords.toml", "not_names")) | frozenset(
    word_list("entities.toml", "price_owners")
)
"""Words tagged as names that present no one's words: jargon (``归母``) and traded goods (``布伦特``)."""
_BAD_EDGE = set(word_text("stopwords.toml", "title_edge_chars"))
"""Characters a title may not start or end with (的/了/是…): a title reads as a topic, not a fragment."""


def key_phrase(
    tagged: Sequence[Sequence[tuple[str, str]]],
    weights: dict[str, float],
    used: set[str],
    max_chars: int = 10,
    named_in: Sequence[str] = (),
) -> str | None:
    """The best short noun phrase (2–10 chars, up to 3 words, no digits) in ``tagged`` sentences.

    A phrase scores by the distinctiveness (``weights``) of its words times how often it occurs, with
    a preference for 4–8 characters; it must end in a noun-like word so that titles read as topics
    (``算力租赁合同``), not as fragments (``大幅提升``). It is never cut where the words run on
    (:func:`_cut_mid_phrase`): titles such as ``三大指数小幅``, ``所有受限制``, ``日本财务`` and
    ``实业有限公司`` came from such cuts.

    A phrase that names a person or an organization (by its tag), or a place's office (``法国总统``), is a
    title only when every text of ``named_in`` (each bullet's cited paragraphs) holds that name too:
    ``首席执行官黄仁勋`` over a block whose bullets quote Meta presents their words as his. A place alone
    (``中国市场``) presents no one's words and stays a topic. A credit (:func:`is_credit`: an outlet's name,
    ``…评论员``) is never a title: it says who wrote or carried the text, not what it says.
    """
    counts: Counter[str] = Counter()
    score: dict[str, float] = {}
    unowned: set[str] = set()
    for sent in tagged:
        for i in range(len(sent)):
            words: list[str] = []
            w_sum = 0.0
            foreign = place = False
            for j in range(i, min(i + 3, len(sent))):
                w, pos = sent[j]
                if (
                    not _is_title_word(w)
                    or w in _TITLE_STOP
                    or (j == i and (w[0] in _BAD_EDGE or pos not in _HEAD_OK))
                ):
                    break
                if j > i and pos not in _NOUNISH:
                    break  # 租赁转向现货: a verb inside makes a clause, not a topic
                words.append(w)
                w_sum += weights.get(w, 0.0)
                if (pos in _NAME_TAGS or pos == "ns") and w not in _NO_ONE:
                    missing = any(w not in text for text in named_in)
                    foreign = foreign or (missing and pos in _NAME_TAGS)
                    place = place or (missing and pos == "ns")
                phrase = "".join(words)
                if len(phrase) > max_chars:
                    break
                if (
                    len(phrase) >= 2
                    and pos in _NOUNISH
                    and w[-1] not in _BAD_EDGE
                    and not _cut_mid_phrase(sent, i, j)
                ):
                    counts[phrase] += 1
                    if foreign or (place and phrase.endswith(_ROLE_END)):
                        unowned.add(phrase)
                    bonus = 1.3 if 4 <= len(phrase) <= 8 else (0.6 if len(phrase) <= 2 else 1.0)
                    score[phrase] = w_sum * bonus
    best: str | None = None
    best_s = 0.0
    for phrase, n in counts.items():
        if phrase in unowned or phrase in used or any(phrase in u or u in phrase for u in used):
            continue
        if phrase.endswith(_CREDIT_ENDS) or is_credit(phrase):
            continue  # 北京商报评论员, 经济参考报: who wrote or carried it, not what it says
        s = score[phrase] * (1 + math.log(n))
        if s > best_s:
            best, best_s = phrase, s
    return best


_TITLE_STOP = frozenset(word_list("stopwords.toml", "title_stop_words"))
_CREDIT_ENDS = ("评论员", "记者", "通讯员", "编辑", "责编")
_ORG_SUFFIXES = tuple(word_list("stopwords.toml", "title_org_suffixes"))


_GLUED = frozenset({"j", "zg", "ng"})
"""Tags the stock tagger gives a lone character it split off the start of a name or a compound."""


def _cut_mid_phrase(sent: Sequence[tuple[str, str]], i: int, j: int) -> bool:
    """Whether words ``i``…``j`` of ``sent`` stop where the phrase runs on: before ``的`` (``所有受限制|的资金``:
    a modifier without what it modifies), before a one-character noun that ends the name (``日本财务|省``),
    after a lone first character the segmenter split off the name (``英|伟达高管``), or at the end of an
    organization's name whose distinctive part comes before them (``新丰|电器实业有限公司``)."""
    after = sent[j + 1][0] if j + 1 < len(sent) else ""
    if after.startswith("的"):
        return True
    if len(after) == 1 and not after.isascii() and sent[j + 1][1] in _NOUNISH:
        return True
    before, before_pos = sent[i - 1] if i > 0 else ("", "")
    if len(before) == 1 and before_pos in _GLUED and "\u4e00" <= before <= "\u9fff":
        return True  # 英|伟达高管, 车|企自研机器人: the segmenter split a name's first character off
    return sent[j][0].endswith(_ORG_SUFFIXES) and before_pos in _NOUNISH and _is_title_word(before)


def _is_title_word(w: str) -> bool:
    if not w.strip() or any(ch.isdigit() for ch in w):
        return False
    return all(ch.isalpha() or ch in "-·" for ch in w)
