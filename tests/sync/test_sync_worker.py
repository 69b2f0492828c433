"""The background worker the TUI runs: long-poll in, push out, report state."""

from __future__ import annotations

import queue
import threading
import time

from console.store import sync_state as state
from console.sync.worker import SyncStatus, SyncWorker

TOKEN = "test-token-0123456789abcdef"


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def test_remote_changes_arrive_and_local_ones_leave(tmp_path, server, consoles, org):
    tui, other = consoles("tui", "ana"), consoles("other", "ben")
    inc = tui.service.declare("Checkout errors", "SEV2", layers=["service"]).id
    changes: queue.Queue = queue.Queue()
    statuses: list[SyncStatus] = []
    worker = SyncWorker(
        tui.path,
        org,
        remote=server.url,
        token=TOKEN,
        wait=20,
        on_change=changes.put,
        on_status=statuses.append,
    )
    worker.start()
    try:
        # The declaration goes out without anyone asking.
        wait_for(lambda: len(server.rows()) == 1)
        other.sync(server.url)
        wait_for(lambda: worker.status.state == "connected" and worker.status.outbox == 0)
        # Someone else writes; the worker is parked in a 20 s long-poll and is woken.
        started = time.monotonic()
        other.service.note(inc, "from the other console")
        other.sync(server.url)
        assert changes.get(timeout=10) == [inc]
        assert time.monotonic() - started < 10  # delivered by the long-poll, not a timeout
        notes = [n.text for n in tui.service.get(inc).notes]  # committed: visible to our connection
        assert notes == ["from the other console"]
        # A local change is pushed as soon as the face nudges.
        tui.service.note(inc, "local")
        worker.nudge()
        wait_for(lambda: len(server.rows()) == 3)
        wait_for(lambda: worker.status.outbox == 0 and worker.status.last_sync)
    finally:
        worker.stop()
    assert not any(t.is_alive() for t in worker._threads)  # noqa: SLF001
    assert statuses and statuses[-1].state == "stopped"
    assert {s.state for s in statuses} >= {"connected"}


def test_offline_then_back(tmp_path, make_server, consoles, org):
    srv = make_server(tmp_path / "server.db")
    tui = consoles("tui")
    worker = SyncWorker(tui.path, org, remote=srv.url, token=TOKEN, wait=1, random=lambda: 0.1)
    worker.start()
    try:
        wait_for(lambda: worker.status.state == "connected")
        srv.stop()
        tui.service.declare("While offline", "SEV3", layers=["data"])
        worker.nudge()
        status = wait_for(lambda: worker.status if worker.status.state == "offline" else None)
        assert "cannot reach" in status.error and "offline" in status.text()
        wait_for(lambda: worker.status.outbox == 1)
        srv.start()  # same port, same log
        wait_for(
            lambda: worker.status.state == "connected" and worker.status.outbox == 0, timeout=20
        )
        assert len(srv.rows()) == 1
    finally:
        worker.stop()


def test_wrong_token_is_an_error_state(server, consoles, org):
    tui = consoles("tui")
    worker = SyncWorker(tui.path, org, remote=server.url, token="wrong-token-0123456789")
    worker.start()
    try:
        status = wait_for(lambda: worker.status if worker.status.state == "error" else None)
        assert "refused the token" in status.error
    finally:
        worker.stop()


def test_run_blocks_until_stopped_even_mid_long_poll(server, consoles, org):
    tui = consoles("tui")
    worker = SyncWorker(tui.path, org, remote=server.url, token=TOKEN, wait=30)
    runner = threading.Thread(target=worker.run)
    runner.start()
    wait_for(lambda: worker.status.state == "connected")
    time.sleep(0.3)  # let the puller park in its long-poll
    worker.stop()
    runner.join(5)
    assert not runner.is_alive()


def test_no_remote_means_local_only(consoles, org):
    tui = consoles("tui")
    seen = []
    worker = SyncWorker(tui.path, org, on_status=seen.append)
    worker.start()
    wait_for(lambda: worker.status.state == "off")
    worker.stop()
    assert seen[0].text() == "local only"


