"""`example-db`: a demo database with a believable history, written through the
service on a simulated clock (the same door every other face uses)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from console.model.clock import ManualClock
from console.model.org import Org
from console.service import IncidentService
from console.store import Store

# (layer, services, title, detection) — one line per kind of trouble the demo org has.
SCENARIOS = [
    ("edge", ["cdn"], "CDN edge returning 503 in ap-northeast", "synthetic probes from 12 regions"),
    ("edge", ["global-lb"], "Global load balancer draining healthy pool", "geo latency dashboard"),
    ("edge", ["waf"], "WAF rule blocking legitimate checkout traffic", "customer support tickets"),
    ("edge", ["static-assets"], "Static assets stale after deploy", "RUM error rate"),
    ("gateway", ["api-gateway"], "API gateway p99 latency 4s", "API success-rate SLO burn"),
    (
        "gateway",
        ["auth-service"],
        "Login failures: token validation errors",
        "auth success-rate alert",
    ),
    ("gateway", ["rate-limiter"], "Rate limiter rejecting partner API calls", "partner escalation"),
    (
        "gateway",
        ["token-service"],
        "Token refresh storms after key rotation",
        "API throughput alert",
    ),
    (
        "service",
        ["payment-api"],
        "Card payments failing for 8% of orders",
        "payment success-rate SLO",
    ),
    (
        "service",
        ["checkout-api"],
        "Checkout double-submits creating duplicate orders",
        "order anomaly detector",
    ),
    (
        "service",
        ["search-api"],
        "Search returns empty results for Japanese queries",
        "zero-result rate",
    ),
    (
        "service",
        ["notification-dispatcher"],
        "Order emails delayed by 40 minutes",
        "queue age alert",
    ),
    (
        "service",
        ["pricing"],
        "Wrong prices shown after currency update",
        "business metric: refund requests",
    ),
    ("service", ["signup"], "Sign-up funnel drop after release", "conversion dashboard"),
    ("data", ["orders-db"], "Orders DB primary failover, replication lag", "replication lag alert"),
    ("data", ["payments-db"], "Payments DB disk 95% full", "storage capacity alert"),
    (
        "data",
        ["session-cache"],
        "Session cache evictions logging users out",
        "cache hit-rate alert",
    ),
    (
        "data",
        ["event-pipeline"],
        "Event pipeline stalled: analytics 3h behind",
        "pipeline lag monitor",
    ),
]

# Incidents declared on one service whose real cause turned out to be elsewhere.
MISDIRECTED = {
    "checkout-api": "orders-db",
    "payment-api": "payments-db",
    "api-gateway": "auth-service",
    "search-api": "session-cache",
}

COMMANDERS = ["hana.kobayashi", "yusuke.takeda", "kenji.sato", "emi.shimizu", "aoi.matsumoto"]
SCRIBES = ["mio.shimada", "saki.aoki", "sota.murata", "yuto.maeda"]
NOTES = [
    "Rolled back the last deploy; watching error rate",
    "Customer support notified; status page updated",
    "Traffic shifted to the secondary region",
    "Root cause suspected in a config change at 02:10",
    "Error rate back under SLO for 10 minutes",
    "Circuit breaker opened for the dependency",
]


def write_example_db(
    path: str | Path, org: Org, seed: int = 7, count: int = 72, now: datetime | None = None
) -> int:
    path = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    rng = random.Random(seed)
    anchor = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    store = Store(path)
    clock = ManualClock(anchor)
    svc = IncidentService(store, org, clock, actor="hana.kobayashi")
    # Most incidents resolved over the past 12 weeks; the last few still open.
    starts = sorted(
        anchor - timedelta(minutes=rng.randint(600, 84 * 24 * 60)) for _ in range(count - 4)
    )
    for start in starts:
        _resolved_incident(svc, clock, rng, start)
    for minutes_ago, sev, scenario in (
        (3, "SEV1", 14),
        (11, "SEV2", 5),
        (26, "SEV3", 10),
        (48, "SEV4", 3),
    ):
        _open_incident(
            svc,
            clock,
            rng,
            anchor - timedelta(minutes=minutes_ago),
            sev,
            SCENARIOS[scenario],
            anchor,
        )
    clock.set(anchor)
    store.set_setting("example_anchor", anchor.isoformat())
    store.close()
    return count


def _severity(rng: random.Random) -> str:
    return rng.choices(["SEV1", "SEV2", "SEV3", "SEV4", "SEV5"], weights=[8, 22, 35, 25, 10])[0]


def _act(svc: IncidentService, actor: str):
    svc.actor = actor
    return svc


def _resolved_incident(
    svc: IncidentService, clock: ManualClock, rng: random.Random, start: datetime
) -> None:
    layer, services, title, detection = rng.choice(SCENARIOS)
    sev = _severity(rng)
    commander = rng.choice(COMMANDERS)
    clock.set(start)
    impact = start - timedelta(minutes=rng.randint(1, 12))
    inc = _act(svc, commander).declare(
        title,
        sev,
        [layer],
        services,
        detection,
        commander,
        impact_started_at=impact,
        prevented=sev == "SEV5",
    )
    iid = inc.id
    # Escalation: fast teams notify within a couple of minutes, slow ones much later.
    speed = rng.choice([1, 1, 2, 3, 6])
    total = rng.randint(10, 40) * speed + rng.randint(0, 30)
    steps = svc.plan(svc.get(iid), start + timedelta(minutes=total))
    for step in steps:
        due = step.due_at
        if due > start + timedelta(minutes=total):
            continue
        clock.set(due + timedelta(minutes=rng.randint(0, 2 * speed)))
        svc.tick(iid, step.key)
        clock.advance(minutes=rng.randint(1, 3 * speed))
        svc.tick(iid, step.key, ack=True)
    clock.set(max(clock.now(), start + timedelta(minutes=rng.randint(2, 6))))
    _act(svc, commander).assign(iid, "scribe", rng.choice(SCRIBES))
    if rng.random() < 0.3:
        _act(svc, commander).handoff(iid, "communications", "mei.suzuki")
        clock.advance(minutes=2)
        _act(svc, "mei.suzuki").accept(iid, "communications")
    svc.actor = commander
    if services[0] in MISDIRECTED and rng.random() < 0.6:
        clock.advance(minutes=rng.randint(5, 15))
        svc.note(iid, f"{services[0]} is a victim; the cause looks like {MISDIRECTED[services[0]]}")
        svc.add_service(iid, MISDIRECTED[services[0]])
    if sev in ("SEV2", "SEV3") and rng.random() < 0.15:
        clock.advance(minutes=rng.randint(3, 10))
        svc.set_severity(iid, "SEV1" if sev == "SEV2" else "SEV2")
    for status, share in (("identified", 0.3), ("mitigating", 0.5), ("monitoring", 0.8)):
        target = start + timedelta(minutes=int(total * share))
        clock.set(max(clock.now() + timedelta(seconds=30), target))
        svc.set_status(iid, status)
        if rng.random() < 0.5:
            clock.advance(minutes=1)
            svc.note(iid, rng.choice(NOTES))
    clock.set(max(clock.now() + timedelta(minutes=1), start + timedelta(minutes=total)))
    svc.resolve(
        iid, rng.choice(["Rolled back", "Failed over", "Config fixed", "Capacity added", "Patched"])
    )


def _open_incident(svc, clock, rng, start, sev, scenario, anchor) -> None:
    layer, services, title, detection = scenario
    commander = rng.choice(COMMANDERS)
    clock.set(start)
    inc = _act(svc, commander).declare(title, sev, [layer], services, detection, commander)
    clock.advance(minutes=1)
    first = svc.plan(svc.get(inc.id))[0]
    svc.tick(inc.id, first.key)
    if (anchor - start) > timedelta(minutes=10):
        clock.advance(minutes=3)
        svc.tick(inc.id, first.key, ack=True)
        svc.set_status(inc.id, "identified")
        svc.note(inc.id, rng.choice(NOTES))
        svc.assign(inc.id, "scribe", rng.choice(SCRIBES))
