"""Learning from history, the pure half: what each metric means, per-incident facts
folded from events, percentiles and the data-driven suggestions (the maturity
comparison is console/model/maturity.py). The SQL that runs these over a whole store
lives in console/metrics.

Definitions (the README repeats them):
- start: impact start when recorded, else declared.
- TTA / TTM / TTR: start -> first acknowledged page / mitigated (status monitoring or
  resolved) / resolved. MTTx is the mean; median and p90 beside it (linear
  interpolation between closest ranks).
- first responding team: the team of the person who gave the incident's first
  acknowledgement (a page acknowledged, or a step ticked acknowledged). When the log
  does not say who (older logs, or a step ticked for several people at once), the
  incident's responsible team at that moment; with no acknowledgement, the team
  responsible at declaration.
- resolving team: the team named at resolve (`--by-team`), else the team the matrix in
  force makes responsible for the eventual cause (its owner), else the responsible
  team at resolution.
- cause: the service named at resolve (`--cause`), else the last added service, else
  the first declared service; cause layer likewise, else the first declared layer.
- mis-escalated (resolved incidents only): a team was paged at a severity whose rules,
  resolved against the eventual cause with the matrix in force, would not page it
  ("mis-paged"), or the first responding team is not the resolving team ("mis-routed").
- coordination time: declared -> the moment every paged team had acknowledged, over
  incidents that paged two or more teams and where all of them acknowledged.
- prevented: declared or resolved as prevented, or a near-miss (final severity SEV5).
- re-escalations: severity raises plus changes of responsible team after declaring.

TTM, TTR and coordination time are computed in console/model/figures.py, which a
drill's scorecard reads too (its pages being the drill's).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from msgspec import Struct
from msgspec.structs import asdict

from console.model.clock import iso
from console.model.events import Event
from console.model.figures import coordination_time, time_to_mitigate, time_to_resolve
from console.model.fold import FOLD_ORDER
from console.model.incident import Incident
from console.model.names import severity_rank
from console.model.responsibility import resolve_role, responsible_team, scope_of, team_for

if TYPE_CHECKING:  # a command folding an incident needs its facts, not the org
    from console.model.org import Org

NEAR_MISS_SEVERITY = "SEV5"
MIN_HISTORY = 3  # fewer similar incidents than this is not a pattern
SUGGEST_SHARE = 0.6  # a resolver this dominant is worth a matrix change
# Predictive escalation speaks only with a clear leader: it resolved at least this share
# of the similar incidents, and this many more of them (as a share) than the runner-up.
PREDICT_SHARE = 0.5
PREDICT_LEAD = 0.25
PERCENTILES = (0.5, 0.9)


# ------------------------------------------------------------------ percentiles


def rank_bounds(n: int, p: float) -> tuple[int, int, float]:
    """Zero-based ranks around the p-quantile of n sorted values, and the fraction
    between them. The SQL computes the same ranks with the same float arithmetic."""
    pos = (n - 1) * p
    lo = int(pos)
    hi = lo + (1 if pos > lo else 0)
    return lo, hi, pos - lo


def interpolate(lo_value: float, hi_value: float, frac: float) -> float:
    return lo_value + (hi_value - lo_value) * frac


def percentile(values: Iterable[float], p: float) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    lo, hi, frac = rank_bounds(len(ordered), p)
    return interpolate(ordered[lo], ordered[hi], frac)


def summary(values_seconds: Sequence[float]) -> dict:
    """n, mean, median, p90 in minutes (the Python twin of the SQL aggregate)."""
    vals = [v / 60 for v in values_seconds]
    if not vals:
        return {"n": 0, "mean": None, "median": None, "p90": None}
    return {
        "n": len(vals),
        "mean": sum(vals) / len(vals),
        "median": percentile(vals, 0.5),
        "p90": percentile(vals, 0.9),
    }


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# ------------------------------------------------------------------ per-incident facts


class Page(Struct, frozen=True):
    """One team paged at one severity's step (remaining ticks only)."""

    team: str
    severity: str
    paged_at: str
    acked_at: str | None


class Facts(Struct, frozen=True):
    """One incident's metrics facts, in the incident_facts table's column order."""

    id: str
    declared_service: str | None
    declared_layer: str | None
    cause_service: str | None
    cause_layer: str | None
    first_team: str | None
    resolved_by_team: str | None  # only when named at resolve
    peak_severity: str
    tta_s: float | None
    ttm_s: float | None
    ttr_s: float | None
    coord_s: float | None
    teams_paged: int
    teams_acked: int
    severity_raises: int
    team_changes: int
    reescalations: int

    def to_dict(self) -> dict:
        return asdict(self)


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


def step_severity(step_key: str) -> str:
    return str(step_key).split("+", 1)[0]


