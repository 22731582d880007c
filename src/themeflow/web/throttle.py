"""Throttling of wrong API tokens, per client, so the token cannot be guessed at network speed.

Every place a visitor *offers* a token counts: the login form, a ``token`` form field and an API
``Authorization: Bearer`` header. The first :attr:`LoginThrottle.free` failures in a window cost nothing
(typos happen); each failure after that locks the client out for a delay that doubles, up to
:attr:`LoginThrottle.max_delay`. While locked out every attempt is answered 429 with ``Retry-After``
*without looking at the token*, so even the right token does not get through early — otherwise the lockout
would still confirm a correct guess. A success clears the client's record.

Clients are told apart by their address. Behind a reverse proxy every visitor shares the proxy's address,
so one guesser slows everyone; that is the safe side to fail on for a small team server. The state lives
in the process: several workers throttle separately (each still bounds the rate).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LoginThrottle", "Throttled"]


class Throttled(Exception):
    """A client is locked out for ``retry_after`` more seconds."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(f"too many wrong tokens from this address; try again in {self.retry_after} s")


@dataclass
class _Record:
    failures: int
    last: float
    """When the latest failure happened: a quiet ``window`` after it forgives the record."""
    locked_until: float


class LoginThrottle:
    """Failed token attempts per client address, with an exponential lockout."""

    def __init__(
        self,
        *,
        free: int = 5,
        window: float = 600.0,
        base_delay: float = 2.0,
        max_delay: float = 900.0,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = free
        self.window = window
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_clients = max_clients
        self.clock = clock
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Raise :class:`Throttled` while ``client`` is locked out; call before comparing its token."""
        now = self.clock()
        with self._lock:
            rec = self._records.get(client)
            if rec is not None and rec.locked_until > now:
                raise Throttled(rec.locked_until - now)

    def failure(self, client: str) -> float:
        """Record a wrong token; returns the lockout it earned in seconds (0 while still free)."""
        now = self.clock()
        with self._lock:
            rec = self._records.get(client)
            if rec is None or (now - rec.last > self.window and rec.locked_until <= now):
                rec = self._records[client] = _Record(0, now, 0.0)
            rec.failures += 1
            rec.last = now
            delay = 0.0
            if rec.failures > self.free:
                delay = min(self.max_delay, self.base_delay * 2 ** (rec.failures - self.free - 1))
                rec.locked_until = now + delay
            if len(self._records) > self.max_clients:
                self._prune(now)
            return delay

    def success(self, client: str) -> None:
        with self._lock:
            self._records.pop(client, None)

    def failures(self, client: str) -> int:
        with self._lock:
            rec = self._records.get(client)
            return rec.failures if rec else 0

    def _prune(self, now: float) -> None:
        """Forget clients whose window has passed and who are not locked out (bounds memory under a scan)."""
        stale = [c for c, r in self._records.items() if now - r.last > self.window and r.locked_until <= now]
        for c in stale:
            del self._records[c]
        while len(self._records) > self.max_clients:  # all recent: drop the oldest records
            oldest = min(self._records, key=lambda c: self._records[c].last)
            del self._records[oldest]
