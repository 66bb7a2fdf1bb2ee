"""From one evaluation to advice: each source's position, merged by the policy, constrained by the
employer's instructions and the sources' don'ts, with consistent warnings, in plain words and in
order of urgency. What comes next (steps waiting only on an earlier step) is added by
`with_next` from a second, projected evaluation (`pipeline.advise` runs it)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Collection, Sequence

from followup_rules.core.case import Case
from followup_rules.resolve.advice import Action, Advice, RulesetRef, SetAside
from followup_rules.resolve.consistency import reconcile
from followup_rules.resolve.constraints import constrain
from followup_rules.resolve.evaluation import Evaluation
from followup_rules.resolve.merge import merge_actions, merge_cautions, merge_expectations
from followup_rules.resolve.position import source_result
from followup_rules.resolve.steps import after, done, is_step
from followup_rules.resolve.wording import names_of, sentence, urgency


def build_advice(evaluation: Evaluation, policy: str, precedence: Sequence[str] = (),
                 settled: Collection[tuple[str, int, str]] = ()) -> Advice:
    """The advice of one evaluation under `policy` (`precedence`: ruleset ids, first wins).

    `settled` are action keys already decided elsewhere (a projection leaves out what the advice it
    extends settles): they are not merged or constrained again."""
    case, at, calendar = evaluation.case, evaluation.at, evaluation.calendar
    order = tuple(precedence) or tuple(c.ruleset.id for c in evaluation.compiled)
    results = tuple(source_result(c, evaluation.fired, evaluation.facts, case, calendar) for c in evaluation.compiled)
    merged = [a for a in merge_actions(results, policy, at, order, calendar, evaluation.facts.people["primary_contact"])
              if a.key not in settled]
    constrained = constrain(merged, evaluation.facts, case, evaluation.compiled, policy, order, calendar)
    cautions, conflicts = reconcile(merge_cautions([w for r in results for w in r.warnings]), constrained.actions,
                                    bool(evaluation.facts.values.get("process.ended")))
    aside = _one_each([s for r in results for s in r.set_aside] + list(constrained.set_aside))
    actions = tuple(sorted((worded(a, case, at) for a in constrained.actions), key=urgency))
    per_source = tuple(replace(r, actions=tuple(worded(a, case, at) for a in r.actions)) for r in results)
    return Advice(at, case.name, case.timezone_name, policy,
                  tuple(RulesetRef.of(c.ruleset) for c in evaluation.compiled), actions, tuple(cautions),
                  merge_expectations(results), per_source, tuple(constrained.conflicts) + tuple(conflicts),
                  tuple(replace(s, action=worded(s.action, case, at)) for s in aside), evaluation)


def worded(action: Action, case: Case, at: datetime) -> Action:
    """The action with its people's names and its plain sentence."""
    names = names_of(case, action.to)
    return replace(action, names=names, sentence=sentence(action, names, at, case.timezone))


def _one_each(aside: Sequence[SetAside]) -> list[SetAside]:
    """One set-aside entry per action, citing every rule behind it and behind its setting aside."""
    found: dict[tuple[object, ...], SetAside] = {}
    for entry in aside:
        key = entry.action.key
        if key in found:
            seen = found[key]
            found[key] = replace(seen, action=replace(seen.action, by=seen.action.by + entry.action.by),
                                 by=tuple(dict.fromkeys(seen.by + entry.by)))
        else:
            found[key] = entry
    return list(found.values())


#: The precondition of everything projected from a case whose interview is still on.
AFTER_INTERVIEW = "after the interview ends"


def next_situation(evaluation: Evaluation, advice: Advice) -> tuple[Case, datetime, str] | None:
    """The situation to project what comes next from: the case once the interview is over, or once
    the advised steps are done at their targets; None when there is nothing to project."""
    case, at = evaluation.case, evaluation.at
    if evaluation.facts.values.get("interview.in_progress"):
        return case, case.interview.end, AFTER_INTERVIEW
    planned = [a for a in advice.actions if is_step(a) and a.projected is None]
    # The steps due now are done first; when none is, the next one to come.
    steps = [a for a in planned if a.state != "upcoming"] or [
        a for a in planned if a.window and a.window.target == min(b.window.target for b in planned if b.window)]
    if not steps:
        return None
    moments = [(a, max(a.window.target, at, key=lambda m: m.timestamp())) for a in steps if a.window]
    latest = max((m for _, m in moments), key=lambda m: m.timestamp())
    return done(case, moments), latest, after(steps)


def settled(advice: Advice) -> set[tuple[str, int, str]]:
    """The keys of the actions the advice decides now (open, overdue, or timeless): a projection
    adds nothing for them."""
    waiting = {a.key for a in advice.actions if a.state == "upcoming"} | {s.action.key for s in advice.set_aside}
    return ({a.key for a in advice.actions} | {s.action.key for s in advice.set_aside}) - waiting


def with_next(advice: Advice, next_advice: Advice, precondition: str) -> Advice:
    """`advice` with what the steps being done brings, upcoming and marked projected.

    A step not yet open now (upcoming, or set aside) is shown as planned in the projected situation
    when it appears there: sources that wait on the earlier step (or on the interview's end) have
    not spoken yet, so the projection is the better estimate, and it is the date `timeline` gives."""
    evaluation = advice.evaluation
    assert evaluation is not None
    have = settled(advice)
    projected = [worded(replace(a, state="upcoming", projected=precondition), evaluation.case, advice.at)
                 for a in next_advice.actions if a.key not in have and a.window is not None]
    if not projected:
        return advice
    keys = {a.key for a in projected}
    kept = [a for a in advice.actions if a.key not in keys]
    return replace(advice, actions=tuple(sorted((*kept, *projected), key=urgency)),
                   set_aside=tuple(s for s in advice.set_aside if s.action.key not in keys))