def _rank(severity) -> int:
    """Severity rank that never raises: facts are folded from whatever the log holds."""
    try:
        return severity_rank(str(severity))
    except (ValueError, IndexError):
        return 99


def _strings(value) -> list[str]:
    return [x for x in value if isinstance(x, str)] if isinstance(value, list) else []


def _first_string(value) -> str | None:
    if isinstance(value, list):
        for x in value:
            if isinstance(x, str):
                return x
    return None


def _acknowledger_team(body: dict) -> str | None:
    team = body.get("acknowledger_team")
    return team if isinstance(team, str) and team else None


def facts_of(inc: Incident, events: Iterable[Event]) -> tuple[Facts, list[Page]]:
    """Everything the metrics need from one incident, folded from its events
    (ordered like the fold, so arrival order never matters). Never raises on an odd
    body: a projection refresh must not fail because of a figure."""
    evs = sorted(events, key=FOLD_ORDER)
    removed = {
        eid for e in evs if e.kind == "step_unticked" for eid in _strings(e.body.get("removes"))
    }
    declared = next((e for e in evs if e.kind == "declared"), None)
    dbody = declared.body if declared else {}
    declared_service = _first_string(dbody.get("services"))
    declared_layer = _first_string(dbody.get("layers"))

    team = dbody.get("responsible_team")
    first_team = None
    first_ack_at = None
    team_changes = severity_raises = 0
    severity = dbody.get("severity")
    peak = severity or inc.severity
    cause_service, cause_layer = declared_service, declared_layer
    resolved_body: dict = {}
    paged: dict[tuple[str, str], list] = {}
    team_acked: dict[str, datetime] = {}
    for ev in evs:
        b = ev.body
        if ev.kind == "service_added":
            cause_service, cause_layer = b.get("service"), b.get("layer") or cause_layer
            new = b.get("responsible_team")
            if new and new != team:
                if team is not None:
                    team_changes += 1
                team = new
        elif ev.kind == "severity_set" and b.get("severity"):
            if severity and _rank(b["severity"]) < _rank(severity):
                severity_raises += 1
            severity = b["severity"]
            if _rank(severity) < _rank(peak):
                peak = severity
        elif ev.kind == "step_ticked" and ev.event_id not in removed:
            acked = b.get("mark") == "acknowledged"
            if acked and (first_ack_at is None or ev.when < first_ack_at):
                first_ack_at, first_team = ev.when, _acknowledger_team(b) or team
            sev = step_severity(b.get("step", ""))
            for t in _strings(b.get("teams")):
                slot = paged.setdefault((t, sev), [ev.when, None])
                slot[0] = min(slot[0], ev.when)
                if acked:
                    slot[1] = ev.when if slot[1] is None else min(slot[1], ev.when)
                    team_acked[t] = min(team_acked.get(t, ev.when), ev.when)
        elif ev.kind == "page_acknowledged" and _acknowledger_team(b):
            # An older page acknowledgement does not say the team: the step tick it
            # leads to decides, as it always did.
            if first_ack_at is None or ev.when < first_ack_at:
                first_ack_at, first_team = ev.when, _acknowledger_team(b)
        elif ev.kind == "resolved":
            resolved_body = b
        elif ev.kind == "reopened":
            resolved_body = {}
    if first_team is None:
        first_team = dbody.get("responsible_team")
    if isinstance(resolved_body.get("cause_service"), str):
        cause_service = resolved_body["cause_service"]
        cause_layer = resolved_body.get("cause_layer") or cause_layer
    resolved_by = None if inc.open else resolved_body.get("resolved_by_team")

    teams = {t for t, _ in paged}
    coord = coordination_time(inc.declared_at, teams, team_acked)
    facts = Facts(
        id=inc.id,
        declared_service=declared_service,
        declared_layer=declared_layer,
        cause_service=cause_service,
        cause_layer=cause_layer,
        first_team=first_team,
        resolved_by_team=resolved_by,
        peak_severity=peak,
        tta_s=_seconds(inc.detected_at, inc.acknowledged_at),
        ttm_s=time_to_mitigate(inc),
        ttr_s=time_to_resolve(inc),
        coord_s=coord,
        teams_paged=len(teams),
        teams_acked=len(teams & set(team_acked)),
        severity_raises=severity_raises,
        team_changes=team_changes,
        reescalations=severity_raises + team_changes,
    )
    pages = [Page(t, sev, iso(at), iso(ack)) for (t, sev), (at, ack) in sorted(paged.items())]
    return facts, pages


# ------------------------------------------------------------------ the matrix, judged


def cause_key(service: str | None, layer: str | None) -> str:
    return f"{service or ''}|{layer or ''}"


