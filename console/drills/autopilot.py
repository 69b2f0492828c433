"""Headless runs: the autopilot plays the scenario on a throwaway clock, as fast as
the events allow (no real time passes), and returns the scorecard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from console.drills.session import DrillSession, DrillSink
from console.model.drill import Scenario
from console.model.org import Org
from console.store import Store


def run_autopilot(
    scenario: Scenario,
    org: Org,
    store: Store,
    style: str = "ideal",
    *,
    start: datetime | None = None,
    sink: DrillSink | None = None,
    auto_escalate: bool = True,
) -> tuple[DrillSession, dict[str, Any]]:
    session = DrillSession(
        scenario,
        org,
        store,
        start=start,
        sink=sink,
        actor=f"autopilot-{style}",
        autopilot=style,
        auto_escalate=auto_escalate,
    )
    card = session.run_to_end()
    return session, card
