"""Mis-escalation judged from who actually acknowledged: the first responding team is
the team of the first acknowledger, recorded on the tick or the page acknowledgement."""

from __future__ import annotations

from datetime import UTC, datetime

from console.model.metrics import facts_of
from console.notify.actions import acknowledge


def at(clock, hh: int, mm: int) -> None:
    clock.set(datetime(2026, 3, 2, hh, mm, tzinfo=UTC))


def _first_team(svc, incident_id: str) -> str | None:
    return facts_of(svc.get(incident_id), svc.events(incident_id))[0].first_team


def test_a_tick_records_who_answered_and_their_team(make_service):
    svc, clock = make_service()
    at(clock, 9, 0)
    inc = svc.declare("Checkout errors", "SEV2", services=["checkout-api"])
    at(clock, 9, 3)
    svc.tick(inc.id, "SEV2+0", ack=True, by="haruto.inoue")
    tick = [e for e in svc.events(inc.id) if e.kind == "step_ticked"][-1]
    assert tick.body["acknowledger"] == "haruto.inoue"
    assert tick.body["acknowledger_team"] == "payments"
    # The step pages one person (Checkout's on-call): ticking it needs no name.
    other = svc.declare("Checkout slow", "SEV2", services=["checkout-api"])
    svc.tick(other.id, "SEV2+0", ack=True)
    tick = [e for e in svc.events(other.id) if e.kind == "step_ticked"][-1]
    assert tick.body["acknowledger"] == "yui.kimura"
    assert tick.body["acknowledger_team"] == "checkout"


def test_mis_escalation_is_judged_from_who_acknowledged(make_service):
    svc, clock = make_service()
    # Declared on checkout-api: Checkout is responsible. SRE's lead answered the support
    # page first and SRE resolved it: the first responding team resolved it, not
    # mis-routed (the responsible team at the acknowledgement, Checkout, would say so).
    at(clock, 9, 0)
    right = svc.declare("Checkout errors", "SEV2", services=["checkout-api"]).id
    at(clock, 9, 16)
    svc.tick(right, "SEV2+15", ack=True, by="yusuke.takeda")
    at(clock, 9, 40)
    svc.resolve(right, "cache flushed", cause_service="checkout-api", resolved_by_team="sre-core")
    # Declared on payment-api: Payments is responsible. Checkout's on-call acknowledged
    # first; Payments (the owner of the cause) resolved it: mis-routed, although the
    # responsible team at the first acknowledgement was the resolving team.
    at(clock, 10, 0)
    wrong = svc.declare("Card payments failing", "SEV2", services=["payment-api"]).id
    at(clock, 10, 3)
    acknowledge(svc, wrong, target="yui.kimura")
    ack = [e for e in svc.events(wrong) if e.kind == "page_acknowledged"][-1]
    assert ack.body["acknowledger_team"] == "checkout"
    at(clock, 10, 5)
    svc.tick(wrong, "SEV2+0", ack=True, by="haruto.inoue")
    at(clock, 10, 30)
    svc.resolve(wrong, "fixed", cause_service="payment-api")

    assert _first_team(svc, right) == "sre-core"
    assert _first_team(svc, wrong) == "checkout"
    by_team = {g["key"]: g["mis_escalation"] for g in svc.analysis().metrics()["by_team"]}
    assert (by_team["sre-core"]["misrouted"], by_team["sre-core"]["mispaged"]) == (0, 0)
    assert (by_team["payments"]["misrouted"], by_team["payments"]["mispaged"]) == (1, 0)
