"""Which of our people a paging tool's agent is: PagerDuty user id, then e-mail, then
name (said so); anything that fits two people, or contradicts what the org file says
of a person, is no match."""

from __future__ import annotations

import textwrap

from console.model.agents import AgentMatch, match_agent
from console.model.check import run_checks
from console.model.org import load_org


def org_of(text: str):
    return load_org([(textwrap.dedent(text).lstrip("\n"), "my-org.toml")])


ORG = org_of(
    """
    [[people]]
    id = "ana.lopez"
    name = "Ana Lopez"
    contact = "@ana"
    pagerduty_id = "PANA001"
    email = "ana@example.com"

    [[people]]
    id = "ana.lopez2"
    name = "Ana Lopez"
    contact = "@ana2"

    [[people]]
    id = "ben.ito"
    name = "Ben Ito"
    contact = "@ben"
    """
)


def test_id_then_email_then_name_only():
    assert match_agent(ORG, tool_id="PANA001", name="Ben Ito") == AgentMatch(
        "ana.lopez", "pagerduty_id"
    )
    assert match_agent(ORG, tool_id="PX", email=" ANA@example.com ", name="Ben Ito") == AgentMatch(
        "ana.lopez", "email"
    )
    found = match_agent(ORG, tool_id="PX", name="ben  ito")
    assert found == AgentMatch("ben.ito", "name") and found.by_name_only
    assert match_agent(ORG, name="ben.ito") == AgentMatch("ben.ito", "name")  # our id as its name


def test_no_guessing():
    unmatched = AgentMatch(None, "unmatched")
    assert match_agent(ORG, tool_id="PX", name="Nobody Here") == unmatched
    assert match_agent(ORG) == unmatched  # PagerDuty said nothing of who it was
    # Two Ana Lopez, and one of them known by another id: only the other one fits...
    assert match_agent(ORG, tool_id="PX", name="Ana Lopez") == AgentMatch("ana.lopez2", "name")
    # ...and without an id, both fit: nobody is picked
    assert match_agent(ORG, name="Ana Lopez") == unmatched


def test_model_check_says_two_people_share_an_id_or_an_email():
    org = org_of(
        """
        [[people]]
        id = "taro.yamamoto"
        pagerduty_id = "PSAME01"

        [[people]]
        id = "kenji.sato"
        pagerduty_id = "PSAME01"
        email = "k@example.com"

        [[people]]
        id = "yuki.nakamura"
        email = "K@example.com"
        """
    )
    found = [f for f in run_checks(org) if "share the" in f.message]
    assert [(f.level, f.where, f.message) for f in found] == [
        (
            "error",
            "my-org.toml:3",
            "'kenji.sato', 'taro.yamamoto' share the PagerDuty user id 'PSAME01': an "
            "acknowledgement in PagerDuty cannot be matched to one of them by it",
        ),
        (
            "error",
            "my-org.toml:12",
            "'kenji.sato', 'yuki.nakamura' share the e-mail 'k@example.com': an "
            "acknowledgement in PagerDuty cannot be matched to one of them by it",
        ),
    ]
