"""Bad input: one line on stderr saying what and where, exit 2, no traceback,
and nothing recorded is lost or touched."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from console.store import Store

REPO = Path(__file__).resolve().parents[2]


def one_line(r, code: int = 2) -> str:
    assert r.code == code, (r.code, r.out, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    assert "Traceback" not in r.err
    assert lines[0].startswith("incident-console: error: ")
    return lines[0]


@pytest.fixture
def inc(run):
    assert (
        run("declare", "--title", "Cart slow", "--severity", "SEV2", "--service", "cart").code == 0
    )
    return "INC-1"


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["list", "--bogus"], "unrecognized arguments: --bogus"),
        (["--bogus", "list"], "unrecognized arguments"),
        (["declare", "--titel", "x", "--severity", "SEV1"], "--title"),
        (["declare", "--severity", "SEV1"], "required: --title"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["show"], "required: id"),
        (["export", "1", "--format", "pdf"], "invalid choice: 'pdf'"),
        (["list", "--limit", "many"], "invalid int value"),
    ],
)
def test_wrong_flags_are_one_line_exit_2(run, argv, expected):
    assert expected in one_line(run(*argv))


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["show", "INC-42"], "no incident 'INC-42'"),
        (["note", "99", "hello"], "no incident '99'"),
        (
            ["severity", "INC-1", "SEV9"],
            "unknown severity 'SEV9' (expected one of SEV1, SEV2, SEV3, SEV4, SEV5)",
        ),
        (["severity", "INC-1", "SEV2"], "INC-1 is already SEV2"),
        (["status", "INC-1", "fixed"], "invalid choice: 'fixed'"),
        (
            ["declare", "--title", "x", "--severity", "SEV0", "--layer", "edge"],
            "unknown severity 'SEV0'",
        ),
        (
            ["declare", "--title", "x", "--severity", "SEV1", "--layer", "moon"],
            "invalid choice: 'moon'",
        ),
        (
            ["declare", "--title", "x", "--severity", "SEV1", "--service", "carts"],
            "unknown service 'carts'; did you mean cart",
        ),
        (["declare", "--title", "  ", "--severity", "SEV1"], "a title is required"),
        (["add-service", "INC-1", "nope"], "unknown service 'nope'"),
        (
            ["tick", "INC-1", "SEV1+15"],
            "INC-1 has no step 'SEV1+15' (steps: SEV2+0, SEV2+15, SEV2+60",
        ),
        (["tick", "INC-1", "7"], "has no step '7'"),
        (["untick", "INC-1", "SEV2+0"], "step SEV2+0 is not ticked"),
        (
            ["assign", "INC-1", "janitor", "bob"],
            "unknown role 'janitor' (expected one of commander",
        ),
        (["accept", "INC-1", "scribe"], "no pending scribe handoff"),
        (["note", "INC-1", " "], "a note needs some text"),
        (["reopen", "INC-1"], "INC-1 is not resolved"),
        (["--now", "yesterday", "list"], "--now: not an ISO time"),
    ],
)
def test_bad_values_are_one_line_exit_2_and_record_nothing(run, inc, db_path, argv, expected):
    before = _events(db_path)
    assert expected in one_line(run(*argv))
    assert _events(db_path) == before


def test_accept_by_the_wrong_person(run, inc, db_path):
    run("handoff", inc, "commander", "kenji")
    before = _events(db_path)
    line = one_line(run("accept", inc, "commander", actor="mallory"))
    assert "offered to kenji" in line and "you are mallory" in line
    assert _events(db_path) == before


def _events(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT event_id FROM events ORDER BY seq").fetchall()
    finally:
        conn.close()


# ------------------------------------------------------------------ databases that are not ours


def _state(path: Path) -> tuple[bytes, list[str]]:
    """The file's bytes and what sits next to it (no -wal/-shm/-journal may appear)."""
    return path.read_bytes(), sorted(p.name for p in path.parent.iterdir())


def test_a_file_that_is_not_a_database(run, tmp_path):
    path = tmp_path / "garbage.db"
    path.write_bytes(os.urandom(8192) + b"not sqlite at all\n")
    before = _state(path)
    for argv in (
        ["list"],
        ["declare", "--title", "x", "--severity", "SEV1", "--layer", "edge"],
        ["rebuild"],
    ):
        line = one_line(run("--db", str(path), *argv))
        assert str(path) in line and "not an Incident Console database" in line
    assert _state(path) == before


