"""Automated escalation (principle 4): channels, secrets, the outbox and the runner.

Hooks for the other faces:
- TUI: `BackgroundRunner(db_path, org, clock).run` in a thread worker; `failing_channels(conn)`
  and `incident_paging(conn, incident_id)` for the board and the room.
- serve: `start_background(db_path, org)` returns a started runner with `.stop()`.
- drills: `EscalationRunner(..., sink=..., drill_sink=...)`; drill incidents only ever reach
  the drill sink.
"""
