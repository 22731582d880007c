"""The outcome of one notification and the retry policy both channels share.

Why a record and not an exception: a notification is sent after the run is committed. A receiver that is
down must not turn a good run into a failed one (the next run would report the same stories again); the
run keeps its result, and the failed delivery is shown, logged and can be sent again
(``themeflow workflow notify NAME``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from themeflow.notify.notice import RunNotice

__all__ = ["Channel", "Delivery", "Notifier", "Retry"]

Channel = Literal["webhook", "email", "settings"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One channel's outcome: where it went (no secrets in ``target``), how many tries, and why not."""

    channel: Channel
    target: str
    ok: bool
    attempts: int
    error: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The JSON form (``workflow run --json``, ``workflow notify --json``)."""
        return {
            "channel": self.channel,
            "target": self.target,
            "ok": self.ok,
            "attempts": self.attempts,
            "error": self.error,
        }

    def describe(self) -> str:
        tries = f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}"
        if self.ok:
            return f"{self.channel} → {self.target}: delivered ({tries})"
        return f"{self.channel} → {self.target}: NOT delivered after {tries}: {self.error}"


class Notifier(Protocol):
    """A channel that tells someone about a run."""

    channel: Channel

    def send(self, notice: RunNotice) -> Delivery: ...


@dataclass(frozen=True, slots=True)
class Retry:
    """Tries per notification and the waits between them: exponential backoff with jitter, or what the
    receiver asks for (``Retry-After``), never longer than ``max_wait`` seconds."""

    attempts: int = 4
    backoff: float = 2.0
    max_wait: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def wait(self, attempt: int, asked: float | None = None) -> None:
        """Sleep before try ``attempt + 1``: ``asked`` when the receiver named a time, else the backoff
        doubled per try with up to 25% jitter (so a crowd of runs does not retry in step)."""
        base = asked if asked is not None else self.backoff * 2 ** (attempt - 1)
        jitter = 0.0 if asked is not None else random.uniform(0, 0.25 * base)  # noqa: S311 - not crypto
        self.sleep(max(0.0, min(self.max_wait, base + jitter)))
