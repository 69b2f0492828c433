"""`model check`: principle 1 (responsibility = authority) applied to an org."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.model.clock import iso
from console.model.oncall import Rota
from console.model.org import Org
from console.model.responsibility import resolve_role, scope_of, team_for
from console.model.schedule import layer_shifts


@dataclass(frozen=True)
class Finding:
    level: str  # "error" | "warning" | "info"
    where: str
    message: str

    def line(self) -> str:
        return f"{self.where}: {self.level}: {self.message}"

    def to_dict(self) -> dict:
        return {"level": self.level, "where": self.where, "message": self.message}


Check = Callable[[Org], list[Finding]]
CHECKS: list[Check] = []


def check(fn: Check) -> Check:
    """Register a check; other subsystems (channels, drills) add theirs."""
    CHECKS.append(fn)
    return fn


def run_checks(org: Org, now: datetime | None = None) -> list[Finding]:
    """Every registered check; with `now`, also the schedules over the coming days."""
    findings: list[Finding] = []
    for fn in CHECKS:
        findings.extend(fn(org))
    if now is not None:
        findings.extend(schedules_cover(org, now))
    return findings


GAP_DAYS = 14


def schedules_cover(org: Org, now: datetime) -> list[Finding]:
    """Each schedule over the next GAP_DAYS: hours with nobody on call (a gap), layers
    whose people overlap, and members nobody could reach (no contact)."""
    out: list[Finding] = []
    rota = Rota(org)
    end = now + timedelta(days=GAP_DAYS)
    for schedule in org.schedules.values():
        team = org.teams.get(schedule.team)
        if team is None:
            continue
        gaps = [s for s in rota.timeline(team.id, now, end, fallback=False) if not s.person]
        if gaps:
            hours = sum(g.hours for g in gaps)
            then = (
                f"; {org.person_name(team.on_call)} (the team's on_call) is paged then"
                if team.on_call
                else "; nobody is paged then"
            )
            out.append(
                Finding(
                    "warning" if team.on_call else "error",
                    schedule.where,
                    f"schedule {team.id!r}: nobody on call for {hours:.1f} h in the next "
                    f"{GAP_DAYS} days (first {iso(gaps[0].start)} → {iso(gaps[0].end)}){then}",
                )
            )
        shifts = [layer_shifts(layer, now, end) for layer in schedule.layers]
        for i, lower in enumerate(schedule.layers):
            for j in range(i + 1, len(schedule.layers)):
                hours = _overlap_hours(shifts[i], shifts[j])
                if hours:
                    out.append(
                        Finding(
                            "info",
                            schedule.layers[j].where,
                            f"schedule {team.id!r}: layers {lower.name!r} and "
                            f"{schedule.layers[j].name!r} overlap for {hours:.1f} h in the next "
                            f"{GAP_DAYS} days; {schedule.layers[j].name!r} is paged then",
                        )
                    )
        for layer in schedule.layers:
            for person_id in layer.members:
                person = org.people.get(person_id)
                if person is not None and not person.contact:
                    out.append(
                        Finding(
                            "error",
                            layer.where,
                            f"schedule {team.id!r} layer {layer.name!r}: {person_id!r} has no "
                            "contact, so a page on their shift reaches nobody",
                        )
                    )
    return out


def _overlap_hours(a, b) -> float:
    total = timedelta(0)
    for x in a:
        for y in b:
            lo, hi = max(x.start, y.start), min(x.end, y.end)
            if lo < hi:
                total += hi - lo
    return total.total_seconds() / 3600


@check
def domains_have_owners(org: Org) -> list[Finding]:
    out = []
    for d in org.domains.values():
        final_type = org.team_types.get(d.final)
        team = team_for(
            org, d.id, d.final, tuple(s.id for s in org.services.values() if s.domain == d.id)
        )
        if team is None:
            out.append(
                Finding(
                    "error",
                    d.where,
                    f"domain {d.id!r}: no {d.final} team covers it, so its final responsibility has no owner",
                )
            )
        elif final_type is None or not final_type.authority:
            out.append(
                Finding(
                    "error",
                    d.where,
                    f"domain {d.id!r}: final team type {d.final!r} has no authority defined",
                )
            )
        for k in ("first", "second"):
            if team_for(org, d.id, getattr(d, k), ()) is None and not any(
                s.domain == d.id
                and org.teams.get(s.owner)
                and org.teams[s.owner].type == getattr(d, k)
                for s in org.services.values()
            ):
                out.append(
                    Finding(
                        "warning",
                        d.where,
                        f"domain {d.id!r}: no {getattr(d, k)} team covers its {k} line",
                    )
                )
    return out


@check
def services_have_on_call_owners(org: Org) -> list[Finding]:
    out = []
    for s in org.services.values():
        team = org.teams.get(s.owner)
        if team is None:
            continue  # already a load error
        person = org.people.get(team.on_call)
        if team.id in org.schedules and not team.on_call:
            pass  # the schedule's people are checked with the schedule
        elif person is None or not person.contact:
            out.append(
                Finding(
                    "error", s.where, f"service {s.id!r}: owner {team.id!r} has no on-call contact"
                )
            )
        domain = org.domains.get(s.domain)
        if domain and team.type != domain.final:
            out.append(
                Finding(
                    "warning",
                    s.where,
                    f"service {s.id!r} is owned by {team.type} team {team.id!r}, but the {domain.name} domain "
                    f"puts final responsibility on {domain.final}: responsibility without matching authority",
                )
            )
    return out


@check
def roles_resolve(org: Org) -> list[Finding]:
    out = []
    for rule in org.escalation:
        for role in rule.targets:
            for layer in org.layers:
                contacts = resolve_role(org, role, scope_of(org, [layer], []))
                scheduled = all(c.team in org.schedules for c in contacts)
                if not contacts or (any(not c.person for c in contacts) and not scheduled):
                    out.append(
                        Finding(
                            "error",
                            rule.where,
                            f"{rule.severity} +{rule.offset_minutes}min: role {role!r} resolves to nobody for the {layer} layer",
                        )
                    )
                    break
    return out


@check
def derived_rules_are_marked(org: Org) -> list[Finding]:
    return [
        Finding("info", r.where, f"{r.severity} rule is derived, not from the source: {r.derived}")
        for r in org.escalation
        if r.derived and r.offset_minutes == 0
    ]
