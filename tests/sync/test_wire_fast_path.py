"""The fast checks (one msgspec pass over a push, a column at a time) against the plain
ones (json.loads, then event by event): for any push, the same result for every event,
the same words for every refusal, and the same text stored."""

from __future__ import annotations

import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_catalogue_fuzz import NOW_MS, _json, _text, bodies

from console.model import events as catalogue
from console.sync import protocol as wire
from console.sync.server import ServerLog

FIELD_VALUES = {
    "event_id": st.one_of(
        st.just("0190f1c2-7d3e-7abc-8def-0123456789ab\n"),
        st.just("0190F1C2-7D3E-7ABC-8DEF-0123456789AB"),
        st.uuids().map(str),
        _text,
    ),
    "incident_id": st.one_of(st.sampled_from(["INC-1", "INC-1\n", "-x", "a" * 65]), _text),
    "kind": st.one_of(st.sampled_from(["note_added", "Note", "x\n", "runbook_linked"]), _text),
    "actor": st.one_of(st.sampled_from([" ", "ana\n", "a" * 201, "ana\x7f", "ana"]), _text),
    "origin": st.one_of(st.sampled_from(["dev\n", "d" * 65, "\t", "dev-a"]), _text),
    "hlc": st.one_of(
        st.sampled_from(
            [f"{NOW_MS:013d}-00001\n", f"{NOW_MS + 10**9:013d}-00000", "١٧٦٧٢٢٥٦٠٠٠٠٠-00000"]
        ),
        _text,
    ),
    "at": st.one_of(
        st.sampled_from(
            ["2026-03-01T09:00:00Z\n", "2026-13-01T09:00:00Z", "2026-03-01T09:00:00.1234567Z"]
        ),
        _text,
    ),
}


@st.composite
def events(draw) -> dict:
    kind, body = draw(bodies())
    raw = {
        "event_id": str(uuid.UUID(int=draw(st.integers(0, 5)), version=4)),
        "incident_id": "INC-1",
        "kind": kind,
        "body": body,
        "actor": "ana",
        "origin": "dev-a",
        "hlc": f"{NOW_MS:013d}-00000",
        "at": "2026-03-01T09:00:00.000Z",
    }
    for name in draw(st.lists(st.sampled_from([*FIELD_VALUES, "extra", "drop"]), max_size=2)):
        if name == "extra":
            raw["server_seq"] = draw(_json)
        elif name == "drop":
            raw.pop(draw(st.sampled_from(sorted(raw))))
        else:
            raw[name] = draw(FIELD_VALUES[name] | _json)
    return raw


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(events(), min_size=1, max_size=6))
def test_the_fast_checks_agree_with_the_plain_ones(tmp_path_factory, batch):
    tmp = tmp_path_factory.mktemp("fast")
    body = json.dumps({"protocol": 1, "client_id": "dev-a", "events": batch}).encode()
    typed = wire.decode_push(body)
    plain_log, fast_log = ServerLog(tmp / "plain.db"), ServerLog(tmp / "fast.db")
    try:
        plain = plain_log.push(json.loads(body)["events"], "dev-a")
        if typed is None:  # the server takes the plain way for this body
            return
        assert fast_log.push(typed.events, typed.client_id) == plain
        assert fast_log.rows() == plain_log.rows()
        # and the client's batch check, on both sides of the wire
        assert wire.check_events(batch) == [wire.check_event(raw) for raw in batch]
    finally:
        plain_log.close()
        fast_log.close()


@settings(max_examples=150, deadline=None)
@given(batch=st.lists(events(), min_size=1, max_size=6), seq=st.integers(-1, 3))
def test_batch_checks_of_pulled_events_agree(batch, seq):
    assert wire.check_events(batch) == [wire.check_event(raw) for raw in batch]
    pulled = [{**raw, "server_seq": seq} for raw in batch]
    problems = [
        wire.event_problem(raw, from_server=True) or wire.stamp_problem(raw, NOW_MS, 60_000)
        for raw in pulled
    ]
    good, bad = wire.check_pulled(pulled, NOW_MS, 60_000)
    assert bad == [(raw, p) for raw, p in zip(pulled, problems, strict=True) if p]
    assert good == [wire.from_wire(raw) for raw, p in zip(pulled, problems, strict=True) if not p]
    # the typed bodies handed on with them are the ones the fold would decode
    assert [ev.data for ev in good] == [catalogue.typed_body(ev.kind, ev.body) for ev in good]


def well_formed(n: int, kind: str, body: dict, hlc: int = NOW_MS) -> dict:
    """Event `n` of a console's batch, valid in every field the wire checks."""
    return {
        "event_id": str(uuid.UUID(int=n, version=4)),
        "incident_id": "INC-1",
        "kind": kind,
        "body": body,
        "actor": "ana",
        "origin": "dev-a",
        "hlc": f"{hlc:013d}-{n:05d}",
        "at": "2026-03-01T09:00:00.000Z",
    }


