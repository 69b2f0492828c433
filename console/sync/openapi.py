"""The OpenAPI 3.1 description of the `/v1` API `incident-console serve` answers:
sync (push, pull, open, echo, health), the alert receivers it mounts with
`--alerts-token-file`, and this document itself (`GET /v1/openapi.json`).

`python -m console.sync.openapi` writes it to console/sync/openapi.json (package data,
served as it is); a test fails when the committed file differs from what this module
makes, and the contract tests check real replies of a real server against it.

What the code already knows comes from the code: the push request, the events and the
catalogue's bodies are schemas msgspec makes of the wire and catalogue types, with the
envelope's patterns and limits taken from console/sync/protocol.py. The replies, which
the server writes as bytes or dicts, are declared here as types of their own (unknown
fields forbidden, so a reply field the document does not name fails the tests). The
description is never consulted while serving: the msgspec checks are the runtime truth.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from console.model import alert_payloads as alerts
from console.model import events
from console.model.agents import How
from console.sync import protocol as wire

PATH = Path(__file__).with_name("openapi.json")
REF = "#/components/schemas/{name}"

Cursor = Annotated[int, Meta(ge=0)]
Seq = Annotated[int, Meta(ge=1)]
Count = Annotated[int, Meta(ge=0)]


# ------------------------------------------------------------------ replies


class Error(Struct, forbid_unknown_fields=True):
    """Every refusal: one line saying what is wrong and where."""

    error: str


class RewrittenLog(Struct, forbid_unknown_fields=True):
    """409 to a pull whose `after_id` this log does not hold at `after`."""

    error: str
    log_id: str


class Accepted(Struct, tag_field="status", tag="accepted", forbid_unknown_fields=True):
    event_id: str
    server_seq: Seq


class Duplicate(Struct, tag_field="status", tag="duplicate", forbid_unknown_fields=True):
    """The same event (same id, same canonical text) was stored before, at server_seq."""

    event_id: str
    server_seq: Seq


class Rejected(Struct, tag_field="status", tag="rejected", forbid_unknown_fields=True):
    """Refused, with the reason naming the field; event_id is null when the event had no
    string id. An id already stored with a different body is rejected too."""

    event_id: str | None
    server_seq: None
    error: str


class PushReply(Struct, forbid_unknown_fields=True):
    """One result per pushed event, in order (422 when every one was rejected)."""

    protocol: Literal[1]
    log_id: str
    results: list[Accepted | Duplicate | Rejected]


class PullReply(Struct, forbid_unknown_fields=True):
    """Events with server_seq > after, in server_seq order. `next` is the cursor to send
    as `after` next time; `head` the newest server_seq in the log."""

    protocol: Literal[1]
    log_id: str
    events: list[wire.PulledEvent]
    next: Cursor
    head: Cursor
    has_more: bool


class OpenReply(Struct, forbid_unknown_fields=True):
    """Every event of the incidents open now with server_seq in (after, upto]; `upto`
    is the head the open set was taken at (send it back with after=next)."""

    protocol: Literal[1]
    log_id: str
    events: list[wire.PulledEvent]
    next: Cursor
    head: Cursor
    upto: Cursor
    incidents: Count
    has_more: bool


class Health(Struct, forbid_unknown_fields=True):
    ok: bool
    protocol: Literal[1]
    backend: Literal["sqlite", "postgresql"]
    reachable: bool


class Echo(Struct, forbid_unknown_fields=True):
    ok: Literal[True]
    bytes: Count


class AlertOutcome(Struct, forbid_unknown_fields=True):
    """What a notification did to its group: `incident` is null while the group waits
    for one; recorded, held (flapping) and unchanged count its alerts."""

    group: str
    incident: str | None
    how: Literal["declared", "attached", "waiting", "updated"]
    recorded: Count
    held: Count
    unchanged: Count


class PagerIgnored(Struct, tag_field="status", tag="ignored", forbid_unknown_fields=True):
    why: str


class PagerUnchanged(Struct, tag_field="status", tag="unchanged", forbid_unknown_fields=True):
    incident: str
    why: str


class PagerAcknowledged(Struct, tag_field="status", tag="acknowledged", forbid_unknown_fields=True):
    incident: str
    target: str
    by: str
    matched_by: How


class PagerNoted(Struct, tag_field="status", tag="noted", forbid_unknown_fields=True):
    incident: str
    event_type: Literal["incident.resolved", "incident.reassigned"]


PagerOutcome = PagerIgnored | PagerUnchanged | PagerAcknowledged | PagerNoted


# ------------------------------------------------------------------ alert payloads
# What console/model/alert_payloads.py accepts, with its limits. Fields it does not
# read are allowed (and ignored), as senders add some.

_Label = Annotated[str, Meta(pattern=alerts._LABEL.pattern)]
_Key = Annotated[str, Meta(min_length=1, max_length=128)]
Labels = Annotated[
    dict[_Label, Annotated[str, Meta(max_length=alerts.MAX_LABEL_VALUE)] | None],
    Meta(max_length=alerts.MAX_LABELS),
]
Annotations = Annotated[
    dict[_Key, Annotated[str, Meta(max_length=alerts.MAX_ANNOTATION)] | None],
    Meta(max_length=alerts.MAX_LABELS),
]
# RFC 3339 as Go writes it; empty (or Go's zero time) means unset
GoTime = Annotated[str, Meta(max_length=64, pattern=rf"^$|{alerts._RFC3339.pattern}")]
Link = Annotated[str, Meta(max_length=alerts.MAX_URL)]  # kept only when http(s)
AlertStatus = Literal["firing", "resolved"]


class AlertmanagerAlert(Struct):
    status: AlertStatus
    fingerprint: Annotated[str, Meta(min_length=1, max_length=alerts.MAX_FINGERPRINT)]
    labels: Labels | None = None
    annotations: Annotations | None = None
    startsAt: GoTime | None = None
    endsAt: GoTime | None = None
    generatorURL: Link | None = None


class GrafanaAlert(AlertmanagerAlert):
    silenceURL: Link | None = None
    values: Annotated[dict[_Key, float], Meta(max_length=32)] | None = None


_GroupKey = Annotated[str, Meta(min_length=1, max_length=alerts.MAX_GROUP_KEY)]
_Receiver = Annotated[str, Meta(max_length=200)]


class AlertmanagerWebhook(Struct):
    """Alertmanager's webhook, format version 4 (fingerprints distinct within it)."""

    version: Literal["4"]
    groupKey: _GroupKey
    status: AlertStatus
    alerts: Annotated[list[AlertmanagerAlert], Meta(min_length=1, max_length=alerts.MAX_ALERTS)]
    receiver: _Receiver | None = None
    commonLabels: Labels | None = None
    commonAnnotations: Annotations | None = None


