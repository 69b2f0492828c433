"""Pattern finder and predictive escalation: a history where checkout-api incidents
are mostly caused by orders-db teaches the console to suggest Data Platform."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from console.cli import main
from console.model.errors import InputError

MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # the metrics fixtures' clock starts here


@pytest.fixture
def misrouted(make_service):
    """Four incidents declared on checkout-api: three caused by orders-db (Data Platform
    resolved them), one by checkout-api itself. Checkout acknowledged every one first."""
    svc, clock = make_service()
    for n in range(4):
        clock.advance(minutes=600)
        inc = svc.declare(f"Checkout trouble {n}", "SEV3", services=["checkout-api"]).id
        clock.advance(minutes=2)
        svc.tick(inc, "SEV3+0", ack=True)
        if n < 3:
            clock.advance(minutes=5)
            svc.add_service(inc, "orders-db")
        clock.advance(minutes=25)
        svc.resolve(inc)
    return svc, clock


def test_suggest_team_from_history(misrouted):
    svc, _ = misrouted
    s = svc.suggest_team(service="checkout-api")
    assert (s["team"], s["basis"], s["count"], s["total"]) == ("platform-data", "service", 3, 4)
    assert s["share"] == 0.75 and s["matrix_team"] == "checkout" and s["differs_from_matrix"]
    assert s["on_call"] == "rina.fujita"
    assert [(a["team"], a["count"]) for a in s["alternatives"]] == [
        ("platform-data", 3),
        ("checkout", 1),
    ]


def test_thin_history_falls_back_to_the_layer_then_the_matrix(misrouted):
    svc, _ = misrouted
    cart = svc.suggest_team(service="cart")  # never declared; its layer (service) has 4
    assert (cart["basis"], cart["key"], cart["team"]) == ("layer", "service", "platform-data")
    cdn = svc.suggest_team(service="cdn")  # nothing on cdn nor on the edge layer
    assert (cdn["basis"], cdn["team"], cdn["count"]) == ("matrix", "platform-edge", 0)
    assert "no history of cdn incidents yet" in cdn["why"]
    with pytest.raises(InputError, match="unknown service 'cdnn'; did you mean cdn"):
        svc.suggest_team(service="cdnn")


def test_patterns_suggest_a_matrix_change(misrouted):
    svc, _ = misrouted
    p = svc.analysis().patterns()
    texts = [s["text"] for s in p["suggestions"]]
    assert texts == [
        "Data & Persistence incidents were resolved by Data Platform in 100% of cases (3/3), "
        "but Checkout responded first in 100% (3/3): page Data Platform first for them.",
        "Incidents declared on checkout-api were resolved by Data Platform in 75% of cases (3/4), "
        "but Checkout responded first in 100% (4/4): page Data Platform first for them.",
    ]
    assert p["services"]["most_incidents"][0] == {
        "key": "orders-db",
        "incidents": 3,
        "reescalations": 0,
        "coordination_mean": None,
        "coordination_max": None,
        "coordinated": 0,
        "mis_escalated": 3,
        "mis_escalation_rate": 1.0,
    }


def test_accepting_a_suggestion_assigns_operations_and_notes_why(misrouted):
    svc, clock = misrouted
    clock.advance(minutes=60)
    inc = svc.declare("Checkout again", "SEV2", services=["checkout-api"]).id
    assert svc.suggest_for(inc)["team"] == "platform-data"
    after = svc.accept_suggestion(inc)
    assert after.roles["operations"] == "rina.fujita"
    assert after.notes[-1].text == (
        "Accepted suggestion: Data Platform to operate (Rina Fujita); "
        "Data Platform resolved 3 of 4 incidents declared on service "
        "checkout-api (75%)"
    )
    # operations is now held: accepting another team offers a handoff instead
    after = svc.accept_suggestion(inc, team="checkout")
    # to whoever holds Checkout's pager now (its weekly rotation)
    assert after.handoffs["operations"]["to"] == svc.on_call("checkout").person
    assert after.notes[-1].text.endswith("chosen by the commander")


def test_suggest_cli(misrouted, capsys):
    svc, clock = misrouted
    db = str(svc.store.path)
    assert main(["--db", db, "suggest", "checkout-api"]) == 0
    assert capsys.readouterr().out.startswith("checkout-api → Data Platform, on call Rina Fujita")
    clock.advance(minutes=60)
    inc = svc.declare("Checkout again", "SEV2", services=["checkout-api"]).id
    assert (
        main(
            [
                "--db",
                db,
                "--now",
                (clock.now() + timedelta(minutes=1)).isoformat(),
                "suggest",
                inc,
                "--accept",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["operations"] == "rina.fujita" and out["accepted"]["team"] == "platform-data"
    assert main(["--db", db, "suggest", "checkout-api", "--accept"]) == 2
    assert "--accept needs an incident id" in capsys.readouterr().err


def test_a_spread_history_gives_no_clear_suggestion(make_service, capsys):
    """Five checkout-api incidents, each resolved by a different team (20 % each): no
    team is suggested, the evidence is shown, and there is nothing to accept."""
    svc, clock = make_service()
    causes = ["checkout-api", "payment-api", "orders-db", "search-api", "cdn"]
    for n, cause in enumerate(causes):
        clock.advance(minutes=600)
        inc = svc.declare(f"Checkout trouble {n}", "SEV3", services=["checkout-api"]).id
        clock.advance(minutes=30)
        svc.resolve(inc, cause_service=cause)
    s = svc.suggest_team(service="checkout-api")
    assert (s["team"], s["basis"], s["total"], s["share"]) == (None, "service", 5, None)
    assert sorted(a["count"] for a in s["alternatives"]) == [1, 1, 1, 1, 1]
    assert s["why"].startswith("no clear suggestion: 5 resolved incidents declared on service")
    assert "Checkout 1" in s["why"] and "Data Platform 1" in s["why"]
    db = str(svc.store.path)
    assert main(["--db", db, "suggest", "checkout-api"]) == 0
    assert "checkout-api: no clear suggestion" in capsys.readouterr().out
    inc = svc.declare("Checkout again", "SEV2", services=["checkout-api"]).id
    with pytest.raises(InputError, match="no clear suggestion to accept"):
        svc.accept_suggestion(inc)
    chosen = svc.accept_suggestion(inc, team="checkout")  # the commander may still choose
    assert chosen.roles["operations"]
    assert chosen.notes[-1].text.endswith("chosen by the commander")


def test_the_suggestion_names_whoever_the_schedules_say_is_on_call(make_service):
    """No history: the matrix's Payments, on a weekly rota (Monday 10:00 in Tokyo) whose
    fixed `on_call` is Haruto Inoue. The suggestion names who holds the pager, as a page
    would, and the person accepting it makes the operator."""
    svc, clock = make_service()
    named = {}
    for hour in (0, 2):  # 09:00 and 11:00 in Tokyo: either side of the hand-off
        clock.set(MONDAY.replace(hour=hour))
        s = svc.suggest_team(service="payment-api")
        assert (s["team"], s["basis"]) == ("payments", "matrix")
        named[hour] = (s["on_call"], s["on_call_name"])
    assert named == {0: ("haruto.inoue", "Haruto Inoue"), 2: ("aoi.matsumoto", "Aoi Matsumoto")}
    now = clock.now()
    svc.override("payments", "mei.suzuki", now, now + timedelta(hours=1))
    assert svc.suggest_team(service="payment-api")["on_call"] == "mei.suzuki"
    inc = svc.declare("Card payments failing", "SEV2", services=["payment-api"]).id
    assert svc.suggest_for(inc)["on_call"] == "mei.suzuki"
    assert svc.accept_suggestion(inc).roles["operations"] == "mei.suzuki"
