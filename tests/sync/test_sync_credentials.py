"""The token lives in the keyring (or the environment), nowhere else; and the
CLI verbs around it: remote, login, sync status, serve."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from console.cli import main
from console.sync import credentials

TOKEN = "test-token-0123456789abcdef"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def files_contain(root: Path, secret: str) -> list[Path]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and secret.encode() in path.read_bytes():
            hits.append(path)
    return hits


def test_keyring_round_trip_and_env_override(memory_keyring, monkeypatch):
    url = "https://warroom.example.com"
    assert credentials.token_for(url) is None
    assert credentials.token_source(url) == "missing"
    credentials.store_token(url, "k" * 20)
    assert memory_keyring.items == {("incident-console", url): "k" * 20}
    assert credentials.token_for(url) == "k" * 20 and credentials.token_source(url) == "keyring"
    monkeypatch.setenv("INCIDENT_CONSOLE_TOKEN", "e" * 20)
    assert credentials.token_for(url) == "e" * 20 and credentials.token_source(url) == "env"
    monkeypatch.delenv("INCIDENT_CONSOLE_TOKEN")
    assert credentials.forget_token(url) and credentials.token_for(url) is None
    with pytest.raises(credentials.CredentialError, match="incident-console login"):
        credentials.require_token(url)


@pytest.fixture
def no_keyring():
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


def test_no_usable_keyring_says_what_to_do(no_keyring):
    for call in (
        lambda: credentials.store_token("https://x.example.com", "t" * 20),
        lambda: credentials.token_for("https://x.example.com"),
    ):
        with pytest.raises(credentials.CredentialError) as err:
            call()
        assert "INCIDENT_CONSOLE_TOKEN" in str(err.value) and "Secret Service" in str(err.value)
    assert credentials.token_source("https://x.example.com") == "unavailable"


class PlainFileKeyring(KeyringBackend):
    """Stands in for keyrings.alt: a plaintext file backend."""

    priority = 1
    get_password = set_password = lambda *a: None  # noqa: E731


PlainFileKeyring.__module__ = "keyrings.alt.file"


def test_a_plaintext_backend_is_refused():
    before = keyring.get_keyring()
    keyring.set_keyring(PlainFileKeyring())
    try:
        with pytest.raises(credentials.CredentialError, match="keyrings.alt"):
            credentials.store_token("https://x.example.com", "t" * 20)
    finally:
        keyring.set_keyring(before)


def test_a_keyring_that_errors_is_a_clear_message(monkeypatch):
    from keyring.errors import KeyringLocked

    class Locked(KeyringBackend):
        priority = 1

        def get_password(self, service, username):
            raise KeyringLocked("locked")

        def set_password(self, service, username, password):
            raise RuntimeError("dbus said no")

    before = keyring.get_keyring()
    keyring.set_keyring(Locked())
    try:
        with pytest.raises(
            credentials.CredentialError, match="KeyringLocked.*INCIDENT_CONSOLE_TOKEN"
        ):
            credentials.token_for("https://x.example.com")
        with pytest.raises(credentials.CredentialError, match="RuntimeError"):
            credentials.store_token("https://x.example.com", "t" * 20)
    finally:
        keyring.set_keyring(before)


# ------------------------------------------------------------------ CLI


def test_login_stores_the_token_only_in_the_keyring(tmp_path, server, memory_keyring, capsys):
    db = ["--db", str(tmp_path / "data" / "ana.db")]
    assert run(capsys, *db, "declare", "--title", "Checkout errors", "--severity", "SEV2")[0] == 0
    code, out, _ = run(capsys, *db, "remote", "add", server.url + "/")
    assert code == 0 and server.url in out
    token_file = tmp_path / "token.txt"
    token_file.write_text(f"# for the war room\n{TOKEN}\n")
    code, out, err = run(capsys, *db, "login", "--token-file", str(token_file), "--json")
    assert code == 0, err
    assert json.loads(out) == {"remote": server.url, "stored": "keyring", "verified": True}
    assert TOKEN not in out + err
    assert memory_keyring.items == {("incident-console", server.url): TOKEN}
    code, out, err = run(capsys, *db, "sync", "--once", "--json")
    assert code == 0 and json.loads(out)["pushed"]["accepted"] == 1
    code, out, err = run(capsys, *db, "sync", "status", "--json")
    status = json.loads(out)
    assert status["token"] == "keyring" and status["connection"] == "connected"
    assert TOKEN not in out + err
    code, out, err = run(capsys, *db, "sync", "status")
    assert "connected" in out and TOKEN not in out + err
    # Not in the database, the config dir, the data dir: nowhere on disk.
    assert [p for p in files_contain(tmp_path, TOKEN) if p != token_file] == []
    code, out, _ = run(capsys, *db, "logout")
    assert code == 0 and memory_keyring.items == {}


def test_login_from_stdin_and_wrong_tokens(tmp_path, server, memory_keyring, capsys, monkeypatch):
    db = ["--db", str(tmp_path / "ben.db")]
    run(capsys, *db, "remote", "add", server.url)
    monkeypatch.setattr(sys, "stdin", io.StringIO("wrong-token-but-long-enough\n"))
    code, out, err = run(capsys, *db, "login")
    assert code == 2 and "refused this token; nothing stored" in err
    assert memory_keyring.items == {}
    monkeypatch.setattr(sys, "stdin", io.StringIO(TOKEN + "\n"))
    assert run(capsys, *db, "login")[0] == 0
    assert memory_keyring.items == {("incident-console", server.url): TOKEN}
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    code, _, err = run(capsys, *db, "login")
    assert code == 2 and "no token read from stdin" in err


def test_login_offline_stores_with_a_warning(tmp_path, memory_keyring, capsys, monkeypatch):
    db = ["--db", str(tmp_path / "c.db")]
    run(capsys, *db, "remote", "add", "http://127.0.0.1:9")
    monkeypatch.setattr(sys, "stdin", io.StringIO(TOKEN + "\n"))
    code, out, err = run(capsys, *db, "login")
    assert code == 0 and "could not verify" in err
    assert memory_keyring.items == {("incident-console", "http://127.0.0.1:9"): TOKEN}
    code, out, err = run(capsys, *db, "sync", "status", "--json")
    assert json.loads(out)["connection"] == "offline"


def test_without_a_keyring_login_and_sync_explain(
    tmp_path, server, no_keyring, capsys, monkeypatch
):
    db = ["--db", str(tmp_path / "d.db")]
    run(capsys, *db, "remote", "add", server.url)
    monkeypatch.setattr(sys, "stdin", io.StringIO(TOKEN + "\n"))
    code, out, err = run(capsys, *db, "login")
    assert code == 1 and "INCIDENT_CONSOLE_TOKEN" in err and err.count("\n") == 1
    assert files_contain(tmp_path, TOKEN) == []
    code, out, err = run(capsys, *db, "sync", "--once")
    assert code == 1 and "INCIDENT_CONSOLE_TOKEN" in err
    monkeypatch.setenv("INCIDENT_CONSOLE_TOKEN", TOKEN)  # automation: the override works
    assert run(capsys, *db, "sync", "--once")[0] == 0


@pytest.mark.parametrize(
    "argv, words",
    [
        (["remote", "add", "http://warroom.example.com"], "https is required"),
        (["remote", "add"], "give the server URL"),
        (["login"], "no remote configured"),
        (["sync", "--once"], "no remote configured"),
        (["serve", "--token-file", "/nonexistent/tokens"], "cannot read the token file"),
    ],
)
def test_cli_mistakes_are_one_line_exit_2(tmp_path, capsys, argv, words):
    code, out, err = run(capsys, "--db", str(tmp_path / "e.db"), *argv)
    assert code == 2 and words in err and err.count("\n") == 1


def test_sync_status_without_a_remote(tmp_path, capsys):
    code, out, _ = run(capsys, "--db", str(tmp_path / "f.db"), "sync", "status", "--json")
    data = json.loads(out)
    assert code == 0 and data["remote"] is None and data["connection"] == "not configured"


def test_serve_command_end_to_end(tmp_path, consoles):
    """`incident-console serve` as a real process; its output never shows the token."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tokens = tmp_path / "tokens"
    tokens.write_text(TOKEN + "\n")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "console",
            "serve",
            "--port",
            str(port),
            "--db",
            str(tmp_path / "srv.db"),
            "--token-file",
            str(tokens),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "serve did not come up"
            time.sleep(0.05)
        a = consoles("a")
        a.service.declare("Edge 5xx", "SEV2", layers=["edge"])
        assert a.sync(url)["pushed"]["accepted"] == 1
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0].decode()
    assert "POST /v1/push" in output and TOKEN not in output