class GrafanaWebhook(Struct):
    """Grafana alerting's webhook contact point (fingerprints distinct within it)."""

    orgId: int
    groupKey: _GroupKey
    status: AlertStatus
    alerts: Annotated[list[GrafanaAlert], Meta(min_length=1, max_length=alerts.MAX_ALERTS)]
    receiver: _Receiver | None = None
    commonLabels: Labels | None = None
    commonAnnotations: Annotations | None = None


_Str200 = Annotated[str, Meta(max_length=200)]


class PagerDutyAgent(Struct):
    id: _Str200 | None = None
    summary: _Str200 | None = None
    email: Annotated[str, Meta(max_length=320)] | None = None


class PagerDutyIncident(Struct):
    id: _Str200 | None = None
    incident_key: Annotated[str, Meta(max_length=400)] | None = None
    html_url: Link | None = None


class PagerDutyEvent(Struct):
    event_type: Annotated[str, Meta(min_length=1, max_length=100)]
    data: PagerDutyIncident
    id: _Str200 | None = None
    agent: PagerDutyAgent | None = None


class PagerDutyWebhook(Struct):
    """A PagerDuty v3 webhook. Acted on: incident.acknowledged, incident.resolved,
    incident.reassigned, for an incident_key that is one of our pages."""

    event: PagerDutyEvent


# ------------------------------------------------------------------ the document


def _ecma(pattern: str) -> str:
    r"""A Python pattern in the ECMA-262 dialect OpenAPI means: `\Z` is `$` there."""
    return pattern.replace(r"\Z", "$")


