"""A timeline row's mark: a severity change points the way it went."""

from __future__ import annotations

from console.tui.widgets.timeline import glyph


def test_a_severity_rise_points_up_and_a_drop_down():
    assert glyph("severity_set", "severity SEV3 → SEV1") == "▲"
    assert glyph("severity_set", "severity SEV1 → SEV2") == "▼"
    assert glyph("note_added", "SEV1 → SEV5 was discussed") == "✎"
