"""Schema, as sqlite-utils migrations. Add new ones at the end; never edit old ones."""

from sqlite_utils.migrations import Migrations

MIGRATIONS = Migrations("incident_console")


@MIGRATIONS()
def m001_events(db):
    db.execute(
        """CREATE TABLE events (
            seq INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            incident_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            body TEXT NOT NULL,
            actor TEXT NOT NULL,
            origin TEXT NOT NULL,
            hlc TEXT NOT NULL,
            at TEXT NOT NULL,
            server_seq INTEGER
        )"""
    )
    db.execute("CREATE INDEX events_incident_hlc ON events(incident_id, hlc)")
    # The outbox is simply the events the server has not accepted yet.
    db.execute("CREATE INDEX events_outbox ON events(seq) WHERE server_seq IS NULL")
    db.execute(
        "CREATE UNIQUE INDEX events_server_seq ON events(server_seq) WHERE server_seq IS NOT NULL"
    )
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


@MIGRATIONS()
def m002_incident_projection(db):
    db.execute(
        """CREATE TABLE incidents (
            id TEXT PRIMARY KEY,
            number INTEGER NOT NULL,
            title TEXT NOT NULL,
            severity TEXT NOT NULL,
            sev_rank INTEGER NOT NULL,
            status TEXT NOT NULL,
            is_open INTEGER NOT NULL,
            drill TEXT,
            prevented INTEGER NOT NULL DEFAULT 0,
            commander TEXT,
            layers TEXT NOT NULL,
            services TEXT NOT NULL,
            responsible_team TEXT,
            declared_at TEXT NOT NULL,
            detected_at TEXT NOT NULL,
            acknowledged_at TEXT,
            mitigated_at TEXT,
            resolved_at TEXT,
            next_step TEXT,
            next_targets TEXT,
            next_due_at TEXT,
            event_count INTEGER NOT NULL,
            last_hlc TEXT NOT NULL
        )"""
    )
    # The board: open first, most severe, most overdue.
    db.execute("CREATE INDEX incidents_board ON incidents(is_open, sev_rank, next_due_at)")
    db.execute("CREATE INDEX incidents_declared ON incidents(declared_at)")
    db.execute("CREATE INDEX incidents_number ON incidents(number)")


@MIGRATIONS()
def m003_sync_dead_letters(db):
    # Events the remote rejected (or that could not be sent or applied): kept for the
    # commander to see, and left out of the outbox so one bad event never blocks the rest.
    db.execute(
        """CREATE TABLE sync_dead_letters (
            id INTEGER PRIMARY KEY,
            event_id TEXT,
            incident_id TEXT,
            kind TEXT,
            direction TEXT NOT NULL,
            reason TEXT NOT NULL,
            payload TEXT NOT NULL,
            at TEXT NOT NULL
        )"""
    )
    db.execute(
        "CREATE UNIQUE INDEX sync_dead_letters_event ON sync_dead_letters(event_id, direction)"
    )


@MIGRATIONS()
def m004_metrics_facts(db):
    """Per-incident facts the metrics read: who was paged at which severity,
    who responded first and who resolved, the cause, durations in seconds. Derived
    from the event log like `incidents`; `rebuild` reproduces them."""
    db.execute(
        """CREATE TABLE incident_facts (
            id TEXT PRIMARY KEY,
            declared_service TEXT,
            declared_layer TEXT,
            cause_service TEXT,
            cause_layer TEXT,
            first_team TEXT,
            resolved_by_team TEXT,
            peak_severity TEXT NOT NULL,
            tta_s REAL,
            ttm_s REAL,
            ttr_s REAL,
            coord_s REAL,
            teams_paged INTEGER NOT NULL,
            teams_acked INTEGER NOT NULL,
            severity_raises INTEGER NOT NULL,
            team_changes INTEGER NOT NULL,
            reescalations INTEGER NOT NULL
        )"""
    )
    db.execute(
        """CREATE TABLE incident_pages (
            incident_id TEXT NOT NULL,
            team TEXT NOT NULL,
            severity TEXT NOT NULL,
            paged_at TEXT NOT NULL,
            acked_at TEXT,
            PRIMARY KEY (incident_id, team, severity)
        ) WITHOUT ROWID"""
    )
    db.execute(
        "CREATE INDEX incident_facts_declared ON incident_facts(declared_service, declared_layer)"
    )
    # Backfill from the log (facts only: the incidents table is not touched here).
    from console.store import projections

    projections.rebuild_facts(db.conn)


