"""The responsibility panel: for each affected domain who responds first, who
supports, who owns it finally; each team type's role at this severity; the layers'
detection and recovery; the pattern in force. This incident's responsible team is
highlighted and starred (never colour alone)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from console.tui.style import palette


def type_label(team_type: str) -> str:
    return team_type.upper() if len(team_type) <= 3 else team_type.capitalize()


class ResponsibilityPanel(Static):
    DEFAULT_CSS = """
    ResponsibilityPanel { height: auto; padding: 0 1; }
    """

    def __init__(self, **kw):
        super().__init__("", **kw)
        self.view: dict | None = None

    def show(self, view: dict) -> None:
        self.view = view
        self.update(self.build())

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _: self.view and self.update(self.build()), init=False)

    def build(self):
        r = self.view
        if r is None:
            return ""
        pal = palette(self.app)
        parts = []
        rt = r.get("responsible_team")
        head = Text(no_wrap=True, overflow="ellipsis")
        head.append("Responsible  ", pal.bold)
        if rt:
            head.append(f" ★ {rt['team_name']} ", pal.responsible)
            head.append(f" {type_label(rt['team_type'])}\n")
            head.append("  on call ", pal.muted)
            head.append(rt["on_call"] or "—")
            if rt.get("contact"):
                head.append(f" {rt['contact']}", pal.muted)
        else:
            head.append("none found — check the org's teams", pal.overdue)
        parts.append(head)
        pat = Text(no_wrap=True, overflow="ellipsis")
        pat.append("Pattern      ", pal.bold)
        pat.append(r["pattern"]["name"])
        pat.append(f" · {r['pattern']['character']}", pal.muted)
        coord = r.get("coordinator")
        if coord:
            names = ", ".join(c["person_name"] or "—" for c in coord["contacts"])
            pat.append(f"\n  coordinates {r['severity']}: ", pal.muted)
            pat.append(f"{coord['role']} ({names})")
        parts.append(pat)
        for d in r["domains"]:
            table = Table(box=None, show_header=True, header_style=pal.bold, pad_edge=False, expand=True,
                          title=f"{d['name']} · {d['layer']}", title_justify="left", title_style=pal.bold)
            table.add_column("line", no_wrap=True, min_width=6)
            table.add_column("type", no_wrap=True, min_width=8)
            table.add_column("team", no_wrap=True, min_width=16)
            table.add_column("on call", no_wrap=True, overflow="ellipsis", ratio=1)
            for k in ("first", "second", "final"):
                c = d[k]
                team = Text(("★ " if c["responsible"] else "") + (c["team_name"] or "—"),
                            style=pal.responsible if c["responsible"] else "")
                on_call = Text(c["on_call"] or "—")
                if c.get("contact"):
                    on_call.append(f" {c['contact']}", pal.muted)
                table.add_row(k, type_label(c["team_type"]), team, on_call)
            parts.append(Text(""))
            parts.append(table)
        roles = Table(box=None, show_header=False, pad_edge=False, title=f"Roles at {r['severity']}",
                      title_justify="left", title_style=pal.bold)
        roles.add_column(no_wrap=True)
        roles.add_column()
        for t, role in r["team_type_roles"].items():
            roles.add_row(type_label(t), Text(role, style=pal.muted if role in ("—", "") else ""))
        parts.append(Text(""))
        parts.append(roles)
        for layer in r["layers"]:
            lt = Table(box=None, show_header=False, pad_edge=False, title=f"{layer['name']} layer",
                       title_justify="left", title_style=pal.bold)
            lt.add_column(no_wrap=True, style=pal.muted)
            lt.add_column()
            lt.add_row("blast radius", layer["blast_radius"])
            lt.add_row("detected by", layer["detection"])
            lt.add_row("recovery", layer["recovery"])
            if layer.get("observability"):
                lt.add_row("observe", layer["observability"])
            parts.append(Text(""))
            parts.append(lt)
        return Group(*parts)
