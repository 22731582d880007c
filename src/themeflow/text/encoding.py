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
from themeflow.text.script import with_traditional
from themeflow.text.wordlists import word_text

__all__ = ["decode_bytes", "declared_charset", "line_encoding", "reads_by_bytes", "utf8_damage"]

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_BAD = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd\ue000-\uf8ff]")
_CHARSET_DECL = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_SAMPLE = 20_000  # characters scored per candidate; enough to tell, cheap on a 20 MB file
_LATIN_HIGH = re.compile(r"[\u0080-\u024f\u0370-\u04ff\u2000-\u20ff]{2,}")


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    """The common characters, simplified and traditional (data file ``common_chars.toml``, read once)."""
    return frozenset(with_traditional(word_text("common_chars.toml", "common_simplified")))


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
