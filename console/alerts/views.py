"""What the faces show of alerts (CLI `alerts`, the room, the board), read through
the service's store: alerts on incidents, groups waiting for one, and which
incidents an alert declared."""

from __future__ import annotations

from console.model.folds.alerts import alerts_of
from console.model.incident import Incident
from console.service import IncidentService
from console.store import alerts as alert_store


def incident_alerts(inc: Incident) -> dict:
    st = alerts_of(inc)
    return {
        "declared_from_alert": st.declared_from is not None,
        "all_resolved": bool(st.alerts) and not st.firing,
        "alerts": [a.to_dict() for a in st.alerts.values()],
    }


def overview(service: IncidentService, include_resolved: bool = False) -> dict:
    """Alerts on incidents (open ones, unless asked) and groups waiting for one."""
    conn = service.store.conn
    incidents = []
    for incident_id in alert_store.incidents_with_alerts(conn, open_only=not include_resolved):
        inc = service.get(incident_id)
        incidents.append(
            {
                "id": inc.id,
                "title": inc.title,
                "severity": inc.severity,
                "status": inc.status,
                **incident_alerts(inc),
            }
        )
    return {"incidents": incidents, "waiting": waiting(service)}


def waiting(service: IncidentService, limit: int = 200) -> list[dict]:
    return [
        {
            "group": row["group_id"],
            "group_key": row["group_key"],
            "source": row["source"],
            "name": row["name"],
            "service": row["service"],
            "severity": row["severity"],
            "firing": row["firing"],
            "total": row["total"],
            "summary": row["summary"],
            "updated_at": row["updated_at"],
        }
        for row in alert_store.waiting(service.store.conn, limit)
    ]


def waiting_count(service: IncidentService) -> int:
    """Groups with a firing alert and no incident (the board's status line)."""
    return alert_store.waiting_count(service.store.conn)


def declared_from_alert(service: IncidentService, incident_ids: list[str]) -> set[str]:
    return alert_store.declared_from_alert(service.store.conn, incident_ids)
