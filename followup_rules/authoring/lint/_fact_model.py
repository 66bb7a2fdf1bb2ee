"""The fact model: what the derivation of facts guarantees, in small.

Boxes are narrowed by it, so that a box no case can produce, such as a first-thank-you time without a
thank-you, does not count as an overlap.
"""

from __future__ import annotations

from dataclasses import dataclass

from followup_rules.authoring.lint.value_sets import (
    FALSE,
    INF,
    NULL_CHOICE,
    NULL_NUMBER,
    TRUE,
    ValueSet,
    at_least,
    everything,
    number_text,
    only,
)

#: Anchors every case has.
ALWAYS_ANCHORS = frozenset({"interview_start", "interview_end", "at"})
#: Int facts that may be negative (date differences) or have a fixed range; other ints count things.
INT_RANGES: dict[str, tuple[float, float]] = {
    "interview.days_since": (-INF, INF), "interview.business_days_since": (-INF, INF),
    "follow_up.first_days_after_decision": (-INF, INF), "follow_up.first_days_after_interview": (-INF, INF),
    "draft.days_after_interview": (-INF, INF), "draft.days_after_decision": (-INF, INF),
    "draft.business_days_after_decision": (-INF, INF), "draft.local_hour": (0, 23),
}


@dataclass(frozen=True)
class Link:
    """What the fact derivation guarantees: when `fact` takes only values in `premise`,
    `then` takes only values in `conclusion` (and, contrapositively, the reverse)."""

    fact: str
    premise: ValueSet
    then: str
    conclusion: ValueSet
    says: str
    also: tuple[tuple[str, ValueSet], ...] = ()  # further premises; such a link is used forward only


