"""A tabletop drill's events, folded into `inc.extra["drill"]`: what the scenario
injected, who was paged on the drill sink, who acknowledged, when it ended."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from console.model.clock import parse_iso, t_text
from console.model.incident import Incident

if TYPE_CHECKING:
    from console.model import events as e


def drill_state(inc: Incident) -> dict[str, Any]:
    return inc.extra.setdefault(
        "drill",
        {
            "scenario": None,
            "t0": None,
            "mode": None,
            "injects": [],
            "pages": [],
            "acks": {},
            "mirrored": set(),
            "ended": None,
        },
    )


def drill_started(inc: Incident, ev: e.Event, b: e.DrillStarted) -> str:
    st = drill_state(inc)
    st["scenario"] = b.scenario
    st["t0"] = parse_iso(b.t0)
    st["mode"] = b.mode
    inc.drill = inc.drill or b.scenario
    return f"DRILL started: {b.title} (scenario {b.scenario}, {b.mode})"


def drill_inject(inc: Incident, ev: e.Event, b: e.DrillInject) -> str:
    drill_state(inc)["injects"].append(dict(ev.body))
    return f"[DRILL {t_text(b.t)}] {b.text}"


def drill_page(inc: Incident, ev: e.Event, b: e.DrillPage) -> str:
    st = drill_state(inc)
    st["pages"].append({**ev.body, "at": ev.when})
    if b.tick:
        st["mirrored"].add(b.tick)
    step = f" [{b.step}]" if b.step else " [direct page]"
    if not b.team:
        return f"step {b.step} notified: nobody to page in the drill"
    return f"page (drill sink) → {b.team_name or b.team}: {b.person_name or '—'}{step}"


def drill_ack(inc: Incident, ev: e.Event, b: e.DrillAck) -> str:
    drill_state(inc)["acks"].setdefault(b.team, ev.when)
    verdict = f" — {b.verdict}" if b.verdict else ""
    return f"acknowledged (simulated): {b.person_name or '—'} ({b.team_name or b.team}){verdict}"


def drill_ended(inc: Incident, ev: e.Event, b: e.DrillEnded) -> str:
    drill_state(inc)["ended"] = {"at": ev.when, "reason": b.reason}
    return f"DRILL ended at {t_text(b.t)}: {b.reason}"
