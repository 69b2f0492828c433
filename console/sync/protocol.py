"""The wire format, shared by the server and the client so both ends agree on
what a valid event and a valid request are (protocol version 1).

    POST /v1/push  {"protocol":1,"client_id":…,"events":[≤5000 events]}   (body ≤ 8 MB)
      200 {"protocol":1,"log_id":…,"results":[{"event_id","status":accepted|duplicate|rejected,
           "server_seq" (null when rejected),"error" (only when rejected)}…]}  — 422, same
           body, when every event was rejected;
      400 malformed JSON / envelope, 401 no valid bearer token, 413 too big, 415 not JSON.
    GET  /v1/pull?after=SEQ[&limit=≤5000, default 5000][&wait=≤60][&after_id=EVENT_ID]
      200 {"protocol":1,"log_id":…,"events":[… each with server_seq],"next":SEQ,"head":SEQ,
           "has_more":bool}; 409 {"log_id":…} when the log does not hold after_id at `after`.
    GET  /v1/open?after=SEQ[&limit=≤5000, as a pull][&upto=SEQ]
      200 {"protocol":1,"log_id":…,"events":[…],"next":SEQ,"head":SEQ,"upto":SEQ,
           "incidents":N,"has_more":bool}: every event of the incidents open now, server_seq
           in (after, upto]; the first page leaves out upto and gets the head (a joining
           console shows what matters first, then pulls everything from 0). 404: an older
           server; pull instead.
    GET  /v1/health  {"ok","protocol","backend","reachable"}: 200, or 503 (no token)
    GET  /v1/openapi.json  all of this, in OpenAPI 3.1 (console/sync/openapi.py; no token)
    POST /v1/echo    authenticated, reads the body, does nothing (a transport-only baseline)

Servers before this one took 500 events and 1 MB a push, and pages of at most (and by
default) 500: the client sends bigger batches, drops to 500 on a 413, and leaves `limit`
out so each server pages by its own size. Fewer, bigger pushes are what make sync fast:
each push commits (and fsyncs) once, which costs about as much as storing a thousand
events, and each request has its fixed HTTP cost.

Validation returns a reason string instead of raising: the server turns it into
a per-event `rejected`, the client into a dead letter, neither into a crash.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from console.model import events
from console.model.clock import parse_iso
from console.model.events import Body, Event
from console.model.hlc import HLC

PROTOCOL = 1
MAX_BATCH = 5000  # events per push, and per pulled page (every server takes 500: PROTOCOL_BATCH)
PROTOCOL_BATCH = 500  # what protocol 1 promised, and what an older server takes
MAX_BODY_BYTES = 8_000_000  # one request body (an older server takes 1_000_000)
MAX_EVENT_BYTES = events.MAX_EVENT_BYTES  # one encoded event
MAX_WAIT_SECONDS = 60.0  # long-poll ceiling

EVENT_FIELDS = ("event_id", "incident_id", "kind", "body", "actor", "origin", "hlc", "at")

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_INCIDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}\Z")
_KIND = re.compile(r"^[a-z][a-z0-9_.]{0,63}\Z")
# [0-9], not \d: \d takes any script's digits, and a stamp in other digits sorts after
# every ASCII one (it would win last-writer-wins for good).
_HLC = re.compile(r"^[0-9]{13}-[0-9]{5}\Z")
_ISO = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})\Z"
)


class ProtocolError(Exception):
    """A request or reply that does not follow the wire format."""


# The same checks, for a whole batch at a time. msgspec decodes a push body into these
# types in one pass in C (types, fields present, none unknown); _shapes_fit then checks
# the values a column at a time: distinct values only where events repeat them (incident,
# kind, actor, origin), one regex over the joined column where they do not. Anything
# that does not fit goes through the plain checks (_shape_problem), which say what is
# wrong: so the fast checks may refuse more than the plain ones, never less.
class WireEvent(Struct, forbid_unknown_fields=True, gc=False):
    event_id: str
    incident_id: str
    kind: str
    body: dict[str, Any]
    actor: str
    origin: str
    hlc: str
    at: str


class PulledEvent(WireEvent, forbid_unknown_fields=True, gc=False):
    server_seq: Annotated[int, Meta(ge=1)]


class PushRequest(Struct, forbid_unknown_fields=True):
    protocol: Literal[1]
    client_id: str
    events: Annotated[list[WireEvent], Meta(max_length=MAX_BATCH)]


# Joined with newlines, which none of these may hold.
_ISOS = re.compile(
    r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})\n)*"
)


def _column_fits(pattern: re.Pattern[str], values: list[str]) -> bool:
    return pattern.fullmatch("\n".join(values) + "\n") is not None


def _fixed_fit(values: list[str], width: int, marks: dict[int, str], fill: bytes) -> bool:
    """Every value `width` ASCII characters, `marks` (position: character) where they
    are, and only bytes of `fill` everywhere else: checked by columns of the joined
    text, in C (a regex over the joined column took ~2 ms a 5,000-event push for
    UUIDs; this takes ~0.2)."""
    if set(map(len, values)) != {width}:
        return False
    n = len(values)
    try:
        joined = "".join(values).encode("ascii")
    except UnicodeEncodeError:
        return False
    template = "".join(marks[k] for k in sorted(marks)).encode("ascii")
    return joined.translate(None, fill) == template * n and all(
        joined[k::width] == mark.encode("ascii") * n for k, mark in marks.items()
    )


_HEX = b"0123456789abcdef"
_DIGITS = b"0123456789"
_UUID_MARKS = {8: "-", 13: "-", 18: "-", 23: "-"}
_HLC_MARKS = {13: "-"}
_MILLIS_MARKS = {4: "-", 7: "-", 10: "T", 13: ":", 16: ":", 19: ".", 23: "Z"}  # a console's


def _uuids_fit(values: list[str]) -> bool:
    """_UUID for every value."""
    return _fixed_fit(values, 36, _UUID_MARKS, _HEX)


def _hlcs_fit(values: list[str]) -> bool:
    """_HLC for every value."""
    return _fixed_fit(values, 19, _HLC_MARKS, _DIGITS)


def _times_fit(values: list[str]) -> bool:
    """_ISO for every value: the shape consoles write (milliseconds, Z) by columns, any
    other through the regex."""
    return _fixed_fit(values, 24, _MILLIS_MARKS, _DIGITS) or _column_fits(_ISOS, values)


def _shapes_fit(typed: Sequence[WireEvent]) -> bool:
    """True when _shape_problem would find nothing wrong with any of these events, short
    of a real time and the body's contents (_content_problem checks those)."""
    if not typed:
        return True
    if not (
        _uuids_fit([e.event_id for e in typed])
        and _hlcs_fit([e.hlc for e in typed])
        and _times_fit([e.at for e in typed])
    ):
        return False
    if not all(_INCIDENT.match(v) for v in {e.incident_id for e in typed}):
        return False
    if not all(_KIND.match(v) for v in {e.kind for e in typed}):
        return False
    actors = {e.actor for e in typed}
    origins = {e.origin for e in typed}
    return not any(events.actor_problem(v, "actor", events.MAX_ACTOR) for v in actors) and not any(
        events.actor_problem(v, "origin", events.MAX_ORIGIN) for v in origins
    )


