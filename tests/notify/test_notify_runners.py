"""Runners where they must run: several at once (threads and processes) never
double-page; a runner killed mid-way and restarted misses nothing; a restarted
runner catches up and says so; the background runner the TUI and serve use."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from nkit import PD_KEY, T0, delivered_via, make_world

from console.model.clock import ManualClock, SystemClock, iso
from console.notify.runner import EscalationRunner, start_background
from console.service import IncidentService
from console.store import Store, outbox

REPO = Path(__file__).resolve().parents[2]


def all_keys(receivers) -> Counter:
    return Counter(k for r in receivers.values() for k in r.idempotency_keys())


def env_for(world) -> dict:
    env = dict(os.environ)
    env.update(
        {
            "INCIDENT_CONSOLE_SECRET_PD_SRE_KEY": PD_KEY,
            "INCIDENT_CONSOLE_SECRET_SLACK_INCIDENTS_URL": world.receivers["slack"].url,
            "INCIDENT_CONSOLE_SECRET_HOOK_TOKEN": "hook-bearer-token",
            "PYTHONPATH": str(REPO),
        }
    )
    return env


def cli(world, *args: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "console",
        "--db",
        str(world.db_path),
        "--org",
        str(world.org_path),
        *args,
    ]


def test_two_runner_threads_page_each_target_exactly_once(world):
    for r in world.receivers.values():
        r.delay = 0.01  # widen the window in which two runners overlap
    incs = [
        world.service.declare(f"Outage {i}", "SEV1", services=["payment-api"]) for i in range(3)
    ]
    minutes = list(range(0, 36))
    go, done = threading.Barrier(3), threading.Barrier(3)
    errors: list[BaseException] = []
    work: list[Counter] = []

    def worker():
        mine = Counter()
        work.append(mine)
        store = Store(world.db_path)  # each runner its own connection, opened in its thread
        runner = EscalationRunner(store, world.org, world.clock, drill_sink=world.drill_sink)
        try:
            for _ in minutes:
                go.wait()
                try:
                    rep = runner.run_once()
                    mine.update(
                        queued=len(rep.queued), delivered=len(rep.delivered), busy=len(rep.busy)
                    )
                except BaseException as exc:  # noqa: BLE001
                    errors.append(exc)
                done.wait()
        finally:
            store.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for minute in minutes:
        world.at(minute)
        go.wait()  # both runners start the pass at the same moment
        done.wait()
    for t in threads:
        t.join()
    assert not errors
    keys = all_keys(world.receivers)
    assert keys and max(keys.values()) == 1, [k for k, n in keys.items() if n > 1]
    rows = world.store.conn.execute("SELECT key, state, attempts FROM notify_outbox").fetchall()
    assert {k for k, _, _ in rows} == set(keys)
    assert all(state == "delivered" and attempts == 1 for _, state, attempts in rows)
    assert sum(w["delivered"] for w in work) == len(rows)  # between them, each row once
    for inc in incs:
        # the timeline holds each decision and each delivery once, whichever runner made it
        ids = [row for row in rows if row[0].startswith(f"{inc.id}/")]
        assert len(world.deliveries(inc.id)) == len(ids)
        queued = world.timeline(inc.id, {"page_queued"})
        assert len(queued) == len({t["text"] + t["at"] for t in queued})


def test_two_runner_processes_page_each_target_exactly_once(world):
    for r in world.receivers.values():
        r.delay = 0.02
    for i in range(4):
        world.service.declare(f"Outage {i}", "SEV1", services=["payment-api"])
    at = iso(T0)
    procs = [
        subprocess.Popen(
            cli(world, "escalate", "--once", "--at", at, "--json"),
            env=env_for(world),
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    keys = all_keys(world.receivers)
    assert len(keys) == 4 * 5  # per incident: kenji x2, aoi x2, hana x1
    assert max(keys.values()) == 1
    reports = [json.loads(o) for o, _ in outs]
    # between them they queued and delivered each page once (whichever runner did it)
    assert sum(len(r["queued"]) for r in reports) == 4 * 3
    assert sum(len(r["delivered"]) for r in reports) == 4 * 5


def test_runner_killed_mid_delivery_and_restarted_misses_nothing_doubles_nothing(world):
    """A real process on the real clock, SIGKILLed while a webhook request is in flight."""
    service = IncidentService(world.store, world.org, SystemClock(), actor="kenji.sato")
    inc = service.declare("Checkout down", "SEV1", services=["payment-api"])
    hook = world.receivers["webhook"]
    hook.mode = "hang"
    proc = subprocess.Popen(
        cli(world, "escalate", "--watch", "--interval", "0.2"),
        env=env_for(world),
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert hook.arrived.wait(30), "the runner never reached the webhook"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    in_flight = f"{inc.id}/SEV1+0/aoi.matsumoto/r0@hook"
    row = world.store.conn.execute(
        "SELECT state FROM notify_outbox WHERE key = ?", [in_flight]
    ).fetchone()
    assert row == ("queued",)  # it never heard back
    before = all_keys(world.receivers)
    assert before[in_flight] == 1
    hook.mode = "ok"
    hook.release.set()
    restart = subprocess.run(
        cli(world, "escalate", "--once"),
        env=env_for(world),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert restart.returncode == 0, restart.stderr
    keys = all_keys(world.receivers)
    expected = {
        f"{inc.id}/SEV1+0/{who}/r0@{ch}"
        for who, ch in (
            ("kenji.sato", "pd-sre"),
            ("kenji.sato", "slack-incidents"),
            ("aoi.matsumoto", "slack-incidents"),
            ("aoi.matsumoto", "hook"),
            ("hana.kobayashi", "pd-sre"),
        )
    }
    assert set(keys) == expected  # nothing missed
    # nothing doubled: each page once, except the one in flight at the kill, which is sent again
    # with the same Idempotency-Key (at least once; the receiver can tell it is a repeat)
    assert {k: n for k, n in keys.items() if n > 1} == {in_flight: 2}
    states = dict(world.store.conn.execute("SELECT key, state FROM notify_outbox").fetchall())
    assert set(states.values()) == {"delivered"}
    delivered = service.get(inc.id)
    texts = delivered_via(t.text for t in delivered.timeline if t.kind == "page_queued")
    assert len(texts) == 5  # the timeline records each delivery exactly once


def test_a_restarted_runner_catches_up_and_says_so(world, capsys):
    from console import cli as console_cli

    inc = world.service.declare("Ledger drift", "SEV2", services=["payment-ledger"])
    base = ["--db", str(world.db_path), "--org", str(world.org_path)]
    assert console_cli.main([*base, "escalate", "--once", "--at", iso(T0)]) == 0
    capsys.readouterr()
    # the runner is down for 40 minutes; SEV2+15 fell due meanwhile, and repeats
    later = T0.replace(minute=40)
    assert console_cli.main([*base, "escalate", "--once", "--at", iso(later)]) == 0
    out = capsys.readouterr().out
    assert "caught up on" in out and "last pass: 2026-03-01T09:00:00.000Z" in out
    texts = [t["text"] for t in world.timeline(inc.id, {"escalation_caught_up"})]
    assert len(texts) == 1
    assert "fell due while no runner had passed since 2026-03-01T09:00:00.000Z" in texts[0]
    queued = [t for t in world.timeline(inc.id, {"page_queued"}) if t["at"] == iso(later)]
    assert any("SEV2+15" in t["text"] for t in queued)  # nothing missed
    keys = all_keys(world.receivers)
    assert max(keys.values()) == 1  # nothing doubled
    # rounds missed while down collapse into one repeat, not a burst
    sev2_0 = [k for k in keys if "/SEV2+0/" in k and "@pd" not in k]
    assert all(k.split("/")[-1].startswith(("r0", "r1")) for k in sev2_0)


def test_background_runner_pages_from_its_own_thread_and_stops(world):
    world.service.declare("Checkout down", "SEV1", services=["payment-api"])
    passes = []
    runner = start_background(
        world.db_path, world.org, world.clock, interval=0.05, on_pass=passes.append
    )
    try:
        deadline = time.monotonic() + 20
        while len(all_keys(world.receivers)) < 5 and time.monotonic() < deadline:
            runner.wake()
            time.sleep(0.02)
    finally:
        runner.stop()
    assert not runner.thread.is_alive()
    assert len(all_keys(world.receivers)) == 5
    assert passes and runner.last_report is passes[-1]
    assert any(p.touched() == ["INC-1"] for p in passes)


def test_restart_after_lease_holder_died_takes_over_at_once(world):
    inc = world.service.declare("Checkout down", "SEV1", services=["payment-api"])
    r = world.runner()
    # a dead process on this host holds the lease (as after a SIGKILL)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    holder = f"{__import__('socket').gethostname()}:{int(dead.stdout)}:deadbeef"
    with world.store.transaction():
        assert outbox.take_lease(world.store.conn, inc.id, "SEV1+0", holder, time.time(), 3600)
    rep = r.run_once()
    assert len(rep.delivered) == 5 and not rep.busy


def test_a_live_lease_holder_blocks_a_second_runner(world):
    inc = world.service.declare("Checkout down", "SEV1", services=["payment-api"])
    a, b = world.runner(), world.runner()
    # a holds the step's lease (as if delivering right now); b queues the pages but must wait
    with world.store.transaction():
        assert outbox.take_lease(world.store.conn, inc.id, "SEV1+0", a.holder, time.time(), 3600)
    rep = b.run_once()
    assert rep.queued and not rep.delivered and rep.busy == [f"{inc.id} SEV1+0"]
    assert all_keys(world.receivers) == Counter()
    with world.store.transaction():
        outbox.release_lease(world.store.conn, inc.id, "SEV1+0", a.holder)
    rep = b.run_once()
    assert len(rep.delivered) == 5


def test_manual_clock_runner_in_a_thread_with_its_own_store(world):
    """What the TUI does: a thread worker opens its own Store (connections do not cross threads)."""
    from console.notify.runner import BackgroundRunner

    world.service.declare("Checkout down", "SEV1", services=["payment-api"])
    clock = ManualClock(T0)
    bg = BackgroundRunner(world.db_path, world.org, clock, interval=0.05)
    t = threading.Thread(target=bg.run)
    t.start()
    try:
        deadline = time.monotonic() + 20
        while len(all_keys(world.receivers)) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        bg.stop()
        t.join(10)
    assert not t.is_alive() and len(all_keys(world.receivers)) == 5


def test_a_synced_console_leaves_escalation_to_serve_unless_told(world):
    from console.notify.runner import local_runner_wanted

    assert local_runner_wanted(world.store)
    with world.store.transaction():
        world.store.set_setting("sync.remote", "https://war-room.example")
    assert not local_runner_wanted(world.store)
    with world.store.transaction():
        world.store.set_setting("notify.local_runner", "on")
    assert local_runner_wanted(world.store)


def test_pages_queued_on_another_database_and_never_delivered_are_adopted(
    tmp_path, receivers, memory_keyring
):
    """A laptop's runner queued pages, then the laptop died before sending them; its
    events reached the server's mirror by sync. After adopt_after_minutes of silence the
    mirror's runner takes them over (same keys), and says so on the timeline."""
    from console.model.paging.decide import orphans
    from console.notify.runner import PassReport

    quiet = "[notify]\nseverity_confirm_minutes = 0\n[notify.SEV1]\nrepeats = 0\nescalate_early_minutes = 0\n"
    world = make_world(tmp_path, receivers, memory_keyring, notify=quiet)
    laptop_store = Store(tmp_path / "laptop.db")
    try:
        laptop = IncidentService(laptop_store, world.org, world.clock, actor="kenji.sato")
        inc = laptop.declare("Checkout down", "SEV1", services=["payment-api"])
        laptop_runner = EscalationRunner(laptop_store, world.org, world.clock)
        laptop_runner._decide_all(T0, PassReport(at=T0))  # queued... and the lid closes
        events = laptop.events(inc.id)
        assert [e.kind for e in events].count("page_queued") == 3
        assert all("message" in e.body for e in events if e.kind == "page_queued")

        world.service.apply_remote(events)  # what sync delivers to the mirror
        mirror = world.runner()
        world.at(14)
        rep = mirror.run_once()
        assert rep.adopted == [] and all_keys(receivers) == Counter()
        world.at(15)
        rep = mirror.run_once()
        assert len(rep.adopted) == 1 and len(rep.adopted[0]["keys"]) == 5
        keys = all_keys(receivers)
        adopted = {
            f"{inc.id}/SEV1+0/{who}/r0@{ch}"
            for who, ch in (
                ("kenji.sato", "pd-sre"),
                ("kenji.sato", "slack-incidents"),
                ("aoi.matsumoto", "slack-incidents"),
                ("aoi.matsumoto", "hook"),
                ("hana.kobayashi", "pd-sre"),
            )
        }
        assert set(keys) == adopted | {
            f"{inc.id}/SEV1+15/taro.yamamoto/r0@pd-sre"
        }  # +15 fell due too
        assert max(keys.values()) == 1
        texts = [t["text"] for t in world.timeline(inc.id, {"page_adopted"})]
        assert texts == [
            "took over 5 page(s) queued elsewhere and not delivered within 15 min (that runner is gone?)"
        ]
        assert (
            orphans(world.service.get(inc.id), T0.replace(minute=30), 15, set()) == []
        )  # delivered now
    finally:
        laptop_store.close()
        world.close()


