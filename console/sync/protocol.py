"""The wire format, shared by the server and the client so both ends agree on
what a valid event and a valid request are (protocol version 1).

    POST /v1/push  {"protocol":1,"client_id":…,"events":[≤500 events]}   (body ≤ 1 MB)
      200 {"protocol":1,"log_id":…,"results":[{"event_id","status":accepted|duplicate|rejected,
           "server_seq","error"}…]}  — 422, same body, when every event was rejected;
      400 malformed JSON / envelope, 401 no valid bearer token, 413 too big, 415 not JSON.
    GET  /v1/pull?after=SEQ&limit=≤500[&wait=≤60][&after_id=EVENT_ID]
      200 {"protocol":1,"log_id":…,"events":[… each with server_seq],"next":SEQ,"head":SEQ,
           "has_more":bool}; 409 {"log_id":…} when the log does not hold after_id at `after`.
    GET  /v1/health  {"ok":true,"protocol":1} (no token)
    POST /v1/echo    authenticated, reads the body, does nothing (the benchmark's baseline)

Validation returns a reason string instead of raising: the server turns it into
a per-event `rejected`, the client into a dead letter, neither into a crash.
"""

from __future__ import annotations

import json
import re
from typing import Any

from console.model import events
from console.model.clock import parse_iso
from console.model.events import Event
from console.model.hlc import HLC

PROTOCOL = 1
MAX_BATCH = 500  # events per push, and per pulled page
MAX_BODY_BYTES = 1_000_000  # one request body
MAX_EVENT_BYTES = events.MAX_EVENT_BYTES  # one encoded event
MAX_WAIT_SECONDS = 60.0  # long-poll ceiling

EVENT_FIELDS = ("event_id", "incident_id", "kind", "body", "actor", "origin", "hlc", "at")

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_INCIDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_KIND = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")
_HLC = re.compile(r"^\d{13}-\d{5}$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")


class ProtocolError(Exception):
    """A request or reply that does not follow the wire format."""


