"""The one command API. Every face (CLI, TUI, drills, sync, escalation runner)
goes through here: commands are validated against the model and become events;
the events and the projection they change are written in one transaction.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from console.model import events
from console.model.clock import Clock, SystemClock, iso, parse_iso
from console.model.errors import InputError
from console.model.escalation import PlannedStep
from console.model.events import Event, Policy
from console.model.folds.comms import decisions_view, updates_view
from console.model.folds.oncall import aggregate_id as oncall_aggregate
from console.model.incident import Incident
from console.model.names import INCIDENT_ROLES, SEVERITIES, STATUSES
from console.model.oncall import Calendar, OnCall, Rota
from console.model.responsibility import (
    OnCallNow,
    Scope,
    resolve_role,
    responsibility_view,
    responsible_team,
    scope_of,
)
from console.store import Store, projections, sync_state
from console.store import events as event_log
from console.store import oncall as oncall_store
from console.store.db import checkpoint
from console.store.folded import FoldCache
from console.store.watch import CommitWatcher

if TYPE_CHECKING:
    from console.model.org import Org

Listener = Callable[[str], None]


def _is_severity(value: str) -> TypeGuard[events.Severity]:
    return value in SEVERITIES


def _is_status(value: str) -> TypeGuard[events.Status]:
    return value in STATUSES


def parse_severity(text: str) -> events.Severity:
    value = str(text).strip().upper()
    if value.isdigit():
        value = f"SEV{value}"
    if not _is_severity(value):
        raise InputError(f"unknown severity {text!r} (expected one of {', '.join(SEVERITIES)})")
    return value


class _Reading(Mapping[str, OnCall]):
    """Who is on call, noting the person of each team read (IncidentService._contacts)."""

    def __init__(self, on_call: OnCallNow):
        self.on_call = on_call
        self.read: dict[str, str | None] = {}

    def __getitem__(self, team: str) -> OnCall:
        shift = self.on_call[team]
        self.read[team] = shift.person
        return shift

    def __contains__(self, team: object) -> bool:
        return team in self.on_call

    def __iter__(self) -> Iterator[str]:
        return iter(self.on_call)

    def __len__(self) -> int:
        return len(self.on_call)


def _suggest(word: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=3)
    return f"; did you mean {', '.join(close)}?" if close else ""


class IncidentService:
    def __init__(
        self,
        store: Store,
        org: Org | Callable[[], Org],
        clock: Clock | None = None,
        actor: str = "commander",
    ):
        """`org` may be a function that loads it: a command that needs no org (a note)
        then never loads one."""
        self.store = store
        self._org = org
        self.clock = clock or SystemClock()
        self.actor = actor
        self._listeners: list[Listener] = []
        self._folds = FoldCache()

    @property
    def org(self) -> Org:
        if callable(self._org):
            self._org = self._org()
        return self._org

    @org.setter
    def org(self, org: Org) -> None:
        self._org = org

    # ------------------------------------------------------------ plumbing
    @property
    def path(self) -> Path:
        """The database file."""
        return self.store.path

    def setting(self, key: str, default: str | None = None) -> str | None:
        return self.store.setting(key, default)

    def close(self) -> None:
        self.store.close()

    def consistent_read(self) -> contextlib.AbstractContextManager[object]:
        """Reads inside see one state of the database (the board's count and its page)."""
        return self.store.snapshot()

    def watch(self) -> CommitWatcher:
        """Notices commits made through other connections; use on this service's thread."""
        return CommitWatcher(self.store.conn)

    def checkpoints_elsewhere(self) -> Callable[[], int]:
        """This service's commits leave the WAL checkpoint (a stall of hundreds of
        milliseconds now and then, on a key press in a console) to the function returned,
        which any thread may call now and then."""
        self.store.defer_checkpoints()
        return partial(checkpoint, self.store.path)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Called with the incident id after each commit (the TUI refreshes from it)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self, incident_ids: Iterable[str]) -> None:
        for incident_id in dict.fromkeys(incident_ids):
            for listener in list(self._listeners):
                listener(incident_id)

    def now(self) -> datetime:
        return self.clock.now()

    def record(self, incident_id: str, body: events.Body, actor: str | None = None) -> Event:
        """Append one event of the catalogue and refresh the projection, in one
        transaction: the one door every writer (runner, drills, our own commands) uses.
        The body is checked against the same rules the sync server applies."""
        return self._append(incident_id, body, actor)[0]

    def _append(
        self, incident_id: str, body: events.Body, actor: str | None = None
    ) -> tuple[Event, Incident]:
        kind = events.kind_of(body)
        plain = events.to_plain(body)
        actor = actor or self.actor
        problem = events.actor_problem(actor) or events.body_problem(kind, plain)
        if problem:
            raise InputError(problem)
        # Serialised once, as the log stores it; folding the cached event is then folding
        # the stored one (lists, str keys).
        text = json.dumps(plain, sort_keys=True, ensure_ascii=False)
        if len(text.encode("utf-8")) > events.MAX_EVENT_BYTES - 1024:
            raise InputError(f"{kind} is too large to record and share (over 127 KB)")
        conn = self.store.conn
        with self.store.transaction():
            ev = Event(
                event_id=event_log.uuid7(),
                incident_id=incident_id,
                kind=kind,
                body=plain,
                actor=actor,
                origin=self.store.device_id(),
                hlc=event_log.next_hlc(conn),
                at=iso(self.clock.now()),
            )
            before = self._folds.state(conn, incident_id)
            event_log.insert(conn, ev, text)
            try:
                folded = self._folds.appended(conn, before, ev)
                projections.store_state(conn, folded.inc, folded.facts, folded.figures)
            except BaseException:
                self._folds.drop(incident_id)  # it may hold the event that was not stored
                raise
        self._notify([incident_id])
        # The state as this command left it: its fields stay as they are, its lists are
        # the cache's (a later command extends them). get() gives one to keep.
        return ev, copy.copy(folded.inc)

    def apply_remote(
        self, evs: list[Event], after: Callable[[Any], None] | None = None
    ) -> list[str]:
        """Store events from elsewhere (sync, import) idempotently; re-fold what they touch.
        `after(conn)` runs in the same transaction (the sync cursor advances with the page).
        The doors that receive them have checked them (console.model.events); a body that
        does not fit its kind here is a bug in that door, refused before anything is stored."""
        refused = events.unfit(evs)
        if refused:
            at, problem = refused
            raise ValueError(f"event {evs[at].event_id} reached the log unchecked: {problem}")
        conn = self.store.conn
        fresh: dict[str, list[Event]] = {}  # the new events, by incident (first seen first)
        with self.store.transaction():
            if evs:
                # Observing the page's latest stamp orders later local events after all of it.
                event_log.observe_hlc(conn, max(ev.hlc for ev in evs))
            before = {i: self._folds.held(conn, i) for i in {ev.incident_id for ev in evs}}
            try:
                new = event_log.insert_many(conn, evs) if evs else []
                for ev, is_new in zip(evs, new, strict=True):
                    if is_new:
                        fresh.setdefault(ev.incident_id, []).append(ev)
                event_log.set_server_seqs(
                    conn,
                    [
                        (ev.server_seq, ev.event_id)
                        for ev, is_new in zip(evs, new, strict=True)
                        if not is_new and ev.server_seq is not None
                    ],
                )
                # Each touched incident folded once: its new events onto its cached state.
                for incident_id, added in fresh.items():
                    held, state = before[incident_id]
                    folded = self._folds.appended_many(conn, incident_id, held, state, added)
                    if folded is not None:
                        projections.store_state(conn, folded.inc, folded.facts, folded.figures)
                if after:
                    after(conn)
            except BaseException:
                for incident_id in fresh:  # their states may hold events not stored
                    self._folds.drop(incident_id)
                raise
        touched = list(fresh)
        self._notify(touched)
        return touched

    # ------------------------------------------------------------ reads
    def resolve_id(self, text: str) -> str:
        raw = str(text).strip().upper()
        candidate = raw if raw.startswith("INC-") else f"INC-{raw}"
        if not projections.exists(self.store.conn, candidate):
            raise InputError(f"no incident {text!r} (see `incident-console list --all`)")
        return candidate

    def get(self, incident_id: str) -> Incident:
        incident_id = self.resolve_id(incident_id)
        return self._state(incident_id).fork()

    def folded(self, incident_id: str) -> Incident | None:
        """The incident folded up to its newest event row, whichever connection wrote it:
        this service's cached state plus the rows added since (or the snapshot on disk plus
        its tail), not a fold of the whole log. The cache's own state, so read it before
        this service's next command and never change it; get() gives one to keep. None for
        an incident with no events."""
        folded = self._folds.state(self.store.conn, incident_id)
        return folded.inc if folded is not None else None

    def _state(self, incident_id: str) -> Incident:
        """The cache's own folded state (commands read it; get() hands out a fork)."""
        folded = self._folds.state(self.store.conn, incident_id)
        if folded is None:
            raise InputError(f"no incident {incident_id!r}")
        return folded.inc

    def events(self, incident_id: str) -> list[Event]:
        return sorted(
            event_log.for_incident(self.store.conn, self.resolve_id(incident_id)),
            key=lambda e: e.sort_key,
        )

    def board(
        self,
        *,
        include_resolved: bool = False,
        include_drills: bool = True,
        text: str = "",
        limit: int = 200,
        offset: int = 0,
    ) -> list[dict]:
        return projections.board(
            self.store.conn,
            include_resolved=include_resolved,
            include_drills=include_drills,
            text=text,
            limit=limit,
            offset=offset,
        )

    def board_count(
        self, *, include_resolved: bool = False, include_drills: bool = True, text: str = ""
    ) -> int:
        return projections.count(
            self.store.conn,
            include_resolved=include_resolved,
            include_drills=include_drills,
            text=text,
        )

    def scope(self, inc: Incident) -> Scope:
        return scope_of(self.org, inc.layers, inc.services)

    def plan(self, inc: Incident, now: datetime | None = None) -> list[PlannedStep]:
        return inc.plan(now or self.clock.now())

    def step_contacts(
        self, inc: Incident, step: PlannedStep, now: datetime | None = None
    ) -> list[dict]:
        """The step's roles resolved to people: whoever is on call at `now`."""
        scope = self.scope(inc)
        on_call = self.on_call_now(now)
        return [
            {"role": role, "contacts": [dict(c) for c in self._contacts(role, scope, on_call)]}
            for role in step.targets
        ]

    def _contacts(self, role: str, scope: Scope, on_call: OnCallNow) -> list[dict]:
        """resolve_role is a pure function of an immutable Org and of who is on call in
        the teams it reads (their people, nothing else): remembered per org with the
        people it read, and used again while those teams have the same people on call.
        Only the teams it reads are worked out (see Rota.at)."""
        memo: tuple[Org, dict[tuple, list]] | None = self.__dict__.get("_contacts_memo")
        if memo is None or memo[0] is not self.org or len(memo[1]) > 4096:
            memo = (self.org, {})
            self._contacts_memo = memo
        seen = memo[1].setdefault((role, scope), [])
        for read, found in seen:
            if all(on_call[team].person == person for team, person in read):
                return found
        reading = _Reading(on_call)
        found = [c.to_dict() for c in resolve_role(self.org, role, scope, reading)]
        if len(seen) >= 16:
            del seen[0]
        seen.append((tuple(reading.read.items()), found))
        return found

    def responsibility(self, inc: Incident, now: datetime | None = None) -> dict:
        return responsibility_view(
            self.org, inc.severity, self.scope(inc), inc.pattern or None, self.on_call_now(now)
        )

    # ------------------------------------------------------------ on call
    def rota(self) -> Rota:
        """Who is on call for every team: the org's schedules, this database's imported
        calendars and the overrides in the log; rebuilt when any of them changes."""
        conn = self.store.conn
        version = oncall_store.version(conn)
        cached = self.__dict__.get("_rota")
        if cached is None or cached[0] is not self.org or cached[1] != version:
            rota = Rota(self.org, oncall_store.overrides(conn), oncall_store.calendars(conn))
            cached = self._rota = (self.org, version, rota)
        return cached[2]

    def on_call_now(self, now: datetime | None = None) -> OnCallNow:
        return self.rota().at(now or self.clock.now())

    def shifts_of(self, inc: Incident, now: datetime | None = None) -> list[dict]:
        """The shift of every team the incident's responsibility names: who, since and
        until when, who is next, and from what (schedule, calendar, override)."""
        now = now or self.clock.now()
        on_call = self.on_call_now(now)
        view = self.responsibility(inc, now)
        teams = [view["responsible_team"]["team"]] if view["responsible_team"] else []
        for d in view["domains"]:
            teams.extend(d[k]["team"] for k in ("first", "second", "final") if d[k]["team"])
        return [on_call[t].to_dict(self.org) for t in dict.fromkeys(teams) if t in on_call]

    def team_id(self, team: str) -> str:
        team = str(team).strip()
        if team not in self.org.teams:
            by_name = [t.id for t in self.org.teams.values() if t.name.lower() == team.lower()]
            if len(by_name) == 1:
                return by_name[0]
            raise InputError(
                f"unknown team {team!r}{_suggest(team, self.org.teams)} "
                f"(teams: {', '.join(self.org.teams)})"
            )
        return team

    def person_id(self, person: str) -> str:
        person = str(person).strip()
        if person in self.org.people:
            return person
        by_name = [p.id for p in self.org.people.values() if p.name.lower() == person.lower()]
        if len(by_name) == 1:
            return by_name[0]
        raise InputError(
            f"{person!r} is nobody in the org file{_suggest(person, self.org.people)} "
            "(a person's id, e.g. aoi.matsumoto)"
        )

    def on_call(self, team: str, at: datetime | None = None) -> OnCall:
        return self.rota().on_call(self.team_id(team), at or self.clock.now())

    def override(
        self,
        team: str,
        person: str,
        starts_at: datetime,
        ends_at: datetime,
        reason: str = "",
    ) -> Event:
        """`person` holds `team`'s pager over [starts_at, ends_at). An event of the team's
        own on-call aggregate, so it syncs like any other; open incidents that page the
        team get a note when it changes who they page now."""
        team, person = self.team_id(team), self.person_id(person)
        if ends_at <= starts_at:
            raise InputError("an override must end after it starts (--until after --from)")
        if ends_at - starts_at > timedelta(days=90):
            raise InputError(
                "an override longer than 90 days is a schedule: put it in the org file"
            )
        now = self.clock.now()
        if ends_at <= now:
            raise InputError(f"that override ended already ({iso(ends_at)})")
        before = self.on_call_now(now).get(team)
        body = events.OnCallOverride(
            team=team,
            person=person,
            starts_at=iso(starts_at),
            ends_at=iso(ends_at),
            reason=(reason or "").strip(),
        )
        with self.store.transaction():
            ev = self.record(oncall_aggregate(team), body)
            if before is not None and before.person != person and starts_at <= now < ends_at:
                self._note_hand_over(team, before.person, person, ends_at)
        return ev

    def take_shift(self, team: str) -> Event:
        """ "I'll take this shift": the actor holds the team's pager from now until the
        current shift would have ended (or for 12 hours when it has no end)."""
        team = self.team_id(team)
        try:
            me = self.person_id(self.actor)
        except InputError:
            raise InputError(
                f"you are {self.actor!r}, not a person in the org file: take a shift as yourself "
                "(--as PERSON_ID)"
            ) from None
        now = self.clock.now()
        current = self.rota().on_call(team, now)
        if current.person == me:
            raise InputError(f"you are already on call for {self.org.teams[team].name}")
        until = current.until or now + timedelta(hours=12)
        return self.override(team, me, now, until, reason="took the shift")

    def withdraw_override(self, override_id: str) -> Event:
        found = next((o for o in self.rota().overrides_all() if o.id == override_id), None)
        if found is None:
            raise InputError(f"no live override {override_id!r} (see `incident-console oncall`)")
        body = events.OnCallOverrideWithdrawn(override=override_id)
        return self.record(oncall_aggregate(found.team), body)

    def store_calendar(self, calendar: Calendar, summaries: list[str]) -> None:
        """Keep an imported calendar's shifts (this database only: a calendar is read
        by each console from its source, not synced)."""
        self.team_id(calendar.team)
        with self.store.transaction():
            oncall_store.store_calendar(self.store.conn, calendar, summaries)

    def calendar_failed(self, team: str, error: str) -> None:
        with self.store.transaction():
            oncall_store.record_error(self.store.conn, team, error)

    def calendar_sources(self) -> list[tuple[str, str, str | None]]:
        return oncall_store.sources(self.store.conn)

    def _note_hand_over(self, team: str, was: str | None, now_on: str, until: datetime) -> None:
        """The timeline of each open incident that pages `team` says who it pages now."""
        name = self.org.teams[team].name
        text = (
            f"On call for {name} now: {self.org.person_name(now_on)} until {iso(until)} "
            f"(override; was {self.org.person_name(was) if was else 'nobody'})"
        )
        for row in projections.board(self.store.conn, include_drills=False, limit=1000):
            inc = self.get(row["id"])
            view = responsibility_view(self.org, inc.severity, self.scope(inc), inc.pattern)
            teams = {view["responsible_team"]["team"]} if view["responsible_team"] else set()
            for d in view["domains"]:
                teams.update(d[k]["team"] for k in ("first", "second", "final"))
            if team in teams:
                self.record(inc.id, events.NoteAdded(text=text))

    def view(self, incident_id: str, now: datetime | None = None) -> dict:
        """Everything `show` prints, as plain data with a stable shape."""
        inc = self.get(incident_id)
        now = now or self.clock.now()
        steps = []
        for s in self.plan(inc, now):
            steps.append(
                {
                    "key": s.key,
                    "severity": s.severity,
                    "offset_minutes": s.offset_minutes,
                    "targets": self.step_contacts(inc, s, now),
                    "due_at": iso(s.due_at),
                    "state": s.state,
                    "seconds_to_due": round(s.seconds_to_due(now)),
                    "derived": s.derived,
                    "notified_at": iso(s.ticks.notified_at),
                    "notified_by": s.ticks.notified_by,
                    "acknowledged_at": iso(s.ticks.acknowledged_at),
                    "acknowledged_by": s.ticks.acknowledged_by,
                    "waived_at": iso(s.ticks.waived_at),
                    "waived_by": s.ticks.waived_by,
                    "waived_reason": s.ticks.waived_reason,
                }
            )
        return {
            "id": inc.id,
            "title": inc.title,
            "severity": inc.severity,
            "severity_meaning": self.org.severities[inc.severity].meaning
            if inc.severity in self.org.severities
            else "",
            "status": inc.status,
            "open": inc.open,
            "drill": inc.drill,
            "prevented": inc.prevented,
            "layers": inc.layers,
            "services": inc.services,
            "detection": inc.detection,
            "pattern": inc.pattern,
            "responsible_team": inc.responsible_team,
            "declared_at": iso(inc.declared_at),
            "declared_by": inc.declared_by,
            "detected_at": iso(inc.detected_at),
            "acknowledged_at": iso(inc.acknowledged_at),
            "mitigated_at": iso(inc.mitigated_at),
            "resolved_at": iso(inc.resolved_at),
            "roles": {r: inc.roles.get(r) for r in INCIDENT_ROLES},
            "handoffs": inc.handoffs,
            "severity_history": [
                {"at": iso(at), "severity": sev} for at, sev in inc.severity_history
            ],
            "responsibility": self.responsibility(inc, now),
            "on_call": self.shifts_of(inc, now),
            "escalation": steps,
            "timeline": [t.to_dict() for t in inc.timeline],
            "updates": updates_view(inc),
            "decisions": decisions_view(inc),
            "as_of": iso(now),
        }

    # ------------------------------------------------------------ commands
    def declare(
        self,
        title: str,
        severity: str,
        layers: Iterable[str] = (),
        services: Iterable[str] = (),
        detection: str = "",
        commander: str | None = None,
        *,
        drill: str | None = None,
        impact_started_at: datetime | None = None,
        prevented: bool = False,
    ) -> Incident:
        title = (title or "").strip()
        if not title:
            raise InputError("a title is required (what is broken, in a few words)")
        if len(title) > 200:
            raise InputError(f"title is {len(title)} characters; keep it under 200")
        problem = events.text_problem(title, "the title")
        if problem:
            raise InputError(problem)
        severity = parse_severity(severity)
        layers = list(dict.fromkeys(layers))
        services = list(dict.fromkeys(services))
        for layer in layers:
            if layer not in self.org.layers:
                raise InputError(
                    f"unknown layer {layer!r} (expected one of {', '.join(self.org.layers)})"
                )
        for svc in services:
            if svc not in self.org.services:
                raise InputError(
                    f"unknown service {svc!r}{_suggest(svc, self.org.services)} "
                    "(see `incident-console model` for the catalogue)"
                )
        scope = scope_of(self.org, layers, services)
        responsible = responsible_team(self.org, scope)
        body = events.Declared(
            title=title,
            severity=severity,
            layers=list(scope.layers),
            services=services,
            detection=(detection or "").strip(),
            commander=commander or self.actor,
            policy=self._policy(),
            pattern=self.org.pattern.id,
            responsible_team=responsible.id if responsible else None,
            drill=drill or None,
            prevented=prevented,
            impact_started_at=iso(impact_started_at) if impact_started_at else None,
        )
        conn = self.store.conn
        with self.store.transaction():
            number = projections.max_number(conn) + 1
            return self._append(f"INC-{number}", body)[1]

    def _policy(self) -> Policy:
        """The org's escalation policy; an Org is immutable, so computed once per Org."""
        cached = self.__dict__.get("_policy_of")
        if cached is None or cached[0] is not self.org:
            policy = events.policy_of(self.org.policy(), self.org.overdue_after_seconds)
            cached = self._policy_of = (self.org, policy)
        return cached[1]

    def _open(self, incident_id: str) -> Incident:
        inc = self._state(self.resolve_id(incident_id))  # read only, before its command
        if not inc.open:
            raise InputError(f"{inc.id} is resolved; reopen it first")
        return inc

    def set_severity(self, incident_id: str, severity: str) -> Incident:
        inc = self._open(incident_id)
        severity = parse_severity(severity)
        if severity == inc.severity:
            raise InputError(f"{inc.id} is already {severity}")
        return self._append(inc.id, events.SeveritySet(severity=severity))[1]

    def set_status(self, incident_id: str, status: str) -> Incident:
        wanted = str(status).strip().lower()
        if not _is_status(wanted):
            raise InputError(f"unknown status {wanted!r} (expected one of {', '.join(STATUSES)})")
        if wanted == "resolved":
            return self.resolve(incident_id)
        inc = self._open(incident_id)
        if wanted == inc.status:
            raise InputError(f"{inc.id} is already {wanted}")
        return self._append(inc.id, events.StatusSet(status=wanted))[1]

    def note(self, incident_id: str, text: str) -> Incident:
        incident_id = self.resolve_id(incident_id)  # notes need no state: skip the fold
        text = (text or "").strip()
        if not text:
            raise InputError("a note needs some text")
        if len(text) > events.MAX_TEXT:
            raise InputError(f"the note is {len(text)} characters; keep it under {events.MAX_TEXT}")
        problem = events.text_problem(text, "the note")
        if problem:
            raise InputError(problem)
        return self._append(incident_id, events.NoteAdded(text=text))[1]

    def find_step(self, inc: Incident, step: str) -> PlannedStep:
        """A step by key (SEV1+15), by 1-based position in the plan, or by a target role."""
        steps = self.plan(inc)
        text = str(step).strip()
        for s in steps:
            if s.key.upper() == text.upper():
                return s
        if text.isdigit() and 1 <= int(text) <= len(steps):
            return steps[int(text) - 1]
        by_role = [s for s in steps if text in s.targets]
        if by_role:
            live = [s for s in by_role if s.state != "cancelled"]
            return (live or by_role)[-1]
        keys = ", ".join(s.key for s in steps)
        raise InputError(
            f"{inc.id} has no step {step!r} (steps: {keys}; or a number 1-{len(steps)}, or a role)"
        )

    def tick(
        self, incident_id: str, step: str, ack: bool = False, *, by: str | None = None
    ) -> Incident:
        """`by` (with `ack`) names the person who answered; without it, the step's only
        person (a commander ticking a step that pages several cannot say who answered).
        Their team is the first responding team when theirs is the first acknowledgement."""
        inc = self._open(incident_id)  # a resolved incident is reopened first
        planned = self.find_step(inc, step)
        mark: events.Mark = "acknowledged" if ack else "notified"
        if planned.state == mark or (mark == "notified" and planned.state == "acknowledged"):
            raise InputError(f"{inc.id} step {planned.key} is already {planned.state}")
        contacts = [c for t in self.step_contacts(inc, planned) for c in t["contacts"]]
        targets = [c["person_name"] for c in contacts]
        teams = list(dict.fromkeys(c["team"] for c in contacts if c["team"]))
        who, team = self._acknowledger(contacts, by) if ack else (None, None)
        body = events.StepTicked(
            step=planned.key,
            mark=mark,
            targets=targets,
            teams=teams,
            acknowledger=who,
            acknowledger_team=team,
        )
        return self._append(inc.id, body)[1]

    def _acknowledger(self, contacts: list[dict], by: str | None) -> tuple[str | None, str | None]:
        """(person, team) of who answered, or (None, None) when nobody can say."""
        people = {c["person"]: c["team"] for c in contacts if c.get("person")}
        if by is not None:
            who = str(by).strip()
            if who not in self.org.people and who not in people:
                raise InputError(f"unknown person {who!r}{_suggest(who, self.org.people)}")
        elif len(people) == 1:
            who = next(iter(people))
        else:
            return None, None
        person = self.org.people.get(who)
        return who, (person.team if person and person.team else people.get(who)) or None

    def untick(self, incident_id: str, step: str) -> Incident:
        inc = self._open(incident_id)  # a resolved incident is reopened first
        planned = self.find_step(inc, step)
        removes = sorted(eid for eid, mark in inc.tick_marks.items() if mark[0] == planned.key)
        if not removes:
            raise InputError(f"{inc.id} step {planned.key} is not ticked")
        return self._append(inc.id, events.StepUnticked(step=planned.key, removes=removes))[1]

    def waive(self, incident_id: str, step: str, reason: str) -> Incident:
        """Decide an open step need not be done; without this a step that fell due keeps
        asking until it is ticked."""
        inc = self._open(incident_id)
        planned = self.find_step(inc, step)
        reason = (reason or "").strip()
        if not reason:
            raise InputError(f"say why {planned.key} need not be done (a reason is required)")
        if len(reason) > events.MAX_TEXT:
            raise InputError(
                f"the reason is {len(reason)} characters; keep it under {events.MAX_TEXT}"
            )
        if not planned.open:
            raise InputError(
                f"{inc.id} step {planned.key} is {planned.state}; only an open step can be waived"
            )
        return self._append(inc.id, events.StepWaived(step=planned.key, reason=reason))[1]

    def _role(self, role: str) -> str:
        role = str(role).strip().lower()
        aliases = {
            "ic": "commander",
            "incident_commander": "commander",
            "comms": "communications",
            "ops": "operations",
        }
        role = aliases.get(role, role)
        if role not in INCIDENT_ROLES:
            raise InputError(f"unknown role {role!r} (expected one of {', '.join(INCIDENT_ROLES)})")
        return role

    def assign(self, incident_id: str, role: str, person: str) -> Incident:
        inc = self._open(incident_id)
        role, person = self._role(role), str(person).strip()
        if not person:
            raise InputError("name the person to assign")
        holder = inc.roles.get(role)
        if holder and holder != person:
            raise InputError(
                f"{inc.id}: {role} is held by {holder}; use handoff, which they accept"
            )
        return self._append(inc.id, events.RoleAssigned(role=role, person=person))[1]

    def handoff(self, incident_id: str, role: str, person: str) -> Incident:
        inc = self._open(incident_id)
        role, person = self._role(role), str(person).strip()
        if not person:
            raise InputError("name the person to hand off to")
        if inc.roles.get(role) == person:
            raise InputError(f"{inc.id}: {person} already holds {role}")
        return self._append(inc.id, events.HandoffOffered(role=role, to=person))[1]

    def accept(self, incident_id: str, role: str, as_holder: str | None = None) -> Incident:
        """The new holder accepts. `as_holder`: they stand at this console, whose user
        confirms for them (recorded as accepted by them, confirmed by us)."""
        inc = self._open(incident_id)
        role = self._role(role)
        pending = inc.handoffs.get(role)
        if not pending:
            raise InputError(f"{inc.id}: no pending {role} handoff")
        if as_holder is not None and as_holder != self.actor:
            if as_holder != pending["to"]:
                raise InputError(
                    f"{inc.id}: the {role} handoff is offered to {pending['to']}, not {as_holder}"
                )
            body = events.HandoffAccepted(role=role, confirmed_by=self.actor)
            return self._append(inc.id, body, actor=as_holder)[1]
        if pending["to"] != self.actor:
            raise InputError(
                f"{inc.id}: the {role} handoff is offered to {pending['to']}; "
                f"only they can accept (you are {self.actor}; use --as)"
            )
        return self._append(inc.id, events.HandoffAccepted(role=role))[1]

    def add_service(self, incident_id: str, service: str) -> Incident:
        inc = self._open(incident_id)
        if service not in self.org.services:
            raise InputError(f"unknown service {service!r}{_suggest(service, self.org.services)}")
        if service in inc.services:
            raise InputError(f"{inc.id} already lists {service}")
        svc = self.org.services[service]
        scope = scope_of(self.org, inc.layers, [*inc.services, service])
        responsible = responsible_team(self.org, scope)
        body = events.ServiceAdded(
            service=service,
            layer=svc.layer,
            responsible_team=responsible.id if responsible else None,
        )
        return self._append(inc.id, body)[1]

    def resolve_warnings(self, incident_id: str) -> list[str]:
        """What resolving now leaves behind: steps that fell due and were never marked,
        and pending handoffs (resolving cancels them). Faces show these first."""
        inc = self._open(incident_id)
        out = []
        due = [s.key for s in self.plan(inc) if s.state in ("due", "overdue")]
        if due:
            were = "were" if len(due) > 1 else "was"
            out.append(f"{', '.join(due)} fell due and {were} never marked notified")
        for role, offer in sorted(inc.handoffs.items()):
            out.append(f"the {role} handoff to {offer['to']} is pending: resolving cancels it")
        return out

    def resolve(
        self,
        incident_id: str,
        summary: str = "",
        *,
        resolved_by_team: str | None = None,
        cause_service: str | None = None,
        prevented: bool = False,
    ) -> Incident:
        """`resolved_by_team` / `cause_service` (optional) name who fixed it and what the
        cause was when the data would not say it (metrics read them); `prevented` says it
        was caught before users felt it, or was a near miss (the prevention rate)."""
        inc = self._open(incident_id)
        cause_layer = None
        if cause_service is not None:
            cause_service = str(cause_service).strip()
            if cause_service not in self.org.services:
                raise InputError(
                    f"unknown cause service {cause_service!r}"
                    f"{_suggest(cause_service, self.org.services)}"
                )
            cause_layer = self.org.services[cause_service].layer
        if resolved_by_team is not None:
            resolved_by_team = str(resolved_by_team).strip()
            if resolved_by_team not in self.org.teams:
                raise InputError(
                    f"unknown team {resolved_by_team!r}{_suggest(resolved_by_team, self.org.teams)} "
                    f"(teams: {', '.join(self.org.teams)})"
                )
        body = events.Resolved(
            summary=(summary or "").strip(),
            cause_service=cause_service,
            cause_layer=cause_layer,
            resolved_by_team=resolved_by_team,
            prevented=bool(prevented),
        )
        return self._append(inc.id, body)[1]

    def resolve_defaults(self, incident_id: str) -> dict:
        """What a resolve form starts from: the likeliest cause service (the last one
        added) and the team the matrix makes responsible for it."""
        from console.model.metrics import cause_owner

        inc = self.get(incident_id)
        cause = next((s for s in reversed(inc.services) if s in self.org.services), None)
        layer = self.org.services[cause].layer if cause else next(iter(inc.layers), None)
        team = cause_owner(self.org, cause, layer) or inc.responsible_team
        return {"cause_service": cause, "resolved_by_team": team}

    def reopen(self, incident_id: str) -> Incident:
        inc = self._state(self.resolve_id(incident_id))
        if inc.open:
            raise InputError(f"{inc.id} is not resolved")
        return self._append(inc.id, events.Reopened())[1]

    # ------------------------------------------------------------ learning from history
    def analysis(self, since: datetime | None = None, until: datetime | None = None):
        """Metrics, maturity assessment and patterns of the real incidents declared in
        [since, until): a console.metrics.queries.Analysis over this store."""
        from console.metrics.queries import Analysis

        return Analysis(self.store.conn, self.org, since, until)

    def suggest_team(self, service: str | None = None, layer: str | None = None) -> dict:
        """Predictive escalation: the team most likely to resolve an incident declared on
        `service` (or `layer`), from history; the matrix when history is thin. Its on-call
        is whoever the schedules say holds the team's pager now, as for pages."""
        from console.metrics.queries import suggest_team

        if service is not None and service not in self.org.services:
            raise InputError(f"unknown service {service!r}{_suggest(service, self.org.services)}")
        if layer is not None and layer not in self.org.layers:
            raise InputError(
                f"unknown layer {layer!r} (expected one of {', '.join(self.org.layers)})"
            )
        if service is None and layer is None:
            raise InputError("name a service or a layer to suggest a team for")
        return suggest_team(self.store.conn, self.org, service, layer, self.on_call_now())

    def suggest_for(self, incident_id: str) -> dict:
        """The suggestion for an incident: from its first service, else its first layer."""
        inc = self.get(incident_id)
        service = next((s for s in inc.services if s in self.org.services), None)
        layer = next((x for x in inc.layers if x in self.org.layers), None)
        if service is None and layer is None:
            raise InputError(f"{inc.id} names no known service or layer to suggest a team from")
        return self.suggest_team(service, None if service else layer)

    def accept_suggestion(self, incident_id: str, team: str | None = None) -> Incident:
        """Accepting a suggestion: the suggested team's on-call takes the operations role
        (assigned if vacant, else offered as a handoff they accept), and a note records
        why, in one transaction. `team` accepts another of the suggested alternatives."""
        inc = self._open(incident_id)
        suggestion = self.suggest_for(inc.id)
        chosen = team or suggestion["team"]
        if not chosen:
            raise InputError(
                f"{inc.id}: no clear suggestion to accept ({suggestion['why']}); "
                "name a team to choose one"
            )
        if chosen not in self.org.teams:
            raise InputError(f"unknown team {chosen!r}{_suggest(chosen, self.org.teams)}")
        person = self.on_call(chosen).person
        if not person:
            raise InputError(f"team {chosen!r} has no on-call person in the org file")
        why = suggestion["why"] if chosen == suggestion["team"] else "chosen by the commander"
        with self.store.transaction():
            holder = inc.roles.get("operations")
            if holder is None:
                self.record(inc.id, events.RoleAssigned(role="operations", person=person))
            elif holder != person:
                self.record(inc.id, events.HandoffOffered(role="operations", to=person))
            text = (
                f"Accepted suggestion: {self.org.teams[chosen].name} to operate "
                f"({self.org.person_name(person)}); {why}"
            )
            return self._append(inc.id, events.NoteAdded(text=text))[1]

    def postmortem(self, incident_id: str, now: datetime | None = None) -> dict:
        """What the data says about one incident, for the postmortem draft."""
        from console.metrics.postmortem import analyse

        return analyse(self, self.resolve_id(incident_id), now)

    # ------------------------------------------------------------ paging, for the screens
    def failing_channels(self) -> list[dict]:
        """Channels that keep failing, with what waits on them; empty when all is well."""
        from console.store import paging_status

        return paging_status.failing_channels(self.store.conn)

    def incident_pages(self, incident_id: str) -> list[dict]:
        """Every page of one incident: what went where, and what is still waiting."""
        from console.store import paging_status

        return paging_status.incident_paging(self.store.conn, incident_id)

    # ------------------------------------------------------------ sync bookkeeping
    def sync_remote(self) -> str | None:
        """The war room this console syncs with, if one is set."""
        return sync_state.remote(self.store.conn)

    def unsynced_count(self) -> int:
        """Changes the war room has not got yet; 0 for a console that does not sync."""
        conn = self.store.conn
        return sync_state.outbox_depth(conn) if sync_state.remote(conn) else 0

    def dead_letters(self, limit: int = 200) -> list[dict[str, Any]]:
        """Events the server refused (push) or sent broken (pull), newest first."""
        return sync_state.dead_letters(self.store.conn, limit)

    def dead_letter_count(self) -> int:
        return sync_state.dead_letter_count(self.store.conn)

    def retry_dead_letters(self) -> int:
        """Refused events go back into the outbox, once the cause is fixed on the server."""
        return sync_state.retry_dead_letters(self.store)

    # ------------------------------------------------------------ maintenance
    def rebuild(self) -> int:
        self._folds.clear()
        with self.store.transaction():
            return projections.rebuild(self.store.conn)


def at_or_now(text: str | None, clock: Clock) -> datetime:
    try:
        when = parse_iso(text)
    except ValueError:
        raise InputError(
            f"not an ISO time: {text!r} (expected e.g. 2026-11-28T03:00:00Z)"
        ) from None
    return clock.now() if when is None else when
