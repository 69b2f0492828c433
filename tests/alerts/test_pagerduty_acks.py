"""Acknowledgements back: a signed PagerDuty v3 webhook about one of our pages (its
incident_key is our dedup_key) acknowledges that step's target here, as the person who
acknowledged; a bad or missing signature is refused with nothing written."""

from __future__ import annotations

import json

import pytest
from akit import PD_SECRET, pd_payload, sign

from console.model import events
from console.model.folds.alerts import alerts_of
from console.model.folds.paging import state_of
from console.model.paging.messages import dedup_key


def _paged(w, target: str = "taro.yamamoto", step: str = "SEV1+15") -> str:
    """An incident whose escalation paged `target` for `step` (as the runner records it)."""
    inc = w.service.declare("Checkout down", "SEV1", services=["payment-api"])
    w.clock.advance(minutes=15)
    page = events.PageQueued(
        key=f"{inc.id}/{step}/{target}/0",
        kind="trigger",
        target=target,
        step=step,
        target_name="Taro Yamamoto",
        channels=["pd-sre"],
        summary=f"paged {target} for {step}",
    )
    w.service.record(inc.id, page, actor="escalation-bot")
    return inc.id


def test_a_signed_acknowledgement_acknowledges_our_step_as_the_person(desk_world):
    w = desk_world
    incident_id = _paged(w)
    reply = w.pagerduty(
        pd_payload("incident.acknowledged", dedup_key(incident_id, "taro.yamamoto"))
    )
    assert reply.status_code == 200, reply.text
    assert reply.json() == {
        "status": "acknowledged",
        "incident": incident_id,
        "target": "taro.yamamoto",
        "by": "taro.yamamoto",
        "matched_by": "pagerduty_id",  # the org file carries Taro's PagerDuty user id
    }
    inc = w.service.get(incident_id)
    assert state_of(inc).acked("taro.yamamoto", "SEV1+15")
    ack = [e for e in w.service.events(incident_id) if e.kind == "page_acknowledged"]
    assert [(e.actor, e.body["via"]) for e in ack] == [("taro.yamamoto", "PagerDuty")]
    step = next(s for s in w.service.plan(inc) if s.key == "SEV1+15")
    assert step.state == "acknowledged"  # the step's only target: the step is ticked
    assert any("acknowledged the page in PagerDuty" in t.text for t in inc.timeline)

    # PagerDuty redelivers: nothing more is written
    count = w.event_count()
    again = w.pagerduty(
        pd_payload("incident.acknowledged", dedup_key(incident_id, "taro.yamamoto"))
    )
    assert again.json()["status"] == "unchanged"
    assert w.event_count() == count


def test_during_rotation_any_of_several_signatures_may_match(desk_world):
    w = desk_world
    incident_id = _paged(w)
    raw = json.dumps(
        pd_payload("incident.acknowledged", dedup_key(incident_id, "taro.yamamoto"))
    ).encode()
    header = f"{sign(raw, 'an-old-secret-no-longer-ours')}, {sign(raw, PD_SECRET)}"
    reply = w.pagerduty(None, signature=header, raw=raw)
    assert reply.status_code == 200 and reply.json()["status"] == "acknowledged"


def test_a_bad_or_missing_signature_is_refused_and_nothing_is_written(desk_world):
    w = desk_world
    incident_id = _paged(w)
    payload = pd_payload("incident.acknowledged", dedup_key(incident_id, "taro.yamamoto"))
    raw = json.dumps(payload).encode()
    count = w.event_count()
    for signature in (
        None,
        "",
        sign(raw, "not-the-secret"),
        sign(raw + b" "),
        "v0=" + sign(raw)[3:],
        "v1=zz",
        "v1=\u00e9\u00e9".encode(),
    ):
        reply = w.pagerduty(payload, signature=signature, raw=raw)
        assert reply.status_code == 401, (signature, reply.text)
        assert "error" in reply.json()
    # signed, but the body was changed after signing
    tampered = raw.replace(b"taro.yamamoto", b"kenji.sato")
    assert w.pagerduty(None, signature=sign(raw), raw=tampered).status_code == 401
    assert w.event_count() == count
    assert not state_of(w.service.get(incident_id)).acks


