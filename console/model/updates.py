"""Stakeholder updates: who is told and how often, per severity (`[updates.SEVn]` in the
org file, checked with file:line), when the next one is due, what a draft says, and
whether leadership has been reached.

Who is told: every channel marked `stakeholders = true` in `[[channels]]`, the channels
of the leadership roles of that severity, and any channels the severity names. A
PagerDuty channel is never told: an update is read, not answered at 3 a.m.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from console.model.check import Finding
from console.model.clock import mmss
from console.model.folds.comms import comms_state
from console.model.org import EXTRA_SECTIONS, SEVERITIES, Org

if TYPE_CHECKING:
    from console.model.channels import ChannelConfig
    from console.model.escalation import PlannedStep
    from console.model.incident import Incident

EXTRA_SECTIONS.add("updates")

LEADERSHIP = "leadership"  # the team type the model gives decisions (SEV1) and watching (SEV2)
DEFAULT_EVERY_MINUTES = {"SEV1": 30.0, "SEV2": 60.0}
_KEYS = {
    "every_minutes": "minutes between updates at this severity (0: no cadence)",
    "roles": "escalation roles told (default: the leadership roles, where the matrix gives "
    "leadership a duty at this severity)",
    "channels": "channel ids told besides those marked stakeholders = true",
}


@dataclass(frozen=True)
class SeverityUpdates:
    every_minutes: float = 0.0
    roles: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()


@dataclass(frozen=True)
class UpdatePolicy:
    severities: dict[str, SeverityUpdates] = field(default_factory=dict)

    def for_severity(self, severity: str) -> SeverityUpdates:
        return self.severities.get(severity, SeverityUpdates())

    def every(self, severity: str) -> timedelta | None:
        minutes = self.for_severity(severity).every_minutes
        return timedelta(minutes=minutes) if minutes > 0 else None


def leadership_roles(org: Org) -> tuple[str, ...]:
    """Escalation roles held by upper management: every fixed member is on a team of
    the leadership type."""
    out = []
    for role in org.roles.values():
        if role.rule:
            continue  # resolved from the incident (its teams' leads, managers, on-call)
        teams = [org.people[p].team for p in role.people if p in org.people] + list(role.teams)
        if teams and all(t in org.teams and org.teams[t].type == LEADERSHIP for t in teams):
            out.append(role.id)
    return tuple(out)


def default_policy(org: Org) -> UpdatePolicy:
    lead = leadership_roles(org)
    out = {}
    for sev in SEVERITIES:
        matrix = org.severities.get(sev)
        told = lead if matrix and matrix.roles.get(LEADERSHIP) else ()
        out[sev] = SeverityUpdates(DEFAULT_EVERY_MINUTES.get(sev, 0.0), told)
    return UpdatePolicy(out)


def _where_of(org: Org):
    name, index = org.extra.get("__where__", {}).get("updates", ("<org>", None))

    def where(*path) -> str:
        return f"{name}:{index.line('updates', *path) if index else 1}"

    return where


def parse_updates(
    org: Org, channels: dict[str, ChannelConfig]
) -> tuple[UpdatePolicy, list[Finding]]:
    """`[updates.SEVn]` over the defaults; every problem as a file:line finding."""
    policy = default_policy(org)
    raw = org.extra.get("updates")
    if raw is None:
        return policy, []
    where = _where_of(org)
    findings: list[Finding] = []

    def bad(w: str, msg: str) -> None:
        findings.append(Finding("error", w, msg))

    if not isinstance(raw, dict):
        return policy, [Finding("error", where(), "[updates] must be a table of [updates.SEVn]")]
    severities = dict(policy.severities)
    for sev in sorted(raw):
        table = raw[sev]
        if sev not in SEVERITIES:
            bad(where(sev), f"unknown key {sev!r} in [updates] (expected [updates.SEV1] … SEV5)")
            continue
        if not isinstance(table, dict):
            bad(where(sev), f"[updates.{sev}] must be a table")
            continue
        current = severities[sev]
        for key in sorted(set(table) - set(_KEYS)):
            bad(
                where(sev, key),
                f"unknown key {key!r} in [updates.{sev}] (expected one of {', '.join(_KEYS)})",
            )
        every = table.get("every_minutes", current.every_minutes)
        if isinstance(every, bool) or not isinstance(every, (int, float)) or every < 0:
            bad(
                where(sev, "every_minutes"),
                f"every_minutes must be a number of minutes >= 0 (0: no cadence), got {every!r}",
            )
            every = current.every_minutes
        lists: dict[str, tuple[str, ...]] = {}
        for key, known, label in (("roles", org.roles, "role"), ("channels", channels, "channel")):
            value = table.get(key, list(getattr(current, key)))
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                bad(where(sev, key), f"[updates.{sev}] {key} must be a list of {label} ids")
                value = list(getattr(current, key))
            for x in value:
                if x not in known:
                    bad(where(sev, key), f"[updates.{sev}] unknown {label} {x!r}")
                elif key == "channels" and channels[x].type == "pagerduty":
                    bad(
                        where(sev, key),
                        f"[updates.{sev}] channel {x!r} is PagerDuty: updates go to chat or "
                        "webhooks, never to a pager",
                    )
            lists[key] = tuple(value)
        severities[sev] = SeverityUpdates(float(every), lists["roles"], lists["channels"])
    return UpdatePolicy(severities), findings


# ------------------------------------------------------------------ who is told


def stakeholder_channels(
    channels: dict[str, ChannelConfig], org: Org, policy: UpdatePolicy, severity: str
) -> tuple[str, ...]:
    """Channels an update at `severity` goes to, in file order."""
    told = policy.for_severity(severity)
    roles = set(told.roles)
    people = {p for r in roles if r in org.roles for p in org.roles[r].people}
    teams = {t for r in roles if r in org.roles for t in org.roles[r].teams}
    out = []
    for ch in channels.values():
        if ch.type == "pagerduty":
            continue
        if (
            ch.stakeholders
            or ch.id in told.channels
            or roles & set(ch.roles)
            or people & set(ch.people)
            or teams & set(ch.teams)
        ):
            out.append(ch.id)
    return tuple(out)


# ------------------------------------------------------------------ the cadence


def cadence_start(inc: Incident, policy: UpdatePolicy) -> datetime | None:
    """When the clock of the first update started: the moment the incident first
    reached a severity that has a cadence."""
    for at, sev in inc.severity_history:
        if policy.every(sev) is not None:
            return at
    return None


def next_update_due(inc: Incident, policy: UpdatePolicy) -> datetime | None:
    """When the next stakeholder update is due; None when the incident is resolved or
    its severity has no cadence."""
    every = policy.every(inc.severity)
    if every is None or not inc.open or inc.declared_at is None:
        return None
    last = comms_state(inc).last_update
    start = last.at if last else cadence_start(inc, policy)
    return (start or inc.declared_at) + every


def due_text(due: datetime | None, now: datetime) -> str:
    """'next update due in mm:ss', or how long it is overdue."""
    if due is None:
        return "no update cadence at this severity"
    seconds = (due - now).total_seconds()
    if seconds >= 0:
        return f"next update due in {mmss(seconds)}"
    return f"update OVERDUE by {mmss(seconds)}"


# ------------------------------------------------------------------ leadership


def leadership_steps(org: Org, steps: list[PlannedStep], severity: str) -> list[PlannedStep]:
    lead = set(leadership_roles(org))
    return [s for s in steps if s.severity == severity and lead & set(s.targets)]


def leadership_reached(org: Org, steps: list[PlannedStep], severity: str) -> tuple[bool, str]:
    """(reached, words): leadership is reached once a step paging a leadership role at
    this severity has been notified or acknowledged."""
    mine = leadership_steps(org, steps, severity)
    if not mine:
        return False, f"no escalation step reaches leadership at {severity}"
    done = [s for s in mine if s.state in ("notified", "acknowledged")]
    if done:
        names = ", ".join(f"{', '.join(s.targets)} {s.state}" for s in done)
        return True, f"leadership reached ({names})"
    nxt = mine[0]
    return (
        False,
        f"leadership not reached yet ({', '.join(nxt.targets)} {nxt.state})",
    )


# ------------------------------------------------------------------ the draft


def _hhmm(at: datetime) -> str:
    return at.strftime("%H:%M UTC")


def compose(org: Org, inc: Incident, now: datetime, next_due: datetime | None) -> str:
    """A stakeholder update drafted from the incident: what is hit and how badly, where,
    how far along, what is being done, and when the next word comes."""
    sev = org.severities.get(inc.severity)
    state = comms_state(inc)
    lines = [f"[{inc.severity}] {inc.id} {inc.title} — update {len(state.updates) + 1}"]
    impact = f"{inc.severity} — {sev.meaning}" if sev and sev.meaning else inc.severity
    lines.append(f"Impact: {impact}.")
    layers = [org.layers[layer].name if layer in org.layers else layer for layer in inc.layers]
    affected = []
    if layers:
        affected.append("layers " + ", ".join(layers))
    if inc.services:
        affected.append("services " + ", ".join(inc.services))
    lines.append("Affected: " + (" · ".join(affected) if affected else "scope not yet known") + ".")
    since = f" (declared {_hhmm(inc.declared_at)})" if inc.declared_at else ""
    lines.append(f"Status: {inc.status}{since}.")
    doing = [f"{inc.commander} is commanding"] if inc.commander else []
    if inc.roles.get("operations"):
        doing.append(f"{inc.roles['operations']} is operating")
    if inc.responsible_team:
        team = org.teams.get(inc.responsible_team)
        doing.append(f"{team.name if team else inc.responsible_team} is responsible")
    lines.append(
        "What is being done: " + ("; ".join(doing) or "responders are being engaged") + "."
    )
    for note in inc.notes[-3:]:
        lines.append(f"  - {note.at.strftime('%H:%M')} {note.text.strip().splitlines()[0]}")
    if state.decisions:
        last = state.decisions[-1]
        lines.append(f"Latest decision ({last.by}): {last.text}")
    if next_due is None:
        lines.append("Next update: when the situation changes.")
    else:
        minutes = max(0, round((next_due - now).total_seconds() / 60))
        lines.append(f"Next update: by {_hhmm(next_due)} (in {minutes} min).")
    return "\n".join(lines)