def test_a_pulled_page_hands_on_the_typed_bodies_it_checked():
    def pulled(n: int, kind: str, body: dict, hlc: int = NOW_MS) -> dict:
        return {**well_formed(n, kind, body, hlc), "server_seq": n + 1}

    page = [
        pulled(0, "note_added", {"text": "fine"}),
        pulled(1, "note_added", {}),  # its kind's bodies no longer fit all at once
        pulled(2, "severity_set", {"severity": "SEV2"}),
        pulled(3, "severity_set", {"severity": "SEV3"}, hlc=NOW_MS + 10**9),
        pulled(4, "runbook_linked", {"url": "https://x"}),
    ]
    good, bad = wire.check_pulled(page, NOW_MS, 60_000)
    assert [raw["event_id"] for raw, _ in bad] == [page[1]["event_id"], page[3]["event_id"]]
    assert [ev.event_id for ev in good] == [page[i]["event_id"] for i in (0, 2, 4)]
    assert [ev.data for ev in good] == [
        catalogue.NoteAdded(text="fine"),
        catalogue.SeveritySet(severity="SEV2"),
        None,  # a kind this version does not know
    ]


def test_a_well_formed_push_takes_the_fast_way():
    batch = [
        well_formed(n, kind, body)
        for n, (kind, body) in enumerate(
            [("note_added", {"text": "é"}), ("runbook_linked", {"url": "https://x"})]
        )
    ]
    typed = wire.decode_push(
        json.dumps({"protocol": 1, "client_id": "dev-a", "events": batch}).encode()
    )
    assert typed is not None and [e.event_id for e in typed.events] == [
        e["event_id"] for e in batch
    ]
    assert wire.check_pushed(typed.events, NOW_MS, 60_000) == (
        [wire.canonical(e) for e in batch],
        {},
    )


@settings(max_examples=150, deadline=None)
@given(pairs=st.lists(bodies(), max_size=6))
def test_events_checked_together_agree_with_one_by_one(pairs):
    evs = [
        catalogue.Event(f"e{i}", "INC-1", k, b, "ana", "dev-a", "0", "2026-03-01T09:00:00Z")
        for i, (k, b) in enumerate(pairs)
    ]
    one_by_one = [(i, p) for i, (k, b) in enumerate(pairs) if (p := catalogue.body_problem(k, b))]
    assert catalogue.unfit(evs) == (one_by_one[0] if one_by_one else None)
    # and the typed bodies a door hands on are the ones each event would decode
    for kind in {k for k, _ in pairs}:
        group = [b for k, b in pairs if k == kind]
        values = catalogue.typed_bodies(kind, group)
        if values is not None:
            assert values == [catalogue.typed_body(kind, b) for b in group]


def _near(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Valid values, and ones a character or two away (a mark moved, doubled or gone,
    a capital, another script's digit, a newline, one character more or less)."""
    swaps = st.sampled_from(["-", "A", "g", "٣", "\n", "0", "T", ":", ".", "Z", ""])
    edited = st.builds(_edited, valid, st.lists(st.tuples(st.integers(0, 36), swaps), max_size=2))
    return edited | st.builds(_swapped, valid, st.integers(0, 35))


def _swapped(text: str, at: int) -> str:
    """Two neighbours swapped: a mark one place off, the count of each character kept."""
    return text[:at] + text[at + 1 : at + 2] + text[at : at + 1] + text[at + 2 :]


def _edited(text: str, edits: list[tuple[int, str]]) -> str:
    for at, put in edits:
        text = text[:at] + put + text[at + 1 :]
    return text


_hlcs = st.builds("{:013d}-{:05d}".format, st.integers(0, 10**13 - 1), st.integers(0, 99999))
_times = st.datetimes().map(lambda t: t.isoformat(timespec="milliseconds") + "Z") | st.sampled_from(
    ["2026-03-01T09:00:00Z", "2026-03-01T09:00:00.5+02:00"]
)


@settings(max_examples=300, deadline=None)
@given(
    ids=st.lists(_near(st.uuids().map(str)), min_size=1, max_size=8),
    hlcs=st.lists(_near(_hlcs), min_size=1, max_size=8),
    times=st.lists(_near(_times), min_size=1, max_size=8),
)
def test_the_column_checks_agree_with_the_one_by_one_patterns(ids, hlcs, times):
    assert wire._uuids_fit(ids) == all(wire._UUID.match(v) for v in ids)
    assert wire._hlcs_fit(hlcs) == all(wire._HLC.match(v) for v in hlcs)
    assert wire._times_fit(times) == all(wire._ISO.match(v) for v in times)
