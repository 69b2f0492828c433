"""The model's practice steps and conditions of use are data, the organisation sets a
target level, and `assess` says how far it is and which step closes each gap."""

from __future__ import annotations

import textwrap
from datetime import timedelta

import pytest
from fkit import T0

from console.model.errors import OrgError
from console.model.maturity import assess
from console.model.org import load_org


def test_model_json_carries_the_practice_steps_and_conditions(run):
    data = run("model", "--json").json
    steps = data["practice_steps"]
    assert [s["step"] for s in steps] == [1, 2, 3, 4]
    assert all(len(s["actions"]) == 3 for s in steps)
    assert "set the target maturity level" in steps[0]["actions"]
    assert "check that authority matches responsibility" in steps[1]["actions"]
    # which gap a step closes is our reading, and each step says why
    assert all(s["ours"] for s in steps if s["addresses"])
    assert len(data["conditions"]) == 4
    assert data["meta"]["target_level"] == 3


def test_each_gap_maps_to_the_step_that_closes_it(org):
    a = assess(
        {"mttr": 45.0, "mis_escalation": 0.15, "coordination": 20.0, "prevention": 0.5},
        org.maturity,
        target=4,
        practice=org.practice,
    )
    assert a["level"] == 2
    target = a["target"]
    assert (target["level"], target["distance"]) == (4, 2)
    steps = {g["indicator"]: [s["step"] for s in g["steps"]] for g in target["gaps"]}
    assert steps == {"mttr": [3], "mis_escalation": [2], "coordination": [3], "prevention": [4]}
    # level 4 sets no coordination time: the gap is level 3's band, on the way there
    needs = {g["indicator"]: g["needs"] for g in target["gaps"]}
    assert needs == {
        "mttr": "< 15.0 min",
        "mis_escalation": "< 5.0%",
        "coordination": "< 10.0 min",
        "prevention": "> 80.0%",
    }
    assert target["next_step"]["step"] == 2


def test_target_reached_and_target_missing(org):
    reached = assess({"mttr": 20.0}, org.maturity, target=3, practice=org.practice)
    assert reached["target"]["distance"] == 0 and reached["target"]["next_step"] is None
    assert reached["target"]["text"] == "level 3 (Optimised Distribution) reached"
    unset = assess({"mttr": 20.0}, org.maturity, target=None, practice=org.practice)
    assert unset["target"]["next_step"]["step"] == 1  # set a target first


def test_assess_names_the_target_and_the_next_step(service, clock, run):
    inc = service.declare("Orders failing", "SEV3", services=["orders-db"])
    clock.set(T0 + timedelta(minutes=45))
    service.resolve(inc.id, "Failed over")
    r = run("assess")
    assert r.code == 0, r.err
    assert "Target: level 3 (Optimised Distribution): 1 level to go" in r.out
    assert "Next: practice step 3 — Process and tools" in r.out
    data = run("assess", "--json").json
    assert data["target"]["distance"] == 1 and data["target"]["next_step"]["step"] == 3


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[meta]\ntarget_level = 7\n", "my-org.toml:2: target_level must be one of"),
        (
            '[[practice]]\nstep = 2\naddresses = ["speed"]\n',
            "my-org.toml:3: practice step 2: unknown 'speed' in addresses",
        ),
        (
            '[[practice]]\nstep = "two"\nname = "x"\nactions = []\n',
            "my-org.toml:2: step must be a whole number",
        ),
    ],
)
def test_bad_practice_data_names_file_and_line(text, expected):
    with pytest.raises(OrgError) as info:
        load_org([(textwrap.dedent(text), "my-org.toml")])
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems


def test_a_user_file_sets_its_own_target(tmp_path, run):
    path = tmp_path / "org.toml"
    path.write_text("[meta]\ntarget_level = 2\n", "utf-8")
    assert run("--org", str(path), "model", "--json").json["meta"]["target_level"] == 2
