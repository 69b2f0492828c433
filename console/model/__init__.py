"""The responsibility model and incidents as pure values (no I/O libraries)."""
