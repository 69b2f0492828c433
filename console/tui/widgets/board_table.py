"""The board: a virtual list over the incidents projection.

Only the lines on screen are drawn (Line API), from pages fetched on demand through
a BoardSource; 100,000 incidents cost what 40 cost. Countdowns are computed from
`next_due_at` and the injected clock each time a line is drawn.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.model.clock import parse_iso
from console.model.text import printable
from console.tui.board_source import BoardQuery, BoardSource
from console.tui.format import age, next_step_text, sev_label, truncate
from console.tui.style import palette

PAGE = 100
KEEP_PAGES = 12

# (key, header, width); width 0 is the title, which takes what is left. The
# countdown stays left of the title so it survives a narrow terminal. The severity
# column is as wide as the theme's label (its marker and the level).
COLUMNS = (
    ("mark", "", 2),
    ("id", "ID", 10),
    ("sev", "SEV", 0),
    ("status", "STATUS", 14),
    ("age", "AGE", 7),
    ("next", "NEXT STEP", 25),
    ("title", "TITLE", 0),
    ("commander", "COMMANDER", 16),
    ("layers", "LAYERS", 13),
)
# Below WIDE, commander and layers give their room to the title; below NARROW the
# other columns shrink too (short status words, no padding to spare).
WIDE = 150
NARROW = 100
NARROW_WIDTHS = {"mark": 1, "id": 9, "status": 8, "age": 6, "next": 21}
SHORT_STATUS = {
    "investigating": "invest",
    "identified": "ident",
    "mitigating": "mitig",
    "monitoring": "monit",
    "resolved": "done",
}


def sev_width(markers: dict[str, str]) -> int:
    return max(len(sev_label(s, markers)) for s in ("SEV1", "SEV5")) + 1


def layout(width: int, sev: int = 10) -> list[tuple[str, str, int]]:
    cols = []
    for key, head, w in COLUMNS:
        if width < WIDE and key in ("commander", "layers"):
            continue
        if key == "sev":
            w = sev
        elif width < NARROW:
            w = NARROW_WIDTHS.get(key, w)
            head = "STAT" if key == "status" else head
        cols.append((key, head, w))
    fixed = sum(w for _, _, w in cols)
    return [(k, h, w or max(8, width - fixed)) for k, h, w in cols]


def header_text(width: int, sev: int = 10) -> str:
    head = "".join(h.ljust(w) for _, h, w in layout(width, sev))
    return truncate(head, width).ljust(width)


class BoardTable(ScrollView, can_focus=True):
    """Open incidents, most severe and most overdue first (the service's order)."""

    DEFAULT_CSS = """
    BoardTable {
        height: 1fr;
        background: $surface;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    BoardTable:focus {
        background-tint: $foreground 3%;
    }
    """

    BINDINGS = [
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("pagedown,ctrl+f", "page(1)", "Page down", show=False),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "last", "Last", show=False),
        Binding("enter", "open", "Open", tooltip="open the incident room of the selected incident"),
    ]

    cursor = reactive(0, always_update=True)

    class Open(Message):
        def __init__(self, incident_id: str):
            super().__init__()
            self.incident_id = incident_id

    class Loaded(Message):
        """A page arrived: the count may have changed."""

        def __init__(self, count: int):
            super().__init__()
            self.count = count

    def __init__(self, source: BoardSource, clock, grace_seconds: int = 60, **kw):
        super().__init__(**kw)
        self.source = source
        self.clock = clock
        self.grace = grace_seconds
        self.query_ = BoardQuery()
        self.count = 0
        self.loaded_once = False
        self._pages: dict[int, list[dict]] = {}
        self._pending: set[int] = set()
        self._generation = 0

    _base: object = None

    def _base_style(self):
        """The widget's own colours, looked up once per style change (computing
        rich_style walks every ancestor; render_line runs for every line)."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def notify_style_update(self) -> None:
        self._base = None
        super().notify_style_update()

    # ------------------------------------------------------------ data
    def set_query(self, query: BoardQuery) -> None:
        """A new filter: forget every page, start at the top."""
        self.query_ = query
        self._generation += 1
        self._pages.clear()
        self._pending.clear()
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self._request(0)

    def reload(self) -> None:
        """Something changed in the store: refetch what is on screen, keep the rest
        on screen until fresh rows arrive (no flicker)."""
        self._generation += 1
        self._pending.clear()
        visible = self._visible_pages() or {0}
        for page in list(self._pages):
            if page not in visible:
                del self._pages[page]
        for page in sorted(visible):
            self._request(page)

    def _visible_pages(self) -> set[int]:
        top = int(self.scroll_offset.y)
        bottom = top + max(1, self.size.height)
        return set(range(top // PAGE, bottom // PAGE + 1))

    def _request(self, page: int) -> None:
        if page in self._pending:
            return
        self._pending.add(page)
        if not self.loaded_once and page == 0 and self.query_ == BoardQuery():
            # The very first screen of open incidents is usually an indexed read of a
            # few rows: done inline, it is on screen in the first frame.
            first = self.source.read_now(self.query_, 0, PAGE)
            if first is not None:
                self._store(self._generation, page, *first)
                return
        self.run_worker(self._load(self._generation, page), group="board", exit_on_error=False)

    async def _load(self, generation: int, page: int) -> None:
        got = await self.source.fetch(
            self.query_, page * PAGE, PAGE, wanted=lambda: generation == self._generation
        )
        if got is not None:
            self._store(generation, page, *got)

    def _store(self, generation: int, page: int, count: int, rows: list[dict]) -> None:
        if generation != self._generation:
            return
        self._pending.discard(page)
        self._pages[page] = rows
        if len(self._pages) > KEEP_PAGES:
            near = sorted(self._pages, key=lambda p: abs(p - page))
            for far in near[KEEP_PAGES:]:
                del self._pages[far]
        changed = count != self.count or not self.loaded_once
        self.count = count
        self.loaded_once = True
        self.virtual_size = Size(self.size.width, count)
        if self.cursor >= count:
            self.cursor = max(0, count - 1)
        self.refresh()
        if changed:
            self.post_message(self.Loaded(count))

    def row_at(self, index: int) -> dict | None:
        page, offset = divmod(index, PAGE)
        rows = self._pages.get(page)
        if rows is None or offset >= len(rows):
            return None
        return rows[offset]

    @property
    def selected(self) -> dict | None:
        return self.row_at(self.cursor)

    def visible_rows(self) -> list[dict]:
        """The rows currently drawn (tests and the palette use it)."""
        top = int(self.scroll_offset.y)
        out = []
        for i in range(top, min(self.count, top + self.size.height)):
            row = self.row_at(i)
            if row:
                out.append(row)
        return out

    # ------------------------------------------------------------ drawing
    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.count)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        index = int(self.scroll_offset.y) + y
        base = self._base_style()
        if index >= self.count:
            if y == 0 and self.loaded_once:
                msg = (
                    "  no incidents match"
                    if self.query_.text
                    else "  no open incidents — n declares one"
                )
                pal = palette(self.app)
                return Strip([Segment(msg.ljust(width), base + pal.muted)], width)
            return Strip.blank(width, base)
        row = self.row_at(index)
        if row is None:
            self.call_later(self._request, index // PAGE)
            return Strip([Segment("  …".ljust(width), base)], width)
        return Strip(self._segments(row, width, index == self.cursor and self.has_focus), width)

    def _segments(self, row: dict, width: int, selected: bool) -> list[Segment]:
        pal = palette(self.app)
        now = self.clock.now()
        base = self._base_style()
        if selected:
            base = base + pal.cursor
        is_open = bool(row["is_open"])
        next_text, kind = (
            next_step_text(row["next_step"], row["next_due_at"], now, self.grace)
            if is_open
            else (
                f"resolved {age((now - parse_iso(row['resolved_at'])).total_seconds())} ago"
                if row["resolved_at"]
                else "resolved",
                "none",
            )
        )
        declared = parse_iso(row["declared_at"])
        row = {k: printable(v) if isinstance(v, str) else v for k, v in row.items()}
        title = row["title"] + (f"  [drill {row['drill']}]" if row["drill"] else "")
        if row.get("from_alert"):
            title = "⚡ " + title  # declared by an alert, not by a person
        next_style = {"overdue": pal.overdue, "due": pal.due, "none": pal.muted}.get(kind)
        cells: dict[str, tuple[str, Style | None]] = {
            "mark": (
                "!" if kind == "overdue" else ("·" if kind == "due" else " "),
                pal.overdue if kind == "overdue" else pal.due,
            ),
            "id": (row["id"], pal.bold),
            "sev": (sev_label(row["severity"], pal.markers), pal.severity(row["severity"])),
            "status": (
                (
                    SHORT_STATUS.get(row["status"], row["status"]) + ("⚑" if row["drill"] else "")
                    if width < NARROW
                    else row["status"] + (" ⚑" if row["drill"] else "")
                ),
                pal.muted if not is_open else None,
            ),
            "age": (age((now - declared).total_seconds()), None),
            "next": (
                next_text.replace("OVERDUE", "LATE") if width < NARROW else next_text,
                next_style,
            ),
            "title": (title, pal.muted if not is_open else pal.bold),
            "commander": (row["commander"] or "—", None),
            "layers": (row["layers"] or "—", None),
        }
        segments: list[Segment] = []
        used = 0
        for key, _, w in layout(width, sev_width(pal.markers)):
            w = min(w, width - used)
            if w <= 0:
                break
            text, style = cells[key]
            segments.append(
                Segment(truncate(text, w - 1).ljust(w), base + style if style else base)
            )
            used += w
        if used < width:
            segments.append(Segment(" " * (width - used), base))
        return segments

    # ------------------------------------------------------------ moving
    def watch_cursor(self, old: int, new: int) -> None:
        height = max(1, self.size.height)
        top = int(self.scroll_offset.y)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + height:
            self.scroll_to(y=new - height + 1, animate=False)
        self.refresh()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_move(self, delta: int) -> None:
        if self.count:
            self.cursor = max(0, min(self.count - 1, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.size.height - 1))

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        if self.count:
            self.cursor = self.count - 1

    def action_open(self) -> None:
        row = self.selected
        if row:
            self.post_message(self.Open(row["id"]))

    def on_click(self, event) -> None:
        index = int(self.scroll_offset.y) + event.y
        if index >= self.count:
            return
        if index == self.cursor and event.chain >= 2:
            self.action_open()
        self.cursor = index
