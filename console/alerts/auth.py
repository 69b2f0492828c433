"""Who may post alerts: a bearer token or basic-auth password from the token file (as
Alertmanager's and Grafana's http_config send them), and PagerDuty's signature over
the raw body. Every comparison is constant-time and made against every candidate."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

MAX_SIGNATURES = 10  # PagerDuty sends one per active secret during a rotation


def credentials_ok(header: str, tokens: list[bytes]) -> bool:
    """`Authorization: Bearer TOKEN` or `Basic base64(user:TOKEN)` (any user name)."""
    scheme, _, given = (header or "").partition(" ")
    given = given.strip()
    raw = b""
    if scheme.lower() == "bearer":
        raw = given.encode("utf-8", "replace")
    elif scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(given.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            return False
        raw = decoded.partition(b":")[2]
    if not raw:
        return False
    ok = False
    for token in tokens:
        ok |= hmac.compare_digest(raw, token)
    return ok


def signature_ok(raw_body: bytes, header: str | None, secrets: list[str]) -> bool:
    """X-PagerDuty-Signature: `v1=<hex hmac-sha256>` values, comma-separated; one match
    with one of our signing secrets is enough."""
    if not header or not secrets:
        return False
    given = [
        part.strip()[3:].encode("ascii", "replace")
        for part in header.split(",")[:MAX_SIGNATURES]
        if part.strip().startswith("v1=")
    ]
    ok = False
    for secret in secrets:
        expected = hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).hexdigest()
        for sig in given:
            ok |= hmac.compare_digest(expected.encode("ascii"), sig)
    return ok
