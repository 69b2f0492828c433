"""Helpers for the on-call tests."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime

from console.model.org import load_org

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # a Sunday: 18:00 in Tokyo


def org_with(toml: str):
    """The demo org with the test's schedules (and people) on top."""
    return load_org([(textwrap.dedent(toml), "test-org.toml")])


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


class Receiver:
    """A real webhook receiver on 127.0.0.1 (an ephemeral port) that keeps what arrives."""

    def __init__(self):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.bodies: list[dict] = []
        lock = self.lock = threading.Lock()
        bodies = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    bodies.append(json.loads(raw))
                data = b'{"received": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/oncall"

    def people(self) -> list[str]:
        with self.lock:
            return [
                b["target"]["person"]
                for b in self.bodies
                if b.get("kind") == "trigger" and b.get("target")
            ]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
