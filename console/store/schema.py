"""The schema's migrations by name, without importing sqlite-utils.

Every command opens the store; when the file already has all of these it needs no
migration work, and one query says so. Only a file that is new or behind loads
console.store.migrations (and sqlite-utils). A test keeps this list equal to the
migrations' own; add a name here when adding a migration there.
"""

SET = "incident_console"  # the migration set's name in _sqlite_migrations

CURRENT = (
    "m001_events",
    "m002_incident_projection",
    "m003_sync_dead_letters",
    "m004_metrics_facts",
    "m005_notify_outbox",
    "m006_board_order_index",
    "m007_alert_groups",
    "m008_oncall_calendars",
    "m009_fold_snapshots",
    "m010_resolved_index",
)
