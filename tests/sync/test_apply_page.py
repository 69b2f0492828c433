"""A pulled page is stored in one statement and each touched incident folded once
(hypothesis): that leaves the same log, projections and incident states as applying
the same events one at a time, and as folding every incident again from its log —
whatever the stamps' order, duplicates, pages or incidents the cache holds."""

from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.model.clock import ManualClock
from console.model.errors import InputError
from console.model.fold import fold
from console.service import IncidentService
from console.store import Store, projections
from console.store import events as event_log

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
WALL0 = 1_772_355_600_000  # T0 in ms

action = st.tuples(
    st.integers(0, 3),  # which incident
    st.sampled_from(["note", "severity", "status"]),
    st.sampled_from(["SEV1", "SEV2", "SEV3", "investigating", "mitigated", "identified"]),
)


def history(org, path, incidents: int, actions) -> list:
    """Events a console wrote: declarations, then notes, severities, statuses."""
    svc = IncidentService(Store(path), org, ManualClock(T0), "ana")
    ids = [svc.declare(f"incident {i}", "SEV2", layers=["service"]).id for i in range(incidents)]
    for which, verb, value in actions:
        inc = ids[which % incidents]
        try:
            if verb == "note":
                svc.note(inc, f"note {value}")
            elif verb == "severity" and value.startswith("SEV"):
                svc.set_severity(inc, value)
            elif verb == "status" and not value.startswith("SEV"):
                svc.set_status(inc, value)
        except InputError:
            pass  # e.g. already that severity: nothing recorded
    evs = [e for i in ids for e in svc.events(i)]
    svc.close()
    return evs


def state_of(svc: IncidentService) -> tuple:
    conn = svc.store.conn
    log = conn.execute(
        "SELECT seq, event_id, incident_id, body, hlc, server_seq FROM events ORDER BY seq"
    ).fetchall()
    rows = conn.execute("SELECT * FROM incidents ORDER BY id").fetchall()
    facts = projections.facts_snapshot(conn)
    incidents = {i: svc.get(i) for i in event_log.incident_ids(conn)}
    return log, rows, facts, incidents


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    incidents=st.integers(1, 4),
    actions=st.lists(action, max_size=25),
    data=st.data(),
)
def test_a_page_at_once_is_the_same_as_one_event_at_a_time(
    tmp_path_factory, org, incidents, actions, data
):
    tmp = tmp_path_factory.mktemp("pages")
    evs = history(org, tmp / "source.db", incidents, actions)
    # Stamps from several consoles with skewed clocks: events sort in any order after
    # their incident's declaration (later pages may sort before what is folded).
    restamped = []
    for ev in evs:
        if ev.kind == "declared":
            hlc, origin = f"{WALL0:013d}-{len(restamped):05d}", ev.origin
        else:
            wall = WALL0 + 1000 * data.draw(st.integers(1, 20), label="stamp")
            hlc = f"{wall:013d}-{len(restamped):05d}"
            origin = data.draw(st.sampled_from(["dev-a", "dev-b"]), label="origin")
        restamped.append(msgspec.structs.replace(ev, hlc=hlc, origin=origin))
    order = data.draw(st.permutations(restamped), label="server order")
    delivered = [msgspec.structs.replace(ev, server_seq=n) for n, ev in enumerate(order, 1)]
    # A page may be delivered again (a lost reply), and may hold an event twice.
    repeats = data.draw(st.lists(st.integers(0, len(delivered) - 1), max_size=4), label="again")
    for at in repeats:
        delivered.insert(at + 1, delivered[at])
    sizes = []
    left = len(delivered)
    while left:
        size = min(left, data.draw(st.integers(1, 12), label="page"))
        sizes.append(size)
        left -= size

    paged = IncidentService(Store(tmp / "paged.db"), org, ManualClock(T0), "ben")
    if data.draw(st.booleans(), label="small cache"):
        paged._folds.size = 1  # noqa: SLF001 - incidents fall out of the cache between pages
    single = IncidentService(Store(tmp / "single.db"), org, ManualClock(T0), "ben")
    pos = 0
    for size in sizes:
        page = delivered[pos : pos + size]
        touched = paged.apply_remote(page)
        one_by_one: list[str] = []
        for ev in page:
            one_by_one += [i for i in single.apply_remote([ev]) if i not in one_by_one]
        assert touched == one_by_one
        pos += size

    expected = state_of(single)
    assert state_of(paged) == expected
    # Both equal a fold of each incident's whole log, by a service with nothing cached.
    fresh = IncidentService(Store(tmp / "paged.db"), org, ManualClock(T0), "ben")
    assert state_of(fresh) == expected
    for incident_id, inc in expected[3].items():
        assert inc == fold(event_log.for_incident(paged.store.conn, incident_id))
    for svc in (paged, single, fresh):
        svc.close()