def test_a_text_file_is_not_a_database(run, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("SQLite format 3? no: my shopping list\n" * 20, "utf-8")
    before = _state(path)
    assert str(path) in one_line(run("--db", str(path), "list"))
    assert _state(path) == before


def _console_db(path: Path, run) -> None:
    assert (
        run(
            "--db", str(path), "declare", "--title", "x", "--severity", "SEV3", "--layer", "edge"
        ).code
        == 0
    )
    # Checkpoint and leave the file in its at-rest form (no -wal/-shm beside it).
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()


def test_a_database_with_a_newer_schema(run, tmp_path):
    path = tmp_path / "future.db"
    _console_db(path, run)
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('incident_console', 'm999_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    before = _state(path)
    for argv in (["list"], ["note", "1", "hi"], ["rebuild"]):
        line = one_line(run("--db", str(path), *argv))
        assert "schema is newer" in line and "m999_from_the_future" in line and str(path) in line
    assert _state(path) == before


def test_a_newer_schema_is_refused_by_the_store_too(tmp_path, run):
    from console.model.errors import InputError

    path = tmp_path / "future.db"
    _console_db(path, run)
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('incident_console', 'm999_x', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="newer"):
        Store(path)


def test_a_sqlite_database_that_is_not_a_console_one(run, tmp_path):
    path = tmp_path / "shop.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT)")
    conn.executemany("INSERT INTO orders (item) VALUES (?)", [("apple",), ("pear",)])
    conn.commit()
    conn.close()
    before = _state(path)
    for argv in (["list"], ["declare", "--title", "x", "--severity", "SEV1", "--layer", "edge"]):
        line = one_line(run("--db", str(path), *argv))
        assert "not an Incident Console one" in line and "orders" in line
    assert _state(path) == before


def test_a_directory_is_not_a_database(run, tmp_path):
    assert "is a directory" in one_line(run("--db", str(tmp_path), "list"))


def test_an_older_console_database_is_migrated_forward(tmp_path, org):
    """The other side of "newer schema": a file made by an older console (only the
    first migrations) gains the rest and keeps its history; rebuild agrees."""
    from sqlite_utils import Database

    from console.model.clock import ManualClock
    from console.service import IncidentService
    from console.store import projections
    from console.store.migrations import MIGRATIONS

    source = Store(tmp_path / "new.db")
    svc = IncidentService(source, org, ManualClock())
    inc = svc.declare("Orders DB failover", "SEV1", services=["orders-db"])
    svc.tick(inc.id, "1", ack=True)
    svc.note(inc.id, "failing over")
    events_rows = source.conn.execute("SELECT * FROM events ORDER BY seq").fetchall()
    incident_rows = source.conn.execute(
        f"SELECT {', '.join(projections.COLUMNS)} FROM incidents"
    ).fetchall()
    expected = projections.snapshot(source.conn), projections.facts_snapshot(source.conn)
    source.close()

    path = tmp_path / "old.db"
    old = Database(path)
    MIGRATIONS.apply(old, stop_before="m003_sync_dead_letters")
    old.conn.executemany(
        f"INSERT INTO events VALUES ({', '.join('?' for _ in events_rows[0])})", events_rows
    )
    old.conn.executemany(
        f"INSERT INTO incidents ({', '.join(projections.COLUMNS)}) VALUES "
        f"({', '.join('?' for _ in projections.COLUMNS)})",
        incident_rows,
    )
    old.conn.commit()
    old.close()

    store = Store(path)
    applied = {r[0] for r in store.conn.execute("SELECT name FROM _sqlite_migrations")}
    assert applied == {m.name for m in MIGRATIONS._migrations}  # noqa: SLF001
    assert (projections.snapshot(store.conn), projections.facts_snapshot(store.conn)) == expected
    with store.transaction():
        projections.rebuild(store.conn)
    assert (projections.snapshot(store.conn), projections.facts_snapshot(store.conn)) == expected
    store.close()


# ------------------------------------------------------------------ the real process


def _cli(tmp_path, *argv, env_db=None):
    env = dict(os.environ)
    env["INCIDENT_CONSOLE_DB"] = str(env_db or tmp_path / "proc.db")
    env["INCIDENT_CONSOLE_CONFIG_DIR"] = str(tmp_path / "cfg")
    env["INCIDENT_CONSOLE_DATA_DIR"] = str(tmp_path / "data")
    env["INCIDENT_CONSOLE_ACTOR"] = "proc"
    return subprocess.run(
        [sys.executable, "-m", "console", *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_subprocess_happy_path_exit_0(tmp_path):
    r = _cli(tmp_path, "declare", "--title", "Edge 503", "--severity", "SEV1", "--layer", "edge")
    assert (r.returncode, r.stdout.strip(), r.stderr) == (0, "INC-1", "")
    r = _cli(tmp_path, "show", "INC-1", "--json")
    assert r.returncode == 0 and '"id": "INC-1"' in r.stdout


@pytest.mark.parametrize(
    "argv, code, expected",
    [
        (["list", "--bogus"], 2, "unrecognized arguments"),
        (["show", "INC-9"], 2, "no incident"),
        (["severity", "INC-1", "SEV7"], 2, "unknown severity"),
    ],
)
def test_subprocess_bad_input_exit_2_without_traceback(tmp_path, argv, code, expected):
    _cli(tmp_path, "declare", "--title", "Edge 503", "--severity", "SEV1", "--layer", "edge")
    r = _cli(tmp_path, *argv)
    assert r.returncode == code
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and expected in r.stderr


def test_subprocess_garbage_database_untouched(tmp_path):
    path = tmp_path / "garbage.db"
    path.write_bytes(b"\x00\xffjunk" * 1000)
    before = _state(path)
    r = _cli(tmp_path, "list", env_db=path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert _state(path) == before
