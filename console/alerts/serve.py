"""The receivers inside `incident-console serve`. The server keeps only the global log,
so alerts are written, like the escalation runner's pages, into serve's own console
database (the mirror next to the log) and pushed to the log by its sync worker at once.
On a PostgreSQL log several processes take notifications one at a time through the
shared database (console/alerts/shared.py), so a retried delivery is one alert group."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from console.alerts.receivers import AlertDesk, pagerduty_secrets, receiver_routes
from console.model.org import Org
from console.notify.serve import mirror_path
from console.store.server_log import is_postgres_url


class _Both:
    """What serve stops on shutdown: the desk, and the escalation or sync beside it."""

    def __init__(self, desk: AlertDesk, other: Any):
        self.desk, self.other = desk, other

    def stop(self) -> None:
        self.desk.close()
        self.other.stop()


def alerts_in_serve(
    server_db: str | Path,
    org: Org,
    tokens: list[str],
    escalation: Callable[[str, str], Any] | None,
    mirror: str | Path | None = None,
) -> tuple[list, Callable[[str, str], Any]]:
    """The routes to mount and the companion to start once the server listens (it wraps
    the escalation companion when there is one, and shares its sync worker)."""
    desk = AlertDesk(mirror or mirror_path(server_db), org)
    desk.pagerduty_secrets = pagerduty_secrets(desk.routing)
    if is_postgres_url(server_db):  # several processes: one intake at a time, shared holds
        from console.alerts.shared import SharedIntake

        desk.shared = SharedIntake(str(server_db))

    def companion(url: str, token: str) -> _Both:
        if desk.shared is not None:
            desk.shared.through(url, token)
        if escalation is not None:
            other = escalation(url, token)
            sync = other.sync
        else:
            from console.store import Store
            from console.sync.worker import SyncWorker

            Store(desk.db_path).close()  # create and migrate before two threads race to
            sync = other = SyncWorker(
                desk.db_path, org, actor="alert-bot", remote=url, token=token, wait=5.0
            )
            sync.start()
        desk.after_write = sync.nudge
        desk.start_flusher()
        return _Both(desk, other)

    return receiver_routes(desk, tokens), companion
