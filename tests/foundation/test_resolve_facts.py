"""The facts the metrics need, from the command line: who answered a page, and whether
an incident was prevented; bodies written before these fields existed still decode."""

from __future__ import annotations

from console.model.events import CATALOGUE, decode


def test_resolve_prevented_and_tick_by_from_the_cli(run, service):
    inc = run(
        "declare",
        "--title",
        "Checkout errors",
        "--severity",
        "SEV2",
        "--service",
        "checkout-api",
        "--json",
    ).json
    assert run("tick", inc["id"], "SEV2+0", "--by", "haruto.inoue").code == 2
    out = run("tick", inc["id"], "SEV2+0", "--ack", "--by", "haruto.inoue")
    assert out.code == 0, out.err
    assert run("tick", inc["id"], "SEV2+15", "--ack", "--by", "nobody.here").code == 2
    out = run("resolve", inc["id"], "fixed", "--cause", "payment-api", "--prevented")
    assert out.code == 0, out.err
    assert run("show", inc["id"], "--json").json["prevented"] is True
    evs = service.events(inc["id"])
    tick = next(e for e in evs if e.kind == "step_ticked")
    assert (tick.body["acknowledger"], tick.body["acknowledger_team"]) == (
        "haruto.inoue",
        "payments",
    )
    assert next(e for e in evs if e.kind == "resolved").body["prevented"] is True


def test_older_bodies_without_the_new_fields_still_decode():
    tick = decode(CATALOGUE["step_ticked"], {"step": "SEV1+0", "mark": "acknowledged"})
    assert tick.acknowledger is None and tick.acknowledger_team is None
    ack = decode(CATALOGUE["page_acknowledged"], {"target": "kenji.sato"})
    assert ack.acknowledger_team is None
    resolved = decode(CATALOGUE["resolved"], {"summary": "done"})
    assert resolved.prevented is False
