"""The update composer's text drafted from an incident (impact and severity meaning,
affected layers and services, status, what is being done, next update time), as the
room shows it after `U`, at 120x40 on a fixed clock."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

from tuikit import make_app, open_service

from console import config
from console.model.clock import ManualClock

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def test_composer(snap_compare, tmp_path, utc_local_zone, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    clock = ManualClock(T0)
    svc = open_service(tmp_path / "console.db", config.load(None), clock, actor="yusuke.takeda")
    inc = svc.declare(
        "Orders DB primary unreachable", "SEV1", ["data"], ["orders-db"], "replication lag alert"
    )
    clock.advance(minutes=7)
    svc.note(inc.id, "Promoting the replica in ap-northeast-1b")
    svc.assign(inc.id, "operations", "rina.fujita")
    clock.advance(minutes=2)

    async def run_before(pilot):
        await pilot.pause()
        pilot.app.open_incident(inc.id)
        await pilot.pause()
        await pilot.press("U")
        await pilot.pause()
        from textual.widgets import TextArea

        pilot.app.screen.query_one(TextArea).cursor_blink = False
        await pilot.pause()

    app = make_app(svc, theme="war-room")
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
    svc.store.close()
    shutil.rmtree(tmp_path / "unused", ignore_errors=True)
