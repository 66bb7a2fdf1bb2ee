"""What a message is: the draft kind an action calls for, its channel, and who receives it."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Mapping

from followup_rules.core.problems import UserError
from followup_rules.core.vocabulary import STEP_MESSAGES

if TYPE_CHECKING:
    from followup_rules.core.case import Case
    from followup_rules.resolve.advice import Action, Advice

KINDS: tuple[str, ...] = (
    "thank_you", "thank_you_group_lead", "follow_up", "final_follow_up", "materials", "rejection_reply",
    "feedback_request", "competing_offer", "linkedin_note", "call_script",
)

#: The case's ``draft.kind`` (vocabulary OUT_KINDS) each draft kind is checked as.
CASE_KINDS: Mapping[str, str] = {
    "thank_you": "thank_you", "thank_you_group_lead": "thank_you", "follow_up": "follow_up",
    "final_follow_up": "follow_up", "materials": "materials", "rejection_reply": "rejection_response",
    "feedback_request": "feedback_request", "competing_offer": "competing_offer_notice",
    "linkedin_note": "linkedin_request", "call_script": "follow_up",
}

#: Kinds that thank the interviewers, and only them, for the interview.
THANK_YOU_KINDS = frozenset({"thank_you", "thank_you_group_lead"})
#: Kinds sent to each recipient on their own (the sources ask for one note per interviewer).
INDIVIDUAL_KINDS = frozenset({"thank_you", "linkedin_note"})
#: Kinds about the status, which the sources want sent to one person: the primary contact.
ONE_CONTACT_KINDS = frozenset({"follow_up", "final_follow_up", "call_script"})

ACTION_KINDS: Mapping[str, str] = {
    "send_materials": "materials", "connect_linkedin": "linkedin_note", "respond_to_rejection": "rejection_reply",
    "request_feedback": "feedback_request", "notify_competing_offer": "competing_offer", "place_call": "call_script",
}

#: Channel names of the channel plugins, by the case channel an action names.
CHANNEL_OF: Mapping[str, str] = {
    "email": "email", "phone_call": "phone", "voicemail": "phone", "linkedin": "linkedin", "letter": "letter",
    "note_hand_delivered": "letter", "note_mailed": "letter",
}


def kind_of(action: "Action", index: int = 0) -> str:
    """The draft kind an action calls for; a UserError for actions that are not a message."""
    if action.action == "send_thank_you":
        return "thank_you_group_lead" if "ask_lead_to_extend_thanks" in action.include else "thank_you"
    if action.action == "send_follow_up":
        return "final_follow_up" if (action.ordinal or 1) >= 2 else "follow_up"
    kind = ACTION_KINDS.get(action.action)
    if kind is None:
        label = f"action {index} ({action.action})" if index else f"action {action.action}"
        raise UserError(f"{label} is not a message to draft; draftable actions: "
                        + ", ".join(sorted({"send_thank_you", "send_follow_up", *ACTION_KINDS})))
    return kind


def as_kind(action: "Action", kind: str) -> "Action":
    """The action changed just enough to call for a message of `kind` (``followup draft --kind``),
    so every channel plugin, which derives the kind from the action, drafts that kind."""
    if kind not in KINDS:
        raise UserError(f"unknown draft kind {kind!r}; use one of {', '.join(KINDS)}")
    if kind in ("thank_you", "thank_you_group_lead"):
        include = tuple(c for c in action.include if c != "ask_lead_to_extend_thanks")
        lead = ("ask_lead_to_extend_thanks",) if kind == "thank_you_group_lead" else ()
        return replace(action, action="send_thank_you", include=include + lead)
    if kind in ("follow_up", "final_follow_up"):
        ordinal = 1 if kind == "follow_up" else max(2, action.ordinal or 2)
        return replace(action, action="send_follow_up", ordinal=ordinal)
    return replace(action, action=next(name for name, k in ACTION_KINDS.items() if k == kind))


def channel_for(action: "Action") -> str:
    """The channel plugin an action goes through by default: its own channel, else by what it is."""
    if action.channel is not None and action.channel in CHANNEL_OF:
        return CHANNEL_OF[action.channel]
    return {"connect_linkedin": "linkedin", "place_call": "phone"}.get(action.action, "email")


def is_message(action: "Action") -> bool:
    """Whether an action is a message `compose` can draft."""
    return action.action in ("send_thank_you", "send_follow_up") or action.action in ACTION_KINDS


def case_channel(channel: str, case: "Case", action: "Action | None" = None) -> str:
    """The case channel (vocabulary CHANNELS) a draft rendered for a channel plugin goes by."""
    if channel == "phone":
        return "phone_call"
    if channel == "letter":
        return "note_mailed" if posted(case, action) else "note_hand_delivered"
    return channel


def posted(case: "Case", action: "Action | None" = None) -> bool:
    """Whether the case (its planned draft) or the action says the note will go by post."""
    planned = case.draft is not None and case.draft.channel == "note_mailed"
    return planned or (action is not None and action.channel == "note_mailed")


def next_kind(advice: Advice) -> str | None:
    """The case draft kind of the message the advice expects next (its most urgent message), if any."""
    expected = next((a for a in advice.actions if a.projected is None and a.action in STEP_MESSAGES), None)
    return STEP_MESSAGES[expected.action] if expected is not None else None


def outvoted(advice: Advice, draft_kind: str, sent: datetime) -> frozenset[str]:
    """Rules the merge outvoted on the advised message of `draft_kind`: a draft for that action,
    sent at `sent` inside the advised window, is no failure for tripping them (the advice shows the
    conflict). Sent outside it, every rule counts."""
    kinds = {action for action, kind in STEP_MESSAGES.items() if kind == draft_kind}
    advised = {a.action for a in advice.actions if a.action in kinds and a.projected is None
               and (a.window is None or a.window.contains(sent))}
    return frozenset(c.rule for conflict in advice.conflicts if conflict.action in advised
                     for side in conflict.sides[1:] for c in side.by)
