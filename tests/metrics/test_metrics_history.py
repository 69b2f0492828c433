"""history export / import: a round trip between stores, idempotent, and a malformed
line reported as FILE:LINE with its whole incident skipped (nothing partial stored)."""

from __future__ import annotations

import json

import pytest

from console.cli import main
from console.metrics.history import export_lines, import_history
from console.model.clock import ManualClock
from console.service import IncidentService
from console.store import Store, projections


def _export(svc) -> list[str]:
    return list(export_lines(svc.store.conn))


def _target(tmp_path, org, name="target.db") -> IncidentService:
    return IncidentService(Store(tmp_path / name), org, ManualClock())


def test_round_trip_reproduces_every_figure(fixed, tmp_path, org):
    svc, _, _ = fixed
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(_export(svc)) + "\n", "utf-8")
    target = _target(tmp_path, org)
    report = import_history(target, path)
    assert report.problems == [] and len(report.incidents) == 6
    assert report.new_events == svc.store.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    assert projections.snapshot(target.store.conn) == projections.snapshot(svc.store.conn)
    assert projections.facts_snapshot(target.store.conn) == projections.facts_snapshot(
        svc.store.conn
    )
    assert target.analysis().metrics() == svc.analysis().metrics()

    again = import_history(target, path)  # idempotent
    assert (
        again.new_events == 0 and again.known_events == report.new_events and again.problems == []
    )
    assert projections.snapshot(target.store.conn) == projections.snapshot(svc.store.conn)


def test_lines_are_grouped_per_incident(fixed):
    svc, _, _ = fixed
    ids = [json.loads(line)["incident_id"] for line in _export(svc)]
    runs = [i for n, i in enumerate(ids) if n == 0 or ids[n - 1] != i]
    assert runs == ["INC-1", "INC-2", "INC-3", "INC-4", "INC-5", "INC-6"]


def _corrupt(lines: list[str], number: int, new: str) -> list[str]:
    out = list(lines)
    out[number - 1] = new
    return out


@pytest.mark.parametrize(
    "mangle, message",
    [
        (lambda raw: raw[:40], "not valid JSON"),
        (
            lambda raw: json.dumps({**json.loads(raw), "kind": "Bad Kind"}),
            "kind must be a lowercase event kind",
        ),
        (lambda raw: json.dumps({**json.loads(raw), "at": "yesterday"}), "at must be an ISO time"),
        (  # another script's digits: a stamp that would sort after every real one
            lambda raw: json.dumps({**json.loads(raw), "hlc": "١٧٦٧٢٢٥٦٠٠٠٠٠-00000"}),
            "hlc must be a clock stamp",
        ),
        (
            lambda raw: json.dumps({**json.loads(raw), "body": {"step": "later"}}),
            "body.step must look like SEV2+15",
        ),
        (lambda raw: json.dumps({**json.loads(raw), "extra": 1}), "unknown field 'extra'"),
        (
            lambda raw: json.dumps({k: v for k, v in json.loads(raw).items() if k != "hlc"}),
            "missing field 'hlc'",
        ),
        (lambda raw: "[1, 2]", "expected a JSON object"),
    ],
)
def test_a_bad_line_skips_its_incident_whole(fixed, tmp_path, org, mangle, message):
    svc, _, ids = fixed
    lines = _export(svc)
    # the 2nd line of INC-2 (a step_ticked event)
    number = (
        next(n for n, line in enumerate(lines, 1) if json.loads(line)["incident_id"] == "INC-2") + 1
    )
    assert json.loads(lines[number - 1])["kind"] == "step_ticked"
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(_corrupt(lines, number, mangle(lines[number - 1]))) + "\n", "utf-8")
    target = _target(tmp_path, org)
    report = import_history(target, path)
    assert len(report.problems) == 1
    assert report.problems[0].startswith(f"{path}:{number}: ") and message in report.problems[0]
    # "[1, 2]" names no incident: its neighbours (both INC-2) are skipped
    assert report.skipped == ["INC-2"]
    stored = {r[0] for r in target.store.conn.execute("SELECT DISTINCT incident_id FROM events")}
    assert stored == {"INC-1", "INC-3", "INC-4", "INC-5", "INC-6"}  # nothing of INC-2


def test_an_unreadable_line_between_incidents_taints_both(fixed, tmp_path, org):
    svc, _, _ = fixed
    lines = _export(svc)
    boundary = next(n for n, line in enumerate(lines) if json.loads(line)["incident_id"] == "INC-3")
    lines.insert(boundary, "{garbage")
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    target = _target(tmp_path, org)
    report = import_history(target, path)
    assert report.problems == [
        f"{path}:{boundary + 1}: not valid JSON (Expecting property name enclosed "
        f"in double quotes at column 2)"
    ]
    assert report.skipped == ["INC-2", "INC-3"]
    assert (
        target.store.conn.execute(
            "SELECT count(*) FROM events WHERE incident_id IN ('INC-2', 'INC-3')"
        ).fetchone()[0]
        == 0
    )


def test_conflicts_with_the_store_are_reported(fixed, tmp_path, org):
    svc, _, _ = fixed
    lines = _export(svc)
    target = _target(tmp_path, org)
    target.declare(
        "A different incident", "SEV4", services=["cdn"]
    )  # INC-1 here is another incident
    changed = json.loads(lines[-1])
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    report = import_history(target, path)
    assert report.skipped == ["INC-1"]
    assert "INC-1 already exists in this store as a different incident" in report.problems[0]
    assert report.problems[0].startswith(f"{path}:1: ")
    # an event id already stored with other content
    changed["body"] = (
        {**changed["body"], "severity": "SEV1"}
        if changed["kind"] == "severity_set"
        else {**changed["body"], "tampered": True}
    )
    path.write_text("\n".join([*lines[:-1], json.dumps(changed)]) + "\n", "utf-8")
    report = import_history(target, path)
    assert any("already in this store with different content" in p for p in report.problems)


def test_an_incident_without_its_declaration_is_not_imported(fixed, tmp_path, org):
    svc, _, _ = fixed
    lines = [
        line
        for line in _export(svc)
        if not (
            json.loads(line)["incident_id"] == "INC-4" and json.loads(line)["kind"] == "declared"
        )
    ]
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    report = import_history(_target(tmp_path, org), path)
    assert report.skipped == ["INC-4"] and "INC-4 has no 'declared' event" in report.problems[0]


def test_cli_export_and_import(fixed, tmp_path, capsys):
    svc, _, _ = fixed
    db = str(svc.store.path)
    out = tmp_path / "cli.jsonl"
    assert main(["--db", db, "history", "export", "--output", str(out)]) == 0
    lines = out.read_text("utf-8").splitlines()
    assert len(lines) == svc.store.conn.execute("SELECT count(*) FROM events").fetchone()[0]
    target = str(tmp_path / "cli-target.db")
    capsys.readouterr()
    assert main(["--db", target, "history", "import", str(out)]) == 0
    assert "6 incident(s) imported whole" in capsys.readouterr().out
    lines[0] = lines[0].replace('"kind":"declared"', '"kind":"Declared"')
    out.write_text("\n".join(lines) + "\n", "utf-8")
    fresh = str(tmp_path / "cli-fresh.db")
    assert main(["--db", fresh, "history", "import", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines()[0].startswith(f"{out}:1: kind must be")
    assert "skipped 1 incident(s) with bad lines: INC-1" in captured.out
    assert main(["--db", fresh, "history", "import", str(tmp_path / "missing.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
