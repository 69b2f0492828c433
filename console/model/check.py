"""`model check`: principle 1 (responsibility = authority) applied to an org."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from console.model.org import Org
from console.model.responsibility import resolve_role, scope_of, team_for


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


def run_checks(org: Org) -> list[Finding]:
    findings: list[Finding] = []
    for fn in CHECKS:
        findings.extend(fn(org))
    return findings


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
        if person is None or not person.contact:
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
                if not contacts or any(not c.person for c in contacts):  # "" pages nobody too
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
