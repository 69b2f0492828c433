"""Global options after the verb, a database only where a folder exists, and `show`
of a resolved incident without countdowns."""

from __future__ import annotations

import pytest

from console import cli


def _main(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_global_options_are_read_after_the_verb_too(tmp_path, capsys):
    db = tmp_path / "x.db"
    code, out, err = _main(
        capsys,
        "declare",
        "--db",
        str(db),
        "--as",
        "ana",
        "--title",
        "DB down",
        "--severity",
        "SEV2",
    )
    assert (code, out.strip(), err) == (0, "INC-1", "")
    code, out, _ = _main(capsys, "list", "--json", "--db", str(db))
    assert code == 0 and '"commander": "ana"' in out
    # before the verb, as always; and serve's own --db stays the server's
    code, out, _ = _main(capsys, "--db", str(db), "show", "INC-1", "--utc")
    assert code == 0 and "Timeline (UTC):" in out
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    assert "the server's event log" in capsys.readouterr().out


def test_a_usage_error_says_the_prefix_once(capsys):
    code, _, err = _main(capsys, "declare", "--bogus")
    assert code == 2
    assert err.count("incident-console") == 2  # the prefix, and the verb's --help
    assert err.startswith("incident-console: error: ") and "declare --help" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_database_in_a_missing_folder_is_refused(tmp_path, capsys, where):
    db = tmp_path / "typo" / "x.db"
    args = ["--db", str(db)]
    argv = [*args, "list"] if where == "before" else ["list", *args]
    code, out, err = _main(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("incident-console: error: --db") and "does not exist" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "typo").exists()  # nothing created


def test_the_default_data_folder_is_still_created(tmp_path, capsys, monkeypatch):
    data = tmp_path / "fresh-data"
    monkeypatch.setenv("INCIDENT_CONSOLE_DATA_DIR", str(data))
    monkeypatch.delenv("INCIDENT_CONSOLE_DB")
    code, _, err = _main(capsys, "list")
    assert code == 0, err
    assert (data / "local.db").is_file()


def test_show_of_a_resolved_incident_has_no_countdowns(tmp_path, capsys):
    db = str(tmp_path / "x.db")
    now = ["--now", "2026-03-01T09:00:00Z"]
    _main(capsys, "--db", db, *now, "declare", "--title", "DB down", "--severity", "SEV1")
    _main(capsys, "--db", db, "--now", "2026-03-01T09:01:00Z", "tick", "INC-1", "SEV1+0")
    _main(capsys, "--db", db, "--now", "2026-03-01T09:05:00Z", "resolve", "INC-1", "fixed")
    code, out, _ = _main(
        capsys, "--db", db, "--utc", "--now", "2026-03-01T09:06:00Z", "show", "INC-1"
    )
    assert code == 0
    steps = out.split("Escalation:")[1].split("Timeline")[0]
    assert "SEV1+0" in steps and "09:01:00" in steps  # when it was done
    assert " in " not in steps and "overdue" not in steps and " now " not in steps


def test_free_text_after_an_option_still_belongs_to_the_verb(tmp_path, capsys):
    db = str(tmp_path / "x.db")
    _main(capsys, "--db", db, "declare", "--title", "DB down", "--severity", "SEV2")
    code, _, err = _main(
        capsys, "--db", db, "resolve", "INC-1", "--by-team", "sre-core", "fixed", "the", "pool"
    )
    assert code == 0 and "unrecognized" not in err
    code, out, _ = _main(capsys, "--db", db, "show", "INC-1")
    assert code == 0 and "resolved: fixed the pool" in out
    # an unknown option among the words is still refused, and nothing more is recorded
    code, _, err = _main(capsys, "--db", db, "note", "INC-1", "--bogus", "more")
    assert code == 2 and "--bogus" in err and len(err.strip().splitlines()) == 1
