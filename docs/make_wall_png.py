"""Make docs/wall.png: the wall view as a browser shows it, taken the way the browser test
takes its screenshot (tests/web/chromium.py) — `incident-console web --wall` on
127.0.0.1, headless Chromium, the DevTools protocol.

    .venv/bin/python docs/make_wall_png.py [OUTPUT]
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests" / "web"), str(ROOT / "tests")]

import httpx  # noqa: E402
from chromium import Chromium, find_chromium  # noqa: E402
from waiting import wait_until  # noqa: E402


def main(out: Path) -> int:
    binary = find_chromium()
    if binary is None:
        print("chromium is not installed (Debian: apt-get install chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="wall-png-") as tmp:
        work = Path(tmp)
        env = {
            **os.environ,
            "INCIDENT_CONSOLE_CONFIG_DIR": str(work / "config"),
            "INCIDENT_CONSOLE_DATA_DIR": str(work / "data"),
        }
        db = work / "war-room.db"

        def cli(*args: str, actor: str = "yusuke.takeda") -> str:
            argv = [sys.executable, "-m", "console", "--db", str(db), "--as", actor, *args]
            done = subprocess.run(argv, env=env, check=True, capture_output=True, text=True)
            return done.stdout.strip()

        sev1 = cli(
            "declare",
            "--title",
            "Orders DB primary failover, replication lag",
            "--severity",
            "SEV1",
            "--layer",
            "data",
            "--service",
            "orders-db",
        )
        cli("tick", sev1, "SEV1+0")
        cli("assign", sev1, "communications", "mei.suzuki")
        cli(
            "update",
            sev1,
            "--text",
            "SEV1: orders cannot be placed\n"
            "Checkout fails for most users; no payment is taken twice.\n"
            "The replica is being promoted; next update in 30 minutes.",
            actor="mei.suzuki",
        )
        cli("request-decision", sev1, "Fail over to the DR region if promotion fails by 14:00?")
        sev2 = cli(
            "declare",
            "--title",
            "Search results stale in the EU",
            "--severity",
            "SEV2",
            "--layer",
            "service",
            actor="ana.garcia",
        )
        cli("note", sev2, "indexer lag traced to a stuck partition", actor="ana.garcia")

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = f"http://127.0.0.1:{port}/"
        argv = [sys.executable, "-m", "console", "--db", str(db), "web", "--wall"]
        web = subprocess.Popen(
            [*argv, "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:

            def answers() -> bool:
                try:
                    return httpx.get(url, timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            wait_until(answers, 30, f"web on {url}")
            with Chromium(binary, work / "profile", width=1280, height=720) as browser:
                browser.open(url)
                wait_until(
                    lambda: (
                        sev1 in (s := browser.screen())
                        and sev2 in s
                        and re.search(r"next step SEV1\+15 .* in \d\d:\d\d", s) is not None
                    ),
                    60,
                    "the wall to show both incidents",
                )
                browser.screenshot(out)
        finally:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(timeout=10)
    print(out)
    return 0


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "wall.png"
    raise SystemExit(main(target))
