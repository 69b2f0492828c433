"""History between stores: JSON lines, one event per line, grouped per incident.

Import validates every line and imports an incident whole or not at all: a bad line
(or a line that cannot be tied to an incident, which taints its neighbours) skips
the incident, and each problem is reported as FILE:LINE: what. Import goes through
IncidentService.apply_remote, so it is idempotent like a sync pull.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from console.model import events
from console.model.clock import parse_iso
from console.model.events import Event
from console.model.fold import fold
from console.model.hlc import HLC
from console.store import events as event_log

FIELDS = ("event_id", "incident_id", "kind", "body", "actor", "origin", "hlc", "at")
OPTIONAL = ("server_seq",)  # written by other tools; a different store's sequence, dropped
BATCH_EVENTS = 5000

_EVENT_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{0,63}\Z")
_INCIDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}\Z")
_KIND = re.compile(r"^[a-z][a-z0-9_.]{0,63}\Z")
_HLC = re.compile(r"^[0-9]{13}-[0-9]{5}\Z")  # ASCII digits, as HLC.parse takes
_STEP = re.compile(r"^SEV[1-5]\+\d+\Z")
_HINT = re.compile(r'"incident_id"\s*:\s*"([^"\\]{1,64})"')


def export_lines(conn) -> Iterator[str]:
    """Every event, grouped per incident (INC-2 before INC-10), in fold order."""
    rows = event_log.raw_in_fold_order(conn)
    for event_id, incident_id, kind, body, actor, origin, hlc, at in rows:
        yield json.dumps(
            {
                "event_id": event_id,
                "incident_id": incident_id,
                "kind": kind,
                "body": json.loads(body),
                "actor": actor,
                "origin": origin,
                "hlc": hlc,
                "at": at,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )


def record_problem(raw: object) -> str | None:
    """Why a parsed line is not an event we can import, or None."""
    if not isinstance(raw, dict):
        return f"expected a JSON object (one event), got {type(raw).__name__}"
    unknown = sorted(set(raw) - set(FIELDS) - set(OPTIONAL))
    if unknown:
        return f"unknown field {unknown[0]!r} (an event has {', '.join(FIELDS)})"
    missing = [k for k in FIELDS if k not in raw]
    if missing:
        return f"missing field {missing[0]!r}"
    checks = (
        ("event_id", _EVENT_ID, "an id of letters, digits and dashes (a UUID)"),
        ("incident_id", _INCIDENT, "an incident id such as INC-12"),
        ("kind", _KIND, "a lowercase event kind such as note_added"),
        ("hlc", _HLC, "a clock stamp such as 1767225600000-00000"),
    )
    for name, pattern, what in checks:
        value = raw[name]
        if not isinstance(value, str) or not pattern.match(value):
            return f"{name} must be {what}, got {value!r}"
    for name in ("actor", "origin"):
        problem = events.actor_problem(raw[name], name)
        if problem:
            return f"{problem}, got {raw[name]!r}"
    try:
        HLC.parse(raw["hlc"])
        at = parse_iso(raw["at"]) if isinstance(raw["at"], str) else None
    except ValueError:
        at = None
    if at is None:
        return f"at must be an ISO time such as 2026-01-01T00:00:00.000Z, got {raw['at']!r}"
    if not isinstance(raw["body"], dict):
        return f"body must be a JSON object, got {type(raw['body']).__name__}"
    return body_problem(raw["kind"], raw["body"])


def body_problem(kind: str, body: dict) -> str | None:
    """The catalogue's rule, the same as for sync: an unknown kind is kept verbatim."""
    return events.body_problem(kind, body)


def to_event(raw: dict) -> Event:
    return Event.from_dict(raw, server_seq=False)


@dataclass
class ImportReport:
    path: str
    incidents: list[str] = field(default_factory=list)  # imported whole
    skipped: list[str] = field(default_factory=list)  # had a bad line
    new_events: int = 0
    known_events: int = 0  # already in the store: idempotent
    problems: list[str] = field(default_factory=list)  # FILE:LINE: what, by line
    lines: list[tuple[int, str]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "incidents": self.incidents,
            "skipped": self.skipped,
            "new_events": self.new_events,
            "known_events": self.known_events,
            "problems": self.problems,
            "ok": not self.problems,
        }

    def text(self) -> str:
        out = (
            f"{self.path}: {len(self.incidents)} incident(s) imported whole: {self.new_events} new "
            f"event(s), {self.known_events} already present"
        )
        if self.skipped:
            out += f"; skipped {len(self.skipped)} incident(s) with bad lines: {', '.join(self.skipped)}"
        return out


