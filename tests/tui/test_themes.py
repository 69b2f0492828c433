"""Themes are files; a switch never crashes, persists, and NO_COLOR is honoured."""

from __future__ import annotations

import json

import pytest
from tuikit import Toasts, make_app, screen_text, settle

from console import config
from console.tui.themes import (
    TEXT_MARKERS,
    VARIABLE_DEFAULTS,
    ThemeFileError,
    load_themes,
    parse_theme,
)


def test_packaged_themes_load_clean():
    themes, problems = load_themes(None)
    assert problems == []
    assert {"war-room", "projector", "high-contrast"} <= set(themes)
    assert themes["war-room"].theme.dark and not themes["projector"].theme.dark
    hc = themes["high-contrast"]
    # severity never by colour alone: five different text markers
    assert len({hc.markers[s] for s in ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")}) == 5


def test_bad_theme_file_names_file_and_line(tmp_path):
    text = '[theme]\nname = "x"\nprimary = "#123456"\nerror = "not-a-colour"\nsparkle = 1\n'
    with pytest.raises(ThemeFileError) as exc:
        parse_theme(text, "mine.toml")
    assert "mine.toml:4: error: not a colour: 'not-a-colour'" in exc.value.problems
    assert any(p.startswith("mine.toml:5: unknown key 'sparkle'") for p in exc.value.problems)
    with pytest.raises(ThemeFileError) as exc:
        parse_theme("[theme\n", "broken.toml")
    assert exc.value.problems[0].startswith("broken.toml:1: not valid TOML")


async def test_user_theme_dir_adds_and_bad_ones_are_reported(service, tmp_path):
    folder = config.config_dir() / "themes"
    folder.mkdir(parents=True)
    (folder / "night.toml").write_text(
        '[theme]\nname = "night"\nlabel = "Night"\nprimary = "#336699"\n'
    )
    (folder / "bad.toml").write_text('[theme]\nprimary = "#336699"\n')
    app = make_app(service)
    toasts = Toasts(app)
    assert "night" in app.console_themes
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert any("bad.toml:1: [theme] needs a name" in m for m in toasts.messages)
        app.set_console_theme("night")  # only sets primary: the console's variables fall back
        await settle(pilot)
        assert app.theme_variables["sev1"] == VARIABLE_DEFAULTS["sev1"]
        assert "INCIDENT CONSOLE" in screen_text(app)


async def test_switch_on_every_screen_persists(service):
    service.declare("Edge 503s", "SEV2", ["edge"])
    app = make_app(service, persist_theme=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.theme == "war-room"
        seen = []
        for keys in ((), ("enter",), ("m",), ("escape", "question_mark")):
            await pilot.press(*keys)
            await settle(pilot)
            await pilot.press("ctrl+t")  # one switch on each screen; four switches visit all three
            await settle(pilot)
            seen.append(app.theme)
            assert screen_text(app).strip()
        assert set(seen) == set(app.console_themes)
        await pilot.press("escape", "escape")
        await pilot.press("ctrl+t")
        await settle(pilot)
        chosen = app.theme
    saved = json.loads(config.user_settings_path().read_text())
    assert saved["theme"] == chosen
    assert make_app(service).theme == chosen  # the next start uses it


async def test_no_color_uses_text_markers(service, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    service.declare("Edge 503s", "SEV1", ["edge"])
    app = make_app(service)
    assert app.no_color and app.theme == "high-contrast"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert f"{TEXT_MARKERS['SEV1']} SEV1" in screen_text(app)
        app.set_console_theme("war-room")  # even a colour theme keeps text markers
        await settle(pilot)
        assert f"{TEXT_MARKERS['SEV1']} SEV1" in screen_text(app)
