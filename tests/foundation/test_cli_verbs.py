"""Every foundation CLI verb, in-process, with the --json shapes the README documents."""

from __future__ import annotations

import json
import sqlite3

import pytest

from console.store import Store, projections

LATER = "2026-03-01T09:16:00Z"
DONE_SHAPE = {"id", "severity", "status"}
LIST_SHAPE = {
    "id",
    "title",
    "severity",
    "status",
    "commander",
    "declared_at",
    "resolved_at",
    "next_step",
    "next_due_at",
    "drill",
    "layers",
    "services",
}
VIEW_SHAPE = {
    "id",
    "title",
    "severity",
    "severity_meaning",
    "status",
    "open",
    "drill",
    "prevented",
    "layers",
    "services",
    "detection",
    "pattern",
    "responsible_team",
    "declared_at",
    "declared_by",
    "detected_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "roles",
    "handoffs",
    "severity_history",
    "responsibility",
    "on_call",
    "escalation",
    "timeline",
    "updates",
    "decisions",
    "as_of",
}
STEP_SHAPE = {
    "key",
    "severity",
    "offset_minutes",
    "targets",
    "due_at",
    "state",
    "seconds_to_due",
    "derived",
    "notified_at",
    "notified_by",
    "acknowledged_at",
    "acknowledged_by",
    "waived_at",
    "waived_by",
    "waived_reason",
}
RESPONSIBILITY_SHAPE = {
    "severity",
    "severity_meaning",
    "team_type_roles",
    "layers",
    "domains",
    "pattern",
    "coordinator",
    "responsible_team",
}


@pytest.fixture
def declared(run):
    r = run(
        "declare",
        "--title",
        "Orders DB failover",
        "--severity",
        "SEV1",
        "--service",
        "orders-db",
        "--detection",
        "replication lag alert",
        actor="hana",
    )
    assert r.code == 0, r.err
    assert r.out.strip() == "INC-1"
    return "INC-1"


def test_declare_json_and_layers_only(run):
    r = run("declare", "--title", "Edge 503s", "--severity", "2", "--layer", "edge", "--json")
    assert r.code == 0
    assert r.json == {"id": "INC-1", "severity": "SEV2", "title": "Edge 503s"}
    r = run(
        "declare",
        "--title",
        "Second",
        "--severity",
        "sev4",
        "--layer",
        "data",
        "--layer",
        "gateway",
        "--commander",
        "emi",
        "--impact-started",
        "2026-03-01T08:50:00Z",
    )
    assert r.out.strip() == "INC-2"
    view = run("show", "INC-2", "--json").json
    assert view["layers"] == ["data", "gateway"]
    assert view["roles"]["commander"] == "emi"
    assert view["detected_at"] == "2026-03-01T08:50:00.000Z"


def test_list_human_and_json(run, declared):
    run("declare", "--title", "Cart slow", "--severity", "SEV3", "--service", "cart")
    r = run("list", now=LATER)
    assert r.code == 0
    lines = r.out.splitlines()
    assert lines[0].startswith("ID")
    assert lines[1].startswith("INC-1") and "SEV1+0 OVERDUE +16:00" in lines[1]
    assert lines[2].startswith("INC-2") and "SEV3+30 in 14:00" not in lines[2]
    rows = run("list", "--json", now=LATER).json
    assert [row["id"] for row in rows] == ["INC-1", "INC-2"]
    assert all(set(row) == LIST_SHAPE for row in rows)
    assert rows[0]["services"] == ["orders-db"] and rows[0]["layers"] == ["data"]
    assert rows[0]["next_step"] == "SEV1+0"


def test_list_all_includes_resolved_and_limit(run, declared):
    run("declare", "--title", "Cart slow", "--severity", "SEV3", "--service", "cart")
    run("resolve", declared)
    assert [r["id"] for r in run("list", "--json").json] == ["INC-2"]
    assert [r["id"] for r in run("list", "--all", "--json").json] == ["INC-2", "INC-1"]
    assert len(run("list", "--all", "--limit", "1", "--json").json) == 1
    run("resolve", "INC-2")
    assert run("list").out.strip() == "no open incidents"


def test_list_on_an_empty_database(run):
    assert run("list").out.strip() == "no open incidents"
    assert run("list", "--all").out.strip() == "no incidents"
    assert run("list", "--json").json == []


