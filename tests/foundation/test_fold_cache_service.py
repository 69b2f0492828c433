"""The service over the fold cache: a command rolled back by its caller is forgotten,
get() hands out a copy later commands leave alone, the kept metrics facts follow
commands that are not fact events, and rebuild drops the snapshots."""

from __future__ import annotations

import copy
from typing import get_origin

import pytest
from msgspec.structs import asdict, fields

from console.model import events as ev
from console.model.folds.paging import PagingState, state_of
from console.store import folded, projections


def test_a_rolled_back_event_is_not_kept(service):
    inc = service.declare("Checkout down", "SEV2", [], ["payment-api"], "alerts")
    service.note(inc.id, "first")
    with pytest.raises(RuntimeError), service.store.transaction():
        service.note(inc.id, "never stored")
        raise RuntimeError("the caller's transaction fails after the command")
    after = service.get(inc.id)
    assert [n.text for n in after.notes] == ["first"]
    assert after.event_count == 2
    service.note(inc.id, "second")  # the rolled-back row's seq is used again
    assert [n.text for n in service.get(inc.id).notes] == ["first", "second"]


def test_get_hands_out_a_copy_later_commands_do_not_change(service):
    inc = service.declare("Checkout down", "SEV2", [], ["payment-api"], "alerts")
    seen = service.get(inc.id)
    service.note(inc.id, "later")
    service.set_severity(inc.id, "SEV1")
    assert (seen.severity, seen.event_count, seen.notes) == ("SEV2", 1, [])
    assert service.get(inc.id).severity == "SEV1"


def test_facts_follow_commands_that_are_not_fact_events(service, clock):
    """Status changes move the figures (time to mitigate, to resolve) without a fact
    event: the kept figures must notice."""
    inc = service.declare("Checkout down", "SEV2", [], ["payment-api"], "alerts")
    conn = service.store.conn
    for step in ("monitoring", "investigating", "resolved", "reopen", "note"):
        clock.advance(minutes=5)
        if step == "reopen":
            service.reopen(inc.id)
        elif step == "note":
            service.note(inc.id, "still here")
        else:
            service.set_status(inc.id, step)
        kept = projections.facts_snapshot(conn)
        with service.store.transaction():
            projections.rebuild_facts(conn)
        assert projections.facts_snapshot(conn) == kept, step


def test_rebuild_drops_snapshots_and_folds_the_same(service, monkeypatch):
    monkeypatch.setattr(folded, "SNAPSHOT_EVERY", 2)
    inc = service.declare("Checkout down", "SEV2", [], ["payment-api"], "alerts")
    for i in range(5):
        service.note(inc.id, f"note {i}")
    conn = service.store.conn
    assert conn.execute("SELECT count(*) FROM fold_snapshots").fetchone()[0] == 1
    before = projections.snapshot(conn)
    service.rebuild()
    assert conn.execute("SELECT count(*) FROM fold_snapshots").fetchone()[0] == 0
    assert projections.snapshot(conn) == before
    assert service.get(inc.id).event_count == 6


def test_get_hands_out_paging_state_later_pages_do_not_change(service):
    """The paging state's own copy (a fork shares the intent bodies, never edited)."""
    inc = service.declare("Orders DB down", "SEV1", ["data"], ["orders-db"], "alerts")
    service.record(
        inc.id,
        ev.PageQueued(
            key="k1", kind="trigger", step="SEV1+0", target="kenji.sato", channels=["sms"]
        ),
    )
    seen = service.get(inc.id)
    before = {name: copy.deepcopy(value) for name, value in asdict(state_of(seen)).items()}
    service.record(
        inc.id,
        ev.PageQueued(
            key="k2",
            kind="trigger",
            step="SEV1+0",
            target="kenji.sato",
            round=1,
            channels=["slack"],
        ),
    )
    service.record(inc.id, ev.PageDelivered(key="k2@slack", channel="slack"))
    service.record(inc.id, ev.PageFailed(key="k1@sms", channel="sms", error="busy"))
    service.record(inc.id, ev.PageAbandoned(key="k1@sms", channel="sms"))
    service.record(inc.id, ev.PageAcknowledged(target="kenji.sato", step="SEV1+0"))
    service.record(inc.id, ev.SeverityConfirmed(severity="SEV1"))
    assert asdict(state_of(seen)) == before
    now = state_of(service.get(inc.id))
    assert now.pages[("SEV1+0", "kenji.sato")].rounds.keys() == {0, 1}
    assert now.acks and now.abandoned and now.failures and now.severity_confirmed_at


def test_a_paging_state_copy_keeps_every_field():
    """A field added to PagingState and forgotten by its copy would come back empty."""
    sample = {set: {"x"}, dict: {"x": 1}, list: ["x"]}
    filled = {f.name: sample.get(get_origin(f.type), 1) for f in fields(PagingState)}
    state = PagingState(**{**filled, "acks": ["ack"], "pages": {}})
    assert copy.deepcopy(state) == state
