"""Metrics and maturity assessment over 100,000 incidents: time, and the ratio to a
single aggregate SQL query over the same table in the same run. Prints JSON.

The database comes from bench/bigdb.py (copies of a few templates played through the
service). Those copies share eight durations, which flatters sorting, so a second
pass jitters the facts' durations and first responders (in a copy) and measures again.

    python bench/metrics_bench.py [--incidents 100000] [--runs 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bigdb import cached_big_db  # noqa: E402

from console import config  # noqa: E402
from console.metrics.queries import Analysis, suggest_team  # noqa: E402
from console.store import Store  # noqa: E402

BASELINE = (
    "SELECT count(*), avg((julianday(resolved_at) - julianday(detected_at)) * 1440) "
    "FROM incidents WHERE drill IS NULL"
)


def _timed(fn, runs: int) -> tuple[float, object, float]:
    """Median wall time, the last result, and median CPU time of this process (the
    CPU figure does not move when other work shares the machine)."""
    fn()  # warm the page cache and the statement cache
    times, cpu, result = [], [], None
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(times), result, statistics.median(cpu)


def measure(path: Path, org, runs: int) -> dict:
    store = Store(path)
    conn = store.conn
    try:

        def metrics_and_assessment():
            analysis = Analysis(conn, org)
            m = analysis.metrics()
            return m, analysis.assessment(m["overall"])

        def patterns():
            return Analysis(conn, org).patterns()

        base_s, base, base_cpu = _timed(lambda: conn.execute(BASELINE).fetchone(), runs)
        full_s, (m, a), full_cpu = _timed(metrics_and_assessment, runs)
        pat_s, _, _ = _timed(patterns, runs)
        sug_s, _, _ = _timed(lambda: suggest_team(conn, org, "payment-api"), runs)
        return {
            "incidents": m["period"]["incidents"],
            "metrics_and_assessment_seconds": round(full_s, 4),
            "metrics_and_assessment_cpu_seconds": round(full_cpu, 4),
            "baseline_single_aggregate_seconds": round(base_s, 4),
            "baseline_cpu_seconds": round(base_cpu, 4),
            "ratio_to_baseline": round(full_s / base_s, 1),
            "cpu_ratio_to_baseline": round(full_cpu / base_cpu, 1) if base_cpu else None,
            "patterns_seconds": round(pat_s, 4),
            "suggest_team_seconds": round(sug_s, 5),
            "under_one_second": full_s < 1.0,
            "assessed_level": a["level"],
            "mttr_mean_min": round(m["overall"]["ttr"]["mean"], 2),
            "mis_escalation_rate": round(m["overall"]["mis_escalation"]["rate"], 4),
            "baseline_mttr_min": round(base[1], 2),
        }
    finally:
        store.close()


def jitter(src: Path, dst: Path) -> None:
    """Spread durations and mis-route a tenth of the incidents, consistently per row."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    conn = sqlite3.connect(dst)
    conn.execute(
        "UPDATE incident_facts SET "
        "tta_s = tta_s * (0.2 + (abs(random()) % 1000) / 250.0), "
        "ttm_s = ttm_s * (0.5 + (abs(random()) % 1000) / 200.0), "
        "ttr_s = ttr_s * (0.5 + (abs(random()) % 1000) / 150.0), "
        "coord_s = coord_s * (0.2 + (abs(random()) % 1000) / 300.0)"
    )
    conn.execute("UPDATE incident_facts SET first_team = 'checkout' WHERE abs(random()) % 10 = 0")
    conn.commit()
    conn.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--incidents", type=int, default=100_000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--db", help="where to keep the generated database (reused when it matches)")
    p.add_argument("--out", help="also write the JSON here")
    a = p.parse_args(argv)
    org = config.load(None)
    tmp = Path(tempfile.gettempdir()) / "incident-console-bench"
    tmp.mkdir(exist_ok=True)
    big = Path(a.db) if a.db else tmp / f"bigdb-{a.incidents}.db"
    t = time.perf_counter()
    cached_big_db(big, incidents=a.incidents, open_count=20, seed=1)
    prepared = time.perf_counter() - t
    result = {
        "benchmark": "metrics_bench",
        "sqlite": sqlite3.sqlite_version,
        "database": str(big),
        "prepare_seconds": round(prepared, 2),
        "runs": a.runs,
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "statistic": "median of runs after one warm-up",
        "templated": measure(big, org, a.runs),
    }
    jittered = tmp / f"bigdb-{a.incidents}-jittered.db"
    jitter(big, jittered)
    result["jittered"] = measure(jittered, org, a.runs)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(result, indent=2)
    print(text)
    if a.out:
        Path(a.out).write_text(text + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
