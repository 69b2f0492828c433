"""Metrics against figures worked out by hand from the fixed history in conftest.py.

Real incidents: A, B, C, D (resolved) and F (open); E is a drill and is left out.
  TTA (min): A 15, B 4, C 36, D 10, F 8  -> sorted 4, 8, 10, 15, 36
     mean 73/5 = 14.6; median = 10; p90: rank (5-1)*0.9 = 3.6 -> 15 + (36-15)*0.6 = 27.6
  TTM: A 50, B 50, C 70, D 30            -> sorted 30, 50, 50, 70
     mean 200/4 = 50; median rank 1.5 -> 50; p90 rank 2.7 -> 50 + 20*0.7 = 64
  TTR: A 70, B 80, C 90, D 30            -> sorted 30, 70, 80, 90
     mean 270/4 = 67.5; median rank 1.5 -> 75; p90 rank 2.7 -> 80 + 10*0.7 = 87
  mis-escalated: B only (first responder Checkout, resolved by Data Platform, the owner of
     orders-db; and Checkout is not a team the SEV3 rules page for orders-db) -> 1/4 = 25%
  coordination: A 20, B 35, C 6 (D and F paged one team) -> mean 61/3 = 20.33
  prevention: D (declared prevented, SEV5) -> 1/5 = 20%
"""

from __future__ import annotations

import pytest

from console.store import projections


def test_overall_figures(fixed):
    svc, _, _ = fixed
    o = svc.analysis().metrics()["overall"]
    assert o["incidents"] == 5 and o["resolved"] == 4
    assert o["tta"] == pytest.approx({"n": 5, "mean": 14.6, "median": 10.0, "p90": 27.6})
    assert o["ttm"] == pytest.approx({"n": 4, "mean": 50.0, "median": 50.0, "p90": 64.0})
    assert o["ttr"] == pytest.approx({"n": 4, "mean": 67.5, "median": 75.0, "p90": 87.0})
    assert o["mis_escalation"] == {"rate": 0.25, "count": 1, "of": 4, "misrouted": 1, "mispaged": 1}
    assert o["coordination"]["n"] == 3
    assert o["coordination"]["mean"] == pytest.approx(61 / 3)
    assert o["coordination"]["max"] == pytest.approx(35.0)
    assert o["prevention"] == {"rate": 0.2, "count": 1, "of": 5}
    assert o["reescalations"] == 1  # F: SEV3 -> SEV2


def test_by_layer_team_and_severity(fixed):
    svc, _, _ = fixed
    m = svc.analysis().metrics()
    layers = {g["key"]: g for g in m["by_layer"]}
    # cause layers: A service, B data (orders-db), C edge, D edge, F service
    assert {k: g["incidents"] for k, g in layers.items()} == {"data": 1, "edge": 2, "service": 2}
    assert layers["edge"]["ttr"]["mean"] == pytest.approx((90 + 30) / 2)
    assert layers["data"]["mis_escalation"]["rate"] == 1.0
    assert layers["edge"]["mis_escalation"]["rate"] == 0.0
    assert layers["service"]["resolved"] == 1
    teams = {g["key"]: g["incidents"] for g in m["by_team"]}
    # resolving team when resolved (B: Data Platform), else the responsible team (F: Search)
    assert teams == {"payments": 1, "platform-data": 1, "platform-edge": 2, "search": 1}
    sev = {g["key"]: g for g in m["by_severity"]}
    assert list(sev) == ["SEV1", "SEV2", "SEV3", "SEV5"]  # peak severity: F counts as SEV2
    # SEV2 TTA: A 15, F 8 -> mean 11.5, median 11.5, p90 = 8 + 7*0.9 = 14.3
    assert sev["SEV2"]["tta"] == pytest.approx({"n": 2, "mean": 11.5, "median": 11.5, "p90": 14.3})
    assert sev["SEV5"]["prevention"]["rate"] == 1.0


def test_weekly_trend_and_period(fixed):
    svc, _, _ = fixed
    m = svc.analysis().metrics()
    assert m["weekly"] == [
        {
            "week": "2026-03-02",
            "incidents": 5,
            "mttr": 67.5,
            "resolved": 4,
            "mis_escalated": 1,
            "mis_escalation_rate": 0.25,
        }
    ]
    assert m["period"]["drills_excluded"] == 1
    # since 12:00 leaves C, D and F (and the drill E, still excluded)
    from datetime import UTC, datetime

    later = svc.analysis(since=datetime(2026, 3, 2, 12, 0, tzinfo=UTC)).metrics()
    assert later["overall"]["incidents"] == 3
    assert later["overall"]["ttr"]["mean"] == pytest.approx((90 + 30) / 2)


