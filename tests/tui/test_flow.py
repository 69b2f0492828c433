"""The whole flow of issue 3, with the keyboard alone: declare a SEV1 on the data
layer, read responsibility and the checklist, let 16 minutes pass, tick the
overdue step, quit, start again on the same database."""

from __future__ import annotations

from tuikit import make_app, open_service, screen_text, settle

from console.tui.screens.room import RoomScreen
from console.tui.widgets.checklist import Checklist
from console.tui.widgets.responsibility import ResponsibilityPanel


def step_line(text: str, key: str) -> str:
    return next(line for line in text.splitlines() if f" {key} " in line)


async def test_declare_to_overdue_to_restart(db_path, org, clock):
    service = open_service(db_path, org, clock)
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "no open incidents" in screen_text(app)

        # Declare: n, title, tab, 1 (SEV1), tab, layers "data", enter.
        await pilot.press("n")
        await pilot.press(*"DB down")
        await pilot.press("tab", "1", "tab", *"data")
        await pilot.press("enter")
        await settle(pilot)
        room = app.screen
        assert isinstance(room, RoomScreen) and room.incident_id == "INC-1"
        text = screen_text(app)
        assert "INC-1" in text and "SEV1" in text and "DB down" in text

        # Responsibility for Database with the demo teams.
        domain = room.query_one(ResponsibilityPanel).view["domains"][0]
        assert domain["name"] == "Database"
        assert (domain["first"]["team_type"], domain["first"]["team_name"]) == (
            "platform",
            "Data Platform",
        )
        assert (domain["second"]["team_type"], domain["second"]["team_name"]) == (
            "product",
            "Payments",
        )
        assert (domain["final"]["team_type"], domain["final"]["team_name"]) == (
            "platform",
            "Data Platform",
        )
        lines = [line for line in text.splitlines() if "Platform" in line or "Product" in line]
        assert any(
            "first" in line and "Platform" in line and "Data Platform" in line for line in lines
        )
        assert any("second" in line and "Product" in line and "Payments" in line for line in lines)
        assert any(
            "final" in line and "Platform" in line and "Data Platform" in line for line in lines
        )

        # The checklist: the three leads due now, vp_engineering in 15:00.
        assert "due now" in step_line(text, "SEV1+0")
        for role in ("platform_lead", "product_leads", "sre_lead", "vp_engineering"):
            assert role in text
        assert "in 15:00" in step_line(text, "SEV1+15")

        # 16 minutes later (the 1 s timer calls redraw; we call it rather than wait).
        clock.advance(minutes=16)
        room.redraw()
        await pilot.pause()
        text = screen_text(app)
        assert "overdue +01:00" in step_line(text, "SEV1+15")
        assert "OVERDUE" in step_line(text, "SEV1+15")

        # Tick it: move to the step, space marks it notified.
        checklist = room.query_one(Checklist)
        while checklist.selected.key != "SEV1+15":
            await pilot.press("j")
        await pilot.press("space")
        await settle(pilot)
        text = screen_text(app)
        assert "NOTIFIED" in step_line(text, "SEV1+15")
        assert "step SEV1+15 notified" in text

        await pilot.press("ctrl+q")
    service.store.close()

    # Start again on the same database: everything is still there.
    service = open_service(db_path, org, clock)
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "INC-1" in screen_text(app) and "DB down" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RoomScreen)
        text = screen_text(app)
        assert "NOTIFIED" in step_line(text, "SEV1+15")
        assert "overdue" in step_line(text, "SEV1+0")  # nobody ticked the leads
        assert "step SEV1+15 notified" in text
    service.store.close()


async def test_declare_to_resolve_by_keyboard(service):
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"5xx", "tab", "2", "tab", "tab", *"checkout-a", "right", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RoomScreen)
        await pilot.press("space")  # first step notified
        await pilot.press("a")  # and acknowledged
        await pilot.press("n", *"ok", "enter")  # a note
        await pilot.press("u", "3")  # status: mitigating
        await pilot.press("R", *"fixed", "enter")  # resolve
        await settle(pilot)
        inc = service.get("INC-1")
        assert inc.status == "resolved"
        assert inc.services == ["checkout-api"]
        assert [n.text for n in inc.notes] == ["ok"]
        assert "RESOLVED" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert "no open incidents" in screen_text(app)
