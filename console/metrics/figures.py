"""What the metrics screen shows, computed from a Store of its own: the screen runs
this on a worker thread, and a connection never crosses threads."""

from __future__ import annotations

from console.metrics.queries import Analysis
from console.store import Store


def compute(path, org, since=None) -> dict:
    """Everything the screen shows (run on a worker thread)."""
    store = Store(path)
    try:
        analysis = Analysis(store.conn, org, since)
        metrics = analysis.metrics()
        return {
            "metrics": metrics,
            "assessment": analysis.assessment(metrics["overall"]),
            "patterns": analysis.patterns(top_n=3),
            "team_names": {t: analysis.team_name(t) for t in org.teams},
        }
    finally:
        store.close()