def test_status_text():
    s = SyncStatus(state="connected", outbox=2, dead_letters=1, last_sync=None)
    assert s.text() == "⇅ synced never · outbox 2 · 1 dead"
    assert SyncStatus(state="error").text() == "⚠ sync error"
    assert set(SyncStatus().to_dict()) == {
        "state",
        "remote",
        "outbox",
        "dead_letters",
        "last_sync",
        "error",
        "history",
        "joined",
    }
    joining = SyncStatus(state="connected", history=(450_000, 1_000_000), joined=312)
    assert joining.text() == "⇣ 312 open in · history 45% (450,000 of 1,000,000 events)"
    assert joining.to_dict()["history"] == [450_000, 1_000_000]


def test_a_new_console_joins_then_shows_the_history_arriving(server, consoles, org):
    ana = consoles("ana")
    live = ana.service.declare("Checkout down", "SEV1", layers=["service"]).id
    for i in range(8):
        ana.service.resolve(ana.service.declare(f"old {i}", "SEV3", layers=["service"]).id, "ok")
    ana.sync(server.url)
    tui = consoles("tui")
    seen: list = []
    changed: list = []
    worker = SyncWorker(
        tui.path,
        org,
        remote=server.url,
        token=TOKEN,
        on_status=seen.append,
        on_change=changed.extend,
        page_size=2,  # several pages of history
    )
    worker.start()
    wait_for(lambda: worker.status.last_sync is not None)
    worker.stop()
    assert changed[0] == live  # the open incident came first
    assert any(s.joined == 1 and s.history is not None for s in seen)
    assert worker.status.history is None  # all in: nothing left to show
    assert tui.event_ids() == ana.event_ids()


def test_a_history_being_pulled_stands_aside_after_a_key_until_the_screen_has_answered(
    server, consoles, org
):
    ana = consoles("ana")
    live = ana.service.declare("Checkout down", "SEV1", layers=["service"]).id
    for i in range(4):
        ana.service.resolve(ana.service.declare(f"old {i}", "SEV3", layers=["service"]).id, "ok")
    ana.sync(server.url)
    tui = consoles("tui")
    changed: list = []
    worker = SyncWorker(
        tui.path, org, remote=server.url, token=TOKEN, on_change=changed.extend, page_size=2
    )
    worker.give_way(3600)  # a key was just pressed, and (for this test) the turn never ends
    worker.start()
    wait_for(lambda: live in changed)  # the join's open incidents are not held back
    assert worker.status.history is not None
    assert state.cursor(tui.store.conn).after == 0  # the history waits for the screen
    worker.carry_on()  # the screen has answered
    try:
        wait_for(lambda: worker.status.last_sync is not None and worker.status.history is None)
        assert tui.event_ids() == ana.event_ids()
    finally:
        worker.stop()
    assert not any(t.is_alive() for t in worker._threads)  # noqa: SLF001


def test_a_live_pull_is_not_held_by_key_presses(server, consoles, org):
    tui, other = consoles("tui", "ana"), consoles("other", "ben")
    changes: queue.Queue = queue.Queue()
    worker = SyncWorker(tui.path, org, remote=server.url, token=TOKEN, on_change=changes.put)
    worker.start()
    try:
        wait_for(lambda: worker.status.state == "connected" and worker.status.history is None)
        worker.give_way(3600)  # caught up: the pull waits on the server, not on the screen
        inc = other.service.declare("Edge 503s", "SEV2", layers=["edge"]).id
        other.sync(server.url)
        assert changes.get(timeout=10) == [inc]
    finally:
        worker.stop()


def test_stop_ends_a_pull_that_stands_aside(server, consoles, org):
    ana = consoles("ana")
    ana.service.declare("Checkout down", "SEV1", layers=["service"])
    ana.service.resolve(ana.service.declare("old", "SEV3", layers=["service"]).id, "ok")
    ana.sync(server.url)
    tui = consoles("tui")
    worker = SyncWorker(tui.path, org, remote=server.url, token=TOKEN, page_size=1)
    worker.give_way(3600)
    worker.start()
    wait_for(lambda: worker.status.history is not None)
    worker.stop()
    assert not any(t.is_alive() for t in worker._threads)  # noqa: SLF001
