"""The metrics screen (maturity card, weekly MTTR trend, mis-escalations per layer,
figures by dimension, matrix suggestions).

Figures are computed on a worker thread (console.metrics.figures); the screen only
draws what comes back.
"""

from __future__ import annotations

from datetime import timedelta

from rich import box
from rich.console import Group, JustifyMethod
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Static
from textual_plotext import PlotextPlot

from console.metrics.figures import compute
from console.model.maturity import fmt_value, step_text
from console.model.text import map_strings, printable
from console.tui.screens.live import LiveScreen

PERIODS = (("all history", None), ("last 12 weeks", 84), ("last 4 weeks", 28))


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def maturity_card(a: dict) -> Group:
    head = Text()
    if a["level"] is None:
        head.append(f"{a['name']}\n", "bold")
    else:
        head.append(f"Maturity level {a['level']}", "bold")
        head.append(f"  {a['name']}\n")
    p = a["period"]
    head.append(
        f"{p['incidents']} real incidents, {p['resolved']} resolved"
        + (f"; {p['drills_excluded']} drills left out" if p["drills_excluded"] else ""),
        "dim",
    )
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False)
    table.add_column("indicator")
    table.add_column("value", justify="right")
    table.add_column("level", justify="right")
    table.add_column("next needs")
    for ind in a["indicators"]:
        nxt = None
        if a["next_level"]:
            nxt = ind["needs"].get(str(a["next_level"])) or "none set by the model"
        level = "—" if ind["level"] is None else str(ind["level"])
        style = "bold" if ind["level"] is not None and ind["level"] == a["level"] else ""
        label = ind["label"].replace("cross-team coordination", "coordination")
        table.add_row(label, ind["text"], Text(level, style=style), nxt or "")
    gaps = Text()
    for ind in a["indicators"]:
        if ind["outside"]:
            gaps.append(f"{ind['notes'][0]}\n", "dim")
    if a["level"] is not None and a["next_level"] is None:
        gaps.append("Top level: keep the figures there.\n")
    elif a["level"] is not None:
        gaps.append(f"To reach level {a['next_level']} ({a['next_name']}):\n", "bold")
        for g in a["gaps"] or [
            {
                "text": "the figures already meet it; the traits remain: "
                + ", ".join(a["next_traits"])
            }
        ]:
            gaps.append(f" • {g['text']}\n")
            if g.get("steps"):
                gaps.append(f"   → {step_text(g['steps'])}\n", "dim")
    t = a["target"]
    gaps.append(f"Target: {t['text']}\n", "bold")
    if t["next_step"]:
        s = t["next_step"]
        gaps.append(f" Next: practice step {s['step']} — {s['name']} ({s['why']})\n")
    return Group(head, table, gaps)


def figures_table(m: dict, names: dict[str, str]) -> Table:
    """One column per figure (mean, median and p90 of each time side by side): a
    number is never cut; only the row label gives way on a narrow screen."""
    table = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False)
    table.add_column(
        "\n(times in minutes)", justify="left", no_wrap=True, overflow="ellipsis", ratio=1
    )
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("\nn", "right"),
        ("MTTA\nmean", "right"),
        ("\nmed", "right"),
        ("\np90", "right"),
        ("MTTR\nmean", "right"),
        ("\nmed", "right"),
        ("\np90", "right"),
        ("mis-\nesc", "right"),
        ("coord\nmean", "right"),
    )
    for col, justify in columns:
        table.add_column(col, justify=justify, no_wrap=True, min_width=5)

    def row(label: str, g: dict, style: str = "") -> None:
        table.add_row(
            Text(printable(label), style=style),  # services as recorded: anyone's text
            str(g["incidents"]),
            *(_num(g["tta"][k]) for k in ("mean", "median", "p90")),
            *(_num(g["ttr"][k]) for k in ("mean", "median", "p90")),
            _pct(g["mis_escalation"]["rate"]),
            _num(g["coordination"]["mean"]),
        )

    row("overall", m["overall"], "bold")
    for dim, title in (("by_layer", "layer"), ("by_team", "team"), ("by_severity", "severity")):
        for g in m[dim]:
            label = names.get(g["key"], g["key"]) if dim == "by_team" else (g["key"] or "(none)")
            row(f"{title}: {label}", g)
    return table


def patterns_text(p: dict, names: dict[str, str]) -> Text:
    p, names = map_strings(p, printable), map_strings(names, printable)
    out = Text()
    out.append("Matrix changes the data suggests\n", "bold")
    for s in p["suggestions"] or [
        {
            "text": "none yet: no layer or service shows a dominant resolver "
            "other than its first responder"
        }
    ]:
        out.append(f" • {s['text']}\n")
    out.append("\nWhere incidents concentrate\n", "bold")
    for name in ("layers", "services", "teams"):
        label = (lambda k: names.get(k, k)) if name == "teams" else (lambda k: k)
        block = p[name]
        out.append(f" {name}: ", "bold")
        out.append(
            ", ".join(f"{label(x['key'])} {x['incidents']}" for x in block["most_incidents"]) or "—"
        )
        slow = block["longest_coordination"][:1]
        if slow:
            out.append(
                f"  · slowest coordination {label(slow[0]['key'])} "
                f"{fmt_value(slow[0]['coordination_mean'], 'min')}",
                "dim",
            )
        out.append("\n")
    return out


