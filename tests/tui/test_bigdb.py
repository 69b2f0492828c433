"""bench/bigdb.py writes a normal console database: rebuilding the projections from
its event log gives exactly what it wrote."""

from __future__ import annotations

import sys
from pathlib import Path

from console.store import Store, projections

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.bigdb import make_big_db  # noqa: E402


def test_generated_db_rebuilds_to_itself(tmp_path, org, clock):
    info = make_big_db(tmp_path / "b.db", incidents=400, open_count=7, now=clock.now(), org=org)
    assert info["incidents"] == 400 and "incidents" in info["projection_tables"]
    store = Store(tmp_path / "b.db")
    try:
        written = {
            t: store.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
            for t in info["projection_tables"]
        }
        assert projections.count(store.conn) == 7
        with store.transaction():
            projections.rebuild(store.conn)
        rebuilt = {
            t: store.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
            for t in info["projection_tables"]
        }
        assert rebuilt == written
        assert projections.max_number(store.conn) == 400
    finally:
        store.close()
