"""`model check` reads the schedules over the next 14 days: gaps, overlapping layers,
people on a rota whom nothing reaches."""

from __future__ import annotations

from okit import org_with, utc

from console.cli import main
from console.model.check import run_checks

GAPPY = """
[[people]]
id = "new.hire"
name = "New Hire"
team = "platform-edge"

[[schedules]]
team = "platform-edge"
time_zone = "Europe/Berlin"

[[schedules.layers]]
name = "office"
members = ["akira.mori", "new.hire"]
rotation_start = 2026-01-05T09:00:00
turn = "1d"
restrictions = [{ days = "mon-fri", from = "09:00", to = "17:00" }]
"""


def test_gaps_and_people_without_a_contact_are_reported_where_the_schedule_is():
    findings = run_checks(org_with(GAPPY), utc(2026, 3, 2, 0, 0))
    mine = [f for f in findings if "'platform-edge'" in f.message]
    gap = next(f for f in mine if "nobody on call" in f.message)
    assert gap.level == "warning" and gap.where == "test-org.toml:7"
    # 14 days of 24 h, less ten weekdays of 8 h
    assert "nobody on call for 256.0 h in the next 14 days" in gap.message
    assert "(first 2026-03-02T00:00:00.000Z → 2026-03-02T08:00:00.000Z)" in gap.message
    assert "Daichi Hayashi (the team's on_call) is paged then" in gap.message
    nobody = next(f for f in mine if "no contact" in f.message)
    assert nobody.level == "error" and nobody.where == "test-org.toml:11"
    assert "'new.hire' has no contact" in nobody.message


def test_the_demo_schedules_have_no_gap_and_say_where_layers_overlap():
    findings = run_checks(org_with(""), utc(2026, 3, 1, 9, 0))
    about = [f for f in findings if "schedule" in f.message]
    assert not [f for f in about if f.level != "info"]
    assert any("'executive' and 'office hours' overlap" in f.message for f in about)


def test_model_check_cli_reports_the_gap_with_file_and_line(tmp_path, capsys):
    path = tmp_path / "org.toml"
    path.write_text(GAPPY)
    code = main(["--org", str(path), "--now", "2026-03-02T00:00:00Z", "model", "check"])
    out = capsys.readouterr().out
    assert code == 1  # the person without a contact is an error
    assert f"{path}:7: warning: schedule 'platform-edge': nobody on call" in out
