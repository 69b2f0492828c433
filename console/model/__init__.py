"""The responsibility model and incidents as pure values (no I/O libraries).

Nothing is imported here: a command that folds one incident should not pay for the
paging, channel and check modules. What registers itself on import (org sections,
model checks) is imported where it is used: `load_org` and `run_checks`.
"""
