"""Drill mode's smaller rules: a dialog holds the simulated clock, the keys of a
running drill go once it has ended, the page picker reaches every team, the scorecard
names who ran it, and `drill list` keeps the answer keys for those who ask."""

from __future__ import annotations

from drkit import run_cli, run_json, session

from console.drills import report
from console.tui.screens.drill import DrillApp
from console.tui.screens.prompts import ChoiceModal


def _offered(app) -> set[str]:
    return {b.binding.action for b in app.screen.active_bindings.values() if b.binding.show}


async def test_a_dialog_open_holds_the_simulated_clock(tmp_path):
    s = session(tmp_path, "database-failover", speed=60)
    app = DrillApp(s, tick_seconds=None, briefing=False, persist_theme=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.advance(1.0)
        assert s.elapsed == 60
        await pilot.press("question_mark")  # help is a screen, not a dialog: runs on
        app.advance(1.0)
        assert s.elapsed == 120
        await pilot.press("escape")
        await pilot.press("n")  # the declare dialog: held
        await pilot.pause()
        assert app.screen.is_modal
        app.advance(5.0)
        assert s.elapsed == 120
        await pilot.press("escape")
        await pilot.pause()
        app.advance(1.0)
        assert s.elapsed == 180


async def test_after_the_end_only_the_scorecard_is_offered(tmp_path):
    s = session(tmp_path, "cdn-outage")
    app = DrillApp(s, tick_seconds=None, briefing=False, persist_theme=False)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        running = _offered(app)
        assert {"drill_pause", "drill_page", "drill_end"} <= running
        assert "drill_scorecard" not in running
        await pilot.press("E")
        await pilot.pause()
        await pilot.press("escape")  # from the scorecard back to the board
        await pilot.pause()
        ended = _offered(app)
        assert not {"drill_pause", "drill_page", "drill_end"} & ended
        assert "drill_scorecard" in ended
        before = s.elapsed
        await pilot.press("P")  # not offered, and does nothing
        assert not s.paused and s.elapsed == before


async def test_the_picker_picks_any_of_thirteen_by_number(tmp_path):
    s = session(tmp_path, "cdn-outage")
    app = DrillApp(s, tick_seconds=None, briefing=False, persist_theme=False)
    options = [(f"team-{i}", f"Team {i}") for i in range(1, 14)]
    picked: list[str | None] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for keys, want in ((("1", "3"), "team-13"), (("2",), "team-2"), (("1", "enter"), "team-1")):
            app.push_screen(ChoiceModal("Pick", options), picked.append)
            await pilot.pause()
            await pilot.press(*keys)
            await pilot.pause()
            assert picked[-1] == want
        assert len(picked) == 3


def test_the_scorecard_says_who_ran_it(tmp_path):
    s = session(tmp_path, "cdn-outage", actor="ana.sato")
    s.finish("ended by the commander")
    card = s.scorecard
    assert card is not None and card["mode"] == "ana.sato"
    assert "run by ana.sato" in report.markdown(card)


def test_drill_list_keeps_the_answer_keys_for_those_who_ask():
    code, out, _ = run_cli("drill", "list")
    assert code == 0 and "database-failover" in out
    assert "SEV2" not in out and "orders-db" not in out and "AT FAULT" not in out
    assert "--answers" in out
    code, out, _ = run_cli("drill", "list", "--answers")
    assert code == 0 and "AT FAULT" in out and "orders-db" in out
    listed = {i["name"]: i for i in run_json("drill", "list", "--json")}
    assert "severity" not in listed["database-failover"]
    listed = {i["name"]: i for i in run_json("drill", "list", "--json", "--answers")}
    assert listed["database-failover"]["severity"] == "SEV2"
