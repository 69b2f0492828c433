"""Alerts from monitoring and updates from the paging tool, folded into
`inc.extra["alerts"]`: which alerts belong to this incident (or to a group still waiting
for one), their latest state, and whether they have all resolved.

The same kinds fold on two aggregates: an incident, and an alert group waiting for an
incident (an id of its own, `ALG-...`, that never declares and so never reaches the board).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from msgspec import Struct, field

from console.model.agents import agent_words
from console.model.incident import Incident

if TYPE_CHECKING:
    from console.model import events as e


class AlertState(Struct):
    fingerprint: str
    group: str
    group_key: str
    source: str
    status: str
    name: str
    summary: str
    labels: dict[str, str]
    service: str | None
    severity: str | None
    generator_url: str
    silence_url: str
    starts_at: str | None
    ends_at: str | None
    values: dict[str, float]
    first_at: datetime
    changed_at: datetime
    flaps: int = 0

    def to_dict(self) -> dict:
        return {
            "fingerprint": self.fingerprint,
            "group": self.group,
            "group_key": self.group_key,
            "source": self.source,
            "status": self.status,
            "name": self.name,
            "summary": self.summary,
            "labels": dict(self.labels),
            "service": self.service,
            "severity": self.severity,
            "generator_url": self.generator_url,
            "silence_url": self.silence_url,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "values": dict(self.values),
            "flaps": self.flaps,
        }


class GroupLink(Struct):
    group: str
    group_key: str
    source: str
    incident: str
    how: str  # declared | attached
    at: datetime


class AlertsState(Struct):
    alerts: dict[str, AlertState] = field(default_factory=dict)  # by fingerprint
    groups: dict[str, GroupLink] = field(default_factory=dict)  # group id -> its incident
    declared_from: str | None = None  # the group an incident was declared from
    all_resolved_at: datetime | None = None
    pager: list[dict] = field(default_factory=list)

    @property
    def firing(self) -> list[AlertState]:
        return [a for a in self.alerts.values() if a.status == "firing"]


def alerts_of(inc: Incident) -> AlertsState:
    st = inc.extra.get("alerts")
    if st is None:
        st = inc.extra["alerts"] = AlertsState()
    return st


def alert_received(inc: Incident, ev: e.Event, b: e.AlertReceived) -> str:
    st = alerts_of(inc)
    old = st.alerts.get(b.fingerprint)
    changed = old is None or old.status != b.status
    st.alerts[b.fingerprint] = AlertState(
        fingerprint=b.fingerprint,
        group=b.group,
        group_key=b.group_key,
        source=b.source,
        status=b.status,
        name=b.name,
        summary=b.summary,
        labels=dict(b.labels),
        service=b.service,
        severity=b.severity,
        generator_url=b.generator_url,
        silence_url=b.silence_url,
        starts_at=b.starts_at,
        ends_at=b.ends_at,
        values=dict(b.values),
        first_at=old.first_at if old else ev.when,
        changed_at=ev.when if changed or old is None else old.changed_at,
        flaps=(old.flaps if old else 0) + b.flaps,
    )
    what = b.name or b.fingerprint
    if b.summary:
        what += f" — {b.summary}"
    flapped = f" (after flapping {b.flaps} time{'' if b.flaps == 1 else 's'})" if b.flaps else ""
    if b.status == "firing":
        st.all_resolved_at = None
        where = ", ".join(x for x in (b.service, b.severity) if x)
        return f"alert firing: {what}{f' ({where})' if where else ''}{flapped}"
    text = f"alert resolved: {what}{flapped}"
    if st.alerts and not st.firing and st.all_resolved_at is None:
        st.all_resolved_at = ev.when
        if inc.declared_at is not None:
            n = len(st.alerts)
            text += (
                f" — all {n} alert{'' if n == 1 else 's'} of this incident have resolved; "
                "it stays open until someone resolves it"
            )
    return text


def alert_group_assigned(inc: Incident, ev: e.Event, b: e.AlertGroupAssigned) -> str:
    st = alerts_of(inc)
    st.groups[b.group] = GroupLink(b.group, b.group_key, b.source, b.incident, b.how, ev.when)
    name = b.name or b.group_key
    if inc.declared_at is None:  # the waiting group's own aggregate
        return f"alert group {name} {b.how} {b.incident}"
    if b.how == "declared" and st.declared_from is None:
        st.declared_from = b.group
        return f"declared from alert group {name} ({b.source}{_via(b.route)})"
    return f"alert group {name} attached ({b.source}{_via(b.route)})"


def pager_update(inc: Incident, ev: e.Event, b: e.PagerUpdate) -> str:
    alerts_of(inc).pager.append({**ev.body, "at": ev.when})
    what = b.event_type.removeprefix("incident.")
    if b.agent_match in ("name", "unmatched"):
        who = agent_words(b.agent or b.agent_id, b.agent_match)
    else:
        who = f" by {b.agent}" if b.agent else ""
    page = f" (our page to {b.target})" if b.target else ""
    return f"{b.tool}: incident {what}{who}{page}"


def _via(route: str) -> str:
    return f", {route}" if route else ""
