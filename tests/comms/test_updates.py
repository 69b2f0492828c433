"""Stakeholder updates: the cadence per severity on an injected clock, the nudge to the
communications role when one is overdue, and an update delivered to a real receiver on
127.0.0.1 and recorded exactly once."""

from __future__ import annotations

from datetime import timedelta

from nkit import T0

from console.comms.desk import CommsDesk
from console.model.channels import paging_config
from console.model.errors import OrgError
from console.model.org import load_org
from console.model.updates import due_text


def _declare(w, severity="SEV1"):
    return w.service.declare(
        "Orders DB failover", severity, layers=["data"], services=["orders-db"]
    ).id


def test_cadence_follows_the_severity_and_the_last_update(told):
    w = told
    desk = CommsDesk(w.service)
    inc_id = _declare(w)
    inc = w.service.get(inc_id)
    assert desk.next_due(inc) == T0 + timedelta(minutes=30)  # SEV1: every 30 min
    assert due_text(desk.next_due(inc), T0) == "next update due in 30:00"
    w.at(10)
    desk.post(inc_id, "We are failing over the orders database.")
    inc = w.service.get(inc_id)
    assert desk.next_due(inc) == T0 + timedelta(minutes=40)  # from the update sent
    w.at(12)
    w.service.set_severity(inc_id, "SEV2")
    assert desk.next_due(w.service.get(inc_id)) == T0 + timedelta(minutes=70)  # SEV2: 60
    w.service.set_severity(inc_id, "SEV3")
    assert desk.next_due(w.service.get(inc_id)) is None  # no cadence at SEV3


def test_overdue_update_nudges_the_communications_role_once(told):
    w = told
    inc_id = _declare(w)
    w.service.assign(inc_id, "communications", "mei.suzuki")
    w.service.record(inc_id, __import__("console.model.events", fromlist=["x"]).SeverityConfirmed())
    runner = w.runner()
    w.at(29)
    runner.run_once()
    nudges = [t for t in w.timeline(inc_id) if "update-overdue" in t["text"]]
    assert not nudges  # not due yet
    w.at(31)
    runner.run_once()
    runner.run_once()  # deciding again nudges nobody twice
    queued = [
        e
        for e in w.service.events(inc_id)
        if e.kind == "page_queued" and e.body["reason"] == "update-overdue"
    ]
    assert len(queued) == 1
    assert queued[0].body["target"] == "communications"
    assert queued[0].body["target_name"] == "mei.suzuki"
    assert "incident-console update" in queued[0].body["message"]["text"]
    # an update sent clears it: the next is due 30 min after it
    CommsDesk(w.service).post(inc_id, "Failover done; watching replication.")
    w.at(40)
    runner.run_once()
    assert (
        len(
            [
                e
                for e in w.service.events(inc_id)
                if e.kind == "page_queued" and e.body["reason"] == "update-overdue"
            ]
        )
        == 1
    )


def test_update_reaches_a_real_receiver_once_and_is_recorded_once(told):
    w = told
    inc_id = _declare(w)
    w.at(5)
    desk = CommsDesk(w.service)
    draft = desk.draft(inc_id)
    assert draft.channels == ("hook",)  # marked stakeholders; PagerDuty never
    assert "cto" in draft.roles and "vp_engineering" in draft.roles
    desk.post(inc_id, draft.text)
    runner = w.runner()
    runner.run_once()
    runner.run_once()
    hook = w.receivers["webhook"]
    updates = [b for b in hook.bodies() if b["kind"] == "update"]
    assert len(updates) == 1
    assert updates[0]["text"].startswith(f"[SEV1] {inc_id} Orders DB failover — update 1")
    assert updates[0]["incident"]["severity"] == "SEV1"
    assert not [b for b in w.receivers["pagerduty"].bodies() if "update" in str(b)]
    kinds = [e.kind for e in w.service.events(inc_id)]
    assert kinds.count("update_posted") == 1
    delivered = [
        e
        for e in w.service.events(inc_id)
        if e.kind == "page_delivered" and e.body["kind"] == "update"
    ]
    assert len(delivered) == 1 and delivered[0].body["channel"] == "hook"


def test_update_verb_posts_and_sends_at_once(told, capsys):
    from console.cli import main

    w = told
    inc_id = _declare(w)
    w.store.close()
    args = ["--db", str(w.db_path), "--org", str(w.org_path), "--as", "mei.suzuki"]
    assert (
        main([*args, "update", inc_id, "--text", "Orders are failing; ETA 20 min.", "--json"]) == 0
    )
    out = __import__("json").loads(capsys.readouterr().out)
    assert out["channels"] == ["hook"] and out["delivered"] == ["hook"]
    bodies = [b for b in w.receivers["webhook"].bodies() if b["kind"] == "update"]
    assert [b["text"] for b in bodies] == ["Orders are failing; ETA 20 min."]
    w.store = __import__("console.store", fromlist=["Store"]).Store(w.db_path)


def test_updates_section_is_checked_with_file_and_line(tmp_path):
    text = """
[[channels]]
id = "pd"
type = "pagerduty"
routing_key_secret = "pd"
people = ["hana.kobayashi"]

[updates.SEV1]
every_minutes = "often"
roles = ["ceo"]
channels = ["pd"]
"""
    org = load_org([(text, "org.toml")])
    try:
        paging_config(org)
    except OrgError as exc:
        problems = "\n".join(exc.problems) if hasattr(exc, "problems") else str(exc)
    else:
        raise AssertionError("a broken [updates] section was accepted")
    assert "org.toml:9: every_minutes must be a number" in problems
    assert "org.toml:10: [updates.SEV1] unknown role 'ceo'" in problems
    assert "org.toml:11: [updates.SEV1] channel 'pd' is PagerDuty" in problems
