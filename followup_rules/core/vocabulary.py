"""The stable identifiers rules may use: facts, actions, warnings, content and style codes.

A ruleset may add its own actions, warnings, content or style codes in its
``vocabulary:`` section; facts, anchors, recipients and channels are fixed here
because the engine must know how to compute them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ACTIONS: tuple[str, ...] = (
    "ask_next_steps", "send_thank_you", "send_follow_up", "place_call", "send_materials",
    "share_resource", "connect_linkedin", "continue_job_search", "stop_following_up",
    "respond_to_rejection", "request_feedback", "notify_competing_offer",
    "comply_with_instructions", "set_reminder", "set_expectation",
)

#: Actions that ask the employer about the status; instructions and replies govern them.
STATUS_ACTIONS: frozenset[str] = frozenset({"send_follow_up", "place_call"})

WARNINGS: tuple[str, ...] = (
    "thank_you_late", "thank_you_too_early", "thank_you_recipient_missing", "thank_you_by_mail",
    "follow_up_too_early", "follow_up_too_late", "follow_up_skipped", "too_many_follow_ups",
    "ignoring_instructions", "contacting_non_primary", "channel_mismatch", "call_after_email",
    "call_outside_hours", "calling_too_frequently", "message_too_long", "informal_language",
    "pushy_language", "generic_message", "not_proofread", "oversharing", "assuming_outcome",
    "rejection_unanswered", "burning_bridges", "unverified_competing_offer",
    "requested_materials_pending", "decision_timeline_unknown", "job_search_inactive",
    "unfilled_placeholder",
)

INCLUDE_CODES: tuple[str, ...] = (
    "express_gratitude", "thank_for_time_and_consideration", "reiterate_interest",
    "reiterate_enthusiasm", "reference_specific_topic", "highlight_one_unique_thing",
    "mention_qualifications_briefly", "look_forward_to_hearing", "ask_next_steps_at_end",
    "ask_for_update", "mention_position_and_interview_date", "mention_stated_decision_date",
    "offer_additional_information", "offer_additional_value", "address_open_questions",
    "thank_for_virtual_format", "address_technical_issues", "offer_info_hard_to_convey_virtually",
    "highlight_existing_contributions", "express_growth_enthusiasm", "ask_lead_to_extend_thanks",
    "mention_group_contributions", "reference_recent_interview",
    "showcase_technical_skills_or_portfolio", "show_product_knowledge", "reference_market_trends",
    "share_work_samples", "show_industry_trend_awareness", "emphasize_patient_care_and_ethics",
    "reference_research_or_advances", "mention_competing_offer", "state_preference_for_company",
    "hope_to_hear_before_deciding", "request_constructive_feedback",
    "express_interest_in_future_opportunities",
)

STYLE_CODES: tuple[str, ...] = (
    "personalize_per_recipient", "individual_messages", "concise", "professional_tone",
    "positive_tone", "tone_matches_culture", "proofread", "genuine", "brief_and_pleasant",
    "format_like_thank_you", "creative_format", "open_mindset",
)

EXPECTATION_CODES: tuple[str, ...] = (
    "quick_turnaround", "multiple_rounds", "long_process_credentialing", "patience", "open_mindset",
)

CHANNELS: tuple[str, ...] = (
    "email", "phone_call", "voicemail", "note_hand_delivered", "note_mailed", "linkedin", "letter",
)

OUT_KINDS: tuple[str, ...] = (
    "thank_you", "follow_up", "materials", "resource", "linkedin_request",
    "competing_offer_notice", "rejection_response", "feedback_request", "withdrawal", "other",
)
IN_KINDS: tuple[str, ...] = (
    "reply", "timeline_update", "materials_request", "rejection", "offer", "voicemail", "other",
)

#: Who an action is addressed to; ``resolve`` turns each into interviewer ids.
RECIPIENTS: tuple[str, ...] = (
    "all_interviewers", "unthanked_interviewers", "lead_interviewer", "primary_contact",
    "hiring_manager", "last_sender", "candidate",
)

#: Moments a window can be placed relative to.
ANCHORS: tuple[str, ...] = (
    "interview_start", "interview_end", "decision_date", "first_follow_up", "last_follow_up",
    "last_thank_you", "last_received", "rejection", "competing_offer", "materials_requested",
    "no_contact_before", "at",
)

#: Anchors every case has: no implied "anchor known" test for them.
ALWAYS_KNOWN = frozenset({"at", "interview_start", "interview_end"})

UNITS: tuple[str, ...] = ("hours", "days", "business_days")

OPS: tuple[str, ...] = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "exists", "matches")

ROLES = ("hiring_manager", "recruiter_hr", "team_member", "other")
MODES = ("in_person", "virtual", "phone")
FORMATS = ("one_on_one", "multiple", "group")
INDUSTRIES = ("tech", "finance", "creative", "healthcare", "other")
CULTURES = ("formal_corporate", "startup", "unknown")
ASSESSMENTS = ("went_well", "neutral", "poor", "unknown")
OFFER_STATUSES = ("none", "verbal", "written")
PREFERRED = ("email", "phone", "linkedin", "none")


@dataclass(frozen=True)
class FactDef:
    """One fact a condition can test: its type, allowed values and meaning."""

    name: str
    type: str  # bool | int | number | enum | string
    description: str
    values: tuple[str, ...] = ()
    nullable: bool = False


def _f(name: str, type_: str, description: str, values: tuple[str, ...] = (),
       nullable: bool = False) -> FactDef:
    return FactDef(name, type_, description, values, nullable)


_NONE = ("none",)

FACTS: dict[str, FactDef] = {f.name: f for f in (
    # the interview (the latest one in the case)
    _f("interview.ended", "bool", "The interview has ended at the moment evaluated."),
    _f("interview.in_progress", "bool", "The moment evaluated lies between the interview's start and end."),
    _f("interview.mode", "enum", "How the interview took place.", MODES),
    _f("interview.format", "enum", "one_on_one, multiple (several interviewers) or group.", FORMATS),
    _f("interview.interviewer_count", "int", "Number of interviewers."),
    _f("interview.has_lead", "bool", "An interviewer is marked lead."),
    _f("interview.technical_issues", "bool", "Technical problems occurred (virtual interviews)."),
    _f("interview.self_assessment", "enum", "The candidate's own view of how it went.", ASSESSMENTS),
    _f("interview.topic_count", "int", "Number of topics recorded as discussed."),
    _f("interview.hours_since_end", "number", "Hours from the interview's end to the moment evaluated (negative before)."),
    _f("interview.days_since", "int", "Calendar days from the interview's local date to the moment's local date."),
    _f("interview.business_days_since", "int", "Business days from the interview's local date to the moment's local date."),
    _f("interviewers.known_well", "bool", "The candidate knows an interviewer well."),
    _f("interviewers.rapport", "bool", "The candidate has a good rapport with an interviewer."),
    _f("primary_contact.known", "bool", "The person in charge of follow-up is named (instructions or primary_contact)."),
    _f("primary_contact.role", "enum", "Role of the derived primary contact.", ROLES + _NONE),
    _f("primary_contact.preferred_channel", "enum", "The primary contact's preferred medium.", PREFERRED),
    # application and candidate
    _f("application.industry", "enum", "Industry of the position.", INDUSTRIES),
    _f("application.culture", "enum", "Company culture.", CULTURES),
    _f("application.internal", "bool", "Internal promotion or transfer."),
    _f("application.personal_touch", "bool", "The position requires a more personal touch."),
    _f("candidate.job_search_active", "bool", "The candidate keeps applying elsewhere."),
    _f("candidate.prefers_employer", "bool", "The candidate said this employer is their first choice (application.preferred)."),
    _f("candidate.last_channel", "enum", "Channel of the candidate's latest outgoing message.", CHANNELS + _NONE),
    # thank-you notes
    _f("thank_you.sent", "bool", "At least one thank-you was sent after the interview."),
    _f("thank_you.count", "int", "Thank-you messages sent after the interview."),
    _f("thank_you.unthanked_count", "int", "Interviewers who have not been thanked."),
    _f("thank_you.all_thanked", "bool", "Every interviewer has been thanked."),
    _f("thank_you.lead_thanked", "bool", "The lead interviewer (or the primary contact) has been thanked."),
    _f("thank_you.mailed", "bool", "A thank-you note went by post."),
    _f("thank_you.hours_after_interview", "number", "Hours from the interview's end to the first thank-you.", nullable=True),
    _f("thank_you.same_text_to_several", "bool", "The same thank-you text went to several people."),
    # status follow-ups
    _f("follow_up.count", "int", "Status follow-ups sent since the employer's last reply (all, if none)."),
    _f("follow_up.total", "int", "Status follow-ups sent after the interview."),
    _f("follow_up.recipient_count", "int", "Distinct people sent status follow-ups since the last reply."),
    _f("follow_up.to_non_primary", "bool", "A status follow-up since the last reply went to someone other than the primary contact."),
    _f("follow_up.hours_since_last", "number", "Hours from the latest status follow-up to the moment evaluated.", nullable=True),
    _f("follow_up.first_days_after_decision", "int", "Calendar days from the decision date to the first follow-up of this round.", nullable=True),
    _f("follow_up.first_days_after_interview", "int", "Calendar days from the interview's local date to the first follow-up of this round.", nullable=True),
    _f("follow_up.first_hours_after_interview", "number", "Hours from the interview's end to the first follow-up of this round.", nullable=True),
    _f("outreach.count", "int", "Thank-you (counted once) plus status follow-ups since the last reply."),
    # the employer
    _f("reply.received", "bool", "A non-rejection message came from the employer after the interview."),
    _f("reply.since_last_out", "bool", "The employer's latest message is newer than the candidate's latest."),
    _f("employer.last_channel", "enum", "Channel of the employer's latest message.", CHANNELS + _NONE),
    _f("employer.voicemail_unanswered", "bool", "The employer left a voicemail that has not been returned."),
    _f("decision_date.known", "bool", "A decision date was stated (at the interview or later)."),
    _f("decision_date.passed", "bool", "The moment evaluated is after the end of the decision date."),
    _f("decision_date.updated", "bool", "A later message changed the decision date."),
    _f("instructions.present", "bool", "The employer gave follow-up instructions."),
    _f("instructions.no_contact_before", "bool", "The instructions set a no-contact-before date."),
    _f("instructions.no_contact_active", "bool", "The moment evaluated is before the no-contact-before date."),
    _f("instructions.contact", "bool", "The instructions name a contact person."),
    _f("instructions.channel", "enum", "Channel the instructions ask for.", CHANNELS + _NONE),
    _f("instructions.materials_count", "int", "Materials the instructions ask for."),
    _f("rejection.received", "bool", "The employer rejected the candidate."),
    _f("rejection.responded", "bool", "The candidate answered the rejection."),
    _f("feedback.requested", "bool", "The candidate asked for feedback."),
    _f("offer.received", "bool", "The employer made an offer."),
    _f("process.ended", "bool", "The process is over: a rejection or an offer came, or the candidate withdrew."),
    _f("competing_offer.status", "enum", "Another employer's offer: none, verbal or written.", OFFER_STATUSES),
    _f("competing_offer.notified", "bool", "The candidate told this employer about the other offer."),
    _f("competing_offer.before_decision", "bool", "The other offer arrived before the decision date (or no date is known)."),
    _f("competing_offer.respond_by_known", "bool", "The date by which the other offer must be answered is known."),
    _f("competing_offer.respond_by_passed", "bool", "The moment evaluated is after the end of the date the other offer had to be answered by."),
    _f("competing_offer.days_to_respond", "int", "Calendar days from the moment's local date to the date the other offer must be answered by (0 on that day, negative after).", nullable=True),
    _f("materials.requested_pending", "int", "Materials the employer requested that are not sent yet."),
    _f("materials.mentioned_pending", "int", "Materials the candidate mentioned that are not sent yet."),
    _f("linkedin.unconnected_count", "int", "Interviewers the candidate is not connected with on LinkedIn."),
    _f("linkedin.requested", "bool", "A LinkedIn connection request was sent after the interview."),
    _f("messages.email_sent", "bool", "The candidate sent any email after the interview."),
    _f("calls.count", "int", "Calls or voicemails the candidate placed after the interview."),
    _f("calls.since_last_reply", "int", "Calls or voicemails placed since the employer's last reply."),
    # the draft being checked
    _f("draft.present", "bool", "The case carries a draft message."),
    _f("draft.kind", "enum", "What the draft is.", OUT_KINDS + _NONE),
    _f("draft.channel", "enum", "How the draft will be sent.", CHANNELS + _NONE),
    _f("draft.paragraphs", "int", "Paragraphs in the draft (blocks separated by a blank line, greeting and sign-off excluded)."),
    _f("draft.words", "int", "Words in the draft."),
    _f("draft.emoji_count", "int", "Emojis in the draft."),
    _f("draft.exclamation_run", "int", "Longest run of exclamation marks."),
    _f("draft.placeholder_count", "int", "Unfilled [placeholders] in the draft."),
    _f("draft.misspelling_count", "int", "Misspelt words in the draft (a spelling dictionary; the case's names, company, position and topics are known words)."),
    _f("draft.slang_count", "int", "Slang or overly casual words (shipped word list)."),
    _f("draft.pushy_count", "int", "Pushy or impatient phrases (shipped phrase list)."),
    _f("draft.overshare_count", "int", "Personal-oversharing phrases (shipped phrase list)."),
    _f("draft.assumes_outcome_count", "int", "Phrases assuming the outcome (shipped phrase list)."),
    _f("draft.negative_count", "int", "Hostile or negative phrases (shipped phrase list)."),
    _f("draft.mentions_topic", "bool", "The draft mentions a topic recorded for the interview."),
    _f("draft.mentions_competing_offer", "bool", "The draft mentions another offer."),
    _f("draft.recipient_count", "int", "People the draft is addressed to."),
    _f("draft.to_non_primary", "bool", "The draft goes to someone other than the primary contact."),
    _f("draft.hours_after_interview", "number", "Hours from the interview's end to the draft's send time.", nullable=True),
    _f("draft.days_after_interview", "int", "Calendar days from the interview's local date to the draft's send date.", nullable=True),
    _f("draft.days_after_decision", "int", "Calendar days from the decision date to the draft's send date.", nullable=True),
    _f("draft.business_days_after_decision", "int", "Business days from the decision date to the draft's send date.", nullable=True),
    _f("draft.days_since_last_follow_up", "int", "Calendar days from the latest status follow-up's local date to the draft's send date.", nullable=True),
    _f("draft.days_since_last_thank_you", "int", "Calendar days from the latest thank-you's local date to the draft's send date.", nullable=True),
    _f("draft.before_no_contact", "bool", "The draft would go before the instructed no-contact-before date."),
    _f("draft.local_hour", "int", "Local hour (0-23) of the draft's send time.", nullable=True),
    _f("draft.on_business_day", "bool", "The draft's send date is a business day."),
    _f("draft.body", "string", "The draft's text (for `matches`).", nullable=True),
)}


def anchor_fact(anchor: str) -> str:
    """The internal boolean fact telling whether `anchor` is known for a case."""
    return f"anchor.{anchor}"


def value_fits(fact_type: str, values: tuple[str, ...], value: Any) -> bool:
    """Whether `value` has the type (and, for enums, a listed value) of a fact."""
    if fact_type == "bool":
        return isinstance(value, bool)
    if fact_type == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if fact_type == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if fact_type == "enum":
        return isinstance(value, str) and value in values
    return isinstance(value, str)


#: The outgoing message kind that records each step action as done (projecting the plan).
STEP_MESSAGES: dict[str, str] = {
    "send_thank_you": "thank_you", "send_follow_up": "follow_up", "place_call": "follow_up",
    "send_materials": "materials", "share_resource": "resource", "respond_to_rejection": "rejection_response",
    "request_feedback": "feedback_request", "notify_competing_offer": "competing_offer_notice",
    "connect_linkedin": "linkedin_request",
}

#: Actions that reach the employer: a no-contact instruction binds every one of them.
CONTACT_ACTIONS: frozenset[str] = frozenset(STEP_MESSAGES)

#: Steps with a time that matters: left open-ended by a source, they close softly, a reasonable
#: timeframe after their target. Networking (a LinkedIn request, a shared article) has no deadline.
TIMED_STEPS: frozenset[str] = CONTACT_ACTIONS - {"connect_linkedin", "share_resource"}

#: Warnings that judge a message already sent or a thing already done. Raised by the case's history
#: (not by a draft), they are noted as information: nobody can unsend a message.
PAST_WARNINGS: frozenset[str] = frozenset({
    "thank_you_too_early", "thank_you_by_mail", "follow_up_too_early", "too_many_follow_ups",
    "ignoring_instructions", "contacting_non_primary", "channel_mismatch", "call_after_email",
    "call_outside_hours", "calling_too_frequently", "message_too_long", "informal_language",
    "pushy_language", "generic_message", "not_proofread", "oversharing", "assuming_outcome",
    "unverified_competing_offer", "unfilled_placeholder", "burning_bridges",
})

#: Warnings that cannot both hold for one message: when both stand, the sources disagree.
OPPOSITES: tuple[tuple[str, str], ...] = (
    ("follow_up_too_early", "follow_up_too_late"), ("thank_you_too_early", "thank_you_late"),
)

