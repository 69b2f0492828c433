"""The house rules lint-imports cannot see: SQL lives only in console/store/, and the
TUI reaches the database only through the service (never `service.store`, never a
connection). Read from the source's syntax trees, so a comment or a string that
mentions them does not count."""

from __future__ import annotations

import ast
from pathlib import Path

import console

ROOT = Path(console.__file__).resolve().parent
SQL_CALLS = {"execute", "executemany", "executescript"}

# SQL outside console/store/, each with why it is still there. (None now: the sync server's
# log went behind its storage interface in console/store/server_log*.py.)
SQL_ALLOWED: set[str] = set()

# Files outside console/store/ that still hold a connection (`x.conn`): each only hands it
# to console/store functions and runs no SQL itself (the rule above checks that). New code
# asks the service or a store module instead; this list may only shrink.
CONN_ALLOWED = {
    "service.py",  # the door: passes its store's connection to the store modules
    "alerts/intake.py",
    "alerts/views.py",
    "drills/session.py",
    "metrics/figures.py",
    "metrics/history.py",
    "metrics/postmortem.py",
    "metrics/queries.py",
    "notify/runner.py",
    "sync/client.py",
    "sync/server.py",  # ServerLog.conn hands out its storage's connection
    "sync/worker.py",
    "cli/drills.py",
    "cli/metrics.py",
    "cli/notify.py",
    "cli/sync.py",
}

# TUI files that still reach for `service.store`, each with why.
TUI_STORE_ALLOWED = {
    # Opens a worker thread's own Store at service.store.path; service.path says the same
    # and replaces it once the screen's layout work in progress is committed.
    "tui/screens/metrics.py",
}


def _sources(under: str = "") -> list[tuple[str, ast.AST]]:
    out = []
    for path in sorted((ROOT / under).rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("store/"):
            continue
        out.append((rel, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))))
    return out


def _where(rel: str, node: ast.AST) -> str:
    return f"console/{rel}:{getattr(node, 'lineno', '?')}"


def test_sql_lives_only_in_the_store():
    found = [
        _where(rel, node)
        for rel, tree in _sources()
        if rel not in SQL_ALLOWED
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SQL_CALLS
    ]
    assert found == [], "SQL outside console/store/ (move it into a store module): " + ", ".join(
        found
    )


def test_no_new_holder_of_a_connection_outside_the_store():
    found = [
        _where(rel, node)
        for rel, tree in _sources()
        if rel not in CONN_ALLOWED
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "conn"
    ]
    assert found == [], "a connection used outside console/store/: " + ", ".join(found)


def test_the_allow_lists_name_files_that_still_need_them():
    """A file that no longer needs its exemption leaves the list (it only shrinks)."""
    trees = dict(_sources())

    def uses(rel: str, test) -> bool:
        return rel in trees and any(test(n) for n in ast.walk(trees[rel]))

    stale = [
        rel
        for rel in CONN_ALLOWED
        if not uses(rel, lambda n: isinstance(n, ast.Attribute) and n.attr == "conn")
    ]
    stale += [
        rel
        for rel in SQL_ALLOWED
        if not uses(
            rel,
            lambda n: (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and n.func.attr in SQL_CALLS
            ),
        )
    ]
    assert stale == []


def test_the_tui_reaches_the_database_only_through_the_service():
    found = [
        _where(rel, node)
        for rel, tree in _sources("tui")
        if rel not in TUI_STORE_ALLOWED
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in ("store", "conn")
    ]
    assert found == [], "the TUI touches the store directly: " + ", ".join(found)
