"""The figures of one incident, one definition each: metrics (console/model/metrics.py)
and drill scorecards (console/model/drill/scoring.py) both read them from here, so a
drill and the metrics never mean different things by the same name."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.model.incident import Incident

COORDINATION_MIN_TEAMS = 2  # with fewer teams paged there is nobody to coordinate with


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


def time_to_mitigate(inc: Incident) -> float | None:
    """Seconds from the start (impact start when recorded, else declared) to the first
    move to monitoring or resolved."""
    return seconds_between(inc.detected_at, inc.mitigated_at)


def time_to_resolve(inc: Incident) -> float | None:
    """Seconds from the start to the resolution; None while the incident is open."""
    return None if inc.open else seconds_between(inc.detected_at, inc.resolved_at)


def coordination_time(
    declared_at: datetime | None, paged: Iterable[str], acked: Mapping[str, datetime]
) -> float | None:
    """Seconds from the declaration to the moment every paged team had acknowledged
    (`acked`: each team's first acknowledgement). None unless two or more teams were
    paged and all of them acknowledged."""
    teams = set(paged)
    if declared_at is None or len(teams) < COORDINATION_MIN_TEAMS or not teams <= set(acked):
        return None
    return seconds_between(declared_at, max(acked[t] for t in teams))
