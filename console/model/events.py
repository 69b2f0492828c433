"""The event catalogue: every kind of event the console writes, declared once.

An event is an envelope (`Event`: ids, actor, origin, HLC stamp, wall time) around a
body. Each kind has a typed body (a msgspec Struct) and a fold handler, and
`CATALOGUE` lists them all, explicitly: nothing registers itself on import, so every
process folds the same log the same way.

Every door an event comes in by checks it here: the service (our own writes), the sync
server's push, the sync client's pull and history import. The same limits hold at both
ends (`MAX_*`, valid Unicode), so nothing one console accepts is refused by its server.
A kind that is not in the catalogue (from a newer version) is kept and passed on
verbatim; the fold shows it as not understood and changes nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, Self, TypeVar, overload

import msgspec
from msgspec import Meta, Struct

from console.model.clock import parse_iso
from console.model.folds import alerts as alerts_fold
from console.model.folds import comms as comms_fold
from console.model.folds import drill as drill_fold
from console.model.folds import incident as incident_fold
from console.model.folds import oncall as oncall_fold
from console.model.folds import paging as paging_fold
from console.model.incident import Incident

# ------------------------------------------------------------------ limits (both ends)

MAX_ACTOR = 200  # who wrote an event: a person id or a bot name
MAX_ORIGIN = 64  # which console wrote it
MAX_NAME = 200  # a title, role, person, team, service, channel, key
MAX_TEXT = 16_000  # a note, a summary, an error: a screenful, not a document
MAX_EVENT_BYTES = 128 * 1024  # one encoded event

_ISO = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})\Z"
)  # [0-9]: \d would take any script's digits
_STEP = r"^SEV[1-5]\+[0-9]{1,6}\Z"

Name = Annotated[str, Meta(min_length=1, max_length=MAX_NAME)]
Label = Annotated[str, Meta(max_length=MAX_NAME)]  # may be empty
Text = Annotated[str, Meta(min_length=1, max_length=MAX_TEXT)]
Prose = Annotated[str, Meta(max_length=MAX_TEXT)]  # may be empty
Time = Annotated[str, Meta(pattern=_ISO.pattern)]
StepKey = Annotated[str, Meta(pattern=_STEP)]
Count = Annotated[int, Meta(ge=0, le=10**9)]
Seconds = Annotated[float, Meta(ge=0, le=10**9)]
Severity = Literal["SEV1", "SEV2", "SEV3", "SEV4", "SEV5"]
Status = Literal["investigating", "identified", "mitigating", "monitoring", "resolved"]
Mark = Literal["notified", "acknowledged"]
PageKind = Literal["trigger", "acknowledge", "resolve", "nudge", "update"]


class Body(Struct, frozen=True, kw_only=True):
    """A typed event body. Unknown fields are ignored on decode (a newer version may add
    some) and kept in the stored event. Every field is stored, defaults included, so a
    reader of the plain form never has to know a default."""

    @classmethod
    def of(cls, plain: dict[str, Any]) -> Self:
        """A body from plain data a writer already holds (a drill's inject, say)."""
        return msgspec.convert(plain, cls)


# ------------------------------------------------------------------ the incident


class PolicyStep(Body, kw_only=True, frozen=True):
    offset_minutes: Annotated[int, Meta(ge=0, le=10**6)]
    targets: list[Name]
    derived: Label | None = None


class Policy(Body, kw_only=True, frozen=True):
    """The escalation policy as the incident snapshotted it at declaration."""

    steps: dict[Severity, list[PolicyStep]] = {}
    overdue_after_seconds: Count = 60


class Declared(Body, kw_only=True, frozen=True):
    title: Annotated[str, Meta(min_length=1, max_length=MAX_NAME)]
    severity: Severity
    layers: list[Name] = []
    services: list[Name] = []
    detection: Prose = ""
    commander: Name | None = None
    policy: Policy = Policy()
    pattern: Label = ""
    responsible_team: Name | None = None
    drill: Name | None = None
    prevented: bool = False
    impact_started_at: Time | None = None


class SeveritySet(Body, kw_only=True, frozen=True):
    severity: Severity


class StatusSet(Body, kw_only=True, frozen=True):
    status: Status


class Resolved(Body, kw_only=True, frozen=True):
    summary: Prose = ""
    cause_service: Name | None = None
    cause_layer: Name | None = None
    resolved_by_team: Name | None = None
    prevented: bool = False  # caught before users felt it, or a near miss


class Reopened(Body, kw_only=True, frozen=True):
    pass


class RoleAssigned(Body, kw_only=True, frozen=True):
    role: Name
    person: Name


class HandoffOffered(Body, kw_only=True, frozen=True):
    role: Name
    to: Name


class HandoffAccepted(Body, kw_only=True, frozen=True):
    role: Name
    # Who confirmed it at their console for the new holder standing there (a shared
    # terminal); None when the new holder accepted at their own.
    confirmed_by: Label | None = None


class StepTicked(Body, kw_only=True, frozen=True):
    step: StepKey
    mark: Mark = "notified"
    targets: list[Label | None] = []
    teams: list[Label] = []
    via: Label | None = None
    # Who answered (an acknowledgement) and their team, when known: the first
    # responding team is the acknowledger's. Older logs lack them.
    acknowledger: Label | None = None
    acknowledger_team: Label | None = None


class StepUnticked(Body, kw_only=True, frozen=True):
    step: StepKey
    removes: list[Name] = []


class StepWaived(Body, kw_only=True, frozen=True):
    """The commander decided a step need not be done; the reason is on the timeline."""

    step: StepKey
    reason: Text


class NoteAdded(Body, kw_only=True, frozen=True):
    text: Text


class ServiceAdded(Body, kw_only=True, frozen=True):
    service: Name
    layer: Name | None = None
    responsible_team: Name | None = None


# ------------------------------------------------------------------ automated escalation


class PageQueued(Body, kw_only=True, frozen=True):
    key: Name
    kind: PageKind
    target: Label
    step: Label | None = None
    target_name: Label | None = None
    round: Count = 0
    reason: Prose = ""
    scheduled_at: Time | None = None
    channels: list[Name] = []
    summary: Prose = ""
    message: dict[str, Any] = {}


class _Delivery(Body, kw_only=True, frozen=True):
    """What every delivery outcome names: the outbox row it is about."""

    key: Name
    intent: Label = ""
    channel: Label | None = None
    kind: Label = ""
    step: Label | None = None
    target: Label = ""
    summary: Prose = ""


class PageDelivered(_Delivery, kw_only=True, frozen=True):
    attempt: Count = 1
    status: int | Label | None = None
    drill: bool = False


class PageFailed(_Delivery, kw_only=True, frozen=True):
    attempt: Count = 1
    status: int | Label | None = None
    error: Prose = ""
    retry_at: Time | None = None
    retryable: bool = True
    channel_failing: bool = False


class PageAbandoned(_Delivery, kw_only=True, frozen=True):
    why: Prose = ""


class PageAcknowledged(Body, kw_only=True, frozen=True):
    target: Name
    target_name: Label | None = None
    step: StepKey | None = None
    paged_steps: list[StepKey] = []
    via: Label | None = None
    acknowledger_team: Label | None = None  # the target's team; older logs lack it
    # Who acknowledged in the paging tool (its name and user id for them), and how we
    # knew them: pagerduty_id, email, name (a name-only match) or unmatched.
    agent: Label | None = None
    agent_id: Label | None = None
    agent_match: Label | None = None


class SeverityConfirmed(Body, kw_only=True, frozen=True):
    severity: Severity | None = None


class PageAdopted(Body, kw_only=True, frozen=True):
    keys: list[Name] = []
    summary: Prose = ""


class EscalationCaughtUp(Body, kw_only=True, frozen=True):
    summary: Prose = ""
    since: Time | None = None
    count: Count = 0
    late_by_seconds: Seconds = 0
    keys: list[Name] = []


# ------------------------------------------------------------------ alerts in, acks back

MAX_URL = 2000  # a generator, silence or paging-tool link
MAX_GROUP_KEY = 2000  # Alertmanager's groupKey spells out the group's labels

LabelName = Annotated[str, Meta(min_length=1, max_length=128)]
LabelValue = Annotated[str, Meta(max_length=1000)]
Url = Annotated[str, Meta(max_length=MAX_URL)]
AlertSource = Literal["alertmanager", "grafana"]
AlertStatus = Literal["firing", "resolved"]


class AlertReceived(Body, kw_only=True, frozen=True):
    """One alert's state as monitoring sent it, on its incident or on its waiting group."""

    source: AlertSource
    group: Name  # the group's own aggregate id (ALG-...)
    group_key: Annotated[str, Meta(min_length=1, max_length=MAX_GROUP_KEY)]
    fingerprint: Annotated[str, Meta(min_length=1, max_length=128)]
    status: AlertStatus
    name: Label = ""
    summary: Prose = ""
    labels: Annotated[dict[LabelName, LabelValue], Meta(max_length=64)] = {}
    service: Name | None = None
    severity: Severity | None = None
    generator_url: Url = ""
    silence_url: Url = ""
    starts_at: Time | None = None
    ends_at: Time | None = None
    values: Annotated[dict[LabelName, float], Meta(max_length=32)] = {}
    flaps: Count = 0  # changes held back and dropped while it flapped


class AlertGroupAssigned(Body, kw_only=True, frozen=True):
    """An alert group found its incident: written on the incident and on the group."""

    group: Name
    group_key: Annotated[str, Meta(min_length=1, max_length=MAX_GROUP_KEY)]
    source: AlertSource
    incident: Name
    how: Literal["declared", "attached"]
    name: Label = ""
    route: Label = ""


class PagerUpdate(Body, kw_only=True, frozen=True):
    """What the paging tool says happened to one of our pages (resolved, reassigned)."""

    tool: Literal["pagerduty"]
    event_type: Name
    target: Label = ""
    agent: Label = ""
    agent_id: Label = ""
    agent_match: Label = ""  # as in PageAcknowledged; empty in older logs
    tool_incident: Label = ""
    url: Url = ""
    webhook_id: Label = ""


# ------------------------------------------------------------------ tabletop drills


class DrillStarted(Body, kw_only=True, frozen=True):
    scenario: Name
    title: Label = ""
    t0: Time
    mode: Label = ""
    file: Label = ""
    channel: Label = ""


class DrillInject(Body, kw_only=True, frozen=True):
    t: Seconds = 0
    text: Prose = ""
    index: Count = 0
    kind: Label = ""
    shown_as: Label = ""
    generated: bool = False
    services: list[Name] = []
    layers: list[Name] = []


class DrillPage(Body, kw_only=True, frozen=True):
    team: Label  # empty: the step was ticked but there was nobody to page
    tick: Label | None = None
    step: Label | None = None
    via: Label = ""
    team_name: Label | None = None
    person: Label | None = None
    person_name: Label | None = None
    contact: Label | None = None


class DrillAck(Body, kw_only=True, frozen=True):
    team: Name
    team_name: Label | None = None
    person: Label | None = None
    person_name: Label | None = None
    verdict: Prose = ""


class DrillEnded(Body, kw_only=True, frozen=True):
    reason: Prose = ""
    t: Seconds = 0


# ------------------------------------------------------------------ on-call overrides


class OnCallOverride(Body, kw_only=True, frozen=True):
    """`person` holds `team`'s pager over [starts_at, ends_at), whatever its schedule says."""

    team: Name
    person: Name
    starts_at: Time
    ends_at: Time
    reason: Prose = ""


class OnCallOverrideWithdrawn(Body, kw_only=True, frozen=True):
    override: Name  # the event id of the override


# ------------------------------------------------------------------ everyone not at the keyboard


class UpdatePosted(Body, kw_only=True, frozen=True):
    """A stakeholder update as it was sent: the text, what the incident was then, and
    when the next one is due (the cadence of the severity it was sent at)."""

    text: Text
    severity: Severity
    status: Status
    channels: list[Name] = []
    roles: list[Name] = []  # the leadership roles told
    next_due_at: Time | None = None


class DecisionRequested(Body, kw_only=True, frozen=True):
    question: Text
    asked_of: list[Name] = []  # the roles asked to decide (leadership by default)


class DecisionRecorded(Body, kw_only=True, frozen=True):
    text: Text
    by: Name  # who decided (not always who typed it)
    options: list[Annotated[str, Meta(min_length=1, max_length=MAX_TEXT)]] = []
    answers: Label | None = None  # the decision_requested event it settles


# ------------------------------------------------------------------ the envelope

_T = TypeVar("_T")


class _once(Generic[_T]):
    """functools.cached_property without the lock it takes on every first read in
    Python 3.11: a rebuild reads two per event, a million events."""

    def __init__(self, fn: Callable[[Any], _T]):
        self.fn, self.name = fn, fn.__name__
        self.__doc__ = fn.__doc__

    @overload
    def __get__(self, obj: None, cls: type | None = None) -> _once[_T]: ...
    @overload
    def __get__(self, obj: object, cls: type | None = None) -> _T: ...
    def __get__(self, obj: object | None, cls: type | None = None) -> _T | _once[_T]:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)  # later reads find it there
        return value


