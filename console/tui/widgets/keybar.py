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

    def _keys(self) -> list[tuple[str, str, bool, str, str]]:
        """(key shown, description, enabled, binding key, action) in binding order."""
        keys = []
        seen: set[str] = set()
        palette_key = self.app.COMMAND_PALETTE_BINDING
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or binding.action in seen or binding.key == palette_key:
                continue
            seen.add(binding.action)
            keys.append(
                (
                    self.app.get_key_display(binding),
                    binding.description,
                    enabled,
                    binding.key,
                    binding.action,
                )
            )
        return keys

    def _fit(self, keys: list, width: int) -> list:
        """Drop keys from the end until the line fits; the screen's KEYBAR_KEEP actions
        (resolve and export in the room) are dropped last, so they are never hidden
        behind an ellipsis."""
        keep = set(getattr(self.screen, "KEYBAR_KEEP", ()))

        def size(ks) -> int:
            return sum(len(k) + len(d) + 3 for k, d, *_ in ks)

        keys = list(keys)
        while size(keys) > width:
            optional = [i for i, k in enumerate(keys) if k[4] not in keep]
            if not optional:
                break
            del keys[optional[-1]]
        return keys

    def render(self) -> Text:
        key_style = self._key_style()
        out = Text(no_wrap=True, overflow="ellipsis")
        spans: list[tuple[int, int, str]] = []
        palette_key = self.app.COMMAND_PALETTE_BINDING
        for shown, description, enabled, key, _action in self._fit(self._keys(), self.size.width):
            start = len(out)
            out.append(" ")
            out.append(shown, key_style if enabled else Style(dim=True))
            out.append(f" {description} ", None if enabled else Style(dim=True))
            spans.append((start, len(out), key))
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
