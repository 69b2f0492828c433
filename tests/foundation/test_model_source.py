"""Every construct of MODEL.md is visible through `model --json` and matches the source.

The SOURCE_* tables below are transcribed by hand from the source document
(分散責任型インシデント管理アーキテクチャ, in Japanese); each cell keeps the source's
text next to the English rendering the console uses, so a reader can check the
transcription, and the tests check the console against it in any clone.
"""

from __future__ import annotations

import pytest

# ---- 技術アーキテクチャ層: (id, name, 影響範囲 blast radius, 検知方法 detection, 復旧戦略 recovery)
SOURCE_LAYERS = [
    (
        "edge",
        "Edge & Distribution",
        ("全サービス横断", "all services"),
        ("地理的分散監視", "geographically distributed monitoring"),
        ("トラフィック迂回・フェイルオーバー", "reroute traffic, fail over"),
    ),
    (
        "gateway",
        "Gateway & Integration",
        ("複数サービス群", "groups of services"),
        ("API成功率・レイテンシ監視", "API success rate & latency monitoring"),
        (
            "サーキットブレーカー・グレースフルデグラデーション",
            "circuit breaker, graceful degradation",
        ),
    ),
    (
        "service",
        "Business Service",
        ("特定ビジネス機能", "a specific business function"),
        ("ビジネスメトリクス監視", "business-metric monitoring"),
        ("ドメイン知識に基づく対応", "domain-knowledge response"),
    ),
    (
        "data",
        "Data & Persistence",
        ("データ依存全サービス", "every service that depends on the data"),
        ("データ整合性・パフォーマンス監視", "data integrity & performance monitoring"),
        ("レプリケーション切替・データリストア", "replica switch-over, data restore"),
    ),
]
# 各層の責任範囲: four responsibilities per layer.
SOURCE_LAYER_RESPONSIBILITIES = {"edge": 4, "gateway": 4, "service": 4, "data": 4}

# ---- インシデント重要度別責任分散: severity -> {team type: role}; "-" cells are absent.
SOURCE_SEVERITY_MATRIX = {
    "SEV1": {
        "platform": ("インフラ支援", "infrastructure support"),
        "product": ("ドメイン対応", "domain response"),
        "sre": ("全体調整", "overall coordination"),
        "leadership": ("意思決定", "decision making"),
    },
    "SEV2": {
        "platform": ("必要時支援", "support when needed"),
        "product": ("主体的対応", "leads the response"),
        "sre": ("技術支援", "technical support"),
        "leadership": ("状況監視", "watches the situation"),
    },
    "SEV3": {
        "product": ("独立対応", "responds independently"),
        "sre": ("後方支援", "back-up support"),
    },
    # The source has one row "SEV4-5" for both levels.
    "SEV4": {"product": ("独立判断", "decides independently")},
    "SEV5": {"product": ("独立判断", "decides independently")},
}

# ---- 技術領域別責任分散: (source domain, console id, 一次対応, 二次支援, 最終責任)
SOURCE_DOMAIN_MATRIX = [
    ("エッジ・CDN", "edge-cdn", "platform", "sre", "platform"),
    ("API Gateway", "api-gateway", "platform", "product", "platform"),
    ("認証・認可", "authn-authz", "platform", "security", "platform"),
    ("ビジネスロジック", "business-logic", "product", "sre", "product"),
    ("データベース", "database", "platform", "product", "platform"),
    ("監視・アラート", "monitoring", "sre", "platform", "sre"),
]

# ---- 原則4 escalation_rules, exactly as the source's python block.
SOURCE_ESCALATION = {
    "SEV1": [
        (0, ["platform_lead", "product_leads", "sre_lead"]),
        (15, ["vp_engineering"]),
        (30, ["cto", "business_leads"]),
    ],
    "SEV2": [
        (0, ["responsible_team"]),
        (15, ["platform_support", "sre_support"]),
        (60, ["engineering_manager"]),
    ],
}

# ---- アーキテクチャパターン
SOURCE_PATTERNS = {
    "platform-led": ("Platform-Led Architecture", "Platform-Led"),
    "product-led": ("Product-Led Architecture", "Product-Led"),
    "sre-mediated": ("SRE-Mediated Architecture", "SRE-Mediated"),
}

# ---- アーキテクチャ成熟度モデル: level, name, MTTR minutes (lo, hi), mis-escalation
# rate (lo, hi), coordination minutes (lo, hi), prevention (lo); None = open end.
SOURCE_MATURITY = [
    (1, "Basic Distribution", (60, 120), (0.20, None), (30, None), None),
    (2, "Controlled Distribution", (30, 60), (0.10, 0.20), (10, 30), None),
    (3, "Optimized Distribution", (None, 30), (None, 0.10), (None, 10), None),
    (4, "Self-Adaptive Distribution", (None, 15), (None, 0.05), None, 0.80),
]

