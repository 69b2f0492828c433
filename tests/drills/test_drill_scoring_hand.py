"""Scorecard figures against numbers computed by hand from the scenario files, the
demo org's matrix and rules (defaults/org.toml), and the maturity thresholds.

Common facts used below: responders acknowledge 2:00 after their first page unless
the scenario says otherwise; the severity allowance (severity_by) is 5:00, so a rule
step at +N min must reach its teams by T+(N+5):00; a rule step is required when,
with the right severity from T+0, it falls due before the credited mitigation.
Maturity thresholds (org.toml): strict upper bounds — MTTR < 120/60/30/15 min for L1..L4;
mis-escalation rate —/20%/10%/5%; coordination —/30/10/10 min; L4 also needs prevention (not
measurable in a drill, so L4 is never claimed).
"""

from __future__ import annotations

from drkit import at, run_json, session


def test_database_failover_played_by_a_hurried_commander(tmp_path):
    s = session(tmp_path, "database-failover")
    svc = s.service
    at(s, 3)
    inc = svc.declare("Order submission failing", "SEV3", services=["checkout-api"])  # the victim
    at(s, 6, 30)
    svc.set_severity(inc.id, "SEV2")
    at(s, 7)
    svc.add_service(inc.id, "orders-db")
    s.page_team("platform-data")
    at(s, 8)
    s.page_team("leadership")  # nobody asked for them
    at(s, 10)
    svc.set_status(inc.id, "monitoring")  # before the fix exists (mitigate_from T+16)
    at(s, 12)
    svc.set_status(inc.id, "mitigating")
    at(s, 18)
    svc.set_status(inc.id, "monitoring")
    at(s, 25)
    svc.resolve(inc.id)
    card = s.scorecard
    assert card["end_reason"] == "resolved" and card["ended"] == "T+25:00"

    # Declared at T+3:00 (180 s). Severity SEV3 at 180, SEV2 (expected) at 6:30 = 390 s;
    # it stays SEV2 to the end, so it settled at 390 > 300 (severity_by): late.
    assert card["declared"]["seconds"] == 180
    sev = card["severity"]
    assert (sev["seconds"], sev["ok"], sev["over_escalated"]) == (390, False, False)

    # Mitigation: first marked at 600 (< mitigate_from 960: premature, not credited);
    # marked again at 18:00 = 1080 s, within T+16..T+35: credited, 18 min.
    mit = card["mitigation"]
    assert (mit["seconds"], mit["premature"], mit["ok"]) == (1080, True, True)

    # Required (fault orders-db at SEV2; horizon 1080 s):
    #   SEV2+0  responsible_team → platform-data, by 0+300 = 300
    #   SEV2+15 platform_support → platform-data; sre_support → sre-core, due 900 < 1080: by 900+300 = 1200
    #   SEV2+60 falls due after mitigation: not required.
    # Pages: checkout at 180 (SEV3+0 of the victim scope, checkout-api's owner);
    #   platform-data at 420 (direct, 120 s late); leadership at 480 (direct);
    #   sre-core at 390+900 = 1290 (SEV2+15, counted from reaching SEV2): 90 s late.
    eng = {e["team"]: e for e in card["engagement"]}
    assert list(eng) == ["platform-data", "sre-core"]
    assert (
        eng["platform-data"]["required_by_seconds"],
        eng["platform-data"]["paged_seconds"],
        eng["platform-data"]["late_seconds"],
        eng["platform-data"]["ok"],
    ) == (300, 420, 120, False)
    assert (
        eng["sre-core"]["required_by_seconds"],
        eng["sre-core"]["paged_seconds"],
        eng["sre-core"]["late_seconds"],
        eng["sre-core"]["via"],
    ) == (1200, 1290, 90, "SEV2+15")
    # Acks 2:00 after the first page: platform-data 540, sre-core 1410.
    assert (
        eng["platform-data"]["acknowledged_seconds"],
        eng["sre-core"]["acknowledged_seconds"],
    ) == (540, 1410)

    # Responsible for orders-db (matrix: Database first/final platform → platform-data,
    # second product → payments, checkout; rules: platform-data, sre-core).
    # Paged {checkout, platform-data, leadership, sre-core}: leadership is wrong; none missed.
    # Teams involved = paged ∪ required = 4 → rate 1/4 = 0.25.
    mis = card["mis_escalation"]
    assert [w["team"] for w in mis["wrong"]] == ["leadership"] and mis["missed"] == []
    assert (mis["count"], mis["teams_involved"], mis["rate"]) == (1, 4, 0.25)

    # Coordination: declared 180 → last required ack 1410 = 1230 s = 20.5 min.
    assert (card["coordination"]["seconds"], card["coordination"]["minutes"]) == (1230, 20.5)

    # Maturity: MTTR 18 → L3 (<30, ≥15); rate 0.25 → L1 (>0.20); coordination 20.5 → L2 (10-30).
    m = card["maturity"]
    assert {i["id"]: i["level"] for i in m["indicators"]} == {
        "mttr": 3,
        "mis_escalation": 1,
        "coordination": 2,
    }
    assert (m["level"], m["name"]) == (1, "Basic Distribution")
    assert [g["text"] for g in m["gaps"]] == [
        "mis-escalation rate is 25.0%; level 2 needs ≤ 20.0% (5.0 points less)"
    ]
    assert card["won"] is False

    # the commander was told the early mitigation did not hold
    texts = [t["text"] for t in svc.view(inc.id)["timeline"]]
    assert any("has not fixed the fault yet" in t for t in texts)


