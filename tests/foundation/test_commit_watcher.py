"""The TUI's watch for commits made through other connections: which incidents got new
events (first changed first, each once) and who recorded them; nothing when nothing new."""

from __future__ import annotations

from console.service import IncidentService
from console.store import Store


def test_the_watcher_names_each_changed_incident_once_in_order_and_who_wrote(
    db_path, org, clock, service
):
    watcher = service.watch()
    assert watcher.poll() is None
    other = IncidentService(Store(db_path), org, clock, actor="ana")
    try:
        first = other.declare("Edge 503s", "SEV2", layers=["edge"]).id
        second = other.declare("Orders DB lag", "SEV1", layers=["data"]).id
        other.note(first, "still looking")
        other.actor = "ben"
        other.note(second, "replica promoted")
        change = watcher.poll()
        assert change is not None
        assert change.incidents == (first, second)
        assert change.actors == {"ana", "ben"}
        assert watcher.poll() is None  # seen once
        other.note(second, "back under SLO")
        again = watcher.poll()
        assert again is not None and again.incidents == (second,) and again.actors == {"ben"}
    finally:
        other.close()
