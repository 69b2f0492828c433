"""CLI verbs as whole processes on the 100,000-incident / 1,000,000-event database,
against `python -c pass` run in the same loop (interleaved, so both see the same
machine).

    python bench/cli_bench.py [--db /tmp/incident-bench/big-1m.db] [--n 21]

Each round runs the baseline, then every verb once: `list`, `list --json`, `show` on an
open SEV1/SEV2 incident of the usual size that no run writes to, `note` and `tick` on an
incident the run declares first and resolves at the end (an untimed `untick` before each
`tick`), and `--version`. (Writing to one existing incident run after run grew it by
about 50 events a run, and the figures of the verbs that fold or print it with it.) Bytecode is cached as an installed package's would be (bench/bytecode.py;
the warm-up run writes it), and the org cache lives in a private cache dir.
Prints JSON: median and p90 per verb, the baseline's median, and each ratio.
Goal: median <= 100 ms and <= 3x the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bytecode import installed_env  # noqa: E402
from bench.list_show_bench import counts, million_event_db  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DB = Path(tempfile.gettempdir()) / "incident-bench" / "big-1m.db"
GOAL_MS, GOAL_RATIO = 100.0, 3.0


def _env(work: Path) -> dict[str, str]:
    env = installed_env(dict(os.environ))
    env["INCIDENT_CONSOLE_CONFIG_DIR"] = str(work / "config")
    env["INCIDENT_CONSOLE_CACHE_DIR"] = str(work / "cache")
    env["INCIDENT_CONSOLE_ACTOR"] = "bench"
    return env


def _run(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    r = subprocess.run(argv, cwd=REPO, env=env, capture_output=True)
    elapsed = time.perf_counter() - started
    if r.returncode != 0:
        raise SystemExit(f"{argv}: exit {r.returncode}: {r.stderr.decode()[-500:]}")
    return elapsed


def _stats(samples: list[float], base: float | None = None) -> dict:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    med = statistics.median(ordered)
    out = {"median_ms": round(med * 1000, 1), "p90_ms": round(p90 * 1000, 1), "n": len(ordered)}
    if base:
        out["ratio"] = round(med / base, 2)
    return out


TITLE = "cli_bench: notes and ticks"  # the incident each run declares, writes to, resolves


def _shown_incident(path: Path) -> str:
    """An open SEV1/SEV2 incident of the database's usual size (the generated ones have
    about ten events) that no run writes to, so every run shows the same one."""
    conn = sqlite3.connect(path)
    row = conn.execute(
        "SELECT id FROM incidents WHERE is_open = 1 AND severity IN ('SEV1', 'SEV2') "
        "AND title != ? AND event_count <= 20 ORDER BY number DESC LIMIT 1",
        [TITLE],
    ).fetchone()
    conn.close()
    if row is None:
        raise SystemExit(f"{path}: no open SEV1/SEV2 incident of at most 20 events to show")
    return row[0]


def _events_of(path: Path, incident_id: str) -> int:
    conn = sqlite3.connect(path)
    n = conn.execute("SELECT count(*) FROM events WHERE incident_id = ?", [incident_id]).fetchone()
    conn.close()
    return n[0]


def _cli_json(argv: list[str], env: dict[str, str]) -> dict:
    r = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{argv}: exit {r.returncode}: {r.stderr[-500:]}")
    return json.loads(r.stdout)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", default=str(DEFAULT_DB))
    p.add_argument("--n", type=int, default=21, help="rounds (each runs every verb once)")
    a = p.parse_args(argv)
    path = million_event_db(Path(a.db))
    shown = _shown_incident(path)
    py = sys.executable
    cli = [py, "-m", "console", "--db", str(path)]
    with tempfile.TemporaryDirectory(prefix="cli-bench-") as tmp:
        env = _env(Path(tmp))
        # note and tick write to an incident of this run's own: one they wrote to run
        # after run would grow by about 50 events a run, and its fold with it
        declare = ["declare", "--title", TITLE, "--severity", "SEV2", "--service", "cdn"]
        inc = _cli_json([*cli, *declare, "--json"], env)["id"]
        verbs = {
            "list": [*cli, "list"],
            "list --json": [*cli, "list", "--json"],
            "show": [*cli, "show", shown],
            "note": [*cli, "note", inc, "Error rate back under SLO"],
            "tick": [*cli, "tick", inc, "2"],
            "--version": [py, "-m", "console", "--version"],
        }
        untick = [*cli, "untick", inc, "2"]
        try:
            for argv_ in verbs.values():  # warm-up: bytecode, org cache, page cache
                _run(argv_, env)
                if argv_ is verbs["tick"]:
                    _run(untick, env)
            samples: dict[str, list[float]] = {"python -c pass": [], **{k: [] for k in verbs}}
            for _ in range(a.n):
                samples["python -c pass"].append(_run([py, "-c", "pass"], env))
                for name, argv_ in verbs.items():
                    samples[name].append(_run(argv_, env))
                    if name == "tick":
                        _run(untick, env)
        finally:  # off the board again: the next run's list and show see the same database
            resolve = [*cli, "resolve", inc, "bench", "run", "over"]
            subprocess.run(resolve, cwd=REPO, env=env, capture_output=True)
    base = statistics.median(samples["python -c pass"])
    figures = {name: _stats(s, base) for name, s in samples.items() if name != "python -c pass"}
    goal = ("list", "show", "note", "tick")
    out = {
        "bench": "cli_processes",
        "db": str(path),
        "database": counts(path),
        "incident": inc,
        "show_incident": shown,
        "events": {"incident": _events_of(path, inc), "show_incident": _events_of(path, shown)},
        "goal_verbs_on": "show: an incident no run writes to; note, tick: this run's own",
        "load_average": os.getloadavg(),
        "baseline": {"python -c pass": _stats(samples["python -c pass"])},
        "verbs": figures,
        "goal": f"median <= {GOAL_MS:g} ms and <= {GOAL_RATIO:g}x python -c pass",
        "goal_met": all(
            figures[v]["median_ms"] <= GOAL_MS and figures[v]["ratio"] <= GOAL_RATIO for v in goal
        ),
    }
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
