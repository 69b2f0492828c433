"""The organisation and its responsibility model, loaded from TOML and validated.

The embedded `defaults/org.toml` holds the model of MODEL.md plus a demo org; a
user's file overrides entries by id (field by field) and adds new ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from msgspec import Struct, field
from msgspec.structs import fields

from console.model.errors import OrgError
from console.model.names import (  # noqa: F401 - the vocabulary, re-exported
    INCIDENT_ROLES,
    SEVERITIES,
    STATUSES,
    severity_rank,
)
from console.model.schedule import Schedule

if TYPE_CHECKING:  # the parser's helpers: a cached org needs neither their code nor their regexes
    from console.model.toml_lines import LineIndex

REQUIRED_TEAM_TYPES = ("platform", "product", "sre", "security", "leadership")
PATTERN_IDS = ("platform-led", "product-led", "sre-mediated")
RULES = ("responsible_team", "responsible_manager", "involved_leads", "involved_on_call")

# Top-level sections other model modules own (channels, notify ...): they add their
# names here and validate them; any other unknown section is a typo and reported.
EXTRA_SECTIONS: set[str] = set()

# Sections keyed by id whose entries a user file can override or extend.
KEYED = {
    "layers": "id",
    "team_types": "id",
    "severities": "id",
    "domains": "id",
    "patterns": "id",
    "maturity": "level",
    "principles": "id",
    "practice": "step",
    "conditions": "id",
    "roles": "id",
    "teams": "id",
    "people": "id",
    "services": "id",
}


class Layer(Struct, frozen=True):
    id: str
    name: str
    responsibilities: tuple[str, ...]
    blast_radius: str
    detection: str
    recovery: str
    observability: str = ""
    where: str = ""


class TeamType(Struct, frozen=True):
    id: str
    name: str
    responsibilities: tuple[str, ...] = ()
    incident_role: str = ""
    authority: str = ""
    on_call: str = ""
    ours: str = ""  # what of this entry is the console's, not the source's
    where: str = ""


class Severity(Struct, frozen=True):
    id: str
    meaning: str
    roles: dict[str, str]
    where: str = ""
    ours: str = ""  # what of this entry is the console's, not the source's


class Domain(Struct, frozen=True):
    id: str
    name: str
    layer: str  # "" for cross-cutting
    first: str
    second: str
    final: str
    where: str = ""


class Rule(Struct, frozen=True):
    """One escalation rule: at `offset_minutes` after reaching `severity`, page `targets`."""

    severity: str
    offset_minutes: int
    targets: tuple[str, ...]
    derived: str | None = None
    where: str = ""


class Move(Struct, frozen=True):
    severity: str
    role: str
    offset_minutes: int


class Pattern(Struct, frozen=True):
    id: str
    name: str
    when: str
    character: str
    coordinator: dict[str, str]
    moves: tuple[Move, ...] = ()
    ours: str = ""  # what of this entry is the console's, not the source's
    where: str = ""


class Band(Struct, frozen=True):
    """One figure's range at one maturity level, as the source words it. TOML:
    { from = 30, to = 60 } a range (its ends inclusive), { below = 30 } or
    { above = 0.8 } an open bound (strict). Minutes, or rates as 0..1."""

    low: float | None = None
    high: float | None = None

    def to_dict(self) -> dict[str, float | None]:
        if self.low is not None and self.high is not None:
            return {"from": self.low, "to": self.high}
        return {"below": self.high} if self.high is not None else {"above": self.low}


BAND_FIELDS = ("mttr_minutes", "mis_escalation_rate", "coordination_minutes", "prevention_rate")


class MaturityLevel(Struct, frozen=True):
    level: int
    name: str
    traits: tuple[str, ...]
    mttr_minutes: Band | None = None
    mis_escalation_rate: Band | None = None
    coordination_minutes: Band | None = None
    prevention_rate: Band | None = None
    where: str = ""


class Principle(Struct, frozen=True):
    id: int
    name: str
    statement: str
    practices: tuple[str, ...] = ()
    where: str = ""


class PracticeStep(Struct, frozen=True):
    """One of the model's adoption steps; `addresses` names the maturity figures (and
    "target" for setting one) whose gaps it closes — that mapping is ours, not the
    source's, and `ours` says so."""

    step: int
    name: str
    actions: tuple[str, ...]
    addresses: tuple[str, ...] = ()
    ours: str = ""
    where: str = ""


