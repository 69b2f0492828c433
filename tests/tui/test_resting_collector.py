"""The collector's full passes wait for the keyboard to rest, then take everything (the
frozen objects too, so nothing dead is kept) and freeze what survives."""

from __future__ import annotations

import gc

import pytest

from console.tui.collector import RESTING_SECONDS, RestingCollector


class Ticker:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def passes():
    """The generations of the collector's passes while the test runs."""
    seen: list[int] = []

    def note(phase: str, info: dict) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(note)
    yield seen
    gc.callbacks.remove(note)
    gc.unfreeze()


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_no_full_pass_while_keys_come_then_one_when_they_rest(passes):
    now = Ticker()
    collector = RestingCollector(now)
    collector.input()
    now.t += RESTING_SECONDS / 2
    assert not collector.rested()
    assert 2 not in passes
    collector.input()
    now.t += RESTING_SECONDS
    assert collector.rested()
    assert 2 in passes
    assert gc.get_freeze_count() > 0  # what survived is kept out of the next passes
    passes.clear()
    now.t += RESTING_SECONDS  # nothing typed, nothing promoted since: no second pass
    gc.disable()  # (no pass of its own in between to promote anything)
    try:
        assert not collector.rested()
    finally:
        gc.enable()
    assert 2 not in passes


def test_what_died_after_a_freeze_is_collected_at_the_next_rest(passes):
    import weakref

    now = Ticker()
    collector = RestingCollector(now)
    kept = Cycle()
    gone = weakref.ref(kept)
    collector.collect()  # frozen while alive
    del kept
    gc.collect()
    assert gone() is not None  # a pass on its own schedule leaves the frozen alone
    collector.input()
    now.t += RESTING_SECONDS
    assert collector.rested()
    assert gone() is None
