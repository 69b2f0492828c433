"""The maturity model's assessment: which level a set of figures meets, read exactly as
the source words its bands, and what separates it from the next level.

One module for every face that grades figures: `assess`, the metrics screen and the
drill scorecard.

How a band is read (the source's wording, data in `[[maturity]]`):
- a range "30-60 min" meets the level up to and including its upper end;
- an open bound "< 30 min" or "> 80%" is strict;
- a band that only says how bad it gets ("> 20%" at level 1) asks nothing;
- a level that sets no band for a figure (coordination at level 4) asks nothing of it.
Level 1 is the floor: figures worse than its range are level 1, said to be outside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NotRequired, TypedDict

from console.model.org import Band, MaturityLevel, PracticeStep


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    band: str  # the MaturityLevel attribute holding this figure's band
    unit: str  # "min" | "rate"
    lower_is_better: bool = True


INDICATORS = (
    Indicator("mttr", "MTTR (mean)", "mttr_minutes", "min"),
    Indicator("mis_escalation", "mis-escalation rate", "mis_escalation_rate", "rate"),
    Indicator("coordination", "cross-team coordination (mean)", "coordination_minutes", "min"),
    Indicator("prevention", "prevention rate", "prevention_rate", "rate", lower_is_better=False),
)
BY_ID = {i.id: i for i in INDICATORS}


class IndicatorRow(TypedDict):
    """One figure of an assessment, as `assess` answers it."""

    id: str
    label: str
    value: float | None
    text: str
    unit: str
    level: int | None
    level_name: str | None
    outside: bool
    notes: list[str]
    thresholds: dict[str, str | None]
    needs: dict[str, str | None]


class StepRef(TypedDict):
    step: int
    name: str


class Gap(TypedDict):
    """What keeps one figure from a level, and (once attached) the practice steps that
    address it."""

    indicator: str
    value: float | None
    needs: str
    text: str
    short_by: NotRequired[float]
    steps: NotRequired[list[StepRef]]


# ------------------------------------------------------------------ reading bands


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "no data"
    return f"{value * 100:.1f}%" if unit == "rate" else f"{value:.1f} min"


def _num(value: float, unit: str) -> str:
    return f"{value * 100:g}%" if unit == "rate" else f"{value:g} min"


def band_text(band: Band | None, unit: str) -> str | None:
    """The band as the source words it: '60–120 min', '< 10%', '> 80%'."""
    if band is None:
        return None
    if band.low is not None and band.high is not None:
        low = f"{band.low * 100:g}" if unit == "rate" else f"{band.low:g}"
        return f"{low}–{_num(band.high, unit)}"
    if band.high is not None:
        return f"< {_num(band.high, unit)}"
    if band.low is not None:
        return f"> {_num(band.low, unit)}"
    return None  # (the org file never gives an empty band)


def requirement(band: Band | None, ind: Indicator) -> tuple[float, bool] | None:
    """(bound, strict) a figure must meet for the level, or None when the level asks
    nothing of it. A range's end on the good side is inclusive; an open bound is strict."""
    if band is None:
        return None
    is_range = band.low is not None and band.high is not None
    bound = band.high if ind.lower_is_better else band.low
    if bound is None:
        return None  # a band open on the bad side only describes the floor
    return bound, not is_range


def meets(value: float, req: tuple[float, bool] | None, ind: Indicator) -> bool:
    if req is None:
        return True
    bound, strict = req
    if ind.lower_is_better:
        return value < bound if strict else value <= bound
    return value > bound if strict else value >= bound


def requirement_text(req: tuple[float, bool], ind: Indicator) -> str:
    bound, strict = req
    if ind.lower_is_better:
        op = "<" if strict else "≤"
    else:
        op = ">" if strict else "≥"
    return f"{op} {fmt_value(bound, ind.unit)}"


def needs_text(level: MaturityLevel, ind: Indicator) -> str | None:
    req = requirement(getattr(level, ind.band), ind)
    return None if req is None else requirement_text(req, ind)


def _delta(value: float, bound: float, ind: Indicator) -> str:
    delta = abs(value - bound)
    amount = f"{delta * 100:.1f} points" if ind.unit == "rate" else f"{delta:.1f} min"
    return f"{amount} {'less' if ind.lower_is_better else 'more'}"


# ------------------------------------------------------------------ the assessment


