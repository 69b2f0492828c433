"""Keep secret values out of the texts that become events, outbox rows and log lines.

An error text from a channel can carry what was sent: a receiver echoing the request,
an HTTP library quoting a header or a URL. Events are synced to the server and shown
on every console, so before a text is stored each known secret value is replaced by
its name, and every URL is cut down to scheme and host (a token may sit in a path,
a query or a user name of a URL we never read from the keyring).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>`]+")


_TOKEN_LIKE = 12  # a URL's path segment or query value this long may be its token


def _parts(value: str) -> set[str]:
    """The pieces of a secret URL a receiver may quote on their own (a request line
    carries only the path): path and query, user info, long segments and values."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return set()
    if not parts.scheme or not parts.netloc:
        return set()
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    pieces = {tail, parts.path, parts.query, parts.fragment, parts.netloc.rpartition("@")[0]}
    for word in re.split(r"[/?&=#;,]", tail):
        if len(word) >= _TOKEN_LIKE:
            pieces.add(word)
    return {p for p in pieces if len(p) > 1}


def _forms(value: str) -> set[str]:
    """The ways a value shows up in error texts: as is, in a repr, bytes repr or JSON
    string, percent-encoded; for a URL also its pieces."""
    forms = set()
    for piece in (value, value.strip(), *_parts(value)):
        forms |= {
            piece,
            repr(piece)[1:-1],
            repr(piece.encode("utf-8", "surrogatepass"))[2:-1],
            json.dumps(piece)[1:-1],
            quote(piece, safe=""),
            quote(piece, safe="/:"),
        }
    return {f for f in forms if f}


def _site(match: re.Match) -> str:
    try:
        parts = urlsplit(match.group(0))
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<url>"
    if not host or not host.isprintable():
        return "<url>"
    rest = "/…" if len(match.group(0)) > len(f"{parts.scheme}://{host}{port}") else ""
    return f"{parts.scheme}://{host}{port}{rest}"


def scrub(text: str, secrets: Mapping[str, str] | None = None) -> str:
    """`text` with each secret's value replaced by `<secret NAME>` and URLs cut to their host."""
    text = text or ""
    named = [(name, value) for name, value in (secrets or {}).items() if value]
    for name, value in sorted(named, key=lambda nv: -len(nv[1])):
        for form in sorted(_forms(value), key=len, reverse=True):
            text = text.replace(form, f"<secret {name}>")
    return _URL.sub(_site, text)
