"""Alert groups in: route, dedup, debounce, and write through the service.

One notification is one transaction: either everything it changes is written, or
nothing is. Calm by design:
- a group is known by its groupKey; while its incident is open every re-send lands on
  that incident and never declares again;
- an alert is known by its fingerprint; a re-sent state that has not changed writes
  nothing;
- an alert that fires again within `debounce_seconds` of resolving is held (not as an
  event: in the console database, or shared in PostgreSQL by several serve processes)
  until the window has passed; if it resolves meanwhile nothing is written and the flap
  is counted on its next recorded change;
- resolved alerts are recorded; when all of an incident's alerts have resolved the
  timeline says so, and the incident stays open until a person resolves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from console.model import events
from console.model.alert_payloads import Alert, AlertGroup
from console.model.alert_routes import AlertRouting, Routed, alert_routing
from console.model.clock import iso
from console.model.fold import fold
from console.model.folds.alerts import AlertState, alerts_of
from console.model.org import severity_rank
from console.service import IncidentService
from console.store import alerts as alert_store
from console.store import events as event_log
from console.store import projections
from console.store.alerts import Hold


class Holds(Protocol):
    """Where changes held back while an alert flaps wait (console/store/alerts.py)."""

    def hold(self, home: str, fingerprint: str, body: dict, until: str, flaps: int) -> None: ...
    def held(self, home: str, fingerprint: str) -> Hold | None: ...
    def release(self, home: str, fingerprint: str) -> None: ...
    def release_home(self, home: str) -> None: ...
    def due(self, now: str) -> list[Hold]: ...


@dataclass
class Outcome:
    group: str
    home: str  # the incident, or the group's own id while it waits
    how: str  # declared | attached | waiting | updated
    recorded: int = 0
    held: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "group": self.group,
            "incident": None if self.how == "waiting" else self.home,
            "how": self.how,
            "recorded": self.recorded,
            "held": self.held,
            "unchanged": self.unchanged,
        }


class AlertIntake:
    def __init__(
        self,
        service: IncidentService,
        routing: AlertRouting | None = None,
        holds: Holds | None = None,
    ):
        self.service = service
        self.routing = routing or alert_routing(service.org)
        self.holds: Holds = holds or alert_store.LocalHolds(service.store.conn)

    @property
    def debounce(self) -> timedelta:
        return timedelta(seconds=self.routing.settings.debounce_seconds)

    # ------------------------------------------------------------ reads
    def _recorded(self, home: str) -> dict[str, AlertState]:
        conn = self.service.store.conn
        if home.startswith("INC-"):
            return alerts_of(self.service.get(home)).alerts
        agg = fold(event_log.for_incident(conn, home))
        return alerts_of(agg).alerts if agg is not None else {}

    def _open(self, incident_id: str) -> bool:
        return projections.is_open(self.service.store.conn, incident_id)

    # ------------------------------------------------------------ writes
    def receive(self, group: AlertGroup) -> Outcome:
        svc = self.service
        conn = svc.store.conn
        now = svc.now()
        with svc.store.transaction():
            self.flush(now)
            gid = group.group_id
            routed = {a.fingerprint: self._route(group, a) for a in group.alerts}
            row = alert_store.group(conn, gid)
            linked = row["incident_id"] if row else None
            if linked and not self._open(linked) and self._fires_anew(group, linked):
                linked = None  # the incident was resolved and the group fires again
            if linked:
                out = Outcome(gid, linked, "updated")
            else:
                out = self._place(group, routed, now)
            self._record_all(group, routed, out, now)
        return out

    def _route(self, group: AlertGroup, alert: Alert) -> Routed:
        labels = {**group.common_labels, **alert.labels}
        return self.routing.route(labels, self.service.org.services)

    def _fires_anew(self, group: AlertGroup, incident_id: str) -> bool:
        recorded = self._recorded(incident_id)
        return any(
            a.status == "firing"
            and (a.fingerprint not in recorded or recorded[a.fingerprint].status != "firing")
            for a in group.alerts
        )

    def _place(self, group: AlertGroup, routed: dict[str, Routed], now: datetime) -> Outcome:
        """Declare, attach or wait: the most severe firing alert that reaches a service
        decides for its whole group (Alertmanager grouped them on purpose)."""
        gid = group.group_id
        candidates = sorted(
            (
                (routed[a.fingerprint], a)
                for a in group.alerts
                if a.status == "firing" and routed[a.fingerprint].service
            ),
            key=lambda pair: severity_rank(pair[0].severity),
        )
        if not candidates:
            return Outcome(gid, gid, "waiting")
        best, first = candidates[0]
        assert best.service is not None
        if self.routing.declares(best):
            services = list(dict.fromkeys(r.service for r, _ in candidates if r.service))
            inc = self._declare(group, best, first, services)
            return self._assign(group, inc, "declared", best)
        open_id = alert_store.open_incident_on(self.service.store.conn, best.service)
        if open_id:
            return self._assign(group, open_id, "attached", best)
        return Outcome(gid, gid, "waiting")

    def _declare(self, group: AlertGroup, best: Routed, first: Alert, services: list[str]) -> str:
        svc = self.service
        name = group.name or first.name or "alert"
        summary = group.common_annotations.get("summary") or first.summary
        title = f"{name}: {summary}" if summary else name
        title = " ".join(title.split())  # one line, whatever the annotation held
        as_source = IncidentService(svc.store, svc.org, svc.clock, actor=group.source)
        inc = as_source.declare(
            events.clip(title, events.MAX_NAME),
            best.severity,
            services=services,
            detection=events.clip(f"{group.source} alert {name} ({best.route})", 2000),
        )
        return inc.id

    def _assign(self, group: AlertGroup, incident_id: str, how: str, best: Routed) -> Outcome:
        gid = group.group_id
        body = events.AlertGroupAssigned(
            group=gid,
            group_key=group.group_key,
            source=group.source,  # type: ignore[arg-type]
            incident=incident_id,
            how=how,  # type: ignore[arg-type]
            name=events.clip(group.name, events.MAX_NAME),
            route=f"{best.route} → {best.service}",
        )
        self.service.record(gid, body, actor=group.source)
        self.service.record(incident_id, body, actor=group.source)
        self.holds.release_home(gid)  # its holds move with it
        return Outcome(gid, incident_id, how)

    def _record_all(
        self, group: AlertGroup, routed: dict[str, Routed], out: Outcome, now: datetime
    ) -> None:
        recorded = self._recorded(out.home)
        for alert in group.alerts:
            body = self._body(group, alert, routed[alert.fingerprint])
            old = recorded.get(alert.fingerprint)
            hold = self.holds.held(out.home, alert.fingerprint)
            if old is not None and old.status == alert.status:
                if hold is not None and hold.body:
                    # it flapped back before the window closed: the held change never happened
                    self.holds.hold(out.home, alert.fingerprint, {}, hold.until, hold.flaps + 1)
                out.unchanged += 1
                continue
            if (
                old is not None
                and alert.status == "firing"
                and now - old.changed_at < self.debounce
            ):
                until = iso(old.changed_at + self.debounce)
                flaps = hold.flaps if hold else 0
                self.holds.hold(out.home, alert.fingerprint, body, until, flaps)
                out.held += 1
                continue
            flaps = hold.flaps if hold else 0
            if hold is not None:
                self.holds.release(out.home, alert.fingerprint)
            self._write(out.home, body, flaps, group.source)
            out.recorded += 1

    def _body(self, group: AlertGroup, alert: Alert, r: Routed) -> dict:
        labels = {**group.common_labels, **alert.labels}
        return {
            "source": group.source,
            "group": group.group_id,
            "group_key": group.group_key,
            "fingerprint": alert.fingerprint,
            "status": alert.status,
            "name": events.clip(alert.name, events.MAX_NAME),
            "summary": events.clip(" ".join(alert.summary.split()), 2000),
            "labels": dict(list(labels.items())[:64]),
            "service": r.service,
            "severity": r.severity,
            "generator_url": alert.generator_url,
            "silence_url": alert.silence_url,
            "starts_at": alert.starts_at,
            "ends_at": alert.ends_at,
            "values": alert.values or {},
        }

    def _write(self, home: str, body: dict, flaps: int, actor: str) -> None:
        typed = events.AlertReceived.of({**body, "flaps": flaps})
        self.service.record(home, typed, actor=actor)

    def flush(self, now: datetime | None = None) -> int:
        """Write the held changes whose window has passed (each request does this first;
        receivers also call it on a timer)."""
        svc = self.service
        now = now or svc.now()
        written = 0
        with svc.store.transaction():
            for hold in self.holds.due(iso(now)):
                self.holds.release(hold.home, hold.fingerprint)
                if not hold.body:
                    continue
                recorded = self._recorded(hold.home).get(hold.fingerprint)
                if recorded is not None and recorded.status == hold.body.get("status"):
                    continue
                self._write(hold.home, hold.body, hold.flaps, str(hold.body["source"]))
                written += 1
        return written
