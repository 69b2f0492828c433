"""The fixed vocabulary of an incident (severities, statuses, roles), apart from the
org model: the command line and the fold use these without loading console.model.org."""

from __future__ import annotations

SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
STATUSES = ("investigating", "identified", "mitigating", "monitoring", "resolved")
INCIDENT_ROLES = ("commander", "communications", "operations", "scribe")


def severity_rank(severity: str) -> int:
    """1 is the most severe."""
    return int(severity[3:])
