"""Start-up to an interactive board on a 100k-incident database, as a ratio to a
bare Textual app with Header and Footer started the same way in the same run.

Both run as a person would start them: a new Python process on a real pty
(120x40). The time is from spawning the process to the read after which the
rebuilt screen shows the board's rows (console) or the header title (bare).
Runs alternate so machine load hits both alike; medians are compared.

    python bench/tui_startup.py [--db PATH] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.tui_pty import PtyApp  # noqa: E402

BARE_TITLE = "Bare Textual baseline"
GOAL_RATIO = 1.2  # start-up at most 1.2x a bare Textual app with Header and Footer


def bare_app_main() -> None:
    from textual.app import App
    from textual.widgets import Footer, Header

    class Bare(App):
        TITLE = BARE_TITLE
        BINDINGS = [("q", "quit", "Quit")]

        def compose(self):
            yield Header()
            yield Footer()

    Bare().run()


def default_db() -> Path:
    folder = Path(tempfile.gettempdir()) / "incident-console-bench"
    folder.mkdir(exist_ok=True)
    return folder / "big-100k.db"


def time_start(argv: list[str], ready, env: dict) -> float:
    app = PtyApp(argv, env=env)
    try:
        at = app.wait_for(ready, timeout=60)
        return at - app.started
    finally:
        app.close()


def board_ready(screen: str) -> bool:
    return "INC-" in screen and "open incidents" in screen


def run(db: Path, runs: int = 7, config_dir: str | None = None) -> dict:
    config_dir = config_dir or tempfile.mkdtemp(prefix="tui-bench-config-")
    env = {"INCIDENT_CONSOLE_CONFIG_DIR": config_dir, "INCIDENT_CONSOLE_DATA_DIR": config_dir}
    console_argv = [sys.executable, "-m", "console", "--db", str(db)]
    bare_argv = [sys.executable, str(Path(__file__).resolve()), "--bare-child"]
    # one warm-up each (page cache, .pyc files)
    time_start(bare_argv, lambda s: BARE_TITLE in s, env)
    time_start(console_argv, board_ready, env)
    bare, console = [], []
    for _ in range(runs):
        bare.append(time_start(bare_argv, lambda s: BARE_TITLE in s, env))
        console.append(time_start(console_argv, board_ready, env))
    b, c = statistics.median(bare), statistics.median(console)
    return {
        "benchmark": "tui_startup",
        "what": "spawn to interactive board on a real pty (120x40), median of alternating runs",
        "database": str(db),
        "runs": runs,
        "bare_textual_header_footer_s": round(b, 3),
        "console_board_100k_s": round(c, 3),
        "ratio": round(c / b, 2),
        "goal_ratio_max": GOAL_RATIO,
        "meets_goal": c / b <= GOAL_RATIO,
        "bare_all_s": [round(x, 3) for x in bare],
        "console_all_s": [round(x, 3) for x in console],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--db", help="a 100k-incident database (default: generated once and cached in the temp dir)"
    )
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--bare-child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.bare_child:
        bare_app_main()
        return 0
    # (imported here: the bare child, this same file, must load nothing but Textual)
    from bench.bigdb import cached_big_db

    db = Path(a.db) if a.db else cached_big_db(default_db(), 100_000, 20)
    print(json.dumps(run(db, a.runs), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
