"""The scorecard as text: Markdown for the export, and the same lines for the
terminal. Both read the scorecard dict (the `--json` shape), nothing else; its
strings (scenario texts, team names) are made printable, or Markdown-inline, first."""

from __future__ import annotations

from typing import Any

from console.model.text import map_strings, markdown_inline, printable


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("✔" if ok else "✘")


def _mins(value: float | None) -> str:
    return "—" if value is None else f"{value:g} min"


def _threshold_line(ind: dict[str, Any]) -> str:
    return ", ".join(f"L{level} {band or '—'}" for level, band in ind["thresholds"].items())


def _value(ind: dict[str, Any]) -> str:
    if ind["value"] is None:
        return "never reached"
    return f"{ind['value']:g} min" if ind["unit"] == "min" else f"{ind['value']:.0%}"


def _by_id(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in card["maturity"]["indicators"]}


def rows(card: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(measure, this run, target, verdict) — the scorecard table, shared by every face."""
    sev, mis, co, mit = (
        card["severity"],
        card["mis_escalation"],
        card["coordination"],
        card["mitigation"],
    )
    ind = _by_id(card)
    out = [
        ("declared", card["declared"]["t"], "", ""),
        (
            "right severity " + sev["expected"],
            sev["t"]
            + (" (over-escalated)" if sev["over_escalated"] else "")
            + (" (under-escalated)" if sev["under_escalated"] else ""),
            f"by {sev['by']}",
            _mark(sev["ok"]),
        ),
    ]
    for e in card["engagement"]:
        late = f", {e['late_seconds'] / 60:g} min late" if e["late_seconds"] else ""
        out.append(
            (
                f"engage {e['team_name']}",
                f"{e['paged']} ({e['via'] or 'never'}{late})",
                f"by {e['required_by']} — {e['why']}",
                _mark(e["ok"]),
            )
        )
    out.append(
        (
            "mis-escalations",
            f"{mis['count']} of {mis['teams_involved']} teams ({mis['rate']:.0%})",
            f"0; L{ind['mis_escalation']['level']} ({_threshold_line(ind['mis_escalation'])})",
            _mark(mis["ok"]),
        )
    )
    coord = ind["coordination"]
    out.append(
        (
            "coordination (declared → every paged team acked)",
            co["not_measured"]
            or ("never reached" if co["minutes"] is None else _mins(co["minutes"])),
            ("not counted, as in metrics" if coord["level"] is None else f"L{coord['level']}")
            + f" ({_threshold_line(coord)}); all required teams acked",
            _mark(co["ok"]),
        )
    )
    out.append(
        (
            "mitigated (the fix in place)",
            mit["t"] + (f" (marked early at {mit['first_marked']})" if mit["premature"] else ""),
            f"{mit['reasonable_from']}..{mit['expected_by']}",
            _mark(mit["ok"]),
        )
    )
    ttm, ttr = card["time_to_mitigate"], card["time_to_resolve"]
    out.append(
        (
            f"time to mitigate ({ttm['from_label']} → monitoring)",
            _span(ttm),
            "as metrics measures TTM",
            "",
        )
    )
    out.append(
        (
            f"time to resolve ({ttr['from_label']} → resolved)",
            _span(ttr),
            f"MTTR, as in assess: L{ind['mttr']['level']} ({_threshold_line(ind['mttr'])})",
            "",
        )
    )
    return out


def _span(figure: dict[str, Any]) -> str:
    if figure["minutes"] is None:
        return "never reached"
    return f"{_mins(figure['minutes'])} ({figure['from']} → {figure['until']})"


def headline(card: dict[str, Any]) -> str:
    m = card["maturity"]
    result = "WON" if card["won"] else "NOT WON"
    level = f"maturity level {m['level']} ({m['name']})"
    return f"DRILL {card['scenario']} · {result} · {level} · ended {card['ended']} ({card['end_reason']})"


def text(card: dict[str, Any]) -> str:
    card = map_strings(card, printable)
    out = [headline(card), ""]
    width = max(len(r[0]) for r in rows(card))
    for measure, value, target, verdict in rows(card):
        out.append(
            f"  {verdict} {measure:<{width}}  {value}" + (f"   [{target}]" if target else "")
        )
    out += _details(card, bullet="  - ")
    return "\n".join(out)


def details(card: dict[str, Any]) -> str:
    """What follows the table: wrong and missed teams, maturity, the answer key."""
    return "\n".join(_details(card, bullet="  - ")).strip()


def _details(card: dict[str, Any], bullet: str) -> list[str]:
    out: list[str] = []
    mis, m = card["mis_escalation"], card["maturity"]
    if mis["wrong"]:
        out += ["", "Paged but not responsible for this fault:"]
        out += [f"{bullet}{w['team_name']} at {w['paged']} ({w['via']})" for w in mis["wrong"]]
    if mis["missed"]:
        out += ["", "Responsible but never paged:"]
        out += [
            f"{bullet}{x['team_name']} (required by {x['required_by']}: {x['why']})"
            for x in mis["missed"]
        ]
    if card["coordination"]["waiting_for"]:
        out += ["", "Never acknowledged: " + ", ".join(card["coordination"]["waiting_for"])]
    out += ["", f"Maturity: level {m['level']} — {m['name']}"]
    for ind in m["indicators"]:
        notes = "".join(f"; {n}" for n in ind["notes"])
        out.append(f"{bullet}{ind['label']}: {_value(ind)} → level {ind['level']}{notes}")
    out += [f"{bullet}{note}" for note in m["notes"]]
    out += [f"{bullet}next: {gap['text']}" for gap in m["gaps"]]
    key = card["answer_key"]
    out += [
        "",
        f"Answer key: {key['severity']} — {key['why'] or ''}".rstrip(" —"),
        f"{bullet}at fault: {', '.join(key['services'])} ({', '.join(key['layers'])})",
        f"{bullet}responsible: "
        + "; ".join(f"{t} ({why})" for t, why in key["responsible_teams"].items()),
        f"{bullet}mitigation reasonable from {key['mitigate_from']}, expected by {key['mitigate_by']}",
    ]
    return out


def markdown(card: dict[str, Any]) -> str:
    card = map_strings(card, markdown_inline)
    out = [
        f"# Drill scorecard: {card['title']}",
        "",
        f"**{headline(card)}**",
        "",
        f"Scenario `{card['scenario']}` · run by {card['mode'] or 'commander'} · incident "
        f"{card['incident'] or '(never declared)'} · T+0 = {card['t0']}",
        "",
        "| | measure | this run | target |",
        "|---|---|---|---|",
    ]
    for measure, value, target, verdict in rows(card):
        out.append(f"| {verdict} | {measure} | {value} | {target} |".replace("||", "| |"))
    out += _details(card, bullet="- ")
    out += [
        "",
        "_Times are from T+0, the opening alert. Time to mitigate and to resolve run from "
        "the impact start when recorded, else the declaration, and coordination from the "
        "declaration, as in metrics. A drill's incidents are tagged and left out of real "
        "metrics._",
        "",
    ]
    return "\n".join(out)
