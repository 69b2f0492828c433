"""End to end through real HTTP receivers on 127.0.0.1: what each channel receives,
field by field, and how ack timeouts, repeats, early escalation, resolve, a receiver
that is down and a channel that keeps failing behave. Time moves by ManualClock."""

from __future__ import annotations

import json

import jsonschema
import pytest
from nkit import PD_KEY, SPEC, T0, make_world

from console.model.clock import iso
from console.model.paging.view import paging_view
from console.notify.actions import acknowledge, confirm_severity
from console.store.paging_status import failing_channels, incident_paging


def pd_schema() -> dict:
    spec = json.loads(SPEC.read_text())
    schema = spec["paths"]["/enqueue"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    return {**schema, "components": spec["components"]}


def validate_pd(body: dict) -> None:
    jsonschema.validate(body, pd_schema(), format_checker=jsonschema.FormatChecker())


def sev1(world, **kw):
    kw.setdefault("services", ["payment-api"])
    return world.service.declare("Payments failing at checkout", "SEV1", **kw)


def by_key(receiver) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in receiver.requests:
        out.setdefault(r["headers"]["idempotency-key"], []).append(r)
    return out


# ------------------------------------------------------------------ payloads


def test_pagerduty_trigger_matches_the_spec_field_by_field(world):
    inc = sev1(world)
    world.runner().run_once()
    pd = world.receivers["pagerduty"]
    assert pd.requests, "PagerDuty receiver got nothing"
    for req in pd.requests:
        body = req["body"]
        validate_pd(body)
        assert req["path"] == "/v2/enqueue"
        assert req["headers"]["content-type"] == "application/json"
        assert body["routing_key"] == PD_KEY
        assert body["event_action"] == "trigger"
        p = body["payload"]
        assert p["severity"] == "critical"  # SEV1
        assert p["source"] == "incident-console"
        assert p["timestamp"] == "2026-03-01T09:00:00.000Z"
        assert p["component"] == "payment-api" and p["group"] == "service"
        assert len(p["summary"]) <= 1024
        assert inc.id in p["summary"] and "Payments failing at checkout" in p["summary"]
        assert "SEV1" in p["summary"]
        assert f"incident-console tick {inc.id} SEV1+0 --ack" in p["summary"]
        d = p["custom_details"]
        assert d["incident_id"] == inc.id and d["step"] == "SEV1+0" and d["round"] == 0
        assert d["acknowledge"] == f"incident-console tick {inc.id} SEV1+0 --ack"
    dedups = {b["dedup_key"] for b in pd.bodies()}
    assert dedups == {
        f"incident-console/{inc.id}/kenji.sato",
        f"incident-console/{inc.id}/hana.kobayashi",
    }
    kenji = next(b for b in pd.bodies() if b["dedup_key"].endswith("kenji.sato"))
    assert "platform_lead" in kenji["payload"]["summary"]
    assert (
        "At SEV1 the Platform Engineering role is: infrastructure support"
        in kenji["payload"]["summary"]
    )
    hana = next(b for b in pd.bodies() if b["dedup_key"].endswith("hana.kobayashi"))
    assert (
        "At SEV1 the SRE role is: overall coordination"
        in hana["payload"]["custom_details"]["asked"]
    )
    assert (
        "You coordinate this incident (SRE-Mediated)" in hana["payload"]["custom_details"]["asked"]
    )


@pytest.mark.parametrize(
    "severity,expected",
    [("SEV2", "error"), ("SEV3", "warning"), ("SEV4", "info"), ("SEV5", "info")],
)
def test_pagerduty_severity_mapping(tmp_path, receivers, memory_keyring, severity, expected):
    # a channel that reaches the responsible team's on-call (payments) through PagerDuty
    notify = f"""
[[channels]]
id = "pd-payments"
type = "pagerduty"
url = "{receivers["pagerduty"].url}"
routing_key_secret = "pd_sre_key"
teams = ["payments"]
"""
    w = make_world(tmp_path, receivers, memory_keyring, notify)
    try:
        w.service.declare("Refunds slow", severity, services=["payment-api"])
        w.runner().run_once()
        bodies = [b for b in receivers["pagerduty"].bodies() if b["event_action"] == "trigger"]
        assert bodies and {b["payload"]["severity"] for b in bodies} == {expected}
        for b in bodies:
            validate_pd(b)
    finally:
        w.close()


def test_slack_gets_text_and_blocks(world):
    inc = sev1(world)
    world.runner().run_once()
    slack = world.receivers["slack"]
    bodies = slack.bodies()
    assert len(bodies) == 2  # kenji (team platform-infra) and aoi (team payments)
    for body in bodies:
        assert set(body) == {"text", "blocks"}
        assert inc.id in body["text"] and "SEV1" in body["text"]
        header, section, fields, context = body["blocks"]
        assert header["type"] == "header" and header["text"]["type"] == "plain_text"
        assert header["text"]["text"] == f"Paging: SEV1 {inc.id} Payments failing at checkout"
        assert len(header["text"]["text"]) <= 150
        assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
        assert "*Asked of you:*" in section["text"]["text"]
        assert fields["type"] == "section"
        texts = [f["text"] for f in fields["fields"]]
        assert all(f["type"] == "mrkdwn" for f in fields["fields"])
        assert texts[0].startswith("*Severity*\nSEV1 — Critical")
        assert "*Step*\nSEV1+0 (page 1 of 4)" in texts
        assert context["type"] == "context"
        assert f"`incident-console tick {inc.id} SEV1+0 --ack`" in context["elements"][0]["text"]
    aoi = next(b for b in bodies if "Aoi Matsumoto" in b["text"])
    assert "product_leads" in aoi["blocks"][1]["text"]["text"]
    assert "At SEV1 the Product Engineering role is: domain response" in aoi["text"]
    assert f"incident-console ack {inc.id} --as aoi.matsumoto" in aoi["text"]


def test_webhook_gets_the_whole_message_with_auth_and_idempotency_key(world):
    inc = sev1(world)
    world.runner().run_once()
    hook = world.receivers["webhook"]
    assert len(hook.requests) == 1
    req = hook.requests[0]
    body = req["body"]
    assert req["headers"]["authorization"] == "Bearer hook-bearer-token"
    assert req["headers"]["idempotency-key"] == f"{inc.id}/SEV1+0/aoi.matsumoto/r0@hook"
    assert req["headers"]["user-agent"].startswith("incident-console/")
    assert body["version"] == 1 and body["source"] == "incident-console"
    assert body["idempotency_key"] == req["headers"]["idempotency-key"]
    assert body["kind"] == "trigger" and body["reason"] == "due" and body["round"] == 0
    assert body["sent_at"] == "2026-03-01T09:00:00.000Z"
    assert body["incident"]["id"] == inc.id and body["incident"]["severity"] == "SEV1"
    assert body["incident"]["title"] == "Payments failing at checkout"
    assert body["step"]["key"] == "SEV1+0" and body["step"]["roles"] == [
        "platform_lead",
        "product_leads",
        "sre_lead",
    ]
    assert body["target"]["person"] == "aoi.matsumoto" and body["target"]["team_type"] == "product"
    assert body["target"]["roles"] == ["product_leads"]
    assert body["asked"].startswith("You are paged as product_leads")
    assert body["acknowledge"] == {
        "command": f"incident-console tick {inc.id} SEV1+0 --ack",
        "target_command": f"incident-console ack {inc.id} --as aoi.matsumoto",
    }
    assert body["dedup_key"] == f"incident-console/{inc.id}/aoi.matsumoto"


# ------------------------------------------------------------------ policy semantics


def test_step_is_ticked_notified_by_the_bot_and_every_attempt_is_on_the_timeline(world):
    inc = sev1(world)
    world.runner().run_once()
    view = world.service.view(inc.id)
    step = view["escalation"][0]
    assert (
        step["key"] == "SEV1+0"
        and step["state"] == "notified"
        and step["notified_by"] == "escalation-bot"
    )
    kinds = [t["kind"] for t in view["timeline"]]
    assert kinds.count("page_queued") == 3  # kenji, aoi, hana: one row per page
    assert "page_delivered" not in kinds  # a delivery joins its page's row
    assert len(world.deliveries(inc.id)) == 5  # kenji x2 channels, aoi x2, hana x1
    assert "step_ticked" in kinds
    assert all(
        t["actor"] == "escalation-bot" for t in view["timeline"] if t["kind"].startswith("page_")
    )
    pv = paging_view(world.service.get(inc.id))
    assert [(p["step"], p["target"], p["rounds"], p["deliveries"]) for p in pv["pages"]] == [
        ("SEV1+0", "kenji.sato", 1, 2),
        ("SEV1+0", "aoi.matsumoto", 1, 2),
        ("SEV1+0", "hana.kobayashi", 1, 1),
    ]
    assert (
        pv["pages"][0]["channels"] == ["pd-sre", "slack-incidents"]
        and not pv["pages"][0]["acknowledged"]
    )


def test_ack_timeout_repeats_up_to_k_then_stops(world):
    sev1(world)
    r = world.runner()
    pd = world.receivers["pagerduty"]
    for minute in range(0, 40):
        world.at(minute)
        r.run_once()
    hana = [b for b in pd.bodies() if b["dedup_key"].endswith("hana.kobayashi")]
    # SEV1: renotify every 5 min, 3 repeats → pages at 0, 5, 10, 15 and no more
    assert [b["payload"]["custom_details"]["round"] for b in hana] == [0, 1, 2, 3]
    assert [b["payload"]["timestamp"] for b in hana] == [
        iso(T0.replace(minute=m)) for m in (0, 5, 10, 15)
    ]
    # the same dedup_key every time: a repeat updates the open alert
    assert len({b["dedup_key"] for b in hana}) == 1


def test_an_acknowledgement_stops_repeats_to_that_target_only(world):
    inc = sev1(world)
    r = world.runner()
    r.run_once()
    world.at(2)
    acknowledge(world.service, inc.id, target="hana.kobayashi")
    world.at(5)
    r.run_once()
    pd = world.receivers["pagerduty"].bodies()
    hana = [b for b in pd if b["dedup_key"].endswith("hana.kobayashi")]
    kenji = [b for b in pd if b["dedup_key"].endswith("kenji.sato")]
    assert [b["event_action"] for b in hana] == ["trigger", "acknowledge"]
    for b in hana:
        validate_pd(b)
    assert hana[1] == {
        "routing_key": PD_KEY,
        "event_action": "acknowledge",
        "dedup_key": f"incident-console/{inc.id}/hana.kobayashi",
    }
    assert [b["event_action"] for b in kenji] == ["trigger", "trigger"]  # kenji did not ack: repeat
    texts = [t["text"] for t in world.timeline(inc.id, {"page_acknowledged"})]
    assert texts == ["Hana Kobayashi acknowledged the page; no more repeats to them"]


def test_step_ack_via_tick_stops_the_step_and_acknowledges_on_pagerduty_and_webhook(world):
    inc = sev1(world)
    r = world.runner()
    r.run_once()
    world.at(3)
    world.service.tick(inc.id, "SEV1+0", ack=True)
    world.at(20)
    r.run_once()
    pd = world.receivers["pagerduty"].bodies()
    acks = [b for b in pd if b["event_action"] == "acknowledge"]
    assert {b["dedup_key"] for b in acks} == {
        f"incident-console/{inc.id}/kenji.sato",
        f"incident-console/{inc.id}/hana.kobayashi",
    }
    hook = world.receivers["webhook"].bodies()
    assert [b["kind"] for b in hook] == ["trigger", "acknowledge"]
    # no repeats for the acknowledged step; SEV1+15 fired when due (not early: someone acknowledged)
    sev1_0 = [
        b
        for b in pd
        if b["event_action"] == "trigger" and b["payload"]["custom_details"]["step"] == "SEV1+0"
    ]
    assert len(sev1_0) == 2
    vp = [
        b
        for b in pd
        if b["event_action"] == "trigger" and b["payload"]["custom_details"]["step"] == "SEV1+15"
    ]
    assert len(vp) == 1 and vp[0]["payload"]["timestamp"] == "2026-03-01T09:20:00.000Z"
    queued = [t for t in world.timeline(inc.id, {"page_queued"}) if "SEV1+15" in t["text"]]
    assert "[due]" in queued[0]["text"]


def test_early_escalation_when_nobody_acknowledges(world):
    inc = sev1(world)
    r = world.runner()
    for minute in (0, 5, 9):
        world.at(minute)
        r.run_once()
    assert not [
        b
        for b in world.receivers["pagerduty"].bodies()
        if b["payload"]["custom_details"]["step"] == "SEV1+15"
    ]
    world.at(10)  # SEV1+15 is due at +15, but nobody acknowledged SEV1+0 within 10 min
    r.run_once()
    vp = [
        b
        for b in world.receivers["pagerduty"].bodies()
        if b["payload"]["custom_details"]["step"] == "SEV1+15"
    ]
    assert len(vp) == 1 and vp[0]["dedup_key"].endswith("taro.yamamoto")
    assert vp[0]["payload"]["timestamp"] == "2026-03-01T09:10:00.000Z"
    text = [t["text"] for t in world.timeline(inc.id, {"page_queued"}) if "SEV1+15" in t["text"]][0]
    assert "early: nobody acknowledged SEV1+0 within 10 min" in text
    step = next(s for s in world.service.view(inc.id)["escalation"] if s["key"] == "SEV1+15")
    assert step["state"] == "notified" and step["notified_by"] == "escalation-bot"


def test_resolve_sends_resolve_where_supported_and_stops_everything(world):
    inc = sev1(world)
    r = world.runner()
    r.run_once()
    world.at(4)
    world.service.resolve(inc.id, "rolled back")
    r.run_once()
    world.at(60)
    r.run_once()
    pd = world.receivers["pagerduty"].bodies()
    resolves = [b for b in pd if b["event_action"] == "resolve"]
    assert {b["dedup_key"] for b in resolves} == {
        f"incident-console/{inc.id}/kenji.sato",
        f"incident-console/{inc.id}/hana.kobayashi",
    }
    for b in resolves:
        validate_pd(b)
        assert set(b) == {"routing_key", "event_action", "dedup_key"}
    assert [b["event_action"] for b in pd].count("trigger") == 2  # nothing after the resolve
    hook = world.receivers["webhook"].bodies()
    assert [b["kind"] for b in hook] == ["trigger", "resolve"]
    assert hook[1]["incident"]["status"] == "resolved"
    slack = world.receivers["slack"].bodies()
    resolved_msgs = [b for b in slack if b["blocks"][0]["text"]["text"].startswith("Resolved:")]
    assert len(resolved_msgs) == 1  # one announcement per chat channel, not one per person


def test_receiver_down_then_up_is_delivered_once_it_is_back(world):
    pd = world.receivers["pagerduty"]
    port = pd.port
    pd.stop()  # connection refused
    inc = sev1(world)
    r = world.runner()
    rep = r.run_once()
    assert {f["channel"] for f in rep.failed} == {"pd-sre"}
    rows = [row for row in incident_paging(world.store.conn, inc.id) if row["channel"] == "pd-sre"]
    # one attempt per channel per pass: the second page waits instead of timing out too
    assert all(row["state"] == "queued" for row in rows) and sorted(
        r["attempts"] for r in rows
    ) == [0, 1]
    failed = world.timeline(inc.id, {"page_failed"})
    assert (
        len(failed) == 1
        and "network error" in failed[0]["text"]
        and "retrying at" in failed[0]["text"]
    )
    # still down at the next pass
    world.at(1)
    r.run_once()
    pd.port = port
    pd.start()
    world.at(2)
    r.run_once()
    world.at(4)
    r.run_once()
    keys = by_key(pd)
    assert set(keys) == {
        f"{inc.id}/SEV1+0/kenji.sato/r0@pd-sre",
        f"{inc.id}/SEV1+0/hana.kobayashi/r0@pd-sre",
    }
    assert all(len(v) == 1 for v in keys.values())
    delivered = [via for via in world.deliveries(inc.id) if via.startswith("pd-sre")]
    assert delivered == ["pd-sre (attempt 2)"] * 2
    assert failing_channels(world.store.conn) == []


def test_a_channel_that_keeps_failing_is_shown_and_nothing_is_dropped(world):
    world.receivers["webhook"].mode = "fail"
    inc = sev1(world)
    r = world.runner()
    for minute in (0, 1, 2, 3, 4):
        world.at(minute)
        r.run_once()
    failing = failing_channels(world.store.conn)
    assert [f["channel"] for f in failing] == ["hook"]
    f = failing[0]
    assert f["consecutive_failures"] >= 3 and f["pending"] >= 1 and inc.id in f["incidents"]
    assert "HTTP 503" in f["last_error"]
    texts = [t["text"] for t in world.timeline(inc.id, {"page_failed"})]
    assert any("channel hook is FAILING" in t for t in texts)
    # back to health: the waiting pages go out, the channel is no longer failing
    world.receivers["webhook"].mode = "ok"
    world.at(30)
    r.run_once()
    assert failing_channels(world.store.conn) == []
    assert all(row["state"] != "queued" for row in incident_paging(world.store.conn, inc.id))
    keys = by_key(world.receivers["webhook"])
    assert f"{inc.id}/SEV1+0/aoi.matsumoto/r0@hook" in keys


def test_a_hanging_channel_times_out_once_per_pass_and_does_not_stall_the_others(
    tmp_path, receivers, memory_keyring
):
    w = make_world(tmp_path, receivers, memory_keyring, hook_extra="timeout_seconds = 0.3")
    try:
        receivers["webhook"].mode = "hang"
        for i in range(3):
            w.service.declare(f"Outage {i}", "SEV1", services=["payment-api"])
        rep = w.runner().run_once()
        hook_failures = [f for f in rep.failed if f["channel"] == "hook"]
        assert len(hook_failures) == 1 and hook_failures[0]["error"] == "timed out after 0.3s"
        assert len(rep.delivered) == 3 * 4  # every other page of the three incidents went out
        waiting = w.store.conn.execute(
            "SELECT count(*) FROM notify_outbox WHERE channel = 'hook' AND state = 'queued'"
        ).fetchone()[0]
        assert waiting == 3  # nothing dropped: they wait for the next pass
    finally:
        receivers["webhook"].release.set()
        w.close()


def test_throttled_pagerduty_retries_after_what_it_asked(world):
    world.receivers["pagerduty"].mode = "throttle"
    sev1(world)
    rep = world.runner().run_once()
    pd = [f for f in rep.failed if f["channel"] == "pd-sre"]
    assert len(pd) == 1 and pd[0]["error"].startswith("HTTP 429")
    assert (
        pd[0]["retry_at"] == "2026-03-01T09:02:00.000Z"
    )  # Retry-After: 120 beats the 15 s backoff


def test_permanent_rejection_is_failing_at_once_and_keeps_retrying_slowly(world):
    world.receivers["pagerduty"].mode = "reject"
    sev1(world)
    r = world.runner()
    rep = r.run_once()
    assert {f["channel"] for f in rep.failed} == {"pd-sre"}
    assert all(f["channel_failing"] for f in rep.failed)
    assert all(f["retry_at"] == "2026-03-01T09:05:00.000Z" for f in rep.failed)  # retry_max_seconds
    assert [f["channel"] for f in failing_channels(world.store.conn)] == ["pd-sre"]


def test_undelivered_page_is_abandoned_visibly_when_acknowledged_first(world):
    world.receivers["pagerduty"].mode = "fail"
    inc = sev1(world)
    r = world.runner()
    r.run_once()
    world.service.tick(inc.id, "SEV1+0", ack=True)
    world.receivers["pagerduty"].mode = "ok"
    world.at(2)
    rep = r.run_once()
    assert {a["why"] for a in rep.abandoned} == {"it was acknowledged before delivery"}
    texts = [t["text"] for t in world.timeline(inc.id, {"page_abandoned"})]
    assert texts and all("not sent: it was acknowledged before delivery" in t for t in texts)


def test_missing_secret_is_a_visible_failure_not_a_drop(world):
    world.ring.delete_password("incident-console-secrets", "pd_sre_key")
    inc = sev1(world)
    rep = world.runner().run_once()
    errors = {f["error"] for f in rep.failed if f["channel"] == "pd-sre"}
    assert errors and all("secret 'pd_sre_key' is not set" in e for e in errors)
    assert [f["channel"] for f in failing_channels(world.store.conn)] == ["pd-sre"]
    assert world.receivers["pagerduty"].requests == []
    assert any("FAILING" in t["text"] for t in world.timeline(inc.id, {"page_failed"}))


# ------------------------------------------------------------------ nudges


def test_nudges_to_the_commander(world):
    inc = world.service.declare(
        "Search degraded", "SEV3", services=["search-api"], commander="commander"
    )
    r = world.runner()
    world.at(4)
    r.run_once()
    assert not world.timeline(inc.id, {"page_queued"}) or all(
        "nudge" not in t["text"] for t in world.timeline(inc.id, {"page_queued"})
    )
    world.at(5)
    r.run_once()
    nudges = [t["text"] for t in world.timeline(inc.id, {"page_queued"}) if "nudge" in t["text"]]
    assert any("severity-unconfirmed" in t for t in nudges)
    assert any("no-commander" in t for t in nudges)
    slack = [
        b
        for b in world.receivers["slack"].bodies()
        if b["blocks"][0]["text"]["text"].startswith("Commander nudge")
    ]
    assert len(slack) == 2
    assert any(f"incident-console confirm {inc.id}" in b["text"] for b in slack)
    world.service.set_status(inc.id, "identified")
    world.at(31)
    r.run_once()
    nudges = [t["text"] for t in world.timeline(inc.id, {"page_queued"}) if "nudge" in t["text"]]
    assert not any("no-status-update" in t for t in nudges)  # updated at +5, so due at +35
    world.at(36)
    r.run_once()
    nudges = [
        t["text"]
        for t in world.timeline(inc.id, {"page_queued"})
        if "no-status-update" in t["text"]
    ]
    assert len(nudges) == 1 and "no status update for 31 min" in nudges[0]


def test_confirming_the_severity_prevents_the_nudge(world):
    inc = world.service.declare("Search degraded", "SEV3", services=["search-api"])
    world.at(2)
    confirm_severity(world.service, inc.id)
    world.at(10)
    world.runner().run_once()
    assert not [
        t for t in world.timeline(inc.id, {"page_queued"}) if "severity-unconfirmed" in t["text"]
    ]
    assert world.timeline(inc.id, {"severity_confirmed"})[0]["text"] == "severity SEV3 confirmed"


# ------------------------------------------------------------------ drills


def test_drill_incidents_never_reach_real_channels(world):
    inc = world.service.declare(
        "Drill: payments down", "SEV1", services=["payment-api"], drill="dr-1"
    )
    r = world.runner()  # a real runner: no sink given, drills still go to the drill sink
    for minute in (0, 5, 10, 16):
        world.at(minute)
        r.run_once()
    world.service.resolve(inc.id)
    r.run_once()
    assert all(rec.requests == [] for rec in world.receivers.values())
    kinds = [m["message"]["kind"] for m in world.drill_sink.messages]
    assert "trigger" in kinds and "resolve" in kinds
    assert {m["channel"] for m in world.drill_sink.messages} == {"drill"}
    delivered = world.deliveries(inc.id)
    assert delivered and all(via == "the drill sink" for via in delivered)


def test_a_drill_row_on_a_real_channel_is_still_kept_off_it(world):
    """Even if a real channel row exists for a drill incident (e.g. synced from an
    older console), the runner delivers it to the drill sink."""
    from console.store import outbox

    inc = world.service.declare("Drill", "SEV2", services=["payment-api"], drill="dr-2")
    with world.store.transaction():
        outbox.enqueue(
            world.store.conn,
            intent_key=f"{inc.id}/x/aoi/r0",
            incident_id=inc.id,
            step="SEV2+0",
            target="aoi.matsumoto",
            kind="nudge",
            channel="hook",
            event_id="e1",
            message={"kind": "nudge", "incident": {"id": inc.id}},
            now=iso(T0),
        )
    world.runner().run_once()
    assert world.receivers["webhook"].requests == []
    assert any(m["key"] == f"{inc.id}/x/aoi/r0@hook" for m in world.drill_sink.messages)


def test_a_sink_replaces_every_real_channel(world):
    from console.notify.channels import DrillSink

    sink = DrillSink()
    sev1(world)
    world.runner(sink=sink).run_once()
    assert all(rec.requests == [] for rec in world.receivers.values())
    assert {m["channel"] for m in sink.messages} == {"pd-sre", "slack-incidents", "hook"}


def test_a_new_target_mid_incident_is_paged_without_a_false_catch_up(world):
    inc = sev1(world)
    r = world.runner()
    for minute in (0, 1, 2):
        world.at(minute)
        r.run_once()
    world.service.add_service(inc.id, "checkout-api")  # brings the Checkout lead into product_leads
    world.at(3)
    rep = r.run_once()
    assert [(q["step"], q["target"], q["round"]) for q in rep.queued] == [
        ("SEV1+0", "yui.kimura", 0)
    ]
    assert rep.caught_up == [] and world.timeline(inc.id, {"escalation_caught_up"}) == []
