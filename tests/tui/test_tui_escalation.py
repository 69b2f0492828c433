"""Automated escalation inside the TUI (issue 5): the console pages a step that falls due
while the room is open, with nobody pressing a key; consoles that must not page never
start a runner. Real HTTP receivers on 127.0.0.1, a ManualClock, real SQLite files."""

from __future__ import annotations

import sys
from pathlib import Path

import keyring
import pytest
from memkeyring import MemoryKeyring
from tuikit import make_app, screen_text, settle, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "notify"))
from nkit import Receiver, org_text, store_secrets  # noqa: E402

from console.model.org import load_org  # noqa: E402
from console.notify.runner import BackgroundRunner  # noqa: E402
from console.service import IncidentService  # noqa: E402
from console.store import Store  # noqa: E402
from console.tui.screens.room import RoomScreen  # noqa: E402
from console.tui.widgets.paging import PagingLine  # noqa: E402


@pytest.fixture
def paging_service(tmp_path, clock):
    """A service on an org whose [[channels]] point at real receivers (secrets in memory)."""
    receivers = {k: Receiver(k).start() for k in ("slack", "pagerduty", "webhook")}
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    store_secrets(ring, receivers)
    text = org_text(receivers)
    org = load_org([(text, str(tmp_path / "org.toml"))])
    svc = IncidentService(Store(tmp_path / "console.db"), org, clock, actor="kenji.sato")
    svc.receivers = receivers
    yield svc
    svc.store.close()
    keyring.set_keyring(before)
    for r in receivers.values():
        r.release.set()
        r.stop()


def _step(service, incident_id: str, key: str) -> dict:
    return next(s for s in service.view(incident_id)["escalation"] if s["key"] == key)


def _paging(app) -> str:
    return str(app.screen.query_one(PagingLine).render())


async def test_a_step_falling_due_in_the_open_room_is_paged_without_a_key_press(
    paging_service, clock
):
    svc = paging_service
    passes = []

    def runner_factory(db_path, org, clock, on_pass):
        # interval of an hour: after the first pass, a pass runs only when woken
        def counted(report):
            passes.append(report)
            on_pass(report)

        return BackgroundRunner(db_path, org, clock, interval=3600, on_pass=counted)

    inc = svc.declare("Orders DB primary down", "SEV1", ["data"], ["orders-db"])
    app = make_app(svc, escalation=True, runner_factory=runner_factory)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(inc.id)
        await settle(pilot)
        room = app.screen
        assert isinstance(room, RoomScreen)
        # The first pass (at start) pages SEV1+0 through PagerDuty and ticks it.
        await wait_for(
            pilot, lambda: _step(svc, inc.id, "SEV1+0")["state"] == "notified", timeout=15
        )
        await wait_for(pilot, lambda: "SEV1+0 kenji.sato delivered" in _paging(app), timeout=15)
        assert "Paging: SEV1+0" in screen_text(app)
        assert _step(svc, inc.id, "SEV1+0")["notified_by"] == "escalation-bot"
        assert _step(svc, inc.id, "SEV1+15")["state"] == "pending"
        first = len(svc.receivers["pagerduty"].bodies())
        assert len(passes) == 1

        # 15 minutes later the room's countdown timer sees SEV1+15 fall due; that wakes
        # the runner, which pages vp_engineering (PagerDuty) now, not in an hour.
        clock.advance(minutes=15)
        room.redraw()  # what the room's 1 s timer does
        await wait_for(
            pilot, lambda: _step(svc, inc.id, "SEV1+15")["state"] == "notified", timeout=15
        )
        await wait_for(
            pilot, lambda: "SEV1+15" in _paging(app) and "NOTIFIED" in screen_text(app), timeout=15
        )
        # the runner reports its pass after committing it: wait for the report too
        await wait_for(pilot, lambda: len(passes) >= 2, timeout=15)
        assert len(svc.receivers["pagerduty"].bodies()) > first
        assert app.escalation_runner is not None
    assert app.escalation_runner is None  # stopped with the app