# Non-empty, not blank, at most `limit` characters, none of them a control character
# (events.actor_problem); JSON Schema's maxLength counts characters as Python does.
def _actor(limit: int) -> dict[str, Any]:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": limit,
        "pattern": "^[^\\x00-\\x1f\\x7f]*[^\\s\\x00-\\x1f\\x7f][^\\x00-\\x1f\\x7f]*$",
    }


# The envelope's rules (protocol._shape_problem), field by field.
_ENVELOPE: dict[str, dict[str, Any]] = {
    "event_id": {
        "pattern": wire._UUID.pattern,
        "description": "a lowercase UUID (consoles write UUIDv7)",
    },
    "incident_id": {"pattern": wire._INCIDENT.pattern, "examples": ["INC-12"]},
    "kind": {
        "pattern": wire._KIND.pattern,
        "description": "a kind of the event catalogue, or one a newer version writes "
        "(kept and passed on verbatim)",
    },
    "body": {"description": "the kind's body: for a catalogue kind, its schema"},
    "actor": _actor(events.MAX_ACTOR),
    "origin": _actor(events.MAX_ORIGIN),
    "hlc": {
        "pattern": wire._HLC.pattern,
        "description": "hybrid logical clock: 13-digit milliseconds, 5-digit counter; "
        "refused when further ahead of the server's clock than its --max-drift",
    },
    "at": {
        "pattern": wire._ISO.pattern,
        "description": "wall time, ISO 8601 with a zone, a real time",
    },
}


def _envelope(schema: dict[str, Any]) -> None:
    props = schema["properties"]
    for name, rule in _ENVELOPE.items():
        props[name].update(rule)  # KeyError: the wire type lost a field
    schema["allOf"] = [{"$ref": REF.format(name="CatalogueBodies")}]
    schema["description"] = (
        f"One event (at most {wire.MAX_EVENT_BYTES} bytes encoded; text valid Unicode)."
    )


def _catalogue() -> tuple[dict[str, Any], list[type]]:
    """For each kind of the catalogue: its body must fit the kind's type."""
    rules = [
        {
            "if": {"properties": {"kind": {"const": name}}, "required": ["kind"]},
            "then": {"properties": {"body": {"$ref": REF.format(name=kind.body.__name__)}}},
        }
        for name, kind in sorted(events.CATALOGUE.items())
    ]
    schema = {
        "description": "The event catalogue (console/model/events.py): the body of a known "
        "kind fits its type; time fields must also be real times.",
        "allOf": rules,
    }
    return schema, [kind.body for kind in events.CATALOGUE.values()]


def _schemas() -> dict[str, Any]:
    catalogue, bodies = _catalogue()
    types: list[Any] = [
        wire.PushRequest,
        wire.WireEvent,
        wire.PulledEvent,
        PushReply,
        PullReply,
        OpenReply,
        Health,
        Echo,
        Error,
        RewrittenLog,
        AlertOutcome,
        PagerOutcome,
        AlertmanagerWebhook,
        GrafanaWebhook,
        PagerDutyWebhook,
        *bodies,
    ]
    refs, components = msgspec.json.schema_components(types, ref_template=REF)
    for name in ("WireEvent", "PulledEvent"):
        _envelope(components[name])
    push = components["PushRequest"]
    push["properties"]["client_id"].update(
        {
            "minLength": 1,
            "maxLength": 64,
            "pattern": "^[^\\x00\\r\\n]*[^\\s\\x00][^\\x00\\r\\n]*$",
        }
    )
    push["description"] = (
        f"At most {wire.MAX_BATCH} events and {wire.MAX_BODY_BYTES} bytes. Each event is "
        "checked on its own: one that does not fit is rejected with a reason, the rest stored."
    )
    components["CatalogueBodies"] = catalogue
    components["PagerOutcome"] = refs[types.index(PagerOutcome)]
    return dict(sorted(components.items()))


def _walk_patterns(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _ecma(v) if k == "pattern" and isinstance(v, str) else _walk_patterns(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_walk_patterns(v) for v in node]
    return node


def _json(name: str, description: str, headers: dict[str, Any] | None = None) -> dict:
    out: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(name=name)}}},
    }
    if headers:
        out["headers"] = headers
    return out


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "required": True, "schema": schema}


RETRY_AFTER = _header("seconds to wait", {"type": "string", "pattern": "^[0-9]+$"})


