"""The escalation runner: decide (pure, console.model.paging.decide) → record the page_queued
event and its outbox rows in one BEGIN IMMEDIATE transaction → deliver due rows under
a lease per (incident, step) → record every attempt's outcome on the timeline.

One class, three homes: `incident-console escalate --once/--watch`, a thread worker
in the TUI (BackgroundRunner opens its own Store in that thread), and `serve`
(start_background). Any number of runners can share a database: the decision is
re-made under the write lock and outbox keys are unique, and delivery of a step's
pages needs its lease, so nobody is paged twice by two runners.
"""

from __future__ import annotations

import contextlib
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from console.model import events
from console.model.backoff import key_jitter
from console.model.channels import PagingConfig, paging_config
from console.model.clock import Clock, SystemClock, iso, mmss, parse_iso
from console.model.errors import ConsoleError, InputError
from console.model.events import clip
from console.model.incident import Incident
from console.model.org import Org
from console.model.paging.decide import BOT, decide, orphans, still_wanted
from console.model.paging.messages import Intent
from console.model.paging.targets import DRILL_CHANNEL
from console.notify import redact
from console.store import outbox

if TYPE_CHECKING:
    import httpx
from console.notify.channels import DRILL_CONFIG, ChannelFactory, DrillSink, Outcome, real_channels
from console.service import IncidentService
from console.store import Store

LAST_PASS = "notify.last_pass_at"
RECENT_RESOLVED = timedelta(days=7)

Log = Callable[[str], None]


class SharedDelivery(Protocol):
    """Coordination between runners on different mirror databases that share one server
    database (console/store/escalation_pg.py)."""

    def lead(self, holder: str, seconds: float) -> bool: ...
    def claim(self, key: str, holder: str, seconds: float) -> Literal["mine", "sent", "busy"]: ...
    def mark_sent(self, key: str, holder: str) -> None: ...
    def release(self, key: str, holder: str) -> None: ...
    def resign(self, holder: str) -> None: ...
    def close(self) -> None: ...


@dataclass
class PassReport:
    at: datetime
    queued: list[dict] = field(default_factory=list)
    delivered: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    abandoned: list[dict] = field(default_factory=list)
    caught_up: list[dict] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)  # (incident, step) leased by another runner
    standby: bool = False  # another process leads escalation on the shared database
    adopted: list[dict] = field(
        default_factory=list
    )  # pages taken over from a vanished runner elsewhere
    previous_pass_at: str | None = None
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "at": iso(self.at),
            "previous_pass_at": self.previous_pass_at,
            "queued": self.queued,
            "delivered": self.delivered,
            "failed": self.failed,
            "abandoned": self.abandoned,
            "caught_up": self.caught_up,
            "busy": self.busy,
            "adopted": self.adopted,
            "errors": self.errors,
        }

    def touched(self) -> list[str]:
        """Incidents whose timeline this pass changed (a face refreshes these)."""
        ids = [q["incident"] for q in self.queued] + [
            c["incident"] for c in (*self.caught_up, *self.adopted)
        ]
        ids += [d["key"].split("/", 1)[0] for d in (*self.delivered, *self.failed, *self.abandoned)]
        return list(dict.fromkeys(ids))

    def summary(self) -> str:
        text = (
            f"{len(self.queued)} queued, {len(self.delivered)} delivered, {len(self.failed)} failed, "
            f"{len(self.abandoned)} abandoned"
        )
        if self.caught_up:
            text += f", caught up on {sum(c['count'] for c in self.caught_up)} late"
        if self.adopted:
            text += f", took over {sum(len(a['keys']) for a in self.adopted)} from elsewhere"
        return text


