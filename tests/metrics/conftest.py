"""Fixtures for the metrics tests: real SQLite files, the embedded org, a ManualClock,
and the small fixed history whose figures the tests work out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.model.clock import ManualClock
from console.model.org import load_org
from console.service import IncidentService
from console.store import Store

MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday: the whole history is one week


@pytest.fixture(scope="session")
def org():
    return load_org()


@pytest.fixture
def make_service(tmp_path, org):
    stores = []

    def make(name: str = "m.db", start: datetime = MONDAY) -> tuple[IncidentService, ManualClock]:
        store = Store(tmp_path / name)
        stores.append(store)
        clock = ManualClock(start)
        return IncidentService(store, org, clock, actor="ic"), clock

    yield make
    for store in stores:
        store.close()


def at(clock: ManualClock, hh: int, mm: int) -> None:
    clock.set(MONDAY.replace(hour=hh, minute=mm))


def build_fixed_history(svc: IncidentService, clock: ManualClock) -> dict[str, str]:
    """Five real incidents, one drill. Times are Monday 2026-03-02 UTC. The expected
    figures are derived in test_metrics_hand.py from the comments here."""
    ids = {}
    # A: SEV2 on payment-api (owner Payments); impact started 08:50, declared 09:00.
    at(clock, 9, 0)
    a = svc.declare(
        "Card payments failing",
        "SEV2",
        services=["payment-api"],
        impact_started_at=MONDAY.replace(hour=8, minute=50),
    ).id
    at(clock, 9, 2)
    svc.tick(a, "SEV2+0")  # pages Payments (responsible_team)
    at(clock, 9, 5)
    svc.tick(a, "SEV2+0", ack=True)  # TTA = 09:05 - 08:50 = 15 min
    at(clock, 9, 16)
    svc.tick(a, "SEV2+15")  # platform_support -> Core Infrastructure, sre_support -> SRE
    at(clock, 9, 20)
    svc.tick(a, "SEV2+15", ack=True)  # every paged team acked at 09:20: coordination 20 min
    at(clock, 9, 40)
    svc.set_status(a, "monitoring")  # TTM = 09:40 - 08:50 = 50 min
    at(clock, 10, 0)
    svc.resolve(a, "Rolled back")  # TTR = 10:00 - 08:50 = 70 min
    ids["A"] = a

    # B: SEV3 on checkout-api (owner Checkout); the cause turns out to be orders-db.
    at(clock, 11, 0)
    b = svc.declare("Duplicate orders", "SEV3", services=["checkout-api"]).id
    at(clock, 11, 3)
    svc.tick(b, "SEV3+0")  # pages Checkout
    at(clock, 11, 4)
    svc.tick(b, "SEV3+0", ack=True)  # TTA = 4 min; first responder Checkout
    at(clock, 11, 10)
    svc.add_service(b, "orders-db")  # eventual cause (data layer, owner Data Platform)
    at(clock, 11, 31)
    svc.tick(b, "SEV3+30")  # sre_support -> SRE
    at(clock, 11, 35)
    svc.tick(b, "SEV3+30", ack=True)  # coordination 35 min
    at(clock, 11, 50)
    svc.set_status(b, "monitoring")  # TTM = 50 min
    at(clock, 12, 20)
    svc.resolve(b, "Failed over")  # TTR = 80 min; resolved by Data Platform: mis-routed,
    ids["B"] = b  # and Checkout is not paged for orders-db: mis-paged

    # C: SEV1 on cdn (owner Edge Platform); impact started 13:30, declared 14:00.
    at(clock, 14, 0)
    c = svc.declare(
        "CDN 503s", "SEV1", services=["cdn"], impact_started_at=MONDAY.replace(hour=13, minute=30)
    ).id
    at(clock, 14, 1)
    svc.tick(c, "SEV1+0")  # platform_lead, product_leads (fallback), sre_lead
    at(clock, 14, 6)
    svc.tick(c, "SEV1+0", ack=True)  # TTA = 36 min; all three teams acked: coordination 6 min
    at(clock, 14, 16)
    svc.tick(c, "SEV1+15")  # VP (Leadership, already acked at 14:06)
    at(clock, 14, 40)
    svc.set_status(c, "monitoring")  # TTM = 70 min
    at(clock, 15, 0)
    svc.resolve(c)  # TTR = 90 min
    ids["C"] = c

    # D: SEV5 near-miss on waf, declared prevented.
    at(clock, 16, 0)
    d = svc.declare(
        "WAF rule would have blocked checkout", "SEV5", services=["waf"], prevented=True
    ).id
    at(clock, 16, 10)
    svc.tick(d, "SEV5+0", ack=True)  # TTA = 10 min; one team: no coordination figure
    at(clock, 16, 30)
    svc.resolve(d, "Rule fixed before rollout")  # TTM = TTR = 30 min
    ids["D"] = d

    # E: a drill — left out of every figure.
    at(clock, 16, 40)
    e = svc.declare("Drill: CDN down", "SEV1", services=["cdn"], drill="drill-1").id
    at(clock, 16, 41)
    svc.tick(e, "SEV1+0", ack=True)
    at(clock, 16, 45)
    svc.resolve(e)
    ids["E"] = e

    # F: SEV3 on search-api, still open; raised to SEV2 after the ack.
    at(clock, 17, 0)
    f = svc.declare("Empty search results", "SEV3", services=["search-api"]).id
    at(clock, 17, 8)
    svc.tick(f, "SEV3+0", ack=True)  # TTA = 8 min
    at(clock, 17, 10)
    svc.set_severity(f, "SEV2")  # one re-escalation; peak SEV2
    ids["F"] = f
    clock.set(MONDAY + timedelta(days=1))
    return ids


@pytest.fixture
def fixed(make_service):
    svc, clock = make_service()
    ids = build_fixed_history(svc, clock)
    return svc, clock, ids
