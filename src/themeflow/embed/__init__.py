"""Dense vectors for semantic search: the ``Embedder`` protocol, the bundled e5 embedder, and the pipeline
that gives stored documents their vectors.

Importing this package is cheap (no numpy, no model): :func:`available` asks whether the ``semantic`` extra
is installed without importing it, so ingest and start-up pay nothing when it is not.
"""

from themeflow.embed.base import INSTALL_HINT, MAX_PASSAGE_CHARS, Embedder, available, passage_text

__all__ = ["INSTALL_HINT", "MAX_PASSAGE_CHARS", "Embedder", "available", "passage_text"]
