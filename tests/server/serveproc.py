"""`incident-console serve` as a real process (several may share one PostgreSQL log):
started on a free 127.0.0.1 port, ready once /v1/health answers, killed or stopped."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from waiting import wait_until

TOKEN = "proc-token-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServeProcess:
    def __init__(
        self, workdir: Path, db: str, name: str, *extra: str, org: Path | None = None
    ) -> None:
        self.workdir = workdir
        self.org = org
        self.db = db
        self.name = name
        self.extra = extra
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.stderr_path = workdir / f"{name}.stderr"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServeProcess:
        tokens = self.workdir / "tokens"
        if not tokens.exists():
            tokens.write_text(TOKEN + "\n")
        argv = [sys.executable, "-m", "console"]
        argv += ["--org", str(self.org), "serve"] if self.org else ["serve"]
        argv += ["--port", str(self.port), "--db", self.db, "--token-file", str(tokens)]
        argv += list(self.extra)
        with self.stderr_path.open("ab") as err:
            self.proc = subprocess.Popen(
                argv, cwd=self.workdir, stdout=subprocess.DEVNULL, stderr=err
            )
        wait_until(self.healthy, timeout=30, what=f"{self.name} to answer /v1/health")
        return self

    def healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited:\n{self.stderr_path.read_text()}")
        try:
            return httpx.get(f"{self.url}/v1/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def http(self, timeout: float = 10) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=timeout
        )

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
