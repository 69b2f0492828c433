"""Tabletop drills, the pure part: the scenario format (parsed and validated with
file:line), the drill event kinds, the model's answer key (which teams the matrix
and the rules make responsible for the real fault), the autopilot's plans, and the
scorecard against the maturity model.

No I/O here: a scenario is (text, filename); a run is a list of events.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, overload

from console.model.clock import iso, parse_iso, t_text
from console.model.errors import InputError
from console.model.events import Event
from console.model.fold import fold
from console.model.folds.drill import drill_state
from console.model.incident import Incident
from console.model.maturity import assess as assess_maturity
from console.model.org import SEVERITIES, Org, severity_rank
from console.model.responsibility import Scope, resolve_role, scope_of
from console.model.toml_lines import LineIndex

INJECT_KINDS = ("alert", "symptom", "metric", "stakeholder", "layer_failure", "false_lead")
# What the commander sees of each kind: a false lead must look like any other signal.
SHOWN_AS = {
    "alert": "alert",
    "symptom": "symptom",
    "metric": "metric",
    "stakeholder": "message",
    "layer_failure": "alert",
    "false_lead": "symptom",
}
AUTOPILOTS = ("ideal", "naive")
DEFAULT_SEVERITY_BY = 5 * 60
DEFAULT_ACK_AFTER = 2 * 60
RESOLVE_AFTER_MITIGATION = 5 * 60
MAX_SPEED = 60

_T = re.compile(r"^T\+(\d{1,4}):([0-5]\d)$")
_DURATION = re.compile(r"^(\d{1,4}):([0-5]\d)$")


class ScenarioError(InputError):
    """A scenario file has problems; `problems` holds each as 'file:line: what'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__((problems[0] if problems else "invalid scenario") + more)


def reflow(text: str) -> str:
    """Paragraphs of a TOML multi-line string as flowing text (blank lines separate)."""
    paragraphs = [" ".join(p.split()) for p in text.strip().split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 2)


# ------------------------------------------------------------------ scenario shape


@dataclass(frozen=True)
class Inject:
    at: int  # seconds from T+0
    kind: str
    text: str
    source: str = ""
    layers: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    metric: str = ""
    value: float | None = None
    unit: str = ""
    threshold: float | None = None
    shown_as: str = ""
    title: str = ""  # the opening alert's suggested incident title
    index: int = 0
    where: str = ""

    @property
    def label(self) -> str:
        return self.shown_as or SHOWN_AS[self.kind]

    def display(self) -> str:
        """What the commander reads: never says 'false lead'."""
        head = self.label
        if self.kind == "stakeholder" and self.source:
            head = f"message from {self.source}"
        elif self.source:
            head = f"{head} ({self.source})"
        text = self.text
        if self.kind == "metric":
            reading = f"{self.metric}: {_num(self.value)}{self.unit}"
            if self.threshold is not None:
                reading += f" (threshold {_num(self.threshold)}{self.unit})"
            text = f"{reading} — {text}" if text else reading
        return f"{head}: {text}"

    def to_body(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "t": self.at,
            "kind": self.kind,
            "shown_as": self.label,
            "text": self.display(),
            "services": list(self.services),
            "layers": list(self.layers),
        }


def _num(value: float | None) -> str:
    if value is None:
        return "?"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class ExpectedTeam:
    team: str
    by: int
    why: str = ""
    where: str = ""


@dataclass(frozen=True)
class Expected:
    severity: str
    severity_by: int
    layers: tuple[str, ...]
    services: tuple[str, ...]
    mitigate_from: int
    mitigate_by: int
    teams: tuple[ExpectedTeam, ...] = ()
    why: str = ""


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    briefing: str
    org: str  # "demo", "user", or a path relative to the scenario file
    alert: Inject
    injects: tuple[Inject, ...]
    expected: Expected
    duration: int
    ack_after: int = DEFAULT_ACK_AFTER
    ack_after_team: dict[str, int] = field(default_factory=dict)
    starts_at: datetime | None = None
    filename: str = ""
    where: dict[str, str] = field(default_factory=dict)  # dotted key -> file:line

    @property
    def timeline(self) -> tuple[Inject, ...]:
        """The opening alert and every inject, in the order they arrive."""
        return (self.alert, *self.injects)

    def ack_delay(self, team: str) -> int:
        return self.ack_after_team.get(team, self.ack_after)

    def line(self, key: str) -> str:
        return self.where.get(key) or self.where.get(key.split(".")[0]) or f"{self.filename}:1"


