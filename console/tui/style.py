"""Rich styles from the active theme's variables, for widgets that draw their own
text (the board's lines, the checklist). Re-read at each render, so a theme switch
shows at the next redraw."""

from __future__ import annotations

from dataclasses import dataclass

from rich.style import Style
from textual.color import Color, ColorParseError

from console.tui.themes import TEXT_MARKERS, VARIABLE_DEFAULTS


def _colour(variables: dict[str, str], name: str):
    raw = variables.get(name) or VARIABLE_DEFAULTS.get(name)
    try:
        return Color.parse(raw).rich_color
    except (ColorParseError, TypeError):
        return None


@dataclass(frozen=True)
class Palette:
    sev: dict[str, Style]
    overdue: Style
    due: Style
    done: Style
    muted: Style
    responsible: Style
    cursor: Style
    bold: Style
    markers: dict[str, str]

    def severity(self, severity: str) -> Style:
        return self.sev.get(severity, Style())


def palette(app) -> Palette:
    """The styles for the current theme (cached per theme name on the app)."""
    v = getattr(app, "theme_variables", {}) or {}
    key = (app.theme, id(v), getattr(app, "no_color", False))
    cached = getattr(app, "_palette_cache", None)
    if cached and cached[0] == key:
        return cached[1]
    markers = dict(getattr(app, "severity_markers", lambda: TEXT_MARKERS)())
    pal = Palette(
        sev={f"SEV{i}": Style(color=_colour(v, f"sev{i}"), bold=i <= 2) for i in range(1, 6)},
        overdue=Style(color=_colour(v, "overdue"), bold=True),
        due=Style(color=_colour(v, "due"), bold=True),
        done=Style(color=_colour(v, "done")),
        muted=Style(color=_colour(v, "muted")),
        responsible=Style(
            color=_colour(v, "responsible-foreground"),
            bgcolor=_colour(v, "responsible-background"),
            bold=True,
        ),
        cursor=Style(bgcolor=_colour(v, "cursor-background"), bold=True),
        bold=Style(bold=True),
        markers=markers,
    )
    app._palette_cache = (key, pal)
    return pal
