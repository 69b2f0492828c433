"""Everyone not at the keyboard: stakeholder updates on a cadence (drafted from the
incident, sent through the paging channels) and the decision log for leadership.
Writes go through the service's `record`; delivery is the escalation runner's."""
