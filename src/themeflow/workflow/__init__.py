"""Saved themes and their incremental runs, schedules and digests.

- :mod:`.themes`: theme definitions from TOML or flags, validated.
- :mod:`.catalog`: add / list / show / edit / remove, and the seam to the store's workflow tables.
- :mod:`.runner`: one incremental run (window, stories, summaries, reports, run history).
- :mod:`.scheduler`: which themes are due, and the loop behind ``themeflow scheduler``.

The service (:class:`themeflow.service.Themeflow`) exposes all of it; import from here only records.
"""

from themeflow.model import LockHolder, RunItem, RunRecord

__all__ = ["LockHolder", "RunItem", "RunRecord"]
