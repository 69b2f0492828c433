"""Pages go to whoever is on call when they are sent: a step that falls due after the
follow-the-sun hand-off pages the new person, through a real webhook on 127.0.0.1, and
the timeline says who that was and until when."""

from __future__ import annotations

import pytest
from okit import Receiver, org_with, utc

from console.model.clock import ManualClock
from console.notify.runner import EscalationRunner
from console.service import IncidentService
from console.store import Store


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def world(tmp_path, receiver):
    org = org_with(
        f"""
        [[channels]]
        id = "hook"
        type = "webhook"
        url = "{receiver.url}"
        teams = ["sre-core", "payments", "platform-infra"]
        """
    )
    clock = ManualClock(utc(2026, 3, 2, 9, 50))  # Monday, 18:50 in Tokyo
    store = Store(tmp_path / "c.db")
    svc = IncidentService(store, org, clock, actor="kenji.sato")
    yield svc, clock, EscalationRunner(store, org, clock)
    store.close()


def test_a_step_due_after_the_hand_off_pages_the_new_on_call(world, receiver):
    svc, clock, runner = world
    inc = svc.declare("Card payments failing", "SEV2", services=["payment-api"])
    runner.run_once()
    assert receiver.people() == ["aoi.matsumoto"]  # Payments' week of 2 March

    # SEV2+15 (SRE support) falls due at 10:05, after Tokyo (Ryo) hands over to Dublin.
    clock.set(utc(2026, 3, 2, 10, 5))
    runner.run_once()
    assert {"sho.ogawa", "aoife.byrne"} <= set(receiver.people())
    assert "ryo.fukuda" not in receiver.people()
    pages = [t.text for t in svc.get(inc.id).timeline if t.kind == "page_queued"]
    assert any(
        "Aoife Byrne (sre_support), on call for SRE until 2026-03-02T18:00:00.000Z" in p
        for p in pages
    ), pages


def test_an_override_changes_who_the_next_page_goes_to_and_says_so(world, receiver):
    svc, clock, runner = world
    svc.declare("Card payments failing", "SEV2", services=["payment-api"])
    runner.run_once()
    svc.override("sre-core", "hana.kobayashi", utc(2026, 3, 2, 10, 0), utc(2026, 3, 2, 12, 0))
    clock.set(utc(2026, 3, 2, 10, 5))
    runner.run_once()
    assert "hana.kobayashi" in receiver.people()
    assert "aoife.byrne" not in receiver.people()


def test_an_override_of_someone_on_call_now_is_on_the_timeline_of_open_incidents(world):
    svc, clock, _ = world
    inc = svc.declare("Card payments failing", "SEV2", services=["payment-api"])
    svc.override("payments", "haruto.inoue", clock.now(), utc(2026, 3, 2, 18, 0))
    notes = [n.text for n in svc.get(inc.id).notes]
    assert notes[-1] == (
        "On call for Payments now: Haruto Inoue until 2026-03-02T18:00:00.000Z "
        "(override; was Aoi Matsumoto)"
    )
    view = svc.view(inc.id)
    assert view["responsibility"]["responsible_team"]["on_call"] == "Haruto Inoue"
    shift = view["responsibility"]["responsible_team"]["shift"]
    assert (shift["source"], shift["until"], shift["next"]) == (
        "override",
        "2026-03-02T18:00:00.000Z",
        "aoi.matsumoto",
    )