_push_decoder = msgspec.json.Decoder(PushRequest)
_encoder = msgspec.json.Encoder(order="sorted")


def canonical_bytes(event: dict[str, Any] | WireEvent) -> bytes:
    """canonical() as UTF-8 bytes (a WireEvent's fields are the event's fields)."""
    if isinstance(event, WireEvent):
        return _encoder.encode(event)
    return _encoder.encode({k: event[k] for k in EVENT_FIELDS})


def canonical(event: dict[str, Any]) -> str:
    """The one text form of an event: what idempotency compares and the log stores.
    Compact JSON, keys sorted at every level, text not escaped beyond what JSON needs."""
    return canonical_bytes(event).decode("utf-8")


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
    try:  # the typed checks; the plain ones say what they refused
        typed = msgspec.convert(raw, PulledEvent if from_server else WireEvent)
    except (ValueError, TypeError):  # ValidationError, or a lone surrogate it tried to quote
        return _checked_plain(raw, from_server)
    if not _shapes_fit([typed]):
        return _checked_plain(raw, from_server)
    # A dict built in Python (not decoded from bytes) may hold lone surrogates.
    problem = _content_problem(typed, walk_text=True)
    if problem or from_server:
        return problem, None
    text = _encoder.encode(typed)
    return _size_problem(text), text.decode("utf-8")


def _checked_plain(raw: Any, from_server: bool) -> tuple[str | None, str | None]:
    problem = _shape_problem(raw, from_server)
    if problem or from_server:
        return problem, None
    try:
        text = canonical_bytes(raw)
    except UnicodeEncodeError:  # the checks above should have caught it; never crash here
        return "the event is not valid UTF-8 text", None
    return _size_problem(text), text.decode("utf-8")


