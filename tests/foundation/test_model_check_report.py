"""`model check` reports every problem at once, each at the file:line the user can fix,
and flags anyone a role can page who has no contact."""

from __future__ import annotations

import textwrap

import pytest

from console.model.check import run_checks
from console.model.errors import OrgError
from console.model.org import load_org


def write_org(tmp_path, text: str, name: str = "org.toml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), "utf-8")
    return path


def org_of(text: str, name: str = "my-org.toml"):
    return load_org([(textwrap.dedent(text).lstrip("\n"), name)])


# ------------------------------------------------------------------ every problem at once


MANY = """
    [[teamz]]
    id = "typo-section"

    [meta]
    pattern = "nope"

    [[people]]
    id = "rina.fujita"
    contact = ""

    [[teams]]
    id = "payments"
    on_call = "nobody.here"
"""


def test_load_problems_of_every_stage_and_check_findings_come_together(tmp_path, run):
    path = write_org(tmp_path, MANY)
    r = run("--org", str(path), "model", "check")
    assert r.code == 2
    errors = r.err.strip().splitlines()
    # An unknown section (found while merging files) no longer hides the problems found
    # when the entries are built and cross-checked.
    assert errors[0].startswith(f"{path}:1: error: unknown section 'teamz'")
    assert any(e.startswith(f"{path}:5: error: unknown pattern 'nope'") for e in errors)
    assert any(e.startswith(f"{path}:13: error: team 'payments'") for e in errors)
    assert len(errors) == 3, r.err
    # ...and the checks still ran on what did load.
    assert f"{path}:9: error: person 'rina.fujita'" in r.out
    assert "model check: " in r.out and "fix the errors above" in r.out


def test_the_json_report_holds_load_problems_and_findings(tmp_path, run):
    path = write_org(tmp_path, MANY)
    r = run("--org", str(path), "model", "check", "--json")
    assert r.code == 2
    assert r.json["ok"] is False
    where = [(f["level"], f["where"]) for f in r.json["findings"]]
    assert ("error", f"{path}:1") in where and ("error", f"{path}:9") in where


def test_load_error_carries_the_org_built_from_what_loaded():
    with pytest.raises(OrgError) as info:
        org_of(MANY)
    assert len(info.value.problems) == 3
    org = info.value.org
    assert org is not None and org.people["rina.fujita"].contact == ""
    # A check that needs what failed to load says so instead of failing the report.
    findings = run_checks(org, loaded=False)
    assert any(f.level == "error" and "rina.fujita" in f.message for f in findings)


def test_a_check_that_trips_over_a_broken_org_is_reported_as_not_run(monkeypatch):
    from console.model import check

    def needs_everything(org):
        raise KeyError("gone")

    monkeypatch.setattr(check, "CHECKS", [needs_everything])
    with pytest.raises(OrgError) as info:
        org_of(MANY)
    (finding,) = check.run_checks(info.value.org, loaded=False)
    assert finding.level == "info" and "not checked (needs everything)" in finding.message
    with pytest.raises(KeyError):  # a loaded org is never excused
        check.run_checks(org_of(""), loaded=True)


# ------------------------------------------------------------------ the user's own file:line


def test_an_overridden_entry_is_shown_in_the_users_file():
    """The service entry lives in the defaults; the user moved its owner: the warning
    points at the user's owner line."""
    org = org_of(
        """
        [meta]
        name = "Acme"

        [[services]]
        id = "orders-db"
        owner = "checkout"
        """
    )
    (finding,) = [f for f in run_checks(org) if "orders-db" in f.message]
    assert finding.level == "warning" and finding.where == "my-org.toml:6"


def test_an_overridden_entry_missing_a_value_is_a_load_error_in_the_users_file():
    with pytest.raises(OrgError) as info:
        org_of(
            """
            [[services]]
            id = "orders-db"
            owner = ""
            """
        )
    assert info.value.problems == [
        "my-org.toml:1: service 'orders-db' has no owner (expected the id of a team)"
    ]


def test_a_finding_about_an_untouched_entry_stays_in_the_defaults():
    org = org_of('[meta]\nname = "Acme"\n')
    assert org.where_of("services", "orders-db").startswith("<defaults>/org.toml:")
    assert org.where_of("teams", "payments", "on_call").startswith("<defaults>/org.toml:")
    assert org.where_of("teams", "nobody") == ""


def test_where_of_names_the_last_file_that_set_the_key():
    org = org_of(
        """
        [[teams]]
        id = "payments"
        on_call = "aoi.matsumoto"
        """
    )
    assert org.where_of("teams", "payments", "on_call") == "my-org.toml:3"
    assert org.where_of("teams", "payments") == "my-org.toml:1"
    assert org.where_of("teams", "payments", "lead").startswith("<defaults>/org.toml:")


# ------------------------------------------------------------------ people without a contact


def test_a_person_a_role_pages_without_a_contact_is_an_error(tmp_path, run):
    path = write_org(
        tmp_path,
        """
        [[people]]
        id = "nao.silent"
        name = "Nao Silent"
        team = "sre-core"

        [[roles]]
        id = "sre_lead"
        people = ["nao.silent"]
        """,
    )
    r = run("--org", str(path), "model", "check")
    assert r.code == 1
    line = next(x for x in r.out.splitlines() if "nao.silent" in x)
    assert line == (
        f"{path}:1: error: person 'nao.silent' (Nao Silent) has no contact, but role "
        "'sre_lead' can page them: a page to them reaches nobody"
    )


def test_a_person_nobody_pages_may_have_no_contact():
    org = org_of(
        """
        [[people]]
        id = "ivy.observer"
        name = "Ivy Observer"
        team = "sre-core"
        """
    )
    assert not [f for f in run_checks(org) if "ivy.observer" in f.message]


def test_every_role_that_reaches_the_person_is_named_once():
    org = org_of(
        """
        [[people]]
        id = "hana.kobayashi"
        contact = ""
        """
    )
    (finding,) = [f for f in run_checks(org) if f.message.startswith("person 'hana.kobayashi'")]
    assert finding.where == "my-org.toml:3"
    roles = finding.message.split("role", 1)[1]
    assert "'sre_lead'" in roles and roles.count("'sre_lead'") == 1


def test_the_defaults_page_nobody_without_a_contact():
    assert not [f for f in run_checks(load_org()) if "has no contact" in f.message]
