"""One ruleset's own advice from its fired rules: actions with placed windows, warnings, expectations.

Every action is bound by the employer's instructions here, before any merging, so each source's
position already respects them. A warning remembers whether the case's draft raised it (the draft's
business) or its history did (something already done).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from followup_rules.core.business_days import BusinessCalendar
from followup_rules.core.case import Case
from followup_rules.core.moments import start_of_day
from followup_rules.core.ruleset import Rule, Ruleset
from followup_rules.core.vocabulary import STATUS_ACTIONS
from followup_rules.engine.compiler import Compiled, CompiledRule
from followup_rules.engine.conditions import evaluate
from followup_rules.facts.derive import Facts
from followup_rules.resolve.advice import Action, Caution, Citation, Expectation, SetAside, SourceResult, Window
from followup_rules.resolve.instructions import bind
from followup_rules.resolve.windows import place

_DEFAULT_TO = {"send_thank_you": "unthanked_interviewers", "continue_job_search": "candidate",
               "stop_following_up": "candidate", "set_reminder": "candidate",
               "set_expectation": "candidate", "comply_with_instructions": "candidate",
               "ask_next_steps": "candidate"}
#: Anchors as a person names them (the date a reminder is for).
ANCHOR_NAMES = {"decision_date": "the decision date", "no_contact_before": "the date the employer asked you to wait for",
                "competing_offer": "the date of the other offer", "rejection": "the rejection"}
#: What a warning is about: the case's draft, or its history.
ON_DRAFT, ON_HISTORY = "draft", "history"


def citation(ruleset: Ruleset, rule: Rule, window: Window | None = None) -> Citation:
    return Citation(ruleset.cite(rule), ruleset.source_of(rule), " […] ".join(rule.quotes), rule.says, window,
                    rule.strength)


def cancelled_by_reply(rule: Rule, window: Window | None, facts: Facts) -> datetime | None:
    """The employer's reply that cancels this pending status follow-up, if any."""
    if rule.then.action not in STATUS_ACTIONS or window is None or not facts["reply.received"]:
        return None
    replied = facts.anchors.get("last_received")
    if not isinstance(replied, datetime) or rule.then.window is None:
        return None
    anchor = facts.anchors[rule.then.window.anchor]
    if isinstance(anchor, datetime):
        return replied if anchor < replied else None
    # A date anchor (the decision date) is cancelled only if the reply came after that date ended.
    return replied if start_of_day(anchor + timedelta(days=1), facts.at.tzinfo or timezone.utc) <= replied else None


def source_result(compiled: Compiled, fired: frozenset[str] | set[str], facts: Facts, case: Case,
                  calendar: BusinessCalendar) -> SourceResult:
    """One ruleset's advice from its fired rules."""
    ruleset = compiled.ruleset
    actions: list[Action] = []
    warnings: list[Caution] = []
    expectations: list[Expectation] = []
    set_aside: list[SetAside] = []
    for crule in compiled.rules:
        if crule.key not in fired:
            continue
        rule, then = crule.rule, crule.rule.then
        window = place(rule, compiled.params, facts, case, calendar)
        cite = citation(ruleset, rule, window)
        if then.warning:
            warnings.append(Caution(then.warning, then.severity, (cite,), _evidence(crule, facts),
                                    subject=_subject(crule, compiled, facts)))
            continue
        if then.action == "set_expectation":
            expectations.append(Expectation(then.code or "", (cite,)))
            continue
        if cancelled_by_reply(rule, window, facts):
            continue
        state = window.state(facts.at) if window else "open"
        to = facts.people[then.to or _DEFAULT_TO.get(then.action or "", "primary_contact")]
        about = facts.anchors.get(then.about) if then.about else None
        planned = Action(then.action or "", to, then.channel, window, state, then.include, then.style, then.ordinal,
                         then.code, (cite,), strength=rule.strength,
                         about=_instant(about, case) if about is not None else None,
                         about_name=ANCHOR_NAMES.get(then.about or "", "the date"))
        bound = bind(planned, case, facts.at, calendar)
        if isinstance(bound, SetAside):
            set_aside.append(SetAside(bound.action, bound.reason, (cite,)))
            continue
        if bound.window is not window:
            # The source's position is its window as the employer's instructions leave it.
            bound = replace(bound, by=(replace(cite, window=bound.window),))
        actions.append(bound)
        if bound.state == "overdue" and then.late_warning:
            closed = bound.window.closes.isoformat() if bound.window and bound.window.closes else None
            warnings.append(Caution(then.late_warning, "warning", (cite,), {"closed": closed}, subject=ON_HISTORY))
    return SourceResult(ruleset.id, tuple(sorted(actions, key=order)), tuple(warnings), tuple(expectations),
                        tuple(set_aside))


def _instant(value: Any, case: Case) -> datetime:
    return value if isinstance(value, datetime) else start_of_day(value, case.timezone)


def _evidence(crule: CompiledRule, facts: Facts) -> dict[str, Any]:
    then = crule.rule.then
    names = then.evidence or tuple(sorted({leaf.fact for leaf in (crule.condition.leaves() if crule.condition else [])
                                           if leaf.fact and not leaf.fact.startswith("anchor.")}))
    return {n: facts.values.get(n) for n in names}


def _subject(crule: CompiledRule, compiled: Compiled, facts: Facts) -> str:
    """Whether the case's draft helped raise this warning; otherwise its history did."""
    if crule.condition is None or not facts.values.get("draft.present"):
        return ON_HISTORY
    support = evaluate(crule.condition, facts.values, compiled.params).supporting()
    return ON_DRAFT if any((s.condition.fact or "").startswith("draft.") for s in support) else ON_HISTORY


def order(action: Action) -> tuple[Any, ...]:
    moment = action.window.target.timestamp() if action.window else float("inf")
    return (moment, action.action, action.ordinal or 0, action.code or "", action.to)
