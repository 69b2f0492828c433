"""Run a Textual app in a real pseudo-terminal and read its screen back.

The TUI benchmarks measure what a person sees: keys are written to the pty as a
terminal would send them, and a small screen model rebuilds the picture from the
app's output (cursor moves, text; styles are ignored). "Updated" means the
rebuilt screen shows the change, timed at the read that completed it.
"""

from __future__ import annotations

import codecs
import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
import unicodedata
from collections.abc import Callable

from bench.bytecode import installed_env

_CSI = re.compile(r"\x1b\[([0-9;?<>=]*)([ -/]*)([@-~])")
_OSC = re.compile(r"\x1b\][^\x07\x1b]*(\x07|\x1b\\)")


def _width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


class ScreenModel:
    """Enough of a VT100 to follow Textual's output: CUP/CHA/CUU.. moves, ED/EL
    erases, text; SGR and modes are ignored."""

    def __init__(self, cols: int, rows: int):
        self.cols, self.rows = cols, rows
        self.lines = [[" "] * cols for _ in range(rows)]
        self.x = self.y = 0
        self._pending = ""

    def text(self) -> str:
        return "\n".join("".join(line).rstrip() for line in self.lines)

    def feed(self, data: str) -> None:
        data = self._pending + data
        self._pending = ""
        i, n = 0, len(data)
        while i < n:
            ch = data[i]
            if ch == "\x1b":
                if i + 1 >= n:
                    self._pending = data[i:]
                    return
                nxt = data[i + 1]
                if nxt == "[":
                    m = _CSI.match(data, i)
                    if not m:
                        if n - i < 64:
                            self._pending = data[i:]
                            return
                        i += 2
                        continue
                    self._csi(m.group(1), m.group(3))
                    i = m.end()
                    continue
                if nxt == "]":
                    m = _OSC.match(data, i)
                    if not m:
                        self._pending = data[i:]
                        return
                    i = m.end()
                    continue
                i += 2  # ESC 7, ESC 8, ESC =, ESC > ...
                continue
            if ch == "\r":
                self.x = 0
            elif ch == "\n":
                self.y = min(self.rows - 1, self.y + 1)
            elif ch == "\b":
                self.x = max(0, self.x - 1)
            elif ch >= " ":
                w = _width(ch)
                if self.x < self.cols and self.y < self.rows:
                    self.lines[self.y][self.x] = ch
                    if w == 2 and self.x + 1 < self.cols:
                        self.lines[self.y][self.x + 1] = ""
                self.x += w
            i += 1

    def _csi(self, params: str, final: str) -> None:
        if params.startswith("?"):
            return
        nums = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []

        def arg(k: int, default: int) -> int:
            return nums[k] if len(nums) > k and nums[k] else default

        if final in "Hf":
            self.y = min(self.rows - 1, arg(0, 1) - 1)
            self.x = min(self.cols - 1, arg(1, 1) - 1)
        elif final == "G":
            self.x = min(self.cols - 1, arg(0, 1) - 1)
        elif final == "A":
            self.y = max(0, self.y - arg(0, 1))
        elif final == "B":
            self.y = min(self.rows - 1, self.y + arg(0, 1))
        elif final == "C":
            self.x = min(self.cols - 1, self.x + arg(0, 1))
        elif final == "D":
            self.x = max(0, self.x - arg(0, 1))
        elif final == "J":
            if arg(0, 0) in (2, 3):
                self.lines = [[" "] * self.cols for _ in range(self.rows)]
        elif final == "K":
            mode = arg(0, 0)
            line = self.lines[self.y]
            if mode == 0:
                line[self.x :] = [" "] * (self.cols - self.x)
            elif mode == 1:
                line[: self.x + 1] = [" "] * (self.x + 1)
            else:
                self.lines[self.y] = [" "] * self.cols


class PtyApp:
    """A child process on a pty of the given size; its output drives a ScreenModel."""

    def __init__(
        self,
        argv: list[str],
        cols: int = 120,
        rows: int = 40,
        env: dict | None = None,
        cwd: str | None = None,
    ):
        self.cols, self.rows = cols, rows
        self.screen = ScreenModel(cols, rows)
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        full_env = dict(os.environ)
        full_env.update(
            {
                "TERM": "xterm-256color",
                "COLORTERM": "truecolor",
                "COLUMNS": str(cols),
                "LINES": str(rows),
            }
        )
        full_env.pop("NO_COLOR", None)
        full_env.update(env or {})
        full_env = installed_env(full_env)  # bytecode cached, as installed
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # child
            if cwd:
                os.chdir(cwd)
            os.execvpe(argv[0], argv, full_env)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.bytes_read = 0

    def pump(self, timeout: float) -> float | None:
        """Read what is available within `timeout`; returns the time of the read."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return None
        chunks = []
        while True:  # take everything already written before parsing any of it
            try:
                data = os.read(self.fd, 1 << 16)
            except OSError:
                data = b""
            if not data:
                if not chunks:
                    raise EOFError("the app's terminal closed")
                break
            chunks.append(data)
            at = time.perf_counter()
            if not select.select([self.fd], [], [], 0)[0]:
                break
        data = b"".join(chunks)
        self.bytes_read += len(data)
        self.screen.feed(self._decoder.decode(data))
        return at

    def wait_for(self, condition: Callable[[str], bool], timeout: float = 30.0) -> float:
        """Read until the rebuilt screen satisfies condition; the time of that read."""
        deadline = time.perf_counter() + timeout
        while True:
            if condition(self.screen.text()):
                return time.perf_counter()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(
                    "screen never showed the expected content:\n" + self.screen.text()
                )
            at = self.pump(min(remaining, 0.5))
            if at is not None and condition(self.screen.text()):
                return at

    def drain(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            self.pump(left)

    def send(self, keys: str | bytes) -> float:
        data = keys.encode("utf-8") if isinstance(keys, str) else keys
        at = time.perf_counter()
        os.write(self.fd, data)
        return at

    def cpu_seconds(self) -> float:
        """utime + stime of the child, from /proc (Linux)."""
        with open(f"/proc/{self.pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks

    def close(self, quit_keys: bytes = b"\x11") -> None:
        try:
            os.write(self.fd, quit_keys)
            end = time.perf_counter() + 5
            while time.perf_counter() < end:
                done, _ = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    break
                with contextlib.suppress(EOFError):
                    self.pump(0.05)
            else:
                os.kill(self.pid, signal.SIGTERM)
                os.waitpid(self.pid, 0)
        except (OSError, ChildProcessError):
            pass
        finally:
            with contextlib.suppress(OSError):
                os.close(self.fd)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(len(ordered) - 1, int(k) + 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(seconds: list[float]) -> dict:
    """Samples in seconds as the benches report them: count, p50, p95 and max in ms."""
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1),
    }
