"""Paging configuration from the org file: `[[channels]]` (where pages go) and
`[notify]` (how hard to chase), validated with file:line like the rest of the org.

Secrets are never in the file: a channel names them (`routing_key_secret`,
`url_secret`, `token_secret`) and console/notify looks them up in the keyring.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from console.model.backoff import Backoff
from console.model.check import Finding, check
from console.model.errors import OrgError
from console.model.org import EXTRA_SECTIONS, SEVERITIES, Org
from console.model.updates import UpdatePolicy, parse_updates

EXTRA_SECTIONS.update({"channels", "notify"})

RETRY_AFTER_CAP = 3600.0  # a receiver's Retry-After is honoured up to an hour

CHANNEL_TYPES = ("webhook", "slack", "pagerduty")
PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"
SECRET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}\Z")

_CHANNEL_KEYS = {
    "id": "a short name used in events and on the board",
    "type": "webhook | slack | pagerduty",
    "description": "free text",
    "url": "a plain http(s) URL without a token (webhook; pagerduty endpoint override)",
    "url_secret": "keyring name of a URL that carries a token (slack, webhook)",
    "routing_key_secret": "keyring name of the PagerDuty integration key",
    "token_secret": "keyring name of a bearer token (webhook)",
    "people": "person ids paged through this channel",
    "teams": "team ids whose members are paged through this channel",
    "roles": "escalation roles paged through this channel",
    "nudges": "true: commander nudges go here too",
    "stakeholders": "true: stakeholder updates go here (not pagerduty)",
    "timeout_seconds": "HTTP timeout",
}

_SEVERITY_KEYS = ("page", "renotify_minutes", "repeats", "escalate_early_minutes")
_NOTIFY_KEYS = {
    "severity_confirm_minutes",
    "no_commander_minutes",
    "nudge_repeat_minutes",
    "status_update_minutes",
    "retry_base_seconds",
    "retry_max_seconds",
    "failing_after",
    "catch_up_after_seconds",
    "adopt_after_minutes",
    "placeholder_commanders",
    *_SEVERITY_KEYS,
    *SEVERITIES,
}


@dataclass(frozen=True)
class ChannelConfig:
    id: str
    type: str
    url: str = ""
    url_secret: str = ""
    routing_key_secret: str = ""
    token_secret: str = ""
    people: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    nudges: bool = False
    stakeholders: bool = False
    timeout_seconds: float = 10.0
    description: str = ""
    where: str = ""

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.url_secret, self.routing_key_secret, self.token_secret) if s)

    @property
    def endpoint(self) -> str:
        """The plain URL, if the URL is not a secret (PagerDuty has a public default)."""
        if self.url:
            return self.url
        return PAGERDUTY_URL if self.type == "pagerduty" else ""

    def supports(self, kind: str) -> bool:
        """Which message kinds mean something to this channel type."""
        if kind == "acknowledge":
            return self.type in ("pagerduty", "webhook")
        return True


@dataclass(frozen=True)
class SeverityPaging:
    page: bool = True
    renotify_minutes: float = 10
    repeats: int = 2
    escalate_early_minutes: float = 0  # 0: only when the next step falls due


DEFAULT_SEVERITY_PAGING = {
    "SEV1": SeverityPaging(True, 5, 3, 10),
    "SEV2": SeverityPaging(True, 10, 2, 10),
    "SEV3": SeverityPaging(True, 15, 1, 20),
    "SEV4": SeverityPaging(True, 30, 0, 0),
    "SEV5": SeverityPaging(True, 30, 0, 0),
}


@dataclass(frozen=True)
class NotifyPolicy:
    severities: dict[str, SeverityPaging] = field(
        default_factory=lambda: dict(DEFAULT_SEVERITY_PAGING)
    )
    severity_confirm_minutes: float = 5
    no_commander_minutes: float = 5
    nudge_repeat_minutes: float = 15
    status_update_minutes: float = 30
    retry_base_seconds: float = 15
    retry_max_seconds: float = 300
    failing_after: int = 3
    catch_up_after_seconds: float = 90
    adopt_after_minutes: float = 15  # a page queued on another database, never delivered (0: off)
    # who holds the commander role before a person does (an alert declares as its source)
    placeholder_commanders: tuple[str, ...] = (
        "",
        "commander",
        "escalation-bot",
        "unknown",
        "alertmanager",
        "grafana",
    )

    def for_severity(self, severity: str) -> SeverityPaging:
        return self.severities.get(severity, SeverityPaging())

    @property
    def backoff(self) -> Backoff:
        return Backoff(self.retry_base_seconds, self.retry_max_seconds, RETRY_AFTER_CAP)


@dataclass(frozen=True)
class PagingConfig:
    channels: dict[str, ChannelConfig]
    policy: NotifyPolicy
    updates: UpdatePolicy = field(default_factory=UpdatePolicy)

    @property
    def enabled(self) -> bool:
        return bool(self.channels)


# ------------------------------------------------------------------ parsing


def url_problem(url: object) -> str | None:
    """None when `url` is a usable http(s) URL, else what is wrong with it, in words
    that never quote it: the URL may be a secret."""
    if not isinstance(url, str) or not url.strip():
        return "empty URL"
    if any(ch.isspace() for ch in url):
        return "contains whitespace"
    if not url.isprintable():
        return "contains a control character"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "bad host or port"
    if parts.scheme not in ("http", "https"):
        return "expected http:// or https://"
    if not parts.hostname:
        return "no host"
    return None


def check_url(url: object) -> str | None:
    """None when `url` (from the org file, so it may be quoted) is a usable http(s) URL,
    else what is wrong with it."""
    problem = url_problem(url)
    if problem is None or problem == "empty URL":
        return problem
    return f"malformed URL {url!r} ({problem})"


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _where_of(org: Org, section: str):
    name, index = org.extra.get("__where__", {}).get(section, ("<org>", None))

    def where(*path) -> str:
        return f"{name}:{index.line(section, *path) if index else 1}"

    return where


def channel_where(org: Org, channel_id: str, key: str | None = None) -> str:
    """file:line of a channel entry (or one of its keys)."""
    raw = org.extra.get("channels")
    where = _where_of(org, "channels")
    for i, entry in enumerate(raw if isinstance(raw, list) else []):
        if isinstance(entry, dict) and entry.get("id") == channel_id:
            return where(i, key) if key else where(i)
    return where()


def parse_channels(org: Org) -> tuple[dict[str, ChannelConfig], list[Finding]]:
    raw = org.extra.get("channels")
    where = _where_of(org, "channels")
    findings: list[Finding] = []

    def bad(w: str, msg: str, level: str = "error") -> None:
        findings.append(Finding(level, w, msg))

    if raw is None:
        return {}, []
    if not isinstance(raw, list):
        bad(where(), "'channels' must be an array of tables ([[channels]])")
        return {}, findings
    out: dict[str, ChannelConfig] = {}
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict):
            bad(where(i), "each [[channels]] entry must be a table")
            continue
        w = lambda key=None, i=i: where(i, key) if key else where(i)  # noqa: E731
        ok = True
        for key in sorted(set(entry) - set(_CHANNEL_KEYS)):
            bad(
                w(key),
                f"unknown key {key!r} in [[channels]] (expected one of {', '.join(_CHANNEL_KEYS)})",
            )
            ok = False
        ident = entry.get("id")
        if not isinstance(ident, str) or not SECRET_NAME.match(ident or ""):
            bad(
                w("id" if "id" in entry else None),
                f"channel needs an id of letters, digits, _ . - (got {ident!r})",
            )
            continue
        if ident in out:
            bad(w("id"), f"channel {ident!r} is defined twice (first at {out[ident].where})")
            continue
        kind = entry.get("type")
        if kind not in CHANNEL_TYPES:
            bad(
                w("type" if "type" in entry else None),
                f"channel {ident!r}: unknown type {kind!r} (expected one of {', '.join(CHANNEL_TYPES)})",
            )
            continue
        for key in ("url_secret", "routing_key_secret", "token_secret"):
            value = entry.get(key)
            if value is not None and (not isinstance(value, str) or not SECRET_NAME.match(value)):
                bad(
                    w(key),
                    f"channel {ident!r}: {key} must name a secret (letters, digits, _ . -), got {value!r}",
                )
                ok = False
        url = entry.get("url")
        if url is not None:
            problem = check_url(url)
            if problem:
                bad(w("url"), f"channel {ident!r}: {problem}")
                ok = False
            elif not is_loopback(url) and urlsplit(url).scheme == "http":
                bad(
                    w("url"),
                    f"channel {ident!r}: {url} is plain http; pages would travel unencrypted",
                    "warning",
                )
            elif kind == "slack":
                bad(
                    w("url"),
                    f"channel {ident!r}: a Slack webhook URL carries its token; store it with "
                    '`incident-console secret set NAME` and use url_secret = "NAME"',
                )
                ok = False
        if kind == "pagerduty" and not entry.get("routing_key_secret"):
            bad(
                w(),
                f'channel {ident!r}: a pagerduty channel needs routing_key_secret = "NAME" '
                "(the integration key, stored with `incident-console secret set NAME`)",
            )
            ok = False
        if kind == "slack" and not entry.get("url_secret"):
            bad(
                w(),
                f'channel {ident!r}: a slack channel needs url_secret = "NAME" (the incoming webhook URL)',
            )
            ok = False
        if kind == "webhook" and not (entry.get("url") or entry.get("url_secret")):
            bad(
                w(),
                f'channel {ident!r}: a webhook channel needs url = "https://..." or url_secret = "NAME"',
            )
            ok = False
        lists = {}
        for key, known, label in (
            ("people", org.people, "person"),
            ("teams", org.teams, "team"),
            ("roles", org.roles, "role"),
        ):
            value = entry.get(key, [])
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                bad(w(key), f"channel {ident!r}: {key} must be a list of {label} ids")
                ok = False
                continue
            for x in value:
                if x not in known:
                    bad(w(key), f"channel {ident!r}: unknown {label} {x!r}{_close(x, known)}")
                    ok = False
            lists[key] = tuple(value)
        nudges = entry.get("nudges", False)
        if not isinstance(nudges, bool):
            bad(w("nudges"), f"channel {ident!r}: nudges must be true or false")
            ok = False
        stakeholders = entry.get("stakeholders", False)
        if not isinstance(stakeholders, bool):
            bad(w("stakeholders"), f"channel {ident!r}: stakeholders must be true or false")
            ok = False
        elif stakeholders and kind == "pagerduty":
            bad(
                w("stakeholders"),
                f"channel {ident!r}: stakeholder updates go to chat or webhooks, never to a pager",
            )
            ok = False
        timeout = entry.get("timeout_seconds", 10.0)
        if (
            isinstance(timeout, bool)
            or not isinstance(timeout, (int, float))
            or not 0 < timeout <= 120
        ):
            bad(
                w("timeout_seconds"),
                f"channel {ident!r}: timeout_seconds must be a number in (0, 120]",
            )
            ok = False
        if not ok:
            continue
        if not any(lists.values()) and not nudges and not stakeholders:
            bad(
                w(),
                f"channel {ident!r} is mapped to nobody: give it people, teams, roles or nudges = true",
                "warning",
            )
        out[ident] = ChannelConfig(
            id=ident,
            type=kind,
            url=url or "",
            url_secret=entry.get("url_secret", ""),
            routing_key_secret=entry.get("routing_key_secret", ""),
            token_secret=entry.get("token_secret", ""),
            nudges=nudges,
            stakeholders=stakeholders,
            timeout_seconds=float(timeout),
            description=str(entry.get("description", "")),
            where=w(),
            **lists,
        )
    return out, findings


def _close(word: str, choices) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=2)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _number(value, minimum: float, integer: bool = False) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if integer and not isinstance(value, int):
        return False
    return value >= minimum


def parse_policy(org: Org) -> tuple[NotifyPolicy, list[Finding]]:
    raw = org.extra.get("notify")
    where = _where_of(org, "notify")
    findings: list[Finding] = []
    if raw is None:
        return NotifyPolicy(), []
    if not isinstance(raw, dict):
        return NotifyPolicy(), [Finding("error", where(), "[notify] must be a table")]

    def bad(w: str, msg: str) -> None:
        findings.append(Finding("error", w, msg))

    for key in sorted(set(raw) - _NOTIFY_KEYS):
        bad(
            where(key),
            f"unknown key {key!r} in [notify] (expected one of "
            f"{', '.join(sorted(_NOTIFY_KEYS - set(SEVERITIES)))} or a [notify.SEVn] table)",
        )
    values: dict = {}
    for key in (
        "severity_confirm_minutes",
        "no_commander_minutes",
        "nudge_repeat_minutes",
        "status_update_minutes",
        "retry_base_seconds",
        "retry_max_seconds",
        "catch_up_after_seconds",
        "adopt_after_minutes",
    ):
        if key in raw:
            if _number(raw[key], 0):
                values[key] = float(raw[key])
            else:
                bad(where(key), f"{key} must be a number >= 0 (0 turns it off), got {raw[key]!r}")
    if "failing_after" in raw:
        if _number(raw["failing_after"], 1, integer=True):
            values["failing_after"] = raw["failing_after"]
        else:
            bad(
                where("failing_after"),
                f"failing_after must be a whole number >= 1, got {raw['failing_after']!r}",
            )
    if "placeholder_commanders" in raw:
        value = raw["placeholder_commanders"]
        if isinstance(value, list) and all(isinstance(x, str) for x in value):
            values["placeholder_commanders"] = tuple(value)
        else:
            bad(where("placeholder_commanders"), "placeholder_commanders must be a list of names")

    def severity_values(table: dict, path: tuple) -> dict:
        out = {}
        for key in _SEVERITY_KEYS:
            if key not in table:
                continue
            value = table[key]
            if key == "page":
                ok, expected = isinstance(value, bool), "true or false"
            elif key == "repeats":
                ok, expected = _number(value, 0, integer=True), "a whole number >= 0"
            else:
                ok, expected = _number(value, 0), "a number of minutes >= 0 (0 turns it off)"
            if ok:
                out[key] = value
            else:
                bad(where(*path, key), f"{key} must be {expected}, got {value!r}")
        return out

    overall = severity_values(raw, ())
    severities = {}
    for sev in SEVERITIES:
        table = raw.get(sev, {})
        if not isinstance(table, dict):
            bad(where(sev), f"[notify.{sev}] must be a table")
            table = {}
        for key in sorted(set(table) - set(_SEVERITY_KEYS)):
            bad(
                where(sev, key),
                f"unknown key {key!r} in [notify.{sev}] (expected one of {', '.join(_SEVERITY_KEYS)})",
            )
        merged = {
            **DEFAULT_SEVERITY_PAGING[sev].__dict__,
            **overall,
            **severity_values(table, (sev,)),
        }
        severities[sev] = SeverityPaging(**merged)
    return NotifyPolicy(severities=severities, **values), findings


def paging_config(org: Org) -> PagingConfig:
    """The validated configuration; raises OrgError with every problem (file:line)."""
    channels, findings = parse_channels(org)
    policy, more = parse_policy(org)
    updates, told = parse_updates(org, channels)
    problems = (*findings, *more, *told)
    errors = [f"{f.where}: {f.message}" for f in problems if f.level == "error"]
    if errors:
        raise OrgError(errors)
    return PagingConfig(channels, policy, updates)


@check
def channels_are_valid(org: Org) -> list[Finding]:
    """Structure, URLs and references of [[channels]] and [notify] (secrets: console.notify)."""
    channels, findings = parse_channels(org)
    _, more = parse_policy(org)
    _, told = parse_updates(org, channels)
    return list(dict.fromkeys([*findings, *more, *told]))


def secret_references(org: Org) -> list[tuple[str, str, str, str]]:
    """(channel id, key, secret name, file:line) for every secret a channel entry names,
    valid entry or not, so a missing secret is reported alongside the other problems."""
    raw = org.extra.get("channels")
    where = _where_of(org, "channels")
    out = []
    for i, entry in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(entry, dict):
            continue
        for key in ("url_secret", "routing_key_secret", "token_secret"):
            name = entry.get(key)
            if isinstance(name, str) and SECRET_NAME.match(name):
                out.append((str(entry.get("id")), key, name, where(i, key)))
    return out
