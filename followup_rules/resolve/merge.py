"""Turn firings into advice: windows placed in time, instructions applied, sources merged."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Sequence

from followup_rules.core.business_days import BusinessCalendar
from followup_rules.core.case import Case
from followup_rules.core.moments import start_of_day
from followup_rules.core.ruleset import Rule, Ruleset
from followup_rules.core.vocabulary import STATUS_ACTIONS
from followup_rules.engine.compiler import Compiled
from followup_rules.facts.derive import Facts
from followup_rules.resolve.advice import (
    Action,
    Advice,
    Caution,
    Citation,
    Dissent,
    Expectation,
    Override,
    RulesetRef,
    SourceResult,
    Window,
)
from followup_rules.resolve.evaluation import Evaluation
from followup_rules.resolve.windows import place

POLICIES = ("agreement", "strictest", "precedence")
_SEVERITY = {"info": 0, "warning": 1, "error": 2}
_DEFAULT_TO = {"send_thank_you": "unthanked_interviewers", "continue_job_search": "candidate",
               "stop_following_up": "candidate", "set_reminder": "candidate",
               "set_expectation": "candidate", "comply_with_instructions": "candidate"}


def citation(ruleset: Ruleset, rule: Rule, window: Window | None = None) -> Citation:
    return Citation(ruleset.cite(rule), ruleset.source_of(rule), " […] ".join(rule.quotes), rule.says, window)


def _instructions(action: Action, case: Case, facts: Facts) -> Action:
    """Apply employer instructions, which override every source's timing, contact and channel."""
    if action.action not in STATUS_ACTIONS:
        return action
    overrides, window, to, channel = [], action.window, action.to, action.channel
    if case.no_contact_before and window is not None:
        earliest = start_of_day(case.no_contact_before, case.timezone)
        if window.opens < earliest:
            closes = window.closes if window.closes is None or window.closes > earliest else None
            window = Window(earliest, max(window.target, earliest), closes,
                            window.steps + (f"moved to {earliest:%Y-%m-%d} by the no-contact-before instruction",))
            overrides.append(Override("no_contact_before", f"no contact before {case.no_contact_before}"))
    if case.instructed_contact and to != (case.instructed_contact,):
        to = (case.instructed_contact,)
        overrides.append(Override("contact", f"contact {case.instructed_contact} only"))
    if case.instructed_channel and channel != case.instructed_channel:
        channel = case.instructed_channel
        overrides.append(Override("channel", f"use {case.instructed_channel}"))
    if not overrides:
        return action
    state = window.state(facts.at) if window else action.state
    return Action(action.action, to, channel, window, state, action.include, action.style,
                  action.ordinal, action.code, action.by, action.dissent, tuple(overrides))


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
    actions, warnings, expectations = [], [], []
    for crule in compiled.rules:
        if crule.key not in fired:
            continue
        rule, then = crule.rule, crule.rule.then
        window = place(rule, compiled.params, facts, case, calendar)
        cite = citation(ruleset, rule, window)
        if then.warning:
            names = then.evidence or tuple(sorted({leaf.fact for leaf in (crule.condition.leaves() if crule.condition else [])
                                                    if leaf.fact and not leaf.fact.startswith("anchor.")}))
            warnings.append(Caution(then.warning, then.severity, (cite,), {n: facts.values.get(n) for n in names}))
            continue
        if then.action == "set_expectation":
            expectations.append(Expectation(then.code or "", (cite,)))
            continue
        if cancelled_by_reply(rule, window, facts):
            continue
        state = window.state(facts.at) if window else "open"
        to = facts.people[then.to or _DEFAULT_TO.get(then.action or "", "primary_contact")]
        action = _instructions(Action(then.action or "", to, then.channel, window, state, then.include,
                                      then.style, then.ordinal, then.code, (cite,)), case, facts)
        actions.append(action)
        if action.state == "overdue" and then.late_warning:
            warnings.append(Caution(then.late_warning, then.severity if then.warning else "warning", (cite,),
                                    {"closed": window.closes.isoformat() if window and window.closes else None}))
    return SourceResult(ruleset.id, tuple(sorted(actions, key=_order)), tuple(warnings), tuple(expectations))


def _order(action: Action) -> tuple[Any, ...]:
    moment = action.window.target.timestamp() if action.window else float("inf")
    return (moment, action.action, action.ordinal or 0, action.code or "", action.to)


