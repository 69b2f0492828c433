"""Who responds, supports and owns: the responsibility view of an incident, and
escalation roles resolved to concrete teams and people."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TypedDict

from msgspec import Struct
from msgspec.structs import asdict

from console.model.oncall import OnCall

if TYPE_CHECKING:
    from console.model.org import Org, Team

# Who is on call per team at the moment asked about (Rota.at); without it, each team's
# fixed on_call.
OnCallNow = Mapping[str, OnCall]


def on_call_of(team: Team, on_call: OnCallNow | None = None) -> str | None:
    if on_call is not None and team.id in on_call:
        return on_call[team.id].person
    return team.on_call or None


class Contact(Struct, frozen=True):
    role: str
    team: str | None
    team_name: str | None
    person: str | None
    person_name: str | None
    contact: str | None

    def label(self) -> str:
        who = self.person_name or "(nobody)"
        return f"{who} ({self.team_name})" if self.team_name else who

    def to_dict(self) -> dict:
        return asdict(self)


class Scope(Struct, frozen=True):
    """What an incident touches: its layers, services and the domains they imply."""

    layers: tuple[str, ...]
    services: tuple[str, ...]
    domains: tuple[str, ...]


def scope_of(
    org: Org, layers: list[str] | tuple[str, ...], services: list[str] | tuple[str, ...]
) -> Scope:
    """A service brings its layer and its domain; a bare layer brings all its domains."""
    all_layers = list(
        dict.fromkeys([*layers, *(org.services[s].layer for s in services if s in org.services)])
    )
    domains: list[str] = [org.services[s].domain for s in services if s in org.services]
    layers_with_service = {org.services[s].layer for s in services if s in org.services}
    for layer in layers:
        if layer not in layers_with_service:
            domains.extend(d.id for d in org.domains_of_layer(layer))
    return Scope(tuple(all_layers), tuple(services), tuple(dict.fromkeys(domains)))


def team_for(org: Org, domain_id: str, team_type: str, services: tuple[str, ...]) -> Team | None:
    """The concrete team of `team_type` for a domain: the owner of an affected
    service in that domain if it has that type, else the team covering the domain."""
    for s in services:
        svc = org.services.get(s)
        if svc and svc.domain == domain_id:
            owner = org.teams.get(svc.owner)
            if owner and owner.type == team_type:
                return owner
    covering = [t for t in org.teams.values() if t.type == team_type and domain_id in t.domains]
    return covering[0] if covering else None


def responsible_team(org: Org, scope: Scope) -> Team | None:
    """Principle 1: who owns the service answers its incident; for a bare layer, the
    team holding final responsibility for its first domain."""
    for s in scope.services:
        svc = org.services.get(s)
        if svc and svc.owner in org.teams:
            return org.teams[svc.owner]
    for d in scope.domains:
        domain = org.domains[d]
        team = team_for(org, d, domain.final, scope.services)
        if team:
            return team
    return None


def _contact(org: Org, role: str, team: Team | None, person_id: str | None) -> Contact:
    person = org.people.get(person_id) if person_id else None
    return Contact(
        role=role,
        team=team.id if team else (person.team if person else None),
        team_name=team.name
        if team
        else (org.teams[person.team].name if person and person.team in org.teams else None),
        person=person_id,
        person_name=person.name if person else person_id,
        contact=person.contact if person else None,
    )


def involved_teams(org: Org, scope: Scope, team_type: str) -> list[Team]:
    owners = [
        org.teams[org.services[s].owner]
        for s in scope.services
        if s in org.services and org.services[s].owner in org.teams
    ]
    found = [t for t in owners if t.type == team_type]
    if not found:
        found = [
            t
            for t in org.teams.values()
            if t.type == team_type and any(d in t.domains for d in scope.domains)
        ]
    return list({t.id: t for t in found}.values())


def resolve_role(
    org: Org, role_id: str, scope: Scope, on_call: OnCallNow | None = None
) -> list[Contact]:
    """A role name of the escalation rules -> the teams and people to page now."""
    role = org.roles.get(role_id)
    if role is None:
        return [Contact(role_id, None, None, None, f"unknown role {role_id}", None)]
    found: list[Contact] = []
    if role.rule:
        kind, _, arg = role.rule.partition(":")
        if kind in ("responsible_team", "responsible_manager"):
            team = responsible_team(org, scope)
            if team:
                person = (
                    on_call_of(team, on_call)
                    if kind == "responsible_team"
                    else (team.manager or team.lead)
                )
                found.append(_contact(org, role_id, team, person))
        else:
            for team in involved_teams(org, scope, arg):
                person = team.lead if kind == "involved_leads" else on_call_of(team, on_call)
                found.append(_contact(org, role_id, team, person))
        if found:
            return found
    for team_id in role.teams:
        team = org.teams.get(team_id)
        if team:
            found.append(_contact(org, role_id, team, on_call_of(team, on_call)))
    for person_id in role.people:
        found.append(_contact(org, role_id, None, person_id))
    return found


class DomainLine(TypedDict):
    """One line of response (first, second or final) for a domain, as the panel shows it."""

    team_type: str
    team: str | None
    team_name: str | None
    on_call: str | None
    contact: str | None
    responsible: bool


class DomainRow(TypedDict):
    domain: str
    name: str
    layer: str
    first: DomainLine
    second: DomainLine
    final: DomainLine


def responsibility_view(
    org: Org,
    severity: str,
    scope: Scope,
    pattern_id: str | None = None,
    on_call: OnCallNow | None = None,
) -> dict:
    """Everything the room's responsibility panel shows, as plain data."""
    pattern = org.patterns.get(pattern_id or "", org.pattern)
    responsible = responsible_team(org, scope)
    domains: list[DomainRow] = []
    for d in scope.domains:
        domain = org.domains[d]
        lines: dict[str, DomainLine] = {}
        for k in ("first", "second", "final"):
            team_type = getattr(domain, k)
            team = team_for(org, d, team_type, scope.services)
            person = org.people.get(on_call_of(team, on_call) or "") if team else None
            lines[k] = {
                "team_type": team_type,
                "team": team.id if team else None,
                "team_name": team.name if team else None,
                "on_call": person.name if person else None,
                "contact": person.contact if person else None,
                "responsible": bool(team and responsible and team.id == responsible.id),
            }
        domains.append(
            {
                "domain": domain.id,
                "name": domain.name,
                "layer": domain.layer or "cross-cutting",
                "first": lines["first"],
                "second": lines["second"],
                "final": lines["final"],
            }
        )
    sev = org.severities.get(severity)
    coordinator_role = pattern.coordinator.get(severity)
    return {
        "severity": severity,
        "severity_meaning": sev.meaning if sev else "",
        "team_type_roles": {t: (sev.roles.get(t, "—") if sev else "—") for t in org.team_types},
        "layers": [
            {
                "id": lid,
                "name": org.layers[lid].name,
                "blast_radius": org.layers[lid].blast_radius,
                "detection": org.layers[lid].detection,
                "recovery": org.layers[lid].recovery,
                "observability": org.layers[lid].observability,
            }
            for lid in scope.layers
            if lid in org.layers
        ],
        "domains": domains,
        "pattern": {"id": pattern.id, "name": pattern.name, "character": pattern.character},
        "coordinator": (
            {
                "role": coordinator_role,
                "contacts": [
                    c.to_dict() for c in resolve_role(org, coordinator_role, scope, on_call)
                ],
            }
            if coordinator_role
            else None
        ),
        "responsible_team": _responsible(org, responsible, on_call) if responsible else None,
    }


def _responsible(org: Org, team: Team, on_call: OnCallNow | None) -> dict:
    person = on_call_of(team, on_call)
    shift = on_call.get(team.id) if on_call is not None else None
    found: dict[str, object] = {
        "team": team.id,
        "team_name": team.name,
        "team_type": team.type,
        "on_call": org.person_name(person) if person else None,
        "contact": org.people[person].contact if person in org.people else None,
    }
    if shift is not None:
        found["shift"] = shift.to_dict(org)
    return found