def test_assessment_and_gap(fixed):
    svc, _, _ = fixed
    a = svc.analysis().assessment()
    levels = {i["id"]: i["level"] for i in a["indicators"]}
    # MTTR 67.5 in 60-120 (over 60): L1; 25% > 20%: L1; 20.3 min in 10-30: L2; prevention
    # allows L3 (only level 4 sets a prevention rate)
    assert levels == {"mttr": 1, "mis_escalation": 1, "coordination": 2, "prevention": 3}
    assert a["level"] == 1 and a["next_level"] == 2
    gaps = {g["indicator"]: g for g in a["gaps"]}
    assert set(gaps) == {"mttr", "mis_escalation"}
    assert gaps["mttr"]["short_by"] == pytest.approx(7.5)
    assert gaps["mis_escalation"]["short_by"] == pytest.approx(0.05)
    assert "level 2 needs ≤ 60.0 min (7.5 min less)" in gaps["mttr"]["text"]


def test_pages_and_facts_per_incident(fixed):
    svc, _, ids = fixed
    conn = svc.store.conn
    pages = conn.execute(
        "SELECT team, severity FROM incident_pages WHERE incident_id = ? ORDER BY team", [ids["A"]]
    ).fetchall()
    assert pages == [("payments", "SEV2"), ("platform-infra", "SEV2"), ("sre-core", "SEV2")]
    facts = dict(
        zip(
            projections.FACT_COLUMNS,
            conn.execute("SELECT * FROM incident_facts WHERE id = ?", [ids["B"]]).fetchone(),
            strict=True,
        )
    )
    assert facts["declared_service"] == "checkout-api"
    assert facts["cause_service"] == "orders-db" and facts["cause_layer"] == "data"
    assert facts["first_team"] == "checkout"
    assert (facts["tta_s"], facts["ttm_s"], facts["ttr_s"], facts["coord_s"]) == (
        240,
        3000,
        4800,
        2100,
    )


def test_resolve_names_the_cause_and_team(make_service):
    svc, clock = make_service()
    inc = svc.declare("Slow search", "SEV4", services=["search-api"]).id
    svc.tick(inc, "SEV4+0", ack=True)
    clock.advance(minutes=20)
    svc.resolve(inc, "Index rebuilt", resolved_by_team="platform-data", cause_service="catalog-db")
    o = svc.analysis().metrics()
    assert [g["key"] for g in o["by_layer"]] == ["data"]
    assert [g["key"] for g in o["by_team"]] == ["platform-data"]
    assert (
        o["overall"]["mis_escalation"]["misrouted"] == 1
    )  # Search responded, Data Platform fixed it


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"resolved_by_team": "nobody"}, "unknown team 'nobody'"),
        ({"cause_service": "ordersdb"}, "unknown cause service 'ordersdb'; did you mean orders-db"),
    ],
)
def test_resolve_validates_its_new_parameters(make_service, kwargs, message):
    from console.model.errors import InputError

    svc, _ = make_service()
    inc = svc.declare("x", "SEV4", services=["cdn"]).id
    with pytest.raises(InputError, match=message):
        svc.resolve(inc, **kwargs)
    assert svc.get(inc).open  # nothing recorded


def test_rebuild_reproduces_the_facts_exactly(fixed):
    svc, _, _ = fixed
    conn = svc.store.conn
    before = projections.facts_snapshot(conn), projections.snapshot(conn)
    svc.rebuild()
    assert (projections.facts_snapshot(conn), projections.snapshot(conn)) == before
    with svc.store.transaction():
        projections.rebuild_facts(conn)
    assert (projections.facts_snapshot(conn), projections.snapshot(conn)) == before


def test_empty_store_has_no_figures(make_service):
    svc, _ = make_service()
    m = svc.analysis().metrics()
    assert m["overall"]["incidents"] == 0 and m["overall"]["ttr"]["mean"] is None
    a = svc.analysis().assessment()
    assert a["level"] is None and all(i["level"] is None for i in a["indicators"])