class EscalationRunner:
    """Runs passes over one Store (one thread). `sink` replaces every real channel
    (a drill's sink); drill incidents always go to `drill_sink`, whatever `sink` is."""

    def __init__(
        self,
        store: Store,
        org: Org,
        clock: Clock | None = None,
        *,
        sink: ChannelFactory | None = None,
        drill_sink: ChannelFactory | None = None,
        holder: str | None = None,
        lease_seconds: float = 300.0,
        log: Log | None = None,
        config: PagingConfig | None = None,
        shared: SharedDelivery | None = None,
        shared_seconds: float = 30.0,
    ):
        self.store = store
        self.org = org
        self.clock = clock or SystemClock()
        self.cfg = config or paging_config(org)
        self.service = IncidentService(store, org, self.clock, actor=BOT)
        self.sink = sink
        self.drill_sink = drill_sink or DrillSink()
        self.holder = holder or outbox.new_holder()
        self.lease_seconds = lease_seconds
        # Several serve processes, each with its own mirror database: one leads at a time
        # and every send is claimed in the shared database first (console/store/escalation_pg).
        self.shared = shared
        self.shared_seconds = shared_seconds
        self.log = log or (lambda line: None)
        self._real: ChannelFactory | None = None
        self._client: httpx.Client | None = None
        self._tripped: dict[
            str, str
        ] = {}  # channels that failed this pass: not tried again until next

    # ---------------------------------------------------------------- one pass
    def run_once(self, only: str | None = None) -> PassReport:
        """One pass; `only` restricts it to one incident (a script posting its update)."""
        now = self.clock.now()
        report = PassReport(at=now)
        report.previous_pass_at = self.store.setting(LAST_PASS)
        if self.shared is not None and not self.shared.lead(self.holder, self.shared_seconds):
            report.standby = True  # another serve process leads; this one takes over if it stops
            return report
        self._decide_all(now, report, only)
        self._deliver_due(now, report, only)
        with self.store.transaction():
            previous = parse_iso(self.store.setting(LAST_PASS))
            if previous is None or previous < now:
                self.store.set_setting(LAST_PASS, iso(now))
        return report

    def _candidates(self, now: datetime) -> list[str]:
        """Open incidents, plus recently resolved ones that were paged (they owe a resolve)."""
        # A resolved incident may still owe its stakeholders the last update.
        return outbox.candidates(
            self.store.conn, iso(now - RECENT_RESOLVED), drills_only=not self.cfg.enabled
        )

    def _fold(self, incident_id: str) -> Incident | None:
        """The incident as its log stands now, read through this runner's own service:
        the state it folded last pass plus the events any connection added since (or the
        snapshot on disk plus its tail), so a long incident is not refolded every pass.
        Read it before this runner records anything on the incident: a record folds into
        the same object."""
        return self.service.folded(incident_id)

    def _adopt_after_minutes(self) -> float:
        """Sharing one database, a page another process queued and nobody delivered for a
        leader lease was left by a process that stopped leading: take it over then."""
        if self.shared is not None:
            return self.shared_seconds / 60
        return self.cfg.policy.adopt_after_minutes

    def _decide_all(self, now: datetime, report: PassReport, only: str | None = None) -> None:
        adopt = self._adopt_after_minutes()
        for incident_id in self._candidates(now):
            if only is not None and incident_id != only:
                continue
            inc = self._fold(incident_id)
            if inc is None:
                continue
            try:
                on_call = self.service.on_call_now(now)
                if decide(
                    inc, self.org, self.cfg, now, on_call
                ):  # read-only check first: no write lock when quiet
                    self._decide_one(incident_id, now, report)
                    inc = self._fold(incident_id)  # with what it queued (or someone else did)
                    if inc is None:
                        continue
                if adopt > 0 and orphans(inc, now, adopt, self._local_keys(incident_id)):
                    self._adopt(incident_id, now, report)
            except ConsoleError as exc:
                report.errors.append(f"{incident_id}: {exc}")
                self.log(f"{incident_id}: could not queue pages: {exc}")

    def _local_keys(self, incident_id: str) -> set[str]:
        return outbox.local_keys(self.store.conn, incident_id)

    def _adopt(self, incident_id: str, now: datetime, report: PassReport) -> None:
        """Take over pages another database's runner queued and never delivered (it is gone):
        same keys, so a receiver that did get them sees the same Idempotency-Key / dedup_key."""
        conn = self.store.conn
        with self.store.transaction():
            inc = self._fold(incident_id)
            if inc is None:
                return
            found = orphans(inc, now, self._adopt_after_minutes(), self._local_keys(incident_id))
            if not found:
                return
            for o in found:
                b = o["body"]
                outbox.enqueue(
                    conn,
                    intent_key=o["intent_key"],
                    incident_id=incident_id,
                    step=b.get("step") or b.get("kind"),
                    target=b.get("target", ""),
                    kind=b.get("kind", "trigger"),
                    channel=o["channel"],
                    event_id=b["event_id"],
                    message=b["message"],
                    now=iso(now),
                )
            keys = [o["key"] for o in found]
            summary = (
                f"took over {len(keys)} page(s) queued elsewhere and not delivered within "
                f"{self._adopt_after_minutes():g} min (that runner is gone?)"
            )
            self.service.record(incident_id, events.PageAdopted(keys=keys, summary=summary))
            report.adopted.append({"incident": incident_id, "keys": keys})
            self.log(f"{incident_id}: {summary}")

    def _decide_one(self, incident_id: str, now: datetime, report: PassReport) -> None:
        conn = self.store.conn
        with self.store.transaction():
            inc = self._fold(
                incident_id
            )  # again, under the write lock: another runner may have queued
            if inc is None:
                return
            intents = decide(inc, self.org, self.cfg, now, self.service.on_call_now(now))
            if not intents:
                return
            threshold = self.cfg.policy.catch_up_after_seconds
            previous = parse_iso(self.store.setting(LAST_PASS))
            was_down = previous is None or (now - previous).total_seconds() > threshold
            late = [i for i in intents if i.late_by(now) > threshold] if was_down else []
            if late:  # (late while runners were passing means new targets, not a gap)
                self._record_catch_up(inc, late, now, report)
            for intent in intents:
                event_id = self.service.record(incident_id, intent.event_body()).event_id
                for channel in intent.channels:
                    outbox.enqueue(
                        conn,
                        intent_key=intent.key,
                        incident_id=incident_id,
                        step=intent.step or intent.kind,
                        target=intent.target,
                        kind=intent.kind,
                        channel=channel,
                        event_id=event_id,
                        message=intent.message,
                        now=iso(now),
                    )
                report.queued.append(_intent_dict(intent, now))
                self.log(f"{incident_id}: {intent.summary}")

    def _record_catch_up(
        self, inc: Incident, late: list[Intent], now: datetime, report: PassReport
    ) -> None:
        previous = self.store.setting(LAST_PASS)
        worst = max(i.late_by(now) for i in late)
        since = (
            f"no runner had passed since {previous}"
            if previous
            else "no escalation runner had run on this database"
        )
        summary = (
            f"escalation runner caught up: {len(late)} page(s)/nudge(s) fell due while {since}; "
            f"sending now, up to {mmss(worst)} late"
        )
        self.service.record(
            inc.id,
            events.EscalationCaughtUp(
                summary=summary,
                since=previous,
                count=len(late),
                late_by_seconds=round(worst),
                keys=[i.key for i in late],
            ),
        )
        report.caught_up.append(
            {
                "incident": inc.id,
                "count": len(late),
                "since": previous,
                "late_by_seconds": round(worst),
            }
        )
        self.log(f"{inc.id}: {summary}")

    # ---------------------------------------------------------------- delivery
    def _deliver_due(self, now: datetime, report: PassReport, only: str | None = None) -> None:
        conn = self.store.conn
        self._tripped = {}
        with self.store.transaction():
            rows = [r for r in outbox.due(conn, iso(now)) if only is None or r.incident_id == only]
            groups: dict[tuple[str, str], list[outbox.Row]] = {}
            for row in rows:
                groups.setdefault((row.incident_id, row.lease_step), []).append(row)
            claimed = []
            for (incident_id, step), grp in groups.items():
                if outbox.take_lease(
                    conn, incident_id, step, self.holder, time.time(), self.lease_seconds
                ):
                    claimed.append((incident_id, step, grp))
                else:
                    report.busy.append(f"{incident_id} {step}")
        for incident_id, step, grp in claimed:
            try:
                for row in grp:
                    self._deliver(row, now, report)
            finally:
                with self.store.transaction():
                    outbox.release_lease(conn, incident_id, step, self.holder)

    def _channel(self, row: outbox.Row, inc: Incident | None):
        """Drill incidents never reach a real channel, whoever runs them."""
        if row.channel == DRILL_CHANNEL or (inc is not None and inc.drill):
            return self.drill_sink(self.cfg.channels.get(row.channel, DRILL_CONFIG)), True
        config = self.cfg.channels.get(row.channel)
        if config is None:
            return None, False
        if self.sink is not None:
            return self.sink(config), False
        if self._real is None:
            import httpx

            self._client = httpx.Client(follow_redirects=False)
            self._real = real_channels(self._client)
        return self._real(config), False

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
            self._real = None

    def _deliver(self, row: outbox.Row, now: datetime, report: PassReport) -> None:
        conn = self.store.conn
        current = outbox.get(conn, row.id)
        if current is None or current.state != "queued":
            return
        inc = self._fold(row.incident_id)
        why = (
            still_wanted(inc, {"kind": row.kind, "step": row.step, "target": row.target}, now)
            if inc
            else None
        )
        base = {
            "key": row.key,
            "intent": row.intent_key,
            "channel": row.channel,
            "kind": row.kind,
            "step": row.step,
            "target": row.target,
        }
        if why:
            with self.store.transaction():
                outbox.mark_abandoned(conn, row.id, why, iso(now))
                self.service.record(
                    row.incident_id,
                    events.PageAbandoned(
                        **base,
                        why=why,
                        summary=f"{row.kind} to {row.target} via {row.channel} not sent: {why}",
                    ),
                )
            report.abandoned.append({**base, "why": why})
            self.log(
                f"{row.incident_id}: {row.kind} to {row.target} via {row.channel} abandoned: {why}"
            )
            return
        if row.channel in self._tripped:
            return  # it just failed: one attempt per channel per pass, so a dead channel cannot stall the rest
        channel, drill = self._channel(row, inc)
        attempt = current.attempts + 1
        if channel is None:
            outcome = Outcome(
                False,
                None,
                f"channel {row.channel!r} is no longer in the org file",
                retryable=False,
            )
        else:
            if self.shared is not None:
                claim = self.shared.claim(row.key, self.holder, self.shared_seconds)
                if claim == "busy":  # another process is sending it right now
                    report.busy.append(f"{row.incident_id} {row.key}")
                    return
                if claim == "sent":
                    self._sent_elsewhere(row, base, attempt, drill, now, report)
                    return
            try:
                outcome = channel.send(row.message, row.key, now)
            except Exception as exc:  # noqa: BLE001 - a broken sink must not kill the runner
                outcome = Outcome(False, None, redact.scrub(f"{type(exc).__name__}: {exc}"))
            if self.shared is not None:  # before the timeline: a crash now cannot resend it
                if outcome.ok:
                    self.shared.mark_sent(row.key, self.holder)
                else:
                    self.shared.release(row.key, self.holder)
        where = "the drill sink" if drill else row.channel
        with self.store.transaction():
            if outcome.ok:
                outbox.mark_delivered(conn, row.id, iso(now))
                outbox.channel_ok(conn, row.channel, iso(now))
                self.service.record(
                    row.incident_id,
                    events.PageDelivered(
                        **base,
                        attempt=attempt,
                        status=outcome.status,
                        drill=drill,
                        summary=f"{row.kind} to {row.target} delivered via {where}"
                        + (f" (attempt {attempt})" if attempt > 1 else ""),
                    ),
                )
                if row.kind == "trigger":
                    self._tick_notified(row, now)
                report.delivered.append({**base, "attempt": attempt, "status": outcome.status})
                self.log(f"{row.incident_id}: {row.kind} to {row.target} delivered via {where}")
            else:
                p = self.cfg.policy
                wait = (
                    p.backoff.exponential(attempt - 1, key_jitter(row.key))
                    if outcome.retryable
                    else p.retry_max_seconds
                )
                delay = p.backoff.honour(wait, outcome.retry_after)
                retry_at = now + timedelta(seconds=delay)
                outbox.mark_failed(conn, row.id, outcome.detail, iso(now), iso(retry_at))
                self._tripped[row.channel] = outcome.detail
                failures = outbox.channel_failed(
                    conn, row.channel, outcome.detail, iso(now), not outcome.retryable
                )
                failing = failures >= p.failing_after or not outcome.retryable
                detail = clip(outcome.detail)
                self.service.record(
                    row.incident_id,
                    events.PageFailed(
                        **base,
                        attempt=attempt,
                        status=outcome.status,
                        error=detail,
                        retry_at=iso(retry_at),
                        retryable=outcome.retryable,
                        channel_failing=failing,
                        summary=f"{row.kind} to {row.target} via {where} failed (attempt {attempt}): "
                        f"{detail}; retrying at {iso(retry_at)}"
                        + (f" — channel {row.channel} is FAILING" if failing else ""),
                    ),
                )
                report.failed.append(
                    {
                        **base,
                        "attempt": attempt,
                        "error": outcome.detail,
                        "retry_at": iso(retry_at),
                        "channel_failing": failing,
                    }
                )
                self.log(
                    f"{row.incident_id}: {row.kind} to {row.target} via {where} failed "
                    f"(attempt {attempt}): {outcome.detail}; retry at {iso(retry_at)}"
                )
            outbox.take_lease(
                conn, row.incident_id, row.lease_step, self.holder, time.time(), self.lease_seconds
            )

    def _sent_elsewhere(
        self, row: outbox.Row, base: dict, attempt: int, drill: bool, now: datetime, report
    ) -> None:
        """Another serve process sent this key (and may have died before its timeline
        caught up): record the delivery here instead of sending it again."""
        where = "the drill sink" if drill else row.channel
        with self.store.transaction():
            outbox.mark_delivered(self.store.conn, row.id, iso(now))
            self.service.record(
                row.incident_id,
                events.PageDelivered(
                    **base,
                    attempt=attempt,
                    drill=drill,
                    summary=f"{row.kind} to {row.target} delivered via {where} "
                    "by another serve process",
                ),
            )
            if row.kind == "trigger":
                self._tick_notified(row, now)
        report.delivered.append({**base, "attempt": attempt, "status": None, "elsewhere": True})

    def _tick_notified(self, row: outbox.Row, now: datetime) -> None:
        """Automated escalation ticks the checklist: the step is notified (by escalation-bot)."""
        inc = self._fold(row.incident_id)
        step = next((s for s in inc.plan(now) if s.key == row.step), None) if inc else None
        if step is None or step.ticks.notified_at or step.state in ("cancelled", "skipped"):
            return
        with contextlib.suppress(InputError):  # ticked meanwhile: the checklist already says so
            self.service.tick(row.incident_id, row.step)

    # ---------------------------------------------------------------- loops
    def watch(
        self,
        stop: threading.Event,
        interval: float = 5.0,
        wake: threading.Event | None = None,
        on_pass: Callable[[PassReport], None] | None = None,
    ) -> None:
        """Run passes until `stop` is set; a pass that fails is logged, never fatal."""
        wake = wake or threading.Event()
        while not stop.is_set():
            try:
                report = self.run_once()
                if on_pass:
                    on_pass(report)
            except Exception as exc:  # noqa: BLE001 - the daemon must outlive a bad pass
                self.log(redact.scrub(f"escalation pass failed: {type(exc).__name__}: {exc}"))
                self.log(redact.scrub(traceback.format_exc().strip().splitlines()[-1]))
            wake.wait(interval)
            wake.clear()


