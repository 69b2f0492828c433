"""The incremental fold is the fold: random logs, arriving in random orders with
stamps out of order (sync delivers events stamped before ours), folded through the
cache one arrival at a time, with snapshots written and new processes starting from
them, give the same incident and the same metrics facts as folding the whole log."""

from __future__ import annotations

import pytest
from fkit import T0
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.model import events
from console.model.clock import ManualClock
from console.model.events import Event
from console.model.fold import fold
from console.model.metrics import facts_of
from console.service import IncidentService
from console.store import Store, folded, projections
from console.store import events as event_log

STEPS = ["SEV1+0", "SEV1+15", "SEV2+0", "SEV2+30", "SEV3+0"]
TEAMS = ["platform", "sre", "payments"]


@pytest.fixture(scope="module")
def declared_body(org):
    """A real declaration's body (policy snapshot and all), from the service."""
    store = Store(":memory:")
    svc = IncidentService(store, org, ManualClock(T0), actor="tester")
    inc = svc.declare("Checkout down", "SEV2", [], ["payment-api"], "alerts")
    body = event_log.for_incident(store.conn, inc.id)[0].body
    store.close()
    return body


def _body(draw, kind: str, earlier_ticks: list[str]) -> dict:
    if kind == "note_added":
        return {"text": draw(st.text("abc ", min_size=1, max_size=5))}
    if kind == "severity_set":
        return {"severity": draw(st.sampled_from(["SEV1", "SEV2", "SEV3", "SEV4", "SEV5"]))}
    if kind == "status_set":
        return {"status": draw(st.sampled_from(["monitoring", "identified", "mitigating"]))}
    if kind == "step_ticked":
        return {
            "step": draw(st.sampled_from(STEPS)),
            "mark": draw(st.sampled_from(["notified", "acknowledged"])),
            "teams": draw(st.lists(st.sampled_from(TEAMS), max_size=2, unique=True)),
            "acknowledger_team": draw(st.none() | st.sampled_from(TEAMS)),
        }
    if kind == "step_unticked":
        removes = draw(st.lists(st.sampled_from(earlier_ticks), max_size=2, unique=True))
        return {"step": draw(st.sampled_from(STEPS)), "removes": removes}
    if kind == "service_added":
        return {"service": "search-api", "layer": "service", "responsible_team": "sre"}
    if kind == "role_assigned":
        return {"role": "operations", "person": draw(st.sampled_from(["ana", "bo"]))}
    if kind == "page_queued":
        return {"key": f"k{draw(st.integers(0, 3))}", "kind": "trigger", "target": "ana"}
    if kind == "page_acknowledged":  # a fact kind: the first responding team
        return {"target": "ana", "acknowledger_team": draw(st.none() | st.sampled_from(TEAMS))}
    if kind == "resolved":
        return {"summary": "", "resolved_by_team": draw(st.none() | st.sampled_from(TEAMS))}
    return {}  # reopened


KINDS = [
    "note_added",
    "severity_set",
    "status_set",
    "step_ticked",
    "step_unticked",
    "service_added",
    "role_assigned",
    "page_queued",
    "page_acknowledged",
    "resolved",
    "reopened",
    "from_a_newer_version",  # unknown to this version: kept, shown, changes nothing
]


@st.composite
def logs(draw, declared: dict):
    """(events in arrival order, what each arrival does: 'append' | 'sync' | 'restart')."""
    n = draw(st.integers(1, 25))
    in_order = draw(st.booleans())  # one console's commands: each folds onto the last
    ms = 1_767_225_600_000
    evs, ticks = [], []
    for i in range(n + 1):
        kind = "declared" if i == 0 else draw(st.sampled_from(KINDS))
        body = declared if i == 0 else _body(draw, kind, ticks or ["none"])
        if i == 0 and draw(st.booleans()):  # impact began before the declaration
            body = {**declared, "impact_started_at": "2025-12-31T23:50:00.000Z"}
        # skewed clocks: stamps go back too
        ms += draw(st.integers(1 if in_order else -120_000, 120_000))
        ev = Event(
            event_id=f"0000000{i:02d}-0000-7000-8000-{i:012x}",
            incident_id="INC-1",
            kind=kind,
            body=body,
            actor="tester",
            origin=draw(st.sampled_from(["dev-a", "dev-b"])),
            hlc=f"{ms:013d}-{draw(st.integers(0, 3)):05d}",
            at=f"2026-01-01T00:{i // 60:02d}:{i % 60:02d}.000Z",
        )
        if kind == "step_ticked":
            ticks.append(ev.event_id)
        evs.append(ev)
    order = range(len(evs)) if in_order else draw(st.permutations(range(len(evs))))
    how = draw(st.lists(st.sampled_from(["append", "sync", "restart"]), min_size=len(evs)))
    return [evs[i] for i in order], how[: len(evs)]


def _fresh(ev: Event) -> Event:
    """The event as the log gives it back (no cached body or time)."""
    return Event(**{k: getattr(ev, k) for k in ev.to_dict()})


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_incremental_fold_equals_the_full_fold(data, declared_body, monkeypatch):
    monkeypatch.setattr(folded, "SNAPSHOT_EVERY", 3)  # snapshots every few events
    arrivals, how = data.draw(logs(declared_body))
    store = Store(":memory:")
    conn = store.conn
    cache = folded.FoldCache()
    try:
        for ev, way in zip(arrivals, how, strict=True):
            ev = _fresh(ev)
            assert events.body_problem(ev.kind, ev.body) is None
            with store.transaction():
                if way == "restart":  # a new process: only the disk remains
                    cache = folded.FoldCache()
                if way == "append":  # a command: the state before, then the event
                    before = cache.state(conn, ev.incident_id)
                    event_log.insert(conn, ev)
                    state = cache.appended(conn, before, ev)
                else:  # sync or import: stored, then the state read back
                    event_log.insert(conn, ev)
                    state = cache.state(conn, ev.incident_id)
                assert state is not None
                projections.store_state(conn, state.inc, state.facts, state.figures)
        projected = projections.snapshot(conn), projections.facts_snapshot(conn)
        with store.transaction():
            projections.rebuild(conn)
        assert (projections.snapshot(conn), projections.facts_snapshot(conn)) == projected
        everything = event_log.for_incident(conn, "INC-1")
        expected = fold(everything)
        for reader in (cache, folded.FoldCache()):  # this process, and a new one
            got = reader.state(conn, "INC-1")
            assert got is not None and expected is not None
            assert got.inc == expected
            assert got.facts == sorted(got.facts, key=lambda e: e.sort_key)
            assert facts_of(got.inc, got.facts) == facts_of(expected, everything)
    finally:
        store.close()
