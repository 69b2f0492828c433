"""The escalation plan: f(policy snapshot, severity history, ticks, clock).

A step is keyed `SEVn+M` (severity and offset in minutes), so ticks made on one
console still land on the same step after merging with another console's edits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from console.model.org import severity_rank

STEP_STATES = ("pending", "due", "overdue", "notified", "acknowledged", "cancelled", "skipped")


@dataclass(frozen=True)
class StepTicks:
    notified_at: datetime | None = None
    notified_by: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None


@dataclass(frozen=True)
class PlannedStep:
    key: str
    severity: str
    offset_minutes: int
    targets: tuple[str, ...]
    due_at: datetime
    state: str
    derived: str | None = None
    ticks: StepTicks = field(default_factory=StepTicks)

    @property
    def open(self) -> bool:
        """Still asks something of the commander (not ticked, not cancelled)."""
        return self.state in ("pending", "due", "overdue")

    def seconds_to_due(self, now: datetime) -> float:
        return (self.due_at - now).total_seconds()


def step_key(severity: str, offset_minutes: int) -> str:
    return f"{severity}+{offset_minutes}"


def _entries(history: list[tuple[datetime, str]]) -> dict[str, tuple[datetime, datetime | None]]:
    """For each severity: when it was last entered and when it was left after that."""
    spans: dict[str, tuple[datetime, datetime | None]] = {}
    previous = None
    for at, sev in history:
        if sev != previous:
            if previous is not None:
                start, _ = spans[previous]
                spans[previous] = (start, at)
            spans[sev] = (at, None)
            previous = sev
    return spans


def plan(
    policy: dict,
    history: list[tuple[datetime, str]],
    ticks: dict[str, StepTicks],
    now: datetime,
    closed_at: datetime | None = None,
) -> list[PlannedStep]:
    """Plan every step of every severity the incident has been at.

    Raising plans the new severity from that moment and keeps earlier steps that were
    already due; lowering cancels the unticked steps of the higher severity. Ticks
    are kept whatever happens. A closed incident cancels what had not fallen due.
    """
    if not history:
        return []
    grace = timedelta(seconds=int(policy.get("overdue_after_seconds", 60)))
    steps_by_sev = policy.get("steps", {})
    current = history[-1][1]
    spans = _entries(history)
    out: list[PlannedStep] = []
    for sev, (start, left) in spans.items():
        for rule in steps_by_sev.get(sev, []):
            offset = int(rule["offset_minutes"])
            key = step_key(sev, offset)
            due = start + timedelta(minutes=offset)
            tick = ticks.get(key, StepTicks())
            if tick.acknowledged_at:
                state = "acknowledged"
            elif tick.notified_at:
                state = "notified"
            elif closed_at is not None:
                state = "skipped" if due <= closed_at else "cancelled"
            elif sev != current and (
                severity_rank(current) > severity_rank(sev) or left is None or due > left
            ):
                state = "cancelled"
            elif now < due:
                state = "pending"
            elif now - due < grace:
                state = "due"
            else:
                state = "overdue"
            out.append(
                PlannedStep(
                    key, sev, offset, tuple(rule["targets"]), due, state, rule.get("derived"), tick
                )
            )
    out.sort(key=lambda s: (s.due_at, severity_rank(s.severity), s.key))
    return out


def next_open(steps: list[PlannedStep]) -> PlannedStep | None:
    """The step the commander must act on next: the earliest open one."""
    return next((s for s in steps if s.open), None)
