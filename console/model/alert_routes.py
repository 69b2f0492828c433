"""Alert routing from the org file: `[alerts]` (thresholds, severity mapping, debounce,
the PagerDuty signing secret's keyring name) and `[[alert_routes]]` (label matchers to a
service), validated with file:line like the rest of the org.

A route turns an alert's labels into a service of the org (and through it a layer and a
domain) and a severity; the severity decides whether the alert declares an incident,
joins an open one on the same service, or waits as unassigned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from console.model.check import Finding, check
from console.model.errors import OrgError
from console.model.org import EXTRA_SECTIONS, SEVERITIES, Org, severity_rank

EXTRA_SECTIONS.update({"alerts", "alert_routes"})

SECRET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}\Z")
LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}\Z")

DEFAULT_SEVERITY_MAP = {
    "critical": "SEV1",
    "page": "SEV2",
    "high": "SEV2",
    "error": "SEV2",
    "major": "SEV2",
    "warning": "SEV3",
    "minor": "SEV3",
    "info": "SEV4",
    "none": "SEV5",
}

_ROUTE_KEYS = {
    "match": 'labels that must equal these values, e.g. { env = "prod" }',
    "match_re": "labels that must fully match these regular expressions",
    "service": "the service of the org these alerts are about",
    "service_label": "or: the label whose value is the service id",
    "severity": "a fixed severity (SEV1-SEV5) for these alerts",
    "severity_label": "or: the label read for the severity (default from [alerts])",
    "declare_at": "this severity or worse declares an incident (default from [alerts])",
    "description": "free text",
}
_SETTINGS_KEYS = {
    "declare_at",
    "severity_label",
    "severity_map",
    "default_severity",
    "debounce_seconds",
    "pagerduty_secret",
}


@dataclass(frozen=True)
class Route:
    index: int
    match: tuple[tuple[str, str], ...] = ()
    match_re: tuple[tuple[str, re.Pattern[str]], ...] = ()
    service: str = ""
    service_label: str = ""
    severity: str = ""
    severity_label: str = ""
    declare_at: str = ""
    where: str = ""

    def matches(self, labels: dict[str, str]) -> bool:
        return all(labels.get(k) == v for k, v in self.match) and all(
            rx.fullmatch(labels.get(k, "")) for k, rx in self.match_re
        )

    @property
    def name(self) -> str:
        return f"route {self.index + 1}"


@dataclass(frozen=True)
class AlertSettings:
    declare_at: str = "SEV2"
    severity_label: str = "severity"
    severity_map: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SEVERITY_MAP))
    default_severity: str = "SEV4"
    debounce_seconds: float = 120.0
    pagerduty_secrets: tuple[str, ...] = ()


@dataclass(frozen=True)
class AlertRouting:
    settings: AlertSettings
    routes: tuple[Route, ...]

    def route(self, labels: dict[str, str], services: dict[str, Any]) -> Routed:
        """The first route that matches and names a known service decides; else the
        alert is unrouted (it waits, with the default severity)."""
        for r in self.routes:
            if not r.matches(labels):
                continue
            service = r.service or labels.get(r.service_label, "")
            if service not in services:
                continue
            return Routed(service, self._severity(r, labels), r.declare_at or "", r.name)
        return Routed(None, self._severity(None, labels), "", "")

    def _severity(self, r: Route | None, labels: dict[str, str]) -> str:
        if r is not None and r.severity:
            return r.severity
        label = (r.severity_label if r is not None else "") or self.settings.severity_label
        return severity_of(labels.get(label, ""), self.settings)

    def declares(self, routed: Routed) -> bool:
        threshold = routed.declare_at or self.settings.declare_at
        return routed.service is not None and severity_rank(routed.severity) <= severity_rank(
            threshold
        )


@dataclass(frozen=True)
class Routed:
    service: str | None
    severity: str
    declare_at: str
    route: str


def severity_of(value: str, settings: AlertSettings) -> str:
    """A label value as a severity: SEVn, n, or a word of the severity map."""
    text = (value or "").strip()
    upper = text.upper()
    if upper in SEVERITIES:
        return upper
    if text.isdigit() and f"SEV{text}" in SEVERITIES:
        return f"SEV{text}"
    return settings.severity_map.get(text.lower(), settings.default_severity)


# ------------------------------------------------------------------ parsing


def _where_of(org: Org, section: str):
    name, index = org.extra.get("__where__", {}).get(section, ("<org>", None))

    def where(*path) -> str:
        return f"{name}:{index.line(section, *path) if index else 1}"

    return where


def _severity_value(value: Any) -> bool:
    return isinstance(value, str) and value in SEVERITIES


def parse_settings(org: Org) -> tuple[AlertSettings, list[Finding]]:
    raw = org.extra.get("alerts")
    where = _where_of(org, "alerts")
    findings: list[Finding] = []
    if raw is None:
        return AlertSettings(), []
    if not isinstance(raw, dict):
        return AlertSettings(), [Finding("error", where(), "[alerts] must be a table")]

    def bad(w: str, msg: str) -> None:
        findings.append(Finding("error", w, msg))

    for key in sorted(set(raw) - _SETTINGS_KEYS):
        bad(
            where(key),
            f"unknown key {key!r} in [alerts] (expected one of {', '.join(sorted(_SETTINGS_KEYS))})",
        )
    values: dict[str, Any] = {}
    for key in ("declare_at", "default_severity"):
        if key in raw:
            if _severity_value(raw[key]):
                values[key] = raw[key]
            else:
                bad(where(key), f"{key} must be one of {', '.join(SEVERITIES)}, got {raw[key]!r}")
    if "severity_label" in raw:
        if isinstance(raw["severity_label"], str) and LABEL_NAME.match(raw["severity_label"]):
            values["severity_label"] = raw["severity_label"]
        else:
            bad(where("severity_label"), "severity_label must be a label name")
    if "debounce_seconds" in raw:
        value = raw["debounce_seconds"]
        if not isinstance(value, bool) and isinstance(value, int | float) and 0 <= value <= 86400:
            values["debounce_seconds"] = float(value)
        else:
            bad(where("debounce_seconds"), "debounce_seconds must be a number of seconds 0-86400")
    if "severity_map" in raw:
        table = raw["severity_map"]
        if not isinstance(table, dict):
            bad(where("severity_map"), "[alerts.severity_map] must be a table of word = SEVn")
        else:
            mapping = dict(DEFAULT_SEVERITY_MAP)
            for word, sev in table.items():
                if _severity_value(sev):
                    mapping[str(word).lower()] = sev
                else:
                    bad(
                        where("severity_map", word),
                        f"severity_map.{word} must be one of {', '.join(SEVERITIES)}, got {sev!r}",
                    )
            values["severity_map"] = mapping
    if "pagerduty_secret" in raw:
        value = raw["pagerduty_secret"]
        names = [value] if isinstance(value, str) else value
        if (
            isinstance(names, list)
            and names
            and all(isinstance(n, str) and SECRET_NAME.match(n) for n in names)
        ):
            values["pagerduty_secrets"] = tuple(names)
        else:
            bad(
                where("pagerduty_secret"),
                "pagerduty_secret must name a keyring secret (or a list of them, during "
                "rotation): letters, digits, _ . -",
            )
    return AlertSettings(**values), findings


def _labels(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and LABEL_NAME.match(k) and isinstance(v, str) for k, v in value.items()
    )


def parse_routes(org: Org) -> tuple[tuple[Route, ...], list[Finding]]:
    raw = org.extra.get("alert_routes")
    where = _where_of(org, "alert_routes")
    findings: list[Finding] = []
    if raw is None:
        return (), []
    if not isinstance(raw, list):
        return (), [Finding("error", where(), "'alert_routes' must be an array of tables")]

    def bad(w: str, msg: str, level: str = "error") -> None:
        findings.append(Finding(level, w, msg))

    out: list[Route] = []
    for i, entry in enumerate(raw):
        w = lambda *key, i=i: where(i, *key)  # noqa: E731
        if not isinstance(entry, dict):
            bad(w(), "each [[alert_routes]] entry must be a table")
            continue
        ok = True
        name = f"alert route {i + 1}"
        for key in sorted(set(entry) - set(_ROUTE_KEYS)):
            bad(w(key), f"{name}: unknown key {key!r} (expected one of {', '.join(_ROUTE_KEYS)})")
            ok = False
        match = entry.get("match", {})
        if not _labels(match):
            bad(w("match"), f'{name}: match must be a table of label = "value"')
            ok, match = False, {}
        match_re: list[tuple[str, re.Pattern[str]]] = []
        raw_re = entry.get("match_re", {})
        if not _labels(raw_re):
            bad(w("match_re"), f'{name}: match_re must be a table of label = "regex"')
            ok = False
        else:
            for label, pattern in raw_re.items():
                try:
                    match_re.append((label, re.compile(pattern)))
                except re.error as exc:
                    bad(w("match_re", label), f"{name}: match_re.{label} is not a regex ({exc})")
                    ok = False
        if not match and not match_re:
            bad(w(), f"{name}: give match or match_re (a route matching everything hides the rest)")
            ok = False
        service = entry.get("service", "")
        service_label = entry.get("service_label", "")
        if bool(service) == bool(service_label):
            bad(w(), f'{name}: give exactly one of service = "ID" or service_label = "LABEL"')
            ok = False
        elif service and (not isinstance(service, str) or service not in org.services):
            bad(
                w("service"),
                f"{name} matches no service: {service!r} is not a service of the org"
                f"{_close(str(service), org.services)}",
            )
            ok = False
        elif service_label and (
            not isinstance(service_label, str) or not LABEL_NAME.match(service_label)
        ):
            bad(w("service_label"), f"{name}: service_label must be a label name")
            ok = False
        elif service_label and service_label in dict(match):
            pinned = dict(match)[service_label]
            if pinned not in org.services:
                bad(
                    w("match", service_label),
                    f"{name} matches no service: it requires {service_label} = {pinned!r}, "
                    f"which is not a service of the org{_close(pinned, org.services)}",
                )
                ok = False
        for key in ("severity", "declare_at"):
            if key in entry and not _severity_value(entry[key]):
                bad(w(key), f"{name}: {key} must be one of {', '.join(SEVERITIES)}")
                ok = False
        label = entry.get("severity_label", "")
        if label and (not isinstance(label, str) or not LABEL_NAME.match(label)):
            bad(w("severity_label"), f"{name}: severity_label must be a label name")
            ok = False
        if not ok:
            continue
        out.append(
            Route(
                index=i,
                match=tuple(sorted(match.items())),
                match_re=tuple(match_re),
                service=service,
                service_label=service_label,
                severity=entry.get("severity", ""),
                severity_label=label,
                declare_at=entry.get("declare_at", ""),
                where=w(),
            )
        )
    return tuple(out), findings


def _close(word: str, choices) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=2)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def alert_routing(org: Org) -> AlertRouting:
    """The validated routing; raises OrgError with every problem (file:line)."""
    settings, findings = parse_settings(org)
    routes, more = parse_routes(org)
    errors = [f"{f.where}: {f.message}" for f in (*findings, *more) if f.level == "error"]
    if errors:
        raise OrgError(errors)
    return AlertRouting(settings, routes)


@check
def alert_routes_are_valid(org: Org) -> list[Finding]:
    """Structure of [alerts] and [[alert_routes]], and routes that match no service."""
    _, findings = parse_settings(org)
    _, more = parse_routes(org)
    return list(dict.fromkeys([*findings, *more]))