class Event(Struct, frozen=True, dict=True):
    """One immutable fact of an incident's log, as stored and synced. Its wall time and
    typed body are read on first use and kept in the instance's __dict__."""

    event_id: str
    incident_id: str
    kind: str
    body: dict[str, Any]  # as stored and synced, verbatim
    actor: str
    origin: str
    hlc: str
    at: str  # ISO time from the injected clock: what the user sees
    server_seq: int | None = None

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return (self.hlc, self.origin, self.event_id)

    @_once
    def when(self) -> datetime:
        # Parsed once per event: a fold reads it several times.
        return time_of(self.event_id, self.at)

    @_once
    def data(self) -> Body | BodyError | None:
        """The typed body; a BodyError when it does not fit its kind; None for a kind
        this version does not know."""
        return typed_body(self.kind, self.body)

    def with_data(self, data: Body | BodyError | None) -> Event:
        """This event with its typed body already decoded, by the door that checked it, so
        the fold does not decode it again; `data` is what typed_body(kind, body) gives."""
        self.__dict__["data"] = data  # where _once keeps it
        return self

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, server_seq: bool = True) -> Event:
        """An event from its checked dict form (the wire, an export line); `server_seq`
        False drops the number another store gave it."""
        return cls(
            raw["event_id"],
            raw["incident_id"],
            raw["kind"],
            raw["body"],
            raw["actor"],
            raw["origin"],
            raw["hlc"],
            raw["at"],
            raw.get("server_seq") if server_seq else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "incident_id": self.incident_id,
            "kind": self.kind,
            "body": self.body,
            "actor": self.actor,
            "origin": self.origin,
            "hlc": self.hlc,
            "at": self.at,
        }


