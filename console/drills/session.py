"""A drill in motion: the scenario's timeline on a simulated clock, the escalation
engine paging due steps into a drill sink, simulated responders acknowledging,
and the scorecard at the end.

Everything is written through the service API (new event kinds from
console.model.events), so the room, the timeline and `show` see a drill exactly as
they see a real incident. Pages never leave the process: the only channel a
session knows is its sink.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from console.model import events
from console.model.clock import ManualClock, iso, t_text
from console.model.drill.answers import Action, allowed_teams, autopilot_plan
from console.model.drill.scenario import MAX_SPEED, Scenario
from console.model.drill.scoring import score
from console.model.errors import InputError
from console.model.folds.drill import drill_state
from console.model.incident import Incident
from console.model.org import Org
from console.model.responsibility import on_call_of
from console.service import IncidentService
from console.store import Store, projections

if TYPE_CHECKING:
    from console.notify.channels import DrillSink as NotifySink

ENGINE = "escalation engine (drill)"
ENGINE_PERIOD = 30  # simulated seconds between escalation passes (re-notify, nudges)
AUTOPILOT = "autopilot"
SPEEDS = (1, 2, 5, 10, 20, 30, 60)
DRILL_CHANNEL = "drill sink"


@dataclass(frozen=True)
class Page:
    """One page as a channel would receive it; a drill sink keeps it in memory."""

    incident_id: str
    team: str
    team_name: str
    person: str | None
    person_name: str | None
    contact: str | None
    step: str | None
    at: str
    text: str


class DrillSink(Protocol):
    def send(self, page: Page) -> None: ...


class MemorySink:
    """The drill's only channel: pages go into a list, nowhere else."""

    channel = DRILL_CHANNEL

    def __init__(self) -> None:
        self.pages: list[Page] = []

    def send(self, page: Page) -> None:
        self.pages.append(page)


class DrillService(IncidentService):
    """The service a drill hands to its faces: every incident declared through it is
    tagged with the scenario in the same transaction, and the session is told."""

    def __init__(
        self, store: Store, org: Org, clock: ManualClock, actor: str, session: DrillSession
    ):
        super().__init__(store, org, clock, actor)
        self.session = session

    def declare(self, *args, **kwargs) -> Incident:
        kwargs["drill"] = self.session.scenario.name
        inc = super().declare(*args, **kwargs)
        self.session.on_declared(inc)
        return self.get(inc.id)


def _notify_runner(session: DrillSession):
    """The escalation runner of console.notify on the drill's store and clock, with
    the drill sink in place of every channel (real ones included)."""
    try:
        from console.notify.channels import DrillSink as NotifySink
        from console.notify.runner import EscalationRunner
    except ImportError:
        return None
    sink = NotifySink()
    session.engine_sink = sink
    return EscalationRunner(
        session.store,
        session.org,
        session.clock,
        sink=sink,
        drill_sink=sink,
        holder=f"drill-{session.scenario.name}",
    )


def default_start(scn: Scenario) -> datetime:
    return scn.starts_at or datetime.now(UTC).replace(second=0, microsecond=0)