# ---- モデルをもとに期待する効果を得るためのプラクティス: (step title, step, actions)
SOURCE_PRACTICE = [
    ("現状分析・設計", 1, 3),
    ("責任マトリクス構築", 2, 3),
    ("プロセス・ツール整備", 3, 3),
    ("組織能力開発", 4, 3),
]

# ---- アーキテクチャ設計原則
SOURCE_PRINCIPLES = [
    (1, "責任と権限の一致", "Responsibility equals authority", 3),
    (2, "局所化と影響限定", "Localise and limit the blast radius", 3),
    (3, "観測可能性の層別設計", "Layered observability", 4),
    (4, "エスカレーション自動化", "Automated escalation", None),
]


@pytest.fixture(scope="module")
def model_json():
    import contextlib
    import io
    import json

    from console import cli

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert cli.main(["model", "--json"]) == 0
    return json.loads(buf.getvalue())


def by_id(rows, key="id"):
    return {r[key]: r for r in rows}


def test_transcription_is_self_consistent():
    """The transcription carries the source's own words beside the English, so it can be
    read against the source document; here it must at least be whole and well formed."""
    cells = [ja for layer in SOURCE_LAYERS for ja, _ in layer[2:]]
    cells += [ja for row in SOURCE_SEVERITY_MATRIX.values() for ja, _ in row.values()]
    cells += [row[0] for row in SOURCE_DOMAIN_MATRIX]
    cells += [p[1] for p in SOURCE_PRINCIPLES]
    cells += [ja for ja, _, _ in SOURCE_PRACTICE]
    assert all(c.strip() for c in cells)
    assert [m[0] for m in SOURCE_MATURITY] == [1, 2, 3, 4]
    assert [step for _, step, _ in SOURCE_PRACTICE] == [1, 2, 3, 4]


def test_practice_steps_as_the_source(model_json):
    steps = model_json["practice_steps"]
    assert [(s["step"], len(s["actions"])) for s in steps] == [
        (step, actions) for _, step, actions in SOURCE_PRACTICE
    ]
    assert model_json["meta"]["target_level"] in (1, 2, 3, 4)


def test_layers_with_incident_characteristics(model_json):
    layers = by_id(model_json["layers"])
    assert list(layers) == [row[0] for row in SOURCE_LAYERS]
    for lid, name, blast, detection, recovery in SOURCE_LAYERS:
        got = layers[lid]
        assert got["name"] == name
        assert got["blast_radius"] == blast[1]
        assert got["detection"] == detection[1]
        assert got["recovery"] == recovery[1]
        assert len(got["responsibilities"]) == SOURCE_LAYER_RESPONSIBILITIES[lid]
        assert got["observability"], f"layer {lid}: principle 3 (layered observability) is missing"


def test_team_types_and_organisation_layers(model_json):
    types = by_id(model_json["team_types"])
    assert {"platform", "product", "sre", "security", "leadership"} <= set(types)
    for tid in ("platform", "product", "sre"):
        assert len(types[tid]["responsibilities"]) == 4
        for field in ("incident_role", "authority", "on_call"):
            assert types[tid][field], f"{tid}.{field} empty"
    assert types["platform"]["authority"] == "change rights over all infrastructure"
    assert types["product"]["incident_role"] == "first response for the services it owns"
    assert types["sre"]["on_call"] == "expertise-based support & review"


def test_severity_matrix(model_json):
    matrix = by_id(model_json["severity_matrix"])
    assert list(matrix) == ["SEV1", "SEV2", "SEV3", "SEV4", "SEV5"]
    for sev, expected in SOURCE_SEVERITY_MATRIX.items():
        got = matrix[sev]
        assert {t: en for t, (_, en) in expected.items()} == got["roles"], sev
        assert got["meaning"], f"{sev} has no one-line meaning"


def test_domain_matrix(model_json):
    domains = model_json["domain_matrix"]
    assert len(domains) == 6
    got = by_id(domains)
    for _, did, first, second, final in SOURCE_DOMAIN_MATRIX:
        assert (got[did]["first"], got[did]["second"], got[did]["final"]) == (
            first,
            second,
            final,
        ), did
    layers = {d["id"]: d["layer"] for d in domains}
    assert layers == {
        "edge-cdn": "edge",
        "api-gateway": "gateway",
        "authn-authz": "gateway",
        "business-logic": "service",
        "database": "data",
        "monitoring": "",
    }