def indicator_level(value: float, ind: Indicator, levels: Sequence[MaturityLevel]) -> int:
    """The highest level this figure allows: every band up to it met; 1 at worst."""
    reached = levels[0].level
    for lvl in levels[1:]:
        if not meets(value, requirement(getattr(lvl, ind.band), ind), ind):
            break
        reached = lvl.level
    return reached


def _outside(value, ind: Indicator, levels: Sequence[MaturityLevel]) -> str | None:
    """Why a figure lies outside the floor's range, if it does."""
    floor = levels[0]
    band = getattr(floor, ind.band)
    if value is None or meets(value, requirement(band, ind), ind):
        return None
    return (
        f"{fmt_value(value, ind.unit)} is outside level {floor.level}'s range "
        f"({band_text(band, ind.unit)}); level {floor.level} is the floor"
    )


def _unset_notes(ind: Indicator, levels: Sequence[MaturityLevel]) -> list[str]:
    """Say where the model sets no threshold, rather than inventing one."""
    above_floor = levels[1:]
    sets = [m.level for m in above_floor if requirement(getattr(m, ind.band), ind) is not None]
    if not sets:
        return []
    notes = []
    if min(sets) > above_floor[0].level:
        notes.append(f"the model sets a {ind.label} only from level {min(sets)}")
    notes += [
        f"the model sets no level-{m.level} threshold for {ind.label}"
        for m in above_floor
        if m.level > max(sets)
    ]
    return notes


def assess(
    values: dict[str, float | None],
    levels: Iterable[MaturityLevel],
    *,
    missing: str | Mapping[str, str] = "no data",
    unmeasured: Iterable[str] = (),
    labels: dict[str, str] | None = None,
    target: int | None = None,
    practice: Sequence[PracticeStep] = (),
) -> dict:
    """Per figure the highest level it allows; overall the lowest of those.

    missing: what a None figure means — "no data" (not counted) or "never reached"
    (counted at the floor); or that per figure ({"coordination": "no data", ...}, "no
    data" for a figure not named). unmeasured: figures the caller cannot measure at all (one
    drill cannot show a prevention rate): a level that needs one is not claimed.
    labels: the caller's name for a figure where it measures it its own way.
    target, practice: the organisation's target level and the model's practice steps;
    the answer then says how far the target is and which step closes each gap."""
    levels = sorted(levels, key=lambda m: m.level)
    names = {m.level: m.name for m in levels}
    floor = levels[0].level
    indicators: list[IndicatorRow] = []
    for ind in INDICATORS:
        if ind.id in unmeasured:
            continue
        value = values.get(ind.id)
        never = _missing(missing, ind.id) == "never reached"
        if value is None:
            level = floor if never else None
        else:
            level = indicator_level(value, ind, levels)
        outside = _outside(value, ind, levels)
        notes = [outside] if outside else []
        if value is None and never:
            notes.append("never reached in this run: counted at the floor")
        notes += _unset_notes(ind, levels)
        indicators.append(
            {
                "id": ind.id,
                "label": (labels or {}).get(ind.id, ind.label),
                "value": value,
                "text": "never reached" if value is None and never else fmt_value(value, ind.unit),
                "unit": ind.unit,
                "level": level,
                "level_name": None if level is None else names.get(level),
                "outside": outside is not None,
                "notes": notes,
                "thresholds": {
                    str(m.level): band_text(getattr(m, ind.band), ind.unit) for m in levels
                },
                "needs": {str(m.level): needs_text(m, ind) for m in levels[1:]},
            }
        )
    known = [i["level"] for i in indicators if i["level"] is not None]
    overall = min(known) if known else None
    notes = []
    if overall is not None:
        for name in unmeasured:
            ind = BY_ID[name]
            found = next(
                (
                    (m, req)
                    for m in levels
                    if (req := requirement(getattr(m, ind.band), ind)) is not None
                ),
                None,
            )
            if found is not None and overall >= found[0].level:
                needs, req = found
                overall = needs.level - 1
                notes.append(
                    f"meets level {needs.level} on every figure measured here; level "
                    f"{needs.level} also needs a {ind.label} {requirement_text(req, ind)}, "
                    "which cannot be measured here"
                )
    nxt = None if overall is None else next((m for m in levels if m.level == overall + 1), None)
    gaps = [] if nxt is None else _gaps(indicators, nxt, missing, unmeasured)
    for gap in gaps:
        _attach_steps(gap, practice)
    return {
        "level": overall,
        "name": names[overall] if overall is not None else "not assessed: nothing to measure",
        "indicators": indicators,
        "notes": notes,
        "next_level": nxt.level if nxt else None,
        "next_name": nxt.name if nxt else None,
        "next_traits": list(nxt.traits) if nxt else [],
        "gaps": gaps,
        "top_level": levels[-1].level,
        "target": _target(overall, target, levels, indicators, missing, unmeasured, practice),
    }


