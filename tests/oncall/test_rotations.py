"""Rotations as pure maths on given instants: weekly, daily, a weekday-only layer,
overrides, follow-the-sun, and the daylight-saving nights."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from okit import org_with, utc

from console.model.oncall import HORIZON, LOOKBACK, Override, Rota
from console.model.schedule import Layer, Schedule, local_to_utc, schedule_shifts, zone


def rota_for(toml: str, overrides=()) -> Rota:
    return Rota(org_with(toml), overrides)


WEEKLY = """
[[schedules]]
team = "platform-edge"
time_zone = "Asia/Tokyo"
layers = [{ name = "weekly", members = ["akira.mori", "daichi.hayashi"], rotation_start = 2026-03-02T10:00:00, turn = "1w" }]
"""


def test_weekly_rotation_hands_over_on_monday_at_ten_tokyo_time():
    rota = rota_for(WEEKLY)
    monday = utc(2026, 3, 2, 1, 0)  # 10:00 JST
    before = rota.on_call("platform-edge", monday - timedelta(seconds=1))
    assert before.person == "daichi.hayashi"  # the fallback before the rotation starts
    assert before.source == "fallback"
    first = rota.on_call("platform-edge", monday)
    assert (first.person, first.since, first.until) == (
        "akira.mori",
        monday,
        monday + timedelta(weeks=1),
    )
    assert first.next_person == "daichi.hayashi" and first.source == "layer weekly"
    assert rota.on_call("platform-edge", monday + timedelta(days=8)).person == "daichi.hayashi"
    assert rota.on_call("platform-edge", monday + timedelta(days=15)).person == "akira.mori"


def test_daily_rotation_of_three():
    rota = rota_for(
        """
        [[schedules]]
        team = "platform-edge"
        time_zone = "UTC"
        layers = [{ members = ["akira.mori", "daichi.hayashi", "kenji.sato"], rotation_start = 2026-03-01T08:00:00, turn = "1d" }]
        """
    )
    people = [rota.on_call("platform-edge", utc(2026, 3, d, 12)).person for d in range(1, 8)]
    assert people == ["akira.mori", "daichi.hayashi", "kenji.sato"] * 2 + ["akira.mori"]
    shift = rota.on_call("platform-edge", utc(2026, 3, 2, 7, 59))
    assert shift.person == "akira.mori" and shift.until == utc(2026, 3, 2, 8, 0)
    assert shift.next_person == "daichi.hayashi"


def test_a_weekday_only_layer_wins_in_office_hours_and_the_base_layer_covers_the_rest():
    rota = Rota(org_with(""))  # the demo leadership schedule
    tuesday_office = utc(2026, 3, 3, 1, 0)  # 10:00 JST on a Tuesday
    tuesday_night = utc(2026, 3, 3, 12, 0)  # 21:00 JST
    saturday_office = utc(2026, 3, 7, 1, 0)
    assert rota.on_call("leadership", tuesday_office).person == "mei.suzuki"
    office = rota.on_call("leadership", tuesday_office)
    assert office.until == utc(2026, 3, 3, 9, 0)  # 18:00 JST
    assert office.next_person == "yuki.nakamura"
    assert rota.on_call("leadership", tuesday_night).person == "yuki.nakamura"
    assert rota.on_call("leadership", saturday_office).person == "yuki.nakamura"


def test_overrides_win_over_every_layer_and_the_latest_override_wins():
    start, end = utc(2026, 3, 3, 3, 0), utc(2026, 3, 3, 6, 0)
    overrides = [
        Override("o1", "leadership", "sora.ito", start, end),
        Override("o2", "leadership", "ren.kato", utc(2026, 3, 3, 4, 0), end),
    ]
    rota = Rota(org_with(""), overrides)
    assert rota.on_call("leadership", utc(2026, 3, 3, 2, 59)).person == "mei.suzuki"
    first = rota.on_call("leadership", utc(2026, 3, 3, 3, 30))
    assert (first.person, first.source, first.until, first.next_person) == (
        "sora.ito",
        "override",
        utc(2026, 3, 3, 4, 0),
        "ren.kato",
    )
    later = rota.on_call("leadership", utc(2026, 3, 3, 5, 0))
    assert (later.person, later.until, later.next_person) == ("ren.kato", end, "mei.suzuki")


def test_follow_the_sun_hands_over_from_tokyo_to_dublin_to_new_york():
    rota = Rota(org_with(""))
    tokyo = rota.on_call("sre-core", utc(2026, 3, 2, 9, 59))
    assert tokyo.person == "ryo.fukuda"  # the week of 2 March is his
    assert tokyo.source == "layer Tokyo"
    assert tokyo.until == utc(2026, 3, 2, 10, 0)  # 19:00 JST = 10:00 in Dublin
    dublin = rota.on_call("sre-core", utc(2026, 3, 2, 10, 0))
    assert (dublin.person, dublin.source) == ("aoife.byrne", "layer Europe")
    assert dublin.until == utc(2026, 3, 2, 18, 0) and dublin.next_person == "maya.brooks"
    new_york = rota.on_call("sre-core", utc(2026, 3, 2, 18, 0))
    assert new_york.until == utc(2026, 3, 3, 1, 0)  # Tokyo takes over at 10:00 JST


@pytest.mark.parametrize(
    "start",
    [utc(2026, 3, 1), utc(2026, 3, 20), utc(2026, 10, 20)],
    ids=["us-dst-starts", "between-us-and-eu", "eu-dst-ends-first"],
)
def test_follow_the_sun_leaves_no_gap_whatever_the_dst_dates_do(start):
    rota = Rota(org_with(""))
    shifts = rota.timeline("sre-core", start, start + timedelta(days=21), fallback=False)
    assert [s for s in shifts if s.person is None] == []
    assert all(a.end == b.start for a, b in zip(shifts, shifts[1:], strict=False))


def _daily(zone_name: str, at_hour: int, turn_hours: int = 24) -> Schedule:
    layer = Layer(
        name="daily",
        members=("a", "b"),
        start=datetime(2026, 1, 1, at_hour, 0),
        turn=timedelta(hours=turn_hours),
        zone=zone_name,
    )
    return Schedule(team="t", zone=zone_name, layers=(layer,))


DST = [
    ("Europe/Berlin", utc(2026, 3, 27), utc(2026, 3, 29), -1),
    ("Europe/Berlin", utc(2026, 10, 23), utc(2026, 10, 25), +1),
    ("America/New_York", utc(2026, 3, 6), utc(2026, 3, 8), -1),
    ("America/New_York", utc(2026, 10, 30), utc(2026, 11, 1), +1),
]


@pytest.mark.parametrize(("zone_name", "start", "change_day", "hours"), DST)
def test_a_daily_hand_off_stays_at_nine_on_the_wall_clock_across_dst(
    zone_name, start, change_day, hours
):
    shifts = schedule_shifts(_daily(zone_name, 9), start, start + timedelta(days=5))
    tz = zone(zone_name)
    inner = shifts[1:-1]  # the first and last are cut by the window
    assert all(s.start.astimezone(tz).strftime("%H:%M") == "09:00" for s in inner)
    assert all(a.end == b.start for a, b in zip(shifts, shifts[1:], strict=False))
    # Only the shift over the night the clocks change is shorter or longer, by that hour.
    lengths = {s.start.astimezone(tz).date(): s.hours for s in inner}
    the_night = change_day.date() - timedelta(days=1)
    assert lengths[the_night] == pytest.approx(24 + hours)
    assert all(v == pytest.approx(24) for d, v in lengths.items() if d != the_night)


@pytest.mark.parametrize(("zone_name", "start", "change_day", "hours"), DST)
def test_twelve_hour_shifts_keep_eight_and_twenty_and_only_the_night_shift_moves(
    zone_name, start, change_day, hours
):
    shifts = schedule_shifts(_daily(zone_name, 8, 12), start, start + timedelta(days=4))
    tz = zone(zone_name)
    inner = shifts[1:-1]
    assert {s.start.astimezone(tz).strftime("%H:%M") for s in inner} == {"08:00", "20:00"}
    odd = [s for s in inner if s.hours != pytest.approx(12)]
    assert len(odd) == 1 and odd[0].hours == pytest.approx(12 + hours)
    assert odd[0].start.astimezone(tz).strftime("%H:%M") == "20:00"
    assert odd[0].start.astimezone(tz).date() == change_day.date() - timedelta(days=1)
    assert all(a.end == b.start for a, b in zip(shifts, shifts[1:], strict=False))


def test_a_hand_off_the_clocks_skip_happens_at_the_jump_and_a_repeated_one_the_first_time():
    berlin = zone("Europe/Berlin")
    assert local_to_utc(datetime(2026, 3, 29, 2, 30), berlin) == utc(2026, 3, 29, 1, 0)
    assert local_to_utc(datetime(2026, 10, 25, 2, 30), berlin) == utc(2026, 10, 25, 0, 30)
    new_york = zone("America/New_York")
    assert local_to_utc(datetime(2026, 3, 8, 2, 30), new_york) == utc(2026, 3, 8, 7, 0)
    assert local_to_utc(datetime(2026, 11, 1, 1, 30), new_york) == utc(2026, 11, 1, 5, 30)


def _whole_window_answer(rota: Rota, team: str, at: datetime):
    """Who, since, until and next read off the whole window, as the rota once always did."""
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    shifts = rota.timeline(team, day - LOOKBACK, day + HORIZON)
    i = next(k for k, s in enumerate(shifts) if s.start <= at < s.end)
    first = last = i
    while first > 0 and shifts[first - 1].person == shifts[i].person:
        first -= 1
    while last < len(shifts) - 1 and shifts[last + 1].person == shifts[i].person:
        last += 1
    inner = last < len(shifts) - 1
    return (
        shifts[i].person,
        shifts[first].start if first > 0 else None,
        shifts[last].end if inner else None,
        shifts[last + 1].person if inner else None,
    )


@settings(max_examples=60, deadline=None)
@given(
    minutes=st.integers(0, 60 * 24 * 400),
    overrides=st.lists(
        st.tuples(st.integers(0, 60 * 24 * 400), st.integers(1, 60 * 24 * 20)), max_size=3
    ),
)
def test_the_near_window_answers_as_the_whole_window_would(minutes, overrides):
    """Who holds the pager is first read off a few days around the moment; the answer,
    since when, until when and who is next, must be the whole window's."""
    org = org_with("")
    start = utc(2026, 1, 1)
    overs = [
        Override(
            f"o{k}",
            "sre-core",
            "maya.brooks",
            start + timedelta(minutes=a),
            start + timedelta(minutes=a + span),
        )
        for k, (a, span) in enumerate(overrides)
    ]
    at = start + timedelta(minutes=minutes)
    rota = Rota(org, overs)
    for team in org.teams:
        got = rota.on_call(team, at)
        assert (got.person, got.since, got.until, got.next_person) == _whole_window_answer(
            Rota(org, overs), team, at
        )
