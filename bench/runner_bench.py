"""The escalation runner's pass after a commit, with channels configured: on a database
whose open incident has 5,000 events against one whose open incident was just declared,
interleaved in one run. As in the TUI, the commander's note goes through one connection
and the runner passes on its own Store (its own thread's connection) on the same file.

    python bench/runner_bench.py [--n 30] [--history 5000]

Prints JSON: median/p95 ms of a pass after a note, for the fresh and the long incident,
their ratio (goal <= 1.5x: the pass must not grow with the incident's length), and a full
fold of the long incident's log in the same run (what every pass used to cost per
candidate) as a ratio to the fresh pass.
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
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from commands_bench import T0, _long_history, stats  # noqa: E402

from console.model.clock import ManualClock  # noqa: E402
from console.model.fold import fold  # noqa: E402
from console.model.org import load_org  # noqa: E402
from console.notify.channels import Outcome  # noqa: E402
from console.notify.runner import EscalationRunner  # noqa: E402
from console.service import IncidentService  # noqa: E402
from console.store import Store  # noqa: E402
from console.store import events as event_log  # noqa: E402

# One webhook channel for the teams orders-db pages: paging is on (every open incident is a
# candidate); the sink below stands in for it, so nothing leaves the process.
CHANNELS = """
[[channels]]
id = "hook"
type = "webhook"
url = "http://127.0.0.1:9/hook"
teams = ["platform-data", "platform-infra", "sre-core", "payments"]
nudges = true

[notify]
severity_confirm_minutes = 0
"""


class _Sent:
    def send(self, message, key, now):
        return Outcome(True, 200, "")


def _sink(config):
    return _Sent()


class Room:
    """One database: the commander's service on one connection, the runner on another."""

    def __init__(self, path: Path, org, clock: ManualClock, history: int):
        self.store = Store(path)
        self.store.conn.execute("PRAGMA synchronous = OFF")  # building the history only
        self.svc = IncidentService(self.store, org, clock, actor="bench")
        self.id = self.svc.declare("bench incident", "SEV1", services=["orders-db"]).id
        if history:
            _long_history(self.svc, clock, self.id, history)
        self.store.conn.execute("PRAGMA synchronous = FULL")
        self.runner_store = Store(path)
        self.runner = EscalationRunner(self.runner_store, org, clock, sink=_sink)
        first = self.runner.run_once()  # queues and sends what is due; warms what it keeps
        self.first_pass = first.summary()

    def pass_after_note(self, i: int) -> float:
        self.svc.note(self.id, f"watching error rate {i}")
        started = time.perf_counter()
        self.runner.run_once()
        return time.perf_counter() - started

    def full_fold(self) -> float:
        started = time.perf_counter()
        fold(event_log.for_incident(self.runner_store.conn, self.id))
        return time.perf_counter() - started

    def close(self) -> None:
        self.runner.close()
        self.runner_store.close()
        self.store.close()


def run(n: int, history: int) -> dict:
    org = load_org([(CHANNELS, "bench-org.toml")])
    clock = ManualClock(T0)
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Room(Path(tmp) / "fresh.db", org, clock, 0)
        long = Room(Path(tmp) / "long.db", org, clock, history)
        samples: dict[str, list[float]] = {"fresh": [], "long": [], "full fold of long": []}
        for i in range(n):
            clock.advance(seconds=5)
            samples["fresh"].append(fresh.pass_after_note(i))
            samples["long"].append(long.pass_after_note(i))
            samples["full fold of long"].append(long.full_fold())
        events = long.svc.get(long.id).event_count
        fresh.close()
        long.close()
    out: dict = {
        "events_in_long_incident": events,
        "first_pass": {"fresh": fresh.first_pass, "long": long.first_pass},
    }
    for name, values in samples.items():
        out[name] = stats(values)
    base = out["fresh"]["median_ms"]
    out["ratio_long_to_fresh"] = round(out["long"]["median_ms"] / base, 2)
    out["ratio_full_fold_to_fresh_pass"] = round(out["full fold of long"]["median_ms"] / base, 2)
    out["goal"] = "a pass on the long incident <= 1.5x a pass on a fresh one"
    out["goal_met"] = out["ratio_long_to_fresh"] <= 1.5
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=30, help="passes per incident")
    p.add_argument("--history", type=int, default=5000, help="events of the long incident")
    a = p.parse_args()
    print(json.dumps({"runner_pass_after_commit": run(a.n, a.history)}, indent=2))


if __name__ == "__main__":
    main()
