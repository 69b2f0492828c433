"""The responsibility panel: for each affected domain who responds first, who
supports, who owns it finally; each team type's role at this severity; the layers'
detection and recovery; the pattern in force. This incident's responsible team is
highlighted and starred (never colour alone).

Drawn as plain columns of text (no Rich tables) and only rebuilt when the view or
the width changes, so ticks and notes do not pay for it."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.widget import Widget

from console.model.text import printable
from console.tui.format import hand_off_time
from console.tui.style import palette
from console.tui.wrap import Part, words, wrap

CONTINUED = 4  # indent of a contact's continuation lines


def type_label(team_type: str) -> str:
    return team_type.upper() if len(team_type) <= 3 else team_type.capitalize()


def _cell(text: str, width: int) -> str:
    text = text or ""
    if len(text) > width - 1:
        text = text[: max(0, width - 2)] + "…"
    return text.ljust(width)


class ResponsibilityPanel(Widget):
    DEFAULT_CSS = """
    ResponsibilityPanel { height: auto; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, **kw):
        super().__init__(**kw)
        self.view: dict | None = None
        self.until = ""  # the responsible team's shift end, in the zone the console shows
        self._cache: tuple | None = None

    def show(self, view: dict, now: datetime) -> None:
        shift = (view.get("responsible_team") or {}).get("shift") or {}
        until = hand_off_time(shift["until"], now) if shift.get("until") else ""
        if view == self.view and until == self.until:
            return
        self.view, self.until = view, until
        self._cache = None
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self._text(width).plain.splitlines()) if self.view else 1

    def render(self) -> Text:
        return self._text(self.size.width) if self.view else Text("")

    def _text(self, width: int) -> Text:
        key = (width, self.app.theme, id(getattr(self.app, "theme_variables", None)))
        if self._cache and self._cache[0] == key:
            return self._cache[1]
        text = self._build(max(30, width))
        self._cache = (key, text)
        return text

    def _build(self, width: int) -> Text:
        r = self.view
        if r is None:
            return Text("")
        pal = palette(self.app)
        out = Text(no_wrap=True, overflow="ellipsis")

        def line(*parts) -> None:
            for part, style in parts:  # names and contacts: the org's, or a peer's, text
                out.append(printable(part), style)
            out.append("\n")

        rt = r.get("responsible_team")
        if rt:
            line(
                ("Responsible  ", pal.bold),
                (f" ★ {rt['team_name']} ", pal.responsible),
                (f" {type_label(rt['team_type'])}", None),
            )
            shift = rt.get("shift") or {}
            label = "  on call now " if self.until else "  on call "
            who: list[Part] = [(rt["on_call"] or "nobody — a gap in the schedule", None)]
            if self.until:  # a rota: until when, and who comes next
                then = shift.get("next_name") or "nobody"
                who.append((f"until {self.until}, then {then}", pal.muted))
            if shift.get("stale"):
                who.append(("(imported calendar is stale)", pal.overdue))
            on_call = words(*who, (rt.get("contact") or "", pal.muted))
            for i, parts in enumerate(wrap(on_call, width - len(label), width - CONTINUED)):
                line((label if i == 0 else " " * CONTINUED, pal.muted), *parts)
        else:
            line(("Responsible  ", pal.bold), ("none found — check the org's teams", pal.overdue))
        line(
            ("Pattern      ", pal.bold),
            (r["pattern"]["name"], None),
            (f" · {r['pattern']['character']}", pal.muted),
        )
        coord = r.get("coordinator")
        if coord:
            names = ", ".join(c["person_name"] or "—" for c in coord["contacts"])
            line(
                (f"  coordinates {r['severity']}: ", pal.muted),
                (f"{coord['role']} ({names})", None),
            )
        widths = (8, 10, 18)
        for d in r["domains"]:
            line()
            line((f"{d['name']} · {d['layer']}", pal.bold))
            line(
                (
                    "".join(
                        _cell(h, w) for h, w in zip(("line", "type", "team"), widths, strict=True)
                    )
                    + "on call",
                    pal.muted,
                )
            )
            for k in ("first", "second", "final"):
                c = d[k]
                team = ("★ " if c["responsible"] else "") + (c["team_name"] or "—")
                row = [
                    (_cell(k, widths[0]), None),
                    (_cell(type_label(c["team_type"]), widths[1]), None),
                    (team, pal.responsible if c["responsible"] else None),
                    (" " * max(1, widths[2] - len(team)), None),
                ]
                # The contact is never cut: what does not fit goes on indented lines.
                used = sum(len(text) for text, _ in row)
                on_call = words((c["on_call"] or "—", None), (c.get("contact") or "", pal.muted))
                indent = widths[0] + widths[1] if width >= 50 else CONTINUED  # under "team"
                for i, parts in enumerate(wrap(on_call, width - used, width - indent)):
                    line(*(row if i == 0 else [(" " * indent, None)]), *parts)
        line()
        line((f"Roles at {r['severity']}", pal.bold))
        for t, role in r["team_type_roles"].items():
            line((_cell(type_label(t), 12), None), (role, pal.muted if role in ("—", "") else None))
        for layer in r["layers"]:
            line()
            line((f"{layer['name']} layer", pal.bold))
            for label, key in (
                ("blast radius", "blast_radius"),
                ("detected by", "detection"),
                ("recovery", "recovery"),
                ("observe", "observability"),
            ):
                if layer.get(key):
                    line((_cell(label, 14), pal.muted), (layer[key], None))
        out.rstrip()
        return out