class Condition(Struct, frozen=True):
    """Where the model applies (its conditions of use)."""

    id: str
    text: str
    where: str = ""


class Role(Struct, frozen=True):
    id: str
    description: str = ""
    rule: str | None = None
    people: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    where: str = ""


class Team(Struct, frozen=True):
    id: str
    name: str
    type: str
    # The simplest schedule: this person, always. With a [[schedules]] entry for the
    # team, the person paged when the schedule leaves a gap.
    on_call: str = ""
    lead: str = ""
    manager: str = ""
    domains: tuple[str, ...] = ()
    where: str = ""


class Person(Struct, frozen=True):
    id: str
    name: str
    team: str = ""
    contact: str = ""
    email: str = ""  # how a paging tool's agent is matched to this person
    pagerduty_id: str = ""  # the PagerDuty user id (e.g. "PLH1HKV"), matched first
    where: str = ""


class Service(Struct, frozen=True):
    id: str
    layer: str
    domain: str
    owner: str
    name: str = ""
    where: str = ""


_TYPES: dict[str, type[Struct]] = {
    "layers": Layer,
    "team_types": TeamType,
    "domains": Domain,
    "patterns": Pattern,
    "maturity": MaturityLevel,
    "principles": Principle,
    "practice": PracticeStep,
    "conditions": Condition,
    "roles": Role,
    "teams": Team,
    "people": Person,
    "services": Service,
}


class Org(Struct, frozen=True):
    meta: dict[str, Any]
    layers: dict[str, Layer]
    team_types: dict[str, TeamType]
    severities: dict[str, Severity]
    domains: dict[str, Domain]
    escalation: tuple[Rule, ...]
    patterns: dict[str, Pattern]
    maturity: tuple[MaturityLevel, ...]
    principles: tuple[Principle, ...]
    roles: dict[str, Role]
    teams: dict[str, Team]
    people: dict[str, Person]
    services: dict[str, Service]
    sources: tuple[str, ...] = ()
    practice: tuple[PracticeStep, ...] = ()
    conditions: tuple[Condition, ...] = ()
    schedules: dict[str, Schedule] = field(default_factory=dict)  # by team
    # Top-level sections other subsystems own (channels, notify, ...), kept raw.
    extra: dict[str, Any] = field(default_factory=dict)
    # section -> id -> key -> the file:line that last set it ("" the entry itself)
    origins: dict[str, dict[Any, dict[str, str]]] = field(default_factory=dict)

    @property
    def pattern(self) -> Pattern:
        return self.patterns[self.meta["pattern"]]

    @property
    def overdue_after_seconds(self) -> int:
        return int(self.meta.get("overdue_after_seconds", 60))

    def rules_for(self, severity: str) -> list[Rule]:
        """The base rules of a severity, with the pattern in force applied."""
        return apply_pattern(
            [r for r in self.escalation if r.severity == severity], self.pattern, severity
        )

    def policy(self) -> dict[str, list[dict]]:
        """The escalation policy as plain data: what an incident snapshots at declaration."""
        return {
            sev: [
                {
                    "offset_minutes": r.offset_minutes,
                    "targets": list(r.targets),
                    "derived": r.derived,
                }
                for r in self.rules_for(sev)
            ]
            for sev in SEVERITIES
        }

    @property
    def target_level(self) -> int | None:
        """The maturity level the organisation aims for (practice step 1 sets it)."""
        return self.meta.get("target_level")

    def where_of(self, section: str, ident: Any, key: str = "") -> str:
        """The file:line that set `key` of an entry (the last file to set it), else the
        entry's own line in the last file that named it; "" for an unknown entry."""
        entry = self.origins.get(section, {}).get(ident, {})
        return entry.get(key) or entry.get("", "")

    def domains_of_layer(self, layer: str) -> list[Domain]:
        return [d for d in self.domains.values() if d.layer == layer]

    def person_name(self, person_id: str) -> str:
        person = self.people.get(person_id)
        return person.name if person else person_id

    def to_dict(self) -> dict[str, Any]:
        from console.model.schedule_file import schedule_dict

        def plain(obj):
            if isinstance(obj, Band):
                return obj.to_dict()
            if isinstance(obj, Struct):
                return {f.name: plain(getattr(obj, f.name)) for f in fields(obj)}
            if isinstance(obj, dict):
                return {k: plain(v) for k, v in obj.items()}
            if isinstance(obj, (list, tuple)):
                return [plain(v) for v in obj]
            return obj

        data = {
            "meta": dict(self.meta),
            "sources": list(self.sources),
            "pattern_in_force": plain(self.pattern),
            "layers": plain(list(self.layers.values())),
            "team_types": plain(list(self.team_types.values())),
            "severity_matrix": plain(list(self.severities.values())),
            "domain_matrix": plain(list(self.domains.values())),
            "escalation_rules": plain(list(self.escalation)),
            "effective_policy": self.policy(),
            "patterns": plain(list(self.patterns.values())),
            "maturity_levels": plain(list(self.maturity)),
            "principles": plain(list(self.principles)),
            "conditions": plain(list(self.conditions)),
            "practice_steps": plain(list(self.practice)),
            "roles": plain(list(self.roles.values())),
            "teams": plain(list(self.teams.values())),
            "people": plain(list(self.people.values())),
            "services": plain(list(self.services.values())),
            "schedules": [schedule_dict(s) for s in self.schedules.values()],
        }
        data.update(
            {k: v for k, v in self.extra.items() if k != "__where__"}
        )  # positions are not data
        return data


