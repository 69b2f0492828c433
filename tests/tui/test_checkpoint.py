"""A key press never pays for the WAL checkpoint: the console's own connection leaves it
to a thread, which copies the WAL back into the database without waiting for anyone."""

from __future__ import annotations

import sqlite3

from tuikit import make_app, settle, wait_for

from console.store.db import checkpoint


def _wal_frames_left(path) -> int:
    conn = sqlite3.connect(str(path))
    try:
        _busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        conn.close()
    return frames - copied


def _write_a_lot(service) -> str:
    """Well past the 1,000 WAL pages SQLite would checkpoint at on commit."""
    inc = service.declare("Checkout errors", "SEV3", ["service"])
    for n in range(400):
        service.note(inc.id, f"update {n}: " + "error rate climbing " * 150)
    return inc.id


def test_a_deferred_checkpoint_copies_the_wal_from_another_connection(service, db_path):
    service.store.defer_checkpoints()
    inc = _write_a_lot(service)
    conn = service.store.conn
    assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    wal = db_path.with_name(db_path.name + "-wal")
    assert wal.stat().st_size > 1000 * 4096  # nothing copied it back on commit
    assert checkpoint(db_path) == 0  # all copied, from a connection of its own
    assert _wal_frames_left(db_path) == 0
    assert len(service.get(inc).notes) == 400  # and the data is all there


async def test_the_console_checkpoints_on_a_thread_not_on_its_commits(service, db_path):
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        conn = service.store.conn
        await wait_for(pilot, lambda: conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0)
        _write_a_lot(service)
        await wait_for(pilot, lambda: _wal_frames_left(db_path) == 0, timeout=15)
