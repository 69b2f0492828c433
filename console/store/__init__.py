"""The local SQLite store: the event log (the truth), projections, settings."""

from console.store.db import Store, open_store

__all__ = ["Store", "open_store"]