def apply_pattern(rules: list[Rule], pattern: Pattern, severity: str) -> list[Rule]:
    """Move roles between steps as the pattern says; empty steps disappear."""
    moves = [m for m in pattern.moves if m.severity == severity]
    if not moves:
        return sorted(rules, key=lambda r: r.offset_minutes)
    moved = {m.role for m in moves}
    by_offset: dict[int, Rule] = {}
    for rule in rules:
        kept = tuple(t for t in rule.targets if t not in moved)
        by_offset[rule.offset_minutes] = Rule(
            rule.severity, rule.offset_minutes, kept, rule.derived, rule.where
        )
    for move in moves:
        base = by_offset.get(move.offset_minutes)
        if base is None:
            base = Rule(severity, move.offset_minutes, (), None, pattern.where)
        by_offset[move.offset_minutes] = Rule(
            severity, move.offset_minutes, (*base.targets, move.role), base.derived, base.where
        )
    return sorted((r for r in by_offset.values() if r.targets), key=lambda r: r.offset_minutes)


# ------------------------------------------------------------------ loading


def default_org_text() -> str:
    from importlib import resources  # only when the org is parsed, not when it is cached

    return resources.files("console.model").joinpath("defaults/org.toml").read_text("utf-8")


DEFAULTS_NAME = "<defaults>/org.toml"


def load_org(sources: list[tuple[str, str]] | None = None) -> Org:
    """Load the embedded defaults, then each (text, filename) in order over them.

    Raises OrgError with every problem of every file; it carries the org built from
    what did load, so `model check` can report its findings alongside."""
    # The subsystems that own top-level sections ([channels], [updates], [alerts], ...)
    # name them when imported: import them all, so every caller accepts the same files.
    import tomllib

    from console.model import alert_routes, channels, updates  # noqa: F401
    from console.model.toml_lines import LineIndex

    layers = [(default_org_text(), DEFAULTS_NAME), *(sources or [])]
    problems: list[str] = []
    merged = _Merged()
    for text, name in layers:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            problems.append(
                f"{name}:{_toml_error_line(exc)}: not valid TOML: {_toml_error_text(exc)}"
            )
            continue
        merged.add(data, name, LineIndex(text), problems)
    org = merged.build(problems)
    if problems:
        raise OrgError(problems, org)
    return org