async def test_a_channel_that_starts_failing_shows_on_the_board(paging_service, clock):
    svc = paging_service
    svc.receivers["webhook"].mode = "fail"  # product leads are paged through the webhook
    passes = []

    def runner_factory(db_path, org, clock, on_pass):
        def counted(report):
            passes.append(report)
            on_pass(report)

        return BackgroundRunner(db_path, org, clock, interval=3600, on_pass=counted)

    svc.declare("Orders DB primary down", "SEV1", ["data"], ["orders-db"])
    app = make_app(svc, escalation=True, runner_factory=runner_factory)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        for n in range(
            1, 4
        ):  # one attempt per channel per pass; the third failure in a row is "failing"
            await wait_for(pilot, lambda n=n: len(passes) >= n, timeout=15)
            if n < 3:
                assert "failing" not in screen_text(app)
                clock.advance(minutes=10)  # past the retry backoff
                app.escalation_runner.wake()
        await wait_for(
            pilot, lambda: "⚠ channel hook failing (3×: HTTP 503" in screen_text(app), timeout=15
        )
        assert "1 open incident" in screen_text(app)


async def test_no_runner_unless_the_app_is_asked(paging_service):
    svc = paging_service
    inc = svc.declare("Orders DB primary down", "SEV1", ["data"], ["orders-db"])
    app = make_app(svc)  # what every other TUI test does
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(inc.id)
        await settle(pilot)
        assert app.escalation_runner is None
        assert "Paging: off in this console — page by hand" in screen_text(app)
    assert svc.receivers["pagerduty"].bodies() == []


async def test_a_runner_switched_off_in_the_database_never_starts(paging_service, tmp_path):
    # Drill databases set notify.local_runner = off (console/drills/session.py).
    svc = paging_service
    svc.store.set_setting("notify.local_runner", "off")
    svc.declare("Orders DB primary down", "SEV1", ["data"], ["orders-db"])
    made = []
    app = make_app(svc, escalation=True, runner_factory=lambda *a, **kw: made.append(a))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await app.workers.wait_for_complete()
        assert app.escalation_runner is None and made == []
        assert app.paging_mode == "off (notify.local_runner = off)"
    assert svc.receivers["pagerduty"].bodies() == []


async def test_the_drill_app_never_runs_a_real_runner(tmp_path):
    from console.drills import library
    from console.drills.session import DrillSession
    from console.tui.screens.drill import DrillApp

    scn, org = library.load("cdn-outage")
    s = DrillSession(scn, org, Store(tmp_path / "drill.db"), actor="ic.tester")
    s.start()
    app = DrillApp(s, tick_seconds=None, briefing=False, persist_theme=False, escalation=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert app.escalation_runner is None


def test_paging_line_states_per_target():
    from console.tui.widgets.paging import target_states

    rows = [
        {
            "kind": "trigger",
            "step": "SEV1+0",
            "target": "a",
            "state": "delivered",
            "attempts": 1,
            "created_at": "1",
            "next_attempt_at": None,
        },
        {
            "kind": "trigger",
            "step": "SEV1+0",
            "target": "a",
            "state": "queued",
            "attempts": 2,
            "created_at": "1",
            "next_attempt_at": "2026-03-01T02:05:00Z",
        },
        {
            "kind": "trigger",
            "step": "SEV1+0",
            "target": "b",
            "state": "queued",
            "attempts": 2,
            "created_at": "2",
            "next_attempt_at": "2026-03-01T02:05:00Z",
        },
        {
            "kind": "trigger",
            "step": "SEV1+15",
            "target": "c",
            "state": "queued",
            "attempts": 0,
            "created_at": "3",
            "next_attempt_at": "2026-03-01T02:15:00Z",
        },
        {
            "kind": "trigger",
            "step": "SEV1+15",
            "target": "d",
            "state": "abandoned",
            "attempts": 0,
            "created_at": "4",
            "next_attempt_at": None,
        },
        {
            "kind": "nudge",
            "step": None,
            "target": "commander",
            "state": "queued",
            "attempts": 0,
            "created_at": "5",
            "next_attempt_at": None,
        },
    ]
    assert target_states(rows) == [
        ("SEV1+0", [("a", "delivered"), ("b", "failed (retry 02:05:00 UTC)")]),
        ("SEV1+15", [("c", "queued"), ("d", "abandoned")]),
    ]
