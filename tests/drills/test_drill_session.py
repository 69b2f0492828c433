"""The drill's clock, timeline, database and tagging."""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import UTC, datetime

import pytest
from drkit import at, run_cli, run_json, session

from console.drills import library
from console.model.errors import InputError


def test_simulated_clock_speed_and_pause(tmp_path):
    s = session(tmp_path, "cdn-outage", speed=60)
    assert s.elapsed == 0 and [f["t"] for f in s.feed] == [0]  # the opening alert
    s.advance(2)  # two real seconds at 60x: two simulated minutes
    assert s.elapsed == 120 and [f["t"] for f in s.feed] == [0, 120]
    assert s.toggle_pause() is True
    s.advance(30)
    assert s.elapsed == 120  # paused: nothing moves
    s.toggle_pause()
    assert s.slower() == 30 and s.faster() == 60 and s.faster() == 60
    s.set_speed(1)
    assert s.slower() == 1
    s.advance(1.5)
    assert s.elapsed == 121.5
    for bad in (0, 61, 2.5, True):
        with pytest.raises(InputError):
            s.set_speed(bad)


def test_injects_wait_for_the_declaration_then_join_the_timeline(tmp_path):
    s = session(tmp_path, "cdn-outage")
    at(s, 4, 30)
    assert (
        len(s.feed) == 3 and s.incident_id is None
    )  # T+0, T+2, T+4 arrived before anyone declared
    with pytest.raises(InputError, match="declare the incident first"):
        s.page_team("platform-edge")
    inc = s.service.declare("CDN down in Japan", "SEV2", services=["cdn"])
    view = s.service.view(inc.id)
    assert view["drill"] == "cdn-outage"
    kinds = [t["kind"] for t in view["timeline"]]
    assert kinds[:5] == [
        "declared",
        "drill_started",
        "drill_inject",
        "drill_inject",
        "drill_inject",
    ]
    assert "[DRILL T+02:00] symptom: Real-user monitoring" in view["timeline"][3]["text"]
    at(s, 6)
    texts = [t["text"] for t in s.service.view(inc.id)["timeline"]]
    # the false lead looks like any alert: nothing says "false lead"
    lead = next(t for t in texts if "checkout-api v2026" in t)
    assert lead.startswith("[DRILL T+06:00] alert (deploy bot):") and "false" not in lead
    # the escalation engine paged the responsible team at the declaration, into the drill sink
    assert [(p.team, p.step) for p in s.sink.pages] == [("platform-edge", "SEV2+0")]
    assert any(
        t.startswith("page (drill sink) → Edge Platform: Daichi Hayashi [SEV2+0]") for t in texts
    )
    at(s, 6, 30)  # the on-call answers 2:00 after the page at T+04:30
    texts = [t["text"] for t in s.service.view(inc.id)["timeline"]]
    assert any("acknowledged (simulated): Daichi Hayashi (Edge Platform)" in t for t in texts)
    step = s.service.view(inc.id)["escalation"][0]
    assert (step["key"], step["state"]) == ("SEV2+0", "acknowledged")


def test_a_direct_page_goes_to_whoever_is_on_call_at_the_drill_clock(tmp_path):
    """SRE follows the sun (Tokyo, Dublin, New York); the org file's fixed `on_call` for
    it is someone else. A direct page goes to the shift the drill's clock is in."""
    assert library.load("cdn-outage")[1].teams["sre-core"].on_call == "yusuke.takeda"
    for hour, person in ((12, "aoife.byrne"), (20, "maya.brooks")):
        where = tmp_path / str(hour)
        where.mkdir()
        start = datetime(2026, 3, 2, hour, 0, tzinfo=UTC)
        s = session(where, "cdn-outage", start=start)
        assert s.on_call("sre-core") == person
        s.service.declare("CDN down in Japan", "SEV2", services=["cdn"])
        s.page_team("sre-core")
        page = s.sink.pages[-1]
        assert (page.team, page.person, page.step) == ("sre-core", person, None)


def test_second_declaration_is_tagged_but_not_scored(tmp_path):
    s = session(tmp_path, "cdn-outage")
    first = s.service.declare("CDN", "SEV2", services=["cdn"])
    other = s.service.declare("Something else", "SEV4", services=["search-api"])
    assert s.incident_id == first.id
    assert s.service.view(other.id)["drill"] == "cdn-outage"