def test_escalation_sev1_sev2_exactly_as_source(model_json):
    rules = model_json["escalation_rules"]
    for sev, expected in SOURCE_ESCALATION.items():
        got = [(r["offset_minutes"], r["targets"]) for r in rules if r["severity"] == sev]
        assert got == expected, sev
        assert all(r["derived"] is None for r in rules if r["severity"] == sev)
    # The default pattern moves nobody, so the effective policy is the source's too.
    policy = model_json["effective_policy"]
    for sev, expected in SOURCE_ESCALATION.items():
        assert [(r["offset_minutes"], r["targets"]) for r in policy[sev]] == expected


def test_sev3_to_sev5_rules_exist_and_say_they_are_derived(model_json):
    rules = model_json["escalation_rules"]
    for sev in ("SEV3", "SEV4", "SEV5"):
        mine = [r for r in rules if r["severity"] == sev]
        assert mine, f"{sev} has no rules"
        assert all(r["derived"] for r in mine), f"{sev} rules must be marked derived"
        assert mine[0]["offset_minutes"] == 0 and mine[0]["targets"] == ["responsible_team"]
    # SEV3: SRE is back-up support (the severity matrix), later than the first response.
    sev3 = [r for r in rules if r["severity"] == "SEV3"]
    assert any("sre_support" in r["targets"] and r["offset_minutes"] > 0 for r in sev3)
    for sev in ("SEV4", "SEV5"):
        assert [r["targets"] for r in rules if r["severity"] == sev] == [["responsible_team"]]


def test_three_patterns(model_json):
    patterns = by_id(model_json["patterns"])
    assert set(patterns) == set(SOURCE_PATTERNS)
    for pid, (_, name) in SOURCE_PATTERNS.items():
        p = patterns[pid]
        assert p["name"] == name
        assert p["when"] and p["character"]
        assert set(p["coordinator"]) == {"SEV1", "SEV2"}
    assert model_json["pattern_in_force"]["id"] == model_json["meta"]["pattern"]


def test_four_maturity_levels_with_bands(model_json):
    levels = model_json["maturity_levels"]
    assert [m["level"] for m in levels] == [1, 2, 3, 4]
    band_keys = ("mttr_minutes", "mis_escalation_rate", "coordination_minutes")
    for got, (_level, name, mttr, mis, coord, prevention) in zip(
        levels, SOURCE_MATURITY, strict=True
    ):
        assert got["name"].replace("Optimised", "Optimized") == name
        assert len(got["traits"]) == 3
        # Each band as the source gives it: a range, or an open bound on one side.
        for key, source in zip(band_keys, (mttr, mis, coord), strict=True):
            assert got[key] == _band(source), (name, key)
        assert got["prevention_rate"] == _band((prevention, None) if prevention else None)


def _band(source):
    """(lo, hi) from the transcription as the TOML band: from/to, below or above."""
    if source is None:
        return None
    lo, hi = source
    if lo is not None and hi is not None:
        return {"from": pytest.approx(lo), "to": pytest.approx(hi)}
    return {"below": pytest.approx(hi)} if hi is not None else {"above": pytest.approx(lo)}


def test_four_principles(model_json):
    principles = model_json["principles"]
    assert [(p["id"], p["name"]) for p in principles] == [
        (i, en) for i, _, en, _ in SOURCE_PRINCIPLES
    ]
    for got, (_, _, _, practices) in zip(principles, SOURCE_PRINCIPLES, strict=True):
        assert got["statement"]
        if practices is not None:
            assert len(got["practices"]) == practices


def test_demo_org_resolves_every_role_of_the_rules(model_json):
    roles = by_id(model_json["roles"])
    for expected in SOURCE_ESCALATION.values():
        for _, targets in expected:
            for role in targets:
                assert role in roles
                assert roles[role]["people"] or roles[role]["teams"]
    assert 10 <= len(model_json["teams"]) <= 16
    assert 25 <= len(model_json["services"]) <= 40
    teams = by_id(model_json["teams"])
    for s in model_json["services"]:
        assert s["owner"] in teams and s["layer"] in {"edge", "gateway", "service", "data"}


def test_human_model_output_names_every_construct(run):
    r = run("model")
    assert r.code == 0
    for heading in (
        "Layers:",
        "Severity matrix:",
        "Domain matrix",
        "Escalation",
        "Patterns:",
        "Maturity (",
        "Principles:",
    ):
        assert heading in r.out
    assert "[derived:" in r.out
    assert r.out.count("SEV1 +") == 3
