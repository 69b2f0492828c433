"""Hybrid logical clock: orders events across consoles whose wall clocks disagree.

Text form `WWWWWWWWWWWWW-CCCCC` (13-digit ms, 5-digit counter) sorts as it orders.
"""

from __future__ import annotations

from msgspec import Struct

# A remote stamp further ahead than this is clamped, so one bad clock cannot drag
# every console's time into the future.
MAX_DRIFT_MS = 5 * 60 * 1000


class HLC(Struct, frozen=True, order=True):
    wall_ms: int
    counter: int = 0

    def __str__(self) -> str:
        return f"{self.wall_ms:013d}-{self.counter:05d}"

    @classmethod
    def parse(cls, text: str) -> HLC:
        wall, _, counter = text.partition("-")
        if not (wall.isdigit() and counter.isdigit() and text.isascii()):
            raise ValueError(f"not an HLC stamp: {text!r}")
        return cls(int(wall), int(counter))


MAX_COUNTER = 99_999  # five digits: the text form must keep sorting as it orders


def _next(wall_ms: int, counter: int) -> HLC:
    """`counter` at `wall_ms`, rolling into the next millisecond rather than growing a
    sixth digit (a peer's stamp at the top of the range cannot lengthen ours)."""
    if counter > MAX_COUNTER:
        return HLC(wall_ms + 1, 0)
    return HLC(wall_ms, counter)


def tick(last: HLC, physical_ms: int) -> HLC:
    """Stamp a local event."""
    if physical_ms > last.wall_ms:
        return HLC(physical_ms, 0)
    return _next(last.wall_ms, last.counter + 1)


def receive(last: HLC, remote: HLC, physical_ms: int, max_drift_ms: int = MAX_DRIFT_MS) -> HLC:
    """Merge a remote stamp; remote wall time beyond `max_drift_ms` ahead of our clock is
    clamped, so one peer can never push our clock further than that."""
    remote = min(remote, HLC(physical_ms + max_drift_ms, remote.counter))
    wall = max(last.wall_ms, remote.wall_ms, physical_ms)
    if wall == last.wall_ms == remote.wall_ms:
        counter = max(last.counter, remote.counter) + 1
    elif wall == last.wall_ms:
        counter = last.counter + 1
    elif wall == remote.wall_ms:
        counter = remote.counter + 1
    else:
        counter = 0
    return _next(wall, counter)
