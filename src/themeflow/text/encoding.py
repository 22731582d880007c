"""Decode bytes of unknown encoding: UTF-8 (BOM or not), GB18030/GBK, BIG5, then whatever charset-normalizer finds.

Chinese files on analysts' disks are mostly UTF-8, GBK (saved by Windows tools) or BIG5 (Hong Kong and
Taiwan outlets). Statistical detectors are unreliable on a few hundred bytes of Chinese — a short GBK
note may come back as BIG5 or a Cyrillic code page — so the order is explicit: a BOM wins; strict UTF-8
wins; if both GB18030 and BIG5 decode strictly, the one whose text is made of more common Chinese
characters wins (mojibake is made of rare ones); only then is charset-normalizer asked. Bytes that decode
to garbage raise :class:`~themeflow.errors.InputError` for that file instead of producing junk documents.

A guess is only accepted if it decodes *strictly* and reads as plausible text. Two failure modes matter:

* **Damaged UTF-8.** A file that is UTF-8 but for a stray byte fails the strict UTF-8 test, and a
  detector then happily calls it cp1250 or Latin-1 and returns ``ä¸­å›½`` for every character. Such a file
  is recognised by its many valid multi-byte UTF-8 sequences (GBK or BIG5 text has few) and reported with
  the offset of the bad byte, never stored garbled or with U+FFFD in it.
* **Line-oriented files** (JSONL, CSV) are judged line by line by :func:`line_encoding`, so one damaged
  line cannot decide the encoding of, and so lose, the thousands of good lines around it.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

from charset_normalizer import from_bytes

from themeflow.errors import InputError

__all__ = ["decode_bytes", "declared_charset", "line_encoding", "reads_by_bytes", "utf8_damage"]

# ~500 of the most frequent characters in Chinese news; traditional forms are added at import (opencc).
_COMMON_SIMPLIFIED = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道"
    "行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日者意无"
    "力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应向头文体政美相见被利什二等"
    "产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义各入"
    "几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金指克"
    "许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求据程"
    "北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笑飞风步改收根干造言联持组每济车亲极林服快"
    "办议往元英士证近失转夫令准布始怎存未远叫台单影具罗字爱击流备兵连调深商算质团集百需价花党华城石级整府离况"
    "亚请技际约示复病息究线似官火断精满支视消越器容照须九增研写称企八功包片史委乎查轻易早曾除农找装广显阿李标"
    "谈图念六引历首医局突专费号尽另周较注语仅考落青随选列武红响虽推势参希古众构房半节土投某案黑维革划敌致陈律"
    "足态护七兴派验责营星够章音跟志底站严巴例防族供效续施留讲型料终答紧黄绝奇察母京段依批群项故按河米围江织害"
    "双境客纪采举攻父苏密低朝友诉止细愿千值仍男钱破网热助倒育属坐限船职速刻乐否刚威状率甚独球般普弹校苦创假久"
    "错承印晚兰试股拿脑预谁益阳若哪微尼继送急血伤素药适波夜省初喜卫源食险待述陆习置居劳财环排福纳欢获模充负云"
    "停木游龙树疑层冷洲冲射略范竟句室异激汉村哈策演简卡罪判担州静退既衣宗积余检差富灵协角占配征修皮挥胜降阶审"
    "沉坚善刘读超免压银买养怀执副乱抗犯追帮宣佛岁航优香著田铁控税左右份穿艺背阵草脚概恶块顿敢守酒岛托央户烈洋"
    "索胡款靠评版宝座释景顾弟登货互付伯慢欧换闻危忙核暗介坏讨丽良序升监临亮露永呼味野架域沙掉括舰鱼杂误湾吉减"
    "编楚肯测败屋跑梦散温困渐封救贵缺楼县尚毫移朋画班智亦耳恩短掌恐遗固席松秘谢鲁遇康虑幸均销钟诗藏赶剧票损忽"
    "巨旧端探湖录叶春乡附吸予礼港雨板庭妇归饭额含顺输招婚脱补谓督油疗旅泽材灭逐莫笔亡鲜词圣择寻厂睡博勒烟授诺"
    "伦岸奥唐卖俄炸载洛健堂旁宫借君禁阴园谋宋避抓荣孙逃牙束跳顶玉镇雪午练迫篇肉馆遍凡础洞卷坦牛宁纸诸训私庄祖"
    "丝翻暴森塔默握戏隐熟骨访弱蒙歌店软典欲萨伙遭盘扩盖弄雄稳忘亿刺拥徒齐赛趣曲刀床迎冰虚玩析窗醒妻透购替塞努"
    "休虎扬途侵刑绿兄迅套贸毕唯谷轮库迹尤竞街促延震弃甲伟麻川申缓潜闪售灯针哲络抵朱埃抱鼓植纯夏忍页杰筑折郑贝"
    "尊吴秀混臣雅振染盛怒舞圆搞狂措姓残秋培迷诚宽宇猛摆梅毁伸摩盟末乃悲拍丁赵涨跌幅港币美元亿万股票债券基金汇率"
    "，。、；：？！“”‘’（）《》【】—…"
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_BAD = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd\ue000-\uf8ff]")
_CHARSET_DECL = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_SAMPLE = 20_000  # characters scored per candidate; enough to tell, cheap on a 20 MB file
_LATIN_HIGH = re.compile(r"[\u0080-\u024f\u0370-\u04ff\u2000-\u20ff]{2,}")


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    chars = set(_COMMON_SIMPLIFIED)
    try:
        import opencc  # opencc-python-reimplemented, a runtime dependency

        chars |= set(opencc.OpenCC("s2t").convert(_COMMON_SIMPLIFIED))
    except Exception:  # pragma: no cover - opencc missing or broken: simplified set still works
        pass
    return frozenset(chars)


def _score(text: str) -> float:
    """Share of the CJK characters (and CJK punctuation) that are common ones; mojibake scores low."""
    sample = text[:_SAMPLE]
    common = _common_chars()
    cjk = [c for c in sample if _CJK.match(c) or c in common]
    if not cjk:
        return 0.0
    return sum(c in common for c in cjk) / len(cjk)


def _looks_like_garbage(text: str) -> bool:
    sample = text[:_SAMPLE]
    if not sample:
        return False
    return len(_BAD.findall(sample)) / len(sample) > 0.01


def _looks_like_mojibake(text: str) -> bool:
    """UTF-8 (or GBK) bytes read in a one-byte code page come out as runs of accented letters and symbols."""
    sample = text[:_SAMPLE]
    high = sum(1 for c in sample if ord(c) >= 0x80)
    if not high:
        return False
    in_runs = sum(len(m) for m in _LATIN_HIGH.findall(sample))
    return in_runs / high > 0.5


def utf8_damage(data: bytes) -> tuple[int, int] | None:
    """``(invalid sequences, offset of the first)`` when ``data`` is UTF-8 except for a few bad bytes.

    Valid multi-byte sequences outnumbering invalid ones three to one means UTF-8 text with damage, not
    another encoding: GBK and BIG5 text decoded as UTF-8 yields about one valid sequence per three bad.
    """
    text = data[: 4 * _SAMPLE].decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if not bad:
        return None
    good = sum(1 for c in text if ord(c) >= 0x80) - bad
    if good < 3 * bad:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return bad, exc.start
    return None  # pragma: no cover - the replacement count said otherwise


def _damage_error(source: str, data: bytes, damage: tuple[int, int], label: str = "UTF-8") -> InputError:
    count, offset = damage
    line = data.count(b"\n", 0, offset) + 1
    more = f" ({count} in the first part of the file)" if count > 1 else ""
    return InputError(
        f"{source}: not valid {label}: bad byte 0x{data[offset]:02x} at byte {offset} (line {line}){more}; "
        "the rest is UTF-8, so the file is damaged rather than in another encoding — fix or re-save it"
    )


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def declared_charset(data: bytes) -> str | None:
    """The ``charset=`` an HTML/XML head declares in its first 4 KB, if Python knows that codec."""
    m = _CHARSET_DECL.search(data[:4096])
    if not m:
        return None
    name = m.group(1).decode("ascii", "ignore").lower()
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    # GB2312/GBK declarations routinely hide GB18030-only characters; the superset decodes both.
    return "gb18030" if name in {"gb2312", "gbk", "x-gbk", "gb_2312-80"} else name


def decode_bytes(data: bytes, *, source: str = "input", hint: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding)``; raise InputError naming ``source`` when nothing sensible decodes.

    ``hint`` (an HTTP or meta charset) is tried first but not trusted blindly: servers lie.
    """
    if data.startswith(codecs.BOM_UTF8):
        body = data[len(codecs.BOM_UTF8) :]
        text = _strict(body, "utf-8")
        if text is None:
            raise _damage_error(source, data, utf8_damage(body) or (1, _first_bad(body)))
        return text, "utf-8-sig"
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            text = _strict(data[len(bom) :], enc)
            if text is not None and not _looks_like_garbage(text):
                return text, enc
    if b"\x00" in data[:_SAMPLE]:
        raise InputError(f"{source}: looks like a binary file, not text (it contains NUL bytes)")

    candidates: list[tuple[str, str]] = []
    if hint:
        text = _strict(data, hint)
        if text is not None and not _looks_like_garbage(text):
            candidates.append((hint, text))
    text = _strict(data, "utf-8")
    if text is not None and not _looks_like_garbage(text):
        return text, "utf-8"
    if text is None and (damage := utf8_damage(data)) is not None:
        raise _damage_error(source, data, damage)
    chinese = [(enc, t) for enc in ("gb18030", "big5") if (t := _strict(data, enc)) is not None]
    candidates.extend((enc, t) for enc, t in chinese if not _looks_like_garbage(t))
    if candidates:
        enc, text = max(candidates, key=lambda c: _score(c[1]))
        if _score(text) >= 0.2 or enc == hint:
            return text, enc
    best = from_bytes(data[:200_000]).best()
    if best is not None and best.encoding:
        guess = _strict(data, best.encoding)
        if guess is not None and _plausible(guess):
            return guess, best.encoding
    raise InputError(
        f"{source}: cannot tell its text encoding (tried UTF-8, GB18030, BIG5 and detection); "
        "re-save it as UTF-8"
    )


