"""All three TUI benchmarks in one run (start-up ratio, key-press latency, idle CPU),
printed as one JSON document; --out also writes it to a file.

    python bench/tui_all.py [--db PATH] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import tui_idle, tui_latency, tui_startup  # noqa: E402
from bench.bigdb import cached_big_db  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--db", help="a 100k-incident database with 20 open (default: generated once, cached)"
    )
    p.add_argument("--out", help="also write the JSON here")
    p.add_argument("--runs", type=int, default=9, help="start-up runs per app")
    p.add_argument("--samples", type=int, default=30, help="key presses per action")
    p.add_argument("--seconds", type=float, default=30.0, help="idle window")
    a = p.parse_args(argv)
    db = Path(a.db) if a.db else cached_big_db(tui_startup.default_db(), 100_000, 20)
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "startup": tui_startup.run(db, a.runs),
        "latency": tui_latency.run(db, a.samples),
        "idle": tui_idle.run(db, a.seconds),
    }
    result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(result, indent=2)
    if a.out:
        Path(a.out).write_text(text + "\n", "utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
