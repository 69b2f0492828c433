"""What monitoring and the paging tool send us, read as hostile input: every field is
checked for type and size, and a payload that does not fit says why in one line (the
receiver answers 4xx with it and writes nothing).

Shapes, as documented by their makers:
- Prometheus Alertmanager webhook, version "4": groupKey, status, receiver, groupLabels,
  commonLabels, commonAnnotations, externalURL, truncatedAlerts, alerts[] of status,
  labels, annotations, startsAt, endsAt, generatorURL, fingerprint.
- Grafana alerting webhook: the same, plus orgId, and per alert silenceURL, values,
  dashboardURL, panelURL (its version is "1").
- PagerDuty webhooks v3: {"event": {id, event_type, resource_type, occurred_at, agent,
  data: {id, html_url, status, incident_key, ...}}}.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from console.model.clock import iso

MAX_BODY_BYTES = 1024 * 1024  # one notification; Alertmanager caps its alerts, so do we
MAX_ALERTS = 500  # one notification's alerts (Alertmanager's max_alerts caps it too)
MAX_LABELS = 64
MAX_LABEL_VALUE = 1000
MAX_ANNOTATION = 4000
MAX_URL = 2000
MAX_GROUP_KEY = 2000
MAX_FINGERPRINT = 128
GROUP_PREFIX = "ALG-"

_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}\Z")
_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)


class PayloadError(ValueError):
    """The payload does not fit its shape; the message says where and why."""


@dataclass(frozen=True)
class Alert:
    status: str
    fingerprint: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: str | None
    ends_at: str | None
    generator_url: str
    silence_url: str = ""
    values: dict[str, float] | None = None

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "")

    @property
    def summary(self) -> str:
        a = self.annotations
        return a.get("summary") or a.get("description") or a.get("message") or ""


@dataclass(frozen=True)
class AlertGroup:
    source: str  # alertmanager | grafana
    group_key: str
    status: str
    receiver: str
    common_labels: dict[str, str]
    common_annotations: dict[str, str]
    alerts: tuple[Alert, ...]

    @property
    def group_id(self) -> str:
        return group_id(self.source, self.group_key)

    @property
    def name(self) -> str:
        return self.common_labels.get("alertname") or (self.alerts[0].name if self.alerts else "")


def group_id(source: str, group_key: str) -> str:
    """The aggregate id of an alert group: stable on every console, and never an
    incident id (the board only lists aggregates that were declared)."""
    digest = hashlib.sha256(f"{source}\0{group_key}".encode()).hexdigest()
    return f"{GROUP_PREFIX}{digest[:20]}"


def is_group_id(aggregate_id: str) -> bool:
    return aggregate_id.startswith(GROUP_PREFIX)


# ------------------------------------------------------------------ pieces


def _str(value: Any, where: str, limit: int, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise PayloadError(f"{where} must be a string")
    if required and not value:
        raise PayloadError(f"{where} must not be empty")
    if len(value) > limit:
        raise PayloadError(f"{where} is longer than {limit} characters")
    return value


def _strings(value: Any, where: str, limit: int, *, names: bool = True) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PayloadError(f"{where} must be an object of strings")
    if len(value) > MAX_LABELS:
        raise PayloadError(f"{where} has more than {MAX_LABELS} entries")
    out = {}
    for key, item in value.items():
        if names and not _LABEL.match(key):
            raise PayloadError(f"{where}: {key[:40]!r} is not a label name")
        if not names and not 0 < len(key) <= 128:
            raise PayloadError(f"{where}: a key must be 1-128 characters")
        out[key] = _str(item, f"{where}.{key}", limit, required=False)
    return out


def _time(value: Any, where: str) -> str | None:
    """RFC 3339 as Go writes it (up to nanoseconds); Go's zero time means unset."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 64:
        raise PayloadError(f"{where} must be an RFC 3339 time string")
    m = _RFC3339.match(value)
    if not m:
        raise PayloadError(f"{where} is not an RFC 3339 time: {value[:40]!r}")
    date, clock, frac, zone = m.groups()
    if date.startswith("0001-"):
        return None
    frac = (frac or "")[:7]  # microseconds at most
    zone = "+00:00" if zone in ("Z", "z") else zone
    try:
        dt = datetime.fromisoformat(f"{date}T{clock}{frac}{zone}")
    except ValueError:
        raise PayloadError(f"{where} is not a real time: {value[:40]!r}") from None
    return iso(dt.astimezone(UTC))


def _url(value: Any, where: str) -> str:
    """Links are kept only when they are plain http(s): a link is shown, never followed."""
    text = _str(value, where, MAX_URL)
    if text and not re.match(r"^https?://[^\s]+$", text):
        return ""
    return text


