"""The drill scenario, as data: its vocabulary (inject kinds, autopilots, default
timings), the shapes a scenario file parses into, and ScenarioError for its problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from console.model.errors import InputError

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
