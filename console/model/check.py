"""`model check`: principle 1 (responsibility = authority) applied to an org."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from console.model.clock import iso
from console.model.oncall import Rota
from console.model.org import DEFAULTS_NAME, Org
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


def load_checks() -> None:
    """Import the model's modules that register checks (in a stable order); a face
    imports its own subsystems' (notify's secret check) after this."""
    from console.model import alert_routes, channels  # noqa: F401
    from console.model.paging import checks  # noqa: F401


def run_checks(org: Org, now: datetime | None = None, loaded: bool = True) -> list[Finding]:
    """Every registered check; with `now`, also the schedules over the coming days.

    `loaded=False` is an org built from files with load problems (OrgError.org): what
    did load is still checked, so every problem shows at once, but a check that trips
    over what is missing is reported as not run instead of failing the whole report."""
    load_checks()
    findings: list[Finding] = []
    runs: list[tuple[str, Check]] = [(fn.__name__, fn) for fn in CHECKS]
    if now is not None:
        runs.append(("schedules_cover", lambda o: schedules_cover(o, now)))
    for name, fn in runs:
        if loaded:
            findings.extend(fn(org))
            continue
        try:
            findings.extend(fn(org))
        except Exception:  # noqa: BLE001 - the load errors already say what is wrong
            findings.append(
                Finding(
                    "info",
                    org.sources[-1] + ":1",
                    f"not checked ({name.replace('_', ' ')}): it needs entries that failed to load",
                )
            )
    return findings


def blame(fallback: str, *candidates: str) -> str:
    """Where to show a problem: the first candidate in a user's file — an entry the user
    added or overrode is where they can fix it — else `fallback`."""
    return next((w for w in candidates if w and not w.startswith(DEFAULTS_NAME)), fallback)


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
        # The domain's own lines, then the teams and services that could cover it.
        where = blame(
            d.where,
            org.where_of("domains", d.id, "final"),
            *(
                org.where_of("teams", t.id, k)
                for t in org.teams.values()
                if t.type == d.final or d.id in t.domains
                for k in ("domains", "type")
            ),
            *(
                org.where_of("services", s.id, "owner")
                for s in org.services.values()
                if s.domain == d.id
            ),
        )
        final_type = org.team_types.get(d.final)
        team = team_for(
            org, d.id, d.final, tuple(s.id for s in org.services.values() if s.domain == d.id)
        )
        if team is None:
            out.append(
                Finding(
                    "error",
                    where,
                    f"domain {d.id!r}: no {d.final} team covers it, so its final responsibility has no owner",
                )
            )
        elif final_type is None or not final_type.authority:
            out.append(
                Finding(
                    "error",
                    blame(d.where, org.where_of("team_types", d.final, "authority")),
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
                        blame(d.where, org.where_of("domains", d.id, k), where),
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
            where = blame(
                s.where,
                org.where_of("people", team.on_call, "contact"),
                org.where_of("teams", team.id, "on_call"),
                org.where_of("services", s.id, "owner"),
                s.where,
            )
            out.append(
                Finding(
                    "error", where, f"service {s.id!r}: owner {team.id!r} has no on-call contact"
                )
            )
        domain = org.domains.get(s.domain)
        if domain and team.type != domain.final:
            where = blame(
                s.where,
                org.where_of("services", s.id, "owner"),
                org.where_of("services", s.id, "domain"),
                org.where_of("teams", team.id, "type"),
                org.where_of("domains", domain.id, "final"),
                s.where,
            )
            out.append(
                Finding(
                    "warning",
                    where,
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
                    where = blame(
                        rule.where,
                        org.where_of("roles", role),
                        *(org.where_of("teams", c.team, "on_call") for c in contacts if c.team),
                    )
                    out.append(
                        Finding(
                            "error",
                            where,
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


@check
def people_paged_have_a_contact(org: Org) -> list[Finding]:
    """Everyone a role resolves to, for any layer or service, needs a contact: a page to
    someone without one reaches nobody. (Rota members are checked with their schedule.)"""
    roles_of: dict[str, list[str]] = {}
    scopes = [scope_of(org, [layer], []) for layer in org.layers]
    scopes += [scope_of(org, [], [s]) for s in org.services]
    for role in org.roles:
        for scope in scopes:
            for c in resolve_role(org, role, scope):
                person = org.people.get(c.person or "")
                if person is not None and not person.contact:
                    roles_of.setdefault(person.id, [])
                    if role not in roles_of[person.id]:
                        roles_of[person.id].append(role)
    out = []
    for person_id, roles in roles_of.items():
        person = org.people[person_id]
        where = blame(
            person.where,
            org.where_of("people", person_id, "contact"),
            person.where,
            *(org.where_of("roles", r) for r in roles),
            *(
                org.where_of("teams", t.id, k)
                for t in org.teams.values()
                for k in ("on_call", "lead", "manager")
                if getattr(t, k) == person_id
            ),
        )
        out.append(
            Finding(
                "error",
                where,
                f"person {person_id!r} ({person.name}) has no contact, but role"
                f"{'s' if len(roles) > 1 else ''} {', '.join(map(repr, roles))} can page them: "
                "a page to them reaches nobody",
            )
        )
    return out


@check
def people_are_told_apart(org: Org) -> list[Finding]:
    """Two people with the same PagerDuty user id or e-mail cannot be told apart by it
    when PagerDuty says one of them acknowledged."""
    out = []
    for key, what in (("pagerduty_id", "PagerDuty user id"), ("email", "e-mail")):
        holders: dict[str, list[str]] = {}
        for person in org.people.values():
            value = getattr(person, key).strip().lower()
            if value:
                holders.setdefault(value, []).append(person.id)
        for ids in holders.values():
            if len(ids) < 2:
                continue
            value = getattr(org.people[ids[0]], key)
            where = blame(
                org.people[ids[-1]].where,
                *(org.where_of("people", p, key) for p in reversed(ids)),
            )
            out.append(
                Finding(
                    "error",
                    where,
                    f"{', '.join(map(repr, ids))} share the {what} {value!r}: an "
                    "acknowledgement in PagerDuty cannot be matched to one of them by it",
                )
            )
    return out
