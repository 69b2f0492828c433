"""Child processes of the benchmarks run as an installed console does: with its
bytecode cached. An environment with PYTHONDONTWRITEBYTECODE set (some CI and sandbox
shells) would make every child compile every console module it imports, and a
benchmark would time the compiler; the cache goes to a private prefix instead of the
source tree.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PREFIX = Path(tempfile.gettempdir()) / f"incident-bench-pycache-{os.getuid()}"


def installed_env(env: dict[str, str]) -> dict[str, str]:
    """`env` with bytecode written and read under PREFIX (a warm-up run fills it)."""
    out = dict(env)
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    out.setdefault("PYTHONPYCACHEPREFIX", str(PREFIX))
    return out