def canonical(event: dict[str, Any]) -> str:
    """The one text form of an event: what idempotency compares and the log stores."""
    return json.dumps(
        {k: event[k] for k in EVENT_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _text(value: Any, name: str, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"{name} must be a non-empty string"
    if len(value) > limit:
        return f"{name} is longer than {limit} characters"
    if any(ch in value for ch in "\x00\r\n"):
        return f"{name} contains control characters"
    return None


def event_problem(raw: Any, *, from_server: bool = False) -> str | None:
    """Why `raw` is not a valid wire event, or None. Pulled events also carry server_seq."""
    return check_event(raw, from_server=from_server)[0]


def check_event(raw: Any, *, from_server: bool = False) -> tuple[str | None, str | None]:
    """(problem, None) or (None, canonical text). The size limit is a push limit, so
    pulled events skip it (and the encoding it needs)."""
    problem = _shape_problem(raw, from_server)
    if problem or from_server:
        return problem, None
    try:
        text = canonical(raw)
    except UnicodeEncodeError:  # the checks above should have caught it; never crash here
        return "the event is not valid UTF-8 text", None
    size = len(text.encode("utf-8"))
    if size > MAX_EVENT_BYTES:
        return f"event is {size} bytes encoded; the limit is {MAX_EVENT_BYTES}", None
    return None, text


def _shape_problem(raw: Any, from_server: bool) -> str | None:
    if not isinstance(raw, dict):
        return f"an event must be a JSON object, not {type(raw).__name__}"
    allowed = set(EVENT_FIELDS) | ({"server_seq"} if from_server else set())
    unknown = sorted(set(raw) - allowed)
    if unknown:
        return f"unknown field {unknown[0]!r}"
    missing = [k for k in EVENT_FIELDS if k not in raw]
    if missing:
        return f"missing field {missing[0]!r}"
    eid = raw["event_id"]
    if not isinstance(eid, str) or not _UUID.match(eid):
        return "event_id must be a lowercase UUID (8-4-4-4-12 hex)"
    if not isinstance(raw["incident_id"], str) or not _INCIDENT.match(raw["incident_id"]):
        return "incident_id must be 1-64 letters, digits or ._:- (e.g. INC-12)"
    if not isinstance(raw["kind"], str) or not _KIND.match(raw["kind"]):
        return "kind must be a lowercase identifier (e.g. note_added)"
    if not isinstance(raw["body"], dict):
        return "body must be a JSON object"
    for name, limit in (("actor", events.MAX_ACTOR), ("origin", events.MAX_ORIGIN)):
        problem = events.actor_problem(raw[name], name, limit)
        if problem:
            return problem
    if not isinstance(raw["hlc"], str) or not _HLC.match(raw["hlc"]):
        return "hlc must look like 1767225600000-00000 (13-digit ms, 5-digit counter)"
    at = raw["at"]
    if not isinstance(at, str) or not _ISO.match(at):
        return "at must be an ISO-8601 time with a zone (e.g. 2026-01-01T00:00:00.000Z)"
    try:
        parse_iso(at)
    except ValueError:
        return f"at is not a real time: {at!r}"
    if from_server:
        seq = raw.get("server_seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            return "server_seq must be a positive integer"
    return events.body_problem(raw["kind"], raw["body"])


def stamp_problem(raw: dict[str, Any], now_ms: int, max_ahead_ms: int) -> str | None:
    """A stamp further ahead of our clock than we allow would win last-writer-wins over
    everything written until then: refuse it, saying by how much (a valid event's hlc)."""
    ahead = HLC.parse(raw["hlc"]).wall_ms - now_ms
    if ahead > max_ahead_ms:
        return (
            f"hlc is {ahead / 1000:.0f} s ahead of this clock (the limit is "
            f"{max_ahead_ms / 1000:.0f} s); check the sending console's clock"
        )
    return None


def to_wire(ev: Event) -> dict[str, Any]:
    return ev.to_dict()


def from_wire(raw: dict[str, Any]) -> Event:
    return Event.from_dict(raw)


# ------------------------------------------------------------------ requests


def push_request(client_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    return {"protocol": PROTOCOL, "client_id": client_id, "events": events}


def push_problem(data: Any) -> str | None:
    """Problems with the push envelope (not with single events): the whole request is refused."""
    if not isinstance(data, dict):
        return "the request body must be a JSON object"
    if data.get("protocol") != PROTOCOL:
        return (
            f"unsupported protocol {data.get('protocol')!r}; this server speaks protocol {PROTOCOL}"
        )
    unknown = sorted(set(data) - {"protocol", "client_id", "events"})
    if unknown:
        return f"unknown field {unknown[0]!r}"
    problem = _text(data.get("client_id"), "client_id", 64)
    if problem:
        return problem
    events = data.get("events")
    if not isinstance(events, list):
        return "events must be a list"
    if len(events) > MAX_BATCH:
        return f"{len(events)} events in one batch; the limit is {MAX_BATCH}"
    return None


def pull_params(query: dict[str, str]) -> tuple[int, int, float, str | None]:
    """after, limit, wait, after_id from a query string; ProtocolError says which is wrong.
    after_id (optional) names the event the client saw at `after`: a server whose log
    differs there answers 409 with its log_id, and the client starts over."""

    def number(name, default, cast, low, high):
        raw = query.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = cast(raw)
        except ValueError:
            raise ProtocolError(f"{name} must be a number, not {raw!r}") from None
        if not (low <= value <= high):
            raise ProtocolError(f"{name} must be between {low} and {high}")
        return value

    after_id = query.get("after_id") or None
    if after_id is not None and not _UUID.match(after_id):
        raise ProtocolError("after_id must be an event id (a lowercase UUID)")
    return (
        number("after", 0, int, 0, 2**62),
        number("limit", MAX_BATCH, int, 1, MAX_BATCH),
        number("wait", 0.0, float, 0.0, MAX_WAIT_SECONDS),
        after_id,
    )


# ------------------------------------------------------------------ replies


RESULT_STATUSES = ("accepted", "duplicate", "rejected")


def check_push_reply(data: Any, sent: list[str]) -> list[dict[str, Any]]:
    """The results of a push, one per sent event id, or ProtocolError."""
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ProtocolError("the push reply has no results list")
    if not isinstance(data.get("log_id"), str) or not data["log_id"]:
        raise ProtocolError("the push reply has no log_id")
    results = data["results"]
    if len(results) != len(sent):
        raise ProtocolError(f"the push reply has {len(results)} results for {len(sent)} events")
    for res, event_id in zip(results, sent, strict=True):
        if not isinstance(res, dict) or res.get("event_id") != event_id:
            raise ProtocolError("the push reply's results do not match the events sent")
        if res.get("status") not in RESULT_STATUSES:
            raise ProtocolError(f"unknown result status {res.get('status')!r}")
        seq = res.get("server_seq")
        if res["status"] != "rejected" and (
            not isinstance(seq, int) or isinstance(seq, bool) or seq < 1
        ):
            raise ProtocolError("an accepted event has no server_seq")
    return results


def check_pull_reply(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ProtocolError("the pull reply is not a JSON object")
    if not isinstance(data.get("log_id"), str) or not data["log_id"]:
        raise ProtocolError("the pull reply has no log_id")
    if not isinstance(data.get("events"), list):
        raise ProtocolError("the pull reply has no events list")
    for key in ("next", "head"):
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ProtocolError(f"the pull reply's {key} is not a cursor")
    if not isinstance(data.get("has_more"), bool):
        raise ProtocolError("the pull reply has no has_more flag")
    return data
