"""While a joining console's history arrives, the screens reload at a bounded rate (the
first burst at once, the rest held and handed on together), and everything held reaches
them as soon as the history is in. Outside a history every burst goes straight through."""

from __future__ import annotations

from tuikit import make_app, open_service, settle, wait_for

from console.sync.worker import SyncStatus
from console.tui.app import IncidentsChanged, SyncStatusChanged
from console.tui.pacing import HistoryPacer
from console.tui.widgets.board_table import BoardTable


class _Timers:
    """A stand-in for the UI loop's timers: records what was asked, fires on demand."""

    def __init__(self):
        self.asked: list[float] = []
        self.pending = None
        self.stopped = 0

    def later(self, seconds, callback):
        self.asked.append(seconds)
        self.pending = callback
        return self

    def stop(self):
        self.stopped += 1
        self.pending = None

    def fire(self):
        callback, self.pending = self.pending, None
        callback()


def _pacer():
    bursts: list[tuple[str, ...]] = []
    timers = _Timers()
    return HistoryPacer(bursts.append, timers.later, every=3600), bursts, timers


def test_outside_a_history_every_burst_goes_straight_through():
    pacer, bursts, timers = _pacer()
    pacer.changed(("INC-1",))
    pacer.changed(("INC-2", "INC-1"))
    assert bursts == [("INC-1",), ("INC-2", "INC-1")]
    assert timers.asked == []


def test_while_a_history_arrives_bursts_are_held_and_handed_on_together():
    pacer, bursts, timers = _pacer()
    pacer.history(True)
    pacer.changed(("INC-7",))  # the open incidents a join brought: at once
    assert bursts == [("INC-7",)]
    for page in (("INC-1", "INC-2"), ("INC-2", "INC-3"), ("INC-1",)):
        pacer.changed(page)
    assert bursts == [("INC-7",)]  # held, one release pending
    assert len(timers.asked) == 1 and timers.asked[0] > 0
    assert pacer.held == ("INC-1", "INC-2", "INC-3")
    timers.fire()
    assert bursts == [("INC-7",), ("INC-1", "INC-2", "INC-3")]  # each once, first changed first
    assert pacer.held == () and pacer.released == 2


def test_the_end_of_the_history_releases_what_is_held_at_once():
    pacer, bursts, timers = _pacer()
    pacer.history(True)
    pacer.changed(("INC-1",))
    pacer.changed(("INC-2",))
    pacer.changed(("INC-3",))
    assert bursts == [("INC-1",)]
    pacer.history(False)
    assert bursts == [("INC-1",), ("INC-2", "INC-3")]
    assert timers.stopped == 1 and timers.pending is None
    pacer.changed(("INC-4",))  # a live war room again: straight through
    assert bursts[-1] == ("INC-4",)


async def test_the_board_shows_what_arrived_during_the_history_once_it_is_in(
    service, db_path, org, clock
):
    app = make_app(service)
    app.pacer.every = 3600  # no timed release during the test: only the history's end
    other = open_service(db_path, org, clock, actor="ana")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            arriving = SyncStatus(state="connected", history=(10, 1000), joined=1)
            app.post_message(SyncStatusChanged(arriving))
            first = other.declare("Edge 503s everywhere", "SEV1", layers=["edge"]).id
            app.post_message(IncidentsChanged((first,)))  # the join's open incidents

            def on_board():
                return [r["id"] for r in app.screen.query_one(BoardTable).visible_rows()]

            await wait_for(pilot, lambda: on_board() == [first])
            second = other.declare("Orders DB lag", "SEV2", layers=["data"]).id
            app.post_message(IncidentsChanged((second,)))  # a page of history
            await wait_for(pilot, lambda: second in app.pacer.held)
            await settle(pilot)
            assert on_board() == [first]  # held while the history arrives
            app.post_message(SyncStatusChanged(SyncStatus(state="connected")))
            await wait_for(pilot, lambda: sorted(on_board()) == sorted([first, second]))
            assert app.pacer.held == ()
    finally:
        other.close()


class _Sync:
    """Stands in for the sync worker: what the app tells it about key presses."""

    def __init__(self):
        self.calls: list[str] = []

    def give_way(self):
        self.calls.append("give_way")

    def carry_on(self):
        self.calls.append("carry_on")

    def stop(self):
        self.calls.append("stop")


async def test_a_key_press_holds_the_history_pull_until_the_screen_has_answered(service):
    service.declare("Edge 503s everywhere", "SEV1", layers=["edge"])
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.sync = sync = _Sync()
        await pilot.press("slash")
        await wait_for(pilot, lambda: sync.calls == ["give_way", "carry_on"])
        assert app.screen.query_one("#filter").has_focus  # answered before the pull went on
