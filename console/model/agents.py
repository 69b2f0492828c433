"""Which of our people a paging tool's agent is: by the tool's user id when the org
file carries it (`pagerduty_id`), then by e-mail, and by name only as a last resort,
said as such. Two people who fit equally, or a person the org file knows by another id
or e-mail, are no match: an agent we cannot tell is recorded as unmatched, never guessed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from msgspec import Struct

if TYPE_CHECKING:  # the folds word an agent without loading the org model
    from console.model.org import Org, Person

How = Literal["pagerduty_id", "email", "name", "unmatched"]


class AgentMatch(Struct, frozen=True):
    person: str | None
    how: How

    @property
    def by_name_only(self) -> bool:
        return self.how == "name"


def _one(found: list[Person]) -> str | None:
    return found[0].id if len(found) == 1 else None


def match_agent(org: Org, *, tool_id: str = "", email: str = "", name: str = "") -> AgentMatch:
    people = list(org.people.values())
    tool_id, email = tool_id.strip(), email.strip().lower()
    if tool_id:
        person = _one([p for p in people if p.pagerduty_id == tool_id])
        if person:
            return AgentMatch(person, "pagerduty_id")
    if email:
        person = _one([p for p in people if p.email.lower() == email])
        if person:
            return AgentMatch(person, "email")
    name = " ".join(name.split()).lower()
    if name:
        person = _one(
            [
                p
                for p in people
                if (" ".join(p.name.split()).lower() == name or p.id.lower() == name)
                # the org file knows this person by another PagerDuty id or e-mail
                and not (tool_id and p.pagerduty_id and p.pagerduty_id != tool_id)
                and not (email and p.email and p.email.lower() != email)
            ]
        )
        if person:
            return AgentMatch(person, "name")
    return AgentMatch(None, "unmatched")


def agent_words(agent: str, how: str) -> str:
    """What the timeline says of a paging tool's agent matched by name only, or not at
    all; nothing when the tool's user id or e-mail told us who it was."""
    if how == "name":
        return f" (by {agent}: matched to the org file by name only)"
    if how == "unmatched":
        return f" (by {agent or 'an unnamed agent'}, who matches nobody in the org file)"
    return ""
