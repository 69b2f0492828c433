"""What the model's code is, cheaply: the console's version and the size and mtime of
every source file under console/model (as bytecode caches judge staleness).

Anything kept on disk that holds model objects (the compiled org, fold snapshots) is
keyed by it, so a snapshot written by other code is not read back as today's."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

from console import __version__

MODEL_DIR = Path(__file__).resolve().parent / "model"


@cache
def model_fingerprint() -> str:
    import hashlib

    h = hashlib.sha256(f"{__version__}\0{sys.version}".encode())
    for root, dirs, files in os.walk(MODEL_DIR):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".toml")):
                st = os.stat(os.path.join(root, name))
                h.update(f"\0{root}/{name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:32]
