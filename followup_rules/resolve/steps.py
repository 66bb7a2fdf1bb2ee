"""Steps of the plan: the messages that record an action as done, for projecting what comes next."""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from followup_rules.core.case import Case, Message
from followup_rules.core.vocabulary import STEP_MESSAGES
from followup_rules.resolve.advice import Action

#: Each step as "after" names it ("after the thank-you").
_DONE: dict[str, str] = {
    "send_thank_you": "the thank-you", "place_call": "the call", "send_materials": "the materials",
    "share_resource": "the shared resource", "respond_to_rejection": "your reply to the rejection",
    "request_feedback": "your request for feedback", "notify_competing_offer": "your note about the other offer",
    "connect_linkedin": "the LinkedIn request",
}


def channel_of(action: Action) -> str:
    """The channel an action goes by when its rules name none: email, or the phone for a call."""
    return action.channel or ("phone_call" if action.action == "place_call" else
                              "linkedin" if action.action == "connect_linkedin" else "email")


def is_step(action: Action) -> bool:
    """Whether the action is a message of the plan with a time (a step the projection can take).

    A LinkedIn request is networking, not a step of the follow-up plan: nothing waits on it."""
    return action.action in STEP_MESSAGES and action.action != "connect_linkedin" and action.window is not None


def sent_messages(action: Action, moment: datetime) -> tuple[Message, ...]:
    """The outgoing messages that record `action` as done at `moment` (one per person for thank-yous)."""
    parties: Sequence[str | None] = (action.to if action.action == "send_thank_you" and action.to
                                     else action.to[:1] or (None,))
    return tuple(Message(moment, "out", STEP_MESSAGES[action.action], channel_of(action), party) for party in parties)


def done(case: Case, steps: Sequence[tuple[Action, datetime]]) -> Case:
    """The case with each step done at its moment."""
    sent = [m for action, moment in steps for m in sent_messages(action, moment)]
    materials = [moment for action, moment in steps if action.action == "send_materials"]
    return case.with_sent(sent, min(materials, key=lambda m: m.timestamp()) if materials else None)


def after(steps: Sequence[Action]) -> str:
    """What must happen first, for projected actions: "after the thank-you"."""
    done_texts = []
    for action in steps:
        if action.action == "send_follow_up":
            done_texts.append(f"follow-up #{action.ordinal or 1}")
        else:
            done_texts.append(_DONE.get(action.action, action.action.replace("_", " ")))
    unique = list(dict.fromkeys(done_texts))
    if not unique:
        return "later"
    text = unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]
    return f"after {text}"
