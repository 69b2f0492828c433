"""The [[schedules]] section: every problem reported as file:line, and existing org files
(a fixed on_call per team) keep working."""

from __future__ import annotations

import pytest
from okit import org_with, utc

from console.model.errors import OrgError
from console.model.oncall import Rota


def problems(toml: str) -> list[str]:
    with pytest.raises(OrgError) as err:
        org_with(toml)
    return err.value.problems


def test_every_problem_names_its_file_and_line():
    found = problems(
        """\
        [[schedules]]
        team = "platform-edge"
        time_zone = "Mars/Olympus"

        [[schedules.layers]]
        name = "weekly"
        members = ["akira.mori", "nobody.here"]
        rotation_start = "last tuesday"
        turn = "fortnightly"
        restrictions = [{ from = "25:00", to = "18:00" }]
        colour = "blue"

        [[schedules]]
        team = "no-such-team"
        time_zone = "UTC"
        layers = [{ members = ["akira.mori"], rotation_start = 2026-01-05T00:00:00 }]
        """
    )
    text = "\n".join(found)
    assert (
        "test-org.toml:3: schedule 'platform-edge': time_zone: unknown time zone 'Mars/Olympus'"
        in text
    )
    assert (
        "test-org.toml:8: schedule 'platform-edge' layer 'weekly': rotation_start must be" in text
    )
    assert "test-org.toml:9: schedule 'platform-edge' layer 'weekly': turn must be" in text
    assert (
        "test-org.toml:10: schedule 'platform-edge' layer 'weekly': restrictions are tables" in text
    )
    assert (
        "test-org.toml:11: unknown key 'colour' in schedule 'platform-edge' layer 'weekly'" in text
    )
    assert "test-org.toml:14: schedule for unknown team 'no-such-team'" in text
    assert len(found) == 6, found  # the broken schedule is not checked for its people


def test_references_are_checked_once_the_schedule_is_sound():
    found = problems(
        """\
        [[schedules]]
        team = "no-such-team"
        time_zone = "UTC"
        layers = [{ members = ["akira.mori"], rotation_start = 2026-01-05T00:00:00 }]

        [[schedules]]
        team = "platform-edge"
        time_zone = "UTC"

        [[schedules.layers]]
        members = ["akira.mori", "nobody.here"]
        rotation_start = 2026-01-05T00:00:00
        """
    )
    assert found == [
        "test-org.toml:2: schedule for unknown team 'no-such-team'",
        "test-org.toml:11: schedule 'platform-edge' layer '#1': unknown person 'nobody.here'",
    ]


def test_a_weekly_span_and_day_lists_are_understood():
    org = org_with(
        """
        [[schedules]]
        team = "platform-edge"
        time_zone = "Europe/Berlin"

        [[schedules.layers]]
        name = "weekend"
        members = ["akira.mori"]
        rotation_start = 2026-01-02T18:00:00
        restrictions = [{ from = "fri 18:00", to = "mon 09:00" }]

        [[schedules.layers]]
        name = "evenings"
        members = ["daichi.hayashi"]
        rotation_start = 2026-01-05T00:00:00
        restrictions = [{ days = ["mon", "wed"], from = "22:00", to = "06:00" }]
        """
    )
    rota = Rota(org)
    assert rota.on_call("platform-edge", utc(2026, 3, 7, 12)).person == "akira.mori"  # Saturday
    assert (
        rota.on_call("platform-edge", utc(2026, 3, 4, 22)).person == "daichi.hayashi"
    )  # Wed 23:00
    assert rota.on_call("platform-edge", utc(2026, 3, 5, 22)).person == "daichi.hayashi"  # fallback
    assert rota.on_call("platform-edge", utc(2026, 3, 5, 22)).source == "fallback"


def test_a_user_file_giving_a_team_a_fixed_on_call_replaces_the_demo_schedule():
    org = org_with(
        """
        [[teams]]
        id = "payments"
        on_call = "aoi.matsumoto"
        """
    )
    assert "payments" not in org.schedules and "checkout" in org.schedules
    answer = Rota(org).on_call("payments", utc(2026, 3, 1, 9))
    assert (answer.person, answer.until, answer.source) == ("aoi.matsumoto", None, "on_call")


def test_replacing_the_schedules_leaves_every_team_its_fixed_on_call():
    org = org_with(
        """
        [meta]
        replace = ["schedules"]
        """
    )
    assert org.schedules == {}
    assert Rota(org).on_call("sre-core", utc(2026, 3, 2, 12)).person == "yusuke.takeda"
