"""Reading a scenario file: every field typed and checked, each problem reported as
file:line, then the references and the answer key checked against the org.

No I/O here: a scenario is (text, filename).
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from typing import Any, overload

from console.model.clock import parse_iso, t_text
from console.model.drill.answers import (
    allowed_teams,
    fault_scope,
)
from console.model.drill.scenario import (
    DEFAULT_ACK_AFTER,
    DEFAULT_SEVERITY_BY,
    INJECT_KINDS,
    Expected,
    ExpectedTeam,
    Inject,
    Scenario,
    ScenarioError,
)
from console.model.org import SEVERITIES, Org
from console.model.toml_lines import LineIndex

_T = re.compile(r"^T\+(\d{1,4}):([0-5]\d)\Z")
_DURATION = re.compile(r"^(\d{1,4}):([0-5]\d)\Z")


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
