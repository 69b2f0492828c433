"""The event catalogue: one registry of kinds with typed bodies, checked at the
service's door with the server's limits; the fold does not depend on what a process
happened to import; hybrid logical clocks keep their shape."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.model import events
from console.model.errors import InputError
from console.model.events import CATALOGUE, Event
from console.model.fold import fold
from console.model.hlc import HLC, MAX_COUNTER, receive, tick

REPO = Path(__file__).resolve().parents[2]


def test_every_kind_has_a_body_type_and_a_handler_and_names_are_unique():
    bodies = [k.body for k in CATALOGUE.values()]
    assert len(set(bodies)) == len(bodies)
    for name, kind in CATALOGUE.items():
        assert kind.name == name
        assert callable(kind.fold)
        assert issubclass(kind.body, events.Body)


def test_every_kind_the_product_writes_is_in_the_catalogue(service):
    """A drill with automated escalation writes most kinds; each stored kind is known."""
    inc = service.declare("Checkout down", "SEV1", services=["payment-api"])
    service.note(inc.id, "looking")
    service.tick(inc.id, "1")
    service.assign(inc.id, "scribe", "mia")
    service.handoff(inc.id, "scribe", "kenji.sato")
    service.set_status(inc.id, "monitoring")
    service.resolve(inc.id, "fixed")
    service.reopen(inc.id)
    kinds = {r[0] for r in service.store.conn.execute("SELECT kind FROM events")}
    assert kinds <= set(CATALOGUE)


@pytest.mark.parametrize(
    "kind, body, words",
    [
        ("note_added", {}, "body.text is required"),
        ("declared", {"severity": "SEV1"}, "body.title is required"),
        ("severity_set", {"severity": "SEV9"}, "body.severity cannot be 'SEV9'"),
        ("step_ticked", {"step": "later"}, "body.step must look like SEV2+15"),
        ("note_added", {"text": "x" * 16_001}, "body.text"),
        ("note_added", {"text": "stray \udcff byte"}, "not valid UTF-8"),
        (
            "declared",
            {"title": "t", "severity": "SEV1", "impact_started_at": "2026-13-45T99:00:00Z"},
            "impact_started_at",
        ),
        ("page_queued", {"key": "k", "kind": "trigger", "target": "x", "round": -1}, "body.round"),
        ("note_added", [1, 2], "must be a JSON object"),
    ],
)
def test_bad_bodies_are_named_by_field(kind, body, words):
    problem = events.body_problem(kind, body)
    assert problem is not None and words in problem


def test_an_unknown_kind_is_kept_and_folds_to_a_visible_no_op():
    base = dict(incident_id="INC-1", actor="a", origin="o", at="2026-03-01T09:00:00.000Z")
    declared = events.to_plain(events.Declared(title="t", severity="SEV2"))
    evs = [
        Event("e1", kind="declared", body=declared, hlc="1772355600000-00000", **base),
        Event("e2", kind="runbook_linked", body={"url": "x"}, hlc="1772355600001-00000", **base),
        Event("e3", kind="note_added", body={}, hlc="1772355600002-00000", **base),
    ]
    assert events.body_problem("runbook_linked", {"url": "x"}) is None
    inc = fold(evs)
    assert inc is not None and inc.title == "t" and inc.severity == "SEV2"
    texts = [t.text for t in inc.timeline]
    assert "kind this version does not know" in texts[1]
    assert texts[2].startswith("note_added ignored: note_added: body.text is required")
    assert inc.event_count == 3 and inc.notes == []


# ------------------------------------------------------------------ the service's door


def test_the_service_refuses_what_the_server_would_refuse_and_stores_nothing(service, org):
    inc = service.declare("Cart slow", "SEV2", services=["cart"])
    count = service.store.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    with pytest.raises(InputError, match="keep it under 16000"):
        service.note(inc.id, "x" * 300_000)
    with pytest.raises(InputError, match="not valid UTF-8"):
        service.note(inc.id, "caf\udce9")
    from console.service import IncidentService

    long_actor = IncidentService(service.store, org, service.clock, actor="a" * 201)
    with pytest.raises(InputError, match="actor is longer than 200"):
        long_actor.note(inc.id, "hello")
    assert service.store.conn.execute("SELECT count(*) FROM events").fetchone()[0] == count


def test_record_returns_the_stored_event(service):
    inc = service.declare("Cart slow", "SEV2", services=["cart"])
    ev = service.record(inc.id, events.NoteAdded(text="hello"), actor="bot")
    row = service.store.conn.execute(
        "SELECT kind, body, actor FROM events WHERE event_id = ?", [ev.event_id]
    ).fetchone()
    assert row == ("note_added", json.dumps({"text": "hello"}), "bot")
    assert ev.data == events.NoteAdded(text="hello")


def test_cli_refuses_a_non_utf8_note_with_one_line_and_exit_2(tmp_path):
    env = {**os.environ, "INCIDENT_CONSOLE_DB": str(tmp_path / "c.db"), "HOME": str(tmp_path)}
    env["INCIDENT_CONSOLE_CONFIG_DIR"] = str(tmp_path / "cfg")
    base = [sys.executable, "-m", "console"]
    ok = subprocess.run([*base, "declare", "--title", "x", "--severity", "SEV3"], env=env)
    assert ok.returncode == 0
    bad = subprocess.run(
        [*base.copy(), "note", "INC-1", os.fsdecode(b"caf\xe9")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2, bad.stderr
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr
    assert "not valid UTF-8" in bad.stderr
    long = subprocess.run(
        [*base, "--as", "a" * 201, "note", "INC-1", "hi"], env=env, capture_output=True, text=True
    )
    assert long.returncode == 2 and "actor is longer than 200" in long.stderr
    shown = subprocess.run([*base, "show", "INC-1", "--json"], env=env, capture_output=True)
    kinds = [t["kind"] for t in json.loads(shown.stdout)["timeline"]]
    assert kinds == ["declared"]


# ------------------------------------------------------------------ one fold in every process

_FOLD_SCRIPT = """
import json, sys
{imports}
from console.model.org import load_org
from console.service import IncidentService
from console.store import Store
svc = IncidentService(Store(sys.argv[1]), load_org())
out = {{}}
for row in svc.board(include_resolved=True):
    inc = svc.get(row["id"])
    out[inc.id] = {{
        "timeline": [t.text for t in inc.timeline],
        "extra": sorted(inc.extra),
        "drill": inc.extra.get("drill", {{}}).get("scenario"),
        "pages": len(inc.extra["paging"].pages) if "paging" in inc.extra else None,
    }}
