"""Which events open or close an incident, for those who keep the open set without
folding (the sync server): the same rule as the fold (console/model/folds/incident.py).

An aggregate is open from its first event until the last lifecycle event in fold order
`(hlc, origin, event_id)` closes it: `resolved`, or `status_set` to resolved; `reopened`
and any other `status_set` open it again. Nothing else (a second `declared`, a note)
changes it.
"""

from __future__ import annotations

from typing import Any

LIFECYCLE_KINDS = frozenset({"status_set", "resolved", "reopened"})


def opens(kind: str, body: Any) -> bool | None:
    """True: leaves the incident open; False: closes it; None: says nothing about it."""
    if kind == "resolved":
        return False
    if kind == "reopened":
        return True
    if kind == "status_set" and isinstance(body, dict) and isinstance(body.get("status"), str):
        return body["status"] != "resolved"
    return None
