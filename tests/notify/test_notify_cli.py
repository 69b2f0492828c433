"""The escalation verbs as a person or a script uses them: escalate --once/--status,
ack, confirm; errors are one line with exit code 2."""

from __future__ import annotations

import json

from nkit import T0

from console import cli
from console.model.clock import iso


def run(world, capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(["--db", str(world.db_path), "--org", str(world.org_path), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_escalate_once_at_a_time_json(world, capsys):
    world.service.declare("Payments failing", "SEV1", services=["payment-api"])
    code, out, _ = run(world, capsys, "escalate", "--once", "--at", iso(T0), "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {
        "at",
        "queued",
        "delivered",
        "failed",
        "abandoned",
        "caught_up",
        "failing_channels",
    }
    assert data["at"] == "2026-03-01T09:00:00.000Z"
    assert [q["target"] for q in data["queued"]] == [
        "kenji.sato",
        "aoi.matsumoto",
        "hana.kobayashi",
    ]
    assert len(data["delivered"]) == 5 and data["failing_channels"] == []
    code, out, _ = run(world, capsys, "escalate", "--once", "--at", iso(T0))
    assert code == 0 and out.strip() == "escalate: 0 queued, 0 delivered, 0 failed, 0 abandoned"


def test_escalate_status_shows_outbox_and_failing_channels(world, capsys):
    world.receivers["pagerduty"].mode = "fail"
    world.service.declare("Payments failing", "SEV1", services=["payment-api"])
    for minute in (0, 1, 2, 3):
        run(world, capsys, "escalate", "--once", "--at", iso(T0.replace(minute=minute)))
    code, out, _ = run(world, capsys, "escalate", "--status")
    assert code == 0
    assert "pd-sre               pagerduty  FAILING  waiting 2" in out
    assert "slack-incidents      slack      ok       waiting 0" in out
    code, out, _ = run(world, capsys, "escalate", "--status", "--json")
    data = json.loads(out)
    assert data["outbox"]["queued"] == 2 and data["outbox"]["delivered"] == 3
    assert [f["channel"] for f in data["failing"]] == ["pd-sre"]
    assert [c["id"] for c in data["configured_channels"]] == ["pd-sre", "slack-incidents", "hook"]


def test_ack_and_confirm_verbs(world, capsys):
    inc = world.service.declare("Payments failing", "SEV1", services=["payment-api"])
    run(world, capsys, "escalate", "--once", "--at", iso(T0))
    code, out, _ = run(world, capsys, "--as", "hana.kobayashi", "ack", inc.id)
    assert code == 0 and out.strip() == f"{inc.id}: pages to hana.kobayashi acknowledged"
    code, out, _ = run(
        world, capsys, "--as", "kenji.sato", "ack", inc.id, "SEV1+0", "--target", "Aoi Matsumoto"
    )
    assert code == 0
    code, _, err = run(world, capsys, "--as", "nobody.here", "ack", inc.id)
    assert code == 2 and err.count("\n") == 1 and "'nobody.here' is not a known person" in err
    code, out, _ = run(world, capsys, "confirm", inc.id)
    assert code == 0 and out.strip() == f"{inc.id}: severity SEV1 confirmed"
    code, _, err = run(world, capsys, "confirm", inc.id)
    assert code == 2 and "already confirmed" in err
    # kenji has not acknowledged: the step is not acknowledged yet; when he does, it is
    code, out, _ = run(world, capsys, "--as", "kenji.sato", "ack", inc.id, "SEV1+0")
    view = world.service.view(inc.id)
    step = view["escalation"][0]
    assert step["state"] == "acknowledged" and step["acknowledged_by"] == "kenji.sato"


def test_escalate_without_channels_says_so(tmp_path, capsys):
    db = tmp_path / "x.db"
    assert cli.main(["--db", str(db), "declare", "--title", "t", "--severity", "SEV2"]) == 0
    capsys.readouterr()
    assert cli.main(["--db", str(db), "escalate", "--once"]) == 0
    out = capsys.readouterr().out
    assert "no [[channels]] in the org file: only drill incidents are paged" in out


def test_escalate_refuses_a_broken_channel_config_with_file_and_line(tmp_path, capsys):
    org = tmp_path / "org.toml"
    org.write_text(
        '[[channels]]\nid = "x"\ntype = "webhook"\nurl = "nope"\npeople = ["kenji.sato"]\n'
    )
    code = cli.main(["--db", str(tmp_path / "x.db"), "--org", str(org), "escalate", "--once"])
    _, err = capsys.readouterr()
    assert code == 2
    assert (
        err.strip()
        == f"incident-console: error: {org}:4: channel 'x': malformed URL 'nope' (expected http:// or https://)"
    )


def test_watch_with_at_is_a_usage_error(world, capsys):
    code, _, err = run(world, capsys, "escalate", "--watch", "--at", iso(T0))
    assert code == 2 and "--at goes with --once" in err
