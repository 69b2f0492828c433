"""`?`: every binding of every screen, read from the classes themselves so the
help can never drift from the keys."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from console.tui.widgets.keybar import KeyBar
from console.tui.widgets.topbar import TopBar

# Shown for the keys that Textual itself provides in every text field.
FIELD_KEYS = [
    ("tab / shift+tab", "next / previous field"),
    ("→ (at the end)", "accept the completion"),
    ("ctrl+u / ctrl+k", "delete to start / to end"),
    ("ctrl+w", "delete the word left"),
]


def key_sections(app) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(section, what it is, [(keys, what)]) for every screen of the console."""
    from console.tui.screens.board import BoardScreen
    from console.tui.screens.dead_letters import DeadLettersScreen
    from console.tui.screens.declare import DeclareScreen, SeverityPicker
    from console.tui.screens.matrix import MatrixScreen
    from console.tui.screens.prompts import ChoiceModal, HandoffModal, KeyOptionList, TextModal
    from console.tui.screens.room import Pane, RoomScreen
    from console.tui.widgets.board_table import BoardTable
    from console.tui.widgets.checklist import Checklist

    def rows(*classes) -> list[tuple[str, str]]:
        merged: dict[str, list[str]] = {}  # what -> keys, in order; same action, one row
        for cls in classes:
            for b in _bindings(cls):
                what = b.tooltip or b.description or b.action
                merged.setdefault(what, []).extend(_display(app, k) for k in b.key.split(","))
        return [(", ".join(dict.fromkeys(keys)), what) for what, keys in merged.items()]

    return [
        (
            "Everywhere",
            "",
            rows(type(app)) + [("ctrl+p", "command palette: every action, open INC-…, themes")],
        ),
        ("Board", BoardScreen.HELP, rows(BoardScreen, BoardTable)),
        ("Declare", DeclareScreen.HELP, rows(DeclareScreen, SeverityPicker) + FIELD_KEYS),
        ("Incident room", RoomScreen.HELP, rows(RoomScreen, Checklist, Pane)),
        ("Matrix explorer", MatrixScreen.HELP, rows(MatrixScreen)),
        (
            "Pick one (severity, status, accept)",
            "",
            rows(ChoiceModal, KeyOptionList) + [("enter", "choose")],
        ),
        ("Type a line (note, resolve)", "", rows(TextModal) + [("enter", "save")]),
        ("Handoff / assign", "", rows(HandoffModal) + [("enter", "choose role, then save")]),
        ("Sync dead letters (D on the board)", DeadLettersScreen.HELP, rows(DeadLettersScreen)),
        ("Help", HelpScreen.HELP, rows(HelpScreen)),
        *[(name, blurb, rows(*classes)) for name, blurb, classes in extra_screens(app)],
    ]


def extra_screens(app) -> list[tuple[str, str, tuple]]:
    """Screens other subsystems add (metrics, drills): an app may list its own in
    `help_screens()`; the metrics screen is found when it is installed."""
    extra = list(getattr(app, "help_screens", lambda: [])())
    try:
        from console.tui.screens.metrics import MetricsScreen
    except ImportError:
        pass
    else:
        extra.append((MetricsScreen.TITLE, getattr(MetricsScreen, "HELP", ""), (MetricsScreen,)))
    return extra


def _bindings(cls) -> list[Binding]:
    out = []
    for b in cls.__dict__.get("BINDINGS", []):
        if isinstance(b, tuple):
            b = Binding(*b)
        out.append(b)
    return out


def _display(app, key: str) -> str:
    key = key.strip()
    special = {"question_mark": "?", "slash": "/", "space": "space", "escape": "esc"}
    if key in special:
        return special[key]
    if len(key) == 1 and key.isupper():
        return f"shift+{key.lower()}"
    return key


class HelpScreen(Screen):
    TITLE = "Help"
    HELP = "Every key of every screen. The mouse works too but is never needed."

    DEFAULT_CSS = """
    HelpScreen #help-scroll { height: 1fr; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
        Binding("space,pagedown", "scroll(20)", "Page", show=False),
        Binding("pageup", "scroll(-20)", "Page up", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield TopBar()
        with VerticalScroll(id="help-scroll"):
            yield Static(self.build(), id="help")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#help-scroll").focus()

    def build(self) -> Group:
        sections = key_sections(self.app)
        grid = Table.grid(expand=True, padding=(0, 2))
        grid.add_column(ratio=1)
        grid.add_column(ratio=1)
        cells = []
        for name, blurb, rows in sections:
            t = Table(
                box=None,
                show_header=False,
                pad_edge=False,
                title=name,
                title_justify="left",
                title_style="bold",
                caption=blurb or None,
                caption_justify="left",
                caption_style="dim",
            )
            t.add_column(no_wrap=True, style="bold", min_width=14)
            t.add_column()
            for keys, what in rows:
                t.add_row(keys, what)
            cells.append(t)
        for i in range(0, len(cells), 2):
            grid.add_row(cells[i], cells[i + 1] if i + 1 < len(cells) else Text(""))
            grid.add_row(Text(""), Text(""))
        return Group(grid)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#help-scroll").scroll_relative(y=lines, animate=False)
