"""Automated escalation (principle 4): channels, secrets, the outbox and the runner.

Hooks for the other faces:
- TUI: `runner.BackgroundRunner(db_path, org, clock, on_pass=...)`; run `.run` in a thread worker
  (it opens its own Store), `.wake()` after a local commit, `.stop()` on exit; start it only if
  `runner.local_runner_wanted(store)`. `status.failing_channels(conn)` for the board and the
  room, `status.incident_paging(conn, id)` and `console.model.paging.paging_view(inc)` for the room.
- serve: `serve.start_in_serve(server_db, org, url, token)` returns a started handle with `.stop()`.
- drills: `runner.EscalationRunner(..., sink=..., drill_sink=...)`; drill incidents only ever
  reach the drill sink, whoever runs them.
"""
