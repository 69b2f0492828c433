"""Channel configuration: parsed from the org file, every problem reported by
`model check` with file:line; secrets through the CLI into the keyring, never the file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

import console.model
from console import cli
from console.model.channels import paging_config, parse_channels, parse_policy
from console.model.check import run_checks
from console.model.errors import OrgError
from console.model.org import load_org
from console.notify import checks as _checks  # noqa: F401 - registers the secret check
from console.notify import secrets

GOOD = """\
[[channels]]
id = "pd-sre"
type = "pagerduty"
routing_key_secret = "pd_sre_key"
people = ["hana.kobayashi"]

[[channels]]
id = "slack-ops"
type = "slack"
url_secret = "slack_ops_url"
teams = ["payments"]
nudges = true
"""

BAD = """\
[[channels]]
id = "pd-sre"
type = "pagerduty"
routing_key_secret = "pd_missing"
people = ["hana.kobayashy"]

[[channels]]
id = "hook"
type = "webhook"
url = "htp://hooks example.com/x"
teams = ["no-such-team"]
roles = ["vp_engineer"]

[[channels]]
id = "chat"
type = "slack"
url_secret = "slack_bad_url"
teams = ["payments"]

[[channels]]
id = "sms"
type = "carrier-pigeon"
"""


def load(text: str, name: str = "org.toml"):
    return load_org([(text, name)])


def findings(org) -> list[str]:
    """Errors and warnings about the user's file (reachability warnings point at the defaults)."""
    return [
        f.line()
        for f in run_checks(org)
        if f.level in ("error", "warning") and not f.where.startswith("<defaults>")
    ]


def test_good_config_parses_into_channels_and_default_policy(memory_keyring):
    org = load(GOOD)
    cfg = paging_config(org)
    assert list(cfg.channels) == ["pd-sre", "slack-ops"]
    pd = cfg.channels["pd-sre"]
    assert pd.type == "pagerduty" and pd.endpoint == "https://events.pagerduty.com/v2/enqueue"
    assert pd.people == ("hana.kobayashi",) and pd.where == "org.toml:1"
    assert cfg.channels["slack-ops"].nudges and cfg.channels["slack-ops"].where == "org.toml:7"
    p = cfg.policy
    assert (p.for_severity("SEV1").renotify_minutes, p.for_severity("SEV1").repeats) == (5, 3)
    assert p.severity_confirm_minutes == 5 and p.status_update_minutes == 30


def test_bad_config_is_reported_by_model_check_with_file_and_line(memory_keyring):
    memory_keyring.set_password(secrets.SERVICE, "slack_bad_url", "not a url at all")
    org = load(BAD, "/etc/ic/org.toml")
    lines = findings(org)
    expect = [
        "/etc/ic/org.toml:5: error: channel 'pd-sre': unknown person 'hana.kobayashy' (did you mean hana.kobayashi?)",
        "/etc/ic/org.toml:10: error: channel 'hook': malformed URL 'htp://hooks example.com/x' (contains whitespace)",
        "/etc/ic/org.toml:11: error: channel 'hook': unknown team 'no-such-team'",
        "/etc/ic/org.toml:12: error: channel 'hook': unknown role 'vp_engineer' (did you mean vp_engineering?)",
        "/etc/ic/org.toml:22: error: channel 'sms': unknown type 'carrier-pigeon' (expected one of webhook, slack, pagerduty)",
    ]
    for line in expect:
        assert line in lines, (line, lines)
    # secrets: named but not stored; stored but not a URL (value never shown)
    assert any(
        line.startswith("/etc/ic/org.toml:4: error: channel 'pd-sre': unknown secret 'pd_missing'")
        for line in lines
    ), lines
    assert (
        "/etc/ic/org.toml:17: error: channel 'chat': secret 'slack_bad_url' does not hold a usable http(s) "
        "URL (malformed URL; value not shown)"
    ) in lines
    assert not any("not a url at all" in line for line in lines)