def matrix_teams(
    org: Org, cause_service: str | None, cause_layer: str | None, severity: str
) -> set[str] | None:
    """Teams the matrix in force would page at `severity` if it had known the cause:
    the cause's responsible team plus every team the severity's rules resolve to.
    None when the cause is unknown to this org (nothing to judge against)."""
    if cause_service in org.services:
        scope = scope_of(org, [], [cause_service])
    elif cause_layer in org.layers:
        scope = scope_of(org, [cause_layer], [])
    else:
        return None
    teams: set[str] = set()
    owner = responsible_team(org, scope)
    if owner:
        teams.add(owner.id)
    for rule in org.rules_for(severity):
        for role in rule.targets:
            teams.update(c.team for c in resolve_role(org, role, scope) if c.team)
    return teams


def cause_owner(org: Org, cause_service: str | None, cause_layer: str | None) -> str | None:
    """The team the matrix makes responsible for the cause (principle 1: its owner)."""
    if cause_service in org.services:
        team = responsible_team(org, scope_of(org, [], [cause_service]))
    elif cause_layer in org.layers:
        team = responsible_team(org, scope_of(org, [cause_layer], []))
    else:
        return None
    return team.id if team else None


def layer_first_team(org: Org, layer: str) -> str | None:
    """Who the domain matrix sends first for a bare layer (its first domain)."""
    for domain in org.domains_of_layer(layer):
        team = team_for(org, domain.id, domain.first, ())
        if team:
            return team.id
    return None


# ------------------------------------------------------------------ patterns and prediction


class Prediction(Struct, frozen=True):
    team: str
    count: int
    total: int
    share: float
    basis: str  # "service" | "layer"
    key: str


def predict(
    resolvers: dict[str, int], basis: str, key: str, min_n: int = MIN_HISTORY
) -> Prediction | None:
    """The team that resolved most similar incidents, only with enough evidence: at
    least `min_n` incidents, the leader resolving at least PREDICT_SHARE of them and
    PREDICT_LEAD more than the runner-up. Otherwise None: a tie is never broken."""
    total = sum(resolvers.values())
    if total < min_n or total <= 0:
        return None
    ranked = sorted(resolvers.values(), reverse=True)
    count, runner_up = ranked[0], (ranked[1] if len(ranked) > 1 else 0)
    if count / total < PREDICT_SHARE or (count - runner_up) / total < PREDICT_LEAD:
        return None
    team = next(t for t, n in resolvers.items() if n == count)  # the only one: it leads
    return Prediction(team, count, total, count / total, basis, key)


def top(counter: Counter) -> tuple[str | None, int]:
    if not counter:
        return None, 0
    return sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))[0]


class MatrixSuggestion(TypedDict):
    """A change to the matrix the history argues for (see matrix_suggestions)."""

    kind: str
    key: str
    resolver: str
    resolver_share: float
    resolved: int
    total: int
    first_responder: str | None
    first_share: float
    matrix_first: str | None
    change: str
    text: str


def matrix_suggestions(
    rows: Iterable[tuple[str, str | None, str | None, int]],
    *,
    kind: str,
    subject,
    team_name,
    matrix_first=None,
    min_n: int = MIN_HISTORY,
    share: float = SUGGEST_SHARE,
) -> list[MatrixSuggestion]:
    """rows: (key, first responding team, resolving team, count) of resolved incidents.
    A suggestion when one team resolves most of a key's incidents but another team
    responded first (or the matrix routes them elsewhere). subject(key) names the
    incidents ("Data & Persistence incidents")."""
    first: dict[str, Counter] = {}
    resolved: dict[str, Counter] = {}
    for key, first_team, resolving_team, n in rows:
        if key is None:
            continue
        first.setdefault(key, Counter())[first_team] += n
        resolved.setdefault(key, Counter())[resolving_team] += n
    out: list[MatrixSuggestion] = []
    for key in sorted(resolved):
        total = sum(resolved[key].values())
        winner, wins = top(resolved[key])
        if winner is None or total < min_n or wins / total < share:
            continue
        opener, opens = top(first[key])
        planned = matrix_first(key) if matrix_first else None
        if opener != winner:
            reason = (
                f"but {team_name(opener)} responded first in {opens / total:.0%} ({opens}/{total})"
            )
            change = "first_responder"
        elif planned and planned != winner:
            reason = f"but the matrix routes them to {team_name(planned)} first"
            change = "matrix"
        else:
            continue
        out.append(
            {
                "kind": kind,
                "key": key,
                "resolver": winner,
                "resolver_share": wins / total,
                "resolved": wins,
                "total": total,
                "first_responder": opener,
                "first_share": opens / total,
                "matrix_first": planned,
                "change": change,
                "text": f"{subject(key)} were resolved by {team_name(winner)} in "
                f"{wins / total:.0%} of cases ({wins}/{total}), {reason}: "
                f"page {team_name(winner)} first for them.",
            }
        )
    out.sort(key=lambda s: (-s["total"] * s["resolver_share"], s["kind"], s["key"]))
    return out
