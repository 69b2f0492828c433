"""Escalation plans across severity changes, on an injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fkit import T0

from console.model.errors import InputError
from console.model.escalation import next_open


def plan_of(service, inc_id):
    return {s.key: s for s in service.plan(service.get(inc_id))}


def people(view_step) -> dict[str, list[str]]:
    return {t["role"]: [c["person"] for c in t["contacts"]] for t in view_step["targets"]}


def test_sev1_declared_plans_0_15_30_with_targets_resolved_to_people(service, clock):
    inc = service.declare("Orders DB down", "SEV1", services=["orders-db"])
    view = service.view(inc.id)
    steps = view["escalation"]
    assert [(s["key"], s["offset_minutes"], s["due_at"]) for s in steps] == [
        ("SEV1+0", 0, "2026-03-01T09:00:00.000Z"),
        ("SEV1+15", 15, "2026-03-01T09:15:00.000Z"),
        ("SEV1+30", 30, "2026-03-01T09:30:00.000Z"),
    ]
    assert [s["state"] for s in steps] == ["due", "pending", "pending"]
    assert [s["seconds_to_due"] for s in steps] == [0, 900, 1800]
    # Demo people: orders-db is owned by Data Platform; product teams covering the
    # database domain are Payments and Checkout.
    assert people(steps[0]) == {
        "platform_lead": ["kenji.sato"],
        "product_leads": ["aoi.matsumoto", "yui.kimura"],
        "sre_lead": ["hana.kobayashi"],
    }
    assert people(steps[1]) == {"vp_engineering": ["taro.yamamoto"]}
    assert people(steps[2]) == {
        "cto": ["yuki.nakamura"],
        "business_leads": ["sora.ito", "ren.kato"],
    }
    assert all(s["derived"] is None for s in steps)


def test_countdown_is_due_at_minus_now_and_goes_overdue(service, clock):
    inc = service.declare("Orders DB down", "SEV1", services=["orders-db"])
    service.tick(inc.id, "SEV1+0")
    clock.advance(minutes=16)
    plan = plan_of(service, inc.id)
    assert plan["SEV1+0"].state == "notified"
    assert plan["SEV1+15"].state == "overdue"
    assert plan["SEV1+15"].seconds_to_due(clock.now()) == -60
    assert plan["SEV1+30"].state == "pending"
    assert plan["SEV1+30"].seconds_to_due(clock.now()) == 14 * 60
    assert next_open(list(plan.values())).key == "SEV1+15"
    # Within the grace it is due, not overdue.
    clock.set(T0 + timedelta(minutes=15, seconds=59))
    assert plan_of(service, inc.id)["SEV1+15"].state == "due"


def test_sev2_plan_targets_the_responsible_team(service):
    inc = service.declare("Card payments failing", "SEV2", services=["payment-api"])
    steps = service.view(inc.id)["escalation"]
    assert [s["key"] for s in steps] == ["SEV2+0", "SEV2+15", "SEV2+60"]
    assert people(steps[0]) == {"responsible_team": ["haruto.inoue"]}
    assert people(steps[1]) == {"platform_support": ["sho.ogawa"], "sre_support": ["yusuke.takeda"]}
    assert people(steps[2]) == {"engineering_manager": ["mei.suzuki"]}


def test_raising_sev2_to_sev1_plans_sev1_from_that_moment_and_keeps_ticks(service, clock):
    inc = service.declare("Checkout errors", "SEV2", services=["checkout-api"])
    service.tick(inc.id, "SEV2+0", ack=True)
    clock.advance(minutes=20)
    service.tick(inc.id, "SEV2+15")
    clock.advance(minutes=5)  # 09:25
    service.set_severity(inc.id, "SEV1")
    plan = plan_of(service, inc.id)
    raised = T0 + timedelta(minutes=25)
    assert plan["SEV1+0"].due_at == raised
    assert plan["SEV1+15"].due_at == raised + timedelta(minutes=15)
    assert plan["SEV1+30"].due_at == raised + timedelta(minutes=30)
    assert plan["SEV1+0"].state == "due"
    # Ticks made at SEV2 are kept; the unticked SEV2 step still ahead is cancelled.
    assert plan["SEV2+0"].state == "acknowledged"
    assert plan["SEV2+15"].state == "notified"
    assert plan["SEV2+60"].state == "cancelled"
    view = service.view(inc.id)
    assert view["severity_history"] == [
        {"at": "2026-03-01T09:00:00.000Z", "severity": "SEV2"},
        {"at": "2026-03-01T09:25:00.000Z", "severity": "SEV1"},
    ]


def test_raising_keeps_an_overdue_lower_step_open(service, clock):
    """A lower step that had fallen due before the raise still asks to be done."""
    inc = service.declare("Checkout errors", "SEV2", services=["checkout-api"])
    clock.advance(minutes=20)
    service.set_severity(inc.id, "SEV1")
    plan = plan_of(service, inc.id)
    assert plan["SEV2+0"].state == "overdue"
    assert plan["SEV2+15"].state == "overdue"
    assert plan["SEV2+60"].state == "cancelled"


def test_lowering_cancels_unticked_higher_steps_and_keeps_ticked_ones(service, clock):
    inc = service.declare("Orders DB down", "SEV1", services=["orders-db"])
    service.tick(inc.id, "SEV1+0")
    clock.advance(minutes=16)
    service.tick(inc.id, "SEV1+15", ack=True)
    clock.advance(minutes=1)  # 09:17
    service.set_severity(inc.id, "SEV2")
    plan = plan_of(service, inc.id)
    assert plan["SEV1+0"].state == "notified"
    assert plan["SEV1+15"].state == "acknowledged"
    assert plan["SEV1+30"].state == "cancelled"
    lowered = T0 + timedelta(minutes=17)
    assert plan["SEV2+0"].due_at == lowered
    assert plan["SEV2+0"].state == "due"
    clock.advance(minutes=60)
    assert plan_of(service, inc.id)["SEV1+30"].state == "cancelled"
    # History is kept: the view shows both severities.
    assert [h["severity"] for h in service.view(inc.id)["severity_history"]] == ["SEV1", "SEV2"]


def test_back_up_again_resumes_the_first_clock(service, clock):
    inc = service.declare("Orders DB down", "SEV1", services=["orders-db"])
    service.tick(inc.id, "SEV1+0")
    clock.advance(minutes=5)
    service.set_severity(inc.id, "SEV2")
    clock.advance(minutes=5)  # 09:10
    service.set_severity(inc.id, "SEV1")
    plan = plan_of(service, inc.id)
    assert plan["SEV1+0"].state == "notified"  # the tick is kept across both changes
    assert plan["SEV1+15"].due_at == T0 + timedelta(minutes=15)
    assert plan["SEV1+15"].state == "pending"


def test_a_severity_flap_keeps_the_first_sev1_clock(service, clock):
    """SEV1 at 10:00, a mis-key to SEV2 at 10:05, SEV1 again at 10:06: the CTO is due at
    10:30, as if the mis-key had never happened."""
    ten = T0 + timedelta(hours=1)
    clock.set(ten)
    inc = service.declare("Orders DB down", "SEV1", services=["orders-db"])
    clock.set(ten + timedelta(minutes=5))
    service.set_severity(inc.id, "SEV2")
    clock.set(ten + timedelta(minutes=6))
    service.set_severity(inc.id, "SEV1")
    plan = plan_of(service, inc.id)
    assert plan["SEV1+0"].due_at == ten
    assert plan["SEV1+0"].state == "overdue"  # due since 10:00, never ticked
    assert plan["SEV1+15"].due_at == ten + timedelta(minutes=15)
    assert plan["SEV1+30"].due_at == ten + timedelta(minutes=30)
    assert [plan[k].state for k in ("SEV1+15", "SEV1+30")] == ["pending", "pending"]
    # The mis-keyed SEV2's immediate step fell due while at SEV2: it asks until done
    # or waived; its later steps were superseded before they fell due.
    assert plan["SEV2+0"].state == "overdue"
    assert [plan[k].state for k in ("SEV2+15", "SEV2+60")] == ["cancelled", "cancelled"]
    clock.set(ten + timedelta(minutes=30))
    assert plan_of(service, inc.id)["SEV1+30"].state == "due"
    view = service.view(inc.id)
    cto = next(s for s in view["escalation"] if s["key"] == "SEV1+30")
    assert cto["due_at"] == "2026-03-01T10:30:00.000Z"


def test_returning_after_a_step_fell_due_resumes_it_overdue(service, clock):
    inc = service.declare("Orders DB down", "SEV1", services=["orders-db"])
    clock.advance(minutes=5)
    service.set_severity(inc.id, "SEV2")
    clock.advance(minutes=15)  # 09:20: SEV1+15 came due while at SEV2
    assert plan_of(service, inc.id)["SEV1+15"].state == "cancelled"
    service.set_severity(inc.id, "SEV1")
    plan = plan_of(service, inc.id)
    assert plan["SEV1+15"].due_at == T0 + timedelta(minutes=15)
    assert plan["SEV1+15"].state == "overdue"


def test_lowering_and_raising_keeps_a_lower_overdue_step_overdue(service, clock):
    inc = service.declare("Checkout errors", "SEV2", services=["checkout-api"])
    clock.advance(minutes=20)  # 09:20: SEV2+0 and SEV2+15 overdue
    service.set_severity(inc.id, "SEV1")
    clock.advance(minutes=5)  # 09:25
    service.set_severity(inc.id, "SEV2")
    clock.advance(minutes=1)  # 09:26
    service.set_severity(inc.id, "SEV1")
    plan = plan_of(service, inc.id)
    assert plan["SEV2+0"].due_at == T0 and plan["SEV2+0"].state == "overdue"
    assert plan["SEV2+15"].due_at == T0 + timedelta(minutes=15)
    assert plan["SEV2+15"].state == "overdue"
    assert plan["SEV2+60"].state == "cancelled"
    # SEV1 keeps the clock of its first arrival at 09:20.
    assert plan["SEV1+15"].due_at == T0 + timedelta(minutes=35)


def test_lowering_keeps_a_higher_step_that_fell_due_until_waived(service, clock, run):
    inc = service.declare("Orders DB down", "SEV1", services=["orders-db"])
    clock.advance(minutes=16)  # SEV1+0 and SEV1+15 fell due, neither ticked
    service.set_severity(inc.id, "SEV3")
    plan = plan_of(service, inc.id)
    assert plan["SEV1+0"].state == "overdue"
    assert plan["SEV1+15"].state == "overdue"
    assert plan["SEV1+30"].state == "cancelled"
    with pytest.raises(InputError, match="a reason is required"):
        service.waive(inc.id, "SEV1+15", "  ")
    service.waive(inc.id, "SEV1+15", "lowered to SEV3: the VP need not be called")
    plan = plan_of(service, inc.id)
    assert plan["SEV1+15"].state == "waived"
    assert not plan["SEV1+15"].open
    assert plan["SEV1+15"].ticks.waived_reason == "lowered to SEV3: the VP need not be called"
    with pytest.raises(InputError, match="only an open step can be waived"):
        service.waive(inc.id, "SEV1+15", "again")
    with pytest.raises(InputError, match="only an open step can be waived"):
        service.waive(inc.id, "SEV1+30", "superseded anyway")
    texts = [t.text for t in service.get(inc.id).timeline]
    assert "step SEV1+15 waived: lowered to SEV3: the VP need not be called" in texts
    # The CLI verb, on the step that is still overdue.
    out = run("waive", inc.id, "SEV1+0", "leads", "already", "on", "the", "bridge", now=None)
    assert out.code == 0, out.err
    step = next(s for s in run("show", inc.id, "--json").json["escalation"] if s["key"] == "SEV1+0")
    assert step["state"] == "waived"
    assert step["waived_reason"] == "leads already on the bridge"
    assert step["waived_by"] == "tester"
    assert "waived: leads already on the bridge" in run("show", inc.id).out


def test_superseded_steps_stay_cancelled_after_resolve(service, clock):
    inc = service.declare("Checkout errors", "SEV2", services=["checkout-api"])
    service.tick(inc.id, "SEV2+0")
    clock.advance(minutes=5)
    service.set_severity(inc.id, "SEV1")  # SEV2+15 and SEV2+60 superseded
    service.tick(inc.id, "SEV1+0")
    clock.advance(minutes=20)  # 09:25: SEV1+15 fell due at 09:20, never ticked
    service.waive(inc.id, "SEV1+15", "VP already in the room")
    clock.advance(minutes=15)  # 09:40: SEV1+30 fell due at 09:35, never ticked
    service.resolve(inc.id, "rolled back")
    clock.advance(minutes=180)
    plan = plan_of(service, inc.id)
    assert plan["SEV2+0"].state == "notified"
    assert plan["SEV2+15"].state == "cancelled"
    assert plan["SEV2+60"].state == "cancelled"
    assert plan["SEV1+0"].state == "notified"
    assert plan["SEV1+15"].state == "waived"
    assert plan["SEV1+30"].state == "skipped"
    draft = service.postmortem(inc.id)
    missed = [x for x in draft["went_badly"] if "never notified" in x]
    assert missed == ["Escalation steps that fell due but were never notified: SEV1+30"]
    assert draft["waived"] == [
        {"step": "SEV1+15", "reason": "VP already in the room", "by": "tester"}
    ]


def test_resolve_cancels_or_skips_what_is_left(service, clock):
    inc = service.declare("Orders DB down", "SEV1", services=["orders-db"])
    service.tick(inc.id, "SEV1+0")
    clock.advance(minutes=20)
    service.resolve(inc.id, "failed over")
    clock.advance(minutes=60)
    plan = plan_of(service, inc.id)
    assert plan["SEV1+0"].state == "notified"
    assert plan["SEV1+15"].state == "skipped"  # fell due while open, never done
    assert plan["SEV1+30"].state == "cancelled"  # never fell due
    assert next_open(list(plan.values())) is None
    row = service.board(include_resolved=True)[0]
    assert row["next_step"] is None and row["next_due_at"] is None


def test_reopen_plans_again(service, clock):
    inc = service.declare("Orders DB down", "SEV1", services=["orders-db"])
    service.resolve(inc.id)
    clock.advance(minutes=40)
    service.reopen(inc.id)
    plan = plan_of(service, inc.id)
    assert plan["SEV1+0"].state == "overdue"
    assert service.get(inc.id).open


def test_derived_steps_say_so(service):
    inc = service.declare("Search zero results", "SEV3", services=["search-api"])
    steps = service.view(inc.id)["escalation"]
    assert [s["key"] for s in steps] == ["SEV3+0", "SEV3+30"]
    assert all(s["derived"] for s in steps)


def test_tick_by_number_role_and_key_and_refusals(service, clock):
    inc = service.declare("Orders DB down", "SEV1", services=["orders-db"])
    service.tick(inc.id, "2")
    assert plan_of(service, inc.id)["SEV1+15"].state == "notified"
    service.tick(inc.id, "cto", ack=True)
    assert plan_of(service, inc.id)["SEV1+30"].state == "acknowledged"
    with pytest.raises(InputError, match="already acknowledged"):
        service.tick(inc.id, "SEV1+30")
    with pytest.raises(InputError, match="has no step 'SEV9\\+0'"):
        service.tick(inc.id, "SEV9+0")
    service.untick(inc.id, "sev1+15")
    assert plan_of(service, inc.id)["SEV1+15"].state == "pending"
    with pytest.raises(InputError, match="is not ticked"):
        service.untick(inc.id, "SEV1+15")


def test_acknowledged_timestamp_for_metrics(service, clock):
    inc = service.declare(
        "Orders DB down",
        "SEV1",
        services=["orders-db"],
        impact_started_at=T0 - timedelta(minutes=7),
    )
    clock.advance(minutes=2)
    service.tick(inc.id, "1", ack=True)
    clock.advance(minutes=10)
    service.set_status(inc.id, "monitoring")
    clock.advance(minutes=10)
    service.resolve(inc.id)
    view = service.view(inc.id)
    assert view["detected_at"] == "2026-03-01T08:53:00.000Z"
    assert view["acknowledged_at"] == "2026-03-01T09:02:00.000Z"
    assert view["mitigated_at"] == "2026-03-01T09:12:00.000Z"
    assert view["resolved_at"] == "2026-03-01T09:22:00.000Z"