def test_cascading_sev1_ideal_autopilot(tmp_path):
    card = run_json("drill", "run", "cascading-sev1", "--autopilot", "--json")
    # Fault session-cache + auth-service; SEV1 rules for that scope:
    #   +0  platform_lead kenji.sato → platform-infra; product_leads → product teams covering the
    #       fault's domains (database: payments, checkout); sre_lead hana.kobayashi → sre-core
    #   +15 vp_engineering taro.yamamoto → leadership;  +30 cto, business_leads → leadership
    # Mitigation at mitigate_from = T+20:00 (1200 s) → +0 and +15 required (900 < 1200), +30 not.
    # Deadlines: +0 → 300; +15 → 1200; [[expected.teams]]: platform-gateway 480, platform-data 600.
    eng = {
        e["team"]: (e["required_by_seconds"], e["paged_seconds"], e["acknowledged_seconds"])
        for e in card["engagement"]
    }
    assert eng == {
        "checkout": (300, 0, 120),
        "payments": (300, 0, 120),
        "platform-infra": (300, 0, 120),
        "sre-core": (300, 0, 120),
        "platform-gateway": (480, 0, 120),
        "platform-data": (600, 0, 120),  # paged directly at declare
        "leadership": (1200, 900, 1020),  # SEV1+15 falls due at 900, ack 2:00 later
    }
    # coordination: declared 0 → last ack 1020 s = 17 min (L2: <30, ≥10)
    assert card["coordination"]["minutes"] == 17
    assert card["mitigation"]["minutes"] == 20  # L3: <30, ≥15
    assert card["mis_escalation"]["rate"] == 0  # L4
    assert card["maturity"]["level"] == 2 and card["maturity"]["name"] == "Controlled Distribution"
    assert card["won"] and card["ended"] == "T+25:00"  # resolved 5 min after mitigation


def test_sev3_naive_autopilot(tmp_path):
    card = run_json("drill", "run", "sev3-temptation", "--autopilot=naive", "--json")
    # Naive: SEV1 at declare (never SEV3: no settled time), all 13 demo teams paged at T+0.
    # Responsible for email-sender (business logic): messaging (owner), sre-core (second line).
    # 13 paged - 2 responsible = 11 wrong; required = {messaging} (SEV3+0; SEV3+30 due after
    # the 720 s mitigation) and paged, so 0 missed; involved 13 → 11/13 = 0.8462.
    assert card["severity"]["seconds"] is None and card["severity"]["over_escalated"]
    mis = card["mis_escalation"]
    assert (mis["count"], mis["teams_involved"], mis["rate"]) == (11, 13, 0.8462)
    assert {w["team"] for w in mis["wrong"]} == {
        "accounts",
        "catalog",
        "checkout",
        "leadership",
        "payments",
        "platform-data",
        "platform-edge",
        "platform-gateway",
        "platform-infra",
        "search",
        "security-iam",
    }
    # messaging acks 2:00 after T+0 → coordination 2 min; mitigation 12 min.
    assert card["coordination"]["minutes"] == 2 and card["mitigation"]["minutes"] == 12
    # coordination 2 min allows level 4: the model sets no level-4 coordination threshold
    assert {i["id"]: i["level"] for i in card["maturity"]["indicators"]} == {
        "mttr": 4,
        "mis_escalation": 1,
        "coordination": 4,
    }
    assert card["maturity"]["level"] == 1