def test_pages_taken_over_by_a_runner_that_dies_too_are_taken_over_again(
    tmp_path, receivers, memory_keyring
):
    """The laptop queued pages and died; a mirror took them over and died before sending
    them. A third database's runner takes them over once the mirror has been quiet for
    adopt_after_minutes since its takeover — not never (and not before)."""
    from datetime import timedelta

    from console.model.paging.decide import orphans
    from console.notify.runner import PassReport

    quiet = "[notify]\nseverity_confirm_minutes = 0\n[notify.SEV1]\nrepeats = 0\nescalate_early_minutes = 0\n"
    world = make_world(tmp_path, receivers, memory_keyring, notify=quiet)
    stores = [Store(tmp_path / "laptop.db"), Store(tmp_path / "mirror.db")]
    try:
        laptop = IncidentService(stores[0], world.org, world.clock, actor="kenji.sato")
        inc = laptop.declare("Checkout down", "SEV1", services=["payment-api"])
        EscalationRunner(stores[0], world.org, world.clock)._decide_all(T0, PassReport(at=T0))
        mirror = IncidentService(stores[1], world.org, world.clock, actor="escalation-bot")
        mirror.apply_remote(laptop.events(inc.id))
        world.at(20)
        at = T0 + timedelta(minutes=20)
        took = PassReport(at=at)
        EscalationRunner(stores[1], world.org, world.clock)._decide_all(at, took)
        assert len(took.adopted) == 1 and len(took.adopted[0]["keys"]) == 5  # ... and it dies

        world.service.apply_remote(mirror.events(inc.id))  # the third database, by sync
        here = world.service.get(inc.id)
        assert orphans(here, at + timedelta(minutes=14), 15, set()) == []
        again = orphans(here, at + timedelta(minutes=15), 15, set())
        assert set(took.adopted[0]["keys"]) <= {o["key"] for o in again}  # (+15 fell due too)
        world.at(35)
        rep = world.runner().run_once()
        assert set(took.adopted[0]["keys"]) <= {k for a in rep.adopted for k in a["keys"]}
        assert set(took.adopted[0]["keys"]) <= set(all_keys(receivers))
        assert max(all_keys(receivers).values()) == 1
    finally:
        for store in stores:
            store.close()
        world.close()


def test_a_single_database_never_adopts_its_own_pages(world):
    world.receivers["pagerduty"].mode = "fail"  # failing pages stay queued for a long time
    world.service.declare("Checkout down", "SEV1", services=["payment-api"])
    r = world.runner()
    for minute in range(0, 60, 5):
        world.at(minute)
        assert r.run_once().adopted == []
