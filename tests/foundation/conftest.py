"""Foundation fixtures: the default org, a ManualClock, a real SQLite file, the service,
and a helper that runs the CLI in-process and captures what a person would see."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from fkit import T0, T0_ISO

from console import cli
from console.model.clock import ManualClock
from console.model.org import load_org
from console.service import IncidentService
from console.store import Store


@pytest.fixture(scope="session")
def org():
    return load_org()


@pytest.fixture
def clock():
    return ManualClock(T0)


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    path = tmp_path / "console.db"
    monkeypatch.setenv("INCIDENT_CONSOLE_DB", str(path))
    monkeypatch.setenv("INCIDENT_CONSOLE_ACTOR", "tester")
    return path


@pytest.fixture
def store(db_path):
    s = Store(db_path)
    yield s
    s.close()


@pytest.fixture
def service(store, org, clock):
    return IncidentService(store, org, clock, actor="tester")


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self):
        return json.loads(self.out)


@pytest.fixture
def run(capsys, db_path):
    """run("declare", "--title", ...) -> Run(code, out, err); global options first."""

    def _run(*argv: str, now: str | None = T0_ISO, actor: str | None = None) -> Run:
        pre: list[str] = []
        if now:
            pre += ["--now", now]
        if actor:
            pre += ["--as", actor]
        capsys.readouterr()
        code = cli.main([*pre, *argv])
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return _run