def merge(results: Sequence[SourceResult], policy: str, at: datetime, precedence: Sequence[str] = (),
          primary: tuple[str, ...] = ()) -> tuple[tuple[Action, ...], tuple[Caution, ...], tuple[Expectation, ...]]:
    """The merged view of per-source results under `policy`; `primary` (the primary contact) wins a
    tie between the recipients sources name for a status question."""
    groups: dict[tuple[Any, ...], list[tuple[int, Action]]] = {}
    order = {rid: i for i, rid in enumerate(precedence or [r.ruleset for r in results])}
    for result in results:
        for action in result.actions:
            groups.setdefault(action.key, []).append((order.get(result.ruleset, len(order)), action))
    merged = [_merge_group([a for _, a in sorted(items, key=lambda x: x[0])], policy, at, primary)
              for items in groups.values()]
    warnings: dict[str, list[Caution]] = {}
    for result in results:
        for warning in result.warnings:
            warnings.setdefault(warning.code, []).append(warning)
    merged_warnings = tuple(
        Caution(code, max((w.severity for w in ws), key=_SEVERITY.__getitem__),
                tuple(c for w in ws for c in w.by), {k: v for w in ws for k, v in w.evidence.items()})
        for code, ws in sorted(warnings.items()))
    expectations: dict[str, list[Citation]] = {}
    for result in results:
        for exp in result.expectations:
            expectations.setdefault(exp.code, []).extend(exp.by)
    return (tuple(sorted(merged, key=_order)), merged_warnings,
            tuple(Expectation(code, tuple(by)) for code, by in sorted(expectations.items())))


def _merge_group(actions: list[Action], policy: str, at: datetime, primary: tuple[str, ...] = ()) -> Action:
    timed = [a for a in actions if a.window is not None]
    windows = [a.window for a in timed if a.window is not None]
    window: Window | None
    if not timed:
        backers, window = actions, None
    elif policy == "precedence":
        window = windows[0]
        backers = [a for a in timed if _contains(a.window, window.target)]
    elif policy == "strictest":
        window = _strictest(windows)
        backers = [a for a in timed if _contains(a.window, window.opens)]
    else:
        window = _agreement(windows)
        backers = [a for a in timed if _contains(a.window, window.opens)]
    # An action without a window adds its content and citation to the timed advice it joins.
    backers = (backers or timed[:1]) + [a for a in actions if a.window is None and timed]
    dissent = tuple(Dissent(c.rule, c.source, c.window.says() if c.window else "no timing")
                    for a in actions if a not in backers and a.window is not None for c in a.by)
    first = backers[0]
    if first.action in STATUS_ACTIONS:
        # One contact for status questions (several sources warn against asking more people): the
        # recipient most backers name; on a tie the primary contact, else the first backer's.
        votes = [a.to for a in backers if a.to]
        to = max(votes, key=lambda v: (votes.count(v), v == primary)) if votes else first.to
    else:
        to = tuple(dict.fromkeys(p for a in backers for p in a.to))
    include = tuple(dict.fromkeys(i for a in backers for i in a.include))
    style = tuple(dict.fromkeys(s for a in backers for s in a.style))
    overrides = tuple(dict.fromkeys(o for a in backers for o in a.overridden_by))
    state = window.state(at) if window else "open"
    return Action(first.action, to, first.channel, window, state, include, style, first.ordinal,
                  first.code, tuple(c for a in backers for c in a.by), dissent, overrides)


def _contains(window: Window | None, moment: datetime) -> bool:
    return window is not None and window.opens <= moment and (window.closes is None or moment < window.closes)


def _agreement(windows: list[Window]) -> Window:
    """The region covered by the most windows (the earliest such region on a tie)."""
    points = sorted({w.opens for w in windows})
    best, best_count = windows[0], 0
    for start in points:
        covering = [w for w in windows if _contains(w, start)]
        if len(covering) > best_count:
            ends = [w.closes for w in covering if w.closes is not None]
            closes = min(ends) if ends else None
            inside = [w.target for w in covering if w.target >= start and (closes is None or w.target < closes)]
            target = min(inside) if inside else start
            best = Window(start, target, closes, ("agreement of " + str(len(covering)) + " sources",))
            best_count = len(covering)
    return best


def _strictest(windows: list[Window]) -> Window:
    """Never earlier than any source allows, never later than any source allows, if possible."""
    opens = max(w.opens for w in windows)
    ends = [w.closes for w in windows if w.closes is not None]
    closes = min(ends) if ends else None
    if closes is not None and closes <= opens:
        latest = max(windows, key=lambda w: w.opens)
        closes = latest.closes
    target = max(opens, max(w.target for w in windows))
    if closes is not None and target >= closes:
        target = opens
    return Window(opens, target, closes, ("strictest of all sources",))


def build_advice(evaluation: Evaluation, policy: str, precedence: Sequence[str] = ()) -> Advice:
    """The advice of one evaluation: each ruleset's own advice, then merged under `policy`."""
    case, at, facts = evaluation.case, evaluation.at, evaluation.facts
    results = tuple(source_result(c, evaluation.fired, facts, case, evaluation.calendar) for c in evaluation.compiled)
    actions, warnings, expectations = merge(results, policy, at, precedence, facts.people["primary_contact"])
    refs = tuple(RulesetRef.of(c.ruleset) for c in evaluation.compiled)
    return Advice(at, case.name, case.timezone_name, policy, refs, actions, warnings, expectations, results,
                  evaluation)