# ------------------------------------------------------------------ the catalogue


class Kind(Struct, frozen=True):
    """One event kind: its name on the wire, its body type, how it changes an incident
    (returning the timeline text, or None for no timeline entry)."""

    name: str
    body: type[Body]
    fold: Callable[[Incident, Event, Any], str | None]


CATALOGUE: dict[str, Kind] = {
    k.name: k
    for k in (
        # the incident
        Kind("declared", Declared, incident_fold.declared),
        Kind("severity_set", SeveritySet, incident_fold.severity_set),
        Kind("status_set", StatusSet, incident_fold.status_set),
        Kind("resolved", Resolved, incident_fold.resolved),
        Kind("reopened", Reopened, incident_fold.reopened),
        Kind("role_assigned", RoleAssigned, incident_fold.role_assigned),
        Kind("handoff_offered", HandoffOffered, incident_fold.handoff_offered),
        Kind("handoff_accepted", HandoffAccepted, incident_fold.handoff_accepted),
        Kind("step_ticked", StepTicked, incident_fold.step_ticked),
        Kind("step_unticked", StepUnticked, incident_fold.step_unticked),
        Kind("step_waived", StepWaived, incident_fold.step_waived),
        Kind("note_added", NoteAdded, incident_fold.note_added),
        Kind("service_added", ServiceAdded, incident_fold.service_added),
        # automated escalation
        Kind("page_queued", PageQueued, paging_fold.page_queued),
        Kind("page_delivered", PageDelivered, paging_fold.page_delivered),
        Kind("page_failed", PageFailed, paging_fold.page_failed),
        Kind("page_abandoned", PageAbandoned, paging_fold.page_abandoned),
        Kind("page_acknowledged", PageAcknowledged, paging_fold.page_acknowledged),
        Kind("severity_confirmed", SeverityConfirmed, paging_fold.severity_confirmed),
        Kind("page_adopted", PageAdopted, paging_fold.page_adopted),
        Kind("escalation_caught_up", EscalationCaughtUp, paging_fold.escalation_caught_up),
        # alerts in, acks back
        Kind("alert_received", AlertReceived, alerts_fold.alert_received),
        Kind("alert_group_assigned", AlertGroupAssigned, alerts_fold.alert_group_assigned),
        Kind("pager_update", PagerUpdate, alerts_fold.pager_update),
        # stakeholder updates and the decision log
        Kind("update_posted", UpdatePosted, comms_fold.update_posted),
        Kind("decision_requested", DecisionRequested, comms_fold.decision_requested),
        Kind("decision_recorded", DecisionRecorded, comms_fold.decision_recorded),
        # tabletop drills
        Kind("drill_started", DrillStarted, drill_fold.drill_started),
        Kind("drill_inject", DrillInject, drill_fold.drill_inject),
        Kind("drill_page", DrillPage, drill_fold.drill_page),
        Kind("drill_ack", DrillAck, drill_fold.drill_ack),
        Kind("drill_ended", DrillEnded, drill_fold.drill_ended),
        # on-call overrides (an aggregate of their own per team: oncall:TEAM)
        Kind("oncall_override", OnCallOverride, oncall_fold.oncall_override),
        Kind(
            "oncall_override_withdrawn",
            OnCallOverrideWithdrawn,
            oncall_fold.oncall_override_withdrawn,
        ),
    )
}
_KIND_OF: dict[type[Body], str] = {k.body: k.name for k in CATALOGUE.values()}