def _missing(missing: str | Mapping[str, str], figure: str) -> str:
    return missing if isinstance(missing, str) else missing.get(figure, "no data")


def step_text(steps: list[StepRef]) -> str:
    return ", ".join(f"practice step {s['step']} ({s['name']})" for s in steps)


def steps_for(address: str, practice: Sequence[PracticeStep]) -> list[StepRef]:
    return [{"step": p.step, "name": p.name} for p in practice if address in p.addresses]


def _attach_steps(gap: Gap, practice: Sequence[PracticeStep]) -> None:
    gap["steps"] = steps_for(gap["indicator"], practice)


def _target(overall, target, levels, indicators, missing, unmeasured, practice) -> dict:
    """How far the target level is, what stands between, and the practice step to take
    next: the first step that addresses a gap (step 1 while no target is set)."""
    names = {m.level: m.name for m in levels}
    if target is None:
        first = steps_for("target", practice)
        return {
            "level": None,
            "name": None,
            "distance": None,
            "gaps": [],
            "next_step": first[0] | {"why": "no target level set"} if first else None,
            "text": "no target level set ([meta] target_level)",
        }
    gaps: dict[str, Gap] = {}
    if overall is not None:
        # Each figure against the strictest band up to the target that it misses.
        for lvl in levels:
            if overall < lvl.level <= target:
                for gap in _gaps(indicators, lvl, missing, unmeasured):
                    gaps[gap["indicator"]] = gap
    gaps_list = list(gaps.values())
    for gap in gaps_list:
        _attach_steps(gap, practice)
    distance = None if overall is None else max(0, target - overall)
    stepped = sorted((s["step"], s["name"], g["indicator"]) for g in gaps_list for s in g["steps"])
    next_step = None
    if stepped:
        step, name, why = stepped[0]
        next_step = {"step": step, "name": name, "why": f"closes the {BY_ID[why].label} gap"}
    if overall is None or distance is None:
        text = f"level {target} ({names.get(target)}): nothing measured yet"
    elif distance == 0:
        text = f"level {target} ({names.get(target)}) reached"
    else:
        text = (
            f"level {target} ({names.get(target)}): {distance} level"
            f"{'s' if distance > 1 else ''} to go"
        )
    return {
        "level": target,
        "name": names.get(target),
        "distance": distance,
        "gaps": gaps_list,
        "next_step": next_step,
        "text": text,
    }


def _gaps(
    indicators: list[IndicatorRow],
    nxt: MaturityLevel,
    missing: str | Mapping[str, str],
    unmeasured,
) -> list[Gap]:
    gaps: list[Gap] = []
    for item in indicators:
        ind = BY_ID[item["id"]]
        label = item["label"]
        req = requirement(getattr(nxt, ind.band), ind)
        if req is None:
            continue
        needs = requirement_text(req, ind)
        value = item["value"]
        if value is None:
            what = (
                "never reached" if _missing(missing, ind.id) == "never reached" else "no data yet"
            )
            gaps.append(
                {
                    "indicator": ind.id,
                    "value": None,
                    "needs": needs,
                    "text": f"{label}: {what} (level {nxt.level} needs {needs})",
                }
            )
        elif not meets(value, req, ind):
            gaps.append(
                {
                    "indicator": ind.id,
                    "value": value,
                    "needs": needs,
                    "short_by": abs(value - req[0]),
                    "text": f"{label} is {fmt_value(value, ind.unit)}; level {nxt.level} "
                    f"needs {needs} ({_delta(value, req[0], ind)})",
                }
            )
    for name in unmeasured:
        ind = BY_ID[name]
        req = requirement(getattr(nxt, ind.band), ind)
        if req is not None:
            gaps.append(
                {
                    "indicator": ind.id,
                    "value": None,
                    "needs": requirement_text(req, ind),
                    "text": f"{ind.label}: not measured here (level {nxt.level} needs "
                    f"{requirement_text(req, ind)})",
                }
            )
    return gaps
