"""Pull pages: on either backend, the log's events after the cursor in order; on SQLite
the same bytes whether the server builds the page from its last append (in memory: what
a woken long-poll asks for) or reads it from the log file."""

from __future__ import annotations

import json
import sqlite3
import uuid

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.store import server_log
from console.store.server_log import PageText, pulled
from console.sync import protocol as wire
from console.sync.server import ServerLog

NOW = "2026-03-01T09:00:00.000Z"


def note(n: int, text: str = "") -> dict:
    return {
        "event_id": str(uuid.UUID(int=n + 1, version=4)),
        "incident_id": f"INC-{n % 3}",
        "kind": "note_added",
        "body": {"text": text or f"note {n} é"},
        "actor": "ana",
        "origin": "dev-a",
        "hlc": f"1772355600000-{n:05d}",
        "at": NOW,
    }


# Each push: event numbers (repeats are duplicates, a changed text a mismatch, an
# empty text a refusal), plain or decoded the server's fast way.
pushes = st.lists(
    st.tuples(
        st.lists(
            st.tuples(st.integers(0, 12), st.sampled_from(["", "", "", "other", "bad"])),
            min_size=1,
            max_size=6,
        ),
        st.booleans(),
    ),
    min_size=1,
    max_size=5,
)


def push(log: ServerLog, numbers: list[tuple[int, str]], fast: bool) -> None:
    events = []
    for n, change in numbers:
        raw = note(n, "" if change in ("", "other") else f"changed {n}")
        if change == "other":
            raw["body"] = {"text": f"other {n}"}
        if change == "bad":
            raw["body"] = {}
        events.append(raw)
    if fast:
        body = wire.PushRequest(1, "dev-a", [wire.WireEvent(**e) for e in events])
        typed = wire.decode_push(msgspec.json.encode(body))
        assert typed is not None
        log.push(typed.events, "dev-a")
    else:
        log.push(events, "dev-a")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pushes=pushes)
def test_a_page_is_the_events_after_the_cursor_in_order(log_target, pushes):
    """The same log across examples (a PostgreSQL database each is slow): it grows, and
    repeated event ids make duplicates and mismatches."""
    log = ServerLog(log_target("page.db"))
    try:
        for numbers, fast in pushes:
            push(log, numbers, fast)
            rows = [(seq, payload) for seq, _id, payload in log.rows()]
            head = log.head()
            assert [seq for seq, _ in rows] == list(range(1, head + 1))  # dense
            for after in range(max(0, head - 8), head + 2):
                for limit in (1, 2, 3, 5000):
                    page = rows[after : after + limit]
                    assert log.storage.page_text(after, limit) == PageText(
                        pulled(page),
                        len(page),
                        page[-1][0] if page else after,
                        after + limit < head,
                        head,
                    )
    finally:
        log.close()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pushes=pushes)
def test_a_page_from_memory_is_the_page_from_the_file(tmp_path_factory, pushes):
    path = tmp_path_factory.mktemp("page") / "log.db"
    log = ServerLog(path)
    reader = ServerLog(path)  # never appends: every page from the file
    try:
        for numbers, fast in pushes:
            push(log, numbers, fast)
            head = log.head()
            for after in range(head + 2):
                for limit in (1, 2, 3, 5000):
                    assert log.pull_body(after, limit) == reader.pull_body(after, limit)
    finally:
        reader.close()
        log.close()


def test_a_woken_long_poll_gets_the_last_pushes_from_memory(tmp_path, monkeypatch):
    """What a long-poll parked at the head, or a few pushes behind it, asks for: served
    without reading the log's rows (else the test above compares the file with itself);
    an older cursor is served from the file."""
    monkeypatch.setattr(server_log, "RECENT_EVENTS", 6)  # the last six events
    log = ServerLog(tmp_path / "log.db")
    statements: list[str] = []
    try:
        log.push([note(n) for n in range(4)], "dev-a")
        log.push([note(n) for n in range(4, 9)], "dev-a")
        log.conn.set_trace_callback(statements.append)
        body, count = log.pull_body(4, 5000)
        assert count == 5
        page = wire.check_pull_reply(json.loads(body))
        assert [e["server_seq"] for e in page["events"]] == [5, 6, 7, 8, 9]
        body, count = log.pull_body(3, 5000)  # across the two pushes
        page = wire.check_pull_reply(json.loads(body))
        assert [e["server_seq"] for e in page["events"]] == [4, 5, 6, 7, 8, 9]
        assert not any("payload" in sql for sql in statements)
        log.pull_body(2, 5000)  # seq 3 is older than the window: from the file
        assert any("payload" in sql for sql in statements)
    finally:
        log.close()


def test_a_commit_that_fails_leaves_nothing_to_serve_from_memory(tmp_path):
    """The texts of an append are remembered before its commit (so a page up to any
    head a reader sees comes from memory); a commit that fails forgets them, and the
    seqs they had go to the next append's events."""
    log = ServerLog(tmp_path / "log.db")
    writer = log.storage._writer

    def no_commit(action, arg, *rest):
        refused = action == sqlite3.SQLITE_TRANSACTION and arg == "COMMIT"
        return sqlite3.SQLITE_DENY if refused else sqlite3.SQLITE_OK

    try:
        writer.set_authorizer(no_commit)
        with pytest.raises(sqlite3.DatabaseError):
            log.push([note(n, "lost") for n in range(3)], "dev-a")
        writer.set_authorizer(None)
        assert log.head() == 0 and log.pull_body(0, 5000)[1] == 0
        log.push([note(n, "kept") for n in range(10, 12)], "dev-a")
        page = wire.check_pull_reply(json.loads(log.pull_body(0, 5000)[0]))
        assert [e["body"]["text"] for e in page["events"]] == ["kept", "kept"]
    finally:
        log.close()
