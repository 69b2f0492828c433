"""Where the bearer token lives: the OS keyring (service "incident-console", one
entry per remote URL), or INCIDENT_CONSOLE_TOKEN for automation.

Never a plain file: with no usable keyring the user is told what to do, and a
plaintext backend (keyrings.alt) is refused even when it is installed.
"""

from __future__ import annotations

import os

from console.keychain import keyring_errors, usable_keyring
from console.model.errors import ConsoleError

SERVICE = "incident-console"
ENV = "INCIDENT_CONSOLE_TOKEN"

WHAT_TO_DO = (
    f"set {ENV} in the environment for this session, or install and unlock an OS keyring "
    "(Secret Service such as gnome-keyring or KWallet on Linux, Keychain on macOS, "
    "Credential Locker on Windows); the token is never written to a plain file"
)


class CredentialError(ConsoleError):
    """No safe place to read or keep the token."""


def _keyring():
    return usable_keyring(CredentialError, WHAT_TO_DO)


def _errors():
    return keyring_errors()


def token_for(remote: str) -> str | None:
    """The token for a remote: the environment first, then the keyring."""
    env = os.environ.get(ENV, "").strip()
    if env:
        return env
    keyring = _keyring()
    try:
        return keyring.get_password(SERVICE, remote)
    except _errors() as exc:
        raise CredentialError(
            f"cannot read the token from the keyring ({type(exc).__name__}); {WHAT_TO_DO}"
        ) from None


def require_token(remote: str) -> str:
    token = token_for(remote)
    if not token:
        raise CredentialError(f"no token for {remote}; run `incident-console login` or set {ENV}")
    return token


def store_token(remote: str, token: str) -> None:
    keyring = _keyring()
    try:
        keyring.set_password(SERVICE, remote, token)
    except _errors() as exc:
        raise CredentialError(
            f"cannot store the token in the keyring ({type(exc).__name__}); {WHAT_TO_DO}"
        ) from None


def forget_token(remote: str) -> bool:
    keyring = _keyring()
    try:
        keyring.delete_password(SERVICE, remote)
        return True
    except _errors():
        return False


def token_source(remote: str) -> str:
    """Where the token would come from: env | keyring | missing | unavailable (never the token)."""
    if os.environ.get(ENV, "").strip():
        return "env"
    try:
        return "keyring" if token_for(remote) else "missing"
    except CredentialError:
        return "unavailable"