def test_malformed_url_without_whitespace(memory_keyring):
    org = load(
        '[[channels]]\nid = "h"\ntype = "webhook"\nurl = "ftp://example.com/x"\npeople = ["kenji.sato"]\n'
    )
    assert findings(org) == [
        "org.toml:4: error: channel 'h': malformed URL 'ftp://example.com/x' "
        "(expected http:// or https://)"
    ]
    org = load(
        '[[channels]]\nid = "h"\ntype = "webhook"\nurl = "https:///nohost"\npeople = ["kenji.sato"]\n'
    )
    assert findings(org) == [
        "org.toml:4: error: channel 'h': malformed URL 'https:///nohost' (no host)"
    ]


def test_slack_url_in_the_file_is_refused_because_it_carries_a_token(memory_keyring):
    org = load(
        '[[channels]]\nid = "s"\ntype = "slack"\nurl = "https://hooks.slack.com/services/T/B/x"\n'
        'teams = ["payments"]\n'
    )
    lines = findings(org)
    assert any(
        line.startswith("org.toml:4: error: channel 's': a Slack webhook URL carries its token")
        for line in lines
    )
    assert any(
        line.startswith("org.toml:1: error: channel 's': a slack channel needs url_secret")
        for line in lines
    )


def test_plain_http_to_a_remote_host_is_a_warning(memory_keyring):
    org = load(
        '[[channels]]\nid = "h"\ntype = "webhook"\nurl = "http://hooks.example.com/x"\npeople = ["kenji.sato"]\n'
    )
    assert findings(org) == [
        "org.toml:4: warning: channel 'h': http://hooks.example.com/x is plain http; "
        "pages would travel unencrypted"
    ]


def _sev1_15_line() -> int:
    """Where the default org declares the SEV1 +15 min step (the line moves as the file grows)."""
    lines = (Path(console.model.__file__).parent / "defaults" / "org.toml").read_text().splitlines()
    for number, line in enumerate(lines, 1):
        if line == "[[escalation]]" and lines[number : number + 2] == [
            'severity = "SEV1"',
            "offset_minutes = 15",
        ]:
            return number
    raise AssertionError("the default org has no SEV1 +15 min step")


def test_people_no_channel_reaches_are_a_warning_per_role(memory_keyring):
    org = load(GOOD)
    lines = [f.line() for f in run_checks(org) if "no channel" in f.message]
    vp = [line for line in lines if "'vp_engineering'" in line]
    assert vp == [
        f"<defaults>/org.toml:{_sev1_15_line()}: warning: SEV1 +15min: role 'vp_engineering' "
        "can resolve to Taro "
        "Yamamoto (taro.yamamoto), whom no channel reaches; they would appear on the timeline as "
        "'page them by hand'"
    ]
    assert not any("'sre_lead'" in line for line in lines)  # hana.kobayashi has pd-sre


def test_channel_errors_make_the_runner_refuse_to_start(memory_keyring):
    org = load(BAD)
    with pytest.raises(OrgError) as err:
        paging_config(org)
    assert all(p.startswith("org.toml:") for p in err.value.problems)


def test_no_keyring_backend_is_a_clear_finding_not_a_crash():
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        org = load(GOOD)
        lines = findings(org)
    finally:
        keyring.set_keyring(before)
    assert any(
        "cannot check secrets pd_sre_key, slack_ops_url: no keyring backend is available" in line
        and "INCIDENT_CONSOLE_SECRET_<NAME>" in line
        for line in lines
    ), lines


def test_env_override_satisfies_the_check(monkeypatch):
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("INCIDENT_CONSOLE_SECRET_PD_SRE_KEY", "k")
    monkeypatch.setenv(
        "INCIDENT_CONSOLE_SECRET_SLACK_OPS_URL", "https://hooks.slack.com/services/T/B/x"
    )
    try:
        assert findings(load(GOOD)) == []
    finally:
        keyring.set_keyring(before)