def _intent_dict(intent: Intent, now: datetime) -> dict:
    return {
        "key": intent.key,
        "kind": intent.kind,
        "incident": intent.incident_id,
        "step": intent.step,
        "target": intent.target,
        "round": intent.round,
        "reason": intent.reason,
        "channels": list(intent.channels),
        "scheduled_at": iso(intent.scheduled_at),
        "late_by_seconds": max(0, round(intent.late_by(now))),
    }


class BackgroundRunner:
    """For the TUI (a thread worker) and `serve`: owns its own Store, opened in the
    thread that runs it (a sqlite connection must not cross threads)."""

    def __init__(
        self,
        db_path: str | Path,
        org: Org,
        clock: Clock | None = None,
        *,
        interval: float = 5.0,
        sink: ChannelFactory | None = None,
        drill_sink: ChannelFactory | None = None,
        log: Log | None = None,
        on_pass: Callable[[PassReport], None] | None = None,
        shared: Callable[[], SharedDelivery] | None = None,
        shared_seconds: float = 30.0,
    ):
        self.db_path = Path(db_path)
        self.shared = shared  # made in the runner's thread, like the Store
        self.shared_seconds = shared_seconds
        self.org = org
        self.clock = clock or SystemClock()
        self.interval = interval
        self.sink = sink
        self.drill_sink = drill_sink
        self.log = log
        self.on_pass = on_pass
        self.config = paging_config(org)  # fail now, in the caller, on a broken [[channels]]
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.last_report: PassReport | None = None

    def _open(self) -> Store | None:
        """Open the Store in this thread; a busy or broken file is retried, never fatal."""
        while not self._stop.is_set():
            try:
                return Store(self.db_path)
            except ConsoleError as exc:
                (self.log or (lambda line: None))(
                    f"escalation runner: cannot open {self.db_path}: {exc}; retrying"
                )
                self._stop.wait(self.interval)
        return None

    def run(self) -> None:
        """Blocking: call from a worker thread (Textual `run_worker(runner.run, thread=True)`)."""
        store = self._open()
        if store is None:
            return
        shared = self.shared() if self.shared is not None else None
        try:
            runner = EscalationRunner(
                store,
                self.org,
                self.clock,
                sink=self.sink,
                drill_sink=self.drill_sink,
                log=self.log,
                config=self.config,
                shared=shared,
                shared_seconds=self.shared_seconds,
            )

            def keep(report: PassReport) -> None:
                self.last_report = report
                if self.on_pass:
                    self.on_pass(report)

            try:
                runner.watch(self._stop, self.interval, self._wake, keep)
            finally:
                runner.close()
                if shared is not None:
                    with contextlib.suppress(Exception):  # stopping: the lease runs out anyway
                        shared.resign(runner.holder)
        finally:
            if shared is not None:
                shared.close()
            store.close()

    def start(self) -> BackgroundRunner:
        self.thread = threading.Thread(target=self.run, name="escalation-runner", daemon=True)
        self.thread.start()
        return self

    def wake(self) -> None:
        """Evaluate now (e.g. right after a commit) instead of at the next interval."""
        self._wake.set()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(timeout)


def local_runner_wanted(store: Store | IncidentService) -> bool:
    """Should a console (the TUI) run escalation itself? Yes when it is local only; when it
    syncs with a shared server, escalation belongs to `serve` (or one `escalate --watch`
    host), since runners on different databases cannot share a lease. The setting
    `notify.local_runner` ("on" / "off") overrides."""
    forced = store.setting("notify.local_runner")
    if forced in ("on", "off"):
        return forced == "on"
    return not store.setting("sync.remote")


def start_background(
    db_path: str | Path, org: Org, clock: Clock | None = None, **kwargs
) -> BackgroundRunner:
    """For `incident-console serve` (or any host process): escalate in a daemon thread."""
    return BackgroundRunner(db_path, org, clock, **kwargs).start()
