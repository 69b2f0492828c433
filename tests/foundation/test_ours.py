"""What is ours rather than the source's says so, as `derived` does for SEV3-5; and
Product-Led's coordinator is always a product-team role."""

from __future__ import annotations

import pytest
from fkit import T0

from console.model.clock import ManualClock
from console.model.org import load_org
from console.service import IncidentService
from console.store import Store


def test_model_json_labels_what_is_ours(run):
    data = run("model", "--json").json
    ours = {t["id"]: t["ours"] for t in data["team_types"]}
    assert ours["security"] and ours["leadership"]
    assert not ours["platform"] and not ours["product"] and not ours["sre"]
    assert all("meaning" in s["ours"] for s in data["severity_matrix"])
    assert all("coordinator" in p["ours"] for p in data["patterns"])
    assert "moves" in next(p for p in data["patterns"] if p["id"] == "product-led")["ours"]
    human = run("model").out
    assert "ours:" in human


@pytest.mark.parametrize(
    "severity, services, layers",
    [
        ("SEV1", ["payment-api"], []),
        ("SEV2", ["orders-db"], []),  # owned by a platform team
        ("SEV1", [], ["edge"]),  # no product team involved at all
        ("SEV2", ["cdn"], []),
    ],
)
def test_product_led_coordinator_is_a_product_team_person(tmp_path, severity, services, layers):
    org = load_org([('[meta]\npattern = "product-led"\n', "org.toml")])
    store = Store(tmp_path / "p.db")
    try:
        svc = IncidentService(store, org, ManualClock(T0), actor="ic")
        inc = svc.declare("Trouble", severity, layers=layers, services=services)
        coordinator = svc.responsibility(svc.get(inc.id))["coordinator"]
        assert coordinator["role"] == "product_coordinator"
        assert coordinator["contacts"]
        for c in coordinator["contacts"]:
            assert org.teams[c["team"]].type == "product", c
            assert org.people[c["person"]].team in org.teams
            assert org.teams[org.people[c["person"]].team].type == "product", c
    finally:
        store.close()
