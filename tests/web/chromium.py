"""Real headless Chromium driven over the DevTools protocol, enough to read what
textual-serve shows in a page: start the browser on a fresh profile with
`--remote-debugging-port=0`, read the port it chose from DevToolsActivePort, talk to the
page over its websocket (aiohttp, already installed by textual-serve), read the terminal's
text, take a screenshot.

textual-serve draws its terminal with xterm.js on a canvas (WebGL, else 2D), so the
page's DOM holds no text. Its xterm `Terminal` is created as `this.terminal = new
Terminal(...)` inside a closure; a script installed before the page's own (a setter for
`terminal` on Object.prototype that keeps the value and defines it as an ordinary
property, so the page behaves as before) hands each one to `window.__ictTerminals`, and
the text is read through xterm's public buffer API."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import signal
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
from waiting import wait_until

FLAGS = [
    "--headless",
    "--no-sandbox",  # we run as root in CI
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
]

# Runs in every new document before the page's scripts.
CAPTURE_TERMINALS = """
(() => {
  window.__ictTerminals = [];
  Object.defineProperty(Object.prototype, "terminal", {
    configurable: true,
    set(value) {
      Object.defineProperty(this, "terminal", {
        value, writable: true, configurable: true, enumerable: true,
      });
      if (value && typeof value.onData === "function" && value.buffer) {
        window.__ictTerminals.push(value);
      }
    },
  });
})();
"""

# The visible screen of the first terminal, one string per row ("" while there is none).
READ_SCREEN = """
(() => {
  const term = (window.__ictTerminals || [])[0];
  if (!term) return "";
  const buf = term.buffer.active;
  const rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buf.getLine(buf.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
})()
"""


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    """One headless browser with one page. Use as a context manager."""

    def __init__(self, binary: str, profile: Path, *, width: int = 1400, height: int = 900):
        self.binary = binary
        self.profile = profile
        self.size = (width, height)
        self.proc: subprocess.Popen | None = None
        self.log = profile.parent / f"{profile.name}.chromium.log"
        self.loop = asyncio.new_event_loop()
        self.http: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.next_id = 0

    # ------------------------------------------------------------ life
    def __enter__(self) -> Chromium:
        self.profile.mkdir(parents=True, exist_ok=True)
        argv = [
            self.binary,
            *FLAGS,
            f"--user-data-dir={self.profile}",
            f"--window-size={self.size[0]},{self.size[1]}",
            "about:blank",
        ]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                argv,
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # the wrapper script and its children, one group
            )
        try:
            self._attach()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.ws is not None or self.http is not None:
            self.loop.run_until_complete(self._disconnect())
        self.loop.close()
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    async def _disconnect(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.http is not None:
            await self.http.close()

    def _alive(self) -> None:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(
                f"chromium exited with {self.proc.returncode}:\n{self.log.read_text()[-3000:]}"
            )

    def _port(self) -> int | None:
        self._alive()
        active = self.profile / "DevToolsActivePort"
        try:
            first = active.read_text().splitlines()[0]
        except (OSError, IndexError):
            return None  # not written (completely) yet
        return int(first) if first.isdigit() else None

    def _page_ws_url(self, port: int) -> str | None:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
            targets = json.load(r)
        pages = [t for t in targets if t.get("type") == "page"]
        return pages[0]["webSocketDebuggerUrl"] if pages else None

    def _attach(self) -> None:
        wait_until(lambda: self._port() is not None, 60, "chromium's DevToolsActivePort")
        port = self._port()
        assert port is not None
        found: list[str] = []

        def page() -> bool:
            url = self._page_ws_url(port)
            if url:
                found.append(url)
            return bool(found)

        wait_until(page, 30, "chromium's page target")
        self.loop.run_until_complete(self._connect(found[0]))
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Page.addScriptToEvaluateOnNewDocument", source=CAPTURE_TERMINALS)

    async def _connect(self, url: str) -> None:
        self.http = aiohttp.ClientSession()
        self.ws = await self.http.ws_connect(url, max_msg_size=0)

    # ------------------------------------------------------------ protocol
    def call(self, method: str, timeout: float = 30, **params: Any) -> dict:
        """One DevTools command; events arriving meanwhile are dropped."""
        self._alive()
        return self.loop.run_until_complete(
            asyncio.wait_for(self._call(method, params), timeout=timeout)
        )

    async def _call(self, method: str, params: dict) -> dict:
        assert self.ws is not None
        self.next_id += 1
        wanted = self.next_id
        await self.ws.send_json({"id": wanted, "method": method, "params": params})
        while True:
            msg = await self.ws.receive()
            if msg.type != aiohttp.WSMsgType.TEXT:
                raise AssertionError(f"DevTools connection ended: {msg.type} {msg.data!r}")
            reply = json.loads(msg.data)
            if reply.get("id") != wanted:
                continue  # an event
            if "error" in reply:
                raise AssertionError(f"{method}: {reply['error']}")
            return reply["result"]

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    # ------------------------------------------------------------ what the tests use
    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def screen(self) -> str:
        """The text of the terminal the page shows, row by row."""
        return self.evaluate(READ_SCREEN) or ""

    def screenshot(self, path: Path) -> Path:
        shot = self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
        return path
