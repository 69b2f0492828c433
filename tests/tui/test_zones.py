"""Every time the console shows carries its zone: the header clock, the room's header and
timeline, `show` and exports; --utc (or "utc": true in the settings) shows UTC; the demo
marks its shifted clock."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from tuikit import make_app, settle

from console import config, zone
from console.export import markdown
from console.tui.demo import OffsetClock
from console.tui.screens.room import RoomScreen
from console.tui.widgets.checklist import Checklist
from console.tui.widgets.room_header import RoomHeader
from console.tui.widgets.topbar import TopBar


@pytest.fixture
def tokyo():
    os.environ["TZ"] = "Asia/Tokyo"  # the TUI fixtures put UTC back afterwards
    time.tzset()
    zone.use_utc(False)
    yield
    zone.use_utc(False)


async def test_the_room_names_its_zone(service, tokyo):
    inc = service.declare("Payments DB failover", "SEV1", ["data"])  # 02:00 UTC = 11:00 JST
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "11:00:00 JST" in str(app.screen.query_one(TopBar).render())
        app.open_incident(inc.id)
        await settle(pilot)
        room = app.screen
        assert isinstance(room, RoomScreen)
        assert "declared 11:00:00 JST" in str(room.query_one(RoomHeader).render())
        assert "JST" in str(room.query_one("#timeline").border_title)


async def test_the_checklist_names_the_zone_of_its_ticks(service, clock, tokyo):
    inc = service.declare("Payments DB failover", "SEV1", ["data"])
    clock.advance(minutes=1)
    service.tick(inc.id, "SEV1+0")
    clock.advance(minutes=1)
    service.tick(inc.id, "SEV1+15", ack=True)
    service.waive(inc.id, "SEV1+30", "leadership is in the room")
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(inc.id)
        await settle(pilot)
        steps = app.screen.query_one(Checklist).render_text(118).plain
        assert "notified 11:01:00 JST" in steps
        assert "ack'd 11:02:00 JST" in steps
        assert "waived 11:02:00 JST" in steps
        zone.use_utc(True)
        steps = app.screen.query_one(Checklist).render_text(118).plain
        assert "notified 02:01:00 UTC" in steps


async def test_updates_and_decisions_name_the_zone(service, clock, tokyo):
    from console.comms.desk import CommsDesk
    from console.tui.widgets.comms import CommsPanel

    inc = service.declare("Payments DB failover", "SEV1", ["data"])
    desk = CommsDesk(service)
    clock.advance(minutes=3)
    desk.post(inc.id, "Failing over the primary")
    clock.advance(minutes=2)
    desk.decide(inc.id, "Fail over to DR now", by="Taro Yamamoto")
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(inc.id)
        await settle(pilot)
        comms = str(app.screen.query_one(CommsPanel).content)
        assert "last sent 11:03:00 JST by commander" in comms
        assert "◆ 11:05:00 JST taro.yamamoto: Fail over to DR now" in comms


async def test_utc_when_asked(service, tokyo):
    zone.use_utc(True)  # what --utc or the "utc" setting does
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "02:00:00 UTC" in str(app.screen.query_one(TopBar).render())


async def test_the_demo_marks_its_shifted_clock(service, clock, tokyo):
    service.clock = OffsetClock(timedelta(hours=-3), clock)
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "demo clock 08:00:00 JST" in str(app.screen.query_one(TopBar).render())


def test_exports_and_show_carry_the_zone(service, db_path, tokyo):
    inc = service.declare("Payments DB failover", "SEV1", ["data"])
    assert "| Declared | 2026-03-01 11:00:00 JST by commander |" in markdown(service.view(inc.id))
    run = [sys.executable, "-m", "console", "--db", str(db_path)]
    env = {**os.environ, "TZ": "Asia/Tokyo"}
    shown = subprocess.run([*run, "show", inc.id], capture_output=True, text=True, env=env)
    assert "Timeline (JST):" in shown.stdout and "  11:00:00  " in shown.stdout
    shown = subprocess.run([*run, "--utc", "show", inc.id], capture_output=True, text=True, env=env)
    assert "Timeline (UTC):" in shown.stdout and "  02:00:00  " in shown.stdout
    config.save_user_setting("utc", True)
    shown = subprocess.run([*run, "show", inc.id], capture_output=True, text=True, env=env)
    assert "Timeline (UTC):" in shown.stdout
