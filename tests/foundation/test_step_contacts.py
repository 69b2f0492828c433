"""Who a step pages is worked out from who is on call now, team by team, and what was
worked out is used again only while those teams have the same people on call."""

from __future__ import annotations

from datetime import timedelta


def _paged(service, incident_id: str) -> list[str | None]:
    inc = service.get(incident_id)
    first = service.plan(inc)[0]
    return [c["person"] for target in service.step_contacts(inc, first) for c in target["contacts"]]


def test_an_override_changes_who_the_step_pages_in_the_same_service(service, clock):
    inc = service.declare("Checkout down", "SEV2", [], ["payment-api"], "alerts")
    team = service.view(inc.id)["responsibility"]["responsible_team"]["team"]
    before = _paged(service, inc.id)
    on_call = service.on_call(team).person
    assert on_call in before
    other = next(p.id for p in service.org.people.values() if p.id not in before)
    now = clock.now()
    service.override(team, other, now - timedelta(minutes=1), now + timedelta(hours=2))
    after = _paged(service, inc.id)
    assert other in after and on_call not in after
    clock.advance(minutes=150)  # the override is over: the schedule's person again
    assert _paged(service, inc.id) == before
