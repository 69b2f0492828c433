"""Every bundled scenario validates against the demo org and is won by the ideal
autopilot; the naive autopilot scores worse on every measure it breaks."""

from __future__ import annotations

import pytest
from drkit import BUNDLED, run_cli, run_json

from console.drills import library
from console.model.drill.answers import allowed_teams, fault_scope


def test_catalogue_has_the_six_bundled_scenarios():
    names = [e.name for e in library.catalogue() if e.origin == "bundled"]
    assert sorted(names) == BUNDLED
    listed = run_json("drill", "list", "--json")
    assert {i["name"] for i in listed} == set(BUNDLED) and all(i["ok"] for i in listed)


def test_one_scenario_per_layer_plus_cascade_and_sev3():
    by_name = {n: library.load(n)[0] for n in BUNDLED}
    org = library.load("cdn-outage")[1]
    layers = {n: fault_scope(org, s).layers for n, s in by_name.items()}
    assert layers["cdn-outage"] == ("edge",)
    assert layers["auth-outage"] == ("gateway",)
    assert layers["payment-logic-bug"] == ("service",)
    assert layers["database-failover"] == ("data",)
    assert set(layers["cascading-sev1"]) == {"data", "gateway"}
    assert by_name["cascading-sev1"].expected.severity == "SEV1"
    assert any(i.kind == "layer_failure" for i in by_name["cascading-sev1"].injects)
    assert by_name["sev3-temptation"].expected.severity == "SEV3"
    # every kind of inject is used somewhere
    kinds = {i.kind for s in by_name.values() for i in s.timeline}
    assert kinds == {"alert", "symptom", "metric", "stakeholder", "layer_failure", "false_lead"}
    # the demo org's real services and teams
    for s in by_name.values():
        assert set(allowed_teams(org, s)) <= set(org.teams)


def test_bundled_files_are_package_data():
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert "drills/scenarios/*.toml" in pyproject["tool"]["setuptools"]["package-data"]["console"]


@pytest.mark.parametrize("name", BUNDLED)
def test_check_validates(name):
    data = run_json("drill", "check", name, "--json")
    assert data["ok"] and data["name"] == name


@pytest.mark.parametrize("name", BUNDLED)
def test_ideal_autopilot_wins_and_naive_scores_worse(name):
    ideal = run_json("drill", "run", name, "--autopilot", "--json")
    naive = run_json("drill", "run", name, "--autopilot=naive", "--json")
    assert ideal["won"], ideal
    assert ideal["mode"] == "autopilot ideal" and naive["mode"] == "autopilot naive"
    assert ideal["severity"]["seconds"] == 0 and ideal["mis_escalation"]["count"] == 0
    assert all(e["ok"] for e in ideal["engagement"])
    assert ideal["maturity"]["level"] >= 2
    assert not naive["won"]
    # the measures naive breaks: severity and mis-escalation; each is worse than ideal's
    assert not naive["severity"]["ok"] and naive["severity"]["seconds"] is None
    assert not naive["mis_escalation"]["ok"]
    assert naive["mis_escalation"]["rate"] > ideal["mis_escalation"]["rate"]
    assert naive["mis_escalation"]["count"] > ideal["mis_escalation"]["count"]
    for measure in ("engagement", "coordination", "mitigation"):
        broken = (
            (not all(e["ok"] for e in naive["engagement"]))
            if measure == "engagement"
            else not naive[measure]["ok"]
        )
        assert not broken, f"naive unexpectedly breaks {measure}"  # it pages everyone at once
    ind_i = {i["id"]: i for i in ideal["maturity"]["indicators"]}
    ind_n = {i["id"]: i for i in naive["maturity"]["indicators"]}
    assert ind_n["mis_escalation"]["level"] < ind_i["mis_escalation"]["level"]
    assert naive["maturity"]["level"] < ideal["maturity"]["level"]


def test_naive_over_escalates_the_sev3():
    naive = run_json("drill", "run", "sev3-temptation", "--autopilot=naive", "--json")
    assert naive["severity"]["over_escalated"]
    wrong = {w["team"] for w in naive["mis_escalation"]["wrong"]}
    assert "leadership" in wrong and "messaging" not in wrong


def test_text_scorecard_and_markdown_export(tmp_path):
    md = tmp_path / "card.md"
    code, out, err = run_cli("drill", "run", "cdn-outage", "--autopilot", "--markdown", str(md))
    assert code == 0, err
    # Level 2: coordination counts every team paged, as metrics does — Edge Platform at
    # T+0 and SRE at SEV2+15, acknowledged at T+17:00 (L2: 10–30 min).
    assert out.startswith("DRILL cdn-outage · WON · maturity level 2")
    assert "time to mitigate (declared → monitoring)" in out
    assert "time to resolve (declared → resolved)" in out
    text = md.read_text()
    assert text.startswith("# Drill scorecard: CDN edge returning 503 in ap-northeast")
    assert "| ✔ | engage Edge Platform | T+00:00 (SEV2+0) |" in text
    # both times, each labelled with what it runs from and to
    assert "| time to mitigate (declared → monitoring) | 14 min (T+00:00 → T+14:00) |" in text
    assert "| time to resolve (declared → resolved) | 19 min (T+00:00 → T+19:00) |" in text
