"""How long to wait before trying again, for sync and for paging alike: capped
exponential backoff with a jitter the caller supplies, and the Retry-After header.

Pure: randomness and the current time come from the caller, so a retry schedule
can be replayed exactly.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import UTC, datetime

_DELTA_SECONDS = re.compile(r"^-?\d+(\.\d+)?\Z")
_MAX_DOUBLINGS = 64  # far past any cap; keeps 2**attempt a finite float


@dataclass(frozen=True)
class Backoff:
    """`base` seconds before the first retry, doubling each time up to `cap`.

    A Retry-After from the other side wins when it is longer, up to
    `retry_after_cap` (a confused server cannot park us for a day); a
    `retry_after_spread` fraction of our own wait goes on top, so that clients
    told the same time do not all come back at once.
    """

    base: float
    cap: float
    retry_after_cap: float = 3600.0
    retry_after_spread: float = 0.0

    def exponential(self, attempt: int, jitter: float = 1.0) -> float:
        """The wait before retry `attempt` (0 for the first). `jitter` in [0, 1] is full
        jitter (a random draw); above 1 it stretches the wait, still within `cap`."""
        doublings = min(max(0, attempt), _MAX_DOUBLINGS)
        raw = min(self.cap, self.base * 2.0**doublings)
        return min(self.cap, raw * max(0.0, jitter))

    def honour(self, wait: float, retry_after: float | None) -> float:
        """`wait`, or the other side's Retry-After (seconds) when that is longer."""
        if retry_after is None:
            return wait
        asked = min(self.retry_after_cap, max(0.0, retry_after))
        return max(wait, asked + wait * self.retry_after_spread)

    def delay(self, attempt: int, jitter: float = 1.0, retry_after: float | None = None) -> float:
        return self.honour(self.exponential(attempt, jitter), retry_after)


def key_jitter(key: str, spread: float = 0.25) -> float:
    """A jitter in [1, 1 + spread) that depends only on `key`: retries of different
    pages spread out, while one page's schedule is the same on every runner."""
    return 1 + (sum(key.encode()) % 100) / 100 * spread


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date
    (measured from `now`). None when absent or unreadable; never negative."""
    text = (value or "").strip()
    if not text:
        return None
    if _DELTA_SECONDS.match(text):
        return max(0.0, float(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