def test_manual_escalation_pages_only_what_the_commander_ticks(tmp_path):
    s = session(tmp_path, "payment-logic-bug", auto_escalate=False)
    inc = s.service.declare("Double captures", "SEV2", services=["payment-api"])
    at(s, 3)
    assert s.sink.pages == []  # no engine: the step is overdue, nobody paged
    assert s.service.view(inc.id)["escalation"][0]["state"] == "overdue"
    s.service.tick(inc.id, "SEV2+0")
    assert [(p.team, p.step) for p in s.sink.pages] == [("payments", "SEV2+0")]
    card = s.finish()
    assert card["drill_sink"]["engine"] == "off (manual escalation)"
    assert (
        card["engagement"][0]["paged_seconds"] == 180
        and card["end_reason"] == "ended by the commander"
    )


def test_time_up_ends_the_drill(tmp_path):
    s = session(tmp_path, "sev3-temptation")
    s.run_until(s.end_at)
    assert s.ended[1] == "time up" and s.scorecard["declared"]["seconds"] is None
    # Nothing reached: level 1 is the floor, and each figure says it was never reached.
    maturity = s.scorecard["maturity"]
    assert not s.scorecard["won"] and maturity["level"] == 1
    assert maturity["name"] == "Basic Distribution"
    texts = {i["id"]: i["text"] for i in maturity["indicators"]}
    assert texts["mttr"] == texts["coordination"] == "never reached"


def test_throwaway_database_by_default(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    run_json("drill", "run", "cdn-outage", "--autopilot", "--json")
    assert list(scratch.iterdir()) == []  # removed afterwards
    assert not (tmp_path / "data" / "local.db").exists()  # the real database was never opened
    code, _, err = run_cli("drill", "run", "cdn-outage", "--autopilot", "--keep")
    kept = err.strip().removeprefix("drill database kept: ")
    assert code == 0 and kept.startswith(str(scratch))
    rows = sqlite3.connect(kept).execute("SELECT id, drill FROM incidents").fetchall()
    assert rows == [("INC-1", "cdn-outage")]


def test_db_option_keeps_drills_and_refuses_real_history(tmp_path):
    db = tmp_path / "drills.db"
    run_json("--db", str(db), "drill", "run", "cdn-outage", "--autopilot", "--json")
    run_json("--db", str(db), "drill", "run", "sev3-temptation", "--autopilot=naive", "--json")
    listed = run_json("--db", str(db), "list", "--all", "--json")
    assert [(i["id"], i["drill"]) for i in listed] == [
        ("INC-2", "sev3-temptation"),
        ("INC-1", "cdn-outage"),
    ] or {(i["id"], i["drill"]) for i in listed} == {
        ("INC-1", "cdn-outage"),
        ("INC-2", "sev3-temptation"),
    }
    period = run_json("--db", str(db), "metrics", "--json")["period"]
    assert (period["incidents"], period["drills_excluded"]) == (0, 2)  # left out of real metrics

    real = tmp_path / "real.db"
    run_json(
        "--db",
        str(real),
        "declare",
        "--title",
        "Real one",
        "--severity",
        "SEV3",
        "--service",
        "cart",
        "--json",
    )
    before = sqlite3.connect(real).execute("SELECT count(*) FROM events").fetchone()[0]
    code, out, err = run_cli("--db", str(real), "drill", "run", "cdn-outage", "--autopilot")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "holds 1 real incident(s); a drill keeps its own database" in err
    assert sqlite3.connect(real).execute("SELECT count(*) FROM events").fetchone()[0] == before


def test_drills_never_sync(tmp_path):
    from console.store import Store
    from console.store import sync_state as state

    db = tmp_path / "shared.db"
    store = Store(db)
    state.set_remote(store, "http://127.0.0.1:9/war-room")
    store.close()
    code, _, err = run_cli("--db", str(db), "drill", "run", "cdn-outage", "--autopilot")
    assert code == 2 and "is shared with a sync remote; a drill stays on this machine" in err


def test_the_drill_database_hosts_no_other_runner(tmp_path):
    from console.notify.runner import local_runner_wanted

    s = session(tmp_path, "cdn-outage")
    assert local_runner_wanted(s.store) is False
