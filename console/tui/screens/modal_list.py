"""A list in a dialog: a title, a table of rows (or a line saying there are none), a
hint; escape closes. The alerts waiting for an incident and the sync dead letters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from console.model.text import printable
from console.tui.screens.prompts import MODAL_CSS

if TYPE_CHECKING:
    from textual import getters

    from console.tui.app import ConsoleApp


def list_css(name: str, width: int) -> str:
    return MODAL_CSS.format(name=name) + (
        f"{name} > Vertical {{ width: {width}; }}\n"
        f"{name} VerticalScroll {{ height: auto; max-height: 24; }}\n"
    )


class ModalList(ModalScreen[None]):
    """Subclasses say what to list: TITLE_TEXT, HINT, EMPTY, COLUMNS, `rows()` and the
    `cells()` of one row, and give their DEFAULT_CSS with `list_css`."""

    if TYPE_CHECKING:
        app = getters.app(ConsoleApp)

    TITLE_TEXT: ClassVar[str] = ""
    HINT: ClassVar[str] = "escape closes"
    EMPTY: ClassVar[str] = ""
    COLUMNS: ClassVar[tuple[str, ...]] = ()
    CLOSE = Binding("escape,q", "close", "Close", tooltip="close the list")
    BINDINGS = [CLOSE]

    def rows(self) -> Sequence[Any]:
        raise NotImplementedError

    def cells(self, row: Any) -> Sequence[object]:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.TITLE_TEXT, classes="title")
            with VerticalScroll():
                yield Static(id="rows")
            yield Static(self.HINT, classes="hint")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        rows = self.rows()
        if not rows:
            self.query_one("#rows", Static).update(self.EMPTY)
            return
        table = Table(box=None, expand=True, pad_edge=False)
        for col in self.COLUMNS:
            table.add_column(col, overflow="fold")
        for row in rows:
            # Words from monitoring or a server: Text, so neither markup nor a control
            # character is acted on.
            table.add_row(*(Text(printable(str(c))) for c in self.cells(row)))
        self.query_one("#rows", Static).update(table)

    def action_close(self) -> None:
        self.dismiss(None)
