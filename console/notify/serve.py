"""Escalation inside `incident-console serve`, so pages go out when no commander has a
console open. The server keeps only the global log, so the serve process runs a console
of its own: a mirror database kept in sync with the server over its own API (the sync
worker), and the escalation runner on that mirror. The runner's pages, deliveries and
checklist ticks are ordinary events: they are pushed back to the log and every console
sees them on its timeline. Several serve processes (or a serve and a spare laptop) on one
log can each decide the same page before syncing; the page's idempotency key is the same
on both (incident/step/target/round), so PagerDuty folds them (dedup_key) and webhooks can.
"""

from __future__ import annotations

from pathlib import Path

from console.model.clock import Clock
from console.model.org import Org
from console.notify.runner import BackgroundRunner, PassReport


def mirror_path(server_db: str | Path) -> Path:
    """Where serve keeps its own console database: next to the server log."""
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
    server_db: str | Path, org: Org, url: str, token: str, **kwargs
) -> ServerEscalation:
    """For console/sync's `serve`: call once the server listens on `url` (e.g.
    http://127.0.0.1:8765) with one of its tokens; call .stop() on shutdown."""
    return ServerEscalation(mirror_path(server_db), org, url, token, **kwargs).start()