def _toml_error_line(exc: Exception) -> int:
    lineno = getattr(exc, "lineno", None)
    if lineno:
        return lineno
    text = str(exc)
    if "line " in text:
        digits = text.split("line ", 1)[1].split(",")[0].split(")")[0]
        if digits.isdigit():
            return int(digits)
    return 1


def _toml_error_text(exc: Exception) -> str:
    return getattr(exc, "msg", None) or str(exc).split(" (at line")[0]


class _Merged:
    """Raw entries merged across files, each field remembering its file:line."""

    def __init__(self):
        self.meta: dict[str, Any] = {}
        self.meta_where: dict[str, str] = {}
        self.sections: dict[str, dict[Any, dict]] = {k: {} for k in KEYED}
        self.where: dict[str, dict[Any, dict[str, str]]] = {k: {} for k in KEYED}
        self.escalation: dict[str, list[tuple[dict, dict[str, str]]]] = {}
        self.extra: dict[str, Any] = {}
        self.sources: list[str] = []
        # team -> (entry, where) of its schedule; a later file replaces a team's whole entry
        self.schedules: dict[str, tuple[dict, Any]] = {}

    def add(self, data: dict, name: str, index: LineIndex, problems: list[str]) -> None:
        self.sources.append(name)
        meta = data.get("meta")
        replace = set(meta.get("replace", [])) if isinstance(meta, dict) else set()
        for section in replace:
            if section in self.sections:
                self.sections[section] = {}
                self.where[section] = {}
            elif section == "escalation":
                self.escalation = {}
            if section in ("schedules", "teams"):  # a schedule belongs to its team
                self.schedules = {}
        for key, value in data.items():
            if key == "meta":
                if not isinstance(value, dict):
                    problems.append(f"{name}:{index.line(key)}: [meta] must be a table")
                    continue
                for k, v in value.items():
                    self.meta[k] = v
                    self.meta_where[k] = f"{name}:{index.line('meta', k)}"
            elif key in KEYED:
                self._add_keyed(key, value, name, index, problems)
            elif key == "escalation":
                self._add_escalation(value, name, index, problems)
            elif key == "schedules":
                self._add_schedules(value, name, index, problems)
            elif key in EXTRA_SECTIONS:
                self.extra[key] = value
                self.extra.setdefault("__where__", {})[key] = (name, index)
            else:
                known = sorted(["meta", "escalation", "schedules", *KEYED, *EXTRA_SECTIONS])
                problems.append(
                    f"{name}:{index.line(key)}: unknown section {key!r} (expected one of {', '.join(known)})"
                )

        # A file that gives a team a fixed on_call and no schedule means that person:
        # the schedule an earlier file (the demo) gave the team no longer applies.
        given = {e.get("team") for e in data.get("schedules", []) if isinstance(e, dict)}
        teams = data.get("teams", [])
        for entry in teams if isinstance(teams, list) else []:
            if isinstance(entry, dict) and "on_call" in entry and entry.get("id") not in given:
                self.schedules.pop(str(entry.get("id")), None)

    def _add_schedules(self, value, name, index, problems):
        if not isinstance(value, list):
            problems.append(
                f"{name}:{index.line('schedules')}: 'schedules' must be an array of tables "
                "([[schedules]])"
            )
            return
        headers = sorted(
            (line, key[2])
            for key, line in index.lines.items()
            if len(key) == 3 and key[:2] == ("schedules", "layers") and isinstance(key[2], int)
        )
        for i, entry in enumerate(value):
            top = index.lines.get(("schedules", i), 0)
            below = index.lines.get(("schedules", i + 1), 10**9)
            own = [k for line, k in headers if top < line < below]
            where = _schedule_where(name, index, i, own)
            if not isinstance(entry, dict):
                problems.append(f"{where()}: each 'schedules' entry must be a table")
                continue
            team = entry.get("team")
            key = team if isinstance(team, str) and team else f"<entry {i} of {name}>"
            self.schedules[key] = (entry, where)

    def _add_keyed(self, section, value, name, index, problems):
        id_key = KEYED[section]
        if not isinstance(value, list):
            problems.append(
                f"{name}:{index.line(section)}: '{section}' must be an array of tables ([[{section}]])"
            )
            return
        for i, entry in enumerate(value):
            if not isinstance(entry, dict):
                problems.append(
                    f"{name}:{index.line(section, i)}: each '{section}' entry must be a table"
                )
                continue
            ident = entry.get(id_key)
            if ident is None or ident == "":
                problems.append(
                    f"{name}:{index.line(section, i)}: {section} entry without '{id_key}'"
                )
                continue
            if not isinstance(ident, (str, int)) or isinstance(ident, bool):
                problems.append(
                    f"{name}:{index.line(section, i, id_key)}: {section} entry: '{id_key}' must "
                    f"be {'a whole number' if id_key in ('level', 'step') else 'text'}, got {ident!r}"
                )
                continue
            target = self.sections[section].setdefault(ident, {})
            where = self.where[section].setdefault(ident, {})
            # The entry's own line is in the last file that names it: a problem with an
            # entry the user's file overrode is shown in the user's file.
            where[""] = f"{name}:{index.line(section, i)}"
            for k, v in entry.items():
                target[k] = v
                where[k] = f"{name}:{index.line(section, i, k)}"

    def _add_escalation(self, value, name, index, problems):
        if not isinstance(value, list):
            problems.append(
                f"{name}:{index.line('escalation')}: 'escalation' must be an array of tables ([[escalation]])"
            )
            return
        fresh: dict[str, list] = {}
        for i, entry in enumerate(value):
            if not isinstance(entry, dict):
                problems.append(
                    f"{name}:{index.line('escalation', i)}: each escalation entry must be a table"
                )
                continue
            where = {"": f"{name}:{index.line('escalation', i)}"}
            where.update({k: f"{name}:{index.line('escalation', i, k)}" for k in entry})
            fresh.setdefault(str(entry.get("severity")), []).append((entry, where))
        # A file that gives rules for a severity replaces that severity's rules.
        self.escalation.update(fresh)

    def build(self, problems: list[str]) -> Org:
        def bad(where: dict[str, str], key: str, msg: str):
            problems.append(f"{where.get(key) or where.get('')}: {msg}")

        built: dict[str, dict] = {}
        for section, entries in self.sections.items():
            out = {}
            for ident, raw in entries.items():
                where = self.where[section][ident]
                obj = _build_entry(section, raw, where, bad)
                if obj is not None:
                    out[ident] = obj
            built[section] = out

        severities: dict[str, Severity] = {}
        for ident, raw in self.sections["severities"].items():
            where = self.where["severities"][ident]
            if ident not in SEVERITIES:
                bad(
                    where,
                    "id",
                    f"unknown severity {ident!r} (expected one of {', '.join(SEVERITIES)})",
                )
                continue
            roles = {k: str(v) for k, v in raw.items() if k not in ("id", "meaning", "ours")}
            severities[ident] = Severity(
                ident, str(raw.get("meaning", "")), roles, where[""], str(raw.get("ours", ""))
            )

        rules: list[Rule] = []
        for sev, rule_entries in sorted(self.escalation.items()):
            for raw, where in rule_entries:
                unknown = set(raw) - {"severity", "offset_minutes", "targets", "derived"}
                for k in sorted(unknown):
                    bad(
                        where,
                        k,
                        f"unknown key {k!r} in escalation rule (expected severity, offset_minutes, targets, derived)",
                    )
                if sev not in SEVERITIES:
                    bad(
                        where,
                        "severity",
                        f"unknown severity {sev!r} (expected one of {', '.join(SEVERITIES)})",
                    )
                    continue
                offset = raw.get("offset_minutes")
                if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
                    bad(
                        where,
                        "offset_minutes",
                        f"offset_minutes must be a whole number >= 0, got {offset!r}",
                    )
                    continue
                targets = raw.get("targets")
                if (
                    not isinstance(targets, list)
                    or not targets
                    or not all(isinstance(t, str) for t in targets)
                ):
                    bad(where, "targets", "targets must be a non-empty list of role names")
                    continue
                derived = raw.get("derived")
                rules.append(
                    Rule(sev, offset, tuple(targets), str(derived) if derived else None, where[""])
                )

        from console.model.schedule_file import parse_schedule

        schedules = {}
        for entry, where in self.schedules.values():
            schedule = parse_schedule(entry, where, problems)
            if schedule is not None:
                schedules[schedule.team] = schedule

        meta = dict(self.meta)
        meta.pop("replace", None)
        org = Org(
            meta=meta,
            layers=built["layers"],
            team_types=built["team_types"],
            severities={s: severities[s] for s in SEVERITIES if s in severities},
            domains=built["domains"],
            escalation=tuple(sorted(rules, key=lambda r: (r.severity, r.offset_minutes))),
            patterns=built["patterns"],
            maturity=tuple(sorted(built["maturity"].values(), key=lambda m: m.level)),
            principles=tuple(sorted(built["principles"].values(), key=lambda p: p.id)),
            practice=tuple(sorted(built["practice"].values(), key=lambda p: p.step)),
            conditions=tuple(built["conditions"].values()),
            roles=built["roles"],
            teams=built["teams"],
            people=built["people"],
            services=built["services"],
            sources=tuple(self.sources),
            schedules=schedules,
            extra=self.extra,
            origins=self.where,
        )
        _check_references(org, self, bad)
        return org


