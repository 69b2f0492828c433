"""The model's answer key for a drill: which teams the matrix and the escalation rules
make responsible for the real fault, what a run must page, and the autopilot's plans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from console.model.drill.scenario import (
    AUTOPILOTS,
    RESOLVE_AFTER_MITIGATION,
    Scenario,
)
from console.model.errors import InputError
from console.model.org import Org
from console.model.responsibility import Scope, resolve_role, scope_of

# ------------------------------------------------------------------ the answer key


@dataclass(frozen=True)
class RuleTeam:
    """A team an escalation rule of the expected severity pages for the real fault."""

    team: str
    offset_minutes: int
    key: str
    role: str
    person: str | None


def fault_scope(org: Org, scn: Scenario) -> Scope:
    return scope_of(org, list(scn.expected.layers), list(scn.expected.services))


def rule_teams(org: Org, severity: str, scope: Scope) -> list[RuleTeam]:
    """Who the escalation policy (pattern applied) pages at `severity` for `scope`."""
    out = []
    for rule in org.policy().get(severity, []):
        offset = int(rule["offset_minutes"])
        for role in rule["targets"]:
            for contact in resolve_role(org, role, scope):
                if contact.team:
                    out.append(
                        RuleTeam(contact.team, offset, f"{severity}+{offset}", role, contact.person)
                    )
    return out


def matrix_teams(org: Org, scope: Scope) -> dict[str, str]:
    """Teams the domain matrix puts on the first, second or final line of the fault:
    the owner of an affected service when it has that team type, else every team of
    that type covering the domain."""
    out: dict[str, str] = {}
    for d in scope.domains:
        domain = org.domains[d]
        for line in ("first", "second", "final"):
            team_type = getattr(domain, line)
            owners = [
                org.teams[org.services[s].owner]
                for s in scope.services
                if s in org.services
                and org.services[s].domain == d
                and org.services[s].owner in org.teams
                and org.teams[org.services[s].owner].type == team_type
            ]
            candidates = owners or [
                t for t in org.teams.values() if t.type == team_type and d in t.domains
            ]
            for team in candidates:
                out.setdefault(team.id, f"{domain.name}: {line} line ({team_type})")
    return out


def allowed_teams(org: Org, scn: Scenario, named: bool = True) -> dict[str, str]:
    """Every team it is right to page for the real fault, with why (`named`: with the
    scenario's [[expected.teams]], which must themselves be among the others)."""
    scope = fault_scope(org, scn)
    out: dict[str, str] = {}
    for rt in rule_teams(org, scn.expected.severity, scope):
        out.setdefault(rt.team, f"escalation rule {rt.key}: {rt.role}")
    for team, why in matrix_teams(org, scope).items():
        out.setdefault(team, why)
    for expected in scn.expected.teams if named else ():
        out.setdefault(expected.team, expected.why or "named by the scenario")
    return out


@dataclass(frozen=True)
class Requirement:
    team: str
    by: int  # seconds from T+0
    why: str


def required_teams(org: Org, scn: Scenario, horizon: float) -> dict[str, Requirement]:
    """Teams that must be engaged, and by when. A rule step is required when, with the
    right severity from T+0, it falls due before the incident is mitigated (`horizon`);
    its deadline is the step's offset plus the severity allowance (severity_by).
    Teams named in [[expected.teams]] are always required."""
    exp = scn.expected
    out: dict[str, Requirement] = {}

    def add(team: str, by: int, why: str) -> None:
        if team not in out or by < out[team].by:
            out[team] = Requirement(team, by, why)

    for rt in rule_teams(org, exp.severity, fault_scope(org, scn)):
        if rt.offset_minutes == 0 or rt.offset_minutes * 60 < horizon:
            add(rt.team, exp.severity_by + rt.offset_minutes * 60, f"rule {rt.key}: {rt.role}")
    for team in exp.teams:
        add(team.team, team.by, team.why or "named by the scenario")
    return dict(sorted(out.items(), key=lambda kv: (kv[1].by, kv[0])))


def wrong_severity(expected: str) -> str:
    """The naive autopilot's pick: everything is a SEV1, unless it is one."""
    return "SEV2" if expected == "SEV1" else "SEV1"


@dataclass(frozen=True)
class Action:
    t: int
    verb: str  # declare | page | status | resolve
    args: dict[str, Any]


def autopilot_plan(scn: Scenario, org: Org, style: str = "ideal") -> list[Action]:
    """The response the model prescribes (ideal), or the panicked one (naive).
    Escalation steps themselves are paged by the drill's escalation engine."""
    if style not in AUTOPILOTS:
        raise InputError(f"unknown autopilot {style!r} (expected one of {', '.join(AUTOPILOTS)})")
    exp, alert = scn.expected, scn.alert
    mitigate = exp.mitigate_from
    resolve = min(mitigate + RESOLVE_AFTER_MITIGATION, scn.duration)
    actions: list[Action] = []
    if style == "ideal":
        actions.append(
            Action(
                0,
                "declare",
                {
                    "title": alert.title,
                    "severity": exp.severity,
                    "layers": list(exp.layers),
                    "services": list(exp.services),
                    "detection": alert.source,
                },
            )
        )
        earliest: dict[str, int] = {}
        for rt in rule_teams(org, exp.severity, fault_scope(org, scn)):
            earliest[rt.team] = min(
                earliest.get(rt.team, rt.offset_minutes * 60), rt.offset_minutes * 60
            )
        for team in exp.teams:
            if team.team not in earliest or earliest[team.team] > team.by:
                actions.append(Action(0, "page", {"team": team.team}))
    else:
        actions.append(
            Action(
                0,
                "declare",
                {
                    "title": alert.title,
                    "severity": wrong_severity(exp.severity),
                    "layers": list(alert.layers),
                    "services": list(alert.services),
                    "detection": alert.source,
                },
            )
        )
        actions += [Action(0, "page", {"team": t}) for t in org.teams]
    actions.append(Action(mitigate, "status", {"status": "monitoring"}))
    actions.append(Action(resolve, "resolve", {"summary": f"drill autopilot ({style})"}))
    return actions