class BodyError(ValueError):
    """A body that does not fit its kind; the message names the field."""


def kind_of(body: Body) -> str:
    return _KIND_OF[type(body)]


def decode(kind: Kind, body: Any) -> Body:
    """The typed body of a stored or received one, or BodyError naming the field."""
    if not isinstance(body, dict):
        raise BodyError(f"{kind.name}: the body must be an object")
    try:
        value = msgspec.convert(body, kind.body)
    except msgspec.ValidationError as exc:
        raise BodyError(f"{kind.name}: {_field_words(str(exc))}") from None
    if _time_fields(kind.body):  # most kinds hold no time to check: no call for them
        problem = _cross_check(value)
        if problem:
            raise BodyError(f"{kind.name}: {problem}")
    return value


def typed_body(kind_name: str, body: Any) -> Body | BodyError | None:
    """`Event.data` for a stored body: None for a kind this version does not know."""
    kind = CATALOGUE.get(kind_name)
    if kind is None:
        return None
    try:
        return decode(kind, body)
    except BodyError as exc:
        return exc


def time_of(event_id: str, at: str) -> datetime:
    """`Event.when`: the event's wall time, read from its stored text. fromisoformat
    reads the trailing Z itself (3.11); parse_iso's replace costs a rebuild a second."""
    when: datetime | None
    try:
        when = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        when = parse_iso(at)  # raises for what is not a time at all
    if when is None:
        raise ValueError(f"event {event_id} has no time")
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def body_problem(kind: str, body: Any) -> str | None:
    """Why `body` cannot be the body of a `kind` event, or None. Any body of a kind this
    version does not know is fine (kept verbatim), as long as it is valid text."""
    if not isinstance(body, dict):
        return "body must be a JSON object"
    return text_problem(body, "body") or catalogue_problem(kind, body)