def _schedule_where(name: str, index: LineIndex, i: int, layer_headers: list[int]):
    """file:line inside schedule entry `i`; its [[schedules.layers]] headers are the
    file's `layer_headers` (numbered across the whole file by the scanner)."""

    def where(*path) -> str:
        if (
            len(path) >= 2
            and path[0] == "layers"
            and isinstance(path[1], int)
            and path[1] < len(layer_headers)
        ):
            line = index.line("schedules", "layers", layer_headers[path[1]], *path[2:])
            return f"{name}:{line}"
        return f"{name}:{index.line('schedules', i, *path)}"

    return where


_LISTS = {
    "responsibilities",
    "traits",
    "practices",
    "people",
    "teams",
    "domains",
    "targets",
    "actions",
    "addresses",
}
PRACTICE_ADDRESSES = ("target", "mttr", "mis_escalation", "coordination", "prevention")


def _build_entry(section, raw, where, bad):
    cls = _TYPES.get(section)
    if cls is None:
        return None
    known = {f.name for f in fields(cls)} - {"where"}
    if section == "patterns":
        known |= {"moves"}
    ok = True
    for k in sorted(set(raw) - known):
        # Reported (so loading fails) but the entry is kept, so one typo is one problem
        # rather than a cascade of "unknown team" errors blamed on other files.
        bad(
            where, k, f"unknown key {k!r} in {section} (expected one of {', '.join(sorted(known))})"
        )
    raw = {k: v for k, v in raw.items() if k in known}
    required = [f.name for f in fields(cls) if f.name != "where" and f.required]
    for k in required:
        if k not in raw:
            bad(where, "", f"{section} entry {raw.get(KEYED[section])!r} has no {k!r}")
            ok = False
    if not ok:
        return None
    values: dict[str, Any] = {}  # the keyword arguments of `cls`, one type per field
    for k, v in raw.items():
        if k in _LISTS:
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                bad(where, k, f"{k} must be a list of strings")
                return None
            values[k] = tuple(v)
        else:
            values[k] = v
    if section == "patterns":
        coordinator = values.get("coordinator", {})
        if not isinstance(coordinator, dict):
            bad(
                where,
                "coordinator",
                'coordinator must be a table like { SEV1 = "role", SEV2 = "role" }',
            )
            return None
        moves = []
        for m in values.get("moves", []) or []:
            if not isinstance(m, dict) or set(m) != {"severity", "role", "offset_minutes"}:
                bad(
                    where,
                    "moves",
                    'each move must be { severity = "SEVn", role = "name", offset_minutes = N }',
                )
                return None
            moves.append(Move(str(m["severity"]), str(m["role"]), m["offset_minutes"]))
        values["moves"] = tuple(moves)
    if section == "practice":
        if not isinstance(values.get("step"), int) or isinstance(values.get("step"), bool):
            bad(where, "step", "step must be a whole number")
            return None
        unknown = [a for a in values.get("addresses", ()) if a not in PRACTICE_ADDRESSES]
        if unknown:
            bad(
                where,
                "addresses",
                f"practice step {values['step']}: unknown {', '.join(map(repr, unknown))} in "
                f"addresses (expected {', '.join(PRACTICE_ADDRESSES)})",
            )
            return None
    if section == "maturity":
        if not isinstance(values.get("level"), int) or isinstance(values.get("level"), bool):
            bad(where, "level", "level must be a whole number")
            return None
        for k in BAND_FIELDS:
            if k in values:
                band = _band(values[k])
                if band is None:
                    bad(
                        where,
                        k,
                        f"{k} must be {{ from = A, to = B }} (A <= B), {{ below = X }} "
                        f"or {{ above = X }} with numbers, got {values[k]!r}",
                    )
                    return None
                values[k] = band
    values["where"] = where[""]
    return cls(**values)


