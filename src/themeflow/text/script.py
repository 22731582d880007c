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
from functools import cache

__all__ = ["simplified_table", "to_simplified", "with_traditional"]


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


def with_traditional(chars: str) -> str:
    """``chars`` followed by their traditional forms (OpenCC ``s2t``), for character sets that must
    recognize both scripts; ``chars`` alone when OpenCC cannot be loaded."""
    try:
        import opencc

        return chars + str(opencc.OpenCC("s2t").convert(chars))
    except Exception:  # pragma: no cover - opencc missing or broken: the simplified set still works
        return chars