# ------------------------------------------------------------------ parsing

_TOP = {
    "title",
    "briefing",
    "org",
    "starts_at",
    "duration",
    "alert",
    "injects",
    "expected",
    "responders",
}
_ALERT = {"title", "text", "source", "layers", "services"}
_INJECT = {
    "at",
    "kind",
    "text",
    "source",
    "from",
    "layers",
    "services",
    "metric",
    "value",
    "unit",
    "threshold",
    "shown_as",
}
_EXPECTED = {
    "severity",
    "severity_by",
    "layers",
    "services",
    "mitigate_from",
    "mitigate_by",
    "teams",
    "why",
}
_TEAM = {"team", "by", "why"}
_RESPONDERS = {"ack_after", "teams"}


class _Reader:
    """Typed field access that records 'file:line: problem' instead of raising."""

    def __init__(self, filename: str, index: LineIndex, problems: list[str]):
        self.filename, self.index, self.problems = filename, index, problems

    def at(self, *path) -> str:
        return f"{self.filename}:{self.index.line(*path)}"

    def bad(self, path: tuple, message: str) -> None:
        self.problems.append(f"{self.at(*path)}: {message}")

    def unknown(self, table: dict, allowed: set[str], path: tuple, name: str) -> None:
        for key in sorted(set(table) - allowed):
            self.bad(
                (*path, key),
                f"unknown key {key!r} in {name} (expected one of {', '.join(sorted(allowed))})",
            )

    def text(
        self, table: dict, key: str, path: tuple, required: bool = False, default: str = ""
    ) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.bad(path, f"{_name(path)} needs {key!r} (a string)")
            return default
        if not isinstance(value, str) or (required and not value.strip()):
            self.bad((*path, key), f"{key} must be a non-empty string, got {value!r}")
            return default
        return value.strip()

    def strings(self, table: dict, key: str, path: tuple) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.bad((*path, key), f"{key} must be a list of strings, got {value!r}")
            return ()
        return tuple(dict.fromkeys(value))

    def number(self, table: dict, key: str, path: tuple) -> float | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.bad((*path, key), f"{key} must be a number, got {value!r}")
            return None
        return float(value)

    @overload
    def offset(
        self, table: dict, key: str, path: tuple, required: bool = False, *, default: int
    ) -> int: ...
    @overload
    def offset(
        self, table: dict, key: str, path: tuple, required: bool = False, default: None = None
    ) -> int | None: ...
    def offset(
        self, table: dict, key: str, path: tuple, required: bool = False, default: int | None = None
    ) -> int | None:
        """A point on the drill's timeline: 'T+mm:ss'."""
        value = table.get(key)
        if value is None:
            if required:
                self.bad(path, f'{_name(path)} needs {key!r} (a time like "T+05:00")')
            return default
        match = _T.match(value) if isinstance(value, str) else None
        if not match:
            self.bad(
                (*path, key),
                f'{key} must be a time like "T+05:00" (T+minutes:seconds), got {value!r}',
            )
            return default
        return int(match.group(1)) * 60 + int(match.group(2))

    def duration(self, value: Any, path: tuple, default: int) -> int:
        match = _DURATION.match(value) if isinstance(value, str) else None
        if not match:
            self.bad(
                path, f'{path[-1]} must be a duration like "02:00" (minutes:seconds), got {value!r}'
            )
            return default
        return int(match.group(1)) * 60 + int(match.group(2))


