"""`oncall` on the command line: every team, one team, overrides in and out, bad input
as one line with exit 2."""

from __future__ import annotations

import json

from console.cli import main

NOW = "2026-03-02T09:50:00Z"  # Monday, 18:50 in Tokyo


def run(capsys, db, *args, who="hana.kobayashi"):
    code = main(["--db", str(db), "--now", NOW, "--as", who, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_every_team_and_then_one(tmp_path, capsys):
    db = tmp_path / "c.db"
    code, out, _ = run(capsys, db, "oncall")
    assert code == 0
    assert "SRE" in out and "Ryo Fukuda until 19:00 JST, then Aoife Byrne" in out
    code, out, _ = run(capsys, db, "oncall", "--json")
    teams = {t["team"]: t for t in json.loads(out)["teams"]}
    assert teams["platform-data"]["until"] is None  # a fixed on_call: no hand-off
    assert teams["payments"]["next"] == "haruto.inoue"
    code, out, _ = run(capsys, db, "oncall", "sre-core")
    assert "next 7 days:" in out and "[layer Europe]" in out


def test_override_take_and_withdraw(tmp_path, capsys):
    db = tmp_path / "c.db"
    code, out, err = run(
        capsys, db, "oncall", "override", "payments", "Haruto Inoue", "--until", "+4h", "--json"
    )
    assert code == 0, err
    override = json.loads(out)
    assert (
        override["person"] == "haruto.inoue" and override["ends_at"] == "2026-03-02T13:50:00.000Z"
    )
    code, out, _ = run(capsys, db, "oncall", "payments", "--json")
    data = json.loads(out)
    assert data["on_call"]["person"] == "haruto.inoue" and data["on_call"]["source"] == "override"
    assert [o["id"] for o in data["overrides"]] == [override["id"]]

    code, out, err = run(capsys, db, "oncall", "take", "sre-core")
    assert code == 0, err
    assert "you (hana.kobayashi) hold the SRE pager until 2026-03-02T10:00:00.000Z" in out

    assert run(capsys, db, "oncall", "withdraw", override["id"])[0] == 0
    code, out, _ = run(capsys, db, "oncall", "payments", "--json")
    assert json.loads(out)["on_call"]["person"] == "aoi.matsumoto"


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    db = tmp_path / "c.db"
    cases = [
        (("oncall", "nosuchteam"), "unknown team 'nosuchteam'"),
        (("oncall", "override", "payments", "nobody.at.all", "--until", "+1h"), "is nobody"),
        (
            ("oncall", "override", "payments", "aoi.matsumoto", "--from", "+2h", "--until", "+1h"),
            "must end after it starts",
        ),
        (("oncall", "take", "payments"), "not a person"),
        (("oncall", "import", "payments", str(tmp_path / "missing.ics")), "cannot read"),
    ]
    for args, words in cases:
        code, _, err = run(capsys, db, *args, who="someone.else")
        assert code == 2, (args, err)
        assert words in err and err.count("\n") == 1, (args, err)
