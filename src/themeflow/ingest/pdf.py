"""PDF research notes and filings via pypdf, with paragraphs rebuilt from lines.

``extract_text`` returns visual lines, so a paragraph arrives cut at every line end. We rebuild it: a
blank line or an indented line starts a paragraph, and so does the line after a *short* line that ends
a sentence (``。`` at the end of a full-width line is just a wrap). A truncated or corrupt file is an
InputError for that file — pypdf's own exceptions never reach the caller.
"""

from __future__ import annotations

import io
import logging
import re
import statistics

from themeflow.errors import InputError
from themeflow.ingest.document import Draft
from themeflow.ingest.textfiles import join_lines

__all__ = ["pdf_draft", "rebuild_paragraphs"]

# pypdf logs recoverable structure problems at WARNING for every odd file; errors are ours to report.
logging.getLogger("pypdf").setLevel(logging.ERROR)

_SENTENCE_END = re.compile(r"[。！？!?：:；;”」』)）.]$")
_INDENT = re.compile(r"^(\s{2,}|\u3000)")
_PAGE_NUMBER = re.compile(r"^\s*(?:第\s*\d+\s*页|-?\s*\d+\s*-?|\d+\s*/\s*\d+|page \d+)\s*$", re.IGNORECASE)


def rebuild_paragraphs(lines: list[str]) -> list[str]:
    """Group visual lines into paragraphs (see module docstring for the rules)."""
    content = [x for x in lines if x.strip() and not _PAGE_NUMBER.match(x)]
    if not content:
        return []
    full = statistics.median(len(x.strip()) for x in content)
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        stripped = line.strip()
        if not stripped or _PAGE_NUMBER.match(line):
            if paragraphs[-1] and not stripped:
                paragraphs.append([])
            continue
        current = paragraphs[-1]
        if current and _INDENT.match(line):
            paragraphs.append([])
        elif current:
            prev = current[-1].strip()
            if _SENTENCE_END.search(prev) and len(prev) < 0.8 * full:
                paragraphs.append([])
        paragraphs[-1].append(line)
    return [join_lines(p) for p in paragraphs if p]


def pdf_draft(data: bytes, *, source: str) -> Draft:
    """Title from the document info (or the first line), paragraphs from every page's text."""
    if not data.startswith(b"%PDF"):
        raise InputError(f"{source}: not a PDF file (no %PDF header)")
    if b"%%EOF" not in data[-2048:]:
        raise InputError(f"{source}: PDF is truncated (no end-of-file marker); download it again")
    from pypdf import PdfReader  # only a PDF ingest pays for pypdf
    from pypdf.errors import PdfReadError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise InputError(f"{source}: PDF is encrypted; save an unencrypted copy")
        lines: list[str] = []
        for page in reader.pages:
            # No blank line between pages: a paragraph continued on the next page stays one paragraph.
            lines.extend((page.extract_text() or "").splitlines())
        info_title = (reader.metadata.title if reader.metadata else None) or None
    except InputError:
        raise
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise InputError(f"{source}: PDF is corrupt or unreadable ({type(exc).__name__}: {exc})") from exc
    paragraphs = rebuild_paragraphs(lines)
    title = info_title.strip() if isinstance(info_title, str) and info_title.strip() else None
    if title is None and paragraphs and len(paragraphs[0]) <= 80:
        title, paragraphs = paragraphs[0], paragraphs[1:]
    return Draft(title=title, text=paragraphs)
