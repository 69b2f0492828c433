"""Who a page goes to: an escalation step's roles resolved to people (each team's
on-call being whoever holds the pager now), and the channels that reach them."""

from __future__ import annotations

from dataclasses import dataclass

from console.model.channels import PagingConfig
from console.model.clock import iso
from console.model.escalation import PlannedStep
from console.model.incident import Incident
from console.model.org import Org
from console.model.responsibility import OnCallNow, resolve_role, scope_of

DRILL_CHANNEL = "drill"


@dataclass(frozen=True)
class Target:
    id: str  # person id, or "role:<id>" when the role resolves to nobody
    person: str | None
    name: str
    team: str | None
    team_name: str | None
    team_type: str | None
    roles: tuple[str, ...]
    contact: str | None = None
    on_call_until: str | None = None  # paged as the team's on-call, whose shift ends then

    def to_dict(self) -> dict:
        return dict(self.__dict__) | {"roles": list(self.roles)}


def step_targets(
    org: Org, inc: Incident, step: PlannedStep, on_call: OnCallNow | None = None
) -> list[Target]:
    """The step's roles resolved to people for this incident's scope (one entry per
    person), each team's on-call being whoever `on_call` says holds the pager now."""
    scope = scope_of(org, inc.layers, inc.services)
    found: dict[str, Target] = {}
    for role in step.targets:
        for c in resolve_role(org, role, scope, on_call):
            tid = c.person or f"role:{role}"
            team = org.teams.get(c.team) if c.team else None
            if tid in found:
                prev = found[tid]
                found[tid] = Target(
                    prev.id,
                    prev.person,
                    prev.name,
                    prev.team,
                    prev.team_name,
                    prev.team_type,
                    (*prev.roles, role),
                    prev.contact,
                    prev.on_call_until,
                )
            else:
                found[tid] = Target(
                    tid,
                    c.person,
                    c.person_name or tid,
                    c.team,
                    c.team_name,
                    team.type if team else None,
                    (role,),
                    c.contact,
                    _shift_end(on_call, c.team, c.person),
                )
    return list(found.values())


def _shift_end(on_call: OnCallNow | None, team: str | None, person: str | None) -> str | None:
    shift = on_call.get(team) if on_call is not None and team else None
    if shift is None or shift.person != person or shift.until is None:
        return None
    return iso(shift.until)


def channels_for(
    cfg: PagingConfig, org: Org, target: Target, drill: bool = False
) -> tuple[str, ...]:
    """Channels mapped to the person, their team(s) or any of their roles, in file order."""
    if drill:
        return (DRILL_CHANNEL,)
    teams = {target.team}
    if target.person in org.people:
        teams.add(org.people[target.person].team)
    out = []
    for ch in cfg.channels.values():
        if (
            (target.person and target.person in ch.people)
            or teams & set(ch.teams)
            or set(target.roles) & set(ch.roles)
        ):
            out.append(ch.id)
    return tuple(out)


def commander_person(org: Org, inc: Incident) -> str | None:
    return role_person(org, inc, "commander")


def role_person(org: Org, inc: Incident, role: str) -> str | None:
    """The org's person holding an incident role (by id, or by name as typed)."""
    who = inc.roles.get(role)
    if not who:
        return None
    if who in org.people:
        return who
    return next((p.id for p in org.people.values() if p.name.lower() == who.lower()), None)


def nudge_channels(
    cfg: PagingConfig, org: Org, inc: Incident, role: str = "commander"
) -> tuple[str, ...]:
    """Nudges go to channels marked nudges = true and to the role holder's own
    non-PagerDuty channels (a nudge is not worth waking a pager for)."""
    if inc.drill:
        return (DRILL_CHANNEL,)
    out = [c.id for c in cfg.channels.values() if c.nudges]
    person = role_person(org, inc, role)
    if person:
        target = Target(
            person, person, org.person_name(person), org.people[person].team, None, None, ()
        )
        out += [c for c in channels_for(cfg, org, target) if cfg.channels[c].type != "pagerduty"]
    return tuple(dict.fromkeys(out))
