"""The OS keyring, or a clear refusal: shared by sync credentials and channel secrets.

Never a plaintext fallback: keyrings.alt backends and the fail/null backends are refused.
"""

from __future__ import annotations


def usable_keyring(error: type[Exception], what_to_do: str):
    """The keyring module when a real backend is there; else raise `error` saying why."""
    try:
        import keyring
        from keyring.backends import fail, null
    except ImportError:  # pragma: no cover - keyring is a dependency
        raise error(f"the keyring package is missing; {what_to_do}") from None
    backend = keyring.get_keyring()
    chosen = backend
    inner = getattr(backend, "backends", None)
    if inner:  # a chainer writes to its highest-priority backend
        chosen = inner[0]
    if type(chosen).__module__.startswith("keyrings.alt"):
        raise error(
            f"refusing the plaintext keyring backend {type(chosen).__name__} "
            f"(keyrings.alt); {what_to_do}"
        )
    if isinstance(chosen, fail.Keyring | null.Keyring) or (inner is not None and not inner):
        raise error(f"no keyring backend is available; {what_to_do}")
    return keyring


def keyring_errors() -> tuple[type[Exception], ...]:
    """What a backend raises when it is there but cannot serve (a locked Secret Service
    raises RuntimeError, not KeyringError)."""
    from keyring.errors import KeyringError

    return (KeyringError, RuntimeError)
