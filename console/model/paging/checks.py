"""Model checks of automated escalation against the org (registered with @check)."""

from __future__ import annotations

from console.model.channels import NotifyPolicy, PagingConfig, parse_channels
from console.model.check import Finding, check
from console.model.org import Org
from console.model.paging.targets import Target, channels_for
from console.model.responsibility import resolve_role, scope_of


@check
def people_reach_a_channel(org: Org) -> list[Finding]:
    """Who an escalation rule would page but no channel reaches: they get a timeline
    entry ("page them by hand"), not a page. Only when channels are configured."""
    channels, _ = parse_channels(org)
    if not channels:
        return []
    cfg = PagingConfig(channels, NotifyPolicy())
    out, seen = [], set()
    for rule in org.escalation:
        for role in rule.targets:
            if role in seen:
                continue
            seen.add(role)
            missed: dict[str, str] = {}
            for layer in org.layers:
                for c in resolve_role(org, role, scope_of(org, [layer], [])):
                    team = org.teams.get(c.team) if c.team else None
                    target = Target(
                        c.person or f"role:{role}",
                        c.person,
                        c.person_name or role,
                        c.team,
                        c.team_name,
                        team.type if team else None,
                        (role,),
                    )
                    if not channels_for(cfg, org, target):
                        missed[target.id] = target.name
            if missed:
                out.append(
                    Finding(
                        "warning",
                        rule.where,
                        f"{rule.severity} +{rule.offset_minutes}min: role {role!r} can resolve to "
                        f"{', '.join(f'{n} ({i})' for i, n in sorted(missed.items()))}, whom no channel "
                        "reaches; they would appear on the timeline as 'page them by hand'",
                    )
                )
    return out