def check_events(raws: list[Any]) -> list[tuple[str | None, str | None]]:
    """check_event for each of a push's `raws`, a column at a time when they all fit the
    types (else one by one, the plain way)."""
    try:
        typed: list[WireEvent] = msgspec.convert(raws, list[WireEvent])
        if not _shapes_fit(typed):
            raise ValueError("a value does not fit")
        # Encoding refuses lone surrogates anywhere in an event: what the walk looks for.
        texts, problems = _check_columns(typed, None, 0, sized=True)
    except (ValueError, TypeError):  # UnicodeEncodeError is a ValueError
        return [check_event(raw) for raw in raws]
    return [(problems[i], None) if i in problems else (None, t) for i, t in enumerate(texts)]


def check_pulled(
    raws: list[Any], now_ms: int, max_ahead_ms: int
) -> tuple[list[Event], list[tuple[Any, str]]]:
    """A pulled page is hostile input: (the good events, each with the typed body its
    check decoded, which the fold then reads; [(raw, why)] for those to quarantine). A
    column at a time when they all fit the types, else one by one, the plain way."""
    try:
        typed: list[PulledEvent] = msgspec.convert(raws, list[PulledEvent])
        if not _shapes_fit(typed):
            raise ValueError("a value does not fit")
        data: dict[int, Body | None] = {}
        _, problems = _check_columns(typed, now_ms, max_ahead_ms, sized=False, data=data)
    except (ValueError, TypeError):  # UnicodeEncodeError is a ValueError
        good, bad = [], []
        for raw in raws:
            problem = event_problem(raw, from_server=True) or stamp_problem(
                raw, now_ms, max_ahead_ms
            )
            if problem:
                bad.append((raw, problem))
            else:
                good.append(from_wire(raw))
        return good, bad
    good = []
    for i, e in enumerate(typed):
        if i in problems:
            continue
        ev = Event(
            e.event_id, e.incident_id, e.kind, e.body, e.actor, e.origin, e.hlc, e.at, e.server_seq
        )
        good.append(ev.with_data(data[i]) if i in data else ev)
    return good, [(raws[i], problem) for i, problem in sorted(problems.items())]


def check_pushed(
    typed: list[WireEvent], now_ms: int, max_ahead_ms: int
) -> tuple[list[str], dict[int, str]]:
    """check_event and stamp_problem for the events of a push that decode_push already
    shape-checked: (canonical text of each event, problem by index for those refused,
    whose text is then meaningless). Decoded JSON holds no lone surrogates (msgspec
    refuses them), so the encoding cannot fail on one."""
    return _check_columns(typed, now_ms, max_ahead_ms, sized=True)


def _check_columns(
    typed: Sequence[WireEvent],
    now_ms: int | None,
    max_ahead_ms: int,
    *,
    sized: bool,
    data: dict[int, Body | None] | None = None,
) -> tuple[list[str], dict[int, str]]:
    """The checks no type can make, a column at a time: each looks at events one by one
    only when the column as a whole fails it, and the first problem per event is the one
    check_event (then stamp_problem, given `now_ms`) would name. `sized`: the size limit
    and the canonical texts (a push's: pulled events skip both, and get no texts).
    `data`, when given, gets the typed body of each event (by place) whose kind's bodies
    all fit; the others are for the fold to decode."""
    if sized:
        texts = list(map(_encoder.encode, typed))
    else:  # pulled: no text is kept, but encoding still refuses a lone surrogate anywhere
        _encoder.encode(typed)
        texts = []
    problems: dict[int, str] = {}
    try:  # parse_iso, without its "Z" spelling change (fromisoformat takes Z since 3.11)
        list(map(datetime.fromisoformat, [e.at for e in typed]))
    except ValueError:
        for i, e in enumerate(typed):
            try:
                parse_iso(e.at)
            except ValueError:
                problems[i] = f"at is not a real time: {e.at!r}"
    kinds = {e.kind for e in typed}
    for kind in kinds:
        places = (
            range(len(typed))
            if len(kinds) == 1
            else [i for i, e in enumerate(typed) if e.kind == kind]
        )
        values = events.typed_bodies(kind, [typed[i].body for i in places])
        if values is not None:
            if data is not None:
                for i, value in zip(places, values, strict=True):
                    data[i] = value
            continue
        for i, e in enumerate(typed):
            if e.kind == kind and i not in problems:
                problem = events.catalogue_problem(kind, e.body)
                if problem:
                    problems[i] = problem
    if sized and texts and max(map(len, texts)) > MAX_EVENT_BYTES:
        for i, text in enumerate(texts):
            size_problem = _size_problem(text)
            if size_problem and i not in problems:
                problems[i] = size_problem
    if now_ms is not None and newest_too_far(typed, now_ms, max_ahead_ms):
        for i, e in enumerate(typed):
            stamp_problem = hlc_problem(e.hlc, now_ms, max_ahead_ms)
            if stamp_problem and i not in problems:
                problems[i] = stamp_problem
    return list(map(bytes.decode, texts)), problems  # UTF-8


