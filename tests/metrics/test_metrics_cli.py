"""The metrics and assess verbs: JSON for scripts, text for people, one-line errors."""

from __future__ import annotations

import json

import pytest

from console.cli import main


def test_metrics_json_and_text(fixed, capsys):
    svc, _, _ = fixed
    db = str(svc.store.path)
    assert main(["--db", db, "metrics", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["overall"]["ttr"] == {"n": 4, "mean": 67.5, "median": 75.0, "p90": 87.0}
    assert data["assessment"]["level"] == 1
    assert main(["--db", db, "metrics"]) == 0
    text = capsys.readouterr().out
    assert text.startswith(
        "5 real incident(s) declared 2026-03-02 … 2026-03-02 (4 resolved; 1 drill(s) left out)"
    )
    assert (
        "overall                   5       14.6/10.0/27.6       50.0/50.0/64.0       67.5/75.0/87.0      25%    20.3    20%"
        in text
    )


def test_since_until_and_relative_spans(fixed, capsys):
    svc, _, _ = fixed
    db = str(svc.store.path)
    assert main(["--db", db, "metrics", "--json", "--since", "2026-03-02T12:00:00Z"]) == 0
    assert json.loads(capsys.readouterr().out)["overall"]["incidents"] == 3
    assert (
        main(["--db", db, "--now", "2026-03-02T15:00:00Z", "assess", "--json", "--since", "4h"])
        == 0
    )
    # since 11:00 (4h before --now): B, C, D and F (no --until: later ones count too)
    assert json.loads(capsys.readouterr().out)["period"]["incidents"] == 4
    assert main(["--db", db, "metrics", "--json", "--until", "2026-03-02T10:00:00Z"]) == 0
    assert json.loads(capsys.readouterr().out)["overall"]["incidents"] == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["metrics", "--since", "last tuesday"], "--since: not a date: 'last tuesday'"),
        (
            ["assess", "--since", "2026-03-03", "--until", "2026-03-02"],
            "--since must be before --until",
        ),
        (["suggest", "nowhere"], "'nowhere' is not a service, a layer or an incident"),
        (["resolve", "6", "--by-team", "ghosts"], "unknown team 'ghosts'"),
    ],
)
def test_bad_input_is_one_line_exit_2(fixed, capsys, args, message):
    svc, _, _ = fixed
    assert main(["--db", str(svc.store.path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_assess_text(fixed, capsys):
    svc, _, _ = fixed
    assert main(["--db", str(svc.store.path), "assess"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Maturity: level 1 — Basic Distribution")
    assert "To reach level 2 (Controlled Distribution" in text
    assert "  - mis-escalation rate is 25.0%; level 2 needs ≤ 20.0% (5.0 points less)" in text
