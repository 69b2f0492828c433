"""Automated escalation as a pure decision (principle 4): given an incident, the org,
the paging configuration and now → the pages, acknowledgements, resolves, nudges and
stakeholder updates that should exist and are not yet queued; and, at delivery, whether a
queued page is still wanted or was orphaned by a runner that is gone."""

from __future__ import annotations

from datetime import datetime, timedelta

from console.model.channels import PagingConfig
from console.model.clock import iso
from console.model.escalation import PlannedStep
from console.model.folds.comms import comms_state
from console.model.folds.paging import PagingState, state_of
from console.model.incident import Incident
from console.model.org import Org, severity_rank
from console.model.paging.messages import Intent, ack_commands, asked_of, dedup_key, message
from console.model.paging.targets import (
    DRILL_CHANNEL,
    Target,
    channels_for,
    nudge_channels,
    role_person,
    step_targets,
)
from console.model.responsibility import OnCallNow
from console.model.updates import next_update_due

BOT = "escalation-bot"


def _trigger(org, cfg, inc, step, target, rnd, reason, when, repeats) -> Intent:
    channels = channels_for(cfg, org, target, bool(inc.drill))
    asked = asked_of(org, inc, step, target)
    acks = ack_commands(inc, step.key, target)
    again = f" (repeat {rnd} of {repeats})" if rnd else ""
    text = (
        f"[{inc.severity}] {inc.id} {inc.title} — {target.name}: {asked} "
        f"Acknowledge: {acks['command']}"
        + (f" (or just you: {acks['target_command']})" if "target_command" in acks else "")
    )
    via = ", ".join(channels) if channels else "NO CHANNEL CONFIGURED — page them by hand"
    shift = (
        f", on call for {target.team_name} until {target.on_call_until}"
        if target.on_call_until
        else ""
    )
    summary = (
        f"page {step.key} → {target.name} ({', '.join(target.roles)}){shift}{again} via {via} "
        f"[{reason}]"
    )
    msg = message(
        org,
        inc,
        "trigger",
        step=step,
        target=target,
        rnd=rnd,
        repeats=repeats,
        reason=reason,
        asked=asked,
        text=text,
        dedup=dedup_key(inc.id, target.id),
    )
    return Intent(
        f"{inc.id}/{step.key}/{target.id}/r{rnd}",
        "trigger",
        inc.id,
        step.key,
        target.id,
        target.name,
        rnd,
        reason,
        when,
        channels,
        msg,
        summary,
    )


def _fired_at(st: PagingState, step: PlannedStep, targets: list[Target]) -> datetime | None:
    times = [st.pages[(step.key, t.id)].first_at for t in targets if (step.key, t.id) in st.pages]
    if step.ticks.notified_at:
        times.append(step.ticks.notified_at)
    return min(times) if times else None


def _anyone_acked(st: PagingState, step: PlannedStep, targets: list[Target]) -> bool:
    return step.state == "acknowledged" or any(st.acked(t.id, step.key) for t in targets)


def decide(
    inc: Incident, org: Org, cfg: PagingConfig, now: datetime, on_call: OnCallNow | None = None
) -> list[Intent]:
    """Every page, acknowledgement, resolve and nudge due at `now` and not yet queued.
    A team's page goes to whoever `on_call` says holds its pager at `now`."""
    if inc.declared_at is None:
        return []
    st = state_of(inc)
    out: list[Intent] = []
    if inc.open:
        steps = inc.plan(now)
        out += _triggers(inc, org, cfg, st, steps, now, on_call)
        out += _acknowledgements(inc, org, cfg, st, steps, now)
        out += _nudges(inc, org, cfg, st, now)
    else:
        out += _resolves(inc, org, cfg, st)
    out += _updates(inc, org, cfg)  # a last update may follow the resolve
    seen: set[str] = set()
    fresh = []
    for intent in out:
        if intent.key not in st.queued and intent.key not in seen:
            seen.add(intent.key)
            fresh.append(intent)
    return fresh


