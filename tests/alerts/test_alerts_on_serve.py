"""The receivers on `serve`: mounted beside the sync API with their own credentials;
what they write is pushed to the log, so every console of the war room sees it."""

from __future__ import annotations

import json

import httpx
from akit import TOKEN, am_alert, am_payload
from waiting import wait_until

from console.alerts.serve import alerts_in_serve
from console.cli import main
from console.model.org import load_org
from console.store import Store
from console.sync.server import ServerLog, create_app, start_in_thread

SYNC_TOKEN = "sync-token-abcdefghijklmnop"
ORG = """
[alerts]
declare_at = "SEV2"

[[alert_routes]]
match = { team = "payments" }
service_label = "service"
"""


def test_an_alert_posted_to_serve_reaches_another_console(
    tmp_path, memory_keyring, capsys, monkeypatch
):
    org_file = tmp_path / "org.toml"
    org_file.write_text(ORG)
    org = load_org([(ORG, str(org_file))])
    server_db = tmp_path / "server.db"
    routes, companion = alerts_in_serve(server_db, org, [TOKEN], None)
    log = ServerLog(server_db)
    running = start_in_thread(create_app(log, [SYNC_TOKEN], routes))
    handle = companion(running.url, SYNC_TOKEN)
    try:
        with httpx.Client(base_url=running.url, timeout=10) as http:
            posted = http.post(
                "/v1/alerts/alertmanager",
                json=am_payload([am_alert("abcdabcdabcdabcd")]),
                headers={"authorization": f"Bearer {TOKEN}"},
            )
            assert posted.status_code == 200, posted.text
            assert posted.json()["how"] == "declared"
            # the alert token is not a sync token, and the other way round
            pull = http.get("/v1/pull", headers={"authorization": f"Bearer {TOKEN}"})
            assert pull.status_code == 401
            refused = http.post(
                "/v1/alerts/alertmanager",
                json=am_payload([am_alert("abcdabcdabcdabcd")]),
                headers={"authorization": f"Bearer {SYNC_TOKEN}"},
            )
            assert refused.status_code == 401
        # the mirror pushed it: the log holds the declaration and the alert
        wait_until(lambda: log.count() >= 4, timeout=20, what="the alert pushed to the log")

        # a commander's console pulls it
        laptop = tmp_path / "laptop.db"
        Store(laptop).close()
        env = ["--db", str(laptop), "--org", str(org_file)]
        assert main([*env, "remote", "add", running.url]) == 0
        monkeypatch.setenv("INCIDENT_CONSOLE_TOKEN", SYNC_TOKEN)
        assert main([*env, "sync", "--once"]) == 0
        capsys.readouterr()
        assert main([*env, "alerts", "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert [i["id"] for i in data["incidents"]] == ["INC-1"]
        assert data["incidents"][0]["declared_from_alert"] is True
        assert data["incidents"][0]["alerts"][0]["fingerprint"] == "abcdabcdabcdabcd"
    finally:
        handle.stop()
        running.stop()
        log.close()