def _sync_errors(*codes: int) -> dict[str, Any]:
    known = {
        400: _json("Error", "malformed request (the reason names what)"),
        401: _json(
            "Error",
            "no valid bearer token; nothing was written",
            {"WWW-Authenticate": _header("the scheme", {"type": "string", "const": "Bearer"})},
        ),
        413: _json(
            "Error",
            f"body over {wire.MAX_BODY_BYTES} bytes, or over {wire.MAX_BATCH} "
            "events (the client then sends batches of 500, what every server takes)",
        ),
        415: _json("Error", "the body is not application/json"),
        503: _json(
            "Error",
            "the server's database is unavailable: retry after Retry-After",
            {"Retry-After": RETRY_AFTER},
        ),
    }
    return {str(c): known[c] for c in codes}


def _alert_errors(*, signed: bool) -> dict[str, Any]:
    unauthorized = (
        _json(
            "Error",
            "no PagerDuty signing secret is configured, or X-PagerDuty-Signature is missing "
            "or wrong; nothing was written",
        )
        if signed
        else _json(
            "Error",
            "missing or invalid credentials (an alert token, as bearer token or basic-auth "
            "password); nothing was written",
            {
                "WWW-Authenticate": _header(
                    "the schemes",
                    {"type": "string", "const": 'Bearer, Basic realm="incident-console"'},
                )
            },
        )
    )
    return {
        "400": _json("Error", "malformed JSON (NaN and Infinity are refused)"),
        "401": unauthorized,
        "413": _json("Error", f"body over {alerts.MAX_BODY_BYTES} bytes"),
        "415": _json("Error", "the body is not application/json"),
        "422": _json(
            "Error",
            "not the sender's webhook shape, or beyond a limit (the reason names the field); "
            "nothing was written",
        ),
        "503": _json(
            "Error",
            "the console database is busy or the intake is starting: the sender retries",
            {"Retry-After": RETRY_AFTER},
        ),
    }


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


_SEQ = {"type": "integer", "minimum": 0, "maximum": 2**62}
_AFTER = _query("after", {**_SEQ, "default": 0}, "the cursor: events with server_seq > after")
_LIMIT = _query(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": wire.MAX_BATCH, "default": wire.MAX_BATCH},
    "events per page (leave it out: each server pages by its own size)",
)

SYNC: list[dict[str, list[str]]] = [{"syncToken": []}]
OPEN: list[dict[str, list[str]]] = []


