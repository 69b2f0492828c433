"""Metrics do not depend on the order incidents were inserted, nor on the order their
events arrive (hypothesis): the same history written in another order, or replayed
through apply_remote shuffled and in random chunks, gives the same figures — and the
SQL percentiles agree with the pure Python ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.model import metrics as M
from console.model.clock import ManualClock
from console.service import IncidentService
from console.store import Store, events, projections

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)

SERVICES = ["checkout-api", "payment-api", "cdn", "orders-db", "auth-service"]

incident = st.fixed_dictionaries(
    {
        "service": st.sampled_from(SERVICES),
        "severity": st.sampled_from(["SEV1", "SEV2", "SEV3", "SEV4", "SEV5"]),
        "start": st.integers(0, 6 * 24 * 60),  # minutes after Monday 00:00
        "impact_before": st.integers(0, 20),
        "ack_after": st.one_of(st.none(), st.integers(0, 40)),
        "cause": st.one_of(
            st.none(), st.sampled_from(["orders-db", "payments-db", "session-cache"])
        ),
        "resolve_after": st.one_of(st.none(), st.integers(41, 300)),
        "drill": st.booleans(),
    }
)


def write(svc: IncidentService, clock: ManualClock, spec: dict) -> None:
    start = MONDAY + timedelta(minutes=spec["start"])
    clock.set(start)
    inc = svc.declare(
        "t",
        spec["severity"],
        services=[spec["service"]],
        impact_started_at=start - timedelta(minutes=spec["impact_before"]),
        drill="d" if spec["drill"] else None,
    ).id
    if spec["ack_after"] is not None:
        clock.set(start + timedelta(minutes=spec["ack_after"]))
        svc.tick(inc, "1")
        svc.tick(inc, "1", ack=True)
    if spec["cause"] and spec["cause"] != spec["service"]:
        clock.set(start + timedelta(minutes=40))
        svc.add_service(inc, spec["cause"])
    if spec["resolve_after"] is not None:
        clock.set(start + timedelta(minutes=spec["resolve_after"]))
        svc.resolve(inc)


def figures(svc: IncidentService) -> dict:
    analysis = svc.analysis()
    m = analysis.metrics()
    return {"metrics": m, "assessment": analysis.assessment(), "patterns": analysis.patterns()}


def build(path, org, specs) -> IncidentService:
    svc = IncidentService(Store(path), org, ManualClock(MONDAY), actor="ic")
    clock = svc.clock
    for spec in specs:
        write(svc, clock, spec)
    return svc


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specs=st.lists(incident, min_size=1, max_size=8), data=st.data())
def test_insertion_and_arrival_order_do_not_matter(tmp_path_factory, org, specs, data):
    tmp = tmp_path_factory.mktemp("order")
    first = build(tmp / "a.db", org, specs)
    order = data.draw(st.permutations(range(len(specs))), label="declaration order")
    second = build(tmp / "b.db", org, [specs[i] for i in order])
    expected = figures(first)
    assert figures(second) == expected

    # Replay the first store's events into a third, shuffled and in random chunks.
    evs = [
        e
        for i in events.incident_ids(first.store.conn)
        for e in events.for_incident(first.store.conn, i)
    ]
    shuffled = data.draw(st.permutations(evs), label="arrival order")
    third = IncidentService(Store(tmp / "c.db"), org, ManualClock(MONDAY))
    pos = 0
    while pos < len(shuffled):
        size = data.draw(st.integers(1, 6), label="chunk")
        third.apply_remote(shuffled[pos : pos + size])
        pos += size
    assert figures(third) == expected
    assert projections.facts_snapshot(third.store.conn) == projections.facts_snapshot(
        first.store.conn
    )

    # The SQL aggregate equals the pure Python summary of the same facts.
    rows = first.store.conn.execute(
        "SELECT f.tta_s, f.ttr_s FROM incident_facts f JOIN incidents i ON i.id = f.id "
        "WHERE i.drill IS NULL"
    ).fetchall()
    overall = expected["metrics"]["overall"]
    for idx, key in ((0, "tta"), (1, "ttr")):
        python = M.summary([r[idx] for r in rows if r[idx] is not None])
        assert overall[key] == pytest.approx(python)
    for svc in (first, second, third):
        svc.store.close()