def _values(value: Any, where: str) -> dict[str, float] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > 32:
        raise PayloadError(f"{where} must be an object of at most 32 numbers")
    out = {}
    for key, item in value.items():
        if not 0 < len(key) <= 128:
            raise PayloadError(f"{where}: a key must be 1-128 characters")
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise PayloadError(f"{where}.{key} must be a number")
        if item != item or item in (float("inf"), float("-inf")):
            raise PayloadError(f"{where}.{key} must be a finite number")
        out[key] = float(item)
    return out


def _status(value: Any, where: str) -> str:
    if value not in ("firing", "resolved"):
        raise PayloadError(f'{where} must be "firing" or "resolved"')
    return value


# ------------------------------------------------------------------ monitoring


def parse_alert_group(data: Any, source: str) -> AlertGroup:
    """An Alertmanager (version "4") or Grafana webhook body, checked."""
    if not isinstance(data, dict):
        raise PayloadError("the body must be a JSON object")
    if source == "alertmanager":
        if data.get("version") != "4":
            raise PayloadError(
                f'version must be "4" (the Alertmanager webhook format), got {data.get("version")!r:.40}'
            )
    else:
        org_id = data.get("orgId")
        if isinstance(org_id, bool) or not isinstance(org_id, int):
            raise PayloadError("orgId must be a number (the Grafana alerting webhook format)")
    group_key = _str(data.get("groupKey"), "groupKey", MAX_GROUP_KEY, required=True)
    status = _status(data.get("status"), "status")
    receiver = _str(data.get("receiver"), "receiver", 200)
    common = _strings(data.get("commonLabels"), "commonLabels", MAX_LABEL_VALUE)
    annotations = _strings(
        data.get("commonAnnotations"), "commonAnnotations", MAX_ANNOTATION, names=False
    )
    raw = data.get("alerts")
    if not isinstance(raw, list) or not raw:
        raise PayloadError("alerts must be a non-empty array")
    if len(raw) > MAX_ALERTS:
        raise PayloadError(f"alerts has more than {MAX_ALERTS} entries")
    alerts = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"alerts[{i}]"
        if not isinstance(item, dict):
            raise PayloadError(f"{where} must be an object")
        fingerprint = _str(
            item.get("fingerprint"), f"{where}.fingerprint", MAX_FINGERPRINT, required=True
        )
        if fingerprint in seen:
            raise PayloadError(f"{where}.fingerprint repeats {fingerprint[:40]!r}")
        seen.add(fingerprint)
        alerts.append(
            Alert(
                status=_status(item.get("status"), f"{where}.status"),
                fingerprint=fingerprint,
                labels=_strings(item.get("labels"), f"{where}.labels", MAX_LABEL_VALUE),
                annotations=_strings(
                    item.get("annotations"), f"{where}.annotations", MAX_ANNOTATION, names=False
                ),
                starts_at=_time(item.get("startsAt"), f"{where}.startsAt"),
                ends_at=_time(item.get("endsAt"), f"{where}.endsAt"),
                generator_url=_url(item.get("generatorURL"), f"{where}.generatorURL"),
                silence_url=_url(item.get("silenceURL"), f"{where}.silenceURL"),
                values=_values(item.get("values"), f"{where}.values"),
            )
        )
    return AlertGroup(source, group_key, status, receiver, common, annotations, tuple(alerts))


# ------------------------------------------------------------------ the paging tool


@dataclass(frozen=True)
class PagerEvent:
    id: str
    event_type: str
    incident_key: str
    agent_id: str
    agent_name: str
    agent_email: str  # only when the body carries one: v3's agent reference has none
    tool_incident: str
    url: str


PAGER_EVENT_TYPES = ("incident.acknowledged", "incident.resolved", "incident.reassigned")


def parse_pager_event(data: Any) -> PagerEvent:
    """A PagerDuty v3 webhook body, checked."""
    if not isinstance(data, dict) or not isinstance(data.get("event"), dict):
        raise PayloadError('the body must be {"event": {...}} (PagerDuty webhooks v3)')
    event = data["event"]
    event_type = _str(event.get("event_type"), "event.event_type", 100, required=True)
    event_id = _str(event.get("id"), "event.id", 200)
    agent = event.get("agent") or {}
    if not isinstance(agent, dict):
        raise PayloadError("event.agent must be an object or null")
    body = event.get("data")
    if not isinstance(body, dict):
        raise PayloadError("event.data must be an object")
    return PagerEvent(
        id=event_id,
        event_type=event_type,
        incident_key=_str(body.get("incident_key"), "event.data.incident_key", 400),
        agent_id=_str(agent.get("id"), "event.agent.id", 200),
        agent_name=_str(agent.get("summary"), "event.agent.summary", 200),
        agent_email=_str(agent.get("email"), "event.agent.email", 320),
        tool_incident=_str(body.get("id"), "event.data.id", 200),
        url=_url(body.get("html_url"), "event.data.html_url"),
    )
