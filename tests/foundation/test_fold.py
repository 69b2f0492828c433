"""Incident = fold(events): order of arrival never matters; plain fields are
last-writer-wins, ticks are an add-wins set (an untick removes only what it saw)."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from fkit import T0
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.model.clock import ManualClock, iso
from console.model.errors import InputError
from console.model.events import Event
from console.model.fold import fold
from console.model.org import load_org
from console.service import IncidentService
from console.store import Store, projections
from console.store import events as event_log

ORG = load_org()
PEOPLE = ["ann", "bob", "cy"]

OPS = st.one_of(
    st.tuples(st.just("severity"), st.sampled_from(["SEV1", "SEV2", "SEV3", "SEV4", "SEV5"])),
    st.tuples(
        st.just("status"),
        st.sampled_from(["investigating", "identified", "mitigating", "monitoring"]),
    ),
    st.tuples(st.just("note"), st.sampled_from(["rolled back", "traffic shifted", "watching"])),
    st.tuples(st.just("tick"), st.integers(1, 6), st.booleans()),
    st.tuples(st.just("untick"), st.integers(1, 6)),
    st.tuples(
        st.just("assign"),
        st.sampled_from(["scribe", "communications", "operations"]),
        st.sampled_from(PEOPLE),
    ),
    st.tuples(
        st.just("handoff"), st.sampled_from(["commander", "scribe"]), st.sampled_from(PEOPLE)
    ),
    st.tuples(st.just("accept"), st.sampled_from(["commander", "scribe"]), st.sampled_from(PEOPLE)),
    st.tuples(
        st.just("add_service"), st.sampled_from(["orders-db", "cdn", "auth-service", "cart"])
    ),
    st.tuples(st.just("resolve")),
    st.tuples(st.just("reopen")),
    st.tuples(st.just("advance"), st.integers(1, 40)),
)


def apply_op(svc: IncidentService, clock: ManualClock, incident_id: str, op: tuple) -> None:
    """One command as a person would give it; refusals (InputError) are part of life."""
    kind, *args = op
    actor = svc.actor
    try:
        if kind == "advance":
            clock.advance(minutes=args[0])
        elif kind == "severity":
            svc.set_severity(incident_id, args[0])
        elif kind == "status":
            svc.set_status(incident_id, args[0])
        elif kind == "note":
            svc.note(incident_id, args[0])
        elif kind == "tick":
            svc.tick(incident_id, str(args[0]), ack=args[1])
        elif kind == "untick":
            svc.untick(incident_id, str(args[0]))
        elif kind == "assign":
            svc.assign(incident_id, args[0], args[1])
        elif kind == "handoff":
            svc.handoff(incident_id, args[0], args[1])
        elif kind == "accept":
            svc.actor = args[1]
            svc.accept(incident_id, args[0])
        elif kind == "add_service":
            svc.add_service(incident_id, args[0])
        elif kind == "resolve":
            svc.resolve(incident_id, "fixed")
        elif kind == "reopen":
            svc.reopen(incident_id)
    except InputError:
        pass
    finally:
        svc.actor = actor


def comparable(inc):
    """The fold result plus what it plans, at a fixed instant."""
    now = T0 + timedelta(hours=6)
    return inc, inc.plan(now)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=1, max_size=25), data=st.data())
def test_fold_does_not_depend_on_event_order(ops, data):
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "one.db")
        clock = ManualClock(T0)
        svc = IncidentService(store, ORG, clock, actor="ic")
        inc = svc.declare(
            "Orders failing",
            data.draw(st.sampled_from(["SEV1", "SEV2", "SEV3"])),
            services=["order-service"],
        )
        for op in ops:
            apply_op(svc, clock, inc.id, op)
        evs = event_log.for_incident(store.conn, inc.id)
        shuffled = data.draw(st.permutations(evs))
        expected = fold(evs)
        assert comparable(fold(shuffled)) == comparable(expected)
        assert comparable(fold(list(reversed(evs)))) == comparable(expected)
        # The stored projection is the fold of the stored events.
        assert projections.get(store.conn, inc.id) == projections.row_for(expected)
        store.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(st.tuples(st.sampled_from("AB"), OPS), min_size=1, max_size=24), data=st.data())
def test_two_consoles_offline_converge_whatever_the_merge_order(ops, data):
    """Two devices act on the same incident offline, then exchange their events in
    any order: both end with the same projection, view and fold."""
    with tempfile.TemporaryDirectory() as tmp:
        clock = ManualClock(T0)
        a = IncidentService(Store(Path(tmp) / "a.db"), ORG, clock, actor="ann")
        b = IncidentService(Store(Path(tmp) / "b.db"), ORG, clock, actor="bob")
        inc = a.declare("Checkout errors", "SEV2", services=["checkout-api"])
        b.apply_remote(event_log.for_incident(a.store.conn, inc.id))
        for who, op in ops:
            apply_op(a if who == "A" else b, clock, inc.id, op)
        a_evs = event_log.for_incident(a.store.conn, inc.id)
        b_evs = event_log.for_incident(b.store.conn, inc.id)
        a_ids = {e.event_id for e in a_evs}
        b_ids = {e.event_id for e in b_evs}
        to_a = data.draw(st.permutations([e for e in b_evs if e.event_id not in a_ids]))
        to_b = data.draw(st.permutations([e for e in a_evs if e.event_id not in b_ids]))
        # Deliver in pages of random size, in random order.
        for svc, pending in ((a, to_a), (b, to_b)):
            while pending:
                n = data.draw(st.integers(1, len(pending)))
                svc.apply_remote(pending[:n])
                pending = pending[n:]
        assert projections.snapshot(a.store.conn) == projections.snapshot(b.store.conn)
        now = T0 + timedelta(hours=3)
        assert a.view(inc.id, now) == b.view(inc.id, now)
        union = event_log.for_incident(a.store.conn, inc.id)
        assert comparable(fold(data.draw(st.permutations(union)))) == comparable(a.get(inc.id))
        a.store.close()
        b.store.close()


# ------------------------------------------------------------------ hand-built events: exact semantics


def ev(kind, body, hlc, origin="dev-a", actor="ann", at=T0, event_id=None):
    return Event(event_id or f"e-{hlc}-{origin}", "INC-1", kind, body, actor, origin, hlc, iso(at))


def declared(hlc="0000000000001-00000", severity="SEV1"):
    policy = {"steps": ORG.policy(), "overdue_after_seconds": 60}
    return ev(
        "declared",
        {
            "title": "DB down",
            "severity": severity,
            "layers": ["data"],
            "services": [],
            "policy": policy,
            "pattern": "sre-mediated",
            "commander": "ann",
        },
        hlc,
    )


def steps(inc, now=T0 + timedelta(minutes=1)):
    return {s.key: s.state for s in inc.plan(now)}


def test_plain_fields_are_last_writer_wins_by_hlc_then_origin():
    d = declared()
    s_a = ev("severity_set", {"severity": "SEV2"}, "0000000000005-00000", origin="dev-a")
    s_b = ev("severity_set", {"severity": "SEV3"}, "0000000000005-00000", origin="dev-b")
    t_a = ev("status_set", {"status": "identified"}, "0000000000009-00000", origin="dev-a")
    t_b = ev("status_set", {"status": "mitigating"}, "0000000000007-00000", origin="dev-b")
    for order in ([d, s_a, s_b, t_a, t_b], [t_b, s_b, t_a, d, s_a], [s_a, t_a, d, t_b, s_b]):
        inc = fold(order)
        assert inc.severity == "SEV3"  # same hlc: origin breaks the tie
        assert inc.status == "identified"  # the later hlc wins, whatever arrived last


def test_concurrent_tick_and_untick_add_wins():
    """A ticked and B unticked what B had seen; A's concurrent ack was not seen by B,
    so it survives the merge in either order."""
    d = declared()
    t1 = ev(
        "step_ticked", {"step": "SEV1+0", "mark": "notified"}, "0000000000002-00000", event_id="t1"
    )
    untick = ev(
        "step_unticked",
        {"step": "SEV1+0", "removes": ["t1"]},
        "0000000000004-00000",
        origin="dev-b",
        actor="bob",
        event_id="u1",
    )
    for ack_hlc in ("0000000000003-00000", "0000000000005-00000"):  # before or after the untick
        t2 = ev("step_ticked", {"step": "SEV1+0", "mark": "acknowledged"}, ack_hlc, event_id="t2")
        for order in ([d, t1, untick, t2], [t2, untick, t1, d], [untick, d, t2, t1]):
            inc = fold(order)
            assert set(inc.tick_marks) == {"t2"}
            assert steps(inc)["SEV1+0"] == "acknowledged"
    # Without the concurrent ack, the untick leaves the step open again.
    assert steps(fold([d, t1, untick]))["SEV1+0"] in ("due", "overdue")


def test_untick_removes_what_it_saw_even_when_its_stamp_sorts_first():
    """A console whose clock ran ahead stamped a tick beyond the HLC drift clamp; the
    console that unticked it has a smaller stamp. The untick must still win over the
    tick it observed: the set is add-wins, not order-dependent."""
    d = declared()
    ahead = ev(
        "step_ticked",
        {"step": "SEV1+0", "mark": "notified"},
        "0000000900000-00000",
        origin="dev-fast",
        event_id="t-ahead",
    )
    untick = ev(
        "step_unticked",
        {"step": "SEV1+0", "removes": ["t-ahead"]},
        "0000000300000-00000",
        origin="dev-b",
        event_id="u-behind",
    )
    for order in ([d, ahead, untick], [d, untick, ahead], [untick, ahead, d]):
        inc = fold(order)
        assert inc.tick_marks == {}
        assert steps(inc)["SEV1+0"] in ("due", "overdue")


def test_notes_are_an_add_wins_set():
    d = declared()
    n1 = ev("note_added", {"text": "from A"}, "0000000000003-00000", origin="dev-a")
    n2 = ev("note_added", {"text": "from B"}, "0000000000003-00000", origin="dev-b")
    for order in ([d, n1, n2], [n2, n1, d]):
        assert [n.text for n in fold(order).notes] == ["from A", "from B"]


def test_duplicate_events_are_stored_once(service):
    inc = service.declare("Cart slow", "SEV3", services=["cart"])
    service.note(inc.id, "one")
    evs = event_log.for_incident(service.store.conn, inc.id)
    before = projections.snapshot(service.store.conn)
    assert service.apply_remote(evs) == []
    assert projections.snapshot(service.store.conn) == before
    assert len(event_log.for_incident(service.store.conn, inc.id)) == len(evs)


def test_second_declaration_of_the_same_id_merges_scope():
    first = declared("0000000000001-00000")
    other = Event(
        "x2",
        "INC-1",
        "declared",
        {**first.body, "title": "other", "layers": ["edge"]},
        "bob",
        "dev-b",
        "0000000000002-00000",
        iso(T0),
    )
    for order in ([first, other], [other, first]):
        inc = fold(order)
        assert inc.title == "DB down" and inc.layers == ["data", "edge"]
