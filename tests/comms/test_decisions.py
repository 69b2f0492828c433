"""The decision log: a decision request stays pending until a decision settles it, and
decisions have their own section in the export and in the postmortem draft."""

from __future__ import annotations

from console.comms.desk import CommsDesk
from console.export import markdown


def test_decisions_in_export_and_postmortem(told):
    w = told
    svc = w.service
    desk = CommsDesk(svc)
    inc_id = svc.declare("Checkout down", "SEV1", layers=["data"], services=["orders-db"]).id
    desk.request_decision(inc_id, "Fail over to the DR region?")
    inc = svc.get(inc_id)
    assert [r.question for r in desk.state(inc).pending] == ["Fail over to the DR region?"]
    assert desk.view(inc)["leadership"]["reached"] is False
    w.at(3)
    desk.decide(
        inc_id,
        "Fail over to DR now",
        by="Taro Yamamoto",  # a person's name as typed resolves to their id
        options=["wait for the primary", "fail over"],
    )
    inc = svc.get(inc_id)
    assert desk.state(inc).pending == []
    doc = markdown(svc.view(inc_id))
    section = doc.split("## Decisions", 1)[1].split("\n## ", 1)[0]
    assert "**taro.yamamoto**: Fail over to DR now" in section
    assert "asked: Fail over to the DR region?" in section
    assert "options considered: wait for the primary; fail over" in section
    svc.resolve(inc_id, "failed over")
    draft = markdown(svc.view(inc_id), svc.postmortem(inc_id))
    assert draft.startswith(f"# Postmortem draft — {inc_id}")
    assert "## Decisions" in draft and "Fail over to DR now" in draft


def test_decide_verb_records_who_what_and_options(told, capsys):
    from console.cli import main

    w = told
    inc_id = w.service.declare("Checkout down", "SEV2").id
    w.store.close()
    args = ["--db", str(w.db_path), "--org", str(w.org_path), "--as", "mei.suzuki"]
    assert main([*args, "decide", inc_id, "Roll", "back", "--option", "hotfix", "--json"]) == 0
    out = __import__("json").loads(capsys.readouterr().out)
    assert out["text"] == "Roll back" and out["by"] == "mei.suzuki"
    assert out["options"] == ["hotfix"]
    assert main([*args, "decide", inc_id, " "]) == 2  # no text: refused, one line
    from console.store import Store

    w.store = Store(w.db_path)
