"""When a drafted message should go: the first moment the rules behind its action do not object to it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from followup_rules.core.moments import at_local, when
from followup_rules.drafting.compose import Composition
from followup_rules.drafting.kinds import CASE_KINDS, case_channel

if TYPE_CHECKING:
    from followup_rules.core.business_days import BusinessCalendar
    from followup_rules.core.case import Case
    from followup_rules.core.ruleset import Ruleset
    from followup_rules.engine.compiler import Compiled
    from followup_rules.resolve.advice import Action, Advice
    from followup_rules.resolve.evaluation import Evaluation

_TIME_FACTS = frozenset({
    "draft.hours_after_interview", "draft.days_after_interview", "draft.days_after_decision",
    "draft.business_days_after_decision", "draft.days_since_last_follow_up", "draft.days_since_last_thank_you",
    "draft.before_no_contact", "draft.local_hour", "draft.on_business_day",
})


@dataclass(frozen=True)
class Objection:
    """A DON'T that a draft raises: the warning, the rule behind it, and whether timing caused it."""

    code: str
    rule: str
    says: str
    timing: bool

    def __str__(self) -> str:
        return f"{self.code} ({self.rule}): {self.says}"


def send_time(action: "Action", at: datetime) -> datetime:
    """When the message would go: the window's target, or `at` once the target has passed."""
    if action.window is None or action.window.target <= at:
        return at
    return action.window.target


def backing(action: "Action", advice: "Advice") -> tuple[tuple["Compiled", ...], tuple[str, ...]]:
    """The rulesets whose rules back `action`, compiled as the advice used them (same versions and
    parameters), and the ids of any backing ruleset the advice did not evaluate."""
    evaluated = {c.ruleset.id: c for c in _evaluation(advice).compiled}
    wanted = dict.fromkeys(c.rule.split("/", 1)[0] for c in action.by)
    return (tuple(evaluated[rid] for rid in wanted if rid in evaluated),
            tuple(rid for rid in wanted if rid not in evaluated))


def citing_rulesets(action: "Action", advice: "Advice") -> list["Ruleset"]:
    """The rulesets (as used for `advice`) whose rules back `action`."""
    return [c.ruleset for c in backing(action, advice)[0]]


def _evaluation(advice: "Advice") -> "Evaluation":
    if advice.evaluation is None:
        raise ValueError("drafting needs advice from the pipeline (it carries its evaluation)")
    return advice.evaluation


class _Probe:
    """The draft placed in the case, checked against the rules backing its action at chosen moments.

    Each moment derives the facts of the case with the draft once; no moment fires the engine."""

    def __init__(self, draft: Composition, channel: str, action: "Action", case: "Case", advice: "Advice") -> None:
        self.draft, self.action, self.case = draft, action, case
        self.channel = case_channel(channel, case, action)
        self.compiled = backing(action, advice)[0]
        self.seen: dict[datetime, tuple[Objection, ...]] = {}

    def objections(self, at: datetime) -> tuple[Objection, ...]:
        if at not in self.seen:
            self.seen[at] = self._objections(at)
        return self.seen[at]

    def _objections(self, at: datetime) -> tuple[Objection, ...]:
        from followup_rules.core.case import Draft
        from followup_rules.drafting.draft_check import problems_in
        from followup_rules.pipeline import facts_of

        if not self.compiled:
            return ()
        draft = self.draft
        placed = replace(self.case, draft=Draft(CASE_KINDS[draft.kind], self.channel, draft.to, draft.body, at))
        problems = problems_in(placed, facts_of(placed, at)[0], self.compiled)
        return tuple(Objection(p.code, p.rule, p.says, any(loc.fact in _TIME_FACTS for loc in p.locations))
                     for p in problems if p.kind == "dont")


def objections(draft: Composition, channel: str, action: "Action", case: "Case", advice: "Advice",
               at: datetime | None = None) -> tuple[Objection, ...]:
    """The DON'Ts of the rulesets backing `action` that the draft raises when sent at `at` (default:
    `send_time`), as `followup check` finds them: rules the draft's own facts helped fire."""
    return _Probe(draft, channel, action, case, advice).objections(at or send_time(action, advice.at))


@dataclass(frozen=True)
class Schedule:
    """When a message should go, what the rules still object to then, and what moved it there from
    the first allowed moment (`first`)."""

    at: datetime
    objections: tuple[Objection, ...]
    moved_by: tuple[Objection, ...] = ()
    first: datetime | None = None
    unchecked: tuple[str, ...] = ()


def first_slot(start: datetime, hours: tuple[int, int], calendar: "BusinessCalendar") -> datetime:
    """The first quarter hour at or after `start` inside `hours` (local, end exclusive) on a business day."""
    tz = start.tzinfo
    assert tz is not None
    local = start.replace(second=0, microsecond=0)
    if local < start:
        local += timedelta(minutes=1)
    local += timedelta(minutes=-local.minute % 15)
    day = local.date()
    if calendar.is_business_day(day) and hours[0] <= local.hour < hours[1]:
        return local
    if not (calendar.is_business_day(day) and local.hour < hours[0]):
        day = calendar.add_business_days(day, 1)[0]
    return at_local(day, hours[0], tz)


def schedule(draft: Composition, channel: str, action: "Action", case: "Case", advice: "Advice",
             hours: tuple[int, int] | None = None, days: int = 31) -> Schedule:
    """The first moment from the action's target (or from the advice's moment, if later) at which the
    rules backing the action raise no timing DON'T against the draft.

    With `hours`, only those local hours of business days count (a call); otherwise the target, then
    09:00 on each following business day. The search stops when the window closes or after `days`
    business days; then the first moment is kept with its objections.
    """
    calendar = _evaluation(advice).calendar
    unchecked = backing(action, advice)[1]
    probe = _Probe(draft, channel, action, case, advice)
    start = send_time(action, advice.at).astimezone(case.timezone)
    first = first_slot(start, hours, calendar) if hours else start
    found = probe.objections(first)
    blocking = tuple(o for o in found if o.timing)
    if not blocking:
        return Schedule(first, found, unchecked=unchecked)
    day = first.date()
    closes = action.window.closes if action.window else None
    for _ in range(days):
        day = calendar.add_business_days(day, 1)[0]
        moment = at_local(day, hours[0] if hours else 9, case.timezone)
        if closes is not None and moment >= closes:
            break
        later = probe.objections(moment)
        if not any(o.timing for o in later):
            return Schedule(moment, later, blocking, first, unchecked)
    return Schedule(first, found, unchecked=unchecked)


def plan_notes(plan: Schedule, tz: Any) -> list[str]:
    """What a schedule means for the person sending: why it moved, what the rules still object to."""
    notes = [f"later than the first possible moment ({when(plan.first, tz)}) because {o.rule} says: {o.says}"
             for o in plan.moved_by]
    notes += [f"the rules object: {o.code} ({o.rule}): {o.says}" for o in plan.objections]
    if plan.unchecked:
        notes.append(f"not checked against {', '.join(plan.unchecked)}: not on the ruleset search path")
    return notes
