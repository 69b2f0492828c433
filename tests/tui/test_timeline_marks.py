"""A timeline row's mark: a severity change points the way it went."""

from __future__ import annotations

from console.tui.widgets.timeline import glyph


def test_a_severity_rise_points_up_and_a_drop_down():
    assert glyph("severity_set", "severity SEV3 → SEV1") == "▲"
    assert glyph("severity_set", "severity SEV1 → SEV2") == "▼"
    assert glyph("note_added", "SEV1 → SEV5 was discussed") == "✎"


async def test_a_long_timeline_is_not_walked_by_the_collector():
    """Thousands of wrapped lines are kept as plain strings, which the cyclic collector
    stops tracking: its full passes (on key presses) do not grow with the incident."""
    import gc
    from datetime import UTC, datetime

    from textual.app import App

    from console.model.incident import TimelineEntry
    from console.tui.widgets.timeline import Timeline

    at = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
    entries = [
        TimelineEntry(at, "ana", "note_added", f"note {i}: " + "words " * 30, f"e{i}")
        for i in range(2000)
    ]

    class One(App):
        def compose(self):
            yield Timeline()

    app = One()
    async with app.run_test(size=(120, 40)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.show(entries[:20])  # a screenful drawn: what drawing keeps is there
        await pilot.pause()
        gc.collect()
        before = len(gc.get_objects())
        timeline.show(entries)
        await pilot.pause()
        lines = timeline.text.splitlines()
        assert lines[-1].strip().endswith("words") and "note 1999:" in timeline.text
        assert len(lines) > 2 * len(entries)  # each note wraps
        gc.collect()
        assert len(gc.get_objects()) - before < len(lines) // 10
