"""What a verb's own process loads before it opens the store.

msgspec imports typing_extensions, when it is installed (Textual depends on it), only for
backports that Python 3.11's typing already has; loading it is about a third of what a
folding verb adds to a bare interpreter. A verb therefore imports msgspec with
typing_extensions hidden, and msgspec falls back to typing (its own, documented
fallback). A process that already loaded either module is left as it is.
"""

from __future__ import annotations

import sys


def import_msgspec() -> None:
    if "msgspec" in sys.modules or "typing_extensions" in sys.modules:
        return
    sys.modules["typing_extensions"] = None  # type: ignore[assignment]  # import -> ImportError
    try:
        import msgspec  # noqa: F401
    finally:
        del sys.modules["typing_extensions"]
