"""The bottom line: the keys of the current screen, drawn as one line of text.

Textual's Footer rebuilds a widget per key whenever the bindings change (every
modal opened or closed), which costs tens of milliseconds per key press in the
room; this draws the same information in well under one. Clicking a key runs it.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.color import Color, ColorParseError
from textual.widget import Widget


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; color: $foreground;
             text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, **kw):
        super().__init__(**kw)
        self._spans: list[tuple[int, int, str]] = []  # (start, end, key)

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.refresh())
        self.watch(self.app, "theme", self._theme_changed, init=False)

    def _theme_changed(self) -> None:
        self.refresh()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _key_style(self) -> Style:
        raw = self.app.theme_variables.get("footer-key-foreground") or self.app.theme_variables.get(
            "accent"
        )
        try:
            return Style(color=Color.parse(raw).rich_color, bold=True)
        except (ColorParseError, TypeError):
            return Style(bold=True)

    def render(self) -> Text:
        key_style = self._key_style()
        out = Text(no_wrap=True, overflow="ellipsis")
        spans: list[tuple[int, int, str]] = []
        seen: set[str] = set()
        palette_key = self.app.COMMAND_PALETTE_BINDING
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen or binding.key == palette_key:
                continue
            seen.add(binding.action)
            start = len(out)
            out.append(" ")
            out.append(self.app.get_key_display(binding), key_style if enabled else Style(dim=True))
            out.append(f" {binding.description} ", None if enabled else Style(dim=True))
            spans.append((start, len(out), binding.key))
        hint = (
            f"{self.app.get_key_display(Binding(palette_key, 'command_palette'))} palette "
            if self.app.ENABLE_COMMAND_PALETTE
            else ""
        )
        if hint and len(out) + len(hint) + 1 <= self.size.width:
            out.append(" " * (self.size.width - len(out) - len(hint)))
            start = len(out)
            out.append(hint[: hint.index(" ")], key_style)
            out.append(hint[hint.index(" ") :])
            spans.append((start, len(out), palette_key))
        self._spans = spans
        return out

    def on_click(self, event) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key.split(",")[0])
                return
