"""Helpers for the on-call tests."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

from console.model.org import load_org

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # a Sunday: 18:00 in Tokyo


def org_with(toml: str):
    """The demo org with the test's schedules (and people) on top."""
    return load_org([(textwrap.dedent(toml), "test-org.toml")])


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]