def _band(raw) -> Band | None:
    if not isinstance(raw, dict) or not raw:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw.values()):
        return None
    keys = set(raw)
    if keys == {"from", "to"} and raw["from"] <= raw["to"]:
        return Band(float(raw["from"]), float(raw["to"]))
    if keys == {"below"}:
        return Band(high=float(raw["below"]))
    if keys == {"above"}:
        return Band(low=float(raw["above"]))
    return None


def _check_references(org: Org, merged: _Merged, bad) -> None:
    """Every cross-reference must resolve; each problem names its file:line."""
    mw = merged.meta_where
    if org.meta.get("pattern") not in org.patterns:
        bad(
            mw,
            "pattern",
            f"unknown pattern {org.meta.get('pattern')!r} (expected one of {', '.join(sorted(org.patterns))})",
        )
    for t in REQUIRED_TEAM_TYPES:
        if t not in org.team_types:
            bad(
                {"": org.sources[-1] + ":1"},
                "",
                f"team type {t!r} is missing (the model needs {', '.join(REQUIRED_TEAM_TYPES)})",
            )
    for sev_id in SEVERITIES:
        if sev_id not in org.severities:
            bad(
                {"": org.sources[-1] + ":1"},
                "",
                f"severity {sev_id!r} is missing from the severity matrix",
            )
    W = merged.where
    for sev in org.severities.values():
        for t in sev.roles:
            if t not in org.team_types:
                bad(
                    W["severities"][sev.id],
                    t,
                    f"unknown team type {t!r} in the severity matrix (expected one of {', '.join(org.team_types)})",
                )
    for d in org.domains.values():
        w = W["domains"][d.id]
        if d.layer and d.layer not in org.layers:
            bad(
                w,
                "layer",
                f'domain {d.id!r}: unknown layer {d.layer!r} (expected one of {", ".join(org.layers)} or "" for cross-cutting)',
            )
        for k in ("first", "second", "final"):
            if getattr(d, k) not in org.team_types:
                bad(
                    w,
                    k,
                    f"domain {d.id!r}: unknown team type {getattr(d, k)!r} for {k} (expected one of {', '.join(org.team_types)})",
                )
    for rule in org.escalation:
        for target in rule.targets:
            if target not in org.roles:
                problems_where = {"": rule.where}
                bad(
                    problems_where,
                    "",
                    f"{rule.severity} +{rule.offset_minutes}min: unknown role {target!r} (expected one of {', '.join(sorted(org.roles))})",
                )
    for p in org.patterns.values():
        w = W["patterns"][p.id]
        for sev_id, role in p.coordinator.items():
            if sev_id not in SEVERITIES:
                bad(w, "coordinator", f"pattern {p.id!r}: unknown severity {sev_id!r}")
            if role not in org.roles:
                bad(
                    w,
                    "coordinator",
                    f"pattern {p.id!r}: coordinator role {role!r} is not a known role",
                )
        for m in p.moves:
            if m.severity not in SEVERITIES:
                bad(w, "moves", f"pattern {p.id!r}: unknown severity {m.severity!r}")
            if m.role not in org.roles:
                bad(w, "moves", f"pattern {p.id!r}: unknown role {m.role!r}")
            if not isinstance(m.offset_minutes, int) or m.offset_minutes < 0:
                bad(
                    w,
                    "moves",
                    f"pattern {p.id!r}: offset_minutes must be a whole number >= 0, got {m.offset_minutes!r}",
                )
    for r in org.roles.values():
        w = W["roles"][r.id]
        if r.rule is not None:
            kind, _, arg = r.rule.partition(":")
            if kind not in RULES:
                bad(
                    w,
                    "rule",
                    f"role {r.id!r}: unknown rule {r.rule!r} (expected one of responsible_team, responsible_manager, involved_leads:TYPE, involved_on_call:TYPE)",
                )
            elif kind.startswith("involved") and arg not in org.team_types:
                bad(w, "rule", f"role {r.id!r}: rule {r.rule!r} names unknown team type {arg!r}")
        for person in r.people:
            if person not in org.people:
                bad(w, "people", f"role {r.id!r}: unknown person {person!r}")
        for team in r.teams:
            if team not in org.teams:
                bad(w, "teams", f"role {r.id!r}: unknown team {team!r}")
        if not r.people and not r.teams:
            # Blame the file that emptied the list, if one did (an override of a default role).
            key = "people" if "people" in w else "teams" if "teams" in w else ""
            bad(
                w,
                key,
                f"role {r.id!r} resolves to nobody: give it people or teams (the fallback when its rule finds no one)",
            )
    for tm in org.teams.values():
        w = W["teams"][tm.id]
        if tm.type not in org.team_types:
            bad(
                w,
                "type",
                f"team {tm.id!r}: unknown team type {tm.type!r} (expected one of {', '.join(org.team_types)})",
            )
        for domain_id in tm.domains:
            if domain_id not in org.domains:
                bad(
                    w,
                    "domains",
                    f"team {tm.id!r}: unknown domain {domain_id!r} (expected one of {', '.join(org.domains)})",
                )
        for k in ("on_call", "lead", "manager"):
            person = getattr(tm, k)
            if person and person not in org.people:
                bad(w, k, f"team {tm.id!r}: {k} {person!r} is not a known person")
    for sched in org.schedules.values():
        where = merged.schedules[sched.team][1]
        if sched.team not in org.teams:
            bad({"": where("team")}, "", f"schedule for unknown team {sched.team!r}")
        for j, layer in enumerate(sched.layers):
            for person in layer.members:
                if person not in org.people:
                    bad(
                        {"": where("layers", j, "members")},
                        "",
                        f"schedule {sched.team!r} layer {layer.name!r}: unknown person {person!r}",
                    )
    for who in org.people.values():
        if who.team and who.team not in org.teams:
            bad(W["people"][who.id], "team", f"person {who.id!r}: unknown team {who.team!r}")
    for s in org.services.values():
        w = W["services"][s.id]
        if s.layer not in org.layers:
            bad(
                w,
                "layer",
                f"service {s.id!r}: unknown layer {s.layer!r} (expected one of {', '.join(org.layers)})",
            )
        if s.domain not in org.domains:
            bad(
                w,
                "domain",
                f"service {s.id!r}: unknown domain {s.domain!r} (expected one of {', '.join(org.domains)})",
            )
        if not s.owner:
            bad(w, "", f"service {s.id!r} has no owner (expected the id of a team)")
        elif s.owner not in org.teams:
            bad(w, "owner", f"service {s.id!r}: unknown owner team {s.owner!r}")
    levels = [m.level for m in org.maturity]
    if levels != [1, 2, 3, 4]:
        bad({"": org.sources[-1] + ":1"}, "", f"maturity levels must be 1-4, got {levels}")
    target_level = org.meta.get("target_level")
    if target_level is not None and (
        not isinstance(target_level, int)
        or isinstance(target_level, bool)
        or target_level not in levels
    ):
        bad(
            mw,
            "target_level",
            f"target_level must be one of the maturity levels {levels}, got {target_level!r}",
        )