def test_show_human_and_json(run, declared):
    r = run("show", declared, now=LATER)
    assert r.code == 0
    for expected in (
        "INC-1  SEV1  INVESTIGATING  Orders DB failover",
        "responsible team: Data Platform",
        "Responsibility (first / second / final):",
        "Database",
        "Escalation:",
        "SEV1+15   overdue",
        "Timeline (",  # then the zone its times are in
        "declared SEV1",
    ):
        assert expected in r.out, expected
    view = run("show", "1", "--json", now=LATER).json  # a bare number works too
    assert set(view) == VIEW_SHAPE
    assert set(view["responsibility"]) == RESPONSIBILITY_SHAPE
    assert all(set(step) == STEP_SHAPE for step in view["escalation"])
    assert view["as_of"] == "2026-03-01T09:16:00.000Z"
    assert view["declared_by"] == "hana" and view["roles"]["commander"] == "hana"
    assert view["detection"] == "replication lag alert"
    assert [s["state"] for s in view["escalation"]] == ["overdue", "overdue", "pending"]
    db = view["responsibility"]["domains"][0]
    assert db["domain"] == "database"
    assert db["first"]["team"] == "platform-data" and db["first"]["responsible"] is True
    assert db["second"]["team_type"] == "product"
    assert view["responsibility"]["layers"][0]["recovery"] == "replica switch-over, data restore"
    assert view["responsibility"]["team_type_roles"]["sre"] == "overall coordination"
    assert view["responsibility"]["coordinator"]["role"] == "sre_lead"


def test_severity_status_note(run, declared):
    r = run("severity", declared, "SEV2", "--json")
    assert r.code == 0 and r.json == {"id": "INC-1", "severity": "SEV2", "status": "investigating"}
    r = run("status", declared, "identified")
    assert r.out.strip() == "INC-1: status identified"
    r = run("note", declared, "rolled", "back", "the", "deploy", "--json")
    assert set(r.json) == DONE_SHAPE
    timeline = run("show", declared, "--json").json["timeline"]
    assert [t["kind"] for t in timeline] == ["declared", "severity_set", "status_set", "note_added"]
    assert timeline[-1]["text"] == "rolled back the deploy"
    assert timeline[1]["text"] == "severity SEV1 → SEV2"


def test_tick_untick(run, declared):
    assert run("tick", declared, "SEV1+0").out.strip() == "INC-1: step SEV1+0 notified"
    assert run("tick", declared, "SEV1+0", "--ack", "--json").json["id"] == "INC-1"
    step = run("show", declared, "--json").json["escalation"][0]
    assert step["state"] == "acknowledged" and step["notified_by"] == "tester"
    assert run("untick", declared, "SEV1+0").code == 0
    assert run("show", declared, "--json").json["escalation"][0]["state"] == "due"


def test_assign_handoff_accept_only_by_the_offered_person(run, declared):
    assert run("assign", declared, "scribe", "mio").code == 0
    r = run("assign", declared, "scribe", "saki")
    assert r.code == 2 and "held by mio" in r.err
    assert run("handoff", declared, "ic", "kenji", actor="hana").code == 0
    view = run("show", declared, "--json").json
    assert view["roles"]["commander"] == "hana"
    assert view["handoffs"]["commander"]["to"] == "kenji"
    wrong = run("accept", declared, "commander", actor="mallory")
    assert wrong.code == 2 and "offered to kenji" in wrong.err and "--as" in wrong.err
    assert len(wrong.err.strip().splitlines()) == 1
    r = run("accept", declared, "ic", "--json", actor="kenji")
    assert r.code == 0 and set(r.json) == DONE_SHAPE
    view = run("show", declared, "--json").json
    assert view["roles"]["commander"] == "kenji" and view["handoffs"] == {}
    assert run("accept", declared, "ic", actor="kenji").code == 2  # nothing pending any more


def test_add_service_changes_scope(run, declared):
    r = run("add-service", declared, "payment-api", "--json")
    assert r.code == 0 and set(r.json) == DONE_SHAPE
    view = run("show", declared, "--json").json
    assert view["services"] == ["orders-db", "payment-api"]
    assert view["layers"] == ["data", "service"]
    assert {d["domain"] for d in view["responsibility"]["domains"]} == {
        "database",
        "business-logic",
    }
    r = run("add-service", declared, "payment-api")
    assert r.code == 2 and "already lists" in r.err