def links() -> tuple[Link, ...]:
    """Every link the fact derivation guarantees."""
    made: list[Link] = []

    def when(fact: str, premise: ValueSet, says: str, **then: ValueSet) -> None:
        for name, conclusion in then.items():
            made.append(Link(fact, premise, name.replace("__", "."), conclusion, says))

    when("thank_you.sent", FALSE, "without a thank-you there is no thank-you time, mail or anchor",
         thank_you__count=only(0), thank_you__hours_after_interview=NULL_NUMBER, thank_you__mailed=FALSE,
         thank_you__same_text_to_several=FALSE, draft__days_since_last_thank_you=NULL_NUMBER)
    when("thank_you.sent", TRUE, "a thank-you has a time and is an anchor",
         thank_you__count=at_least(1), thank_you__hours_after_interview=at_least(-INF))
    when("anchor.last_thank_you", TRUE, "the last thank-you is known only once one is sent",
         thank_you__sent=TRUE)
    when("follow_up.count", only(0), "without a follow-up in this round there is no first or last follow-up",
         follow_up__first_days_after_decision=NULL_NUMBER, follow_up__first_days_after_interview=NULL_NUMBER,
         follow_up__first_hours_after_interview=NULL_NUMBER, follow_up__hours_since_last=NULL_NUMBER,
         draft__days_since_last_follow_up=NULL_NUMBER, follow_up__to_non_primary=FALSE,
         anchor__first_follow_up=FALSE, anchor__last_follow_up=FALSE)
    when("follow_up.count", at_least(1), "a follow-up in this round has a time and is an anchor",
         follow_up__first_days_after_interview=at_least(-INF), follow_up__first_hours_after_interview=at_least(-INF),
         follow_up__hours_since_last=at_least(-INF))
    when("decision_date.known", FALSE, "without a decision date nothing is counted from it",
         follow_up__first_days_after_decision=NULL_NUMBER, draft__days_after_decision=NULL_NUMBER,
         draft__business_days_after_decision=NULL_NUMBER, decision_date__passed=FALSE,
         decision_date__updated=FALSE, anchor__decision_date=FALSE)
    when("anchor.decision_date", FALSE, "the decision date is an anchor once known", decision_date__known=FALSE)
    when("draft.present", FALSE, "without a draft every draft fact is empty",
         draft__kind=only("none"), draft__channel=only("none"), draft__hours_after_interview=NULL_NUMBER,
         draft__days_after_interview=NULL_NUMBER, draft__days_after_decision=NULL_NUMBER,
         draft__business_days_after_decision=NULL_NUMBER, draft__days_since_last_follow_up=NULL_NUMBER,
         draft__days_since_last_thank_you=NULL_NUMBER, draft__local_hour=NULL_NUMBER,
         draft__before_no_contact=FALSE, draft__body=NULL_CHOICE)
    when("draft.present", TRUE, "a draft has a kind, a channel and a send time",
         draft__kind=only("none").invert() & everything("string"),
         draft__channel=only("none").invert() & everything("string"),
         draft__hours_after_interview=at_least(-INF), draft__days_after_interview=at_least(-INF),
         draft__local_hour=at_least(-INF))
    when("rejection.received", FALSE, "without a rejection there is nothing to answer",
         rejection__responded=FALSE, anchor__rejection=FALSE)
    when("anchor.rejection", FALSE, "a rejection is an anchor", rejection__received=FALSE)
    when("instructions.no_contact_before", FALSE, "without a no-contact date nothing is before it",
         instructions__no_contact_active=FALSE, draft__before_no_contact=FALSE, anchor__no_contact_before=FALSE)
    when("anchor.no_contact_before", FALSE, "a no-contact date is an anchor", instructions__no_contact_before=FALSE)
    when("instructions.present", FALSE, "without instructions none of their parts is set",
         instructions__no_contact_before=FALSE, instructions__contact=FALSE, instructions__channel=only("none"),
         instructions__materials_count=only(0))
    when("competing_offer.status", only("none"), "without a competing offer it has no time",
         competing_offer__before_decision=FALSE, anchor__competing_offer=FALSE)
    when("anchor.competing_offer", FALSE, "a competing offer is an anchor",
         competing_offer__status=only("none"))
    when("interview.ended", FALSE, "nothing is sent after an interview that has not ended",
         thank_you__sent=FALSE, follow_up__total=only(0))
    when("interview.in_progress", TRUE, "an interview in progress has not ended", interview__ended=FALSE)
    when("materials.requested_pending", at_least(1), "requested materials have a request time",
         anchor__materials_requested=TRUE)
    joint = (
        ("decision_date.known", "follow_up.count", at_least(1), "follow_up.first_days_after_decision"),
        ("decision_date.known", "draft.present", TRUE, "draft.days_after_decision"),
        ("decision_date.known", "draft.present", TRUE, "draft.business_days_after_decision"),
        ("thank_you.sent", "draft.present", TRUE, "draft.days_since_last_thank_you"),
        ("draft.present", "follow_up.count", at_least(1), "draft.days_since_last_follow_up"),
    )
    for fact, other, values, then in joint:
        made.append(Link(fact, TRUE, then, at_least(-INF), f"{then} is set when both {fact} and {other} are",
                         ((other, values),)))
    return tuple(made)


@dataclass(frozen=True)
class Relation:
    """`left` = the sum of `right` (bools count 1), or, with kind `le`, `left` + `shift` <= `right[0]`;
    it holds between values, so it says nothing while either side may be null."""

    kind: str
    left: str
    right: tuple[str, ...]
    shift: float = 0.0

    def __str__(self) -> str:
        if self.kind == "sum":
            return f"{self.left} = {' + '.join(self.right)}"
        return f"{self.left}{f' + {number_text(self.shift)}' if self.shift else ''} <= {self.right[0]}"


#: Sums and orders between counts, and a draft is sent after every message already sent.
BOUNDS: tuple[Relation, ...] = (
    Relation("sum", "outreach.count", ("thank_you.sent", "follow_up.count")),
    Relation("le", "follow_up.count", ("follow_up.total",)),
    Relation("le", "follow_up.recipient_count", ("follow_up.count",)),
    Relation("le", "calls.since_last_reply", ("calls.count",)),
    Relation("le", "thank_you.hours_after_interview", ("draft.hours_after_interview",)),
    Relation("le", "follow_up.first_hours_after_interview", ("draft.hours_after_interview",)),
    Relation("le", "follow_up.first_days_after_interview", ("draft.days_after_interview",)),
    Relation("le", "follow_up.first_days_after_decision", ("draft.days_after_decision",)),
)
#: In the nominal reading of time every day is a business day.
NOMINAL_BOUNDS: tuple[Relation, ...] = (
    Relation("le", "draft.business_days_after_decision", ("draft.days_after_decision",)),
    Relation("le", "draft.days_after_decision", ("draft.business_days_after_decision",)),
)
