"""Escalation inside `incident-console serve`, so pages go out when no commander has a
console open. The server keeps only the global log, so the serve process runs a console
of its own: a mirror database kept in sync with the server over its own API (the sync
worker), and the escalation runner on that mirror. The runner's pages, deliveries and
checklist ticks are ordinary events: they are pushed back to the log and every console
sees them on its timeline. Several serve processes (or a serve and a spare laptop) on one
log can each decide the same page before syncing; the page's idempotency key is the same
on both (incident/step/target/round), so PagerDuty folds them (dedup_key) and webhooks can.

On a PostgreSQL log each process still keeps its own mirror, but they coordinate in the
shared database (console/store/escalation_pg.py): one process leads escalation at a time,
and each page key is claimed before it is sent and marked sent after, so no key is sent
twice unless a process dies between sending and marking it sent.
"""

from __future__ import annotations

from pathlib import Path

from console.config import data_dir
from console.model.clock import Clock
from console.model.org import Org
from console.notify.runner import BackgroundRunner, PassReport
from console.store.server_log import is_postgres_url


def mirror_path(server_db: str | Path, port: int | None = None) -> Path:
    """Where serve keeps its own console database: next to a SQLite log; for a
    PostgreSQL log, in the data directory, one per port (processes on one host)."""
    if is_postgres_url(server_db):
        return data_dir() / f"serve-{port or 'default'}.escalation.db"
    path = Path(server_db)
    return path.with_name(f"{path.stem}.escalation.db")


class ServerEscalation:
    """A sync worker and an escalation runner on one mirror database; start() / stop()."""

    def __init__(
        self,
        mirror_db: str | Path,
        org: Org,
        remote: str,
        token: str,
        *,
        clock: Clock | None = None,
        interval: float = 5.0,
        transport=None,
        log=None,
        sink=None,
        drill_sink=None,
        shared=None,
        shared_seconds: float = 30.0,
    ):
        from console.sync.worker import SyncWorker

        self.mirror_db = Path(mirror_db)
        self.sync = SyncWorker(
            self.mirror_db,
            org,
            clock=clock,
            actor="escalation-bot",
            remote=remote,
            token=token,
            transport=transport,
            wait=min(20.0, max(1.0, interval)),
        )
        self.runner = BackgroundRunner(
            self.mirror_db,
            org,
            clock,
            interval=interval,
            log=log,
            sink=sink,
            drill_sink=drill_sink,
            on_pass=self._after_pass,
            shared=shared,
            shared_seconds=shared_seconds,
        )

    def _after_pass(self, report: PassReport) -> None:
        if (
            report.queued
            or report.delivered
            or report.failed
            or report.abandoned
            or report.caught_up
        ):
            self.sync.nudge()  # push the runner's events now

    def start(self) -> ServerEscalation:
        from console.store import Store

        Store(self.mirror_db).close()  # create and migrate once, before two threads race to
        self.sync.start()
        self.runner.start()
        return self

    def stop(self) -> None:
        self.runner.stop()
        self.sync.stop()


def start_in_serve(
    server_db: str | Path,
    org: Org,
    url: str,
    token: str,
    mirror: str | Path | None = None,
    **kwargs,
) -> ServerEscalation:
    """For console/sync's `serve`: call once the server listens on `url` (e.g.
    http://127.0.0.1:8765) with one of its tokens; call .stop() on shutdown."""
    if is_postgres_url(server_db) and "shared" not in kwargs:
        from console.store.escalation_pg import PgDelivery

        kwargs["shared"] = lambda: PgDelivery(str(server_db))
    return ServerEscalation(mirror or mirror_path(server_db), org, url, token, **kwargs).start()
