"""`model check` for what the pure model cannot see: do the secrets the channels
name exist (keyring or environment), and do secret URLs parse? Never prints a value."""

from __future__ import annotations

from console.model.channels import check_url, secret_references
from console.model.check import Finding, check
from console.model.org import Org
from console.notify import secrets


@check
def channel_secrets_exist(org: Org) -> list[Finding]:
    out: list[Finding] = []
    unavailable: list[tuple[str, str]] = []
    reason = ""
    for channel, key, name, where in secret_references(org):
        try:
            value = secrets.get(name)
        except secrets.SecretError as exc:
            unavailable.append((where, name))
            reason = str(exc)
            continue
        if value is None:
            out.append(
                Finding(
                    "error",
                    where,
                    f"channel {channel!r}: unknown secret {name!r} (not in the keyring "
                    f"service {secrets.SERVICE!r} nor {secrets.env_name(name)}); store it with "
                    f"`incident-console secret set {name}`",
                )
            )
        elif key == "url_secret" and check_url(value):
            out.append(
                Finding(
                    "error",
                    where,
                    f"channel {channel!r}: secret {name!r} does not hold a usable "
                    "http(s) URL (malformed URL; value not shown)",
                )
            )
    if unavailable:
        names = ", ".join(sorted({n for _, n in unavailable}))
        out.append(Finding("error", unavailable[0][0], f"cannot check secrets {names}: {reason}"))
    return out
