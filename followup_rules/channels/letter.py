"""The letter channel: a handwritten note, with a warning when the case says it will be posted."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from followup_rules.plugin.hookspecs import hookimpl

if TYPE_CHECKING:
    from followup_rules.core.artifact import Artifact
    from followup_rules.core.case import Case
    from followup_rules.resolve.advice import Action, Advice

CHANNEL = "letter"
#: The source that says never to post a thank-you note, and its words.
NO_MAIL_SOURCE = "001_e08dceeb9b726398.txt"
NO_MAIL_QUOTE = ("Only send a thank-you note if you can drop it off in person, because if you snail mail it, "
                 "it might arrive late.")
#: Kinds that are no note on paper.
NOT_A_NOTE = frozenset({"linkedin_note", "call_script"})


@hookimpl
def followup_channels() -> Sequence[str]:
    return [CHANNEL]


@hookimpl
def followup_render(action: "Action", index: int, case: "Case", advice: "Advice", channel: str,
                    settings: Mapping[str, Any]) -> "Artifact | None":
    return render(action, index, case, advice) if channel == CHANNEL else None


def render(action: "Action", index: int, case: "Case", advice: "Advice") -> "Artifact":
    """The action's message as a note to write by hand (no subject line).

    :raises UserError: the action is a call or a LinkedIn request, which no note can be.
    """
    from followup_rules.core.moments import when
    from followup_rules.core.problems import UserError
    from followup_rules.drafting import compose, kinds, schedule

    kind = kinds.kind_of(action, index)
    if kind in NOT_A_NOTE:
        raise UserError(f"action {index} ({action.action}) is a {kind.replace('_', ' ')}, not a handwritten note")
    draft = replace(compose.compose(action, index, case, advice, kind), subject="")
    notes = ["a handwritten note: copy it onto a card and hand it over in person"]
    if kinds.posted(case, action):
        notes.append(f"the case says the note will be posted; one source advises against it: “{NO_MAIL_QUOTE}” "
                     f"({NO_MAIL_SOURCE})")
    plan = schedule.schedule(draft, CHANNEL, action, case, advice)
    notes.append(f"deliver on {when(plan.at, case.timezone)}")
    notes += schedule.plan_notes(plan, case.timezone)
    return compose.text_artifact(draft, action, case, CHANNEL, notes,
                                  {"posted": kinds.posted(case, action), "send_at": plan.at.isoformat()})
