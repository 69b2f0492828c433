"""The published description of the `/v1` API (console/sync/openapi.json) against the
code that makes it and the server that answers: the file is what the generator writes,
it is valid OpenAPI 3.1, it names every route the server mounts, and real requests to
a real server (SQLite and PostgreSQL) get replies that fit it, errors included."""

from __future__ import annotations

import httpx
import jsonschema
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from openapi_core.exceptions import OpenAPIError
from openapi_kit import DOCUMENT, checked
from openapi_spec_validator import validate
from test_sync_server import ev, push

from console.alerts.receivers import AlertDesk, receiver_routes
from console.model import events
from console.model.org import load_org
from console.store.server_log import StorageUnavailable
from console.sync import openapi
from console.sync import protocol as wire
from console.sync.server import ServerLog, create_app

OCTETS = {"content-type": "application/octet-stream"}


def test_the_committed_document_is_what_the_generator_writes():
    assert openapi.PATH.read_text("utf-8") == openapi.render(), (
        "console/sync/openapi.json is out of date: run python -m console.sync.openapi"
    )


def test_the_document_is_valid_openapi_3_1():
    assert DOCUMENT["openapi"].startswith("3.1")
    validate(DOCUMENT)


def test_it_describes_every_route_serve_mounts_and_no_other(tmp_path):
    log = ServerLog(tmp_path / "server.db")
    desk = AlertDesk(tmp_path / "mirror.db", load_org([]))
    try:
        app = create_app(log, ["t" * 16], receiver_routes(desk, ["a" * 16]))
        served = {
            (route.path, method.lower())
            for route in app.routes
            for method in route.methods - {"HEAD"}  # Starlette answers HEAD beside GET
        }
    finally:
        desk.close()
        log.close()
    described = {(path, method) for path, ops in DOCUMENT["paths"].items() for method in ops}
    assert served == described


def test_the_document_is_served_to_anyone(server):
    with server.http(token=None) as http:
        r = checked(http.get("/v1/openapi.json"))
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.content == openapi.PATH.read_bytes()


def test_push_replies_fit(server):
    with server.http() as http:
        assert checked(push(http, [ev(1), ev(2)])).status_code == 200
        # duplicates and a new one
        assert checked(push(http, [ev(2), ev(3)])).status_code == 200
        # an empty batch stores nothing and is not refused
        assert checked(push(http, [])).status_code == 200
        # one event the checks refuse beside one stored: the document refuses it too
        mixed = checked(push(http, [ev(4), ev(5, hlc="soon")]), valid_request=False)
        assert [r["status"] for r in mixed.json()["results"]] == ["accepted", "rejected"]
        # every event rejected: 422, the same body (here an id stored with another body)
        changed = checked(push(http, [ev(1, body={"text": "rewritten"})]))
        assert changed.status_code == 422
        # refused by the catalogue, with no string id
        bad = [ev(6, kind="severity_set", body={"severity": "SEV9"}), {"event_id": 5}]
        assert checked(push(http, bad), valid_request=False).status_code == 422


@pytest.mark.parametrize(
    "over",
    [
        {"event_id": "0190F1C2-7D3E-7ABC-8DEF-0123456789AB"},
        {"incident_id": "INC 1"},
        {"kind": "Note"},
        {"actor": " "},
        {"actor": "a\tb"},
        {"origin": "o" * 65},
        {"hlc": "\u0661" * 13 + "-00000"},
        {"at": "2026-03-01T09:00:00"},
        {"body": {"text": ""}},
        {"kind": "status_set", "body": {"status": "closed"}},
        {"extra": 1},
    ],
)
def test_an_event_the_server_rejects_the_document_refuses(server, over):
    """The envelope's patterns and the catalogue's bodies are the checks' own."""
    with server.http() as http:
        r = checked(push(http, [ev(1, **over)]), valid_request=False)
    assert r.json()["results"][0]["status"] == "rejected"