def _first_bad(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return 0


def _plausible(text: str) -> bool:
    """Whether a detector's guess reads as text: no control junk, no mojibake runs, common Chinese."""
    if _looks_like_garbage(text) or _looks_like_mojibake(text):
        return False
    sample = text[:_SAMPLE]
    cjk = len(_CJK.findall(sample))
    return cjk < 10 or _score(sample) >= 0.2


def reads_by_bytes(encoding: str) -> bool:
    """Whether a file in ``encoding`` can be split into lines at ``\\n`` bytes (not UTF-16/32)."""
    name = codecs.lookup(encoding).name
    return not name.startswith(("utf-16", "utf-32"))


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 without a BOM: its ASCII (JSON punctuation, CSV commas) puts a NUL in every other byte."""
    even, odd = head[0::2].count(0), head[1::2].count(0)
    nuls = even + odd
    if len(head) < 8 or nuls < max(4, len(head) // 100):
        return None
    for enc, hits in (("utf-16-le", odd), ("utf-16-be", even)):
        if hits >= 0.9 * nuls:
            size = len(head) // 2 * 2
            # the head may end inside a surrogate pair
            if any(_strict(head[: size - cut], enc) is not None for cut in (0, 2)):
                return enc
    return None


def line_encoding(head: bytes, *, partial: bool = False, source: str = "input") -> str:
    """The encoding of a line-oriented file (JSONL, CSV) from its first bytes, judged line by line.

    ``partial`` says ``head`` stops inside a line, whose last character may be cut. A file whose lines
    are mostly UTF-8 is UTF-8 even if some are damaged (those become errors for their lines); otherwise
    GB18030 or BIG5 if they read the non-UTF-8 lines as common Chinese; otherwise whatever
    :func:`decode_bytes` accepts; and if nothing does, UTF-8, so that every line that is UTF-8 (or
    ASCII) still lands and every other line is reported, instead of the whole file failing.
    """
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return enc
    if b"\x00" in head and (wide := _utf16_without_bom(head)) is not None:
        return wide
    lines = [line for line in head.split(b"\n") if line.strip() and b"\x00" not in line]
    if partial and lines and not head.endswith(b"\n"):
        last = lines.pop()
        # the cut may have split a multi-byte character: keep the longest prefix that some codec reads
        for trim in range(4):
            piece = last[: len(last) - trim]
            if any(_strict(piece, enc) is not None for enc in ("utf-8", "gb18030", "big5")):
                lines.append(piece)
                break
    wide_lines = [line for line in lines if not line.isascii()]
    if not wide_lines:
        return "utf-8-sig"
    not_utf8 = [line for line in wide_lines if _strict(line, "utf-8") is None]
    if len(wide_lines) - len(not_utf8) >= len(not_utf8):
        return "utf-8-sig"
    best: tuple[int, float, str] | None = None
    for enc in ("gb18030", "big5"):
        decoded = [t for line in not_utf8 if (t := _strict(line, enc)) is not None]
        score = _score("".join(decoded))
        if 2 * len(decoded) >= len(not_utf8) and score >= 0.2:
            best = max(best or (0, 0.0, enc), (len(decoded), score, enc))
    if best is not None:
        return best[2]
    try:
        _, enc = decode_bytes(b"\n".join(not_utf8), source=source)
    except InputError:
        return "utf-8-sig"
    return "utf-8-sig" if enc in {"utf-8", "utf-8-sig"} else enc