def test_notify_section_per_severity_overrides_and_errors():
    text = """
[notify]
repeats = 1
status_update_minutes = 20
bogus = 3

[notify.SEV1]
renotify_minutes = 2
escalate_early_minutes = "soon"

[notify.SEV5]
page = false
"""
    org = load(text)
    policy, problems = parse_policy(org)
    assert policy.for_severity("SEV1").renotify_minutes == 2
    assert (
        policy.for_severity("SEV1").repeats == 1
    )  # the [notify] default applies to every severity
    assert policy.for_severity("SEV1").escalate_early_minutes == 10  # bad value: the default stays
    assert policy.for_severity("SEV5").page is False
    assert policy.status_update_minutes == 20
    lines = [f.line() for f in problems]
    assert lines[0].startswith("org.toml:5: error: unknown key 'bogus' in [notify]")
    assert (
        "org.toml:9: error: escalate_early_minutes must be a number of minutes >= 0 (0 turns it off), got 'soon'"
        in lines
    )


def test_duplicate_channel_ids_and_unmapped_channels():
    text = (
        '[[channels]]\nid = "a"\ntype = "webhook"\nurl = "https://x.example/h"\n\n'
        '[[channels]]\nid = "a"\ntype = "webhook"\nurl = "https://y.example/h"\n'
    )
    channels, problems = parse_channels(load(text))
    lines = [f.line() for f in problems]
    assert (
        "org.toml:1: warning: channel 'a' is mapped to nobody: give it people, teams, roles or nudges = true"
        in lines
    )
    assert "org.toml:7: error: channel 'a' is defined twice (first at org.toml:1)" in lines


# ------------------------------------------------------------------ CLI


def run(capsys, *argv, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_model_check_cli_reports_channel_problems(tmp_path, capsys, memory_keyring):
    path = tmp_path / "org.toml"
    path.write_text(BAD)
    code, out, _ = run(capsys, "--org", str(path), "model", "check")
    assert code == 1
    assert f"{path}:5: error: channel 'pd-sre': unknown person 'hana.kobayashy'" in out
    code, out, _ = run(capsys, "--org", str(path), "model", "check", "--json")
    data = json.loads(out)
    assert data["ok"] is False
    assert {
        "level": "error",
        "where": f"{path}:11",
        "message": "channel 'hook': unknown team 'no-such-team'",
    } in data["findings"]


def test_secret_set_reads_stdin_into_the_keyring(capsys, monkeypatch, memory_keyring):
    code, out, _ = run(
        capsys, "secret", "set", "pd_sre_key", stdin="R0UTING\n", monkeypatch=monkeypatch
    )
    assert code == 0 and "stored in the OS keyring (service incident-console-secrets)" in out
    assert memory_keyring.get_password("incident-console-secrets", "pd_sre_key") == "R0UTING"
    assert "R0UTING" not in out
    code, out, _ = run(capsys, "secret", "status", "pd_sre_key", "--json")
    assert json.loads(out) == [{"name": "pd_sre_key", "channel": None, "source": "keyring"}]
    code, out, _ = run(capsys, "secret", "delete", "pd_sre_key")
    assert (
        code == 0 and memory_keyring.get_password("incident-console-secrets", "pd_sre_key") is None
    )


def test_secret_cli_errors_are_one_line(capsys, monkeypatch, memory_keyring):
    code, _, err = run(capsys, "secret", "set", "bad name!", stdin="x", monkeypatch=monkeypatch)
    assert code == 2 and err.strip().startswith("incident-console: error: secret name 'bad name!'")
    code, _, err = run(capsys, "secret", "set", "empty", stdin="\n", monkeypatch=monkeypatch)
    assert code == 2 and "empty value" in err
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        code, _, err = run(capsys, "secret", "set", "k", stdin="v", monkeypatch=monkeypatch)
    finally:
        keyring.set_keyring(before)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "no keyring backend is available" in err and "INCIDENT_CONSOLE_SECRET_<NAME>" in err


def test_model_json_shows_the_channels_section(tmp_path, capsys, memory_keyring):
    path = tmp_path / "org.toml"
    path.write_text(GOOD)
    assert cli.main(["--org", str(path), "model", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in data["channels"]] == ["pd-sre", "slack-ops"]
    assert "__where__" not in data
