"""The projected plan: what the rules advise step by step if nothing new arrives from the employer.

Each step is the due action with the earliest target, assumed done at that target (or at once, if
the target has passed; a step whose window has closed is still taken, marked late, because the
rules keep recommending it as overdue); the matching outgoing message is added to a copy of the
case and the rules are evaluated again from that moment. The projection ends when nothing is left to do, when the
rules say stop, or after ``max_steps``.

Sources may disagree about stopping: one can say "let it go" while others still advise a final
follow-up. A ``stop_following_up`` action ends the status follow-ups (``send_follow_up``,
``place_call``) by the same policy that merges windows: under ``agreement`` a follow-up goes ahead
only when more rulesets back it than back the stop; under ``strictest`` the stop always wins; under
``precedence`` the first ruleset in the order that backs either side decides. A follow-up that goes
ahead despite a stop records the outweighed citations in ``Step.despite``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from followup_rules.core.case import Case
from followup_rules.core.problems import UserError
from followup_rules.core.vocabulary import STATUS_ACTIONS
from followup_rules.pipeline import Selection, evaluate
from followup_rules.resolve.advice import Action, Advice, Citation, Window, iso
from followup_rules.resolve.resolver import build_advice
from followup_rules.resolve.steps import channel_of, done, is_step
from followup_rules.resolve.wording import names_of, title

#: Advice listed after the last step when the rules give it.
CLOSING_ACTIONS: tuple[str, ...] = ("stop_following_up", "continue_job_search")

_STOP = "stop_following_up"


@dataclass(frozen=True)
class Step:
    """One projected step: the action as advised when it came due, and when it is assumed done."""

    number: int
    action: Action
    at: datetime
    evaluated_at: datetime
    names: tuple[str, ...]
    despite: tuple[Citation, ...] = ()
    final: bool = False

    @property
    def window(self) -> Window | None:
        return self.action.window

    @property
    def by(self) -> tuple[Citation, ...]:
        return self.action.by

    @property
    def channel(self) -> str:
        """The channel the step goes by: the action's, else email (a phone call for a call)."""
        return channel_of(self.action)

    @property
    def late(self) -> bool:
        """The window had closed before the step could be taken."""
        window = self.action.window
        return window is not None and window.closes is not None and self.at >= window.closes

    @property
    def title(self) -> str:
        """What to do, for people: ``Send follow-up #1 to Pat Lee``."""
        return title(self.action, self.names, self.final)

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "title": self.title, "at": iso(self.at),
                "evaluated_at": iso(self.evaluated_at), "late": self.late, "final": self.final,
                "channel": self.channel,
                "names": list(self.names), "action": self.action.to_dict(),
                "despite": [c.to_dict() for c in self.despite]}


@dataclass(frozen=True)
class Timeline:
    """The projected plan for a case from a moment on, and why it ended.

    `advice` is the last evaluation (at `end`); `projected` is the case with every step done.
    """

    case: Case
    start: datetime
    policy: str
    steps: tuple[Step, ...]
    closing: tuple[Action, ...]
    end: datetime
    ended: str  # "stop" | "done" | "max_steps"
    advice: Advice
    projected: Case

    def to_dict(self) -> dict[str, Any]:
        return {"case": self.case.name, "timezone": self.case.timezone_name, "start": iso(self.start),
                "policy": self.policy, "rulesets": [r.to_dict() for r in self.advice.rulesets],
                "steps": [s.to_dict() for s in self.steps],
                "closing": [a.to_dict() for a in self.closing], "end": iso(self.end), "ended": self.ended}


def project(case: Case, start: datetime, selection: Selection, max_steps: int = 12) -> Timeline:
    """The whole plan for `case` from `start` on, if nothing new arrives from the employer.

    Plugins observing advice are not called: a projection is hypothetical advice.
    """
    if max_steps < 0:
        raise UserError("max_steps must be 0 or more")
    policy, order = selection.policy, selection.order
    current, when = case, start
    steps: list[Step] = []
    closing: dict[str, Action] = {}
    taken_keys: set[tuple[Any, ...]] = set()
    while True:
        evaluation = evaluate(current, when, selection.compiled)
        advice = build_advice(evaluation, policy, order)
        closing.update((a.action, a) for a in advice.actions if a.action in CLOSING_ACTIONS)
        stop = next((a for a in advice.actions if a.action == _STOP), None)
        if evaluation.facts.values.get("interview.in_progress"):
            when = case.interview.end  # no message goes during the interview: the plan starts at its end
            continue
        candidates = [(a, _stop_outweighed(stop, a, policy, order)) for a in advice.actions
                      if is_step(a) and _done_key(a) not in taken_keys]
        due = [(a, despite) for a, despite in candidates if despite is not None]
        if not due:
            ended = "stop" if stop is not None else "done"
            break
        if len(steps) >= max_steps:
            ended = "max_steps"
            break
        action, despite = min(due, key=lambda d: (d[0].window.target, d[0].key))  # type: ignore[union-attr]
        assert action.window is not None
        taken = max(action.window.target, when, key=lambda m: m.timestamp())
        taken_keys.add(_done_key(action))
        steps.append(Step(len(steps) + 1, action, taken, when, names_of(current, action.to), despite))
        current = done(current, [(action, taken)])
        when = taken
    return Timeline(case, start, policy, _mark_final(steps, ended),
                    tuple(closing[a] for a in CLOSING_ACTIONS if a in closing), when,
                    ended, advice, current)


def _done_key(action: Action) -> tuple[Any, ...]:
    """Taking the same action for the same people at the same target twice would make no progress."""
    assert action.window is not None
    return (action.key, action.to, action.window.target)


def _rulesets(citations: Sequence[Citation]) -> list[str]:
    return list(dict.fromkeys(c.rule.split("/", 1)[0] for c in citations))


def _stop_outweighed(stop: Action | None, action: Action, policy: str,
                     order: Sequence[str]) -> tuple[Citation, ...] | None:
    """The stop's citations when `action` goes ahead despite it, () without a conflict, None when
    the stop wins."""
    if stop is None or action.action not in STATUS_ACTIONS:
        return ()
    stopping, going = _rulesets(stop.by), _rulesets(action.by)
    if policy == "strictest":
        return None
    if policy == "precedence":
        first = next((r for r in order if r in stopping or r in going), None)
        return stop.by if first is not None and first not in stopping else None
    return stop.by if len(going) > len(stopping) else None


def _mark_final(steps: list[Step], ended: str) -> tuple[Step, ...]:
    """Mark the last status follow-up as the final one when the rules say stop after it."""
    if ended != "stop":
        return tuple(steps)
    last = next((s for s in reversed(steps) if s.action.action == "send_follow_up"), None)
    return tuple(replace(s, final=True) if s is last else s for s in steps)