def _lines(path: Path) -> Iterator[tuple[int, str | None, str | None]]:
    """(line number, text, decoding problem)."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                yield number, raw.decode("utf-8"), None
            except UnicodeDecodeError as exc:
                yield number, None, f"not UTF-8 ({exc.reason} at byte {exc.start})"


def import_history(service, path: str | Path) -> ImportReport:
    path = Path(path)
    if not path.is_file():
        from console.model.errors import InputError

        raise InputError(f"{path}: no such file")
    report = ImportReport(str(path))
    order: list[str] = []  # incidents in file order
    events: dict[str, list[Event]] = {}
    first_line: dict[str, int] = {}
    bad: dict[str, list[str]] = {}
    seen: dict[str, tuple[str, int]] = {}  # event_id -> (canonical, line)
    orphans: list[tuple[int, str]] = []  # bad lines we cannot tie to an incident

    def problem(line: int, what: str, incident: str | None) -> None:
        report.lines.append((line, f"{path}:{line}: {what}"))
        if incident is None:
            orphans.append((line, what))
        else:
            bad.setdefault(incident, []).append(what)
            if incident not in first_line:
                first_line[incident] = line
                order.append(incident)

    line_incident: list[tuple[int, str | None]] = []
    for number, text, decode_problem in _lines(path):
        if decode_problem:
            problem(number, decode_problem, None)
            line_incident.append((number, None))
            continue
        assert text is not None  # _lines gives the text or why it could not decode it
        if not text.strip():
            continue
        hint = _HINT.search(text)
        incident = hint.group(1) if hint else None
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            problem(number, f"not valid JSON ({exc.msg} at column {exc.colno})", incident)
            line_incident.append((number, incident))
            continue
        if (
            isinstance(raw, dict)
            and isinstance(raw.get("incident_id"), str)
            and _INCIDENT.match(raw["incident_id"])
        ):
            incident = raw["incident_id"]
        why = record_problem(raw)
        line_incident.append((number, incident))
        if why:
            problem(number, why, incident)
            continue
        valid: str = raw["incident_id"]  # (= incident: record_problem checked its form)
        canonical = json.dumps({k: raw[k] for k in FIELDS}, sort_keys=True)
        if raw["event_id"] in seen:
            earlier, earlier_line = seen[raw["event_id"]]
            if earlier != canonical:
                problem(
                    number,
                    f"event {raw['event_id']} differs from line {earlier_line} with the same id",
                    valid,
                )
            continue
        seen[raw["event_id"]] = (canonical, number)
        if valid not in first_line:
            first_line[valid] = number
            order.append(valid)
        events.setdefault(valid, []).append(to_event(raw))

    _taint_neighbours(orphans, line_incident, bad)
    _check_against_store(service, path, events, first_line, bad, report)
    for incident in order:
        if incident in bad:
            report.skipped.append(incident)
    good = [i for i in order if i not in bad and i in events]
    batch: list[Event] = []
    for incident in good:
        batch.extend(events[incident])
        if len(batch) >= BATCH_EVENTS:
            service.apply_remote(batch)
            batch = []
    if batch:
        service.apply_remote(batch)
    report.incidents = good
    report.problems = [text for _, text in sorted(report.lines, key=lambda x: x[0])]
    return report


def _taint_neighbours(orphans, line_incident, bad) -> None:
    """A line we cannot read might belong to the incident before or after it (the
    file is grouped per incident): skip both rather than import half of one."""
    if not orphans:
        return
    numbers = [n for n, _ in line_incident]
    for line, what in orphans:
        idx = numbers.index(line)
        before = next((inc for _, inc in reversed(line_incident[:idx]) if inc), None)
        after = next((inc for _, inc in line_incident[idx + 1 :] if inc), None)
        for incident in {before, after} - {None}:
            bad.setdefault(incident, []).append(f"line {line} may belong to it: {what}")


def _check_against_store(service, path, events, first_line, bad, report) -> None:
    conn = service.store.conn
    for incident, evs in events.items():
        if incident in bad:
            continue
        line = first_line[incident]
        stored = event_log.raw_by_id(conn, [e.event_id for e in evs])
        why = None
        for ev in evs:
            row = stored.get(ev.event_id)
            if row and (row[1], row[2], json.loads(row[3]), row[4], row[5], row[6], row[7]) != (
                ev.incident_id,
                ev.kind,
                ev.body,
                ev.actor,
                ev.origin,
                ev.hlc,
                ev.at,
            ):
                why = f"event {ev.event_id} is already in this store with different content"
                break
        declared = [e.event_id for e in evs if e.kind == "declared"]
        existing = event_log.declared_ids(conn, incident)
        if why is None and not declared and not existing:
            why = f"{incident} has no 'declared' event; an incident is imported whole"
        if why is None and existing and declared and not set(declared) & set(existing):
            why = (
                f"{incident} already exists in this store as a different incident "
                f"(declared by event {existing[0]}); not merged"
            )
        if why is None:
            try:
                fold(
                    [
                        *event_log.for_incident(conn, incident),
                        *(e for e in evs if e.event_id not in stored),
                    ]
                )
            except Exception as exc:  # noqa: BLE001 - any fold failure is a bad record
                why = f"{incident}: the events do not fold ({type(exc).__name__}: {exc})"
        if why:
            report.lines.append((line, f"{path}:{line}: {why}"))
            bad.setdefault(incident, []).append(why)
        else:
            report.known_events += len(stored)
            report.new_events += len(evs) - len(stored)
