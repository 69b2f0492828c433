"""Where things live: the database, the user's org file, user settings (platformdirs)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

from console.model.errors import InputError
from console.model.org import Org, load_org

APP = "incident-console"


def config_dir() -> Path:
    return Path(os.environ.get("INCIDENT_CONSOLE_CONFIG_DIR") or user_config_dir(APP))


def data_dir() -> Path:
    return Path(os.environ.get("INCIDENT_CONSOLE_DATA_DIR") or user_data_dir(APP))


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
    sources = []
    if path is not None:
        try:
            sources.append((path.read_text("utf-8"), str(path)))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read org file ({exc})") from None
    return load_org(sources)


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
