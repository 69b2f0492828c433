"""Automated escalation (principle 4): channels, secrets, the outbox and the runner.

Hooks for the other faces:
- TUI: `runner.BackgroundRunner(db_path, org, clock, on_pass=...)`; run `.run` in a thread worker
  (it opens its own Store), `.wake()` after a local commit, `.stop()` on exit; start it only if
  `runner.local_runner_wanted(store)`. The board and the room read paging through the service
  (`failing_channels()`, `incident_pages(id)`) and `console.model.paging.view.paging_view(inc)`.
- serve: `serve.start_in_serve(server_db, org, url, token)` returns a started handle with `.stop()`.
- drills: `runner.EscalationRunner(..., sink=..., drill_sink=...)`; drill incidents only ever
  reach the drill sink, whoever runs them.
"""
