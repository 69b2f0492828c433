"""`export ID --format markdown` is a postmortem draft: summary, impact, the living
document kept whole, responsibility in hindsight, and what the data says."""

from __future__ import annotations

import re

from console.cli import main
from console.export import markdown


def test_postmortem_of_a_misrouted_incident(fixed):
    svc, _, ids = fixed
    text = markdown(svc.view(ids["B"]), svc.postmortem(ids["B"]))
    living = markdown(svc.view(ids["B"]))
    # the living document is kept, under the postmortem's own title; its decisions are
    # raised to a section of their own
    record = re.sub(r"\n## Decisions\n.*?(?=\n## )", "", living, count=1, flags=re.S)
    assert record != living and "## Decisions" not in record
    assert record.split("\n", 1)[1] in text
    for heading in (
        "## Summary",
        "## Impact",
        "## Incident record",
        "## Responsibility in hindsight",
        "### Went well",
        "### Went badly",
        "## Action items",
    ):
        assert heading in text
    assert "- **Cause**: orders-db (Data & Persistence layer)" in text
    assert "**First responding team**: Checkout; **resolved by**: Data Platform" in text
    assert "| Checkout | SEV3" in text and "| **no** |" in text
    assert "Routed first to Checkout but resolved by Data Platform" in text
    assert "Paged outside the matrix for the cause orders-db: Checkout at SEV3" in text
    assert "| Time to resolve | 80 min |" in text


def test_postmortem_of_a_clean_incident(fixed):
    svc, _, ids = fixed
    a = svc.postmortem(ids["C"])
    assert "The first responding team (Edge Platform) also resolved it" in a["went_well"]
    assert (
        "Every paged team acknowledged within 6 min of declaring (level 3 pace)" in a["went_well"]
    )
    assert any(line.startswith("Declared 30 min after impact started") for line in a["went_badly"])
    assert all(p["expected"] for p in a["pages"])


def test_living_document_unchanged_without_analysis(fixed):
    svc, _, ids = fixed
    assert markdown(svc.view(ids["A"])).startswith(f"# {ids['A']}: Card payments failing")


def test_export_cli_writes_the_draft(fixed, tmp_path, capsys):
    svc, _, ids = fixed
    out = tmp_path / "pm.md"
    assert main(["--db", str(svc.store.path), "export", ids["A"], "--output", str(out)]) == 0
    assert out.read_text("utf-8").startswith(
        f"# Postmortem draft — {ids['A']}: Card payments failing"
    )
    capsys.readouterr()
    assert main(["--db", str(svc.store.path), "export", ids["F"]]) == 0  # open: still a draft
    assert "still open" in capsys.readouterr().out