def test_resolve_and_reopen(run, declared):
    r = run("resolve", declared, "failed", "over", "--json")
    assert r.json == {"id": "INC-1", "severity": "SEV1", "status": "resolved"}
    view = run("show", declared, "--json").json
    assert view["open"] is False and view["resolved_at"] == "2026-03-01T09:00:00.000Z"
    assert view["timeline"][-1]["text"] == "resolved: failed over"
    assert run("note", declared, "after the fact").code == 0  # notes are allowed on resolved ones
    assert run("severity", declared, "SEV2").code == 2
    assert run("reopen", declared).out.strip() == "INC-1: reopened"
    assert run("show", declared, "--json").json["status"] == "investigating"
    assert run("reopen", declared).code == 2
    assert run("status", declared, "resolved").code == 0


def test_export_markdown_and_json(run, declared, tmp_path):
    run("note", declared, "Failover started")
    r = run("export", declared)
    assert r.code == 0
    assert "INC-1: Orders DB failover" in r.out
    for section in ("## Escalation", "## Timeline", "## Roles", "## Responsibility"):
        assert section in r.out
    assert "Failover started" in r.out
    as_json = run("export", declared, "--format", "json").json
    assert set(as_json) == VIEW_SHAPE
    out = tmp_path / "inc.md"
    r = run("export", declared, "-o", str(out))
    assert r.code == 0 and "written to" in r.err
    assert "## Timeline" in out.read_text("utf-8")


def test_rebuild_verb(run, declared, db_path):
    run("tick", declared, "1")
    store = Store(db_path)
    before = projections.snapshot(store.conn)
    store.conn.execute("DELETE FROM incidents")
    store.close()
    r = run("rebuild", "--json")
    assert r.code == 0 and r.json == {"rebuilt": 1}
    store = Store(db_path)
    assert projections.snapshot(store.conn) == before
    store.close()
    assert run("rebuild").out.strip() == "rebuilt 1 incident(s) from the event log"


def test_example_db_verb(run, tmp_path):
    path = tmp_path / "demo.db"
    r = run("example-db", str(path), "--json")
    assert r.code == 0, r.err
    assert r.json["path"] == str(path) and r.json["incidents"] > 0
    r = run("example-db", str(path))
    assert r.code == 2 and "--force" in r.err
    assert run("example-db", str(path), "--force", "--seed", "3").code == 0
    conn = sqlite3.connect(path)
    sevs = {r[0] for r in conn.execute("SELECT DISTINCT severity FROM incidents")}
    layers = {x for (v,) in conn.execute("SELECT layers FROM incidents") for x in v.split(",") if x}
    open_count = conn.execute("SELECT count(*) FROM incidents WHERE is_open = 1").fetchone()[0]
    total = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    conn.close()
    assert sevs == {"SEV1", "SEV2", "SEV3", "SEV4", "SEV5"}
    assert layers == {"edge", "gateway", "service", "data"}
    assert 0 < open_count < total / 2
    rows = run("--db", str(path), "list", "--all", "--json", now=None).json
    assert len(rows) == total


def test_db_option_and_env_select_the_database(run, tmp_path, monkeypatch):
    other = tmp_path / "other.db"
    assert (
        run(
            "--db", str(other), "declare", "--title", "x", "--severity", "SEV5", "--layer", "edge"
        ).code
        == 0
    )
    assert other.exists()
    assert run("list", "--json").json == []  # the env database is untouched
    monkeypatch.setenv("INCIDENT_CONSOLE_DB", str(other))
    assert [r["id"] for r in run("list", "--json").json] == ["INC-1"]


def test_default_database_lives_in_the_data_dir(run, tmp_path, monkeypatch):
    monkeypatch.delenv("INCIDENT_CONSOLE_DB")
    monkeypatch.setenv("INCIDENT_CONSOLE_DATA_DIR", str(tmp_path / "data-home"))
    assert run("declare", "--title", "x", "--severity", "SEV5", "--layer", "edge").code == 0
    assert (tmp_path / "data-home" / "local.db").exists()


def test_model_verbs_never_open_a_database(run, db_path):
    assert run("model", "--json").code == 0
    assert run("model", "check").code == 0
    assert not db_path.exists()


def test_json_is_valid_for_every_verb_that_has_it(run, declared):
    for argv in (
        ["list", "--json"],
        ["show", declared, "--json"],
        ["model", "--json"],
        ["model", "check", "--json"],
        ["rebuild", "--json"],
    ):
        r = run(*argv)
        assert r.code == 0
        json.loads(r.out)
