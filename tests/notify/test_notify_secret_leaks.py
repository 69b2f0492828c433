"""A channel's secrets (a Slack URL carrying its token, a bearer token, a PagerDuty
routing key) never reach the database or the log, however a page fails: a receiver
echoing the request, a malformed secret URL, a token the HTTP library refuses.
Failures name the secret and the channel instead."""

from __future__ import annotations

import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from nkit import World, make_world

from console.notify.redact import scrub

SLACK_TOKEN = "SLACKPATHTOKEN0123456789"
HOOK_TOKEN = "HOOKBEARER9876543210"
PD_KEY = "PDROUTINGKEY0123456789abcdef0123"
SERVICE = "incident-console-secrets"


class Echo:
    """A real HTTP receiver that refuses every request and quotes it back, as a proxy's
    or a provider's error page may: path, Authorization header and body."""

    def __init__(self, path: str):
        self.path = path
        self.requests = 0
        echo = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                echo.requests += 1
                text = (
                    f"refused POST {self.path} auth={self.headers.get('Authorization')} "
                    f"body={raw.decode()[:120]}"
                ).encode()
                self.send_response(503)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{self.path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def echoes():
    rs = {
        "pagerduty": Echo("/v2/enqueue"),
        "slack": Echo(f"/services/T0/B0/{SLACK_TOKEN}"),
        "webhook": Echo("/hooks/incident"),
    }
    yield rs
    for r in rs.values():
        r.stop()


def echo_world(tmp_path, echoes, ring) -> World:
    w = make_world(tmp_path, echoes, ring)
    ring.set_password(SERVICE, "pd_sre_key", PD_KEY)
    ring.set_password(SERVICE, "hook_token", HOOK_TOKEN)
    return w


def sev1(w: World):
    return w.service.declare("Payments failing", "SEV1", services=["payment-api"])


def stored_texts(db_path) -> list[str]:
    """Every value of every row of every table, as text."""
    conn = sqlite3.connect(db_path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [
            str(cell)
            for table in tables
            for row in conn.execute(f'SELECT * FROM "{table}"')
            for cell in row
        ]
    finally:
        conn.close()


def assert_never_stored(w: World, *values: str) -> None:
    texts = stored_texts(w.db_path)
    assert "page_failed" in texts, "no failure was recorded: the scan would prove nothing"
    for value in values:
        leaks = [t for t in texts if value in t]
        assert not leaks, f"{value!r} stored: {leaks[:2]}"


def failures(w: World, incident_id: str, channel: str) -> list[dict]:
    return [
        t for t in w.timeline(incident_id, {"page_failed"}) if f"via {channel} failed" in t["text"]
    ]


def test_a_receiver_echoing_the_request_leaks_no_secret(tmp_path, echoes, memory_keyring):
    w = echo_world(tmp_path, echoes, memory_keyring)
    try:
        inc = sev1(w)
        log: list[str] = []
        rep = w.runner(log=log.append).run_once()
        assert all(e.requests for e in echoes.values())  # every channel really was tried
        errors = {f["channel"]: f["error"] for f in rep.failed}
        assert set(errors) == {"pd-sre", "slack-incidents", "hook"}
        assert "<secret pd_sre_key>" in errors["pd-sre"]
        assert "<secret hook_token>" in errors["hook"]
        assert errors["slack-incidents"].startswith("HTTP 503")
        assert failures(w, inc.id, "slack-incidents")
        assert_never_stored(w, SLACK_TOKEN, HOOK_TOKEN, PD_KEY)
        for value in (SLACK_TOKEN, HOOK_TOKEN, PD_KEY):
            assert not [line for line in log if value in line]
    finally:
        w.close()


@pytest.mark.parametrize(
    "bad_url, problem",
    [
        (f"https://hooks.slack.com/services/T0/B0/{SLACK_TOKEN} ", "contains whitespace"),
        (f"https://hooks.slack.com/services/T0/B0/{SLACK_TOKEN}\x00", "control character"),
        (f"https://hooks.slack.com:{SLACK_TOKEN}/services/T0", "bad host or port"),
        (f"hooks.slack.com/services/T0/B0/{SLACK_TOKEN}", "expected http:// or https://"),
    ],
)
def test_a_malformed_secret_url_is_named_not_shown(
    tmp_path, echoes, memory_keyring, bad_url, problem
):
    w = echo_world(tmp_path, echoes, memory_keyring)
    try:
        memory_keyring.set_password(SERVICE, "slack_incidents_url", bad_url)
        inc = sev1(w)
        log: list[str] = []
        rep = w.runner(log=log.append).run_once()
        slack = [f for f in rep.failed if f["channel"] == "slack-incidents"]
        assert slack and all(
            "secret 'slack_incidents_url'" in f["error"] and problem in f["error"] for f in slack
        )
        assert failures(w, inc.id, "slack-incidents")
        assert echoes["slack"].requests == 0
        assert_never_stored(w, SLACK_TOKEN, bad_url.strip())
        assert not [line for line in log if SLACK_TOKEN in line]
    finally:
        w.close()


@pytest.mark.parametrize("token", [f"abc\n{HOOK_TOKEN}", f"abc\x00{HOOK_TOKEN}", f"é{HOOK_TOKEN}"])
def test_a_token_the_http_library_refuses_is_named_not_shown(
    tmp_path, echoes, memory_keyring, token
):
    w = echo_world(tmp_path, echoes, memory_keyring)
    try:
        memory_keyring.set_password(SERVICE, "hook_token", token)
        inc = sev1(w)
        rep = w.runner().run_once()
        hook = [f for f in rep.failed if f["channel"] == "hook"]
        assert hook and all(
            "token_secret 'hook_token'" in f["error"] and "could not be sent" in f["error"]
            for f in hook
        )
        assert failures(w, inc.id, "hook")
        assert_never_stored(w, HOOK_TOKEN)
    finally:
        w.close()


def test_scrub_replaces_every_form_of_a_value_and_cuts_urls_to_their_host():
    secret = "tok\nen/with spaces"
    text = (
        f"a {secret} b {secret!r} c {secret.encode()!r} d tok%0Aen%2Fwith%20spaces "
        "e https://user:pw@hooks.example.com:8443/services/T0/B0/XYZ?sig=1 f"
    )
    out = scrub(text, {"chat_url": secret})
    assert "tok" not in out and "XYZ" not in out and "pw" not in out
    assert out.count("<secret chat_url>") == 4
    assert "https://hooks.example.com:8443/…" in out
    assert scrub("no secrets here", {}) == "no secrets here"