print(json.dumps(out, sort_keys=True))
"""


def test_the_fold_is_the_same_whatever_a_process_imported(service):
    inc = service.declare("Drill: CDN down", "SEV1", services=["payment-api"], drill="cdn")
    service.record(
        inc.id,
        events.DrillStarted(scenario="cdn", t0="2026-03-01T09:00:00.000Z", title="CDN"),
        actor="drill",
    )
    service.record(inc.id, events.DrillInject(t=60, text="alert: 5xx"), actor="drill")
    service.record(
        inc.id,
        events.PageQueued(
            key="INC-1/SEV1+0/kenji/r0", kind="trigger", step="SEV1+0", target="kenji"
        ),
    )
    service.record(inc.id, events.DrillAck(team="platform-edge", person_name="Daichi"))
    service.store.close()
    path = str(service.store.path)
    results = []
    for imports in (
        "import console.service",
        "import console.cli, console.tui.app, console.drills.session, console.notify.runner, "
        "console.sync.client, console.metrics.queries",
    ):
        script = _FOLD_SCRIPT.format(imports=imports)
        done = subprocess.run(
            [sys.executable, "-c", script, path], capture_output=True, text=True, cwd=REPO
        )
        assert done.returncode == 0, done.stderr
        results.append(json.loads(done.stdout))
    assert results[0] == results[1]
    folded = results[0]["INC-1"]
    assert folded["drill"] == "cdn" and folded["pages"] == 1
    assert any(t.startswith("[DRILL T+01:00] alert: 5xx") for t in folded["timeline"])


# ------------------------------------------------------------------ clocks

_stamps = st.builds(HLC, st.integers(0, 9_999_999_999_990), st.integers(0, MAX_COUNTER))


@settings(max_examples=300)
@given(last=_stamps, remote=_stamps, physical=st.integers(0, 9_999_999_999_990))
def test_stamps_keep_their_shape_and_move_forward(last, remote, physical):
    for stamp in (tick(last, physical), receive(last, remote, physical)):
        assert stamp > last
        assert len(str(stamp)) == 19 and HLC.parse(str(stamp)) == stamp
    got = receive(last, remote, physical)
    assert got.wall_ms <= max(last.wall_ms, physical + 5 * 60 * 1000) + 1


def test_a_counter_at_the_top_rolls_into_the_next_millisecond():
    assert tick(HLC(1000, MAX_COUNTER), 900) == HLC(1001, 0)
    assert receive(HLC(1000, 5), HLC(1000, MAX_COUNTER), 900) == HLC(1001, 0)


def test_a_stray_byte_an_older_version_stored_is_written_escaped_not_crashing(run, store, tmp_path):
    assert run("declare", "--title", "x", "--severity", "SEV3").code == 0
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO events (event_id, incident_id, kind, body, actor, origin, hlc, at) "
            "VALUES ('e-old', 'INC-1', 'note_added', ?, 'old', 'o1', '1772355600000-00001', "
            "'2026-03-01T09:00:00.000Z')",
            [json.dumps({"text": "caf\udce9"})],
        )
    for fmt in ("json", "markdown"):
        out = tmp_path / f"inc.{fmt}"
        assert run("export", "INC-1", "--format", fmt, "-o", str(out)).code == 0
        assert "udce9" in out.read_text("utf-8")  # shown escaped (Markdown escapes the \\)
    assert json.loads((tmp_path / "inc.json").read_text("utf-8"))
    history = tmp_path / "history.jsonl"
    assert run("history", "export", "-o", str(history)).code == 0
    assert "caf\\udce9" in history.read_text("utf-8")
