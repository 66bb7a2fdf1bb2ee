"""The phone channel: a short call script, scheduled inside the call hours on a business day."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from followup_rules.plugin.hookspecs import hookimpl

if TYPE_CHECKING:
    from followup_rules.core.artifact import Artifact
    from followup_rules.core.case import Case
    from followup_rules.resolve.advice import Action, Advice

CHANNEL = "phone"
#: Local hours (start inclusive, end exclusive) of business days when calls are placed (ARCHITECTURE.md).
CALL_HOURS = (9, 17)


@hookimpl
def followup_channels() -> Sequence[str]:
    return [CHANNEL]


@hookimpl
def followup_render(action: "Action", index: int, case: "Case", advice: "Advice", channel: str,
                    settings: Mapping[str, Any]) -> "Artifact | None":
    return render(action, index, case, advice) if channel == CHANNEL else None


def render(action: "Action", index: int, case: "Case", advice: "Advice") -> "Artifact":
    """The action as a call script; the call goes in the first slot of the call hours at or after the
    window's target (or the advice's moment, if later) that the rules behind the action accept."""
    from followup_rules.core.moments import when
    from followup_rules.drafting import compose, schedule

    draft = compose.compose(action, index, case, advice, "call_script")
    plan = schedule.schedule(draft, CHANNEL, action, case, advice, CALL_HOURS)
    start, end = CALL_HOURS
    notes = [f"call on {when(plan.at, case.timezone)} (calls between {start:02d}:00 and {end:02d}:00 local "
             "time on a business day)"]
    for person_id in draft.to:
        person = case.person(person_id)
        if person is not None and not person.phone:
            notes.append(f"the case has no phone number for {person.name}")
    notes += schedule.plan_notes(plan, case.timezone)
    return compose.text_artifact(draft, action, case, CHANNEL, notes, {"call_at": plan.at.isoformat()})
