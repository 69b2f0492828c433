"""The rules live in the service, so every face keeps them: a resolved incident takes no
tick, untick or severity change (reopen first); resolving warns about steps that fell
due and pending handoffs, and cancels the handoffs."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from textual.widgets import Static
from tuikit import make_app, settle

from console.model.clock import iso
from console.model.errors import InputError
from console.tui.screens.resolve import ResolveModal
from console.tui.screens.room import RoomScreen


def test_the_service_refuses_changes_to_a_resolved_incident(service):
    inc = service.declare("Payments DB failover", "SEV1", ["data"])
    service.tick(inc.id, "SEV1+0")
    service.resolve(inc.id)
    for change in (
        lambda: service.tick(inc.id, "SEV1+15"),
        lambda: service.untick(inc.id, "SEV1+0"),
        lambda: service.set_severity(inc.id, "SEV2"),
    ):
        with pytest.raises(InputError, match="resolved; reopen it first"):
            change()
    service.reopen(inc.id)
    service.tick(inc.id, "SEV1+15")


def test_the_cli_refuses_a_tick_on_a_resolved_incident(service, db_path):
    inc = service.declare("Payments DB failover", "SEV1", ["data"])
    service.resolve(inc.id)
    out = subprocess.run(
        [sys.executable, "-m", "console", "--db", str(db_path), "tick", inc.id, "SEV1+0"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert "resolved; reopen it first" in out.stderr


async def test_space_in_the_room_of_a_resolved_incident_is_refused(service):
    inc = service.declare("Payments DB failover", "SEV1", ["data"])
    service.resolve(inc.id, "replica promoted")
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(inc.id)
        await settle(pilot)
        before = len(service.events(inc.id))
        await pilot.press("space", "a", "x")
        await settle(pilot)
        assert isinstance(app.screen, RoomScreen)
        assert len(service.events(inc.id)) == before


def test_the_cli_resolve_says_what_it_leaves_behind(service, db_path):
    inc = service.declare("Payments DB failover", "SEV1", ["data"])
    service.handoff(inc.id, "communications", "mei.suzuki")
    later = iso(service.clock.now() + timedelta(minutes=2))  # SEV1+0 overdue, never ticked
    service.store.close()
    out = subprocess.run(
        [sys.executable, "-m", "console", "--db", str(db_path), "--now", later, "resolve", inc.id],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stderr.splitlines()[:2] == [
        "incident-console: warning: SEV1+0 fell due and was never marked notified",
        "incident-console: warning: the communications handoff to mei.suzuki is pending: "
        "resolving cancels it",
    ]


def test_resolving_cancels_a_pending_handoff(service):
    inc = service.declare("Payments DB failover", "SEV1", ["data"])
    service.handoff(inc.id, "communications", "mei.suzuki")
    done = service.resolve(inc.id)
    assert done.handoffs == {}
    assert "pending handoff of communications cancelled" in str(done.timeline[-1])


async def test_the_resolve_dialog_warns_of_due_steps_and_pending_handoffs(service, clock):
    inc = service.declare("Payments DB failover", "SEV1", ["data"])
    service.handoff(inc.id, "communications", "mei.suzuki")
    clock.advance(minutes=2)  # SEV1+0 is overdue, never ticked
    assert service.resolve_warnings(inc.id) == [
        "SEV1+0 fell due and was never marked notified",
        "the communications handoff to mei.suzuki is pending: resolving cancels it",
    ]
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.open_incident(inc.id)
        await settle(pilot)
        await pilot.press("R")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ResolveModal)
        hint = str(modal.query_one(".hint", Static).render())
        assert "SEV1+0 fell due" in hint and "handoff to mei.suzuki is pending" in hint
        await pilot.press("enter")
        await settle(pilot)
        assert not service.get(inc.id).open
        assert service.get(inc.id).handoffs == {}
