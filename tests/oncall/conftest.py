"""On-call fixtures: orgs with schedules written by the test, a ManualClock, a real
SQLite file and the service over them."""

from __future__ import annotations

import pytest
from okit import T0

from console.model.clock import ManualClock
from console.model.org import load_org
from console.service import IncidentService
from console.store import Store


@pytest.fixture
def clock():
    return ManualClock(T0)


@pytest.fixture
def make_service(tmp_path, clock):
    opened = []

    def make(org=None, name="console.db", actor="tester"):
        store = Store(tmp_path / name)
        svc = IncidentService(store, org or load_org(), clock, actor)
        opened.append(store)
        return svc

    yield make
    for store in opened:
        store.close()
