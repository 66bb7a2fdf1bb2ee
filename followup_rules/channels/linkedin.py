"""The LinkedIn channel: a connection request's note, cut to LinkedIn's 300-character limit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from followup_rules.plugin.hookspecs import hookimpl

if TYPE_CHECKING:
    from followup_rules.core.artifact import Artifact
    from followup_rules.core.case import Case
    from followup_rules.resolve.advice import Action, Advice

CHANNEL = "linkedin"


@hookimpl
def followup_channels() -> Sequence[str]:
    return [CHANNEL]


@hookimpl
def followup_render(action: "Action", index: int, case: "Case", advice: "Advice", channel: str,
                    settings: Mapping[str, Any]) -> "Artifact | None":
    return render(action, index, case, advice) if channel == CHANNEL else None


def render(action: "Action", index: int, case: "Case", advice: "Advice") -> "Artifact":
    """A connection request's note for `connect_linkedin` (within the limit, the interview reference
    kept); any other message action as a LinkedIn message of its own kind."""
    from followup_rules.core.moments import when
    from followup_rules.drafting import compose, kinds, schedule

    kind = "linkedin_note" if action.action == "connect_linkedin" else kinds.kind_of(action, index)
    draft = compose.compose(action, index, case, advice, kind)
    length = len(draft.body)
    if kind == "linkedin_note":
        notes = [f"connection note: {length} of {compose.LINKEDIN_LIMIT} characters"]
    else:
        notes = [f"LinkedIn message: {length} characters"]
    for person_id in draft.to:
        person = case.person(person_id)
        if kind == "linkedin_note" and person is not None and person.linkedin_connected:
            notes.append(f"{person.name} is already a connection: send the note as a message instead")
    plan = schedule.schedule(draft, CHANNEL, action, case, advice)
    notes.append(f"send on {when(plan.at, case.timezone)}")
    notes += schedule.plan_notes(plan, case.timezone)
    return compose.text_artifact(draft, action, case, CHANNEL, notes,
                                  {"length": length, "limit": compose.LINKEDIN_LIMIT if kind == "linkedin_note"
                                   else None, "send_at": plan.at.isoformat()})
