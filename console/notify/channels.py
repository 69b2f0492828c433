"""Outbound channels: a generic JSON webhook, a Slack incoming webhook (text + blocks)
and PagerDuty Events API v2. Each renders the channel-neutral message the decision
stored and POSTs it; the outcome says whether a retry can help.

A *channel factory* (ChannelConfig -> Channel) is what the runner calls; a drill
passes its own sink so pages never reach real channels.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from console import __version__
from console.model.backoff import parse_retry_after
from console.model.channels import ChannelConfig, url_problem
from console.model.clock import iso
from console.model.paging.targets import DRILL_CHANNEL
from console.model.text import printable
from console.notify import redact, secrets

USER_AGENT = f"incident-console/{__version__}"
# PagerDuty's severity words for ours; a nudge is never more than "info".
PD_SEVERITY = {
    "SEV1": "critical",
    "SEV2": "error",
    "SEV3": "warning",
    "SEV4": "info",
    "SEV5": "info",
}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None
    detail: str = ""
    retryable: bool = True
    retry_after: float | None = None  # seconds the receiver asked us to wait (429/503 Retry-After)


class Channel(Protocol):
    config: ChannelConfig

    def send(self, message: dict, key: str, now: datetime) -> Outcome: ...


ChannelFactory = Callable[[ChannelConfig], Channel]

DRILL_CONFIG = ChannelConfig(
    id=DRILL_CHANNEL, type="webhook", description="drill sink: never a real channel"
)


# ------------------------------------------------------------------ rendering (pure)


def _escape_mrkdwn(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _said(text: str) -> str:
    """What a person reads in chat or on a pager: no raw control char (a message queued
    before the model made its texts printable may still carry one)."""
    return printable(text or "")


def render_webhook(message: dict, key: str, now: datetime) -> dict:
    """The generic webhook body: the whole message plus an envelope."""
    return {
        "version": 1,
        "source": "incident-console",
        "idempotency_key": key,
        "sent_at": iso(now),
        **message,
    }


def render_slack(message: dict, key: str, now: datetime) -> dict:
    """Slack incoming webhook: `text` (notification fallback) plus Block Kit blocks."""
    inc, kind = message["incident"], message["kind"]
    target, step = message.get("target") or {}, message.get("step")
    title = {
        "trigger": "Paging",
        "acknowledge": "Acknowledged",
        "resolve": "Resolved",
        "nudge": "Commander nudge",
        "update": "Stakeholder update",
    }.get(kind, kind)
    if kind == "nudge" and target.get("id") == "communications":
        title = "Communications nudge"
    header = _clip(_said(f"{title}: {inc['severity']} {inc['id']} {inc['title']}"), 150)
    lines = []
    if kind == "trigger":
        roles = ", ".join(target.get("roles", []))
        lines.append(f"*Paged:* {_escape_mrkdwn(target.get('name', ''))} ({_escape_mrkdwn(roles)})")
    if message.get("asked"):
        lines.append(f"*Asked of you:* {_escape_mrkdwn(_said(message['asked']))}")
    if kind == "resolve":
        lines.append("The incident is resolved; no further pages will follow.")
    if kind in ("acknowledge", "update"):
        lines.append(_escape_mrkdwn(_said(message.get("text", ""))))
    fields = [
        {
            "type": "mrkdwn",
            "text": _clip(
                f"*Severity*\n{inc['severity']} — {_escape_mrkdwn(inc.get('severity_meaning', ''))}",
                2000,
            ),
        },
        {"type": "mrkdwn", "text": f"*Status*\n{inc.get('status', '')}"},
    ]
    if step:
        rnd = message.get("round", 0)
        fields.append(
            {
                "type": "mrkdwn",
                "text": f"*Step*\n{step['key']} (page {rnd + 1} of {message.get('repeats', 0) + 1})",
            }
        )
    if inc.get("commander"):
        fields.append(
            {"type": "mrkdwn", "text": f"*Commander*\n{_escape_mrkdwn(inc['commander'])}"}
        )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": False}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": _clip("\n".join(lines) or header, 3000)},
        },
        {"type": "section", "fields": fields},
    ]
    ack = message.get("acknowledge") or {}
    if kind == "trigger" and ack:
        how = f"Acknowledge: `{ack['command']}`" if ack.get("command") else ""
        if ack.get("target_command"):
            how += f" · just you: `{ack['target_command']}`"
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(how, 3000)}]}
        )
    fallback = _escape_mrkdwn(_said(message.get("text", header)))  # Slack reads it as mrkdwn
    return {"text": _clip(fallback, 3000), "blocks": blocks}


def render_pagerduty(message: dict, key: str, now: datetime, routing_key: str) -> dict:
    """PagerDuty Events API v2: trigger with a payload; acknowledge/resolve by dedup_key."""
    kind = message["kind"]
    action = {
        "trigger": "trigger",
        "nudge": "trigger",
        "acknowledge": "acknowledge",
        "resolve": "resolve",
        "update": "trigger",  # never configured (stakeholder channels are not pagers)
    }[kind]
    body: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": action,
        "dedup_key": message["dedup_key"],
    }
    if action != "trigger":
        return body
    inc, step, target = message["incident"], message.get("step"), message.get("target") or {}
    body["client"] = "Incident Command Console"
    body["payload"] = {
        "summary": _clip(_said(message.get("text", "")), 1024),
        "source": "incident-console",
        "severity": "info" if kind == "nudge" else PD_SEVERITY.get(inc.get("severity"), "info"),
        "timestamp": iso(now),
        "component": ",".join(inc.get("services") or [])
        or ",".join(inc.get("layers") or [])
        or "unknown",
        "group": ",".join(inc.get("layers") or []) or "unscoped",
        "class": "escalation-page" if kind == "trigger" else "commander-nudge",
        "custom_details": {
            "incident_id": inc["id"],
            "title": inc["title"],
            "severity": inc["severity"],
            "severity_meaning": inc.get("severity_meaning", ""),
            "status": inc.get("status"),
            "step": step["key"] if step else None,
            "round": message.get("round", 0),
            "target": target.get("name") or target.get("id"),
            "roles": target.get("roles", []),
            "asked": message.get("asked", ""),
            "acknowledge": (message.get("acknowledge") or {}).get("command"),
            "acknowledge_note": "acknowledging this alert in PagerDuty stops PagerDuty's notifications; "
            "the console's own repeats stop when you run the command above",
            "idempotency_key": key,
        },
    }
    return body


# ------------------------------------------------------------------ sending


class HttpChannel:
    """POST a rendered body; secrets are read at send time (a fixed keyring entry
    is picked up by the next retry). What goes wrong is said by the secret's name:
    the outcome's detail becomes an event, and events travel to every console."""

    def __init__(self, config: ChannelConfig, client):
        self.config = config
        self.client = client

    def _secret(self, name: str, used: dict[str, str]) -> str:
        used[name] = secrets.require(name)
        return used[name]

    def _target(self, used: dict[str, str]) -> tuple[str, dict]:
        c = self.config
        url = self._secret(c.url_secret, used) if c.url_secret else c.endpoint
        headers = {"User-Agent": USER_AGENT, "Content-Type": "application/json"}
        if c.token_secret:
            headers["Authorization"] = f"Bearer {self._secret(c.token_secret, used)}"
        return url, headers

    def render(self, message: dict, key: str, now: datetime, used: dict | None = None) -> dict:
        c = self.config
        if c.type == "pagerduty":
            routing_key = self._secret(c.routing_key_secret, {} if used is None else used)
            return render_pagerduty(message, key, now, routing_key)
        if c.type == "slack":
            return render_slack(message, key, now)
        return render_webhook(message, key, now)

    def _names(self) -> str:
        c = self.config
        named = [
            f"{key} {name!r}"
            for key, name in (
                ("url_secret", c.url_secret),
                ("token_secret", c.token_secret),
                ("routing_key_secret", c.routing_key_secret),
            )
            if name
        ]
        return ", ".join(named) or "its url"

    def send(self, message: dict, key: str, now: datetime) -> Outcome:
        used: dict[str, str] = {}
        outcome = self._send(message, key, now, used)
        return replace(outcome, detail=redact.scrub(outcome.detail, used))

    def _send(self, message: dict, key: str, now: datetime, used: dict[str, str]) -> Outcome:
        import httpx

        c = self.config
        try:
            url, headers = self._target(used)
            body = self.render(message, key, now, used)
        except secrets.SecretError as exc:
            return Outcome(False, None, str(exc), retryable=False)
        problem = url_problem(url)
        if problem:
            source = f"secret {c.url_secret!r}" if c.url_secret else "its url"
            return Outcome(
                False,
                None,
                f"channel {c.id}: {source} does not hold a usable http(s) URL "
                f"({problem}; value not shown)",
                retryable=False,
            )
        headers["Idempotency-Key"] = key
        try:
            resp = self.client.post(url, json=body, headers=headers, timeout=c.timeout_seconds)
        except httpx.TimeoutException:
            return Outcome(False, None, f"timed out after {c.timeout_seconds:g}s")
        except httpx.LocalProtocolError as exc:
            # The HTTP library quotes the header it refused, and that header may be the token.
            return Outcome(False, None, self._unsendable(exc), retryable=False)
        except httpx.TransportError as exc:
            return Outcome(False, None, f"network error: {type(exc).__name__}: {exc}")
        except (httpx.InvalidURL, ValueError) as exc:
            # Raised while building the request; their texts quote pieces of the URL or headers.
            return Outcome(False, None, self._unsendable(exc), retryable=False)
        if 200 <= resp.status_code < 300:
            return Outcome(True, resp.status_code, _short(resp.text) or "ok")
        retry = resp.status_code == 429 or resp.status_code >= 500 or resp.status_code == 408
        return Outcome(
            False,
            resp.status_code,
            f"HTTP {resp.status_code}: {_short(resp.text)}",
            retryable=retry,
            retry_after=parse_retry_after(resp.headers.get("Retry-After"), now),
        )

    def _unsendable(self, exc: Exception) -> str:
        return (
            f"channel {self.config.id}: the request could not be sent ({type(exc).__name__}); "
            f"check {self._names()} (values not shown)"
        )


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text[:200]


def real_channels(client=None) -> ChannelFactory:
    """The default factory: real HTTP channels sharing one client (one per thread)."""
    import httpx

    shared = client or httpx.Client(follow_redirects=False)

    def factory(config: ChannelConfig) -> Channel:
        return HttpChannel(config, shared)

    return factory


@dataclass
class DrillSink:
    """Pages of drills land here, never on a real channel. Thread-safe; the drill
    reads `messages` to score who was paged when."""

    messages: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, config: ChannelConfig) -> Channel:
        sink = self

        class _Sink:
            def __init__(self):
                self.config = config

            def send(self, message: dict, key: str, now: datetime) -> Outcome:
                with sink.lock:
                    sink.messages.append(
                        {"key": key, "channel": config.id, "at": iso(now), "message": message}
                    )
                return Outcome(True, None, "drill sink: kept off real channels")

        return _Sink()
