"""The same in a real terminal: the console runs in tmux, a second process writes with the
CLI, and the screen tmux shows has the declaration and the note within about a second."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

# Under CI a missing tmux is a failure (.ci/run installs it), never a quiet skip.
pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None and os.environ.get("CI") != "true",
    reason="tmux is not installed",
)

WITHIN = 1.6  # the watch tick (1 s), a reload and a frame


class Tmux:
    def __init__(self):
        self.socket = f"ic-test-{uuid.uuid4().hex[:8]}"

    def run(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=True
        )
        return out.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "console")

    def wait(self, text: str, timeout: float) -> float:
        start = time.monotonic()
        while text not in self.screen():
            if time.monotonic() - start > timeout:
                raise AssertionError(f"{text!r} not on screen in {timeout} s:\n{self.screen()}")
            time.sleep(0.05)
        return time.monotonic() - start

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def cli(db, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "console", "--db", str(db), *args], check=True, capture_output=True
    )


def test_the_board_and_room_in_tmux_show_what_another_process_writes(tmp_path):
    db = tmp_path / "war-room.db"
    cli(db, "declare", "--title", "Payments DB failover", "--severity", "SEV1")
    tmux = Tmux()
    command = f"{sys.executable} -m console --db {db}"
    env = {**os.environ, "TERM": "xterm-256color"}
    subprocess.run(
        ["tmux", "-L", tmux.socket, "new-session", "-d", "-s", "console", "-x", "120", "-y", "40"]
        + [command],
        check=True,
        env=env,
    )
    try:
        tmux.wait("Payments DB failover", timeout=30)
        cli(db, "declare", "--title", "Checkout 502s", "--severity", "SEV2")
        assert tmux.wait("Checkout 502s", timeout=WITHIN) < WITHIN

        tmux.run("send-keys", "-t", "console", "Enter")  # the SEV1 is first: its room
        tmux.wait("Escalation", timeout=10)
        cli(db, "--as", "bob", "note", "INC-1", "replica promoted by hand")
        assert tmux.wait("replica promoted by hand", timeout=WITHIN) < WITHIN
    finally:
        tmux.kill()
