"""Alerts waiting for an incident: groups monitoring sent that neither declared nor
found an open incident on their service. Declaring on that service gathers them at
their next re-send."""

from __future__ import annotations

from console.alerts.views import waiting
from console.tui.format import local_time
from console.tui.screens.modal_list import ModalList, list_css


class WaitingAlertsScreen(ModalList):
    HELP = "Alerts waiting for an incident (unassigned): not severe enough to declare, no open incident on their service."
    DEFAULT_CSS = list_css("WaitingAlertsScreen", 120)
    TITLE_TEXT = "Alerts waiting for an incident"
    HINT = "declaring an incident on the service gathers them at their next re-send · escape closes"
    EMPTY = "No alert is waiting for an incident."
    COLUMNS = ("firing", "alert", "service", "severity", "source", "summary", "updated")

    def rows(self) -> list[dict]:
        return waiting(self.app.service)

    def cells(self, g: dict) -> tuple:
        return (
            f"{g['firing']}/{g['total']}",
            g["name"] or g["group_key"],
            g["service"] or "unrouted",
            g["severity"] or "—",
            g["source"],
            g["summary"],
            local_time(g["updated_at"], with_date=True, zone=True),
        )