@MIGRATIONS()
def m005_notify_outbox(db):
    """Automated escalation: the notification outbox (one row per page and
    channel, written in the same transaction as the page_queued event), a lease per
    incident and step so several runners never double-page, and channel health."""
    db.execute(
        """CREATE TABLE notify_outbox (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            intent_key TEXT NOT NULL,
            incident_id TEXT NOT NULL,
            step TEXT NOT NULL,
            target TEXT NOT NULL,
            kind TEXT NOT NULL,
            channel TEXT NOT NULL,
            event_id TEXT NOT NULL,
            message TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'queued',
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            next_attempt_at TEXT NOT NULL,
            last_attempt_at TEXT,
            last_error TEXT,
            delivered_at TEXT
        )"""
    )
    db.execute("CREATE INDEX notify_outbox_due ON notify_outbox(state, next_attempt_at)")
    db.execute("CREATE INDEX notify_outbox_incident ON notify_outbox(incident_id)")
    db.execute(
        """CREATE TABLE notify_leases (
            incident_id TEXT NOT NULL,
            step TEXT NOT NULL,
            holder TEXT NOT NULL,
            until REAL NOT NULL,
            PRIMARY KEY (incident_id, step)
        ) WITHOUT ROWID"""
    )
    db.execute(
        """CREATE TABLE notify_channels (
            channel TEXT PRIMARY KEY,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            permanent INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            failing_since TEXT,
            last_failure_at TEXT,
            last_success_at TEXT
        )"""
    )


@MIGRATIONS()
def m006_board_order_index(db):
    """The board's exact ORDER BY as an index (foundation benchmarks): `list --all` on
    100,000 incidents read and sorted the whole table (~130 ms); with the expression
    `next_due_at IS NULL` in the index, a page is the first rows of one index scan
    (< 1 ms). It covers every use of incidents_board (same leading columns), which
    goes so each command maintains one index fewer."""
    db.execute(
        "CREATE INDEX incidents_board_order ON incidents "
        "(is_open DESC, sev_rank, next_due_at IS NULL, next_due_at, number DESC)"
    )
    db.execute("DROP INDEX IF EXISTS incidents_board")


@MIGRATIONS()
def m007_alert_groups(db):
    """Alerts from monitoring: each group's incident (or that it waits for one), folded
    from the group's own events; and the local holds that debounce flapping alerts."""
    db.execute(
        """CREATE TABLE alert_groups (
            group_id TEXT PRIMARY KEY,
            group_key TEXT NOT NULL,
            source TEXT NOT NULL,
            name TEXT NOT NULL,
            incident_id TEXT,
            how TEXT,
            service TEXT,
            severity TEXT,
            firing INTEGER NOT NULL,
            total INTEGER NOT NULL,
            summary TEXT NOT NULL,
            first_at TEXT,
            updated_at TEXT
        )"""
    )
    db.execute("CREATE INDEX alert_groups_incident ON alert_groups(incident_id)")
    db.execute(
        """CREATE TABLE alert_holds (
            home TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            body TEXT NOT NULL,
            until TEXT NOT NULL,
            flaps INTEGER NOT NULL,
            PRIMARY KEY (home, fingerprint)
        ) WITHOUT ROWID"""
    )
    # Groups already in the log (synced from a newer console before this one upgraded).
    from console.store import projections

    projections.rebuild_alert_groups(db.conn)


@MIGRATIONS()
def m008_oncall_calendars(db):
    """Imported on-call calendars: per team, where it came from and the moment it was
    read (so a stale one shows as stale), and its shifts expanded for the next days, so
    pages find the person with no network. Local to this console, never synced."""
    db.execute(
        """CREATE TABLE oncall_calendars (
            team TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            as_of TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            until TEXT NOT NULL,
            unmatched TEXT NOT NULL DEFAULT '[]',
            error TEXT
        ) WITHOUT ROWID"""
    )
    db.execute(
        """CREATE TABLE oncall_shifts (
            team TEXT NOT NULL,
            starts_at TEXT NOT NULL,
            ends_at TEXT NOT NULL,
            person TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT ''
        )"""
    )
    db.execute("CREATE INDEX oncall_shifts_team ON oncall_shifts(team, starts_at)")


@MIGRATIONS()
def m009_fold_snapshots(db):
    # A folded incident kept on disk, so a new process folds only the events after it
    # (console/store/folded.py). Derived like the projections: cleared by rebuild.
    db.execute(
        """CREATE TABLE fold_snapshots (
            incident_id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL,          -- the newest event row folded in
            tail_id TEXT NOT NULL,         -- that row's event_id
            hlc TEXT NOT NULL,             -- the fold-order key of the last event folded
            origin TEXT NOT NULL,
            event_id TEXT NOT NULL,
            event_count INTEGER NOT NULL,
            code TEXT NOT NULL,            -- console.fingerprint of the code that wrote it
            state BLOB NOT NULL
        )"""
    )
    # An incident's newest rows, and the rows after a snapshot, by index.
    db.execute("CREATE INDEX events_incident_seq ON events(incident_id, seq)")


@MIGRATIONS()
def m010_resolved_index(db):
    """The escalation runner's candidates (open incidents, and those resolved lately that
    may owe a resolve or a last update) read two index ranges instead of every incident:
    on 100,000 incidents its pass spent ~35 ms there, on a thread beside the key presses."""
    db.execute("CREATE INDEX incidents_resolved ON incidents(resolved_at)")
