"""`remote show/remove`, `sync status` with dead letters, `sync retry`."""

from __future__ import annotations

import json

from console.cli import main
from console.model.events import Event
from console.store import Store
from console.store import events as event_log

TOKEN = "test-token-0123456789abcdef"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_dead_letters_are_listed_and_can_be_retried(tmp_path, server, capsys, monkeypatch):
    monkeypatch.setenv("INCIDENT_CONSOLE_TOKEN", TOKEN)
    path = tmp_path / "a.db"
    db = ["--db", str(path)]
    run(capsys, *db, "declare", "--title", "Checkout errors", "--severity", "SEV2")
    run(capsys, *db, "remote", "add", server.url)
    store = Store(path)
    with store.transaction() as conn:  # an event this console cannot send (empty actor)
        event_log.insert(
            conn,
            Event(
                event_log.uuid7(),
                "INC-1",
                "note_added",
                {"text": "x"},
                " ",
                "dev",
                event_log.next_hlc(conn),
                "2026-03-01T09:00:00.000Z",
            ),
        )
    store.close()
    code, out, err = run(capsys, *db, "sync", "--once")
    assert code == 1 and "pushed 1 new" in out and "1 event(s) set aside as dead letters" in out
    code, out, _ = run(capsys, *db, "sync", "status")
    assert (
        "dead letters  1" in out and "INC-1  note_added" in out and "push: not sent: actor" in out
    )
    assert "sync retry" in out
    data = json.loads(run(capsys, *db, "sync", "status", "--json")[1])
    assert data["dead_letters"] == 1 and data["outbox"] == 0
    assert data["dead_letter_list"][0]["reason"].startswith("not sent: actor")
    code, out, _ = run(capsys, *db, "sync", "retry")
    assert code == 0 and out.startswith("1 dead-lettered event(s) back in the outbox")
    assert json.loads(run(capsys, *db, "sync", "status", "--json", "--no-probe")[1])["outbox"] == 1


def test_remote_show_and_remove(tmp_path, capsys):
    db = ["--db", str(tmp_path / "b.db")]
    assert run(capsys, *db, "remote", "show")[1].strip() == "no remote (local only)"
    run(capsys, *db, "remote", "add", "https://WarRoom.example.com/")
    assert json.loads(run(capsys, *db, "remote", "show", "--json")[1]) == {
        "remote": "https://warroom.example.com"
    }
    status = json.loads(run(capsys, *db, "sync", "status", "--json", "--no-probe")[1])
    assert status["connection"] == "not checked" and status["token"] == "unavailable"
    run(capsys, *db, "remote", "remove")
    assert json.loads(run(capsys, *db, "remote", "show", "--json")[1]) == {"remote": None}


def test_sync_says_it_joined_and_status_says_where_the_history_is(
    tmp_path, server, capsys, monkeypatch
):
    monkeypatch.setenv("INCIDENT_CONSOLE_TOKEN", TOKEN)
    a, b = ["--db", str(tmp_path / "a.db")], ["--db", str(tmp_path / "b.db")]
    run(capsys, *a, "declare", "--title", "Checkout errors", "--severity", "SEV2")
    run(capsys, *a, "declare", "--title", "CDN 503", "--severity", "SEV3")
    run(capsys, *a, "resolve", "INC-2", "fixed")
    run(capsys, *a, "remote", "add", server.url)
    assert run(capsys, *a, "sync", "--once")[0] == 0
    run(capsys, *b, "remote", "add", server.url)
    code, out, err = run(capsys, *b, "sync", "--once")
    assert code == 0, err
    assert out.startswith("joined: 1 open incident(s) first (1 event(s) up to #3)")
    code, out, _ = run(capsys, *b, "sync", "status")
    assert "history       complete (joined with 1 open incident(s) first)" in out
    data = json.loads(run(capsys, *b, "sync", "status", "--json", "--no-probe")[1])
    assert data["join"]["history_complete"] and data["join"]["incidents"] == 1