def _paths() -> dict[str, Any]:
    def body_of(name: str) -> dict[str, Any]:
        return {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(name=name)}}},
        }

    monitoring = {
        "security": [{"alertToken": []}, {"alertBasic": []}],
        "responses": {
            "200": _json("AlertOutcome", "taken (a re-sent notification changes nothing)"),
            **_alert_errors(signed=False),
        },
    }
    return {
        "/v1/push": {
            "post": {
                "operationId": "push",
                "summary": "Append a console's events to the log",
                "description": "Idempotent by event id. The whole request is refused (400/413) "
                "only when the envelope is wrong; single events that do not fit are rejected "
                "in the results.",
                "security": SYNC,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": REF.format(name="PushRequest")}}
                    },
                },
                "responses": {
                    "200": _json("PushReply", "some events stored (or already there)"),
                    "422": _json("PushReply", "every event was rejected"),
                    **_sync_errors(400, 401, 413, 415, 503),
                },
            }
        },
        "/v1/pull": {
            "get": {
                "operationId": "pull",
                "summary": "A page of the log from a cursor (long-poll with wait)",
                "description": "Answers at once when there are events, else waits up to "
                "`wait` seconds for a push. A client that hangs up while waiting gets "
                "nothing (the server ends the exchange with 204).",
                "security": SYNC,
                "parameters": [
                    _AFTER,
                    _LIMIT,
                    _query(
                        "wait",
                        {
                            "type": "number",
                            "minimum": 0,
                            "maximum": wire.MAX_WAIT_SECONDS,
                            "default": 0,
                        },
                        "seconds to wait for events when there are none",
                    ),
                    _query(
                        "after_id",
                        {"type": "string", "pattern": wire._UUID.pattern},
                        "the event the client holds at `after`: 409 when this log does not",
                    ),
                ],
                "responses": {
                    "200": _json("PullReply", "the page (empty when nothing came)"),
                    "409": _json(
                        "RewrittenLog",
                        "the log was restored or rewritten: pull from 0 against its log_id",
                    ),
                    **_sync_errors(400, 401, 503),
                },
            }
        },
        "/v1/open": {
            "get": {
                "operationId": "open",
                "summary": "A joining console's first look: the open incidents' events",
                "description": "Paged like a pull; the first page leaves `upto` out and gets "
                "the head, the next ones send it back with after=next. An older server "
                "answers 404: pull instead.",
                "security": SYNC,
                "parameters": [
                    _AFTER,
                    _LIMIT,
                    _query("upto", _SEQ, "the head the open set was taken at (from page 1)"),
                ],
                "responses": {
                    "200": _json("OpenReply", "the page"),
                    **_sync_errors(400, 401, 503),
                },
            }
        },
        "/v1/echo": {
            "post": {
                "operationId": "echo",
                "summary": "A transport-only baseline: reads the body, does nothing",
                "security": SYNC,
                "requestBody": {
                    "required": False,
                    "content": {"*/*": {"schema": {}}},
                },
                "responses": {
                    "200": _json("Echo", "the body's size"),
                    **_sync_errors(401, 413),
                },
            }
        },
        "/v1/health": {
            "get": {
                "operationId": "health",
                "summary": "For a load balancer: 200 in service, 503 not",
                "security": OPEN,
                "responses": {
                    "200": _json("Health", "the process reaches its database"),
                    "503": _json("Health", "it does not: send consoles elsewhere"),
                },
            }
        },
        "/v1/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": OPEN,
                "responses": {
                    "200": {
                        "description": "the OpenAPI description of this API",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/v1/alerts/alertmanager": {
            "post": {
                "operationId": "alertmanager",
                "summary": "Prometheus Alertmanager webhook (with --alerts-token-file)",
                "requestBody": body_of("AlertmanagerWebhook"),
                **monitoring,
            }
        },
        "/v1/alerts/grafana": {
            "post": {
                "operationId": "grafana",
                "summary": "Grafana alerting webhook (with --alerts-token-file)",
                "requestBody": body_of("GrafanaWebhook"),
                **monitoring,
            }
        },
        "/v1/alerts/pagerduty": {
            "post": {
                "operationId": "pagerduty",
                "summary": "PagerDuty v3 webhook: acknowledgements back (with --alerts-token-file)",
                "description": "The signature is checked over the raw body before it is read.",
                "security": [{"pagerdutySignature": []}],
                "requestBody": body_of("PagerDutyWebhook"),
                "responses": {
                    "200": _json("PagerOutcome", "what it did (keys not ours change nothing)"),
                    **_alert_errors(signed=True),
                },
            }
        },
    }


def describe() -> dict[str, Any]:
    """The document, as a plain dict."""
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "Incident Command Console war-room server",
            "version": f"protocol {wire.PROTOCOL}",
            "description": "The `/v1` API of `incident-console serve`: consoles push their "
            "events to one global log and pull it from a cursor; monitoring posts alerts. "
            "Sync routes take a sync token, the alert receivers an alert token (never each "
            "other's); health and this document need none. Every refusal is JSON "
            '`{"error": "..."}` saying what and where; an unknown path is 404 and a wrong '
            "method 405, in the same shape.",
        },
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "syncToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a line of serve's --token-file, compared in constant time",
                },
                "alertToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a line of serve's --alerts-token-file",
                },
                "alertBasic": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "any user name, an alert token as the password",
                },
                "pagerdutySignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-PagerDuty-Signature",
                    "description": "v1=<hex HMAC-SHA256 of the raw body> with a signing "
                    "secret the org names ([alerts] pagerduty_secret); several, comma-"
                    "separated, during a rotation",
                },
            },
        },
    }
    return _walk_patterns(doc)


def render() -> str:
    """The file's text: stable, so a diff shows what changed."""
    return json.dumps(describe(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = render()
    if args == ["--check"]:
        if PATH.read_text("utf-8") != text:
            print(f"{PATH} is out of date: run python -m console.sync.openapi", file=sys.stderr)
            return 1
        return 0
    PATH.write_text(text, "utf-8")
    print(f"wrote {PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
