"""The compiled org: kept in the cache dir per content, so a command does not parse
TOML each time; a changed file is read at once; a broken one is never cached."""

from __future__ import annotations

import os

import pytest

from console import config
from console.model.errors import OrgError


def test_the_compiled_org_is_reused_until_the_file_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENT_CONSOLE_CACHE_DIR", str(tmp_path / "cache"))
    org_file = tmp_path / "org.toml"
    org_file.write_text('[meta]\nname = "Acme"\n', "utf-8")
    first = config.load(str(org_file))
    assert first.meta["name"] == "Acme"
    assert len(list((tmp_path / "cache").glob("org-*.pickle"))) == 1
    again = config.load(str(org_file))
    assert again == first and again is not first  # unpickled: a copy of its own

    # Same size, same second: only the bytes differ, and they are what the key is made of.
    stat = org_file.stat()
    org_file.write_text('[meta]\nname = "Acmf"\n', "utf-8")
    os.utime(org_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert config.load(str(org_file)).meta["name"] == "Acmf"


def test_a_broken_org_file_is_reported_every_time(tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENT_CONSOLE_CACHE_DIR", str(tmp_path / "cache"))
    org_file = tmp_path / "org.toml"
    org_file.write_text("[meta\n", "utf-8")
    for _ in range(2):
        with pytest.raises(OrgError):
            config.load(str(org_file))
    assert list((tmp_path / "cache").glob("org-*.pickle")) == []


def test_an_unreadable_cache_entry_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENT_CONSOLE_CACHE_DIR", str(tmp_path / "cache"))
    org = config.load(None)
    (entry,) = (tmp_path / "cache").glob("org-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert config.load(None) == org


def test_an_entry_is_used_only_for_the_bytes_it_was_built_from(tmp_path, monkeypatch):
    """The file name of an entry is a short checksum; what decides is the entry's own
    record of the org file and the model it was built from, compared byte for byte."""
    monkeypatch.setenv("INCIDENT_CONSOLE_CACHE_DIR", str(tmp_path / "cache"))
    org_file = tmp_path / "org.toml"
    org_file.write_text('[meta]\nname = "Acme"\n', "utf-8")
    config.load(str(org_file))
    (entry,) = (tmp_path / "cache").glob("org-*.pickle")
    acme = entry.read_bytes()
    org_file.write_text('[meta]\nname = "Initech"\n', "utf-8")
    assert config.load(str(org_file)).meta["name"] == "Initech"
    # Even under the name the new bytes would be kept under, Acme's entry is not Initech.
    (initech,) = set((tmp_path / "cache").glob("org-*.pickle")) - {entry}
    initech.write_bytes(acme)
    assert config.load(str(org_file)).meta["name"] == "Initech"


def test_an_entry_built_by_other_model_code_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("INCIDENT_CONSOLE_CACHE_DIR", str(tmp_path / "cache"))
    org_file = tmp_path / "org.toml"
    org_file.write_text('[meta]\nname = "Acme"\n', "utf-8")
    config.load(str(org_file))
    monkeypatch.setattr(config, "model_fingerprint", lambda: "another model")
    assert config.load(str(org_file)).meta["name"] == "Acme"
    assert len(list((tmp_path / "cache").glob("org-*.pickle"))) == 2  # built again, kept apart