@pytest.mark.parametrize(
    "kind, body",
    [
        ("declared", {"title": "Checkout down", "severity": "SEV1", "layers": ["data"]}),
        ("step_ticked", {"step": "SEV1+15", "mark": "acknowledged"}),
        ("future_kind", {"anything": [1, {"goes": True}]}),
    ],
)
def test_events_the_server_stores_the_document_accepts(server, kind, body):
    with server.http() as http:
        r = checked(push(http, [ev(1, kind=kind, body=body)]))
    assert r.json()["results"][0]["status"] == "accepted", r.json()


@pytest.mark.parametrize(
    "content, ctype, status, valid",
    [
        (b"{not json", "application/json", 400, False),
        (b'{"protocol": 9, "client_id": "a", "events": []}', "application/json", 400, False),
        (b'{"protocol": 1, "client_id": " ", "events": []}', "application/json", 400, False),
        (b'{"protocol": 1, "client_id": "a", "events": []}', "text/plain", 415, False),
        (b"x" * (wire.MAX_BODY_BYTES + 1), "application/json", 413, None),
    ],
)
def test_push_refusals_fit(server, content, ctype, status, valid):
    with server.http() as http:
        r = http.post("/v1/push", content=content, headers={"content-type": ctype})
        assert checked(r, valid_request=valid).status_code == status


def test_too_many_events_is_413_and_the_document_says_so(server):
    events = [ev(n) for n in range(wire.MAX_BATCH + 1)]
    with server.http() as http:
        assert checked(push(http, events), valid_request=False).status_code == 413


@pytest.mark.parametrize("token", [None, "wrong-token-0123456789"])
def test_without_a_valid_token_every_sync_route_is_401(server, token):
    with server.http(token=token) as http:
        replies = [
            push(http, [ev(1)]),
            http.get("/v1/pull"),
            http.get("/v1/open"),
            http.post("/v1/echo", content=b"", headers=OCTETS),
        ]
        for r in replies:
            # a missing token is a request the document refuses; a wrong one it cannot tell
            assert checked(r, valid_request=False if token is None else None).status_code == 401


def test_pull_replies_fit(server):
    with server.http() as http:
        assert checked(http.get("/v1/pull")).json()["events"] == []
        checked(push(http, [ev(n) for n in range(3)]))
        page = checked(http.get("/v1/pull", params={"after": 0, "limit": 2})).json()
        assert page["has_more"] and len(page["events"]) == 2
        last = page["events"][-1]
        rest = checked(
            http.get("/v1/pull", params={"after": page["next"], "after_id": last["event_id"]})
        )
        assert not rest.json()["has_more"]
        # a long-poll that times out: an empty page
        waited = checked(http.get("/v1/pull", params={"after": 3, "wait": 0.05}))
        assert waited.json()["events"] == []
        # a log that does not hold that event there: 409 with its log id
        moved = http.get("/v1/pull", params={"after": 1, "after_id": ev(9)["event_id"]})
        assert checked(moved).status_code == 409


def test_open_replies_fit(server):
    declared = {"title": "Checkout down", "severity": "SEV1"}
    with server.http() as http:
        assert checked(http.get("/v1/open")).json()["incidents"] == 0
        checked(push(http, [ev(1, kind="declared", body=declared), ev(2)]))
        first = checked(http.get("/v1/open", params={"limit": 1})).json()
        assert first["incidents"] == 1 and first["has_more"]
        params = {"after": first["next"], "upto": first["upto"]}
        assert checked(http.get("/v1/open", params=params)).status_code == 200


@pytest.mark.parametrize(
    "path, params",
    [
        ("/v1/pull", {"after": "x"}),
        ("/v1/pull", {"after": -1}),
        ("/v1/pull", {"limit": 0}),
        ("/v1/pull", {"limit": wire.MAX_BATCH + 1}),
        ("/v1/pull", {"wait": wire.MAX_WAIT_SECONDS + 1}),
        ("/v1/pull", {"after_id": "not-an-id"}),
        ("/v1/open", {"upto": "x"}),
        ("/v1/open", {"upto": -1}),
        ("/v1/open", {"limit": wire.MAX_BATCH + 1}),
    ],
)
def test_a_query_the_server_refuses_the_document_refuses(server, path, params):
    with server.http() as http:
        assert checked(http.get(path, params=params), valid_request=False).status_code == 400


