"""The incident's alerts in the room: firing or resolved, their labels and the link
to where they come from; hidden when monitoring sent nothing for this incident."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from console.alerts.views import incident_alerts
from console.model.incident import Incident
from console.model.text import printable

SHOWN = 6  # more than this in the room: the rest are counted (`alerts` lists them all)


class AlertsPanel(Static):
    DEFAULT_CSS = """
    AlertsPanel { height: auto; max-height: 9; padding: 0 1; display: none; }
    AlertsPanel.shown { display: block; }
    AlertsPanel.all-resolved { color: $success; }
    """

    def show(self, inc: Incident) -> None:
        data = incident_alerts(inc)
        alerts = data["alerts"]
        self.set_class(bool(alerts), "shown")
        self.set_class(data["all_resolved"], "all-resolved")
        if not alerts:
            return
        firing = [a for a in alerts if a["status"] == "firing"]
        text = Text()
        head = "Alerts: " + (
            "all resolved — resolve the incident when you are satisfied"
            if data["all_resolved"]
            else f"{len(firing)} firing, {len(alerts) - len(firing)} resolved"
        )
        if data["declared_from_alert"]:
            head += " · declared from an alert"
        text.append(head, "bold")
        ordered = firing + [a for a in alerts if a["status"] != "firing"]
        for a in ordered[:SHOWN]:
            mark = "●" if a["status"] == "firing" else "✓"
            labels = " ".join(
                f"{k}={v}" for k, v in sorted(a["labels"].items()) if k != "alertname"
            )
            line = f"\n {mark} {a['status']:<8} {a['name'] or a['fingerprint']}"
            if a["summary"]:
                line += f" — {a['summary']}"
            if labels:
                line += f"  [{labels}]"
            if a["generator_url"]:
                line += f"  {a['generator_url']}"
            # monitoring's words: never markup, never a control character
            text.append(printable(line, multiline=True), "bold" if a["status"] == "firing" else "")
        if len(ordered) > SHOWN:
            text.append(f"\n … {len(ordered) - SHOWN} more (incident-console alerts)")
        self.update(text)
