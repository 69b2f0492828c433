"""What automated escalation has done so far, folded from its events into
`inc.extra["paging"]`, so the next decision (console/model/paging/decide.py) knows what was
already queued, delivered, failed or acknowledged."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from msgspec import Struct, field
from msgspec.structs import replace

from console.model.agents import agent_words
from console.model.incident import Incident

if TYPE_CHECKING:
    from console.model import events as e


class PageTrack(Struct):
    """One target of one step: the rounds paged so far and where they went."""

    step: str
    target: str
    rounds: dict[int, datetime] = field(default_factory=dict)
    channels: tuple[str, ...] = ()

    @property
    def first_at(self) -> datetime:
        return min(self.rounds.values())

    @property
    def last_round(self) -> int:
        return max(self.rounds)

    @property
    def last_at(self) -> datetime:
        return self.rounds[self.last_round]


class Ack(Struct, frozen=True):
    target: str
    step: str | None  # None: every step of the incident
    at: datetime
    by: str


class PagingState(Struct):
    queued: set[str] = field(default_factory=set)  # intent keys already decided
    pages: dict[tuple[str, str], PageTrack] = field(default_factory=dict)
    acks: list[Ack] = field(default_factory=list)
    nudge_channels: set[str] = field(default_factory=set)
    delivered: dict[str, datetime] = field(default_factory=dict)  # outbox key -> when
    failures: dict[str, int] = field(default_factory=dict)  # outbox key -> failed attempts
    abandoned: set[str] = field(default_factory=set)
    severity_confirmed_at: datetime | None = None
    catch_ups: int = 0
    intents: dict[str, dict] = field(
        default_factory=dict
    )  # intent key -> page_queued body + at, event_id
    channel_failed_at: dict[str, datetime] = field(
        default_factory=dict
    )  # latest failure per channel
    # outbox key -> when it was last taken over from another database (a runner that took
    # it over may die too: the quiet period then counts from its takeover)
    adopted: dict[str, datetime] = field(default_factory=dict)

    def acked(self, target: str, step: str) -> bool:
        return any(a.target == target and a.step in (None, step) for a in self.acks)

    def __deepcopy__(self, memo: dict) -> PagingState:
        """Incident.fork's copy: its own sets, dicts, lists and page tracks (what the folds
        change), sharing what they never edit once made (intent bodies, acks, times), so
        forking a long incident does not walk every page's body."""
        return PagingState(
            queued=set(self.queued),
            pages={
                key: replace(track, rounds=dict(track.rounds)) for key, track in self.pages.items()
            },
            acks=list(self.acks),
            nudge_channels=set(self.nudge_channels),
            delivered=dict(self.delivered),
            failures=dict(self.failures),
            abandoned=set(self.abandoned),
            severity_confirmed_at=self.severity_confirmed_at,
            catch_ups=self.catch_ups,
            intents=dict(self.intents),
            channel_failed_at=dict(self.channel_failed_at),
            adopted=dict(self.adopted),
        )


def state_of(inc: Incident) -> PagingState:
    st = inc.extra.get("paging")
    if st is None:
        st = inc.extra["paging"] = PagingState()
    return st


# ------------------------------------------------------------------ event kinds


def page_queued(inc: Incident, ev: e.Event, b: e.PageQueued) -> str:
    st = state_of(inc)
    st.queued.add(b.key)
    if b.key not in st.intents:
        st.intents[b.key] = {**ev.body, "at": ev.when, "event_id": ev.event_id}
    if b.kind == "trigger" and b.step:
        track = st.pages.setdefault((b.step, b.target), PageTrack(b.step, b.target))
        track.rounds[b.round] = min(track.rounds.get(b.round, ev.when), ev.when)
        track.channels = tuple(dict.fromkeys([*track.channels, *b.channels]))
    elif b.kind == "nudge":
        st.nudge_channels.update(b.channels)
    return b.summary or f"{b.kind} queued for {b.target}"


def page_delivered(inc: Incident, ev: e.Event, b: e.PageDelivered) -> str | None:
    st = state_of(inc)
    st.delivered.setdefault(b.key, ev.when)
    where = "the drill sink" if b.drill else b.channel
    note = f"delivered via {where}" + (f" (attempt {b.attempt})" if b.attempt > 1 else "")
    if _onto_queued_row(inc, st, b.intent, note):
        return None  # one page, one timeline row: the delivery joins its page's line
    return b.summary or f"delivered via {b.channel}"


def _onto_queued_row(inc: Incident, st: PagingState, intent_key: str, note: str) -> bool:
    """Append a delivery to the timeline row of the page it delivers; False when that
    row is not in this incident's timeline (an older log, a page queued elsewhere)."""
    intent = st.intents.get(intent_key) if intent_key else None
    event_id = intent.get("event_id") if intent else None
    if not event_id:
        return False
    for i in range(len(inc.timeline) - 1, -1, -1):
        entry = inc.timeline[i]
        if entry.event_id == event_id:
            joiner = ", " if "· delivered via" in entry.text else " · "
            text = (
                entry.text
                + joiner
                + (note.removeprefix("delivered via ") if joiner == ", " else note)
            )
            inc.timeline[i] = replace(entry, text=text)  # a new entry: screens see it changed
            return True
    return False


def page_failed(inc: Incident, ev: e.Event, b: e.PageFailed) -> str:
    st = state_of(inc)
    st.failures[b.key] = max(st.failures.get(b.key, 0), b.attempt)
    if b.channel and ev.when > st.channel_failed_at.get(b.channel, ev.when - timedelta(seconds=1)):
        st.channel_failed_at[b.channel] = ev.when
    return b.summary or f"delivery via {b.channel} failed"


def page_abandoned(inc: Incident, ev: e.Event, b: e.PageAbandoned) -> str:
    state_of(inc).abandoned.add(b.key)
    return b.summary or f"page via {b.channel} not sent: {b.why}"


def page_acknowledged(inc: Incident, ev: e.Event, b: e.PageAcknowledged) -> str:
    state_of(inc).acks.append(Ack(b.target, b.step, ev.when, ev.actor))
    where = f" for {b.step}" if b.step else ""
    via = f" in {b.via}" if b.via else ""
    who = b.target_name or b.target
    if b.agent_match in ("name", "unmatched"):  # someone the tool names, not quite ours
        agent = agent_words(b.agent or b.agent_id or "", b.agent_match)
        return f"page to {who}{where} acknowledged{via}{agent}; no more repeats to them"
    return f"{who} acknowledged the page{where}{via}; no more repeats to them"


def severity_confirmed(inc: Incident, ev: e.Event, b: e.SeverityConfirmed) -> str:
    st = state_of(inc)
    if st.severity_confirmed_at is None:
        st.severity_confirmed_at = ev.when
    return f"severity {b.severity or inc.severity} confirmed"


def page_adopted(inc: Incident, ev: e.Event, b: e.PageAdopted) -> str:
    adopted = state_of(inc).adopted
    for key in b.keys:
        adopted[key] = max(adopted.get(key, ev.when), ev.when)
    return b.summary or "pages queued elsewhere taken over"


def escalation_caught_up(inc: Incident, ev: e.Event, b: e.EscalationCaughtUp) -> str:
    state_of(inc).catch_ups += 1
    return b.summary or "escalation runner caught up"
