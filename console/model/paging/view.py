"""What the room shows about automated paging, as plain data."""

from __future__ import annotations

from console.model.clock import iso
from console.model.folds.paging import state_of
from console.model.incident import Incident


def paging_view(inc: Incident) -> dict:
    """What the room shows about automated paging, as plain data: who was paged for
    which step, how often, through which channels, and who acknowledged."""
    st = state_of(inc)
    pages = []
    for (step, target), track in sorted(st.pages.items(), key=lambda kv: kv[1].first_at):
        delivered = sorted(k for k in st.delivered if k.startswith(f"{inc.id}/{step}/{target}/"))
        pages.append(
            {
                "step": step,
                "target": target,
                "rounds": track.last_round + 1,
                "first_at": iso(track.first_at),
                "last_at": iso(track.last_at),
                "channels": list(track.channels),
                "deliveries": len(delivered),
                "acknowledged": st.acked(target, step),
                "unroutable": not track.channels,
            }
        )
    return {
        "pages": pages,
        "severity_confirmed_at": iso(st.severity_confirmed_at),
        "acks": [
            {"target": a.target, "step": a.step, "at": iso(a.at), "by": a.by} for a in st.acks
        ],
        "failed_attempts": sum(st.failures.values()),
        "abandoned": len(st.abandoned),
        "catch_ups": st.catch_ups,
    }
