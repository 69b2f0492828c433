"""What a CLI verb loads: the import graph of `list`, `show`, `note` and `tick` in a
fresh interpreter and the verbs the core parser owns. No timings here:
bench/cli_bench.py measures them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from console.cli import core

HEAVY = ("textual", "httpx", "starlette", "uvicorn", "textual_serve", "psycopg", "keyring")
# Sending pages: the channels, their secrets and the runner (a verb records, never sends).
PAGING = ("console.notify", "console.model.channels", "console.model.paging")
# Compiling an org: with the org compiled in the cache dir a verb needs none of it.
ORG_PARSING = ("tomllib", "console.model.schedule_file", "console.model.toml_lines")
# What only a lookup costs: OpenSSL for a hash, platformdirs for a user folder (on Linux
# the XDG folders are worked out without it), shutil for argparse's terminal width (the
# parser asks for it only to print help).
LOOKUPS = ("hashlib", "_hashlib", "platformdirs", "importlib.resources", "shutil")


def _modules_after(argv: list[str], env: dict[str, str]) -> tuple[dict, set[str]]:
    """Run the verb in a fresh interpreter; its JSON output and the modules it loaded."""
    code = (
        "import contextlib, io, json, sys\n"
        "from console.cli import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    code = main({argv!r})\n"
        "print(json.dumps({'code': code, 'out': out.getvalue(), 'modules': sorted(sys.modules)}))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["code"] == 0, data["out"]
    return data, set(data["modules"])


def _loaded(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in prefixes or m.startswith(prefixes))


def test_verbs_load_only_what_they_use(run, db_path):
    inc = run("declare", "--title", "Checkout down", "--severity", "SEV2", "--json").json["id"]
    env = dict(os.environ)
    db = str(db_path)

    data, mods = _modules_after(["--db", db, "list", "--json"], env)
    assert [row["id"] for row in json.loads(data["out"])] == [inc]
    assert _loaded(mods, HEAVY) == []
    # the schema is current: no migration machinery; the board needs no org and no fold
    not_for_list = ("sqlite_utils", "msgspec", "console.model.org", "console.model.fold")
    assert _loaded(mods, not_for_list) == []
    assert _loaded(mods, ("console.notify", "console.sync", "console.tui")) == []

    _, mods = _modules_after(["--db", db, "show", inc, "--json"], env)
    assert _loaded(mods, (*HEAVY, "sqlite_utils", *PAGING, "console.sync")) == []
    _, mods = _modules_after(["--db", db, "show", inc], env)  # the org is compiled now
    assert _loaded(mods, (*HEAVY, "sqlite_utils", *PAGING, *ORG_PARSING, *LOOKUPS)) == []

    _, mods = _modules_after(["--db", db, "note", inc, "DB", "failover", "started"], env)
    # a short incident keeps no fold snapshot: nothing to unpickle
    not_for_note = ("console.model.org", "zoneinfo", "pickle", "console.sync", "console.tui")
    assert _loaded(mods, (*HEAVY, "sqlite_utils", *PAGING, *LOOKUPS, *not_for_note)) == []

    _, mods = _modules_after(["--db", db, "tick", inc, "1", "--ack"], env)
    assert _loaded(mods, (*HEAVY, "sqlite_utils", *PAGING, *ORG_PARSING, *LOOKUPS)) == []
    assert _loaded(mods, ("console.sync", "console.tui")) == []

    _, mods = _modules_after(["--db", db, "list"], env)
    assert _loaded(mods, LOOKUPS) == []


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG folders are worked out on Linux")
def test_show_finds_the_user_folders_without_platformdirs(run, db_path, tmp_path):
    """No folder named by the console's own variables: the org file and its compiled
    copy are found in the XDG folders, as a person's console finds them."""
    inc = run("declare", "--title", "Checkout down", "--severity", "SEV2", "--json").json["id"]
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("INCIDENT_CONSOLE_CONFIG_DIR", "INCIDENT_CONSOLE_CACHE_DIR")
    }
    env.update(HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "xdg-cache"))
    env.pop("XDG_CONFIG_HOME", None)
    org = tmp_path / "home" / ".config" / "incident-console" / "org.toml"
    org.parent.mkdir(parents=True)
    org.write_text('[meta]\nname = "Acme from the XDG folder"\n', "utf-8")
    argv = ["--db", str(db_path), "show", inc]
    _modules_after(argv, env)  # compiles the org into the XDG cache folder
    assert list((tmp_path / "xdg-cache" / "incident-console").glob("org-*.pickle"))
    _, mods = _modules_after(argv, env)
    assert _loaded(mods, (*ORG_PARSING, *LOOKUPS)) == []
    data, _ = _modules_after(["--db", str(db_path), "model", "--json"], env)
    assert json.loads(data["out"])["meta"]["name"] == "Acme from the XDG folder"


def test_core_verbs_are_the_core_parsers_verbs():
    parser = core.build_parser([])
    (sub,) = [a for a in parser._actions if a.dest == "verb"]  # noqa: SLF001
    assert set(sub.choices) == core.CORE_VERBS


def test_a_core_verb_finds_its_verb_past_global_options():
    assert core._verb_of(["--db", "x.db", "--as", "ana", "--utc", "list"]) == "list"
    assert core._verb_of(["--now", "2026-01-01T00:00:00Z", "show", "1"]) == "show"
    assert core._verb_of(["--version"]) is None
    assert core._verb_of(["sync", "status"]) == "sync"


def test_a_verbs_errors_and_help_read_as_argparse_writes_them(monkeypatch):
    """The parser skips the terminal's width while it is built, not when it prints."""
    with pytest.raises(core.UsageError, match=r"\(see incident-console show --help\)"):
        core.build_parser(["console.cli.tui"], only="show").parse_args(["show"])
    monkeypatch.setenv("COLUMNS", "40")
    parser = core.build_parser(["console.cli.tui"], only="show")
    (sub,) = [a for a in parser._actions if a.dest == "verb"]  # noqa: SLF001
    text = sub.choices["show"].format_help()
    assert text.startswith("usage: incident-console show [-h]\n")  # wrapped at 40
    assert max(len(line) for line in text.splitlines()) <= 40


@pytest.mark.parametrize(("verb", "collects"), [("list", False), ("rebuild", True), (None, False)])
def test_only_a_brief_verbs_process_runs_without_the_cyclic_gc(
    monkeypatch, db_path, verb, collects
):
    """Run as the process's entry point (no argv), a brief verb leaves the collector off;
    a long one (rebuild, servers) has it on, and the UI (no verb) is left to turn it on
    after its first frame. In-process callers keep theirs."""
    import gc

    from console.cli import tui

    seen = []
    module, name = {
        "list": (core, "cmd_list"),
        "rebuild": (core, "cmd_rebuild"),
        None: (tui, "run_tui"),
    }[verb]
    monkeypatch.setattr(module, name, lambda ctx: seen.append(gc.isenabled()) or 0)
    argv = [verb] if verb else []
    monkeypatch.setattr(sys, "argv", ["incident-console", *argv])
    try:
        assert core.main(argv) == 0
        assert core.main() == 0
    finally:
        gc.enable()
    assert seen == [True, collects]
