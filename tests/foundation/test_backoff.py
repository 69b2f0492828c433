"""One backoff and one Retry-After reader for sync and paging: exponential waits with
a cap and the caller's jitter; the other side's Retry-After wins when it is longer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from console.model.backoff import Backoff, key_jitter, parse_retry_after
from console.model.channels import NotifyPolicy

NOW = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)


# ------------------------------------------------------------------ Retry-After


@pytest.mark.parametrize(
    "value, seconds",
    [
        ("5", 5.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("-5", 0.0),  # a negative wait is no wait
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
        ("Wed, 21 Oct 2015 09:28:10 +0200", 10.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # a date in the past: go now
    ],
)
def test_retry_after_reads_delta_seconds_and_http_dates(value, seconds):
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize("value", [None, "", "   ", "soon", "5 seconds", "1e3", "Wed, 99 Foo"])
def test_retry_after_garbage_is_none(value):
    assert parse_retry_after(value, NOW) is None


def test_retry_after_dates_are_measured_from_the_given_now():
    later = NOW + timedelta(seconds=4)
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", later) == 6.0


# ------------------------------------------------------------------ backoff


def test_exponential_doubles_up_to_the_cap():
    b = Backoff(base=0.5, cap=30.0)
    assert [b.exponential(i) for i in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert b.exponential(-3) == 0.5
    assert b.exponential(10_000) == 30.0  # a console offline for days does not overflow


def test_jitter_scales_and_never_passes_the_cap():
    b = Backoff(base=10.0, cap=60.0)
    assert b.exponential(2, jitter=0.25) == 10.0  # full jitter: a fraction of the wait
    assert b.exponential(2, jitter=0.0) == 0.0
    assert b.exponential(2, jitter=1.2) == 48.0  # stretched
    assert b.exponential(3, jitter=1.2) == 60.0  # but never past the cap


def test_key_jitter_is_stable_and_spreads_keys():
    keys = [f"INC-{n}/SEV1+0/kenji.sato/pd-sre" for n in range(50)]
    factors = [key_jitter(k) for k in keys]
    assert factors == [key_jitter(k) for k in keys]
    assert all(1.0 <= f < 1.25 for f in factors)
    assert len(set(factors)) > 10


def test_retry_after_wins_only_when_longer_and_is_capped():
    b = Backoff(base=15.0, cap=300.0, retry_after_cap=3600.0)
    assert b.delay(0) == 15.0
    assert b.delay(0, retry_after=120) == 120.0
    assert b.delay(3, retry_after=1) == 120.0  # our own wait is longer
    assert b.delay(0, retry_after=86_400) == 3600.0
    assert b.delay(0, retry_after=-1) == 15.0
    assert b.honour(300.0, None) == 300.0


def test_retry_after_spread_adds_a_share_of_our_wait():
    b = Backoff(base=0.5, cap=30.0, retry_after_cap=300.0, retry_after_spread=0.1)
    assert b.delay(0, retry_after=12) == pytest.approx(12.05)
    assert b.delay(0, jitter=0.0, retry_after=7) == 7.0


def test_paging_policy_retries_from_its_configured_base_and_max():
    policy = NotifyPolicy(retry_base_seconds=15, retry_max_seconds=300)
    key = "INC-1/SEV1+0/kenji.sato/pd-sre"
    first = policy.backoff.exponential(0, key_jitter(key))
    assert 15.0 <= first < 15.0 * 1.25
    assert policy.backoff.exponential(1, key_jitter(key)) == pytest.approx(2 * first)
    assert policy.backoff.exponential(20, key_jitter(key)) == 300.0
