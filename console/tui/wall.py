"""The wall view: a read-only board for a projector. Every open incident as a card —
severity, title, how long it has run, the next escalation step and the next stakeholder
update counting down, the update last sent. No key changes anything: it only reads.
Served to a browser by `incident-console web --wall`; `incident-console wall` shows it
in a terminal."""

from __future__ import annotations

from datetime import datetime

from rich.console import Group
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from console import config
from console.comms.desk import CommsDesk
from console.model.clock import Clock
from console.model.text import printable
from console.model.updates import due_text
from console.tui.format import countdown, elapsed, step_when
from console.tui.style import palette
from console.tui.themes import DEFAULT_THEME, load_themes

RELOAD_SECONDS = 2.0  # another console's commit shows within this


class WallCard(Static):
    DEFAULT_CSS = """
    WallCard { border: heavy $foreground 40%; padding: 0 2; margin: 0 0 1 0; height: auto; }
    WallCard.sev1 { border: heavy $error; }
    WallCard.sev2 { border: heavy $warning; }
    """


class WallApp(App):
    TITLE = "Incident Console — wall"
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    Screen { background: $background; }
    #wall-head { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    #cards { padding: 1 2; }
    #wall-empty { padding: 2 4; color: $text-muted; }
    """
    # In a terminal ctrl+q leaves; in a browser nothing does (the tab is the wall).
    BINDINGS = [Binding("ctrl+q", "leave", "Quit", show=False, priority=True)]

    def __init__(self, service, clock: Clock | None = None, *, theme: str | None = None):
        super().__init__()
        self.service = service
        self.desk = CommsDesk(service)
        self.clock = clock or service.clock
        self.cards: list[dict] = []
        themes, _ = load_themes(config.config_dir() / "themes")
        for ct in themes.values():
            self.register_theme(ct.theme)
        wanted = theme or DEFAULT_THEME
        self.theme = wanted if wanted in themes else next(iter(themes), self.theme)

    def compose(self) -> ComposeResult:
        yield Static("", id="wall-head")
        yield VerticalScroll(id="cards")

    def on_mount(self) -> None:
        self.reload()
        self.set_interval(1.0, self.redraw, name="wall-countdowns")
        self.set_interval(RELOAD_SECONDS, self.reload, name="wall-reload")

    def action_leave(self) -> None:
        if not self.is_web:
            self.exit()

    # ------------------------------------------------------------ data
    def reload(self) -> None:
        """Re-read the open incidents (cheap: a few folds)."""
        now = self.clock.now()
        cards = []
        for row in self.service.board(limit=50, include_drills=False):
            inc = self.service.get(row["id"])
            steps = [s for s in self.service.plan(inc, now) if s.open]
            state = self.desk.state(inc)
            cards.append(
                {
                    "inc": inc,
                    "step": steps[0] if steps else None,
                    "due": self.desk.next_due(inc),
                    "update": state.last_update,
                    "pending": state.pending,
                }
            )
        if [c["inc"].id for c in cards] != [c["inc"].id for c in self.cards]:
            self._rebuild(cards)
        self.cards = cards
        self.redraw()

    def _rebuild(self, cards: list[dict]) -> None:
        box = self.query_one("#cards", VerticalScroll)
        box.remove_children()
        if not cards:
            box.mount(Static("No open incidents.", id="wall-empty"))
            return
        box.mount_all(
            WallCard(id=f"card-{c['inc'].id}", classes=c["inc"].severity.lower()) for c in cards
        )

    # ------------------------------------------------------------ drawing
    def redraw(self) -> None:
        now = self.clock.now()
        open_count = len(self.cards)
        head = self.query_one("#wall-head", Static)
        head.update(
            f"INCIDENT CONSOLE · WALL · {open_count} open incident"
            f"{'' if open_count == 1 else 's'} · {now.strftime('%H:%M:%S UTC')}"
        )
        for card in self.cards:
            inc = card["inc"]
            try:
                widget = self.query_one(f"#card-{inc.id}", WallCard)
            except Exception:  # noqa: BLE001 - rebuilt on the next reload
                continue
            widget.update(self._card(card, now))

    def _card(self, card: dict, now: datetime) -> Group:
        pal = palette(self)
        inc = card["inc"]
        title = Text()
        title.append(f"{inc.severity}  ", pal.severity(inc.severity))
        title.append(f"{inc.id}  ", pal.bold)
        title.append(printable(inc.title), pal.bold)
        lines = [title]
        ran = (now - inc.declared_at).total_seconds() if inc.declared_at else 0
        lines.append(
            Text(
                printable(
                    f"{inc.status.upper()} · running {elapsed(ran)} · commander "
                    f"{inc.commander or '—'} · comms {inc.roles.get('communications') or '—'}"
                )
            )
        )
        step = card["step"]
        if step is not None:
            when = step_when(step.state, step.seconds_to_due(now))
            style = {"overdue": pal.overdue, "due": pal.due}.get(step.state)
            lines.append(
                Text(
                    printable(f"next step {step.key} ({', '.join(step.targets)}) {when}"),
                    style or "",
                )
            )
        due = card["due"]
        late = due is not None and due <= now
        lines.append(Text(due_text(due, now), pal.overdue if late else pal.bold))
        if card["pending"]:
            ask = card["pending"][-1]
            lines.append(
                Text(
                    printable(
                        f"DECISION PENDING ({countdown((now - ask.at).total_seconds())}): "
                        f"{ask.question}"
                    ),
                    pal.due,
                )
            )
        update = card["update"]
        if update is not None:
            lines.append(
                Text(
                    f"last update {update.at.strftime('%H:%M UTC')} by {printable(update.actor)}:",
                    pal.muted,
                )
            )
            for line in update.text.strip().splitlines()[1:5]:  # the first is the headline
                lines.append(Text("  " + printable(line)))
        else:
            lines.append(Text("no stakeholder update sent yet", pal.muted))
        return Group(*lines)