def catalogue_problem(kind: str, body: dict[str, Any]) -> str | None:
    """body_problem for a body known to hold only valid text: what its kind requires."""
    known = CATALOGUE.get(kind)
    if known is None:
        return None
    try:
        decode(known, body)
    except BodyError as exc:
        return str(exc)
    return None


def bodies_fit(kind: str, bodies: list[dict[str, Any]]) -> bool:
    """True when catalogue_problem would find nothing wrong with any of these bodies of
    one kind (checked in one pass; False says only that one of them needs a closer look)."""
    return typed_bodies(kind, bodies) is not None


def typed_bodies(kind: str, bodies: list[dict[str, Any]]) -> list[Body | None] | None:
    """Each body's `Event.data` when all of these bodies of one kind fit it (None for each
    of a kind this version does not know), decoded in one pass; None when one of them
    needs a closer look."""
    known = CATALOGUE.get(kind)
    if known is None:
        return [None] * len(bodies)
    try:
        values = msgspec.convert(bodies, list[known.body])  # type: ignore[name-defined]
    except (ValueError, TypeError):  # ValidationError, or a lone surrogate it tried to quote
        return None
    if values and _time_fields(known.body) and any(map(_cross_check, values)):
        return None
    return values


def unfit(evs: list[Event]) -> tuple[int, str] | None:
    """(index, problem) of the first of `evs` whose body is not valid text or does not fit
    its kind (body_problem), or None; the text of all is checked at once. It reads each
    event's typed body, which the fold reads next: an event whose door decoded it
    (Event.with_data) costs nothing more here."""
    try:
        valid_text = all(isinstance(ev.body, dict) for ev in evs)
        if valid_text:
            msgspec.json.encode([ev.body for ev in evs])
    except (ValueError, TypeError):  # UnicodeEncodeError is a ValueError
        valid_text = False
    for i, ev in enumerate(evs):
        if not valid_text:  # one by one: the text, then the kind
            problem = body_problem(ev.kind, ev.body)
        else:
            problem = str(ev.data) if isinstance(ev.data, BodyError) else None
        if problem:
            return i, problem
    return None


