"""Hostile text (terminal escapes, C0/C1 controls, bidi overrides, Textual markup) declared
through the real CLI: every human output shows it defused, every JSON output keeps it."""

from __future__ import annotations

import re

import pytest
from fkit import T0

from console.model.org import load_org

HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil.example\x1b\\ \u009b31m \u202eevil [@click=app.quit]x[/]"
TITLE = f"Orders DB {HOSTILE}"
NOTE = f"rolled back\r{HOSTILE}\nFAKE LINE"
ACTOR = "mal[@click=app.quit]x[/]\u202e"  # actors refuse C0 controls, not bidi or markup
# What must never reach a terminal raw: C0 (but newline), DEL, C1, bidi controls.
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def hostile(run):
    r = run(
        "declare",
        "--title",
        TITLE,
        "--severity",
        "SEV2",
        "--service",
        "orders-db",
        "--detection",
        f"alert {HOSTILE}",
        actor=ACTOR,
    )
    assert r.code == 0, r.err
    assert run("note", "INC-1", NOTE, actor=ACTOR).code == 0
    return "INC-1"


def no_raw(out: str) -> None:
    assert not RAW.findall(out), sorted(set(RAW.findall(out)))


def visible(out: str) -> None:
    no_raw(out)
    assert "␛[2J" in out and "␇" in out and "\\u009b31m" in out and "\\u202e" in out


def test_list_and_show_defuse_it(run, hostile):
    for argv in (("list",), ("list", "--all"), ("show", hostile)):
        r = run(*argv)
        assert r.code == 0, r.err
        visible(r.out)
    show = run("show", hostile).out
    assert "[@click=app.quit]x[/]" in show  # plain text in a terminal: shown as typed
    # A newline or CR inside the note cannot start or overwrite a line of the timeline.
    assert not any(line.startswith("FAKE LINE") for line in show.splitlines())
    assert "rolled back␍" in show and "␤FAKE LINE" in show


def test_json_keeps_the_exact_text(run, hostile):
    view = run("show", hostile, "--json").json
    assert view["title"] == TITLE
    assert view["detection"] == f"alert {HOSTILE}"
    assert view["declared_by"] == ACTOR
    assert [t["text"] for t in view["timeline"] if t["kind"] == "note_added"] == [NOTE]
    assert run("list", "--json").json[0]["title"] == TITLE


def test_markdown_export_and_postmortem_defuse_it(run, hostile, tmp_path):
    assert run("resolve", hostile, f"fixed {HOSTILE} | col", "--cause", "orders-db").code == 0
    r = run("export", hostile)
    assert r.code == 0, r.err
    md = r.out
    no_raw(md)
    assert md.startswith("# Postmortem draft — INC-1: Orders DB ␛\\[2J")
    # Each user text stays on its line and cannot open a cell, a link or a tag.
    assert "\nFAKE LINE" not in md
    assert "fixed ␛\\[2J" in md and "\\| col" in md and "␇" in md
    assert "\\\\u009b31m" in md and "\\\\u202e" in md  # \u009b31m once rendered
    assert "\\[@click=app.quit\\]x\\[/\\]" in md
    for line in md.splitlines():
        if line.startswith("| Detection"):
            assert line.count("|") - line.count("\\|") == 3
    json_doc = run("export", hostile, "--format", "json").out
    assert "\\u001b[2J" in json_doc  # JSON escapes it, and keeps it


def test_errors_echoing_input_defuse_it(run):
    r = run("show", f"INC-{HOSTILE}")
    assert r.code != 0
    no_raw(r.err)


CHANNELS = """
[[channels]]
id = "room"
type = "slack"
url_secret = "u"
teams = ["platform-data", "payments"]
roles = ["engineering_manager"]
"""


def test_pages_sent_to_channels_defuse_it(store, clock):
    from console.model.channels import paging_config
    from console.model.paging.decide import decide
    from console.notify.channels import render_slack
    from console.service import IncidentService

    org = load_org([(CHANNELS, "org.toml")])
    service = IncidentService(store, org, clock, actor="tester")
    service.declare(TITLE, "SEV2", [], ["orders-db"], "", None)
    intents = decide(service.get("INC-1"), org, paging_config(org), T0)
    assert intents
    for intent in intents:
        msg = intent.message
        assert msg["incident"]["title"] == TITLE  # the machine-readable part is exact
        assert not RAW.findall(msg["text"]) and not RAW.findall(msg["asked"])
        assert "␛[2J" in msg["text"]
        slack = render_slack(msg, intent.key, T0)
        assert not RAW.findall(slack["text"])
        assert not RAW.findall(slack["blocks"][0]["text"]["text"])  # the header
