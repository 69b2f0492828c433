"""Opening a store checks the schema by name with one query; only a file that is new
or behind loads sqlite-utils and migrates."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from console.store import Store, schema
from console.store.migrations import MIGRATIONS


def test_the_schema_names_are_the_migrations():
    assert MIGRATIONS.name == schema.SET
    assert tuple(m.name for m in MIGRATIONS._migrations) == schema.CURRENT  # noqa: SLF001


def test_a_current_file_opens_without_sqlite_utils(tmp_path):
    path = tmp_path / "c.db"
    Store(path).close()  # created and migrated here
    code = (
        "import sys\n"
        "from console.store import Store\n"
        f"Store({str(path)!r}).close()\n"
        "print('sqlite_utils' in sys.modules)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"


def test_a_file_behind_is_migrated(tmp_path):
    path = tmp_path / "old.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE fold_snapshots")
    conn.execute("DROP INDEX events_incident_seq")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm009_fold_snapshots'")
    conn.commit()
    conn.close()
    store = Store(path)
    names = {r[0] for r in store.conn.execute("SELECT name FROM _sqlite_migrations")}
    assert names == set(schema.CURRENT)
    store.close()
