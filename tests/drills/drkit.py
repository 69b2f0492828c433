"""Helpers for the drill tests: run the CLI in-process, open sessions on real SQLite files."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import timedelta
from pathlib import Path

from console import cli
from console.drills import library
from console.drills.session import DrillSession
from console.store import Store

BUNDLED = [
    "auth-outage",
    "cascading-sev1",
    "cdn-outage",
    "database-failover",
    "payment-logic-bug",
    "sev3-temptation",
]


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def run_json(*argv: str):
    code, out, err = run_cli(*argv)
    assert code == 0, err
    return json.loads(out)


def session(tmp_path: Path, name: str, **kw) -> DrillSession:
    scn, org = library.load(name)
    kw.setdefault("actor", "ic.tester")
    s = DrillSession(scn, org, Store(tmp_path / f"{name}.db"), **kw)
    s.start()
    return s


def at(s: DrillSession, minutes: int, seconds: int = 0):
    """Run the drill's clock to T+minutes:seconds."""
    s.run_until(s.t0 + timedelta(minutes=minutes, seconds=seconds))
