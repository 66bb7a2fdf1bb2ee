"""The facts rules test, derived from a case at a moment."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable, Mapping

from followup_rules.core.business_days import BusinessCalendar
from followup_rules.core.case import Case, Draft, Interviewer, Person
from followup_rules.core.moments import days_between, local_date, start_of_day
from followup_rules.core.vocabulary import ANCHORS, FACTS, anchor_fact

if TYPE_CHECKING:
    from followup_rules.facts.draft_text import DraftAnalysis

_REJECTION = "rejection"
_CALL_CHANNELS = frozenset({"phone_call", "voicemail"})


@dataclass(frozen=True)
class Facts:
    """Fact values by name, the anchors windows hang on, and who is who in the case."""

    at: datetime
    values: Mapping[str, Any]
    anchors: Mapping[str, datetime | date]
    people: Mapping[str, tuple[str, ...]]
    draft: DraftAnalysis | None = None

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


def derive(case: Case, at: datetime, calendar: BusinessCalendar | None = None,
           extra_words: Mapping[str, tuple[str, ...]] | None = None) -> Facts:
    """All facts of `case` at the aware moment `at`; messages after `at` are ignored."""
    if at.tzinfo is None:
        raise ValueError("`at` must be timezone-aware")
    return _Deriver(case, at.astimezone(case.timezone),
                    calendar or BusinessCalendar(case.country, case.subdivision), extra_words).run()


def with_planned(facts: Facts, case: Case, draft: Draft, calendar: BusinessCalendar) -> Facts:
    """`facts` (of `case` at `facts.at`) with `draft` as the case's draft: only the draft's facts are
    derived again, since no other fact depends on the draft. Equal to deriving the case with it."""
    deriver = _Deriver(replace(case, draft=draft), facts.at, calendar, None)
    deriver.v, deriver.anchors = dict(facts.values), dict(facts.anchors)
    deriver.decision = deriver._decision_date()
    deriver._draft(facts.people)
    return Facts(facts.at, deriver.v, facts.anchors, facts.people, deriver.draft_analysis)


def case_words(case: Case) -> tuple[str, ...]:
    """The case's names and terms, which a draft may use and no dictionary knows: people, company,
    position, topics, materials, the other employer."""
    people = [p.name for i in case.interviews for p in i.interviewers] + [c.name for c in case.contacts]
    topics = [t for i in case.interviews for t in i.topics]
    return (case.candidate_name, case.company, case.position, *people, *topics,
            *(m.item for m in case.materials), *case.instructed_materials,
            *((case.competing_offer_company,) if case.competing_offer_company else ()))


def _hours(later: datetime, earlier: datetime) -> float:
    return round((later - earlier).total_seconds() / 3600, 2)


class _Deriver:
    def __init__(self, case: Case, at: datetime, calendar: BusinessCalendar,
                 extra_words: Mapping[str, tuple[str, ...]] | None) -> None:
        self.case, self.at, self.cal, self.extra_words = case, at, calendar, extra_words
        self.tz = case.timezone
        self.iv = case.interview
        self.v: dict[str, Any] = {}
        self.anchors: dict[str, datetime | date] = {}
        since = self.iv.start
        self.msgs = [m for m in case.messages if since <= m.at <= at]
        self.out = [m for m in self.msgs if m.direction == "out"]
        self.inc = [m for m in self.msgs if m.direction == "in"]

    def run(self) -> Facts:
        people = self._people()
        self._interview()
        self._thank_you(people)
        self._follow_ups(people)
        self._employer()
        self._draft(people)
        self.v["outreach.count"] = int(self.v["thank_you.sent"]) + self.v["follow_up.count"]
        self.anchors.update({"interview_start": self.iv.start, "interview_end": self.iv.end, "at": self.at})
        values = {name: self.v[name] for name in FACTS}
        for anchor in ANCHORS:
            values[anchor_fact(anchor)] = anchor in self.anchors
        return Facts(self.at, values, dict(self.anchors), people, self.draft_analysis)

    # -- people -------------------------------------------------------------
    def _people(self) -> dict[str, tuple[str, ...]]:
        everyone = self.iv.interviewers
        primary = self._primary(everyone)
        # A thank-you is for the interview, so the lead and the hiring manager stand in for each
        # other among the interviewers only, never for a contact who was not in the room.
        in_room = primary if isinstance(primary, Interviewer) else self._primary_interviewer(everyone)
        lead = next((p for p in everyone if p.lead), in_room)
        hiring = next((p for p in everyone if p.role == "hiring_manager"), in_room)
        thanked = {m.party for m in self.out if m.kind == "thank_you" and m.at >= self.iv.end}
        if None in thanked:
            thanked = {p.id for p in everyone}
        last_in = self.inc[-1].party if self.inc and self.inc[-1].party else primary.id
        self.primary, self.thanked = primary, thanked
        return {
            "all_interviewers": tuple(p.id for p in everyone),
            "unthanked_interviewers": tuple(p.id for p in everyone if p.id not in thanked),
            "lead_interviewer": (lead.id,),
            "primary_contact": (primary.id,),
            "hiring_manager": (hiring.id,),
            "last_sender": (last_in,),
            "candidate": (),
        }

    def _primary(self, everyone: tuple[Interviewer, ...]) -> Person:
        """The instructed contact, else an interviewer or contact marked primary, else an interviewer."""
        if self.case.instructed_contact:
            person = self.case.person(self.case.instructed_contact)
            if person:
                return person
        marked = next((p for p in (*everyone, *self.case.contacts) if p.primary_contact), None)
        return marked or self._primary_interviewer(everyone)

    @staticmethod
    def _primary_interviewer(everyone: tuple[Interviewer, ...]) -> Interviewer:
        tests: tuple[Callable[[Interviewer], bool], ...] = (
            lambda p: p.primary_contact, lambda p: p.role == "hiring_manager", lambda p: p.role == "recruiter_hr",
            lambda p: p.lead)
        for test in tests:
            found = next((p for p in everyone if test(p)), None)
            if found:
                return found
        return everyone[0]

    # -- the interview -----------------------------------------------------
    def _interview(self) -> None:
        iv, at, v, case = self.iv, self.at, self.v, self.case
        everyone = iv.interviewers
        v["interview.ended"] = at >= iv.end
        v["interview.in_progress"] = iv.start <= at < iv.end
        v["interview.mode"] = iv.mode
        v["interview.format"] = iv.format
        v["interview.interviewer_count"] = len(everyone)
        v["interview.has_lead"] = any(p.lead for p in everyone)
        v["interview.technical_issues"] = iv.technical_issues
        v["interview.self_assessment"] = iv.self_assessment
        v["interview.topic_count"] = len(iv.topics)
        v["interview.hours_since_end"] = _hours(at, iv.end)
        v["interview.days_since"] = days_between(iv.end, at, self.tz)
        v["interview.business_days_since"] = self.cal.business_days_between(
            local_date(iv.end, self.tz), local_date(at, self.tz))
        v["interviewers.known_well"] = any(p.known_well for p in everyone)
        v["interviewers.rapport"] = any(p.rapport for p in everyone)
        named = bool(case.instructed_contact) or any(p.primary_contact for p in (*everyone, *case.contacts))
        v["primary_contact.known"] = named
        v["primary_contact.role"] = self.primary.role
        v["primary_contact.preferred_channel"] = self.primary.preferred_channel
        v["application.industry"] = case.industry
        v["application.culture"] = case.culture
        v["application.internal"] = case.internal
        v["application.personal_touch"] = case.personal_touch
        v["candidate.job_search_active"] = case.job_search_active
        v["candidate.prefers_employer"] = case.preferred
        v["candidate.last_channel"] = self.out[-1].channel if self.out else "none"
        unconnected = {p.id for p in everyone if not p.linkedin_connected}
        requested = {m.party for m in self.out if m.kind == "linkedin_request"}
        v["linkedin.unconnected_count"] = len(unconnected - requested)
        v["linkedin.requested"] = bool(requested)
        v["messages.email_sent"] = any(m.channel == "email" for m in self.out)

    def _thank_you(self, people: Mapping[str, tuple[str, ...]]) -> None:
        v = self.v
        notes = [m for m in self.out if m.kind == "thank_you" and m.at >= self.iv.end]
        v["thank_you.sent"] = bool(notes)
        v["thank_you.count"] = len(notes)
        v["thank_you.unthanked_count"] = len(people["unthanked_interviewers"])
        v["thank_you.all_thanked"] = not people["unthanked_interviewers"]
        v["thank_you.lead_thanked"] = people["lead_interviewer"][0] in self.thanked
        v["thank_you.mailed"] = any(m.channel == "note_mailed" for m in notes)
        v["thank_you.hours_after_interview"] = _hours(notes[0].at, self.iv.end) if notes else None
        bodies = [(m.body or "").strip() for m in notes if m.body]
        v["thank_you.same_text_to_several"] = len(bodies) > 1 and len(set(bodies)) < len(bodies)
        if notes:
            self.anchors["last_thank_you"] = notes[-1].at

    # -- status follow-ups ---------------------------------------------------
    def _follow_ups(self, people: Mapping[str, tuple[str, ...]]) -> None:
        v = self.v
        replies = [m for m in self.inc if m.kind != _REJECTION]
        self.last_reply = replies[-1].at if replies else None
        every = [m for m in self.out if m.kind == "follow_up" and m.at >= self.iv.end]
        round_ = [m for m in every if self.last_reply is None or m.at > self.last_reply]
        v["follow_up.count"] = len(round_)
        v["follow_up.total"] = len(every)
        v["follow_up.recipient_count"] = len({m.party for m in round_ if m.party})
        primary = people["primary_contact"][0]
        v["follow_up.to_non_primary"] = any(m.party and m.party != primary for m in round_)
        v["follow_up.hours_since_last"] = _hours(self.at, round_[-1].at) if round_ else None
        self.decision = self._decision_date()
        first = round_[0] if round_ else None
        v["follow_up.first_days_after_decision"] = (
            (local_date(first.at, self.tz) - self.decision).days if first and self.decision else None)
        v["follow_up.first_days_after_interview"] = days_between(self.iv.end, first.at, self.tz) if first else None
        v["follow_up.first_hours_after_interview"] = _hours(first.at, self.iv.end) if first else None
        calls = [m for m in self.out if m.channel in _CALL_CHANNELS]
        v["calls.count"] = len(calls)
        v["calls.since_last_reply"] = len([m for m in calls if self.last_reply is None or m.at > self.last_reply])
        if round_:
            self.anchors["first_follow_up"] = round_[0].at
            self.anchors["last_follow_up"] = round_[-1].at

    def _decision_date(self) -> date | None:
        updates = [m for m in self.inc if m.decision_date]
        self.v["decision_date.updated"] = bool(updates)
        return updates[-1].decision_date if updates else self.case.decision_date

    # -- the employer ----------------------------------------------------------
    def _employer(self) -> None:
        v, case, at = self.v, self.case, self.at
        d = self.decision
        v["reply.received"] = self.last_reply is not None
        v["reply.since_last_out"] = bool(self.inc) and (not self.out or self.inc[-1].at > self.out[-1].at)
        v["employer.last_channel"] = self.inc[-1].channel if self.inc else "none"
        v["employer.voicemail_unanswered"] = bool(self.inc) and self.inc[-1].channel == "voicemail" and (
            not self.out or self.out[-1].at < self.inc[-1].at)
        v["decision_date.known"] = d is not None
        v["decision_date.passed"] = d is not None and at >= start_of_day(d + timedelta(days=1), self.tz)
        if d is not None:
            self.anchors["decision_date"] = d
        ncb = case.no_contact_before
        v["instructions.present"] = bool(ncb or case.instructed_contact or case.instructed_channel
                                         or case.instructed_materials)
        v["instructions.no_contact_before"] = ncb is not None
        v["instructions.no_contact_active"] = ncb is not None and at < start_of_day(ncb, self.tz)
        v["instructions.contact"] = case.instructed_contact is not None
        v["instructions.channel"] = case.instructed_channel or "none"
        v["instructions.materials_count"] = len(case.instructed_materials)
        if ncb is not None:
            self.anchors["no_contact_before"] = ncb
        rejections = [m for m in self.inc if m.kind == _REJECTION]
        v["rejection.received"] = bool(rejections)
        v["rejection.responded"] = bool(rejections) and any(
            m.kind == "rejection_response" and m.at >= rejections[0].at for m in self.out)
        if rejections:
            self.anchors["rejection"] = rejections[0].at
        if self.inc:
            self.anchors["last_received"] = self.inc[-1].at
        v["feedback.requested"] = any(m.kind == "feedback_request" for m in self.out)
        v["offer.received"] = any(m.kind == "offer" for m in self.inc)
        v["process.ended"] = bool(rejections) or v["offer.received"] or any(m.kind == "withdrawal" for m in self.out)
        status = case.competing_offer_status
        received = case.competing_offer_at
        if received is not None and received > at:
            status, received = "none", None
        v["competing_offer.status"] = status
        v["competing_offer.notified"] = any(m.kind == "competing_offer_notice" for m in self.out)
        v["competing_offer.before_decision"] = status != "none" and (
            d is None or local_date(received or at, self.tz) <= d)
        if status != "none":
            self.anchors["competing_offer"] = received or at
        respond_by = case.competing_offer_respond_by if status != "none" else None
        v["competing_offer.respond_by_known"] = respond_by is not None
        v["competing_offer.respond_by_passed"] = (
            respond_by is not None and at >= start_of_day(respond_by + timedelta(days=1), self.tz))
        v["competing_offer.days_to_respond"] = (
            (respond_by - local_date(at, self.tz)).days if respond_by is not None else None)
        pending = [m for m in case.materials if m.sent_at is None or m.sent_at > at]
        requested = [m for m in pending if m.origin == "requested_by_employer"]
        v["materials.requested_pending"] = len(requested)
        v["materials.mentioned_pending"] = len([m for m in pending if m.origin == "mentioned_by_candidate"])
        if requested or case.instructed_materials:
            times = [m.requested_at for m in requested if m.requested_at and m.requested_at <= at]
            self.anchors["materials_requested"] = min(times) if times else self.iv.end

    # -- the draft ---------------------------------------------------------------

    def _draft(self, people: Mapping[str, tuple[str, ...]]) -> None:
        v, draft = self.v, self.case.draft
        analysis = None
        if draft and draft.body:  # a planned message not yet written has nothing to analyse
            # Imported with the first draft: its word lists and patterns cost a start without one.
            from followup_rules.facts.draft_text import analyse

            analysis = analyse(draft.body, self.iv.topics, self.extra_words, case_words(self.case))
        self.draft_analysis = analysis
        v["draft.present"] = draft is not None
        v["draft.kind"] = draft.kind if draft else "none"
        v["draft.channel"] = draft.channel if draft else "none"
        v["draft.body"] = draft.body if draft else None
        for name in ("paragraphs", "words", "emoji_count", "exclamation_run", "placeholder_count",
                     "misspelling_count", "slang_count", "pushy_count", "overshare_count", "assumes_outcome_count",
                     "negative_count"):
            v[f"draft.{name}"] = getattr(analysis, name) if analysis else 0
        v["draft.mentions_topic"] = bool(analysis and analysis.mentions_topic)
        v["draft.mentions_competing_offer"] = bool(analysis and analysis.mentions_competing_offer)
        to = draft.to if draft and draft.to else ((people["primary_contact"]) if draft else ())
        primary = people["primary_contact"][0]
        v["draft.recipient_count"] = len(to)
        v["draft.to_non_primary"] = any(p != primary for p in to)
        when = (draft.at or self.at) if draft else None
        d = self.decision
        last_fu = self.anchors.get("last_follow_up")
        ncb = self.case.no_contact_before
        v["draft.hours_after_interview"] = _hours(when, self.iv.end) if when else None
        v["draft.days_after_interview"] = days_between(self.iv.end, when, self.tz) if when else None
        last_ty = self.anchors.get("last_thank_you")
        # Calendar days, like the day-unit windows these warnings pair with ("a week after").
        v["draft.days_since_last_thank_you"] = (
            days_between(last_ty, when, self.tz) if when and isinstance(last_ty, datetime) else None)
        v["draft.days_after_decision"] = (local_date(when, self.tz) - d).days if when and d else None
        v["draft.business_days_after_decision"] = (
            self.cal.business_days_between(d, local_date(when, self.tz)) if when and d else None)
        v["draft.days_since_last_follow_up"] = (
            days_between(last_fu, when, self.tz) if when and isinstance(last_fu, datetime) else None)
        v["draft.before_no_contact"] = bool(when and ncb and local_date(when, self.tz) < ncb)
        v["draft.local_hour"] = when.astimezone(self.tz).hour if when else None
        v["draft.on_business_day"] = bool(when and self.cal.is_business_day(local_date(when, self.tz)))

