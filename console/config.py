"""Where things live: the database, the user's org file, user settings (the XDG folders
platformdirs names).

The org is compiled once per content: `load` keeps the built Org in the user cache
dir with what it was built from, the org file's name and bytes and console.fingerprint
(the version and the model's source files), so a command does not parse TOML and
re-check the model every time. An entry is used only when all three are the same as
now, byte for byte: a changed file is read at once."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from console.fingerprint import digest, model_fingerprint
from console.model.errors import InputError

if TYPE_CHECKING:
    from console.model.org import Org

APP = "incident-console"
_KEEP = 8  # compiled orgs kept in the cache dir (one per org file content)


def config_dir() -> Path:
    env = os.environ.get("INCIDENT_CONSOLE_CONFIG_DIR")
    if env:
        return Path(env)
    return _user_dir("config")


def data_dir() -> Path:
    env = os.environ.get("INCIDENT_CONSOLE_DATA_DIR")
    if env:
        return Path(env)
    return _user_dir("data")


def cache_dir() -> Path:
    env = os.environ.get("INCIDENT_CONSOLE_CACHE_DIR")
    if env:
        return Path(env)
    return _user_dir("cache")


# On Linux, platformdirs' user dirs are the XDG base directories: the variable when it
# holds an absolute path, else (when it is unset or empty) the default under an absolute
# HOME. Importing platformdirs costs a verb more than the rest of finding its org file
# (its unix module imports tempfile, shutil and random), so those two cases are worked
# out here and a test holds them equal to platformdirs' answer; anything else (other
# systems, Android, a relative variable or HOME, which platformdirs versions treat
# differently) asks platformdirs.
_XDG = {
    "config": ("XDG_CONFIG_HOME", ".config"),
    "data": ("XDG_DATA_HOME", ".local/share"),
    "cache": ("XDG_CACHE_HOME", ".cache"),
}


def _user_dir(kind: str) -> Path:
    variable, default = _XDG[kind]
    if sys.platform == "linux" and not _maybe_android():
        base = os.environ.get(variable, "")
        if os.path.isabs(base):
            return Path(base, APP)
        home = os.environ.get("HOME", "")
        if not base and os.path.isabs(home):
            return Path(home, default, APP)
    import platformdirs

    return Path(getattr(platformdirs, f"user_{kind}_dir")(APP))


def _maybe_android() -> bool:
    """Where platformdirs would look for an Android app's folders (sys.platform is
    "linux" there on Python 3.12 and older)."""
    return hasattr(sys, "getandroidapilevel") or (
        os.environ.get("ANDROID_DATA") == "/data" and os.environ.get("ANDROID_ROOT") == "/system"
    )


def db_path(explicit: str | None = None) -> Path:
    return Path(explicit or os.environ.get("INCIDENT_CONSOLE_DB") or data_dir() / "local.db")


def org_path(explicit: str | None = None) -> Path | None:
    """--org wins; else org.toml in the user config dir if present; else defaults only."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise InputError(f"{path}: no such org file")
        return path
    candidate = config_dir() / "org.toml"
    return candidate if candidate.is_file() else None


def load(explicit_org: str | None = None) -> Org:
    path = org_path(explicit_org)
    raw = b""
    if path is not None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read org file ({exc})") from None
    source = (model_fingerprint(), str(path) if path else "", raw)
    key = digest(b"\0".join(part.encode() if isinstance(part, str) else part for part in source))
    cached = _cached_org(key, source)
    if cached is not None:
        return cached
    sources = []
    if path is not None:
        try:
            sources.append((raw.decode("utf-8"), str(path)))
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: cannot read org file ({exc})") from None
    from console.model.org import load_org

    org = load_org(sources)  # an OrgError is not cached: it is reported every time
    _store_org(key, source, org)
    return org


def _cached_org(key: str, source: tuple[str, str, bytes]) -> Org | None:
    """The entry's org if it was built from `source`: the model's code (an edited
    default or parser), the org file's name and its bytes."""
    import pickle

    try:
        data = (cache_dir() / f"org-{key}.pickle").read_bytes()
        built_from, org = pickle.loads(data)  # our own cache dir, written by `_store_org`
    except Exception:  # noqa: BLE001 - missing, unreadable or stale: build it again
        return None
    return org if built_from == source else None


def _store_org(key: str, source: tuple[str, str, bytes], org: Org) -> None:
    """Best effort: a read-only or full cache dir only costs the next command a parse."""
    import pickle

    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"org-{key}.pickle"
        tmp = folder / f".org-{key}.{os.getpid()}.tmp"
        tmp.write_bytes(pickle.dumps((source, org), protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(target)
        old = sorted(folder.glob("org-*.pickle"), key=lambda p: p.stat().st_mtime)[:-_KEEP]
        for stale in old:
            stale.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - see above
        pass


def user_settings_path() -> Path:
    return config_dir() / "settings.json"


def user_settings() -> dict:
    path = user_settings_path()
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def save_user_setting(key: str, value) -> None:
    data = user_settings()
    data[key] = value
    path = user_settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), "utf-8")
    tmp.replace(path)
