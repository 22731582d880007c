"""One BLAS thread while a summary is computed.

Why: the extractive summarizer multiplies small matrices (a few dozen sentences). OpenBLAS runs each
product on every core and the threads spend more time waking and spinning than multiplying: on 2 cores
summary + verification ran at 75 documents per CPU second with the default threads and at 122 with one
(``bench/summarize.py``). The limit is set only around a summary, so embedding and everything else keep
the library's own setting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

__all__ = ["one_blas_thread"]


@cache
def _controller() -> Any:
    from threadpoolctl import ThreadpoolController  # loaded on first use: it inspects the loaded libraries

    return ThreadpoolController()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with BLAS limited to one thread (a no-op where no BLAS library is loaded)."""
    with _controller().limit(limits=1, user_api="blas"):
        yield