def _triggers(inc, org, cfg, st, steps, now, on_call=None) -> list[Intent]:
    out = []
    by_severity: dict[str, list[PlannedStep]] = {}
    for s in steps:
        by_severity.setdefault(s.severity, []).append(s)
    for sev_steps in by_severity.values():
        sev_steps.sort(key=lambda s: s.offset_minutes)
    for step in steps:
        if step.state in ("cancelled", "skipped", "acknowledged", "waived"):
            continue
        if severity_rank(step.severity) < severity_rank(inc.severity):
            continue  # the severity was lowered: stop chasing the higher severity's people
        sp = cfg.policy.for_severity(step.severity)
        if not sp.page:
            continue
        targets = step_targets(org, inc, step, on_call)
        # After a hand-off the new on-call is paged for a step nobody has acknowledged.
        handled = any(st.acked(tid, key) for key, tid in st.pages if key == step.key)
        bot_paged = any((step.key, t.id) in st.pages for t in targets)
        if step.ticks.notified_at and step.ticks.notified_by != BOT and not bot_paged:
            continue  # someone paged this step by hand; the bot stays out of it
        start, reason = None, ""
        if now >= step.due_at:
            start, reason = step.due_at, "due"
        elif sp.escalate_early_minutes > 0:
            sibling = by_severity[step.severity]
            i = sibling.index(step)
            prev = sibling[i - 1] if i > 0 else None
            if prev is not None and prev.state not in ("cancelled", "skipped", "waived"):
                prev_targets = step_targets(org, inc, prev, on_call)
                fired = _fired_at(st, prev, prev_targets)
                early = timedelta(minutes=sp.escalate_early_minutes)
                if fired and not _anyone_acked(st, prev, prev_targets) and now >= fired + early:
                    start = fired + early
                    reason = f"early: nobody acknowledged {prev.key} within {sp.escalate_early_minutes:g} min"
        for t in targets:
            track = st.pages.get((step.key, t.id))
            if st.acked(t.id, step.key):
                continue
            if track is None:
                if start is not None and not handled:
                    out.append(_trigger(org, cfg, inc, step, t, 0, reason, start, sp.repeats))
                continue
            if not track.channels or sp.renotify_minutes <= 0 or track.last_round >= sp.repeats:
                continue
            when = track.last_at + timedelta(minutes=sp.renotify_minutes)
            if now >= when:
                why = f"renotify: not acknowledged {sp.renotify_minutes:g} min after the last page"
                out.append(
                    _trigger(org, cfg, inc, step, t, track.last_round + 1, why, when, sp.repeats)
                )
    return out


def _acknowledgements(inc, org, cfg, st, steps, now) -> list[Intent]:
    """Tell channels that understand it (PagerDuty, webhooks) that a page was acknowledged."""
    out = []
    by_key = {s.key: s for s in steps}
    for (step_key, tid), track in sorted(st.pages.items()):
        step = by_key.get(step_key)
        step_acked = step is not None and step.state == "acknowledged"
        if not (step_acked or st.acked(tid, step_key)) or not track.channels:
            continue
        channels = tuple(
            c
            for c in track.channels
            if c == DRILL_CHANNEL or (c in cfg.channels and cfg.channels[c].supports("acknowledge"))
        )
        if not channels:
            continue
        ack = next((a for a in st.acks if a.target == tid and a.step in (None, step_key)), None)
        when = ack.at if ack else (step.ticks.acknowledged_at if step else now)
        who = (ack.by if ack else step.ticks.acknowledged_by if step else None) or "someone"
        text = f"[{inc.severity}] {inc.id} {inc.title} — page to {tid} for {step_key} acknowledged by {who}"
        out.append(
            _notice(
                org,
                inc,
                "acknowledge",
                key=f"{inc.id}/{step_key}/{tid}/ack",
                step=step,
                step_key=step_key,
                target=tid,
                name=tid,
                asked="",
                text=text,
                when=when or now,
                channels=channels,
                summary=f"acknowledgement of {step_key} → {tid} sent to {', '.join(channels)}",
            )
        )
    return out


_NOTHING_ASKED = "Nothing more is asked of you."


def _notice(
    org: Org,
    inc: Incident,
    kind: str,
    *,
    key: str,
    step: PlannedStep | None,
    step_key: str | None,
    target: str,
    name: str,
    asked: str,
    text: str,
    when: datetime,
    channels: tuple[str, ...],
    summary: str,
    dedup: str | None = None,
) -> Intent:
    """A notice that closes what a page opened (acknowledged, resolved): it answers the
    page's dedup key, so the receiver closes the same alert."""
    reason = "acknowledged" if kind == "acknowledge" else "resolved"
    msg = message(
        org,
        inc,
        kind,
        step=step,
        target=None,
        rnd=0,
        repeats=0,
        reason=reason,
        asked=asked,
        text=text,
        dedup=dedup_key(inc.id, dedup or target),
    )
    msg["target"] = {"id": target}
    return Intent(
        key, kind, inc.id, step_key, target, name, 0, reason, when, channels, msg, summary
    )


