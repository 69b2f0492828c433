"""Random bodies for every kind through every door — the server's push, the client's
pull, history import: never a traceback, and nothing already stored is altered."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.metrics.history import import_history
from console.model.events import CATALOGUE
from console.store import sync_state as state
from console.sync.server import ServerLog

KINDS = [*CATALOGUE, "runbook_linked"]
NOW_MS = int(datetime.now(UTC).timestamp() * 1000)

_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "SEV1", "SEV2+15", "trigger", "notified", "\udcff", "\x1b[2J", "x" * 20_000]
    ),
    st.sampled_from(["2026-03-01T09:00:00.000Z", "2026-02-30T09:00:00Z", "yesterday"]),
)
_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    _text,
)
_json = st.recursive(
    _scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_text, inner, max_size=3)),
    max_leaves=8,
)


@st.composite
def bodies(draw) -> tuple[str, object]:
    kind = draw(st.sampled_from(KINDS))
    known = CATALOGUE.get(kind)
    fields = [*(known.body.__struct_fields__ if known else ()), "url", "summary"]
    body = draw(st.dictionaries(st.sampled_from(fields) | _text, _json, max_size=6))
    shape = draw(st.sampled_from(["dict", "dict", "dict", "list", "scalar"]))
    if shape == "list":
        return kind, [body]
    if shape == "scalar":
        return kind, draw(_scalar)
    return kind, body


def wire_event(kind: str, body: object, seq: int | None = None) -> dict:
    raw = {
        "event_id": str(uuid.uuid4()),
        "incident_id": "INC-1",
        "kind": kind,
        "body": body,
        "actor": "fuzz",
        "origin": "fuzz01",
        "hlc": f"{NOW_MS:013d}-00000",
        "at": "2026-03-01T09:00:00.000Z",
    }
    if seq is not None:
        raw["server_seq"] = seq
    return raw


def _rows(conn, table: str) -> list[tuple]:
    return conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()


def _still_there(before: list[tuple], after: list[tuple]) -> bool:
    now = set(after)
    return all(row in now for row in before)


FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def seeded(consoles):
    ana = consoles("ana", "ana")
    ana.service.declare("Checkout down", "SEV1", services=["payment-api"])
    ana.service.note("INC-1", "first")
    return ana


@FUZZ
@given(batch=st.lists(bodies(), min_size=1, max_size=4))
def test_push_never_crashes_and_keeps_the_log(tmp_path_factory, batch):
    log = ServerLog(tmp_path_factory.mktemp("push") / "server.db")
    try:
        good = wire_event("note_added", {"text": "kept"})
        assert log.push([good], "ana")[0]["status"] == "accepted"
        before = _rows(log.conn, "log")
        results = log.push([wire_event(kind, body) for kind, body in batch], "fuzz")
        assert [r["status"] in ("accepted", "rejected") for r in results] == [True] * len(batch)
        for res in results:
            if res["status"] == "rejected":
                assert isinstance(res["error"], str) and res["error"]
        assert _still_there(before, _rows(log.conn, "log"))
        # whatever was accepted can be encoded for a pull
        log.pull_body(0, 500)
    finally:
        log.close()


@FUZZ
@given(batch=st.lists(bodies(), min_size=1, max_size=4))
def test_pull_quarantines_or_stores_and_the_fold_holds(seeded, batch):
    client = seeded.client("http://127.0.0.1:9")  # never contacted: pages are handed in
    conn = seeded.store.conn
    before = _rows(conn, "events")
    cursor = client.cursor()
    start = cursor.after
    raws = [wire_event(k, b, seq=start + i + 1) for i, (k, b) in enumerate(batch)]
    page = {
        "log_id": cursor.log_id or "fuzz-log",
        "events": raws,
        "next": start + len(raws),
        "head": start + len(raws),
        "has_more": False,
    }
    client.apply_page(cursor, page)
    after = _rows(conn, "events")
    assert _still_there([r[:-1] for r in before], [r[:-1] for r in after])  # server_seq may fill
    stored = {r[0] for r in conn.execute("SELECT event_id FROM events")}
    letters = {d["event_id"] for d in state.dead_letters(conn, limit=10_000)}
    for raw in raws:
        assert (raw["event_id"] in stored) != (raw["event_id"] in letters)
    seeded.service.get("INC-1")  # the fold reads whatever was let in
    seeded.service.view("INC-1")


@FUZZ
@given(batch=st.lists(bodies(), min_size=1, max_size=4))
def test_import_never_crashes_and_keeps_the_store(seeded, tmp_path_factory, batch):
    conn = seeded.store.conn
    before = _rows(conn, "events")
    path = tmp_path_factory.mktemp("import") / "history.jsonl"
    lines = []
    for kind, body in batch:
        raw = wire_event(kind, body)
        raw["incident_id"] = "INC-9"
        try:
            lines.append(json.dumps(raw, ensure_ascii=False))
        except (TypeError, ValueError):
            continue
    path.write_text("\n".join(lines) + "\n", "utf-8", errors="surrogateescape")
    report = import_history(seeded.service, path)
    assert isinstance(report.problems, list)
    assert _still_there(before, _rows(conn, "events"))
    if "INC-9" in report.incidents:
        seeded.service.view("INC-9")
