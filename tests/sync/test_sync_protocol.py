"""The wire format both ends share."""

from __future__ import annotations

import pytest

from console.sync import protocol as wire


def event(**over):
    base = {
        "event_id": "0190f1c2-7d3e-7abc-8def-0123456789ab",
        "incident_id": "INC-1",
        "kind": "note_added",
        "body": {"text": "hi"},
        "actor": "ana",
        "origin": "a1b2c3",
        "hlc": "1772355600000-00000",
        "at": "2026-03-01T09:00:00.000Z",
    }
    base.update(over)
    return base


def test_a_good_event_passes():
    assert wire.event_problem(event()) is None
    assert wire.event_problem({**event(), "server_seq": 3}, from_server=True) is None


@pytest.mark.parametrize(
    "over, words",
    [
        ({"event_id": "not-a-uuid"}, "event_id"),
        ({"event_id": "0190F1C2-7D3E-7ABC-8DEF-0123456789AB"}, "lowercase UUID"),
        ({"incident_id": ""}, "incident_id"),
        ({"incident_id": "INC 1"}, "incident_id"),
        ({"kind": "Note Added"}, "kind"),
        ({"body": "text"}, "body must be a JSON object"),
        ({"body": None}, "body"),
        ({"actor": ""}, "actor"),
        ({"actor": 7}, "actor"),
        ({"origin": "x" * 65}, "origin"),
        ({"hlc": "12-3"}, "hlc"),
        # other scripts' digits: such a stamp would sort after every ASCII one
        ({"hlc": "\u0661" * 13 + "-00000"}, "hlc must look like"),
        ({"hlc": "1772355600000-\u0660\u0660\u0660\u0660\u0660"}, "hlc must look like"),
        ({"at": "2026-03-01T09:00:00.000Z".replace("0", "\u0660")}, "at must be an ISO-8601"),
        (
            {
                "kind": "declared",
                "body": {
                    "title": "t",
                    "severity": "SEV1",
                    "impact_started_at": "\u0662026-03-01T09:00:00Z",
                },
            },
            "body.impact_started_at",
        ),
        ({"at": "yesterday"}, "at must be an ISO-8601"),
        ({"at": "2026-02-30T09:00:00Z"}, "not a real time"),
        ({"at": "2026-03-01T09:00:00"}, "zone"),
        ({"extra": 1}, "unknown field 'extra'"),
        ({"server_seq": 4}, "unknown field 'server_seq'"),
        # a kind from a newer version is passed on, but not beyond the size limit
        ({"kind": "future_kind", "body": {"text": "x" * (wire.MAX_EVENT_BYTES + 1)}}, "limit is"),
        # the catalogue's limits are the server's: a note longer than a console may write
        ({"body": {"text": "x" * 16_001}}, "body.text"),
        ({"body": {}}, "note_added: body.text is required"),
        ({"kind": "severity_set", "body": {"severity": "SEV9"}}, "body.severity"),
        ({"body": {"text": "bad \udcff byte"}}, "not valid UTF-8"),
        ({"actor": "bad \udcff byte"}, "actor is not valid UTF-8"),
    ],
)
def test_bad_events_say_why(over, words):
    problem = wire.event_problem(event(**over))
    assert problem and words in problem


def test_missing_field_and_non_object():
    raw = event()
    del raw["hlc"]
    assert wire.event_problem(raw) == "missing field 'hlc'"
    assert "JSON object" in wire.event_problem(["x"])
    assert "server_seq" in wire.event_problem({**event(), "server_seq": 0}, from_server=True)
    assert "server_seq" in wire.event_problem({**event(), "server_seq": True}, from_server=True)


def test_canonical_ignores_key_order_and_server_seq():
    a = event(body={"b": 1, "a": [1, "é"]})
    b = dict(reversed(list(a.items())))
    assert wire.canonical(a) == wire.canonical({**b, "server_seq": 9})
    assert "é" in wire.canonical(a)


@pytest.mark.parametrize(
    "data, words",
    [
        ([], "JSON object"),
        ({"protocol": 2, "client_id": "c", "events": []}, "unsupported protocol 2"),
        ({"protocol": 1, "client_id": "", "events": []}, "client_id"),
        ({"protocol": 1, "client_id": "c", "events": {}}, "events must be a list"),
        ({"protocol": 1, "client_id": "c", "events": [], "x": 1}, "unknown field"),
        (
            {"protocol": 1, "client_id": "c", "events": [{}] * (wire.MAX_BATCH + 1)},
            f"limit is {wire.MAX_BATCH}",
        ),
    ],
)
def test_push_envelope(data, words):
    assert words in wire.push_problem(data)


def test_pull_params():
    assert wire.pull_params({}) == (0, wire.MAX_BATCH, 0.0, None)
    eid = "0190f1c2-7d3e-7abc-8def-0123456789ab"
    assert wire.pull_params({"after": "7", "limit": "10", "wait": "2.5", "after_id": eid}) == (
        7,
        10,
        2.5,
        eid,
    )
    for bad in (
        {"after": "-1"},
        {"after": "x"},
        {"limit": "0"},
        {"limit": str(wire.MAX_BATCH + 1)},
        {"wait": "61"},
        {"wait": "nan"},
        {"after_id": "x"},
        # what int() and float() would take, but is no plain decimal
        {"after": "+5"},
        {"after": " 5"},
        {"limit": "5_000"},
        {"after": "\u0665"},  # ARABIC-INDIC DIGIT FIVE
        {"wait": "1e1"},
        {"wait": "inf"},
    ):
        with pytest.raises(wire.ProtocolError):
            wire.pull_params(bad)
    for bad in ({"upto": "-1"}, {"upto": "+5"}, {"after": "1_0"}):
        with pytest.raises(wire.ProtocolError):
            wire.open_params(bad)
    assert wire.open_params({"after": "3", "upto": "9"}) == (3, 9, wire.MAX_BATCH)


def test_reply_checks():
    good = {"log_id": "L", "results": [{"event_id": "e1", "status": "accepted", "server_seq": 1}]}
    assert wire.check_push_reply(good, ["e1"])[0]["server_seq"] == 1
    for bad in (
        {"results": []},
        {"log_id": "L", "results": []},
        {"log_id": "L", "results": [{"event_id": "e2", "status": "accepted", "server_seq": 1}]},
        {"log_id": "L", "results": [{"event_id": "e1", "status": "maybe"}]},
        {"log_id": "L", "results": [{"event_id": "e1", "status": "accepted"}]},
    ):
        with pytest.raises(wire.ProtocolError):
            wire.check_push_reply(bad, ["e1"])
    with pytest.raises(wire.ProtocolError):
        wire.check_pull_reply(
            {"log_id": "L", "events": [], "next": -1, "head": 0, "has_more": False}
        )
    assert wire.check_pull_reply(
        {"log_id": "L", "events": [], "next": 0, "head": 0, "has_more": False}
    )
