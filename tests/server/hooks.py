"""A webhook receiver on 127.0.0.1 (ephemeral port) that records each page's
Idempotency-Key; `delay` keeps a sender busy mid-send, and a closed `gate` keeps it
busy until the test opens it (a sender to kill while it sends)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Hook:
    def __init__(self, delay: float = 0.0, gate: threading.Event | None = None):
        self.delay = delay
        self.gate = gate
        self.keys: list[str] = []
        self.lock = threading.Lock()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                json.loads(raw)
                with hook.lock:
                    hook.keys.append(self.headers.get("Idempotency-Key", ""))
                if hook.delay:
                    time.sleep(hook.delay)
                if hook.gate is not None:
                    hook.gate.wait(60)  # the test opens it; a killed sender is gone by then
                body = b'{"received": true}'
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/incident"

    def received(self) -> list[str]:
        with self.lock:
            return list(self.keys)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