def _resolves(inc, org, cfg, st) -> list[Intent]:
    """Resolving closes what was opened: one resolve per target and channel paged."""
    if inc.resolved_at is None:
        return []
    stamp = iso(inc.resolved_at)
    per_target: dict[str, list[str]] = {}
    for (_, tid), track in sorted(st.pages.items()):
        per_target.setdefault(tid, []).extend(track.channels)
    if st.nudge_channels:
        per_target.setdefault("commander", []).extend(sorted(st.nudge_channels))
    text = f"[{inc.severity}] {inc.id} {inc.title} — RESOLVED; no further pages"
    out = []
    rooms: list[str] = []  # chat channels hear it once, not once per person paged there
    for tid, chans in per_target.items():
        channels = []
        for c in dict.fromkeys(chans):
            if c in cfg.channels and cfg.channels[c].type == "slack":
                rooms.append(c)
            elif c == DRILL_CHANNEL or (c in cfg.channels and cfg.channels[c].supports("resolve")):
                channels.append(c)
        if not channels:
            continue
        out.append(
            _notice(
                org,
                inc,
                "resolve",
                key=f"{inc.id}/resolve/{stamp}/{tid}",
                step=None,
                step_key=None,
                target=tid,
                name=tid,
                asked=_NOTHING_ASKED,
                text=text,
                when=inc.resolved_at,
                channels=tuple(channels),
                summary=f"resolve sent to {tid} via {', '.join(channels)}",
            )
        )
    for room in dict.fromkeys(rooms):
        out.append(
            _notice(
                org,
                inc,
                "resolve",
                key=f"{inc.id}/resolve/{stamp}/channel:{room}",
                step=None,
                step_key=None,
                target=f"channel:{room}",
                name=room,
                asked=_NOTHING_ASKED,
                text=text,
                when=inc.resolved_at,
                channels=(room,),
                summary=f"resolve announced in {room}",
                dedup=room,
            )
        )
    return out


def _nudge(
    inc, org, cfg, what: str, key: str, when: datetime, text: str, role: str = "commander"
) -> Intent:
    channels = nudge_channels(cfg, org, inc, role)
    holder = inc.roles.get(role) or "nobody"
    msg = message(
        org,
        inc,
        "nudge",
        step=None,
        target=None,
        rnd=0,
        repeats=0,
        reason=what,
        asked=text,
        text=f"[{inc.severity}] {inc.id} {inc.title} — {text}",
        dedup=dedup_key(inc.id, role),
    )
    msg["target"] = {"id": role, "name": holder, "person": role_person(org, inc, role)}
    via = ", ".join(channels) if channels else "the timeline only (no nudge channel configured)"
    return Intent(
        key,
        "nudge",
        inc.id,
        None,
        role,
        holder,
        0,
        what,
        when,
        channels,
        msg,
        f"nudge to the {role} ({what}): {text} — via {via}",
    )


def _nudges(inc, org, cfg, st, now) -> list[Intent]:
    p = cfg.policy
    out = []
    declared = inc.declared_at
    if (
        p.severity_confirm_minutes > 0
        and st.severity_confirmed_at is None
        and len(inc.severity_history) == 1
    ):
        when = declared + timedelta(minutes=p.severity_confirm_minutes)
        if now >= when:
            out.append(
                _nudge(
                    inc,
                    org,
                    cfg,
                    "severity-unconfirmed",
                    f"{inc.id}/nudge/severity-unconfirmed",
                    when,
                    f"{inc.severity} is not confirmed {p.severity_confirm_minutes:g} min after declaring: "
                    f"`incident-console confirm {inc.id}` or `incident-console severity {inc.id} SEVn`",
                )
            )
    if p.no_commander_minutes > 0 and (inc.commander or "") in p.placeholder_commanders:
        first = declared + timedelta(minutes=p.no_commander_minutes)
        if now >= first:
            k = 0
            if p.nudge_repeat_minutes > 0:
                k = int((now - first) / timedelta(minutes=p.nudge_repeat_minutes))
            when = first + k * timedelta(minutes=p.nudge_repeat_minutes or 0)
            out.append(
                _nudge(
                    inc,
                    org,
                    cfg,
                    "no-commander",
                    f"{inc.id}/nudge/no-commander/{k}",
                    when,
                    f"no incident commander is assigned: `incident-console assign {inc.id} ic NAME`",
                )
            )
    if p.status_update_minutes > 0:
        last = inc.last_update_at or declared
        period = timedelta(minutes=p.status_update_minutes)
        if now >= last + period:
            k = int((now - last) / period)
            out.append(
                _nudge(
                    inc,
                    org,
                    cfg,
                    "no-status-update",
                    f"{inc.id}/nudge/no-status-update/{iso(last)}/{k}",
                    last + k * period,
                    f"no status update for {int((now - last).total_seconds() // 60)} min: "
                    f"`incident-console status {inc.id} STATUS`",
                )
            )
    due = next_update_due(inc, cfg.updates)
    if due is not None and now >= due:
        # The communications role owes the stakeholders their update; with nobody in
        # it, the commander does.
        role = "communications" if inc.roles.get("communications") else "commander"
        k = 0
        if p.nudge_repeat_minutes > 0:
            k = int((now - due) / timedelta(minutes=p.nudge_repeat_minutes))
        out.append(
            _nudge(
                inc,
                org,
                cfg,
                "update-overdue",
                f"{inc.id}/nudge/update-overdue/{iso(due)}/{k}",
                due + k * timedelta(minutes=p.nudge_repeat_minutes or 0),
                f"the stakeholder update was due at {iso(due)}: `U` in the room or "
                f"`incident-console update {inc.id}`",
                role,
            )
        )
    return out


