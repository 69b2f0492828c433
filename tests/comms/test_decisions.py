"""The decision log: a decision request stays pending until a decision settles it, and
decisions have their own section in the export and in the postmortem draft."""

from __future__ import annotations

import re

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
    assert draft.count("## Decisions") == 1 and "Fail over to DR now" in draft


def test_the_postmortem_has_a_decisions_section_of_its_own(told):
    """Who decided what, when, from which options, answering what; and what leadership
    was asked and never decided, which the draft also counts as gone badly."""
    w = told
    svc = w.service
    desk = CommsDesk(svc)
    w.at(0)
    inc_id = svc.declare("Checkout down", "SEV1", layers=["data"], services=["orders-db"]).id
    w.at(5)
    desk.request_decision(inc_id, "Fail over to the DR region?")
    w.at(12)
    desk.decide(
        inc_id,
        "Fail over to DR now",
        by="Taro Yamamoto",
        options=["wait for the primary", "fail over"],
    )
    w.at(20)
    desk.request_decision(inc_id, "Tell customers about the refunds?")
    w.at(50)
    svc.resolve(inc_id, "failed over")
    analysis = svc.postmortem(inc_id)
    [d] = analysis["decisions"]
    assert (d["by"], d["text"], d["options"]) == (
        "taro.yamamoto",
        "Fail over to DR now",
        ["wait for the primary", "fail over"],
    )
    assert d["minutes_in"] == 12 and d["waited_minutes"] == 7
    assert d["asked"] == "Fail over to the DR region?"
    assert [u["question"] for u in analysis["unanswered"]] == ["Tell customers about the refunds?"]
    assert any(
        x.startswith("Asked of leadership and never decided") for x in analysis["went_badly"]
    )

    draft = markdown(svc.view(inc_id), analysis)
    headings = [line for line in draft.splitlines() if line.startswith("## ")]
    # its own section, between the impact and the incident record, and only there
    assert headings.index("## Impact") < headings.index("## Decisions")
    assert headings.index("## Decisions") < headings.index("## Incident record")
    assert headings.count("## Decisions") == 1
    section = draft.split("\n## Decisions\n", 1)[1].split("\n## ", 1)[0]
    row = next(line for line in section.splitlines() if "Fail over to DR now" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[1:] == [
        "12 min",
        f"Taro Yamamoto (taro.yamamoto), recorded by {svc.actor}",  # typed in by the room
        "Fail over to DR now",
        "wait for the primary; fail over",
        "Fail over to the DR region? (by " + d["asked_by"] + "; decided 7 min later)",
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S+", cells[0])  # in the shown zone
    assert "Asked and never decided:" in section
    assert "- Tell customers about the refunds? — asked by" in section


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