def policy_of(steps: dict[str, list[dict[str, Any]]], overdue_after_seconds: int) -> Policy:
    """The org's escalation policy (Org.policy()) as the declaration snapshots it."""
    plain = {"steps": steps, "overdue_after_seconds": overdue_after_seconds}
    return msgspec.convert(plain, Policy)


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """Text a bot writes (an error a server sent back) cut to what an event may hold."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def to_plain(body: Body) -> dict[str, Any]:
    """The stored form of a typed body."""
    return msgspec.to_builtins(body)


def actor_problem(actor: Any, name: str = "actor", limit: int = MAX_ACTOR) -> str | None:
    """The rule for who wrote an event (and from where), the same at every door."""
    if not isinstance(actor, str) or not actor.strip():
        return f"{name} must be a non-empty string"
    if len(actor) > limit:
        return f"{name} is longer than {limit} characters"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in actor):
        return f"{name} contains control characters"
    return text_problem(actor, name)


def text_problem(value: Any, where: str) -> str | None:
    """Lone surrogates (what a non-UTF-8 byte on the command line becomes) cannot be
    stored as UTF-8 or sent: refuse them at the door instead of failing later."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"{where} is not valid UTF-8 text (a stray byte at character {exc.start + 1})"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            problem = text_problem(key, where) or text_problem(item, f"{where}.{key}")
            if problem:
                return problem
    elif isinstance(value, list):
        for i, item in enumerate(value):
            problem = text_problem(item, f"{where}[{i}]")
            if problem:
                return problem
    return None


_TIME_FIELDS = (
    "impact_started_at",
    "scheduled_at",
    "retry_at",
    "since",
    "t0",
    "starts_at",
    "ends_at",
    "next_due_at",
)
_TIMES_OF: dict[type, tuple[str, ...]] = {}  # body class -> which of those it has


def _time_fields(cls: type[Body]) -> tuple[str, ...]:
    names = _TIMES_OF.get(cls)
    if names is None:
        fields = set(cls.__struct_fields__)
        names = _TIMES_OF[cls] = tuple(n for n in _TIME_FIELDS if n in fields)
    return names


def _cross_check(body: Body) -> str | None:
    """What a type cannot say: times that are real, not just well-formed."""
    names = _time_fields(type(body))
    for name in names:
        value = getattr(body, name, None)
        if isinstance(value, str):
            try:
                parse_iso(value)
            except ValueError:
                return f"body.{name} is not a real time: {value!r}"
    return None


def _field_words(message: str) -> str:
    """msgspec says `... - at `$.policy``; we say `body.policy: ...`."""
    text, sep, path = message.rpartition(" - at `")
    where = "body" + (path.rstrip("`").removeprefix("$") if sep else "")
    if not sep:
        text = message
    missing = re.fullmatch(r"Object missing required field `(.+)`", text)
    if missing:
        return f"{where}.{missing.group(1)} is required"
    pattern = re.fullmatch(r"Expected `str` matching regex '(.+)'", text)
    if pattern:
        shape = _SHAPES.get(pattern.group(1).replace("\\\\", "\\"), "a different shape")
        return f"{where} must look like {shape}"
    enum = re.fullmatch(r"Invalid enum value (.+)", text)
    if enum:
        return f"{where} cannot be {enum.group(1)}"
    return f"{where}: {text}"


_SHAPES = {_STEP: "SEV2+15", _ISO.pattern: "2026-01-01T00:00:00.000Z (an ISO time with a zone)"}