class MetricsScreen(LiveScreen):
    TITLE = "Metrics & maturity"
    HELP = (
        "What the history says: maturity level, trends, mis-escalations, suggested matrix changes."
    )

    # Below 170 columns the figures go under the maturity card, at the full width.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (170, "-wide")]

    DEFAULT_CSS = """
    MetricsScreen #metrics-body { height: 1fr; padding: 0 1; }
    MetricsScreen.-narrow #top { layout: vertical; }
    MetricsScreen.-narrow #figures { width: 1fr; padding: 1 0 0 0; }
    MetricsScreen #charts { height: 16; }
    MetricsScreen #charts PlotextPlot { width: 1fr; height: 16; }
    MetricsScreen #top { height: auto; }
    MetricsScreen #card { width: 64; height: auto; border: round $accent; padding: 0 1; }
    MetricsScreen #figures { width: 1fr; height: auto; padding: 0 1; }
    MetricsScreen #patterns { height: auto; padding: 1 1 0 1; }
    """

    BINDINGS = [
        Binding("escape,q", "back", "Back", tooltip="back to where you came from"),
        Binding(
            "p", "period", "Period", tooltip="cycle the period: all history, 12 weeks, 4 weeks"
        ),
        Binding("r", "reload", "Reload", tooltip="compute the figures again"),
        Binding("j,down", "scroll(2)", "Down", show=False),
        Binding("k,up", "scroll(-2)", "Up", show=False),
    ]

    def __init__(self):
        super().__init__(id="metrics")
        self.period_index = 0
        self.data: dict | None = None

    def compose(self) -> ComposeResult:
        from console.tui.widgets.topbar import TopBar

        yield TopBar()
        with VerticalScroll(id="metrics-body"):
            with Horizontal(id="top"):
                yield Static("computing…", id="card")
                yield Static("", id="figures")
            with Horizontal(id="charts"):
                yield PlotextPlot(id="mttr-trend")
                yield PlotextPlot(id="mis-layer")
            yield Static("", id="patterns")
        yield Footer()

    def on_mount(self) -> None:
        from console.tui.widgets.topbar import TopBar

        self.query_one("#metrics-body").focus()
        self.action_reload()
        self.start_clock(self.query_one(TopBar).tick, "metrics-clock")

    _recompute = None

    def incident_changed(self, incident_id: str) -> None:
        self.changed()

    def reload_data(self) -> None:
        # A burst of commits (a sync pull, a runner pass) computes the figures once.
        if self._recompute is None:
            self._recompute = self.set_timer(0.3, self._reload_after_burst)

    def _reload_after_burst(self) -> None:
        self._recompute = None
        self._load(*self._period())

    # ------------------------------------------------------------ data
    def _period(self) -> tuple[str, object]:
        label, days = PERIODS[self.period_index]
        return label, self.app.clock.now() - timedelta(days=days) if days else None

    def action_reload(self) -> None:
        label, since = self._period()
        self.query_one("#card", Static).update(f"computing ({label})…")
        self._load(label, since)

    @work(thread=True, exclusive=True, exit_on_error=False, group="metrics")
    def _load(self, label: str, since) -> None:
        service = self.app.service
        try:
            data = compute(service.store.path, service.org, since)
        except Exception as exc:  # noqa: BLE001 - shown on the card, never a crash
            self.app.call_from_thread(self._failed, exc)
            return
        data["label"] = label
        self.app.call_from_thread(self._show, data)

    def _failed(self, exc: Exception) -> None:
        self.query_one("#card", Static).update(
            Text(printable(f"could not compute the figures: {exc}"))
        )

    def _show(self, data: dict) -> None:
        self.data = data
        m, a, names = data["metrics"], data["assessment"], data["team_names"]
        card = maturity_card(a)
        head = card.renderables[0]
        assert isinstance(head, Text)  # maturity_card's first part is its heading
        head.append(f"\nperiod: {data['label']} (p cycles)", "dim")
        self.query_one("#card", Static).update(card)
        self.query_one("#figures", Static).update(figures_table(m, names))
        self.query_one("#patterns", Static).update(patterns_text(data["patterns"], names))
        self._chart_trend(m["weekly"])
        self._chart_layers(m["by_layer"])

    def _chart_trend(self, weekly: list[dict]) -> None:
        plot = self.query_one("#mttr-trend", PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        plt.title("Weekly MTTR (minutes, mean)")
        points = [(i, w["mttr"]) for i, w in enumerate(weekly) if w["mttr"] is not None]
        if points:
            xs, ys = zip(*points, strict=True)
            plt.plot(list(xs), list(ys), marker="braille")
            step = max(1, len(weekly) // 4)
            ticks = list(range(0, len(weekly), step))
            # plotext types the ticks list[float]; whole numbers are what it gets and fine
            plt.xticks(ticks, [weekly[i]["week"][5:] for i in ticks])  # type: ignore[arg-type]
        plot.refresh()

    def _chart_layers(self, layers: list[dict]) -> None:
        plot = self.query_one("#mis-layer", PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        plt.title("Mis-escalations per cause layer")
        rows = [g for g in layers if g["key"]]
        if rows:
            plt.bar([g["key"] for g in rows], [g["mis_escalation"]["count"] for g in rows])
        plot.refresh()

    # ------------------------------------------------------------ keys
    def action_back(self) -> None:
        self.app.pop_screen()

    def action_period(self) -> None:
        self.period_index = (self.period_index + 1) % len(PERIODS)
        self.action_reload()

    def action_scroll(self, lines: int) -> None:
        self.query_one("#metrics-body").scroll_relative(y=lines, animate=False)