def _updates(inc: Incident, org: Org, cfg: PagingConfig) -> list[Intent]:
    """Each stakeholder update recorded on the timeline goes out once to the channels
    it names (those still configured); the runner's outbox retries it like a page."""
    out = []
    for u in comms_state(inc).updates:
        channels = (
            (DRILL_CHANNEL,) if inc.drill else tuple(c for c in u.channels if c in cfg.channels)
        )
        if not channels:
            continue
        msg = message(
            org,
            inc,
            "update",
            step=None,
            target=None,
            rnd=0,
            repeats=0,
            reason="stakeholder-update",
            asked="",
            text=u.text,
            dedup=dedup_key(inc.id, "update"),
        )
        msg["incident"] |= {"severity": u.severity, "status": u.status}  # as it was told
        msg["target"] = {"id": "stakeholders", "name": "stakeholders", "roles": list(u.roles)}
        msg["update"] = {
            "event_id": u.event_id,
            "by": u.actor,
            "at": iso(u.at),
            "next_due_at": iso(u.next_due_at),
        }
        out.append(
            Intent(
                f"{inc.id}/update/{u.event_id}",
                "update",
                inc.id,
                None,
                "stakeholders",
                "stakeholders",
                0,
                "stakeholder-update",
                u.at,
                channels,
                msg,
                f"stakeholder update queued for {', '.join(channels)}",
            )
        )
    return out


def still_wanted(inc: Incident, body: dict, now: datetime) -> str | None:
    """None if a queued page should still go out; else why it is abandoned."""
    kind = body.get("kind")
    if kind == "trigger":
        if not inc.open:
            return "the incident was resolved before delivery"
        step = next((s for s in inc.plan(now) if s.key == body.get("step")), None)
        if step is None or step.state in ("cancelled", "skipped"):
            return f"step {body.get('step')} was cancelled before delivery"
        if step.state == "waived":
            return f"step {step.key} was waived before delivery: {step.ticks.waived_reason}"
        if severity_rank(step.severity) < severity_rank(inc.severity):
            return f"the severity was lowered to {inc.severity} before delivery"
        if step.state == "acknowledged" or state_of(inc).acked(body.get("target", ""), step.key):
            return "it was acknowledged before delivery"
    if kind == "nudge" and not inc.open:
        return "the incident was resolved before delivery"
    return None


def orphans(
    inc: Incident, now: datetime, adopt_after_minutes: float, local_keys: set[str]
) -> list[dict]:
    """Pages queued by a runner on another database (the event arrived by sync) that
    nobody has delivered, failed or abandoned for `adopt_after_minutes`: the runner that
    queued them is gone. A page another runner took over is quiet from its takeover on,
    so when that runner dies too the page is taken over again. Each entry: intent key,
    channel, outbox key, the page_queued body."""
    if adopt_after_minutes <= 0:
        return []
    st = state_of(inc)
    quiet = timedelta(minutes=adopt_after_minutes)
    out = []
    for key, body in st.intents.items():
        if not body.get("message"):
            continue  # queued by a console that did not record the message: cannot be rebuilt faithfully
        step, target = body.get("step"), body.get("target")
        track = (  # (only a trigger with a step has a page track)
            st.pages.get((step, target))
            if body.get("kind") == "trigger" and isinstance(step, str) and isinstance(target, str)
            else None
        )
        if track is not None and track.last_round > int(body.get("round", 0)):
            continue  # a later repeat was queued since: sending this stale one helps nobody
        for channel in body.get("channels", []):
            okey = f"{key}@{channel}"
            if okey in local_keys or okey in st.delivered or okey in st.abandoned:
                continue
            last = max(
                body["at"],
                st.channel_failed_at.get(channel, body["at"]),
                st.adopted.get(okey, body["at"]),
            )
            if now - last >= quiet:
                out.append({"intent_key": key, "channel": channel, "key": okey, "body": body})
    return out
