"""A drill never reaches a real channel: an org whose [[channels]] point every team,
role and nudge at a real HTTP receiver on 127.0.0.1 — the receiver does get a real
incident's pages (control), and nothing from any drill, however it is run."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from drkit import run_cli, run_json

from console.drills import library
from console.model.clock import ManualClock
from console.notify.runner import EscalationRunner
from console.service import IncidentService
from console.store import Store


class Receiver:
    def __init__(self):
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "body": json.loads(body or b"{}")})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def world(tmp_path, receiver):
    """An org file with a webhook channel for everyone, and a copy of cdn-outage using it."""
    org = library.load("cdn-outage")[1]
    teams = ", ".join(f'"{t}"' for t in org.teams)
    roles = ", ".join(f'"{r}"' for r in org.roles)
    (tmp_path / "org-channels.toml").write_text(
        f'[[channels]]\nid = "everyone"\ntype = "webhook"\nurl = "{receiver.url}"\n'
        f"teams = [{teams}]\nroles = [{roles}]\nnudges = true\n"
    )
    bundled = library.locate("cdn-outage").read_text()
    scenario = tmp_path / "cdn-real-channels.toml"
    scenario.write_text('org = "org-channels.toml"\n' + bundled)
    return tmp_path, scenario


def test_control_the_channel_reaches_the_receiver_for_a_real_incident(world, receiver):
    tmp_path, scenario = world
    scn, org = library.load(str(scenario))
    assert "channels" in org.extra
    store = Store(tmp_path / "real.db")
    clock = ManualClock(datetime(2026, 3, 14, 3, 0, tzinfo=UTC))
    IncidentService(store, org, clock, "ic.tester").declare("CDN 503", "SEV2", services=["cdn"])
    EscalationRunner(store, org, clock).run_once()
    assert receiver.requests, "the webhook channel must work, or the drill test proves nothing"
    store.close()


@pytest.mark.parametrize("style", ["ideal", "naive"])
def test_autopilot_drills_page_only_the_drill_sink(world, receiver, style):
    _, scenario = world
    card = run_json("drill", "run", str(scenario), f"--autopilot={style}", "--json")
    assert card["drill_sink"]["pages"] > 0 and card["drill_sink"]["engine_messages"] > 0
    assert card["drill_sink"]["engine"] == "console.notify runner"
    assert receiver.requests == []


def test_a_kept_drill_database_stays_off_real_channels(world, receiver):
    tmp_path, scenario = world
    db = tmp_path / "drills.db"
    run_json("--db", str(db), "drill", "run", str(scenario), "--autopilot=naive", "--json")
    # a real escalation runner pointed at the drill database, with the real channels
    code, _, err = run_cli(
        "--db",
        str(db),
        "--org",
        str(tmp_path / "org-channels.toml"),
        "escalate",
        "--once",
        "--at",
        "2026-03-14T04:00:00Z",
    )
    assert code == 0, err
    assert receiver.requests == []


def test_a_commander_run_pages_only_the_drill_sink(world, receiver):
    _, scenario = world
    scn, org = library.load(str(scenario))
    from console.drills.session import DrillSession

    s = DrillSession(scn, org, Store(world[0] / "cmd.db"), actor="ic.tester")
    s.start()
    inc = s.service.declare("CDN 503", "SEV1", services=["cdn"])  # over-escalated: more pages
    for team in org.teams:
        s.page_team(team)
    s.run_until(s.end_at)
    assert s.ended and len(s.sink.pages) >= len(org.teams)
    assert {p.team for p in s.sink.pages} == set(org.teams)
    assert s.service.view(inc.id)["drill"] == "cdn-real-channels"
    assert receiver.requests == []
