"""However real time is chopped into ticks (the TUI's timer, any speed, pauses),
the drill stops its simulated clock at every moment something is due, so the
scorecard is the one the headless run computes in a single jump."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.drills import library
from console.drills.session import DrillSession
from console.store import Store

SCN, ORG = library.load("payment-logic-bug")
_reference: dict = {}


def _card(session: DrillSession) -> dict:
    card = dict(session.scorecard)
    card.pop("speed")
    return card


def reference(tmp_path_factory) -> dict:
    if not _reference:
        s = DrillSession(
            SCN, ORG, Store(tmp_path_factory.mktemp("ref") / "d.db"), autopilot="ideal"
        )
        s.run_to_end()
        _reference["card"] = _card(s)
    return _reference["card"]


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ticks=st.lists(
        st.tuples(st.floats(0.01, 3.0), st.sampled_from([1, 5, 30, 60]), st.booleans()),
        min_size=1,
        max_size=40,
    )
)
def test_scorecard_does_not_depend_on_how_time_is_chopped(tmp_path_factory, ticks):
    s = DrillSession(SCN, ORG, Store(tmp_path_factory.mktemp("chop") / "d.db"), autopilot="ideal")
    s.start()
    for real, speed, pause in ticks:
        if s.ended:
            break
        s.set_speed(speed)
        if pause:
            s.toggle_pause()
            s.advance(real)  # nothing moves while paused
            s.toggle_pause()
        s.advance(real)
    s.run_until(s.end_at)
    assert _card(s) == reference(tmp_path_factory)
