"""The room's smaller rules: a severity drop points down, elapsed reads as the board's
age, and `e` on a resolved incident writes the postmortem draft `export` writes."""

from __future__ import annotations

from tuikit import make_app, settle

from console.tui.screens.room import RoomScreen
from console.tui.widgets.room_header import RoomHeader
from console.tui.widgets.timeline import Timeline


async def _room(pilot, incident_id: str) -> RoomScreen:
    await settle(pilot)
    pilot.app.open_incident(incident_id)
    await settle(pilot)
    assert isinstance(pilot.app.screen, RoomScreen)
    return pilot.app.screen


async def test_a_severity_drop_points_down_and_a_rise_up(service):
    inc = service.declare("Checkout slow", "SEV3", ["service"])
    service.set_severity(inc.id, "SEV1")
    service.set_severity(inc.id, "SEV2")
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        room = await _room(pilot, inc.id)
        lines = room.query_one(Timeline).text.splitlines()
        rise = next(line for line in lines if "SEV3 → SEV1" in line)
        drop = next(line for line in lines if "SEV1 → SEV2" in line)
        assert "▲" in rise and "▼" not in rise
        assert "▼" in drop and "▲" not in drop


async def test_elapsed_reads_as_the_boards_age(service, clock):
    inc = service.declare("Orders DB primary down", "SEV1", ["data"])
    clock.advance(minutes=13, seconds=22)
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        room = await _room(pilot, inc.id)
        header = room.query_one(RoomHeader).render().plain
        assert "elapsed 13:22" in header and "00:13:22" not in header


async def test_export_of_a_resolved_incident_is_the_postmortem_draft(
    service, tmp_path, monkeypatch
):
    from console.export import markdown

    monkeypatch.chdir(tmp_path)
    inc = service.declare("Orders DB primary down", "SEV1", ["data"], ["orders-db"])
    service.resolve(inc.id, "replica promoted")
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await _room(pilot, inc.id)
        await pilot.press("e")
        await settle(pilot)
    written = (tmp_path / f"{inc.id}.md").read_text("utf-8")
    view = service.view(inc.id)
    assert written.rstrip("\n") == markdown(view, service.postmortem(inc.id)).rstrip("\n")
    assert written != markdown(view)  # not the plain living document
