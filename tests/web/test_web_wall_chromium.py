"""The war room in a browser, for real: `incident-console web --wall` runs as a process on
127.0.0.1, headless Chromium (Debian's `chromium`) opens it, and the page shows the open
incident — its id and title — with a countdown that moves. A screenshot of the page is
kept as the test's artefact.

Without chromium the test is skipped, except under CI=true (`.ci/run` installs it),
where that fails the run."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from chromium import Chromium, find_chromium
from waiting import wait_until

TITLE = "Payments API 5xx after deploy"


@pytest.fixture
def chromium_binary() -> str:
    binary = find_chromium()
    if binary is None:
        why = "chromium is not installed (Debian: apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    return binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(db: Path, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "console", "--db", str(db), "--as", "ana.garcia", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


class WebProcess:
    """`incident-console web` as a real process, ready once its page answers."""

    def __init__(self, workdir: Path, db: Path, *extra: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.stderr_path = workdir / "web.stderr"
        argv = [sys.executable, "-m", "console", "--db", str(db), "web"]
        argv += ["--host", "127.0.0.1", "--port", str(self.port), *extra]
        with self.stderr_path.open("ab") as err:
            self.proc = subprocess.Popen(
                argv, cwd=workdir, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
            )
        wait_until(self.ready, timeout=30, what=f"web to answer on {self.url}")

    def ready(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"web exited:\n{self.stderr_path.read_text()}")
        try:
            return httpx.get(self.url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)  # web and the console processes it started
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=10)


def step_countdown(screen: str, inc_id: str) -> str | None:
    """The mm:ss the incident's card counts down to its next escalation step."""
    card = screen.split(inc_id, 1)[1] if inc_id in screen else ""
    found = re.search(r"next step SEV\d\+\d+ \(.*?\) in (\d\d:\d\d)", card)
    return found.group(1) if found else None


def test_the_wall_in_headless_chromium_shows_the_open_incident_counting_down(
    tmp_path, chromium_binary
):
    db = tmp_path / "war-room.db"
    inc_id = cli(db, "declare", "--title", TITLE, "--severity", "SEV1", "--layer", "service")
    assert re.fullmatch(r"INC-\d+", inc_id), inc_id
    cli(db, "tick", inc_id, "SEV1+0")  # the next step, SEV1+15, now counts down
    web = WebProcess(tmp_path, db, "--wall")
    try:
        with Chromium(chromium_binary, tmp_path / "chromium-profile") as browser:
            browser.open(web.url)
            seen: list[str] = []

            def board_shows_the_incident() -> bool:
                seen[:] = [browser.screen()]
                return inc_id in seen[0] and TITLE in seen[0] and "WALL" in seen[0]

            try:
                wait_until(board_shows_the_incident, 60, f"the wall to show {inc_id}")
            except AssertionError:
                print("last screen:\n" + (seen[0] if seen else "(none)"))
                raise
            screen = seen[0]
            assert "1 open incident" in screen
            first = step_countdown(screen, inc_id)
            assert first is not None, screen
            moved: list[str] = []

            def countdown_moved() -> bool:
                now = step_countdown(browser.screen(), inc_id)
                if now is not None and now != first:
                    moved.append(now)
                return bool(moved)

            wait_until(countdown_moved, 10, f"the countdown to move from {first}")
            assert moved[0] < first  # counting down: "14:51" < "14:52"
            shot = browser.screenshot(tmp_path / "wall.png")
            assert shot.read_bytes().startswith(b"\x89PNG")
            print(f"screenshot: {shot}")
    finally:
        web.stop()
