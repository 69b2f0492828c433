"""`model check` for what the pure model cannot see: do the secrets the channels
name exist (keyring or environment), and do secret URLs parse? Never prints a value."""

from __future__ import annotations

from console.model.channels import channel_where, check_url, parse_channels
from console.model.check import Finding, check
from console.model.org import Org
from console.notify import secrets


@check
def channel_secrets_exist(org: Org) -> list[Finding]:
    channels, _ = parse_channels(org)
    out: list[Finding] = []
    unavailable: list[tuple[str, str]] = []
    for ch in channels.values():
        for key in ("url_secret", "routing_key_secret", "token_secret"):
            name = getattr(ch, key)
            if not name:
                continue
            where = channel_where(org, ch.id, key)
            try:
                value = secrets.get(name)
            except secrets.SecretError as exc:
                unavailable.append((where, name))
                reason = str(exc)
                continue
            if value is None:
                out.append(Finding("error", where, f"channel {ch.id!r}: unknown secret {name!r} (not in the keyring "
                                   f"service {secrets.SERVICE!r} nor {secrets.env_name(name)}); store it with "
                                   f"`incident-console secret set {name}`"))
            elif key == "url_secret" and check_url(value):
                out.append(Finding("error", where, f"channel {ch.id!r}: secret {name!r} does not hold a usable "
                                   "http(s) URL (malformed URL; value not shown)"))
    if unavailable:
        names = ", ".join(sorted({n for _, n in unavailable}))
        out.append(Finding("error", unavailable[0][0], f"cannot check secrets {names}: {reason}"))
    return out
