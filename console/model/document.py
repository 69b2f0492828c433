"""The model's tables as a Markdown document (`model --markdown`, docs/model.md).

Written from the org data alone, so the document is whatever the org file says; what
is the console's rather than the source's carries its `derived` or `ours` label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from console.model.maturity import INDICATORS, band_text
from console.model.org import SEVERITIES, Org, Rule
from console.model.text import markdown_inline, printable

NONE = "—"


def _cell(text: object) -> str:
    return markdown_inline(str(text)) if text not in (None, "") else NONE


def _items(values: Iterable[str]) -> str:
    return "; ".join(markdown_inline(v) for v in values) or NONE


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return [*out, ""]


def _label(kind: str, text: str | None) -> str:
    return f"*{kind}:* {markdown_inline(text)}" if text else ""


def model_markdown(org: Org) -> str:
    """Every table of the model, in the order the source gives them."""
    types = list(org.team_types.values())
    out = [
        "# The distributed-responsibility incident model",
        "",
        "Written by `incident-console model --markdown` from "
        + ", ".join(f"`{printable(s)}`" for s in org.sources)
        + "; change the org file, not this page.",
        "",
        f"Source: {_cell(org.meta.get('source'))}.",
        "",
        "Labels: *derived* — a rule the source implies but does not give; *ours* — what the "
        "console adds that the source does not say. Everything unlabelled is the source's.",
        "",
        "## Where the model applies",
        "",
        *(f"- {markdown_inline(c.text)}" for c in org.conditions),
        "",
        "## Technical layers",
        "",
    ]
    out += _table(
        (
            "id",
            "layer",
            "responsibilities",
            "blast radius",
            "detected by",
            "recovery",
            "observability",
        ),
        (
            (
                f"`{x.id}`",
                _cell(x.name),
                _items(x.responsibilities),
                _cell(x.blast_radius),
                _cell(x.detection),
                _cell(x.recovery),
                _cell(x.observability),
            )
            for x in org.layers.values()
        ),
    )
    out += ["## Team types", ""]
    out += _table(
        ("id", "team type", "responsibilities", "incident role", "authority", "on call", "label"),
        (
            (
                f"`{t.id}`",
                _cell(t.name),
                _items(t.responsibilities),
                _cell(t.incident_role),
                _cell(t.authority),
                _cell(t.on_call),
                _label("ours", t.ours),
            )
            for t in types
        ),
    )
    out += ["## Responsibility by severity", ""]
    out += _table(
        ("severity", *(markdown_inline(t.name) for t in types), "meaning", "label"),
        (
            (
                s.id,
                *(_cell(s.roles.get(t.id)) for t in types),
                _cell(s.meaning),
                _label("ours", s.ours),
            )
            for s in org.severities.values()
        ),
    )
    out += ["## Responsibility by technical domain", ""]
    out += _table(
        ("domain", "layer", "first response", "second-line support", "final responsibility"),
        (
            (
                _cell(d.name),
                f"`{d.layer}`" if d.layer else "cross-cutting",
                *(_type_name(org, getattr(d, k)) for k in ("first", "second", "final")),
            )
            for d in org.domains.values()
        ),
    )
    out += [
        "## Escalation steps",
        "",
        "Offsets run from the first time the incident reached that severity.",
        "",
    ]
    out += _rules(org.escalation)
    moved = [sev for sev in SEVERITIES if any(m.severity == sev for m in org.pattern.moves)]
    if moved:
        out += [f"As the pattern in force ({markdown_inline(org.pattern.name)}) moves them:", ""]
        out += _rules(r for sev in moved for r in org.rules_for(sev))
    out += ["## Architecture patterns", ""]
    out += _table(
        ("pattern", "when", "character", "coordinates", "moves", "label"),
        (
            (
                _cell(p.name) + (" (in force)" if p.id == org.meta.get("pattern") else ""),
                _cell(p.when),
                _cell(p.character),
                _items(f"{sev}: {role}" for sev, role in p.coordinator.items()),
                _items(f"{m.severity}: {m.role} to +{m.offset_minutes} min" for m in p.moves),
                _label("ours", p.ours),
            )
            for p in org.patterns.values()
        ),
    )
    target = org.target_level
    out += [
        "## Maturity levels",
        "",
        "A range's ends count; < and > are strict; — means the model sets no figure. Level 1 "
        "is the floor: a figure worse than its range is level 1, outside the range."
        + (f" Target level: {target}." if target is not None else ""),
        "",
    ]
    out += _table(
        ("level", "name", "traits", "MTTR", "mis-escalation rate", "coordination", "prevention"),
        (
            (
                str(m.level),
                _cell(m.name),
                _items(m.traits),
                # Numbers the console formats: no text of the org file to neutralise.
                *(band_text(getattr(m, i.band), i.unit) or NONE for i in INDICATORS),
            )
            for m in org.maturity
        ),
    )
    out += ["## Practice steps", ""]
    out += _table(
        ("step", "name", "actions", "closes the gap in", "label"),
        (
            (
                str(p.step),
                _cell(p.name),
                _items(p.actions),
                _items(p.addresses),
                _label("ours", p.ours),
            )
            for p in org.practice
        ),
    )
    out += ["## Design principles", ""]
    out += _table(
        ("#", "principle", "statement", "in practice"),
        (
            (str(p.id), _cell(p.name), _cell(p.statement), _items(p.practices))
            for p in org.principles
        ),
    )
    return "\n".join(out).rstrip("\n") + "\n"


def _type_name(org: Org, type_id: str) -> str:
    t = org.team_types.get(type_id)
    return _cell(t.name if t else type_id)


def _rules(rules: Iterable[Rule]) -> list[str]:
    return _table(
        ("severity", "after", "page", "label"),
        (
            (
                r.severity,
                "immediately" if r.offset_minutes == 0 else f"+{r.offset_minutes} min",
                ", ".join(f"`{markdown_inline(t)}`" for t in r.targets),
                _label("derived", r.derived),
            )
            for r in rules
        ),
    )
