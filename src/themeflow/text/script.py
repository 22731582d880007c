"""Traditional and simplified Chinese: the one character table every part of text/ folds with.

Why a character table and not OpenCC's converter: the converter is phrase-aware and pure Python (about
0.5 MB/s, and ~0.04 ms per call), far too slow per document, and a phrase rewrite can change a text's
length, which would break the offsets that citations and snippets rely on. OpenCC's ``TSCharacters``
dictionary, read once into a ``str.translate`` table, is one character in, one character out and about
a thousand times faster. It is also many-to-one (乾/幹/干 → 干), so text converted in either direction,
phrase-aware or not, folds back to the same simplified text.
"""

from __future__ import annotations

import os
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = ["nfkc_simplified", "simplified_table", "to_simplified", "with_traditional"]


@cache
def simplified_table() -> dict[int, str]:
    """Traditional → simplified, one character to one character (OpenCC's ``TSCharacters``, first reading).

    Covers every code point the dictionary lists, supplementary planes included; the search analyzer
    uses its part inside the BMP CJK blocks (see ``text/segment.py``).
    """
    import opencc  # opencc-python-reimplemented, a runtime dependency; loaded on first use

    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    table: dict[int, str] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            key, _, vals = line.rstrip("\n").partition("\t")
            first = vals.split(" ")[0]
            if len(key) == 1 and first and first != key:
                table[ord(key)] = first
    return table


def to_simplified(text: str) -> str:
    """``text`` with traditional characters folded to simplified; same length, same offsets."""
    return text.translate(simplified_table())


_BMP = 0x10000
_TABLED_FROM = 256
"""Texts shorter than this go the plain way: the arrays cost more than they save on a title."""


@cache
def _bmp_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per code point of the Basic Multilingual Plane: its NFKC form when that is one character, whether it
    is not (a ligature, ``…``, ``㈱``, a surrogate), and its simplified form (one character always)."""
    import numpy as np

    nfkc = np.arange(_BMP, dtype=np.uint32)
    multiple = np.zeros(_BMP, dtype=bool)
    multiple[0xD800:0xE000] = True
    plane = [cp for cp in range(1, _BMP) if not 0xD800 <= cp < 0xE000]
    # One call for the whole plane: NUL is a starter no form contains, so nothing composes across it.
    forms = unicodedata.normalize("NFKC", "\0".join(map(chr, plane))).split("\0")
    for cp, form in zip(plane, forms, strict=True):
        if len(form) != 1:
            multiple[cp] = True
        elif ord(form) != cp:
            nfkc[cp] = ord(form)
    simplified = np.arange(_BMP, dtype=np.uint32)
    for cp, form in simplified_table().items():
        if cp < _BMP:
            simplified[cp] = ord(form)
    return nfkc, multiple, simplified


def nfkc_simplified(text: str) -> str:
    """``to_simplified(unicodedata.normalize("NFKC", text))``, the same string, in a few array steps.

    Why: the dedup fingerprint normalizes every body this way, and both steps look each character up one
    by one (the two were a third of a fingerprint's CPU). A text of BMP characters whose NFKC forms are one
    character each is mapped through two tables; NFKC of it is then the mapped text whenever that text is
    already NFKC (per-character forms compose to the whole text's form), which ``is_normalized`` confirms
    in one quick pass. Anything else (combining marks that compose, ``…``, characters beyond the BMP) goes
    the plain way. ``tests/test_script.py`` holds the two ways equal."""
    if len(text) < _TABLED_FROM:
        return _nfkc_then_simplified(text)
    import numpy as np

    nfkc, multiple, simplified = _bmp_tables()
    try:
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:  # a lone surrogate
        return _nfkc_then_simplified(text)
    if points.max() >= _BMP or multiple[points].any():
        return _nfkc_then_simplified(text)
    mapped = nfkc[points]
    if not unicodedata.is_normalized("NFKC", mapped.tobytes().decode("utf-32-le")):
        return _nfkc_then_simplified(text)
    folded: bytes = simplified[mapped].tobytes()
    return folded.decode("utf-32-le")


def _nfkc_then_simplified(text: str) -> str:
    """The plain way: NFKC, then the character table, each character looked up one by one."""
    return to_simplified(unicodedata.normalize("NFKC", text))


def with_traditional(chars: str) -> str:
    """``chars`` followed by their traditional forms (OpenCC ``s2t``), for character sets that must
    recognize both scripts; ``chars`` alone when OpenCC cannot be loaded."""
    try:
        import opencc

        return chars + str(opencc.OpenCC("s2t").convert(chars))
    except Exception:  # pragma: no cover - opencc missing or broken: the simplified set still works
        return chars
