"""[alerts] and [[alert_routes]] in the org file: validated with file:line, routes that
match no service reported by `model check`, and routing as documented."""

from __future__ import annotations

import json

import pytest
from akit import ORG

from console.cli import main
from console.model.alert_routes import alert_routing, severity_of
from console.model.errors import OrgError
from console.model.org import load_org


def _org(text: str, name: str = "org.toml"):
    return load_org([(text, name)])


def test_routes_pick_service_and_severity():
    routing = alert_routing(_org(ORG))
    services = _org(ORG).services
    r = routing.route(
        {"team": "payments", "service": "payment-api", "severity": "critical"}, services
    )
    assert (r.service, r.severity, r.route) == ("payment-api", "SEV1", "route 1")
    assert routing.declares(r)
    r = routing.route({"job": "orders-db-replica", "level": "warning"}, services)
    assert (r.service, r.severity) == ("orders-db", "SEV3") and not routing.declares(r)
    r = routing.route({"alertname": "EdgeErrors", "severity": "info"}, services)
    assert (r.service, r.severity) == ("cdn", "SEV1")  # a fixed severity wins over the label
    # a service label naming no service falls through; nothing matched: unrouted
    r = routing.route({"team": "payments", "service": "nope", "severity": "page"}, services)
    assert r.service is None and r.severity == "SEV2" and not routing.declares(r)


def test_severity_words_numbers_and_defaults():
    settings = alert_routing(_org(ORG)).settings
    assert [
        severity_of(v, settings) for v in ("SEV2", "sev4", "3", "critical", "whatever", "")
    ] == [
        "SEV2",
        "SEV4",
        "SEV3",
        "SEV1",
        "SEV4",
        "SEV4",
    ]


BROKEN = """
[alerts]
declare_at = "SEV9"
debounce_seconds = -1
colour = "red"

[[alert_routes]]
match = { team = "payments" }
service = "paymnet-api"

[[alert_routes]]
match_re = { job = "(" }
service_label = "service"

[[alert_routes]]
service = "cdn"

[[alert_routes]]
match = { service = "ghost" }
service_label = "service"
severity = "high"
"""


def test_every_problem_is_reported_with_file_and_line():
    with pytest.raises(OrgError) as caught:
        alert_routing(_org(BROKEN, "/etc/ic/org.toml"))
    problems = caught.value.problems
    expected = [
        ("/etc/ic/org.toml:3:", "declare_at must be one of"),
        ("/etc/ic/org.toml:4:", "debounce_seconds"),
        ("/etc/ic/org.toml:5:", "unknown key 'colour'"),
        ("/etc/ic/org.toml:9:", "alert route 1 matches no service: 'paymnet-api'"),
        ("/etc/ic/org.toml:12:", "match_re.job is not a regex"),
        ("/etc/ic/org.toml:15:", "give match or match_re"),
        ("/etc/ic/org.toml:19:", "alert route 4 matches no service: it requires service = 'ghost'"),
        ("/etc/ic/org.toml:21:", "alert route 4: severity must be one of"),
    ]
    for where, what in expected:
        assert any(p.startswith(where) and what in p for p in problems), (where, what, problems)
    assert any("did you mean payment-api" in p for p in problems)


def test_model_check_reports_routes_matching_no_service(tmp_path, capsys):
    org = tmp_path / "org.toml"
    org.write_text(BROKEN)
    code = main(["--org", str(org), "model", "check", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1 and out["ok"] is False
    messages = [f["message"] for f in out["findings"] if f["level"] == "error"]
    assert sum("matches no service" in m for m in messages) == 2
    assert all(f["where"].startswith(str(org)) for f in out["findings"] if "route" in f["message"])
