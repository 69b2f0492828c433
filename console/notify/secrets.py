"""Channel secrets (PagerDuty routing keys, webhook URLs carrying tokens) live in the
OS keyring under service "incident-console-secrets", referenced by name from the org
file. INCIDENT_CONSOLE_SECRET_<NAME> overrides for automation (CI, containers).
"""

from __future__ import annotations

import os
import re

from console.keychain import keyring_errors, usable_keyring
from console.model.channels import SECRET_NAME
from console.model.errors import ConsoleError, InputError

SERVICE = "incident-console-secrets"
ENV_PREFIX = "INCIDENT_CONSOLE_SECRET_"

WHAT_TO_DO = (
    "install and unlock an OS keyring (Secret Service such as gnome-keyring or KWallet on "
    "Linux, Keychain on macOS, Credential Locker on Windows), or set "
    f"{ENV_PREFIX}<NAME> in the environment of the runner; secrets are never written to a plain file"
)


class SecretError(ConsoleError):
    """No safe place to read or keep a secret."""


def env_name(name: str) -> str:
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not SECRET_NAME.match(name):
        raise InputError(f"secret name {name!r}: use letters, digits, _ . - (at most 64)")
    return name


def _keyring():
    return usable_keyring(SecretError, WHAT_TO_DO)


def _errors():
    return keyring_errors()


def get(name: str) -> str | None:
    """The secret's value (environment first, then the keyring), or None if unknown."""
    env = os.environ.get(env_name(name), "").strip()
    if env:
        return env
    keyring = _keyring()
    try:
        value = keyring.get_password(SERVICE, name)
    except _errors() as exc:
        raise SecretError(
            f"cannot read secret {name!r} from the keyring ({type(exc).__name__}); {WHAT_TO_DO}"
        ) from None
    return value or None


def require(name: str) -> str:
    value = get(name)
    if not value:
        raise SecretError(
            f"secret {name!r} is not set; run `incident-console secret set {name}` "
            f"(reads stdin) or set {env_name(name)}"
        )
    return value


def put(name: str, value: str) -> None:
    name = check_name(name)
    value = (value or "").strip()
    if not value:
        raise InputError(f"secret {name!r}: empty value (pipe it on stdin)")
    keyring = _keyring()
    try:
        keyring.set_password(SERVICE, name, value)
    except _errors() as exc:
        raise SecretError(
            f"cannot store secret {name!r} in the keyring ({type(exc).__name__}); {WHAT_TO_DO}"
        ) from None


def delete(name: str) -> bool:
    keyring = _keyring()
    try:
        keyring.delete_password(SERVICE, check_name(name))
        return True
    except _errors():
        return False


def source(name: str) -> str:
    """Where the secret would come from: env | keyring | missing | unavailable (never the value)."""
    if os.environ.get(env_name(name), "").strip():
        return "env"
    try:
        return "keyring" if get(name) else "missing"
    except SecretError:
        return "unavailable"
