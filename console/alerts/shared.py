"""Alert intake shared by several `serve` processes on one PostgreSQL log.

Each process writes alerts into its own mirror database and pushes them to the log, so
the same notification delivered to two processes (a load balancer retrying on the other)
would declare two incidents. Instead every notification, and every flush of held
changes, is handled under one lock in PostgreSQL (console/store/alerts_pg.py): first the
mirror catches up with the log (what the other processes wrote for this group), then the
intake runs against it with the flapping holds in the shared table, then the mirror
pushes what it wrote before the lock is released. So groupKey and fingerprint
de-duplication and the flapping hold-back behave as if one process received every
notification. A process killed in the middle never answered its sender, who retries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from console.model.errors import ConsoleError
from console.service import IncidentService
from console.store.alerts_pg import PgAlertHolds
from console.sync.client import SyncClient

T = TypeVar("T")


class SharedIntake:
    """Used from the alert desk's thread only (one PostgreSQL connection, one sync client
    on the desk's own Store)."""

    def __init__(self, db_url: str):
        self.holds = PgAlertHolds(db_url)
        self.remote: str | None = None
        self.token = ""
        self._client: SyncClient | None = None

    def through(self, remote: str, token: str) -> SharedIntake:
        """The server's own URL and a sync token: known once it listens."""
        self.remote, self.token = remote, token
        return self

    def run(self, service: IncidentService, fn: Callable[[], T]) -> T:
        if self.remote is None:  # the server is still starting: the sender retries
            raise ConsoleError("alert intake is starting; try again in a moment")
        if self._client is None:
            self._client = SyncClient(service, self.remote, self.token, max_attempts=2)
        with self.holds.locked():
            self._client.sync_once()  # catch up with what the other processes wrote
            result = fn()
            self._client.sync_once()  # ours in the log before the next one looks
        return result

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self.holds.close()