def test_echo_and_health_fit(server):
    with server.http() as http:
        assert checked(http.post("/v1/echo", content=b"abc", headers=OCTETS)).json()["bytes"] == 3
        big = http.post("/v1/echo", content=b"x" * (wire.MAX_BODY_BYTES + 1), headers=OCTETS)
        assert checked(big, valid_request=None).status_code == 413
    with server.http(token=None) as http:
        assert checked(http.get("/v1/health")).json()["reachable"] is True


def test_a_database_gone_fits(server, monkeypatch):
    """503 with Retry-After for a request, and a health check that says so."""

    def gone(*args):
        raise StorageUnavailable("connection refused")

    storage = server.log.storage
    monkeypatch.setattr(storage, "page_text", gone)
    monkeypatch.setattr(storage, "append", gone)
    if hasattr(storage, "append_batches"):  # SQLite: the server's writer thread appends
        monkeypatch.setattr(storage, "append_batches", gone)
    monkeypatch.setattr(storage, "open_page", gone)
    monkeypatch.setattr(storage, "reachable", lambda: False)
    with server.http() as http:
        for r in (http.get("/v1/pull"), http.get("/v1/open"), push(http, [ev(1)])):
            assert checked(r).status_code == 503
        health = checked(http.get("/v1/health"))
        assert health.status_code == 503 and health.json()["ok"] is False


# ------------------------------------------------------------------ the oracle is tight


def _reply(path: str, method: str, status: int, body: object, headers=None) -> httpx.Response:
    request = httpx.Request(
        method, f"http://127.0.0.1:1{path}", headers={"authorization": "Bearer " + "t" * 20}
    )
    return httpx.Response(status, json=body, headers=headers, request=request)


HEALTH = {"ok": True, "protocol": 1, "backend": "sqlite", "reachable": True}


@pytest.mark.parametrize(
    "reply",
    [
        _reply("/v1/health", "GET", 200, {**HEALTH, "version": "2"}),  # a field not described
        _reply("/v1/health", "GET", 200, {k: v for k, v in HEALTH.items() if k != "backend"}),
        _reply("/v1/health", "GET", 418, {"error": "teapot"}),  # a status not listed
        _reply("/v1/pull", "GET", 503, {"error": "gone"}),  # Retry-After missing
        _reply("/v1/echo", "POST", 200, {"ok": True, "bytes": -1}),
        _reply("/v1/push", "POST", 401, {"error": "no"}),  # WWW-Authenticate missing
    ],
)
def test_a_reply_the_document_does_not_describe_fails(reply):
    with pytest.raises(OpenAPIError):
        checked(reply, valid_request=None)


# ------------------------------------------------------------------ hand-written rules

_PROPS = DOCUMENT["components"]["schemas"]["WireEvent"]["properties"]
_RULES = {
    "actor": (_PROPS["actor"], lambda v: events.actor_problem(v, "actor", events.MAX_ACTOR)),
    "origin": (_PROPS["origin"], lambda v: events.actor_problem(v, "origin", events.MAX_ORIGIN)),
    "client_id": (
        DOCUMENT["components"]["schemas"]["PushRequest"]["properties"]["client_id"],
        lambda v: wire.push_problem({"protocol": 1, "client_id": v, "events": []}),
    ),
}
_SOME_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(" \t\r\n\x00\x1f\x7f\u00a0\u2003a-é"),
        st.characters(blacklist_categories=("Cs",)),  # JSON text holds no lone surrogates
    ),
    max_size=70,
) | st.text(alphabet="ab ", min_size=60, max_size=210)


@pytest.mark.parametrize("field", sorted(_RULES))
@given(value=_SOME_TEXT)
@settings(max_examples=300, deadline=None)
def test_text_rules_written_by_hand_say_what_the_checks_do(field, value):
    """The envelope's patterns come from the protocol's regexes; these three were
    translated by hand (the checks are code, not a pattern)."""
    # Python's validators let `$` match before a final newline, which ECMA-262 does not
    assume(not value.endswith("\n"))
    schema, problem = _RULES[field]
    described = jsonschema.Draft202012Validator(schema).is_valid(value)
    assert described == (problem(value) is None), (field, value)
