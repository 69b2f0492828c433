"""Joining a big war room: a new console against a server holding 100,000 incidents /
1,000,000 events shows the open incidents first, while the history arrives behind them.

A real `incident-console serve` runs on 127.0.0.1 over a server log built once and cached
under /tmp/incident-bench (the events a console writes: bench/bigdb.py's templates, with
extra notes, the newest few hundred incidents open). In one run it measures:

(a) time until the open incidents are on the board of a new console:
    - baseline: a plain pull from 0 (the real SyncClient, pages applied and folded) —
      the open incidents are the newest, so the board has them only at the end;
    - join, real client: `SyncClient.join()` until the board projection lists them;
    - join, the TUI: spawn to the board showing "N open incidents" on a real pty (120x40);
(b) key press to redraw on the board (`/` opens the filter row, `esc` closes it) while
    the history arrives, against the same keys once it is all in (idle), same session;
    and how fast the history comes in while those keys are pressed (the pull stands aside
    for a moment after each key) against its rate over the whole pull;
(c) time until the whole history is in (the TUI's top bar says synced).

    python bench/join_bench.py [--incidents 100000] [--per-incident 10] [--open 300]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from bench.bigdb import EPOCH, TEMPLATES, _templates  # noqa: E402
from bench.tui_pty import PtyApp, summary  # noqa: E402
from console import config  # noqa: E402
from console.model.clock import iso  # noqa: E402
from console.service import IncidentService  # noqa: E402
from console.store import Store  # noqa: E402
from console.store import sync_state as state  # noqa: E402
from console.store.server_log import Item, SqliteLog  # noqa: E402
from console.sync import protocol as wire  # noqa: E402
from console.sync.client import SyncClient  # noqa: E402

TOKEN = "bench-token-0123456789abcdef"
FOLDER = Path("/tmp/incident-bench")
GOAL_S = 3.0


# ------------------------------------------------------------------ the server log


def _log_path(incidents: int, per_incident: int, open_count: int) -> Path:
    return FOLDER / f"join-server-{incidents}x{per_incident}-open{open_count}.db"


def build_server_log(incidents: int, per_incident: int, open_count: int) -> dict:
    """The server log, through the storage's own append (so the open set is kept as in
    production), in server_seq order = time order; reused when already built."""
    path = _log_path(incidents, per_incident, open_count)
    done = path.with_suffix(".done")
    if path.exists() and done.exists():
        return json.loads(done.read_text())
    FOLDER.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    started = time.perf_counter()
    org = config.load(None)
    closed, live = _templates(org, resolved=True), _templates(org, resolved=False)
    now = datetime.now(UTC).replace(microsecond=0)
    span = timedelta(days=730)
    first_open = incidents - open_count + 1
    log = SqliteLog(path)
    log.conn.execute("PRAGMA synchronous = OFF")  # building, not serving
    batch: list[Item] = []
    counter = 0
    total = 0
    for number in range(1, incidents + 1):
        is_open = number >= first_open
        template = (live if is_open else closed)[number % len(TEMPLATES)]
        if is_open:
            start = now - timedelta(minutes=55) + timedelta(seconds=number - first_open)
        else:
            start = now - span + span * number / incidents
        delta = start - EPOCH
        events = [e.to_dict() for e in template.events]
        # extra notes after the declaration, up to per_incident events
        extra = max(0, per_incident - len(events))
        notes = [
            {
                **events[0],
                "kind": "note_added",
                "body": {"text": f"update {n}: error rate {n * 7 % 37}%, still looking"},
                "at": iso(template.events[0].when + timedelta(seconds=10 + n)),
            }
            for n in range(extra)
        ]
        ordered = [events[0], *notes, *events[1:]]
        for raw, when in zip(ordered, _times(template, extra), strict=True):
            counter += 1
            at = when + delta
            raw = {
                **raw,
                "event_id": f"00000000-0000-7000-8000-{counter:012x}",
                "incident_id": f"INC-{number}",
                "origin": "bench01",
                "hlc": f"{int(at.timestamp() * 1000):013d}-{counter % 100000:05d}",
                "at": iso(at),
            }
            batch.append(
                Item(raw["event_id"], raw["incident_id"], raw["kind"], wire.canonical(raw))
            )
        total += len(ordered)
        if len(batch) >= 5000:
            log.append(batch, "bench", iso(now))
            batch = []
    if batch:
        log.append(batch, "bench", iso(now))
    log.conn.execute("ANALYZE")
    open_now = log.open_page(0, None, 1).incidents
    log.close()
    meta = {
        "path": str(path),
        "incidents": incidents,
        "events": total,
        "open": open_now,
        "built_in_s": round(time.perf_counter() - started, 1),
    }
    done.write_text(json.dumps(meta))
    return meta


def _times(template, extra: int) -> list[datetime]:
    first = template.events[0].when
    rest = [e.when for e in template.events[1:]]
    return [first, *(first + timedelta(seconds=10 + n) for n in range(extra)), *rest]


# ------------------------------------------------------------------ the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    """`incident-console serve` in its own process, on loopback."""

    def __init__(self, log: Path, work: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        tokens = work / "tokens"
        tokens.write_text(TOKEN + "\n")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "console",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--db",
                str(log),
                "--token-file",
                str(tokens),
                "--no-escalation",
            ],
            env={**os.environ, **_env(work)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("serve did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _env(work: Path) -> dict[str, str]:
    return {
        "INCIDENT_CONSOLE_CONFIG_DIR": str(work / "config"),
        "INCIDENT_CONSOLE_DATA_DIR": str(work / "data"),
        "INCIDENT_CONSOLE_TOKEN": TOKEN,
    }


def _new_console(path: Path, url: str) -> IncidentService:
    store = Store(path)
    state.set_remote(store, url)
    return IncidentService(store, config.load(None), actor="bench")


# ------------------------------------------------------------------ (a) client side


def plain_pull(url: str, work: Path, open_count: int) -> dict:
    """The baseline: pull from 0 until caught up; the board then lists the open ones."""
    service = _new_console(work / "plain.db", url)
    t0 = time.perf_counter()
    with SyncClient(service, url, TOKEN, timeout=60) as client:
        report = client.pull_all()
    shown = service.board_count()
    took = time.perf_counter() - t0
    service.close()
    assert shown == open_count, (shown, open_count)
    return {"seconds": round(took, 2), "events": report.received}


def client_join(url: str, work: Path, open_count: int) -> dict:
    """The real client: join, then the board projection lists the open incidents."""
    service = _new_console(work / "joined.db", url)
    t0 = time.perf_counter()
    with SyncClient(service, url, TOKEN, timeout=60) as client:
        report = client.join()
        shown = service.board_count()
    took = time.perf_counter() - t0
    service.close()
    assert shown == open_count, (shown, open_count)
    return {"seconds": round(took, 3), "events": report.received, "pages": report.pages}


# ------------------------------------------------------------------ (a, b, c) the TUI


def _filter_shown(screen: str) -> bool:
    return "filter: id, title" in screen


def _key_samples(app: PtyApp, samples: int, until=None) -> list[float]:
    """`/` then `esc` on the board; each the time to the redrawn screen."""
    out: list[float] = []
    for _ in range(samples):
        if until is not None and until(app.screen.text()):
            break
        t0 = app.send("/")
        out.append(app.wait_for(_filter_shown, 30) - t0)
        app.drain(0.05)
        t0 = app.send("\x1b")
        out.append(app.wait_for(lambda s: not _filter_shown(s), 30) - t0)
        app.drain(0.15)
    return out


def _history_done(screen: str) -> int | None:
    """Events of the history in so far, from the top bar's 'history 45% (450,000 of …'."""
    top = screen.splitlines()[0] if screen else ""
    m = re.search(r"history \d+% \(([\d,]+) of", top)
    return int(m.group(1).replace(",", "")) if m else None


def _synced(screen: str) -> bool:
    top = screen.splitlines()[0] if screen else ""
    return "synced" in top and "never" not in top and "history" not in top


def tui_join(url: str, work: Path, open_count: int, samples: int) -> dict:
    db = work / "tui.db"
    _new_console(db, url).close()
    app = PtyApp(
        [sys.executable, "-m", "console", "--db", str(db), "--as", "bench"], env=_env(work)
    )
    try:
        shown = app.wait_for(lambda s: f"{open_count} open incidents" in s, 120) - app.started
        # (b) while the history arrives
        top_when_shown = app.screen.text().splitlines()[0].strip()
        arriving = "history" in top_when_shown
        # how fast the history comes in while keys are pressed (the pull gives way to them)
        keys_from, first = time.perf_counter(), _history_done(app.screen.text())
        busy = _key_samples(app, samples, until=_synced)
        keys_took, last = time.perf_counter() - keys_from, _history_done(app.screen.text())
        # (c) the whole history
        done = app.wait_for(_synced, 1800) - app.started
        app.drain(1.0)
        idle = _key_samples(app, samples)
        top = app.screen.text().splitlines()[0]
    finally:
        app.close()
    return {
        "open_shown_s": round(shown, 2),
        "history_was_arriving_when_shown": arriving,
        "top_bar_when_shown": top_when_shown,
        "history_complete_s": round(done, 1),
        "keys_while_history_arrives": summary(busy),
        "keys_idle": summary(idle),
        "history_events_per_s_while_keys": round((last - first) / keys_took)
        if first is not None and last is not None
        else None,
        "top_bar_at_end": top.strip(),
    }


def _held(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM events").fetchone()[0]


def run(incidents: int, per_incident: int, open_count: int, samples: int) -> dict:
    meta = build_server_log(incidents, per_incident, open_count)
    work = Path(tempfile.mkdtemp(prefix="join-bench-"))
    server = Serve(Path(meta["path"]), work)
    try:
        joined = client_join(server.url, work, meta["open"])
        tui = tui_join(server.url, work, meta["open"], samples)
        plain = plain_pull(server.url, work, meta["open"])
        held = _held(work / "tui.db")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    busy, idle = tui["keys_while_history_arrives"], tui["keys_idle"]
    return {
        "benchmark": "join_bench",
        "what": "a new console joins a server log: open incidents on the board first, history behind",
        "server_log": meta,
        "goal_open_shown_s_max": GOAL_S,
        "plain_pull_from_0": plain,
        "join_client": joined,
        "tui": tui,
        "tui_events_held_at_end": held,
        "ratios": {
            "join_client_vs_plain_pull": round(joined["seconds"] / plain["seconds"], 4),
            "tui_open_shown_vs_plain_pull": round(tui["open_shown_s"] / plain["seconds"], 4),
            "keys_p95_while_history_vs_idle": round(busy["p95_ms"] / idle["p95_ms"], 2)
            if busy.get("n") and idle.get("n")
            else None,
            "history_rate_while_keys_vs_overall": round(
                tui["history_events_per_s_while_keys"]
                / (meta["events"] / tui["history_complete_s"]),
                2,
            )
            if tui["history_events_per_s_while_keys"]
            else None,
            "tui_history_complete_vs_plain_pull": round(
                tui["history_complete_s"] / plain["seconds"], 2
            ),
        },
        "meets_goal": tui["open_shown_s"] <= GOAL_S and held == meta["events"],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--incidents", type=int, default=100_000)
    p.add_argument("--per-incident", type=int, default=10, help="events per incident")
    p.add_argument("--open", type=int, default=300, dest="open_count")
    p.add_argument("--samples", type=int, default=20, help="key presses per phase")
    p.add_argument("--build-only", action="store_true", help="build (or find) the log, exit")
    a = p.parse_args(argv)
    if a.build_only:
        print(json.dumps(build_server_log(a.incidents, a.per_incident, a.open_count), indent=2))
        return 0
    print(json.dumps(run(a.incidents, a.per_incident, a.open_count, a.samples), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
