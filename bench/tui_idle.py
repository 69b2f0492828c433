"""CPU while idle on the board with 20 open incidents counting down (the 100k
database has 20 open), on a real pty, compared with a bare Textual app (Header,
Footer) idling the same way. CPU is the child's utime+stime from /proc over the
measuring window, as a percentage of one core.

    python bench/tui_idle.py [--db PATH] [--seconds 30]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bigdb import cached_big_db  # noqa: E402
from bench.tui_pty import PtyApp  # noqa: E402
from bench.tui_startup import BARE_TITLE, board_ready, default_db  # noqa: E402


def idle_cpu(argv: list[str], ready, env: dict, seconds: float, warmup: float = 3.0) -> dict:
    app = PtyApp(argv, env=env)
    try:
        app.wait_for(ready, 60)
        app.drain(warmup)
        cpu0, wall0, bytes0 = app.cpu_seconds(), time.perf_counter(), app.bytes_read
        app.drain(seconds)  # keep reading: a terminal that is not read blocks the app
        cpu1, wall1 = app.cpu_seconds(), time.perf_counter()
        screen = app.screen.text()
    finally:
        app.close()
    return {
        "cpu_percent_of_one_core": round(100 * (cpu1 - cpu0) / (wall1 - wall0), 2),
        "seconds": round(wall1 - wall0, 1),
        "output_bytes_per_s": round((app.bytes_read - bytes0) / (wall1 - wall0)),
        "open_rows_on_screen": sum(1 for line in screen.splitlines() if " INC-" in line),
    }


def run(db: Path, seconds: float = 30.0) -> dict:
    work = tempfile.mkdtemp(prefix="tui-idle-")
    env = {"INCIDENT_CONSOLE_CONFIG_DIR": work, "INCIDENT_CONSOLE_DATA_DIR": work}
    console = idle_cpu(
        [sys.executable, "-m", "console", "--db", str(db)], board_ready, env, seconds
    )
    bare = idle_cpu(
        [sys.executable, str(Path(__file__).resolve().parent / "tui_startup.py"), "--bare-child"],
        lambda s: BARE_TITLE in s,
        env,
        seconds,
    )
    return {
        "benchmark": "tui_idle",
        "what": "CPU of the idle board (1 s countdown redraw) on a real pty, % of one core",
        "database": str(db),
        "console_board": console,
        "bare_textual_header_footer": bare,
        "goal_percent_max": 2.0,
        "meets_goal": console["cpu_percent_of_one_core"] < 2.0,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", help="database with 20 open incidents (default: the cached 100k one)")
    p.add_argument("--seconds", type=float, default=30.0)
    a = p.parse_args(argv)
    db = Path(a.db) if a.db else cached_big_db(default_db(), 100_000, 20)
    print(json.dumps(run(db, a.seconds), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
