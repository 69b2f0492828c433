"""Automated escalation (principle 4), pure: given an incident, the org, the paging
configuration and now → the pages and nudges that should exist.

- `targets`: who is paged for a step and which channels reach them;
- `messages`: what a page says, and the `Intent` the runner stores;
- `decide`: triggers, acknowledgements, resolves, nudges, updates; still wanted? orphaned?
- `view`: what the room shows about paging;
- `checks`: model checks (people no channel reaches).

The runner (console/notify) turns each new intent into an event plus outbox rows in one
transaction; console/model/folds/paging.py folds those events back into
`inc.extra["paging"]` so the next decision knows what was already sent. Deciding twice
never pages twice: every intent has an idempotency key (incident/step/target/round).
Import each name from the module that owns it.
"""
