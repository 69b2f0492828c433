"""The whole org model at a glance: severity and domain matrices, layers,
escalation rules (pattern applied, derived ones marked), the pattern in force,
and what `model check` finds."""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from console.model.check import run_checks
from console.model.maturity import INDICATORS, band_text
from console.model.org import SEVERITIES, Org
from console.model.text import printable
from console.tui.format import sev_label
from console.tui.screens.live import LiveScreen
from console.tui.style import palette
from console.tui.widgets.keybar import KeyBar
from console.tui.widgets.responsibility import type_label
from console.tui.widgets.topbar import TopBar


def _plain(text: str) -> Text:
    """An org file's words as written: a table cell string would be read as markup."""
    return Text(printable(text or "", multiline=True))


def _teams_of(org: Org, domain_id: str, team_type: str) -> str:
    names = [t.name for t in org.teams.values() if t.type == team_type and domain_id in t.domains]
    return ", ".join(names) or "—"


def build_matrix(org: Org, pal) -> Group:
    parts: list[RenderableType] = []
    title = pal.bold

    pat = org.pattern
    head = Text()
    head.append("Pattern in force  ", title)
    head.append(f" {pat.name} ", pal.responsible)
    head.append(f"  {pat.character}", pal.muted)
    head.append("\n  when: ", pal.muted)
    head.append(pat.when)
    head.append("\n  coordinates: ", pal.muted)
    head.append(", ".join(f"{sev} → {role}" for sev, role in pat.coordinator.items()) or "—")
    if pat.ours:
        head.append(f"\n  ours, not the source's: {pat.ours}", pal.muted)
    others = [p.name for p in org.patterns.values() if p.id != pat.id]
    head.append(
        f"\n  other patterns: {', '.join(others)} (set meta.pattern in your org file)", pal.muted
    )
    parts += [head, Text("")]

    sev = Table(
        title="Severity matrix — each team type's role",
        title_justify="left",
        title_style=title,
        expand=True,
        box=box.SIMPLE_HEAD,
    )
    sev.add_column("SEV", no_wrap=True)
    for t in org.team_types:
        sev.add_column(type_label(t), ratio=1)
    mark = " (ours)" if any(s.ours for s in org.severities.values()) else ""
    sev.add_column("meaning" + mark, ratio=2, min_width=30)
    for s in org.severities.values():
        sev.add_row(
            Text(sev_label(s.id, pal.markers), style=pal.severity(s.id)),
            *[
                Text(s.roles.get(t, "—"), style=pal.muted if s.roles.get(t, "—") == "—" else "")
                for t in org.team_types
            ],
            Text(s.meaning, style=pal.muted),
        )
    parts += [sev]
    for team_type in org.team_types.values():
        if team_type.ours:
            parts.append(
                Text(
                    printable(f"  {team_type.name} — ours, not the source's: {team_type.ours}"),
                    pal.muted,
                )
            )
    parts += [Text("")]

    dom = Table(
        title="Domain matrix — first response / second line / final responsibility",
        title_justify="left",
        title_style=title,
        expand=True,
        box=box.SIMPLE_HEAD,
    )
    for col in ("domain", "layer", "first", "second", "final"):
        dom.add_column(col, overflow="fold")
    for d in org.domains.values():
        cells = [
            f"{type_label(getattr(d, k))}: {_teams_of(org, d.id, getattr(d, k))}"
            for k in ("first", "second", "final")
        ]
        dom.add_row(*map(_plain, (d.name, d.layer or "cross-cutting", *cells)))
    parts += [dom, Text("")]

    lay = Table(
        title="Technical layers",
        title_justify="left",
        title_style=title,
        expand=True,
        box=box.SIMPLE_HEAD,
    )
    for col in ("layer", "responsibilities", "blast radius", "detected by", "recovery", "observe"):
        lay.add_column(col, overflow="fold")
    for layer in org.layers.values():
        layer_cells = (
            f"{layer.name}\n({layer.id})",
            "\n".join(layer.responsibilities),
            layer.blast_radius,
            layer.detection,
            layer.recovery,
            layer.observability,
        )
        lay.add_row(*map(_plain, layer_cells))
    parts += [lay, Text("")]

    esc = Table(
        title=f"Escalation rules ({pat.name} applied; offsets from reaching the severity)",
        title_justify="left",
        title_style=title,
        expand=True,
        box=box.SIMPLE_HEAD,
    )
    esc.add_column("SEV", no_wrap=True)
    esc.add_column("after", no_wrap=True)
    esc.add_column("page", overflow="fold")
    esc.add_column("source", overflow="fold")
    for severity in SEVERITIES:
        for rule in org.rules_for(severity):
            esc.add_row(
                Text(severity, style=pal.severity(severity)),
                f"+{rule.offset_minutes} min",
                ", ".join(rule.targets),
                Text(f"derived: {rule.derived}" if rule.derived else "model", style=pal.muted),
            )
    parts += [esc, Text("")]

    findings = run_checks(org)
    chk = Table(
        title="model check — responsibility equals authority (principle 1)",
        title_justify="left",
        title_style=title,
        expand=True,
        box=box.SIMPLE_HEAD,
    )
    chk.add_column("level", no_wrap=True)
    chk.add_column("where", overflow="fold")
    chk.add_column("finding", overflow="fold", ratio=3)
    for f in findings:
        style = (
            pal.overdue if f.level == "error" else (pal.due if f.level == "warning" else pal.muted)
        )
        chk.add_row(Text(f.level.upper(), style=style), _plain(f.where), _plain(f.message))
    if not findings:
        chk.add_row("ok", "", "no findings")
    errors = sum(f.level == "error" for f in findings)
    warnings = sum(f.level == "warning" for f in findings)
    parts += [
        chk,
        Text(
            f"{errors} error(s), {warnings} warning(s)", style=pal.overdue if errors else pal.muted
        ),
        Text(""),
    ]

    mat = Table(
        title="Maturity levels",
        title_justify="left",
        title_style=title,
        expand=True,
        box=box.SIMPLE_HEAD,
    )
    for col in ("level", "name", "MTTR", "mis-escalation", "coordination", "prevention"):
        mat.add_column(col, overflow="fold")
    for m in org.maturity:
        mat.add_row(
            str(m.level),
            m.name,
            *(band_text(getattr(m, ind.band), ind.unit) or "— (none set)" for ind in INDICATORS),
        )
    parts += [mat, Text("")]
    prin = Text()
    prin.append("Principles\n", title)
    for p in org.principles:
        prin.append(f"  {p.id}. {p.name}: ", pal.bold)
        prin.append(f"{p.statement}\n")
    parts.append(prin)
    return Group(*parts)


