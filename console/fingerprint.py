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
    parts = [__version__, sys.version]
    for root, dirs, files in os.walk(MODEL_DIR):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".toml")):
                st = os.stat(os.path.join(root, name))
                parts.append(f"{root}/{name}:{st.st_size}:{st.st_mtime_ns}")
    return digest("\0".join(parts).encode())


def digest(data: bytes) -> str:
    """16 hex digits that change when `data` does. Two zlib checksums, not hashlib:
    they tell apart states of our own files, nothing adversarial, and hashlib loads
    OpenSSL, a few milliseconds of every command."""
    import zlib

    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"
