"""``themeflow embed --ray``: the documents without a vector embedded in batches by Ray tasks, each worker
loading the bundled model once and keeping its batch's vectors in one transaction (``ray_pool.py``)."""

from __future__ import annotations

from collections.abc import Callable

from themeflow.cluster.ray_pool import RayPool, shared_location
from themeflow.cluster.tasks import embed_batch
from themeflow.store.base import Store

__all__ = ["embed_missing_with_ray"]


def embed_missing_with_ray(
    store: Store,
    location: str,
    model_id: str,
    *,
    batch: int,
    limit: int | None = None,
    address: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Embed what ``model_id`` has no vector for (at most ``limit``) on the cluster; returns vectors kept."""
    location = shared_location(location)
    todo = store.vectors.missing(model_id, limit)
    if not todo:
        return 0
    pool = RayPool(embed_batch, address=address)
    done = [0]

    def kept(n: int) -> None:
        done[0] += n
        if on_progress is not None:
            on_progress(done[0], len(todo))

    try:
        for start in range(0, len(todo), max(batch, 1)):
            pool.submit(kept, location, todo[start : start + max(batch, 1)])
    finally:
        pool.close()
    return done[0]
