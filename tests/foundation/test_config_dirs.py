"""The user folders: on Linux the console works out the XDG folders itself (importing
platformdirs costs a verb more than finding its org file does); they must be exactly
what platformdirs says, and every case it does not work out goes to platformdirs."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from console import config

KINDS = {
    "config": ("INCIDENT_CONSOLE_CONFIG_DIR", "XDG_CONFIG_HOME", platformdirs.user_config_dir),
    "data": ("INCIDENT_CONSOLE_DATA_DIR", "XDG_DATA_HOME", platformdirs.user_data_dir),
    "cache": ("INCIDENT_CONSOLE_CACHE_DIR", "XDG_CACHE_HOME", platformdirs.user_cache_dir),
}
FOLDER = {"config": config.config_dir, "data": config.data_dir, "cache": config.cache_dir}

HOMES = ["/home/ana", "/home/ana/", "/", "//srv/home", "relative/home", "", None]
XDG_VALUES = ["/xdg/base", "/xdg/base/", "relative/xdg", "   ", "", None]


def _set(monkeypatch, name: str, value: str | None) -> None:
    if value is None:
        monkeypatch.delenv(name, raising=False)
    else:
        monkeypatch.setenv(name, value)


@pytest.mark.skipif(sys.platform != "linux", reason="the folders are worked out on Linux only")
@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("home", HOMES)
@pytest.mark.parametrize("xdg", XDG_VALUES)
def test_the_folder_is_platformdirs_answer(monkeypatch, kind, home, xdg):
    ours, variable, theirs = KINDS[kind]
    monkeypatch.delenv(ours)
    monkeypatch.delenv("ANDROID_DATA", raising=False)
    _set(monkeypatch, "HOME", home)
    _set(monkeypatch, variable, xdg)
    try:
        expected = Path(theirs("incident-console"))
    except RuntimeError:  # no home platformdirs can use: neither can we
        with pytest.raises(RuntimeError):
            FOLDER[kind]()
        return
    assert FOLDER[kind]() == expected


def test_the_console_variable_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("INCIDENT_CONSOLE_CONFIG_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CONFIG_HOME", "/xdg/base")
    assert config.config_dir() == tmp_path / "mine"


@pytest.mark.skipif(sys.platform != "linux", reason="the folders are worked out on Linux only")
def test_only_the_plain_cases_skip_platformdirs(monkeypatch):
    """An absolute variable, or none and an absolute HOME: worked out here. A relative
    variable (platformdirs versions disagree about it) goes to platformdirs."""
    asked = []
    monkeypatch.setattr(platformdirs, "user_config_dir", lambda app: asked.append(app) or "/x")
    monkeypatch.delenv("INCIDENT_CONSOLE_CONFIG_DIR")
    monkeypatch.setenv("HOME", "/home/ana")
    monkeypatch.setenv("XDG_CONFIG_HOME", "/xdg")
    assert config.config_dir() == Path("/xdg/incident-console")
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert config.config_dir() == Path("/home/ana/.config/incident-console")
    assert asked == []
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative")
    assert config.config_dir() == Path("/x")
    assert asked == ["incident-console"]
