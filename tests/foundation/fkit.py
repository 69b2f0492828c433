"""Constants shared by the foundation tests (imported as a plain module: no package)."""

from datetime import UTC, datetime

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
T0_ISO = "2026-03-01T09:00:00Z"
