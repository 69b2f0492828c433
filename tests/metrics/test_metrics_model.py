"""The pure half: percentiles, suggestions, prediction (maturity: tests/foundation)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.model import metrics as M


def test_percentile_linear_between_ranks():
    assert M.percentile([], 0.5) is None
    assert M.percentile([7], 0.9) == 7
    assert M.percentile([4, 8, 10, 15, 36], 0.9) == pytest.approx(27.6)  # rank 3.6
    assert M.percentile([30, 50, 50, 70], 0.5) == 50
    assert M.rank_bounds(5, 0.5) == (2, 2, 0.0)
    assert M.rank_bounds(4, 0.9) == (2, 3, pytest.approx(0.7))


@given(
    st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=50),
    st.sampled_from([0.5, 0.9]),
)
def test_percentile_lies_within_the_data_and_ignores_order(values, p):
    value = M.percentile(values, p)
    assert min(values) <= value <= max(values)
    assert M.percentile(list(reversed(values)), p) == value


def test_matrix_suggestions_need_a_dominant_resolver():
    rows = [
        ("data", "checkout", "platform-data", 4),
        ("data", "platform-data", "platform-data", 1),
        ("edge", "a", "a", 2),
        ("edge", "b", "b", 2),  # no resolver reaches 60%
        ("gateway", "x", "y", 2),
    ]  # only 2 incidents
    out = M.matrix_suggestions(
        rows, kind="layer", subject=lambda k: f"{k} incidents", team_name=str
    )
    assert [s["text"] for s in out] == [
        "data incidents were resolved by platform-data in 100% of cases (5/5), but checkout "
        "responded first in 80% (4/5): page platform-data first for them."
    ]
    matrix = M.matrix_suggestions(
        [("edge", "a", "a", 3)],
        kind="layer",
        subject=str,
        team_name=str,
        matrix_first=lambda k: "b",
    )
    assert (
        matrix[0]["change"] == "matrix" and "the matrix routes them to b first" in matrix[0]["text"]
    )


def test_predict_speaks_only_with_a_clear_margin():
    assert M.predict({"b": 2, "a": 2}, "service", "x") is None  # a tie is never broken
    assert M.predict({t: 1 for t in "abcde"}, "service", "x") is None  # five-way, 20 % each
    assert M.predict({"a": 2}, "service", "x") is None  # fewer than MIN_HISTORY
    assert M.predict({"b": 3, "a": 1}, "service", "x").team == "b"  # 75 %, 50 points ahead
    assert M.predict({"b": 5, "a": 4, "c": 1}, "service", "x") is None  # 50 %, 10 points ahead
    clear = M.predict({"b": 5, "a": 2, "c": 1}, "service", "x")  # 62.5 %, 37.5 points ahead
    assert (clear.team, clear.count, clear.total) == ("b", 5, 8)
    assert clear.share == pytest.approx(0.625)


def test_matrix_teams_for_a_cause(org):
    assert M.matrix_teams(org, "orders-db", "data", "SEV3") == {"platform-data", "sre-core"}
    assert M.matrix_teams(org, None, "edge", "SEV4") == {"platform-edge"}
    assert M.matrix_teams(org, "retired-service", None, "SEV2") is None
    assert M.cause_owner(org, "orders-db", None) == "platform-data"


def test_facts_never_raise_on_odd_bodies():
    from console.model.events import Event
    from console.model.fold import fold

    def ev(n, kind, body):
        return Event(
            f"e{n}",
            "INC-9",
            kind,
            body,
            "x",
            "o",
            f"1767225600000-{n:05d}",
            f"2026-01-01T00:0{n}:00.000Z",
        )

    evs = [
        ev(0, "declared", {"title": "t", "severity": "SEV3", "services": "cdn", "layers": [1]}),
        ev(1, "severity_set", {"severity": "SEVX"}),
        ev(2, "step_ticked", {"step": "SEV3+0", "mark": "acknowledged", "teams": "abc"}),
        ev(3, "step_unticked", {"step": "SEV3+0", "removes": "zz"}),
        ev(4, "resolved", {"cause_service": ["x"]}),
    ]
    facts, pages = M.facts_of(fold(evs), evs)
    assert facts.declared_service is None and facts.peak_severity == "SEV3" and pages == []