def _name(path: tuple) -> str:
    parts = [str(p) for p in path if not isinstance(p, int)]
    if not parts:
        return "the scenario"
    if path and isinstance(path[-1], int):
        return f"[[{'.'.join(parts)}]] #{path[-1] + 1}"
    return f"[{'.'.join(parts)}]"


def scenario_name(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return base[:-5] if base.endswith(".toml") else base


def parse_scenario(text: str, filename: str, org: Org | None = None) -> Scenario:
    """Parse and validate a scenario; with an org, check every reference against it.
    Raises ScenarioError listing every problem as 'file:line: what'."""
    problems: list[str] = []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _error_line(str(exc))
        msg = getattr(exc, "msg", None) or str(exc).split(" (at line")[0]
        raise ScenarioError([f"{filename}:{line}: not valid TOML: {msg}"]) from None
    r = _Reader(filename, LineIndex(text), problems)
    r.unknown(data, _TOP, (), "the scenario")
    where: dict[str, str] = {}

    title = r.text(data, "title", (), required=True)
    briefing = r.text(data, "briefing", (), required=True)
    org_ref = r.text(data, "org", (), default="demo") or "demo"
    starts_at = None
    if "starts_at" in data:
        raw = data["starts_at"]
        if isinstance(raw, datetime):
            starts_at = raw if raw.tzinfo else None
        elif isinstance(raw, str):
            try:
                starts_at = parse_iso(raw)
            except ValueError:
                starts_at = None
        if starts_at is None:
            r.bad(
                ("starts_at",),
                f'starts_at must be an ISO time with a zone, like "2026-03-14T02:47:00Z", got {raw!r}',
            )

    alert = _parse_alert(data, r, where)
    injects = _parse_injects(data, r, where)
    expected = _parse_expected(data, r, where)
    ack_after, ack_team = _parse_responders(data, r, where)

    default_duration = (expected.mitigate_by if expected else 0) + 15 * 60
    duration = r.offset(data, "duration", (), default=default_duration)
    where["duration"] = r.at("duration")
    for key in ("title", "briefing", "org", "starts_at"):
        where[key] = r.at(key)

    if expected:
        if expected.mitigate_from > expected.mitigate_by:
            problems.append(
                f"{where['expected.mitigate_from']}: mitigate_from ({t_text(expected.mitigate_from)}) "
                f"is after mitigate_by ({t_text(expected.mitigate_by)})"
            )
        if duration is not None and duration < expected.mitigate_by:
            problems.append(
                f"{where['duration']}: duration ({t_text(duration)}) ends the drill before "
                f"mitigate_by ({t_text(expected.mitigate_by)})"
            )
    for inj in injects:
        if duration is not None and inj.at > duration:
            problems.append(
                f"{where.get(f'injects.{inj.index - 1}.at', inj.where)}: inject at {t_text(inj.at)} arrives after the drill ends ({t_text(duration)})"
            )
    if problems or alert is None or expected is None:
        raise ScenarioError(problems or [f"{filename}:1: incomplete scenario"])
    scn = Scenario(
        name=scenario_name(filename),
        title=title,
        briefing=briefing,
        org=org_ref,
        alert=alert,
        injects=tuple(sorted(injects, key=lambda i: (i.at, i.index))),
        expected=expected,
        duration=duration or default_duration,
        ack_after=ack_after,
        ack_after_team=ack_team,
        starts_at=starts_at,
        filename=filename,
        where=where,
    )
    if org is not None:
        check_scenario(scn, org)
    return scn


def _error_line(text: str) -> int:
    match = re.search(r"line (\d+)", text)
    return int(match.group(1)) if match else 1


def _parse_alert(data: dict, r: _Reader, where: dict) -> Inject | None:
    raw = data.get("alert")
    where["alert"] = r.at("alert")
    if raw is None:
        r.bad(
            (),
            "the scenario needs an [alert] table: the opening alert (title, text, source, services)",
        )
        return None
    if not isinstance(raw, dict):
        r.bad(("alert",), "alert must be a table ([alert])")
        return None
    path = ("alert",)
    r.unknown(raw, _ALERT, path, "[alert]")
    for key in ("services", "layers"):
        where[f"alert.{key}"] = r.at(*path, key)
    return Inject(
        at=0,
        kind="alert",
        title=r.text(raw, "title", path, required=True),
        text=r.text(raw, "text", path, required=True),
        source=r.text(raw, "source", path),
        layers=r.strings(raw, "layers", path),
        services=r.strings(raw, "services", path),
        index=0,
        where=r.at(*path),
    )


def _parse_injects(data: dict, r: _Reader, where: dict) -> list[Inject]:
    raw = data.get("injects", [])
    if not isinstance(raw, list):
        r.bad(("injects",), "injects must be an array of tables ([[injects]])")
        return []
    out = []
    for i, entry in enumerate(raw):
        path = ("injects", i)
        if not isinstance(entry, dict):
            r.bad(path, "each inject must be a table ([[injects]])")
            continue
        r.unknown(entry, _INJECT, path, "[[injects]]")
        kind = entry.get("kind")
        if kind not in INJECT_KINDS:
            r.bad(
                (*path, "kind"),
                f"unknown inject kind {kind!r} (expected one of {', '.join(INJECT_KINDS)})",
            )
            continue
        at = r.offset(entry, "at", path, required=True)
        source = r.text(
            entry,
            "from" if kind == "stakeholder" else "source",
            path,
            required=kind == "stakeholder",
        )
        inj = Inject(
            at=at if at is not None else 0,
            kind=kind,
            text=r.text(entry, "text", path, required=kind != "metric"),
            source=source,
            layers=r.strings(entry, "layers", path),
            services=r.strings(entry, "services", path),
            metric=r.text(entry, "metric", path, required=kind == "metric"),
            value=r.number(entry, "value", path),
            unit=r.text(entry, "unit", path),
            threshold=r.number(entry, "threshold", path),
            shown_as=r.text(entry, "shown_as", path),
            index=i + 1,
            where=r.at(*path),
        )
        if kind == "metric" and inj.value is None:
            r.bad(path, "a metric inject needs 'value' (a number)")
        if kind in ("layer_failure", "false_lead") and not (inj.layers or inj.services):
            r.bad(path, f"a {kind} inject must name the layers or services it points at")
        if kind != "false_lead" and "shown_as" in entry:
            r.bad(
                (*path, "shown_as"),
                "shown_as is only for false_lead injects (how the lead looks to the commander)",
            )
        for key in ("services", "layers", "at"):
            where[f"injects.{i}.{key}"] = r.at(*path, key)
        out.append(inj)
    return out


def _parse_expected(data: dict, r: _Reader, where: dict) -> Expected | None:
    raw = data.get("expected")
    where["expected"] = r.at("expected")
    if raw is None:
        r.bad(
            (),
            "the scenario needs an [expected] table: the answer key (severity, services, mitigate_by)",
        )
        return None
    if not isinstance(raw, dict):
        r.bad(("expected",), "expected must be a table ([expected])")
        return None
    path = ("expected",)
    r.unknown(raw, _EXPECTED, path, "[expected]")
    severity = raw.get("severity")
    if isinstance(severity, str) and severity.strip().upper() in SEVERITIES:
        severity = severity.strip().upper()
    else:
        r.bad(
            (*path, "severity"),
            f"severity must be one of {', '.join(SEVERITIES)}, got {severity!r}",
        )
        severity = None
    for key in raw:
        where[f"expected.{key}"] = r.at(*path, key)
    where.setdefault("expected.mitigate_from", r.at(*path))
    layers, services = r.strings(raw, "layers", path), r.strings(raw, "services", path)
    if not layers and not services:
        r.bad(path, "[expected] must name the services (or layers) really at fault")
    teams = []
    raw_teams = raw.get("teams", [])
    if not isinstance(raw_teams, list):
        r.bad((*path, "teams"), "teams must be an array of tables ([[expected.teams]])")
        raw_teams = []
    for i, entry in enumerate(raw_teams):
        tpath = ("expected", "teams", i)
        if not isinstance(entry, dict):
            r.bad(tpath, "each [[expected.teams]] entry must be a table")
            continue
        r.unknown(entry, _TEAM, tpath, "[[expected.teams]]")
        team = r.text(entry, "team", tpath, required=True)
        by = r.offset(entry, "by", tpath, required=True)
        if team and by is not None:
            teams.append(ExpectedTeam(team, by, r.text(entry, "why", tpath), r.at(*tpath)))
    severity_by = r.offset(raw, "severity_by", path, default=DEFAULT_SEVERITY_BY)
    mitigate_from = r.offset(raw, "mitigate_from", path, default=0)
    mitigate_by = r.offset(raw, "mitigate_by", path, required=True)
    if severity is None or mitigate_by is None:
        return None
    return Expected(
        severity=severity,
        severity_by=severity_by,
        layers=layers,
        services=services,
        mitigate_from=mitigate_from,
        mitigate_by=mitigate_by,
        teams=tuple(teams),
        why=r.text(raw, "why", path),
    )


def _parse_responders(data: dict, r: _Reader, where: dict) -> tuple[int, dict[str, int]]:
    raw = data.get("responders", {})
    if not isinstance(raw, dict):
        r.bad(("responders",), "responders must be a table ([responders])")
        return DEFAULT_ACK_AFTER, {}
    r.unknown(raw, _RESPONDERS, ("responders",), "[responders]")
    ack = DEFAULT_ACK_AFTER
    if "ack_after" in raw:
        ack = r.duration(raw["ack_after"], ("responders", "ack_after"), DEFAULT_ACK_AFTER)
    per_team: dict[str, int] = {}
    teams = raw.get("teams", {})
    if not isinstance(teams, dict):
        r.bad(("responders", "teams"), 'responders.teams must be a table of team = "mm:ss"')
        teams = {}
    for team, value in teams.items():
        per_team[team] = r.duration(value, ("responders", "teams", team), ack)
        where[f"responders.teams.{team}"] = r.at("responders", "teams", team)
    return ack, per_team


def check_scenario(scn: Scenario, org: Org) -> None:
    """References against the org, and the answer key against the model."""
    problems: list[str] = []

    def refs(services, layers, key_prefix, fallback):
        for s in services:
            if s not in org.services:
                problems.append(
                    f"{scn.where.get(key_prefix + '.services', fallback)}: unknown service {s!r} "
                    "(see `incident-console model` for the catalogue)"
                )
        for layer in layers:
            if layer not in org.layers:
                problems.append(
                    f"{scn.where.get(key_prefix + '.layers', fallback)}: unknown layer {layer!r} "
                    f"(expected one of {', '.join(org.layers)})"
                )

    refs(scn.alert.services, scn.alert.layers, "alert", scn.alert.where)
    for inj in scn.injects:
        refs(inj.services, inj.layers, f"injects.{inj.index - 1}", inj.where)
    exp = scn.expected
    refs(exp.services, exp.layers, "expected", scn.line("expected"))
    if problems:
        raise ScenarioError(problems)
    fault = fault_scope(org, scn)
    for inj in scn.injects:
        if inj.kind == "layer_failure":
            outside = [
                x
                for x in (*inj.layers, *inj.services)
                if x not in fault.layers and x not in fault.services
            ]
            if outside:
                problems.append(
                    f"{inj.where}: a second layer failing must be part of the expected fault, "
                    f"but {', '.join(outside)} is not in [expected]"
                )
        if inj.kind == "false_lead":
            real = [s for s in inj.services if s in exp.services]
            if real:
                problems.append(
                    f"{inj.where}: this false lead points at {', '.join(real)}, which [expected] "
                    "says is really at fault"
                )
    allowed = allowed_teams(org, scn, named=False)
    for team in exp.teams:
        if team.team not in org.teams:
            problems.append(
                f"{team.where}: unknown team {team.team!r} (expected one of {', '.join(org.teams)})"
            )
        elif team.team not in allowed:
            problems.append(
                f"{team.where}: the model does not make {team.team!r} responsible for this fault "
                f"(responsible: {', '.join(sorted(allowed))})"
            )
    for team_id in scn.ack_after_team:
        if team_id not in org.teams:
            problems.append(
                f"{scn.where.get('responders.teams.' + team_id)}: unknown team {team_id!r}"
            )
    if problems:
        raise ScenarioError(problems)


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


# ------------------------------------------------------------------ scoring


@overload
def _rel(t0: datetime, when: datetime) -> float: ...
@overload
def _rel(t0: datetime, when: datetime | None) -> float | None: ...
def _rel(t0: datetime, when: datetime | None) -> float | None:
    return None if when is None else (when - t0).total_seconds()


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("ok" if ok else "missed")


def score(
    scn: Scenario,
    org: Org,
    events: list[Event],
    t0: datetime,
    end_at: datetime,
    end_reason: str = "",
    mode: str = "",
) -> dict[str, Any]:
    """The scorecard of one run: every figure from T+0 (the opening alert), each
    compared with the scenario's answer key, the rules, and the maturity thresholds."""
    evs = sorted((e for e in events if e.when <= end_at), key=lambda e: e.sort_key)
    inc = fold(evs) if evs else None
    st = drill_state(inc) if inc else {"pages": [], "acks": {}}
    exp = scn.expected
    end_s = _rel(t0, end_at)

    # mitigation: the first move to monitoring/resolved at or after the fix became possible
    mit_first, mit_credited = None, None
    for ev in evs:
        status = (
            ev.body.get("status")
            if ev.kind == "status_set"
            else ("resolved" if ev.kind == "resolved" else None)
        )
        if status in ("monitoring", "resolved"):
            t = _rel(t0, ev.when)
            mit_first = t if mit_first is None else mit_first
            if t >= exp.mitigate_from and mit_credited is None:
                mit_credited = t
    horizon = mit_credited if mit_credited is not None else end_s
    mitigation = {
        "seconds": mit_credited,
        "t": t_text(mit_credited),
        "minutes": minutes(mit_credited),
        "first_marked": t_text(mit_first),
        "premature": mit_first is not None and mit_first < exp.mitigate_from,
        "reasonable_from": t_text(exp.mitigate_from),
        "expected_by": t_text(exp.mitigate_by),
        "ok": mit_credited is not None and mit_credited <= exp.mitigate_by,
    }

    severity = _score_severity(inc, t0, exp, horizon)
    declared = _rel(t0, inc.declared_at) if inc else None

    required = required_teams(org, scn, horizon)
    allowed = allowed_teams(org, scn)
    first_page: dict[str, float] = {}
    paged_via: dict[str, str] = {}
    for p in sorted(st["pages"], key=lambda p: p["at"]):
        if p["team"] and p["team"] not in first_page:
            first_page[p["team"]] = _rel(t0, p["at"])
            paged_via[p["team"]] = p.get("step") or "direct page"
    acks = {team: _rel(t0, at) for team, at in st["acks"].items()}

    def team_name(team: str) -> str:
        return org.teams[team].name if team in org.teams else team

    engagement = []
    for team, req in required.items():
        paged = first_page.get(team)
        engagement.append(
            {
                "team": team,
                "team_name": team_name(team),
                "why": req.why,
                "required_by": t_text(req.by),
                "required_by_seconds": req.by,
                "paged": t_text(paged),
                "paged_seconds": paged,
                "via": paged_via.get(team),
                "late_seconds": None if paged is None else max(0.0, paged - req.by),
                "acknowledged": t_text(acks.get(team)),
                "acknowledged_seconds": acks.get(team),
                "ok": paged is not None and paged <= req.by,
            }
        )
    wrong = [
        {
            "team": t,
            "team_name": team_name(t),
            "paged": t_text(s),
            "paged_seconds": s,
            "via": paged_via[t],
        }
        for t, s in sorted(first_page.items(), key=lambda kv: (kv[1], kv[0]))
        if t not in allowed
    ]
    missed = [
        {"team": t, "team_name": team_name(t), "required_by": t_text(r.by), "why": r.why}
        for t, r in required.items()
        if t not in first_page
    ]
    involved = set(first_page) | set(required)
    count = len(wrong) + len(missed)
    rate = round(count / len(involved), 4) if involved else 0.0
    mis = {
        "wrong": wrong,
        "missed": missed,
        "count": count,
        "teams_involved": len(involved),
        "rate": rate,
        "ok": count == 0,
    }

    coordination_s = None
    if declared is not None and required and all(t in acks for t in required):
        coordination_s = max(0.0, max(acks[t] for t in required) - declared)
    elif declared is not None and not required:
        coordination_s = 0.0
    coordination = {
        "seconds": coordination_s,
        "minutes": minutes(coordination_s),
        "from": t_text(declared),
        "until": t_text(None if coordination_s is None else declared + coordination_s),
        "waiting_for": [t for t in required if t not in acks],
        "ok": coordination_s is not None,
    }

    # One drill cannot show a prevention rate, and a figure it never reached is the floor.
    maturity = assess_maturity(
        {
            "mttr": minutes(mit_credited),
            "mis_escalation": rate,
            "coordination": minutes(coordination_s),
        },
        org.maturity,
        missing="never reached",
        unmeasured=("prevention",),
        labels={"mttr": "time to mitigate", "coordination": "cross-team coordination"},
    )
    engaged_ok = all(e["ok"] for e in engagement)
    won = bool(
        severity["ok"] and engaged_ok and mis["ok"] and coordination["ok"] and mitigation["ok"]
    )
    return {
        "scenario": scn.name,
        "title": scn.title,
        "mode": mode,
        "incident": inc.id if inc else None,
        "t0": iso(t0),
        "ended_at": iso(end_at),
        "ended": t_text(end_s),
        "end_reason": end_reason,
        "won": won,
        "declared": {"seconds": declared, "t": t_text(declared)},
        "severity": severity,
        "engagement": engagement,
        "mis_escalation": mis,
        "coordination": coordination,
        "mitigation": mitigation,
        "maturity": maturity,
        "answer_key": {
            "severity": exp.severity,
            "severity_by": t_text(exp.severity_by),
            "why": exp.why,
            "layers": list(fault_scope(org, scn).layers),
            "services": list(exp.services),
            "responsible_teams": allowed,
            "mitigate_from": t_text(exp.mitigate_from),
            "mitigate_by": t_text(exp.mitigate_by),
        },
    }


def _score_severity(
    inc: Incident | None, t0: datetime, exp: Expected, horizon: float
) -> dict[str, Any]:
    """Time to the right severity: when it settled on the expected one and stayed there
    until mitigation (or the end). Lowering it after mitigation is normal practice."""
    path = [] if inc is None else [(_rel(t0, at), sev) for at, sev in inc.severity_history]
    within = [(t, s) for t, s in path if t <= horizon]
    settled = None
    if within and within[-1][1] == exp.severity:
        settled = within[-1][0]
        for t, s in reversed(within):
            if s != exp.severity:
                break
            settled = t
    most = min((severity_rank(s) for _, s in within), default=None)
    return {
        "expected": exp.severity,
        "by": t_text(exp.severity_by),
        "by_seconds": exp.severity_by,
        "seconds": settled,
        "t": t_text(settled),
        "path": [{"t": t_text(t), "severity": s} for t, s in path],
        "over_escalated": most is not None and most < severity_rank(exp.severity),
        "under_escalated": bool(within)
        and within[-1][1] != exp.severity
        and severity_rank(within[-1][1]) > severity_rank(exp.severity),
        "ok": settled is not None and settled <= exp.severity_by,
    }