def test_resolved_and_reassigned_are_noted_never_acted_on(desk_world):
    w = desk_world
    incident_id = _paged(w)
    key = dedup_key(incident_id, "taro.yamamoto")
    resolved = w.pagerduty(pd_payload("incident.resolved", key, event_id="EVT-RESOLVED-1"))
    assert resolved.json() == {
        "status": "noted",
        "incident": incident_id,
        "event_type": "incident.resolved",
    }
    assert (
        w.pagerduty(pd_payload("incident.resolved", key, event_id="EVT-RESOLVED-1")).json()[
            "status"
        ]
        == "unchanged"
    )
    w.pagerduty(
        pd_payload(
            "incident.reassigned", key, agent="Someone Else", agent_id="PSOMEONE", event_id="EVT-2"
        )
    )
    inc = w.service.get(incident_id)
    assert inc.open  # our incident is the commander's to resolve
    assert [p["event_type"] for p in alerts_of(inc).pager] == [
        "incident.resolved",
        "incident.reassigned",
    ]
    texts = [t.text for t in inc.timeline if t.kind == "pager_update"]
    assert texts[0] == "pagerduty: incident resolved by Taro Yamamoto (our page to taro.yamamoto)"
    assert texts[1] == (
        "pagerduty: incident reassigned (by Someone Else, who matches nobody in the org "
        "file) (our page to taro.yamamoto)"
    )
    actors = [e.actor for e in w.service.events(incident_id) if e.kind == "pager_update"]
    assert actors == ["taro.yamamoto", "pagerduty"]  # never a name we could not place


def test_pages_that_are_not_ours_are_ignored(desk_world):
    w = desk_world
    _paged(w)
    count = w.event_count()
    for key in ("d3640fbd41094207a1c11e58e46b1662", "incident-console/INC-99/taro.yamamoto"):
        reply = w.pagerduty(pd_payload("incident.acknowledged", key))
        assert reply.status_code == 200 and reply.json()["status"] == "ignored"
    assert w.event_count() == count


def _acknowledged_by(w, **agent) -> tuple[dict, str, object]:
    """Taro's page acknowledged in PagerDuty by `agent`: the reply, the actor recorded
    and the acknowledgement's timeline line."""
    incident_id = _paged(w)
    reply = w.pagerduty(
        pd_payload("incident.acknowledged", dedup_key(incident_id, "taro.yamamoto"), **agent)
    )
    assert reply.status_code == 200, reply.text
    inc = w.service.get(incident_id)
    assert state_of(inc).acked("taro.yamamoto", "SEV1+15")  # PagerDuty's word stops repeats
    ack = next(e for e in w.service.events(incident_id) if e.kind == "page_acknowledged")
    line = next(t.text for t in inc.timeline if t.kind == "page_acknowledged")
    return reply.json(), ack.actor, line


@pytest.mark.parametrize(
    ("agent", "person", "how"),
    [
        # the PagerDuty user id the org file gives Taro, whatever PagerDuty calls him
        (
            {"agent": "T. Yamamoto (on call)", "agent_id": "PLH1HKV"},
            "taro.yamamoto",
            "pagerduty_id",
        ),
        # an unknown id with an e-mail the org file gives Yuki (case does not matter)
        (
            {"agent": "Y. N.", "agent_id": "PYUKI01", "agent_email": "yuki.nakamura@EXAMPLE.com"},
            "yuki.nakamura",
            "email",
        ),
    ],
)
def test_the_agent_is_matched_by_pagerduty_id_then_email(desk_world, agent, person, how):
    reply, actor, line = _acknowledged_by(desk_world, **agent)
    assert (reply["by"], reply["matched_by"], actor) == (person, how, person)
    assert line == "Taro Yamamoto acknowledged the page in PagerDuty; no more repeats to them"


def test_a_name_only_match_is_said_on_the_timeline(desk_world):
    """Kenji has no PagerDuty id nor e-mail in the org file: his name is all we have."""
    reply, actor, line = _acknowledged_by(desk_world, agent="Kenji  Sato", agent_id="PKENJI9")
    assert (reply["by"], reply["matched_by"], actor) == ("kenji.sato", "name", "kenji.sato")
    assert line == (
        "page to Taro Yamamoto acknowledged in PagerDuty (by Kenji Sato: matched to the org "
        "file by name only); no more repeats to them"
    )


@pytest.mark.parametrize(
    "agent",
    [
        {"agent": "Someone Else", "agent_id": "PZZZZZZ"},  # nobody of ours
        # hostile words are kept as a label, never refusing PagerDuty's acknowledgement
        {"agent": "Evil\ud800 \x1b[31mName", "agent_id": "PEVIL\x07"},
        # Taro's name, but the org file knows Taro by another PagerDuty id: not him
        {"agent": "Taro Yamamoto", "agent_id": "POTHER1"},
        # Yuki's name, but an e-mail the org file does not give Yuki
        {"agent": "Yuki Nakamura", "agent_id": "POTHER2", "agent_email": "yuki@elsewhere.example"},
    ],
)
def test_an_agent_we_cannot_place_is_recorded_unmatched(desk_world, agent):
    reply, actor, line = _acknowledged_by(desk_world, **agent)
    assert (reply["by"], reply["matched_by"], actor) == ("pagerduty", "unmatched", "pagerduty")
    shown = "".join(ch for ch in agent["agent"] if ch.isprintable())
    assert line == (
        f"page to Taro Yamamoto acknowledged in PagerDuty (by {shown}, who matches "
        "nobody in the org file); no more repeats to them"
    )