def newest_too_far(typed: Sequence[WireEvent], now_ms: int, max_ahead_ms: int) -> bool:
    """Whether any of these (valid) events' stamps is too far ahead: then look one by one."""
    newest = max([e.hlc for e in typed], default="")  # fixed-width digits sort as numbers
    return bool(newest) and hlc_problem(newest, now_ms, max_ahead_ms) is not None


def _size_problem(text: bytes) -> str | None:
    if len(text) > MAX_EVENT_BYTES:
        return f"event is {len(text)} bytes encoded; the limit is {MAX_EVENT_BYTES}"
    return None


def _content_problem(event: WireEvent, walk_text: bool) -> str | None:
    """The checks no type can make, in _shape_problem's order: a real time, valid text
    in the body, a body its kind accepts."""
    try:
        parse_iso(event.at)
    except ValueError:
        return f"at is not a real time: {event.at!r}"
    if walk_text:
        problem = events.text_problem(event.body, "body")
        if problem:
            return problem
    return events.catalogue_problem(event.kind, event.body)


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
    return hlc_problem(raw["hlc"], now_ms, max_ahead_ms)


def hlc_problem(hlc: str, now_ms: int, max_ahead_ms: int) -> str | None:
    """stamp_problem given the event's (valid) hlc."""
    ahead = HLC.parse(hlc).wall_ms - now_ms
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


def decode_push(body: bytes) -> PushRequest | None:
    """The push body decoded and every event's shape checked in one pass, or None when
    anything in it does not fit: then json.loads, push_problem and check_event on each
    event find and name what (the same request, the plain way)."""
    try:
        typed = _push_decoder.decode(body)
    except msgspec.DecodeError:  # ValidationError is one
        return None
    if _text(typed.client_id, "client_id", 64) or not _shapes_fit(typed.events):
        return None
    return typed


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


# A query's numbers are plain ASCII decimals: int() and float() would also take signs,
# spaces, underscores, exponents and other scripts' digits.
_WHOLE = re.compile(r"[0-9]{1,19}\Z")
_DECIMAL = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6})?\Z")


def _number(query: dict[str, str], name: str, default, cast, low, high):
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not (_WHOLE if cast is int else _DECIMAL).match(raw):
        raise ProtocolError(f"{name} must be a number, not {raw!r}")
    value = cast(raw)
    if not (low <= value <= high):
        raise ProtocolError(f"{name} must be between {low} and {high}")
    return value


def pull_params(query: dict[str, str]) -> tuple[int, int, float, str | None]:
    """after, limit, wait, after_id from a query string; ProtocolError says which is wrong.
    after_id (optional) names the event the client saw at `after`: a server whose log
    differs there answers 409 with its log_id, and the client starts over."""
    after_id = query.get("after_id") or None
    if after_id is not None and not _UUID.match(after_id):
        raise ProtocolError("after_id must be an event id (a lowercase UUID)")
    return (
        _number(query, "after", 0, int, 0, 2**62),
        _number(query, "limit", MAX_BATCH, int, 1, MAX_BATCH),
        _number(query, "wait", 0.0, float, 0.0, MAX_WAIT_SECONDS),
        after_id,
    )


def open_params(query: dict[str, str]) -> tuple[int, int | None, int]:
    """after, upto (None: the head now), limit for /v1/open; ProtocolError says which."""
    return (
        _number(query, "after", 0, int, 0, 2**62),
        _number(query, "upto", None, int, 0, 2**62),
        _number(query, "limit", MAX_BATCH, int, 1, MAX_BATCH),
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


def check_open_reply(data: Any) -> dict[str, Any]:
    """A page of /v1/open: a pull reply, plus where the open set was taken (upto) and how
    many incidents are open; its events must lie within (cursor, upto]."""
    check_pull_reply(data)
    for key in ("upto", "incidents"):
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ProtocolError(f"the open reply's {key} is not a count")
    if data["events"] and data["next"] > data["upto"]:
        raise ProtocolError("the open reply goes past its own upto")
    return data
