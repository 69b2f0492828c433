"""A user's org file overrides and extends the defaults; every bad input names file:line
and what was expected; `model check` applies principle 1; patterns change the plan."""

from __future__ import annotations

import re
import textwrap

import pytest
from fkit import T0

from console.model.check import run_checks
from console.model.errors import OrgError
from console.model.org import load_org
from console.model.responsibility import scope_of


def write_org(tmp_path, text: str, name: str = "org.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), "utf-8")
    return path


def problems_of(text: str, name: str = "my-org.toml") -> list[str]:
    with pytest.raises(OrgError) as info:
        load_org([(textwrap.dedent(text).lstrip("\n"), name)])
    return info.value.problems


# ------------------------------------------------------------------ overrides and extensions


def test_override_changes_a_field_and_keeps_the_rest(tmp_path, run):
    path = write_org(
        tmp_path,
        """
        [meta]
        name = "Acme"

        [[teams]]
        id = "payments"
        on_call = "aoi.matsumoto"
    """,
    )
    r = run("--org", str(path), "model", "--json")
    assert r.code == 0, r.err
    data = r.json
    assert data["meta"]["name"] == "Acme"
    assert data["sources"] == ["<defaults>/org.toml", str(path)]
    payments = next(t for t in data["teams"] if t["id"] == "payments")
    assert payments["on_call"] == "aoi.matsumoto"
    assert payments["lead"] == "aoi.matsumoto" and payments["name"] == "Payments"


def test_extension_adds_team_person_service_and_declare_uses_them(tmp_path, run):
    path = write_org(
        tmp_path,
        """
        [[teams]]
        id = "ledger"
        name = "Ledger"
        type = "product"
        domains = ["business-logic"]
        lead = "lea.lead"
        on_call = "oli.oncall"
        manager = "mei.suzuki"

        [[people]]
        id = "lea.lead"
        name = "Lea Lead"
        team = "ledger"
        contact = "@lea"

        [[people]]
        id = "oli.oncall"
        name = "Oli Oncall"
        team = "ledger"
        contact = "@oli"

        [[services]]
        id = "general-ledger"
        layer = "service"
        domain = "business-logic"
        owner = "ledger"
    """,
    )
    assert run("--org", str(path), "model", "check").code == 0
    r = run(
        "--org",
        str(path),
        "declare",
        "--title",
        "GL out",
        "--severity",
        "SEV2",
        "--service",
        "general-ledger",
    )
    assert r.code == 0, r.err
    view = run("--org", str(path), "show", "INC-1", "--json").json
    assert view["responsible_team"] == "ledger"
    first = view["escalation"][0]
    assert first["key"] == "SEV2+0"
    assert [c["person_name"] for c in first["targets"][0]["contacts"]] == ["Oli Oncall"]


def test_escalation_override_replaces_that_severity_only():
    org = load_org(
        [
            (
                textwrap.dedent("""
        [[escalation]]
        severity = "SEV4"
        offset_minutes = 0
        targets = ["responsible_team", "sre_support"]
        derived = "ours"
    """),
                "o.toml",
            )
        ]
    )
    assert [r.targets for r in org.escalation if r.severity == "SEV4"] == [
        ("responsible_team", "sre_support")
    ]
    assert [r.offset_minutes for r in org.escalation if r.severity == "SEV1"] == [0, 15, 30]


def test_org_file_in_config_dir_is_picked_up(tmp_path, monkeypatch, run):
    config = tmp_path / "cfg"
    config.mkdir()
    (config / "org.toml").write_text('[meta]\nname = "From config dir"\n', "utf-8")
    monkeypatch.setenv("INCIDENT_CONSOLE_CONFIG_DIR", str(config))
    assert run("model", "--json").json["meta"]["name"] == "From config dir"


# ------------------------------------------------------------------ bad input: file:line + expected

LOCATED = re.compile(r"^my-org\.toml:(\d+): ")

BAD = {
    "unknown team type in the severity matrix": (
        """
        [[severities]]
        id = "SEV2"
        ops = "watches"
    """,
        3,
        "unknown team type 'ops'",
        "expected one of platform",
    ),
    "unknown team type in the domain matrix": (
        """
        [[domains]]
        id = "database"
        second = "dba"
    """,
        3,
        "unknown team type 'dba'",
        "expected one of platform",
    ),
    "unknown team type of a team": (
        """
        [[teams]]
        id = "wizards"
        name = "Wizards"
        type = "magic"
        on_call = "kenji.sato"
    """,
        4,
        "unknown team type 'magic'",
        "expected one of",
    ),
    "unknown team in a role": (
        """
        [[roles]]
        id = "cto"
        teams = ["no-such-team"]
    """,
        3,
        "unknown team 'no-such-team'",
        "role 'cto'",
    ),
    "unknown owner team of a service": (
        """
        [[services]]
        id = "gl"
        layer = "service"
        domain = "business-logic"
        owner = "ghosts"
    """,
        5,
        "unknown owner team 'ghosts'",
        "service 'gl'",
    ),
    "a service without an owner": (
        """
        [[services]]
        id = "gl"
        layer = "service"
        domain = "business-logic"
    """,
        1,
        "'gl'",
        "owner",
    ),
    "a service with an empty owner": (
        """
        [[services]]
        id = "gl"
        layer = "service"
        domain = "business-logic"
        owner = ""
    """,
        1,
        "has no owner",
        "expected the id of a team",
    ),
    "a role that resolves to nobody": (
        """
        [[roles]]
        id = "night_owl"
        description = "nobody yet"
    """,
        1,
        "resolves to nobody",
        "give it people or teams",
    ),
    "a role emptied by an override": (
        """
        [[roles]]
        id = "cto"
        people = []
    """,
        3,
        "resolves to nobody",
        "give it people or teams",
    ),
    "a negative step offset": (
        """
        [[escalation]]
        severity = "SEV2"
        offset_minutes = -5
        targets = ["responsible_team"]
    """,
        3,
        "offset_minutes",
        ">= 0, got -5",
    ),
    "a negative pattern move": (
        """
        [[patterns]]
        id = "product-led"
        moves = [{ severity = "SEV2", role = "sre_support", offset_minutes = -1 }]
    """,
        3,
        "offset_minutes",
        ">= 0",
    ),
    "an unknown severity in a rule": (
        """
        [[escalation]]
        severity = "SEV9"
        offset_minutes = 5
        targets = ["responsible_team"]
    """,
        2,
        "unknown severity 'SEV9'",
        "expected one of SEV1, SEV2, SEV3, SEV4, SEV5",
    ),
    "an unknown severity in the matrix": (
        """
        [[severities]]
        id = "SEV6"
        meaning = "apocalypse"
    """,
        2,
        "unknown severity 'SEV6'",
        "expected one of SEV1",
    ),
    "an unknown role in a rule": (
        """
        [[escalation]]
        severity = "SEV1"
        offset_minutes = 0
        targets = ["ghost"]
    """,
        None,
        "unknown role 'ghost'",
        "expected one of",
    ),
    "invalid TOML syntax": (
        """
        [meta]
        name = "unterminated
    """,
        2,
        "not valid TOML",
        "",
    ),
    "an unknown key": (
        """
        [[teams]]
        id = "payments"
        colour = "red"
    """,
        3,
        "unknown key 'colour'",
        "expected one of",
    ),
    "an unknown key in a rule": (
        """
        [[escalation]]
        severity = "SEV4"
        offset_minutes = 0
        targets = ["responsible_team"]
        delay = 3
    """,
        5,
        "unknown key 'delay'",
        "expected severity, offset_minutes",
    ),
    "an unknown key after a multi-line basic string": (
        '''
        [[teams]]
        id = "payments"
        name = """Payments
        colour = "inside the string"
        """
        colour = "red"
    ''',
        6,
        "unknown key 'colour'",
        "expected one of",
    ),
    "an unknown key after a multi-line literal string": (
        """
        [[roles]]
        id = "cto"
        description = '''
        [[roles]]
        id = "cto"
        '''
        colour = "red"
    """,
        7,
        "unknown key 'colour'",
        "expected one of",
    ),
    "an unknown key after an array spanning lines": (
        '''
        [[layers]]
        id = "edge"
        responsibilities = [
          "CDN / edge cache",
          """DDoS defence
        colour = "inside the string"
        """,
        ]
        colour = "red"
    ''',
        9,
        "unknown key 'colour'",
        "expected one of",
    ),
    "an unknown pattern": (
        """
        [meta]
        pattern = "chaos-led"
    """,
        2,
        "unknown pattern 'chaos-led'",
        "expected one of platform-led, product-led, sre-mediated",
    ),
    "an unknown layer of a service": (
        """
        [[services]]
        id = "gl"
        layer = "mainframe"
        domain = "business-logic"
        owner = "payments"
    """,
        3,
        "unknown layer 'mainframe'",
        "expected one of edge",
    ),
    "an unknown person on call": (
        """
        [[teams]]
        id = "payments"
        on_call = "nobody.here"
    """,
        3,
        "'nobody.here' is not a known person",
        "team 'payments'",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_org_names_file_line_and_expectation(case):
    text, line, what, expected = BAD[case]
    problems = problems_of(text)
    first = problems[0]
    m = LOCATED.match(first)
    assert m, f"not located in the user's file: {problems}"
    if line is not None:
        assert int(m.group(1)) == line, problems
    assert what in first and expected in first, first
    # One mistake is one problem, not a cascade blamed on the defaults.
    assert not [p for p in problems if p.startswith("<defaults>")], problems


@pytest.mark.parametrize(
    "case",
    [
        "an unknown key",
        "a service without an owner",
        "invalid TOML syntax",
        "an unknown pattern",
        "a negative step offset",
    ],
)
def test_bad_org_on_the_cli_is_one_line_exit_2(tmp_path, run, case):
    path = write_org(tmp_path, BAD[case][0], "my-org.toml")
    r = run("--org", str(path), "model")
    assert r.code == 2
    assert r.out == ""
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    assert f"{path}:" in lines[0] and "Traceback" not in r.err


def test_every_problem_is_reported_not_just_the_first(tmp_path, run):
    path = write_org(
        tmp_path, BAD["an unknown pattern"][0] + "\n" + BAD["a negative step offset"][0]
    )
    r = run("--org", str(path), "model", "check")
    assert r.code == 2
    errors = r.err.strip().splitlines()
    assert len(errors) == 2
    assert all(": error: " in e and str(path) in e for e in errors)


def test_missing_org_file_is_one_line(tmp_path, run):
    r = run("--org", str(tmp_path / "nope.toml"), "model")
    assert r.code == 2 and "no such org file" in r.err and len(r.err.strip().splitlines()) == 1


# ------------------------------------------------------------------ model check (principle 1)


def test_model_check_passes_on_the_defaults(run):
    r = run("model", "check")
    assert r.code == 0
    assert "0 error(s)" in r.out
    assert "derived" in r.out  # SEV3-5 rules are reported as derived
    data = run("model", "check", "--json").json
    assert data["ok"] is True
    assert not [f for f in data["findings"] if f["level"] == "error"]


def test_model_check_fails_when_an_owner_has_no_on_call_contact(tmp_path, run):
    path = write_org(
        tmp_path,
        """
        [[people]]
        id = "rina.fujita"
        contact = ""
    """,
    )
    r = run("--org", str(path), "model", "check")
    assert r.code == 1
    # Shown where the user emptied the contact, not at the defaults' service entry.
    assert (
        f"{path}:3: error: service 'orders-db': owner 'platform-data' has no on-call contact"
        in r.out
    )
    assert not re.search(r"<defaults>/org\.toml:\d+: error: ", r.out)
    data = run("--org", str(path), "model", "check", "--json").json
    assert data["ok"] is False


def test_model_check_fails_when_a_domain_has_no_owner_with_authority(tmp_path, run):
    path = write_org(
        tmp_path,
        """
        [[teams]]
        id = "sre-core"
        domains = ["edge-cdn", "business-logic", "database"]

        [[services]]
        id = "metrics-pipeline"
        owner = "platform-infra"

        [[services]]
        id = "alerting"
        owner = "platform-infra"

        [[services]]
        id = "log-pipeline"
        owner = "platform-infra"
    """,
    )
    r = run("--org", str(path), "model", "check")
    assert r.code == 1
    assert "domain 'monitoring': no sre team covers it" in r.out


def test_model_check_flags_a_role_that_resolves_to_an_empty_on_call(tmp_path, run):
    """A fallback team without an on-call person pages nobody: an error, not a pass."""
    path = write_org(
        tmp_path,
        """
        [[teams]]
        id = "night-sre"
        name = "Night SRE"
        type = "sre"
        on_call = ""

        [[roles]]
        id = "sre_support"
        teams = ["night-sre"]
    """,
    )
    r = run("--org", str(path), "model", "check")
    assert r.code == 1
    assert "role 'sre_support' resolves to nobody" in r.out


def test_model_check_warns_on_responsibility_without_authority(tmp_path, run):
    path = write_org(
        tmp_path,
        """
        [[services]]
        id = "orders-db"
        owner = "checkout"
    """,
    )
    r = run("--org", str(path), "model", "check", "--json")
    assert r.code == 0
    warnings = [f for f in r.json["findings"] if f["level"] == "warning"]
    assert any("orders-db" in f["message"] and "authority" in f["message"] for f in warnings)


# ------------------------------------------------------------------ architecture patterns


def org_with_pattern(pattern: str):
    return load_org([(f'[meta]\npattern = "{pattern}"\n', f"{pattern}.toml")])


def sev2_plan(org):
    return [(r.offset_minutes, list(r.targets)) for r in org.rules_for("SEV2")]


def test_patterns_change_the_sev2_step_plan_as_documented():
    assert sev2_plan(org_with_pattern("sre-mediated")) == [
        (0, ["responsible_team"]),
        (15, ["platform_support", "sre_support"]),
        (60, ["engineering_manager"]),
    ]
    assert sev2_plan(org_with_pattern("platform-led")) == [
        (0, ["responsible_team", "platform_support"]),
        (15, ["sre_support"]),
        (60, ["engineering_manager"]),
    ]
    assert sev2_plan(org_with_pattern("product-led")) == [
        (0, ["responsible_team"]),
        (30, ["platform_support", "sre_support"]),
        (60, ["engineering_manager"]),
    ]
    for pattern in ("sre-mediated", "platform-led", "product-led"):
        org = org_with_pattern(pattern)
        assert [(r.offset_minutes, list(r.targets)) for r in org.rules_for("SEV1")] == [
            (0, ["platform_lead", "product_leads", "sre_lead"]),
            (15, ["vp_engineering"]),
            (30, ["cto", "business_leads"]),
        ]


@pytest.mark.parametrize(
    "pattern, sev1, sev2",
    [
        ("platform-led", "platform_lead", "platform_support"),
        ("product-led", "product_coordinator", "product_coordinator"),
        ("sre-mediated", "sre_lead", "sre_support"),
    ],
)
def test_pattern_changes_who_coordinates_and_the_sev2_steps_an_incident_gets(
    tmp_path, pattern, sev1, sev2
):
    from console.model.clock import ManualClock
    from console.service import IncidentService
    from console.store import Store

    org = org_with_pattern(pattern)
    store = Store(tmp_path / f"{pattern}.db")
    svc = IncidentService(store, org, ManualClock(T0), actor="ic")
    one = svc.declare("Payments down", "SEV1", services=["payment-api"])
    two = svc.declare("Checkout slow", "SEV2", services=["checkout-api"])
    assert svc.responsibility(svc.get(one.id))["coordinator"]["role"] == sev1
    view = svc.view(two.id)
    assert view["pattern"] == pattern
    assert view["responsibility"]["coordinator"]["role"] == sev2
    assert view["responsibility"]["coordinator"]["contacts"], "the coordinator resolves to people"
    steps = [(s["key"], [t["role"] for t in s["targets"]]) for s in view["escalation"]]
    expected = {
        "platform-led": [
            ("SEV2+0", ["responsible_team", "platform_support"]),
            ("SEV2+15", ["sre_support"]),
            ("SEV2+60", ["engineering_manager"]),
        ],
        "product-led": [
            ("SEV2+0", ["responsible_team"]),
            ("SEV2+30", ["platform_support", "sre_support"]),
            ("SEV2+60", ["engineering_manager"]),
        ],
        "sre-mediated": [
            ("SEV2+0", ["responsible_team"]),
            ("SEV2+15", ["platform_support", "sre_support"]),
            ("SEV2+60", ["engineering_manager"]),
        ],
    }[pattern]
    assert steps == expected
    store.close()


def test_policy_is_snapshot_at_declaration(tmp_path):
    """Editing the org later never rewrites an incident's plan."""
    from console.model.clock import ManualClock
    from console.service import IncidentService
    from console.store import Store

    store = Store(tmp_path / "snap.db")
    svc = IncidentService(store, org_with_pattern("sre-mediated"), ManualClock(T0))
    inc = svc.declare("Checkout slow", "SEV2", services=["checkout-api"])
    later = IncidentService(store, org_with_pattern("product-led"), ManualClock(T0))
    assert [s.key for s in later.plan(later.get(inc.id))] == ["SEV2+0", "SEV2+15", "SEV2+60"]
    store.close()


def test_default_roles_resolve_for_every_layer(org):
    for rule in org.escalation:
        for role in rule.targets:
            for layer in org.layers:
                from console.model.responsibility import resolve_role

                contacts = resolve_role(org, role, scope_of(org, [layer], []))
                assert contacts and all(c.person for c in contacts), (role, layer)
    assert not [f for f in run_checks(org) if f.level == "error"]
