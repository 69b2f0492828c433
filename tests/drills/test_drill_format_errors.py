"""Broken scenario files: every problem is 'file:line: what'; the CLI prints one line
and exits 2, without a traceback."""

from __future__ import annotations

import pytest
from drkit import run_cli

from console.drills import library
from console.model.drill.parse import parse_scenario
from console.model.drill.scenario import ScenarioError
from console.model.org import load_org

GOOD = """\
title = "Test drill"
briefing = "Practise."

[alert]
title = "CDN 503"
text = "probes failing"
source = "probes"
services = ["cdn"]

[[injects]]
at = "T+02:00"
kind = "metric"
metric = "edge 5xx"
value = 38
unit = "%"

[[injects]]
at = "T+03:00"
kind = "stakeholder"
from = "Support"
text = "users complain"

[expected]
severity = "SEV2"
services = ["cdn"]
mitigate_from = "T+05:00"
mitigate_by = "T+20:00"
"""


def _line(text: str, needle: str, nth: int = 1) -> int:
    found = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return found[nth - 1]


def test_the_base_file_is_good():
    scn = parse_scenario(GOOD, "good.toml", load_org())
    assert scn.name == "good" and scn.duration == 35 * 60  # mitigate_by + 15:00
    assert [i.at for i in scn.timeline] == [0, 120, 180]


BROKEN = [
    # (replace this, with that, the line holding this text, message fragment)
    ('at = "T+02:00"', 'at = "2:00"', 'at = "2:00"', 'at must be a time like "T+05:00"'),
    ('kind = "stakeholder"', 'kind = "rumour"', 'kind = "rumour"', "unknown inject kind 'rumour'"),
    (
        'unit = "%"',
        'unit = "%"\ncolour = "red"',
        'colour = "red"',
        "unknown key 'colour' in [[injects]]",
    ),
    ('severity = "SEV2"', 'severity = "SEV9"', 'severity = "SEV9"', "severity must be one of SEV1"),
    (
        'services = ["cdn"]\nmitigate',
        'services = ["cnd"]\nmitigate',
        'services = ["cnd"]',
        "unknown service 'cnd'",
    ),
    (
        'mitigate_from = "T+05:00"',
        'mitigate_from = "T+25:00"',
        "mitigate_from",
        "mitigate_from (T+25:00) is after mitigate_by",
    ),
    ('from = "Support"\n', "", ("[[injects]]", 2), "needs 'from'"),
    ('title = "Test drill"', 'title = "Test drill', 'title = "Test drill', "not valid TOML"),
    (
        'mitigate_by = "T+20:00"\n',
        'mitigate_by = "T+20:00"\n\n[[expected.teams]]\nteam = "leadership"\nby = "T+05:00"\n',
        "[[expected.teams]]",
        "the model does not make 'leadership' responsible",
    ),
    (
        "[expected]",
        '[[injects]]\nat = "T+04:00"\nkind = "false_lead"\ntext = "cdn?"\nservices = ["cdn"]\n\n[expected]',
        ("[[injects]]", 3),
        "this false lead points at cdn",
    ),
    (
        '[[injects]]\nat = "T+02:00"',
        '[[injects]]\nat = "T+99:00"',
        'at = "T+99:00"',
        "arrives after the drill ends",
    ),
]


@pytest.mark.parametrize("old,new,needle,message", BROKEN)
def test_each_problem_names_its_line(tmp_path, old, new, message, needle):
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    line = _line(text, *needle) if isinstance(needle, tuple) else _line(text, needle)
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "bad.toml", load_org())
    first = err.value.problems[0]
    assert first.startswith(f"bad.toml:{line}: "), (first, line)
    assert message in first

    path = tmp_path / "bad.toml"
    path.write_text(text)
    code, out, errtext = run_cli("drill", "run", str(path), "--autopilot")
    assert code == 2 and out == ""
    lines = errtext.splitlines()
    assert len(lines) == 1 and "Traceback" not in errtext
    assert lines[0].startswith(f"incident-console: error: {path}:{line}: ")


def test_every_problem_is_reported():
    text = GOOD.replace('at = "T+02:00"', 'at = "soon"').replace(
        'kind = "stakeholder"', 'kind = "gossip"'
    )
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text, "two.toml")
    assert len(err.value.problems) == 2
    assert "(and 1 more)" in str(err.value)


def test_missing_sections(tmp_path):
    with pytest.raises(ScenarioError) as err:
        parse_scenario('title = "x"\nbriefing = "y"\n', "empty.toml")
    assert err.value.problems == [
        "empty.toml:1: the scenario needs an [alert] table: the opening alert (title, text, source, services)",
        "empty.toml:1: the scenario needs an [expected] table: the answer key (severity, services, mitigate_by)",
    ]


def test_org_file_relative_to_the_scenario(tmp_path):
    text = 'org = "missing-org.toml"\n' + GOOD
    path = tmp_path / "withorg.toml"
    path.write_text(text)
    code, _, err = run_cli("drill", "check", str(path))
    assert code == 2 and err.startswith(
        f"incident-console: error: {path}:1: org file 'missing-org.toml' not found"
    )
    (tmp_path / "missing-org.toml").write_text(
        '[[services]]\nid = "cdn2"\nlayer = "edge"\ndomain = "edge-cdn"\nowner = "nobody"\n'
    )
    code, _, err = run_cli("drill", "check", str(path))
    assert code == 2 and "missing-org.toml:" in err and "unknown owner team 'nobody'" in err


def test_unknown_name_and_bad_speed():
    code, _, err = run_cli("drill", "run", "no-such-drill", "--autopilot")
    assert code == 2 and err.count("\n") == 1 and "no drill scenario 'no-such-drill'" in err
    code, _, err = run_cli("drill", "run", "cdn-outage", "--speed", "0")
    assert code == 2 and "speed must be 1-60" in err
    code, _, err = run_cli("drill", "run", "cdn-outage", "--autopilot=reckless")
    assert code == 2 and "invalid choice" in err


def test_user_scenarios_join_the_catalogue(tmp_path):
    folder = library.user_dir()
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text(GOOD)
    (folder / "broken.toml").write_text("title = ")
    names = {e.name: e.origin for e in library.catalogue()}
    assert names["mine"] == "user" and names["cdn-outage"] == "bundled"
    code, out, _ = run_cli("drill", "list")
    assert code == 0 and "mine" in out and "(yours)" in out
    assert "broken               INVALID:" in out