class MatrixScreen(LiveScreen):
    TITLE = "Matrix explorer"
    HELP = "The org model the console runs on, and what `model check` says about it."

    DEFAULT_CSS = """
    MatrixScreen #matrix-scroll { height: 1fr; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape,q", "back", "Back"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
        Binding("space,pagedown", "scroll(20)", "Page", show=False),
        Binding("pageup", "scroll(-20)", "Page up", show=False),
        Binding("g,home", "top", "Top", show=False),
        Binding("G,end", "bottom", "Bottom", show=False),
    ]

    def compose(self) -> ComposeResult:
        yield TopBar()
        with VerticalScroll(id="matrix-scroll"):
            yield Static("", id="matrix")
        yield KeyBar()

    def on_mount(self) -> None:
        # The room's toasts (a step due, an export written) belong to the room: reading
        # the model is not the place for them.
        self.app.clear_notifications()
        self._build()
        self.watch(self.app, "theme", lambda _: self._build(), init=False)
        self.query_one("#matrix-scroll").focus()
        self.start_clock(self.query_one(TopBar).tick, "matrix-clock")

    def reload_data(self) -> None:
        """The org model does not live in the database: a commit changes nothing here."""

    def _build(self) -> None:
        self.query_one("#matrix", Static).update(
            build_matrix(self.app.service.org, palette(self.app))
        )

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#matrix-scroll").scroll_relative(y=lines, animate=False)

    def action_top(self) -> None:
        self.query_one("#matrix-scroll").scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.query_one("#matrix-scroll").scroll_end(animate=False)
