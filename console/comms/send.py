"""Sending a posted update now, for a script that cannot wait for the next runner pass:
one escalation pass over that incident alone (so its pages due meanwhile go too, as
they would have a few seconds later)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.notify.runner import EscalationRunner, PassReport, local_runner_wanted

if TYPE_CHECKING:
    from console.notify.channels import ChannelFactory
    from console.service import IncidentService


def send_now(
    service: IncidentService, incident_id: str, sink: ChannelFactory | None = None
) -> PassReport | None:
    """Deliver what this incident has queued; None when escalation belongs elsewhere
    (a console syncing with a shared server leaves it to `serve`)."""
    if not local_runner_wanted(service.store):
        return None
    runner = EscalationRunner(service.store, service.org, service.clock, sink=sink)
    try:
        return runner.run_once(only=incident_id)
    finally:
        runner.close()