class DrillSession:
    def __init__(
        self,
        scenario: Scenario,
        org: Org,
        store: Store,
        *,
        start: datetime | None = None,
        speed: int = 1,
        sink: DrillSink | None = None,
        actor: str = "commander",
        autopilot: str | None = None,
        auto_escalate: bool = True,
    ):
        self.scenario, self.org, self.store = scenario, org, store
        self.t0 = start or default_start(scenario)
        self.clock = ManualClock(self.t0)
        self.service = DrillService(store, org, self.clock, actor, self)
        self.sink: DrillSink = sink if sink is not None else MemorySink()
        # the runner's drill sink (console.notify), when it runs
        self.engine_sink: NotifySink | None = None
        self._listeners: list[Callable[[], None]] = []
        self.speed = 1
        self.set_speed(speed)
        self.paused = False
        self.auto_escalate = auto_escalate
        self.autopilot = autopilot
        # who ran it, as the scorecard says "run by ...": the autopilot or the person
        self.mode = f"autopilot {autopilot}" if autopilot else actor
        self._actions: list[Action] = autopilot_plan(scenario, org, autopilot) if autopilot else []
        self._next_action = 0
        self._next_inject = 0
        self.feed: list[dict[str, Any]] = []  # delivered injects, for the faces
        self._pending_flush: list[dict[str, Any]] = []
        self.incident_id: str | None = None
        self.ended: tuple[datetime, str] | None = None
        self.scorecard: dict[str, Any] | None = None
        self.errors: list[str] = []  # autopilot actions the service refused
        self._allowed = allowed_teams(org, scenario)
        self.engine = _notify_runner(self) if auto_escalate else None
        with store.transaction():
            # A console UI on this database must not host a second, real-time runner:
            # the drill's engine is the one on the simulated clock (console.notify setting).
            store.set_setting("notify.local_runner", "off")
        self._engine_seen: tuple[int, datetime] | None = None
        self._cache: tuple[int, Incident] | None = None
        self._warned = False
        self._busy = False
        self.service.subscribe(self._on_commit)

    # ------------------------------------------------------------ clock
    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def elapsed(self) -> float:
        return (self.now - self.t0).total_seconds()

    @property
    def end_at(self) -> datetime:
        return self.t0 + timedelta(seconds=self.scenario.duration)

    def set_speed(self, speed: int) -> None:
        if isinstance(speed, bool) or not isinstance(speed, int) or not 1 <= speed <= MAX_SPEED:
            raise InputError(f"speed must be a whole number from 1 to {MAX_SPEED}, got {speed!r}")
        self.speed = speed
        self._changed()

    def faster(self) -> int:
        self.set_speed(next((s for s in SPEEDS if s > self.speed), MAX_SPEED))
        return self.speed

    def slower(self) -> int:
        self.set_speed(next((s for s in reversed(SPEEDS) if s < self.speed), 1))
        return self.speed

    def toggle_pause(self) -> bool:
        self.paused = not self.paused
        self._changed()
        return self.paused

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Called after the drill's state changes (clock, feed, end)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    # ------------------------------------------------------------ running
    def start(self) -> None:
        """Deliver what arrives at T+0 (the opening alert; the autopilot declares)."""
        self._process()

    def advance(self, real_seconds: float) -> None:
        """A tick of the face's timer: move simulated time by real time × speed."""
        if self.paused or self.ended or real_seconds <= 0:
            return
        self.run_until(self.now + timedelta(seconds=real_seconds * self.speed))

    def run_until(self, target: datetime) -> None:
        """Move the clock to `target`, stopping at every moment something happens."""
        self._process()
        while not self.ended:
            nxt = self._next_time()
            if nxt is None or nxt > target:
                break
            self.clock.set(nxt)
            self._process()
        if not self.ended and target > self.now:
            self.clock.set(min(target, self.end_at))
            self._process()
        self._changed()

    def run_to_end(self) -> dict[str, Any]:
        self.start()
        self.run_until(self.end_at)
        if not self.ended:
            self.finish("time up")
        return self.scorecard or {}

    def _next_time(self) -> datetime | None:
        now, times = self.now, [self.end_at]
        if self._next_inject < len(self.scenario.timeline):
            times.append(self.t0 + timedelta(seconds=self.scenario.timeline[self._next_inject].at))
        if self._next_action < len(self._actions):
            times.append(self.t0 + timedelta(seconds=self._actions[self._next_action].t))
        if self.incident_id:
            inc = self.incident()
            if inc.open and self.auto_escalate:
                times += [s.due_at for s in self.service.plan(inc) if s.state == "pending"]
                if self.engine is not None:  # re-notifies and nudges fall due between steps
                    times.append(
                        now + timedelta(seconds=ENGINE_PERIOD - self.elapsed % ENGINE_PERIOD)
                    )
            times += [due for _, due in self._ack_schedule(inc)]
        later = [t for t in times if t > now]
        return min(later) if later else None

    def incident(self) -> Incident:
        """The drill incident, re-folded only when its event count moved."""
        incident_id = self.incident_id
        assert incident_id is not None, "the drill has not declared its incident yet"
        row = projections.get(self.store.conn, incident_id)
        count = row["event_count"] if row else -1
        if self._cache is None or self._cache[0] != count:
            self._cache = (count, self.service.get(incident_id))
        return self._cache[1]

    def _on_commit(self, incident_id: str) -> None:
        """A face acted (tick, status, resolve): react now, not at the next timer tick."""
        if incident_id == self.incident_id and not self._busy:
            self._process()
            self._changed()

    def _process(self) -> None:
        if self._busy or self.ended:
            return
        self._busy = True
        try:
            for _ in range(1000):  # each pass acts at most once per thing; settles quickly
                acted = self._deliver() | self._run_autopilot()
                if self.incident_id:
                    acted |= (
                        self._engine()
                        | self._mirror_ticks()
                        | self._acknowledge()
                        | self._reality_check()
                    )
                if not acted:
                    break
        finally:
            self._busy = False
        if self.incident_id and not self.incident().open:
            self.finish("resolved")
        elif self.now >= self.end_at:
            self.finish("time up")

    # ------------------------------------------------------------ the scenario
    def _deliver(self) -> bool:
        acted = False
        timeline = self.scenario.timeline
        while self._next_inject < len(timeline) and timeline[self._next_inject].at <= self.elapsed:
            body = timeline[self._next_inject].to_body()
            self._next_inject += 1
            self.feed.append(body)
            if self.incident_id:
                self.service.record(self.incident_id, events.DrillInject.of(body), actor="drill")
            else:
                self._pending_flush.append(body)
            acted = True
        return acted

    def on_declared(self, inc: Incident) -> None:
        """The first incident declared is the drill's: tag it and put what already
        arrived on its timeline."""
        if self.incident_id is not None:
            return
        self.incident_id = inc.id
        was_busy, self._busy = self._busy, True
        try:
            self.service.record(
                inc.id,
                events.DrillStarted.of(
                    {
                        "scenario": self.scenario.name,
                        "title": self.scenario.title,
                        "t0": iso(self.t0),
                        "mode": self.mode,
                        "file": self.scenario.filename,
                        "channel": DRILL_CHANNEL,
                    }
                ),
                actor="drill",
            )
            for body in self._pending_flush:
                self.service.record(inc.id, events.DrillInject.of(body), actor="drill")
            self._pending_flush = []
        finally:
            self._busy = was_busy
        if not was_busy:
            self._process()
            self._changed()

    def _run_autopilot(self) -> bool:
        acted = False
        while (
            self._next_action < len(self._actions)
            and self._actions[self._next_action].t <= self.elapsed
        ):
            action = self._actions[self._next_action]
            self._next_action += 1
            try:
                self._perform(action)
            except InputError as exc:
                self.errors.append(f"{t_text(action.t)} {action.verb}: {exc}")
            acted = True
        return acted

    def _perform(self, action: Action) -> None:
        a, svc = action.args, self.service
        if action.verb == "declare":
            svc.declare(
                a["title"], a["severity"], a["layers"], a["services"], a.get("detection", "")
            )
        elif action.verb == "page":
            self.page_team(a["team"])
        elif action.verb == "status" and self.incident_id:
            svc.set_status(self.incident_id, a["status"])
        elif action.verb == "resolve" and self.incident_id:
            svc.resolve(self.incident_id, a.get("summary", ""))

    def _reality_check(self) -> bool:
        """Calling mitigation before the fix is possible does not make it so: the
        signals say the fault is still there (once)."""
        inc = self.incident()
        if self._warned or not inc.open or inc.mitigated_at is None:
            return False
        if (inc.mitigated_at - self.t0).total_seconds() >= self.scenario.expected.mitigate_from:
            return False
        self._warned = True
        body = {
            "index": 0,
            "t": self.elapsed,
            "kind": "symptom",
            "shown_as": "symptom",
            "generated": True,
            "text": "symptom: the error rate has not come down — whatever changed has not fixed the fault yet",
            "services": [],
            "layers": [],
        }
        self.feed.append(body)
        self.service.record(inc.id, events.DrillInject.of(body), actor="drill")
        return True

    # ------------------------------------------------------------ escalation (drill sink)
    def _engine(self) -> bool:
        """Principle 4 on the simulated clock: the console's own escalation runner
        (console.notify) decides and delivers, with every channel replaced by the
        drill sink; without it, a minimal engine pages each step as it falls due."""
        if not self.auto_escalate:
            return False
        before = self.incident().event_count
        if (before, self.now) == self._engine_seen:
            return False  # nothing new since the last pass at this moment
        if self.engine is not None:
            self.engine.run_once()
        else:
            self._minimal_engine()
        after = self.incident().event_count
        self._engine_seen = (after, self.now)
        return after != before

    def _minimal_engine(self) -> None:
        inc = self.incident()
        if not inc.open:
            return
        for step in self.service.plan(inc):
            if step.state in ("due", "overdue"):
                contacts = [c for t in self.service.step_contacts(inc, step) for c in t["contacts"]]
                self.service.record(
                    inc.id,
                    events.StepTicked.of(
                        {
                            "step": step.key,
                            "mark": "notified",
                            "via": DRILL_CHANNEL,
                            "targets": [c["person_name"] for c in contacts],
                            "teams": list(dict.fromkeys(c["team"] for c in contacts if c["team"])),
                        }
                    ),
                    actor=ENGINE,
                )

    def _mirror_ticks(self) -> bool:
        """Every step marked notified (by the engine or by the commander's own tick) is
        a page: each of its contacts gets one, through the sink."""
        inc = self.incident()
        mirrored = drill_state(inc)["mirrored"]
        acted = False
        for ev in self.service.events(inc.id):
            if (
                ev.kind != "step_ticked"
                or ev.event_id in mirrored
                or ev.body.get("via") == "drill responder"
            ):
                continue
            step = next((s for s in self.service.plan(inc) if s.key == ev.body["step"]), None)
            contacts = (
                [c for t in self.service.step_contacts(inc, step) for c in t["contacts"]]
                if step
                else []
            )
            sent = False
            for c in contacts:
                if c["team"]:
                    self._page(
                        inc.id, c["team"], c["person"], step=ev.body["step"], tick=ev.event_id
                    )
                    sent = True
            if not sent:  # nobody to page, still mark the tick as seen
                self.service.record(
                    inc.id,
                    events.DrillPage.of(
                        {
                            "team": "",
                            "tick": ev.event_id,
                            "step": ev.body["step"],
                            "via": DRILL_CHANNEL,
                        }
                    ),
                    actor=ENGINE,
                )
            acted = True
        return acted

    def on_call(self, team: str) -> str | None:
        """Whoever holds the team's pager at the drill clock's moment (its schedule,
        overrides and calendar, as for every page), not the org file's fixed `on_call`."""
        found = self.org.teams.get(team)
        return on_call_of(found, self.service.on_call_now(self.now)) if found else None

    def page_team(self, team: str) -> Incident:
        """A direct page to a team's on-call, outside the plan (the commander's call)."""
        if team not in self.org.teams:
            raise InputError(f"unknown team {team!r} (expected one of {', '.join(self.org.teams)})")
        if not self.incident_id:
            raise InputError("declare the incident first; pages go to an incident")
        if self.ended:
            raise InputError("the drill has ended")
        inc = self._page(
            self.incident_id,
            team,
            self.on_call(team),
            step=None,
            tick=None,
            actor=self.service.actor,
        )
        if not self._busy:
            self._process()
            self._changed()
        return inc

    def _page(
        self,
        incident_id: str,
        team_id: str,
        person: str | None,
        *,
        step: str | None,
        tick: str | None,
        actor: str = ENGINE,
    ) -> Incident:
        team = self.org.teams.get(team_id)
        who = self.org.people.get(person) if person else None
        page = Page(
            incident_id,
            team_id,
            team.name if team else team_id,
            person,
            who.name if who else person,
            who.contact if who else None,
            step,
            iso(self.now),
            f"[DRILL] {incident_id}: you are paged" + (f" ({step})" if step else ""),
        )
        self.sink.send(page)
        body = {k: v for k, v in asdict(page).items() if k not in ("incident_id", "at", "text")}
        body.update({"tick": tick, "via": DRILL_CHANNEL})
        self.service.record(incident_id, events.DrillPage.of(body), actor=actor)
        return self.incident()

    # ------------------------------------------------------------ simulated responders
    def _ack_schedule(self, inc: Incident) -> list[tuple[dict, datetime]]:
        st = drill_state(inc)
        first: dict[str, dict] = {}
        for p in st["pages"]:
            if p["team"] and p["team"] not in first:
                first[p["team"]] = p
        return [
            (p, p["at"] + timedelta(seconds=self.scenario.ack_delay(team)))
            for team, p in first.items()
            if team not in st["acks"]
        ]

    def _acknowledge(self) -> bool:
        inc = self.incident()
        acted = False
        for page, due in self._ack_schedule(inc):
            if due > self.now:
                continue
            team = page["team"]
            verdict = (
                "" if team in self._allowed else "not ours: nothing this team owns is involved"
            )
            self.service.record(
                inc.id,
                events.DrillAck.of(
                    {
                        "team": team,
                        "team_name": page.get("team_name"),
                        "person": page.get("person"),
                        "person_name": page.get("person_name"),
                        "verdict": verdict,
                    }
                ),
                actor=page.get("person") or team,
            )
            if self.engine is not None and page.get("person"):
                # the runner's own acknowledgement: no more repeats to this person
                self.service.record(
                    inc.id,
                    events.PageAcknowledged.of(
                        {
                            "target": page["person"],
                            "target_name": page.get("person_name"),
                            "step": None,
                            "via": "drill responder",
                        }
                    ),
                    actor=page["person"],
                )
            self._ack_steps(team, page)
            acted = True
        return acted

    def _ack_steps(self, team: str, page: dict) -> None:
        """The checklist follows: a step is acknowledged when one of its teams answers."""
        inc = self.incident()
        acked = {s.key for s in self.service.plan(inc) if s.state == "acknowledged"}
        for ev in self.service.events(inc.id):
            if (
                ev.kind == "step_ticked"
                and ev.body.get("mark") == "notified"
                and team in ev.body.get("teams", [])
                and ev.body["step"] not in acked
            ):
                acked.add(ev.body["step"])
                self.service.record(
                    inc.id,
                    events.StepTicked.of(
                        {
                            "step": ev.body["step"],
                            "mark": "acknowledged",
                            "via": "drill responder",
                            "targets": [page.get("person_name")],
                            "teams": [team],
                        }
                    ),
                    actor=page.get("person") or team,
                )

    # ------------------------------------------------------------ the end
    def finish(self, reason: str = "ended by the commander") -> dict[str, Any]:
        if self.ended:
            return self.scorecard or {}
        self.ended = (self.now, reason)
        if self.incident_id:
            self._busy = True
            try:
                self.service.record(
                    self.incident_id,
                    events.DrillEnded.of({"reason": reason, "t": self.elapsed}),
                    actor="drill",
                )
            finally:
                self._busy = False
        self.scorecard = self.score()
        self._changed()
        return self.scorecard

    def score(self) -> dict[str, Any]:
        end_at, reason = self.ended or (self.now, "in progress")
        events = self.service.events(self.incident_id) if self.incident_id else []
        card = score(self.scenario, self.org, events, self.t0, end_at, reason, self.mode)
        card["speed"] = self.speed
        card["drill_sink"] = {
            "pages": len(getattr(self.sink, "pages", [])),
            "engine": "console.notify runner"
            if self.engine is not None
            else ("minimal drill engine" if self.auto_escalate else "off (manual escalation)"),
            "engine_messages": len(self.engine_sink.messages)
            if self.engine_sink is not None
            else 0,
        }
        if self.errors:
            card["autopilot_errors"] = list(self.errors)
        return card
