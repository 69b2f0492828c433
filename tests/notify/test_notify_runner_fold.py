"""The runner reads each incident through its own fold cache (its state from the last
pass plus the new events), not by refolding the log: what it sees must still be the
whole log folded, whoever wrote the new events (the commander's console on another
connection, a page pulled from a laptop with events stamped before the runner's own).
A cache that missed them would page the wrong people."""

from __future__ import annotations

from nkit import T0

from console.model.clock import ManualClock
from console.model.fold import fold
from console.model.incident import Incident
from console.model.paging.decide import decide
from console.service import IncidentService
from console.store import Store
from console.store import events as event_log


def _full_fold(store: Store, incident_id: str):
    return fold(event_log.for_incident(store.conn, incident_id))


def _as_read(inc: Incident) -> Incident:
    """Without the empty subsystem states a reader makes on first look (comms_state()
    adds an empty CommsState): the same incident, with or without them."""
    out = inc.fork()
    out.extra = {k: v for k, v in inc.extra.items() if v != type(v)()}
    return out


def test_the_runners_view_is_the_full_fold_after_other_writers(world, tmp_path):
    inc = world.service.declare("Checkout down", "SEV1", services=["payment-api"])
    runner_store = Store(world.db_path)  # the runner's own connection, as in the TUI and serve
    laptop_store = Store(tmp_path / "laptop.db")
    try:
        runner = world.runner(store=runner_store)
        laptop = IncidentService(laptop_store, world.org, ManualClock(T0), actor="aoi.matsumoto")
        laptop.apply_remote(world.service.events(inc.id))  # the laptop pulled the incident

        def same_as_the_log() -> None:
            seen = runner._fold(inc.id)
            assert seen is not None
            assert _as_read(seen) == _as_read(_full_fold(runner_store, inc.id))
            now = world.clock.now()
            on_call = runner.service.on_call_now(now)
            assert decide(seen, world.org, runner.cfg, now, on_call) == decide(
                _full_fold(runner_store, inc.id), world.org, runner.cfg, now, on_call
            )

        # The laptop writes before it sees the runner's pages; sync brings its events later,
        # stamped before the runner's newest one, so a state cannot simply be extended.
        laptop.set_severity(inc.id, "SEV3")
        laptop.note(inc.id, "it is only the EU region")
        pulled = laptop.events(inc.id)[1:]
        assert len(pulled) == 2

        first = runner.run_once()  # warms the runner's cache with what it queued
        assert first.queued
        same_as_the_log()

        world.at(2)  # the commander, on the console's own connection
        world.service.note(inc.id, "rolling back the deploy")
        world.service.set_status(inc.id, "identified")
        same_as_the_log()

        here = event_log.for_incident(runner_store.conn, inc.id)
        assert min(e.sort_key for e in pulled) < max(e.sort_key for e in here)
        world.service.apply_remote(pulled)
        same_as_the_log()
        assert runner._fold(inc.id).severity == "SEV3"

        world.at(20)  # the SEV1 steps would be due now: the runner must not page them
        later = runner.run_once()
        assert not [q for q in later.queued if q["step"] and q["step"].startswith("SEV1")]
        same_as_the_log()

        # A second writer with its own Store on the same file, while the runner is warm.
        other_store = Store(world.db_path)
        try:
            IncidentService(other_store, world.org, world.clock, actor="ben.okafor").set_severity(
                inc.id, "SEV1"
            )
        finally:
            other_store.close()
        same_as_the_log()
        assert runner._fold(inc.id).severity == "SEV1"
    finally:
        laptop_store.close()
        runner_store.close()
