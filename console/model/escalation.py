"""The escalation plan: f(policy snapshot, severity history, ticks, clock).

A step is keyed `SEVn+M` (severity and offset in minutes), so ticks made on one
console still land on the same step after merging with another console's edits.

A severity's clock starts the first time the incident reaches it and never restarts:
a mis-keyed severity change must not give the people of the original severity more
time. A step that fell due keeps asking until it is ticked or waived with a reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from msgspec import Struct, field

from console.model.names import severity_rank

STEP_STATES = (
    "pending",
    "due",
    "overdue",
    "notified",
    "acknowledged",
    "waived",
    "cancelled",
    "skipped",
)


class StepTicks(Struct, frozen=True):
    notified_at: datetime | None = None
    notified_by: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    waived_at: datetime | None = None
    waived_by: str | None = None
    waived_reason: str | None = None


class PlannedStep(Struct, frozen=True):
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
        """Still asks something of the commander (not ticked, waived or cancelled)."""
        return self.state in ("pending", "due", "overdue")

    def seconds_to_due(self, now: datetime) -> float:
        return (self.due_at - now).total_seconds()


def step_key(severity: str, offset_minutes: int) -> str:
    return f"{severity}+{offset_minutes}"


Span = tuple[datetime, datetime | None]


def _spans(
    history: list[tuple[datetime, str]], closed_at: datetime | None
) -> dict[str, list[Span]]:
    """For each severity: every stretch the incident spent at it, in order (the last one
    of the current severity open-ended while the incident is open)."""
    spans: dict[str, list[Span]] = {}
    previous = None
    for at, sev in history:
        if sev == previous:
            continue
        if previous is not None:
            spans[previous][-1] = (spans[previous][-1][0], at)
        spans.setdefault(sev, []).append((at, None))
        previous = sev
    if previous is not None and closed_at is not None:
        start = spans[previous][-1][0]
        spans[previous][-1] = (start, max(start, closed_at))
    return spans


def plan(
    policy: dict,
    history: list[tuple[datetime, str]],
    ticks: dict[str, StepTicks],
    now: datetime,
    closed_at: datetime | None = None,
) -> list[PlannedStep]:
    """Plan every step of every severity the incident has been at.

    A severity's steps are due their offset after the incident first reached it;
    returning to it resumes that clock. A step falls due when the incident is at its
    severity at or after its due time; from then on it stays due/overdue, whatever the
    severity does, until ticked or waived. A step whose severity was left before it fell
    due is cancelled (superseded). Once the incident is closed, a step that fell due and
    was neither ticked nor waived is skipped (really missed); the rest are cancelled.
    """
    if not history:
        return []
    grace = timedelta(seconds=int(policy.get("overdue_after_seconds", 60)))
    steps_by_sev = policy.get("steps", {})
    spans = _spans(history, closed_at)
    horizon = now if closed_at is None else min(now, closed_at)
    out: list[PlannedStep] = []
    for sev, stretches in spans.items():
        first_reached = stretches[0][0]
        current = stretches[-1][1] is None
        for rule in steps_by_sev.get(sev, []):
            offset = int(rule["offset_minutes"])
            key = step_key(sev, offset)
            due = first_reached + timedelta(minutes=offset)
            tick = ticks.get(key, StepTicks())
            fell_due = due <= horizon and any(end is None or end > due for _, end in stretches)
            if tick.acknowledged_at:
                state = "acknowledged"
            elif tick.notified_at:
                state = "notified"
            elif tick.waived_at:
                state = "waived"
            elif closed_at is not None:
                state = "skipped" if fell_due else "cancelled"
            elif fell_due:
                state = "due" if now - due < grace else "overdue"
            elif current:
                state = "pending"
            else:
                state = "cancelled"
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
