"""The pure decision (console.model.paging.decide.decide) on plain values: no database, no
HTTP. Hypothesis drives random pass times, acknowledgements and resolution and checks
the invariants that make paging trustworthy."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nkit import T0

from console.model.channels import PagingConfig, paging_config
from console.model.clock import iso
from console.model.events import Event, to_plain
from console.model.fold import fold
from console.model.folds.paging import state_of
from console.model.org import load_org
from console.model.paging.decide import decide, still_wanted
from console.model.paging.targets import step_targets

CHANNELS = """
[[channels]]
id = "pd"
type = "pagerduty"
routing_key_secret = "k"
people = ["kenji.sato", "hana.kobayashi", "taro.yamamoto", "yuki.nakamura"]
teams = ["payments", "sre-core", "platform-infra", "platform-data"]
roles = ["business_leads", "product_leads", "engineering_manager"]

[[channels]]
id = "room"
type = "slack"
url_secret = "u"
nudges = true
teams = ["payments"]
"""

ORG = load_org([(CHANNELS, "org.toml")])
CFG = paging_config(ORG)
TARGETS = ["kenji.sato", "aoi.matsumoto", "hana.kobayashi", "taro.yamamoto"]


class Log:
    """Events in memory, stamped in order (the fold sorts by hlc)."""

    def __init__(self):
        self.events: list[Event] = []

    def add(self, kind: str, body: dict, at, actor: str = "kenji.sato") -> None:
        n = len(self.events)
        self.events.append(
            Event(f"e{n:05d}", "INC-1", kind, body, actor, "dev", f"{n:016d}", iso(at))
        )

    def declare(self, severity: str = "SEV1", services=("payment-api",), commander="kenji.sato"):
        self.add(
            "declared",
            {
                "title": "Payments failing",
                "severity": severity,
                "layers": ["service"],
                "services": list(services),
                "commander": commander,
                "pattern": "sre-mediated",
                "responsible_team": "payments",
                "policy": {"steps": ORG.policy(), "overdue_after_seconds": 60},
            },
            T0,
        )

    def incident(self):
        return fold(self.events)

    def decide(self, at, cfg: PagingConfig = CFG):
        intents = decide(self.incident(), ORG, cfg, at)
        for i in intents:
            self.add("page_queued", to_plain(i.event_body()), at, actor="escalation-bot")
        return intents


def minutes(m: float):
    return T0 + timedelta(minutes=m)


def test_first_pass_pages_every_target_of_the_due_step_once():
    log = Log()
    log.declare()
    intents = log.decide(T0)
    triggers = [i for i in intents if i.kind == "trigger"]
    assert [(i.step, i.target, i.round, i.reason) for i in triggers] == [
        ("SEV1+0", "kenji.sato", 0, "due"),
        ("SEV1+0", "aoi.matsumoto", 0, "due"),
        ("SEV1+0", "hana.kobayashi", 0, "due"),
    ]
    assert [i.key for i in triggers] == [
        "INC-1/SEV1+0/kenji.sato/r0",
        "INC-1/SEV1+0/aoi.matsumoto/r0",
        "INC-1/SEV1+0/hana.kobayashi/r0",
    ]
    assert log.decide(T0) == []  # decided once: nothing new at the same moment
    assert triggers[0].message["dedup_key"] == "incident-console/INC-1/kenji.sato"


def test_deciding_is_deterministic():
    log = Log()
    log.declare()
    inc = log.incident()
    a = decide(inc, ORG, CFG, minutes(7))
    b = decide(log.incident(), ORG, CFG, minutes(7))
    assert [i.key for i in a] == [i.key for i in b] and [i.message for i in a] == [
        i.message for i in b
    ]


def test_catch_up_collapses_missed_repeats_into_one():
    log = Log()
    log.declare()
    log.decide(T0)
    later = log.decide(minutes(40))  # the runner was down from +0 to +40
    kenji = [i for i in later if i.target == "kenji.sato" and i.step == "SEV1+0"]
    assert [(i.round, i.scheduled_at) for i in kenji] == [(1, minutes(5))]
    assert kenji[0].late_by(minutes(40)) == 35 * 60


def test_a_person_who_paged_by_hand_is_left_alone():
    log = Log()
    log.declare()
    log.add("step_ticked", {"step": "SEV1+0", "mark": "notified"}, T0)
    assert [i for i in log.decide(minutes(1)) if i.kind == "trigger"] == []


def test_policy_page_false_silences_a_severity():
    log = Log()
    log.declare("SEV4")
    cfg = paging_config(load_org([(CHANNELS + "\n[notify.SEV4]\npage = false\n", "org.toml")]))
    assert [i for i in log.decide(minutes(1), cfg) if i.kind == "trigger"] == []


def test_lowering_the_severity_stops_the_higher_severitys_pages():
    log = Log()
    log.declare("SEV1")
    intents = log.decide(T0)
    log.add("step_ticked", {"step": "SEV1+0", "mark": "notified"}, T0, actor="escalation-bot")
    log.add("severity_set", {"severity": "SEV3"}, minutes(1))
    inc = log.incident()
    assert (
        still_wanted(inc, to_plain(intents[0].event_body()), minutes(1))
        == "the severity was lowered to SEV3 before delivery"
    )
    later = log.decide(minutes(20))
    # no repeats of SEV1+0 (ticked, so still on the list), no SEV1+15 (cancelled); SEV3's own steps page
    assert not [i for i in later if i.kind == "trigger" and i.step.startswith("SEV1")]
    assert {i.step for i in later if i.kind == "trigger"} == {"SEV3+0"}


def test_a_drill_is_routed_only_to_the_drill_channel():
    log = Log()
    log.declare()
    first = log.events[0]
    log.events[0] = Event(
        first.event_id,
        first.incident_id,
        first.kind,
        {**first.body, "drill": "dr"},
        first.actor,
        first.origin,
        first.hlc,
        first.at,
    )
    intents = log.decide(minutes(6))
    assert intents and {c for i in intents for c in i.channels} == {"drill"}


# ------------------------------------------------------------------ properties


@st.composite
def scenarios(draw):
    severity = draw(st.sampled_from(["SEV1", "SEV2", "SEV3"]))
    passes = sorted(
        set(draw(st.lists(st.floats(0, 120, allow_nan=False), min_size=1, max_size=25)))
    )
    acks = draw(
        st.lists(
            st.tuples(st.sampled_from(TARGETS), st.floats(0, 120, allow_nan=False)), max_size=3
        )
    )
    step_ack = draw(st.none() | st.floats(0, 120, allow_nan=False))
    resolve = draw(st.none() | st.floats(0, 120, allow_nan=False))
    return severity, passes, acks, step_ack, resolve


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_paging_invariants(scenario):
    severity, passes, acks, step_ack, resolve = scenario
    log = Log()
    log.declare(severity)
    policy = CFG.policy.for_severity(severity)
    pending = sorted(
        [(m, "ack", t) for t, m in acks]
        + ([(step_ack, "step_ack", None)] if step_ack is not None else [])
        + ([(resolve, "resolve", None)] if resolve is not None else []),
        key=lambda x: x[0],
    )
    decided: list[tuple] = []
    acked_at: dict[str, float] = {}
    step_acked_at = None
    resolved_at = None
    for m in passes:
        while pending and pending[0][0] <= m:
            at, what, who = pending.pop(0)
            inc = log.incident()
            if what == "ack" and inc.open:
                log.add("page_acknowledged", {"target": who, "step": None}, minutes(at), actor=who)
                acked_at.setdefault(who, at)
            elif what == "step_ack" and inc.open:
                first = f"{severity}+0"
                log.add("step_ticked", {"step": first, "mark": "acknowledged"}, minutes(at))
                step_acked_at = at if step_acked_at is None else step_acked_at
            elif what == "resolve" and inc.open:
                log.add("resolved", {}, minutes(at))
                resolved_at = at
        for i in log.decide(minutes(m)):
            decided.append((m, i))
    keys = [i.key for _, i in decided]
    assert len(keys) == len(set(keys)), "an intent was decided twice"
    rounds: dict[tuple, list[tuple[float, int]]] = {}
    for m, i in decided:
        if resolved_at is not None and m >= resolved_at:
            assert i.kind == "resolve", f"{i.kind} after the incident was resolved"
        if i.kind != "trigger":
            continue
        rounds.setdefault((i.step, i.target), []).append((m, i.round))
        if i.target in acked_at:
            assert m < acked_at[i.target], f"{i.target} paged after acknowledging"
        if step_acked_at is not None and i.step == f"{severity}+0":
            assert m < step_acked_at, "step paged after it was acknowledged"
        assert i.scheduled_at <= minutes(m)
        if i.round == 0:
            due_at = next(s.due_at for s in log.incident().plan(minutes(m)) if s.key == i.step)
            assert i.scheduled_at <= due_at
            if i.scheduled_at < due_at:
                assert i.reason.startswith("early: nobody acknowledged"), i.reason
                plan = [s for s in log.incident().plan(minutes(m)) if s.severity == severity]
                prev = plan[[s.key for s in plan].index(i.step) - 1]
                prev_targets = {t.id for t in step_targets(ORG, log.incident(), prev)}
                assert not any(acked_at.get(t, 1e9) <= m for t in prev_targets), (
                    "early despite an ack"
                )
                if prev.offset_minutes == 0:
                    assert step_acked_at is None or step_acked_at > m, "early despite a step ack"
    for (_step, _target), seq in rounds.items():
        assert [r for _, r in seq] == list(range(len(seq))), "rounds skip or repeat"
        assert len(seq) <= policy.repeats + 1, "more repeats than the policy allows"
        times = [m for m, _ in seq]
        for a, b in zip(times, times[1:], strict=False):
            # event times are stored to the millisecond, so a pass a fraction of a
            # millisecond in counts from the whole millisecond before it
            one_ms = 1 / 60_000
            assert b - a >= policy.renotify_minutes - one_ms, (
                "repeated sooner than renotify_minutes"
            )
    # liveness: a step due while open and unacknowledged is paged at the first pass after it fell due
    inc = log.incident()
    st_ = state_of(inc)
    last = passes[-1]
    for step in inc.plan(minutes(last)):
        if step.severity != severity or step.offset_minutes > last:
            continue
        due = step.offset_minutes
        first_pass = next((m for m in passes if m >= due), None)
        if first_pass is None or (resolved_at is not None and resolved_at <= first_pass):
            continue
        if step_ack is not None and step_ack <= first_pass and step.offset_minutes == 0:
            continue
        paged = {t for (s, t) in st_.pages if s == step.key}
        for target in step_targets(ORG, inc, step):
            if acked_at.get(target.id, 1e9) <= first_pass:
                continue  # acknowledged before it was their turn
            assert target.id in paged, (
                f"{step.key} fell due at +{due}; {target.id} not paged by +{first_pass}"
            )
