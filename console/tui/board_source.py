"""Board pages (and the board's updates line) read off the event loop.

A page of the board over 100k incidents with resolved ones shown, or a filter
that scans every title, costs tens of milliseconds in SQLite. The board asks
this source, which runs the service's board()/board_count() on one reader thread
holding its own Store (a SQLite connection never crosses threads). A database
that is not a file (":memory:") is read inline instead.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from console.alerts.views import declared_from_alert

if TYPE_CHECKING:
    from console.service import IncidentService

INLINE_MAX_ROWS = 2000


@dataclass(frozen=True)
class BoardQuery:
    include_resolved: bool = False
    text: str = ""


class BoardSource:
    def __init__(self, service, threaded: bool | None = None):
        self.service = service
        path = Path(str(service.path))
        self._path = path
        self.threaded = path.is_file() if threaded is None else threaded
        self._executor: ThreadPoolExecutor | None = None
        self._reader: IncidentService | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------ reader thread
    def _reader_service(self) -> IncidentService:
        if self._reader is None:
            from console.service import IncidentService
            from console.store import Store

            store = Store(self._path)
            self._reader = IncidentService(
                store, self.service.org, self.service.clock, self.service.actor
            )
        return self._reader

    def _read(
        self, query: BoardQuery, offset: int, limit: int, wanted=None
    ) -> tuple[int, list[dict]] | None:
        if wanted is not None and not wanted():
            return None  # superseded while queued (typing a filter queues one read per key)
        return self._read_with(
            self._reader_service() if self.threaded else self.service, query, offset, limit
        )

    @staticmethod
    def _read_with(svc, query: BoardQuery, offset: int, limit: int) -> tuple[int, list[dict]]:
        kw = {"include_resolved": query.include_resolved, "text": query.text}
        # count first, page second, in one read transaction so both agree
        with svc.consistent_read():
            count = svc.board_count(**kw)
            rows = svc.board(limit=limit, offset=offset, **kw) if offset < count else []
            if rows:  # the board marks incidents an alert declared
                from_alert = declared_from_alert(svc, [r["id"] for r in rows])
                for r in rows:
                    r["from_alert"] = r["id"] in from_alert
        return count, rows

    def read_now(self, query: BoardQuery, offset: int, limit: int) -> tuple[int, list[dict]] | None:
        """On the caller's thread, with the main service, when it is cheap: the first
        page of open incidents (an indexed count, then sorting a few rows). None when
        there are too many to sort inline; then read on the reader thread."""
        count = self.service.board_count(include_resolved=query.include_resolved, text=query.text)
        if count > INLINE_MAX_ROWS:
            return None
        return self._read_with(self.service, query, offset, limit)

    async def due_updates(self, now) -> list[dict]:
        """The open incidents that owe a stakeholder update (CommsDesk.due_updates): it
        folds each open incident with a cadence, so it runs beside the board's reads."""
        if not self.threaded:
            return self._due_updates(now)
        executor = self._ensure_executor()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, self._due_updates, now)

    def _due_updates(self, now) -> list[dict]:
        from console.comms.desk import CommsDesk

        svc = self._reader_service() if self.threaded else self.service
        return CommsDesk(svc).due_updates(now)

    def prewarm(self) -> None:
        """Open the reader thread's Store now, while the UI is still being built."""
        if self.threaded:
            self._ensure_executor().submit(self._reader_service)

    def _ensure_executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="board-reader"
                )
            return self._executor

    async def fetch(
        self, query: BoardQuery, offset: int, limit: int, wanted=None
    ) -> tuple[int, list[dict]] | None:
        """count and one page; None if `wanted()` turned false before the read ran."""
        if not self.threaded:
            return self._read(query, offset, limit, wanted)
        executor = self._ensure_executor()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, self._read, query, offset, limit, wanted)

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            if self._reader is not None:
                executor.submit(self._reader.close)
            executor.shutdown(wait=True, cancel_futures=True)
        self._reader = None
