"""The declare form: Enter takes the completion on show, one error in the form's own
words, and no severity chosen until the commander chooses one."""

from __future__ import annotations

from textual.widgets import Input
from tuikit import make_app, paste, screen_text, settle

from console.tui.screens.declare import DeclareScreen, SeverityPicker, tui_words


async def _open(pilot):
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DeclareScreen)
    return pilot.app.screen


async def test_enter_takes_the_completion_on_show(service):
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await _open(pilot)
        await paste(pilot, "Orders DB down")
        await pilot.press("tab", "1", "tab")
        await paste(pilot, "dat")
        await settle(pilot)  # the completion arrives from a worker
        assert "data" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, DeclareScreen), form.query_one("#error").render()
    incidents = service.board()
    assert len(incidents) == 1
    assert service.get(incidents[0]["id"]).layers == ["data"]


async def test_no_severity_is_chosen_until_the_commander_chooses(service):
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await _open(pilot)
        picker = form.query_one(SeverityPicker)
        assert picker.value == ""
        assert "(•)" not in picker.render().plain
        await paste(pilot, "Orders DB down")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)  # not declared
        assert app.focused is picker
        text = screen_text(app)
        assert text.count("choose a severity") == 1
        await pilot.press("j")
        assert picker.value == "SEV1"
        await pilot.press("j", "j")
        assert picker.value == "SEV3"
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, DeclareScreen)
    assert [row["severity"] for row in service.board()] == ["SEV3"]


async def test_an_unknown_service_is_said_once_in_the_forms_words(service):
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        form = await _open(pilot)
        await paste(pilot, "Checkout returns 500")
        await pilot.press("tab", "2", "tab", "tab")
        await paste(pilot, "checkout-apx")  # close to checkout-api, no completion
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DeclareScreen)
        text = screen_text(app)
        assert text.count("checkout-apx") == 2  # the field and one error
        assert text.count("unknown service") == 1
        assert "incident-console" not in text
        assert app.focused is form.query_one("#services", Input)
        # typing again clears the error; the live hint comes back in its place
        await pilot.press("backspace")
        await settle(pilot)
        assert screen_text(app).count("unknown service") == 1


def test_service_messages_lose_their_command_line_pointers():
    assert (
        tui_words("unknown service 'x' (see `incident-console model` for the catalogue)")
        == "unknown service 'x'"
    )
    assert tui_words("a title is required") == "a title is required"
