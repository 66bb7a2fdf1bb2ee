"""Don'ts constrain the plan, not only drafts.

Each advised message is checked as a draft would be, before a word of it is written: its kind,
channel, recipients and send moment (its target, or now) go into the case as a content-free draft,
and every warning rule that objects to exactly those (not to wording) speaks. Whether it binds
follows the policy: an objection to the timing by a source that backs the action always binds (a
source's own call hours move its own call); under agreement an objection binds when the sources
objecting are at least as many as the backers that do not object (a tie goes to the objection: it
warns of harm), under strictest always, under precedence when its source comes first. A binding
objection about time moves the action to the first moment it no longer objects to (a call into call
hours on a business day); one about channel or recipient sets the action aside. One that does not
bind is shown once as a conflict between the named sources.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence

from followup_rules.core.business_days import WORKING_HOURS, BusinessCalendar
from followup_rules.core.case import Case, Draft
from followup_rules.core.moments import local_date, start_of_day
from followup_rules.core.ruleset import Condition
from followup_rules.core.vocabulary import STEP_MESSAGES
from followup_rules.engine.compiler import Compiled, CompiledRule
from followup_rules.engine.conditions import Predicate, evaluate, predicate
from followup_rules.facts.derive import Facts, derive, with_planned
from followup_rules.resolve.advice import Action, Citation, Conflict, Override, SetAside, Side, Window
from followup_rules.resolve.position import citation

#: Draft facts a message has before it is written: what, how, to whom, when.
PLANNED_FACTS = frozenset({"draft.present", "draft.kind", "draft.channel", "draft.recipient_count",
                           "draft.to_non_primary"})
#: Draft facts about when it goes: an objection on these is met by waiting.
TIME_FACTS = frozenset({
    "draft.hours_after_interview", "draft.days_after_interview", "draft.days_after_decision",
    "draft.business_days_after_decision", "draft.days_since_last_follow_up", "draft.days_since_last_thank_you",
    "draft.before_no_contact", "draft.local_hour", "draft.on_business_day",
})
_DEFAULT_CHANNEL = {"place_call": "phone_call", "connect_linkedin": "linkedin"}
#: Channels a message may switch to when a source objects to its channel (a call stays a call).
_ALTERNATIVES = {"send_follow_up": ("email", "phone_call"), "notify_competing_offer": ("email", "phone_call"),
                 "send_materials": ("email",), "send_thank_you": ("email", "note_hand_delivered")}
#: How far ahead a move is looked for, in days (beyond the action's own close, never).
_HORIZON = 31


@dataclass(frozen=True)
class Objection:
    """A don't that speaks on a planned message, and whether waiting would meet it."""

    compiled: Compiled
    rule: CompiledRule
    timing: bool

    @property
    def ruleset(self) -> str:
        return self.compiled.ruleset.id

    @property
    def citation(self) -> Citation:
        return citation(self.compiled.ruleset, self.rule.rule)


@dataclass(frozen=True)
class Constrained:
    """The plan after the don'ts: the actions kept (some moved), those set aside, and the conflicts."""

    actions: tuple[Action, ...]
    set_aside: tuple[SetAside, ...]
    conflicts: tuple[Conflict, ...]


def constrain(actions: Sequence[Action], facts: Facts, case: Case, compiled: Sequence[Compiled], policy: str,
              order: Sequence[str], calendar: BusinessCalendar) -> Constrained:
    """Apply every don't that speaks on an advised message (see the module's docstring); `facts` are
    the case's at the moment advised."""
    at = facts.at
    kept: list[Action] = []
    aside: list[SetAside] = []
    conflicts: list[Conflict] = []
    known = {at.timestamp(): facts}
    unplanned = replace(case, draft=None)

    def base(moment: datetime) -> Facts:
        """The case's facts when a message is planned for `moment` (derived once per moment)."""
        when = max(moment, at, key=lambda m: m.timestamp())
        if when.timestamp() not in known:
            known[when.timestamp()] = derive(unplanned, when, calendar)
        return known[when.timestamp()]

    for action in actions:
        if action.action not in STEP_MESSAGES:
            kept.append(action)
            continue
        outcome, found = _Planner(action, case, at, compiled, base, calendar).settle(policy, order)
        conflicts += found
        if isinstance(outcome, Action) and outcome.action == "place_call":
            outcome = _in_call_hours(outcome, at, calendar)
        (aside if isinstance(outcome, SetAside) else kept).append(outcome)  # type: ignore[arg-type]
    return Constrained(tuple(kept), tuple(aside), tuple(conflicts))


def _in_call_hours(action: Action, at: datetime, calendar: BusinessCalendar) -> Action | SetAside:
    """A call placed in call hours on a business day (ARCHITECTURE.md: 09:00-17:00 local), whatever
    the sources say; set aside when its window has none left."""
    window = action.window
    start = window.target if window is not None and window.target.timestamp() > at.timestamp() else at
    closes = window.closes if window is not None else None
    moment = calendar.working_moment(start, closes)
    if moment is None:
        return SetAside(action, "no call hours (09:00-17:00 on a business day) are left in its window")
    if window is not None and moment.timestamp() == window.target.timestamp():
        return action
    note = f"placed in call hours: {moment:%Y-%m-%d %H:%M} (09:00-17:00 local on a business day)"
    opens = window.opens if window is not None and window.opens.timestamp() <= moment.timestamp() else moment
    new = Window(opens if window is not None else moment, moment, closes, (window.steps if window else ()) + (note,),
                 window.soft if window is not None else False)
    trace = action.trace.changed(note) if action.trace else None
    return replace(action, window=new, state=new.state(at), trace=trace)


def _binds(objection: Objection, action: Action, objectors: Sequence[str], policy: str, order: Sequence[str]) -> bool:
    """Whether an objection changes the action (see the module's docstring)."""
    timed = list(action.trace.backers) if action.trace else []
    # On timing, the sources that time the action vote; on whether and how to send it, every backer.
    backers = timed if objection.timing and timed else list(dict.fromkeys(c.ruleset for c in action.by))
    if policy == "strictest" or objection.timing and objection.ruleset in backers:
        return True
    if policy == "precedence":
        rank = {rid: i for i, rid in enumerate(order)}
        first = min([*backers, objection.ruleset], key=lambda rid: rank.get(rid, len(rank)))
        return first == objection.ruleset
    supporters = [rid for rid in backers if rid not in objectors]
    return len(objectors) >= len(supporters)


def _conflict(action: Action, objections: Sequence[Objection],
              resolution: str = "kept: more sources back it than object to it") -> Conflict:
    """One conflict per action and warning: the backers' position against every rule objecting."""
    sources = len(action.trace.backers) if action.trace else len({c.ruleset for c in action.by})
    keep = f"{action.action.replace('_', ' ')} as advised ({sources} {'source' if sources == 1 else 'sources'})"
    against = tuple(dict.fromkeys(o.citation for o in objections))
    code = objections[0].rule.rule.then.warning or ""
    name = f"{action.action} #{action.ordinal}" if action.ordinal else action.action
    return Conflict(f"{name}: {code}", (Side(keep, action.by), Side(objections[0].rule.rule.says, against)),
                    resolution, action.action)


class _Planner:
    """One advised message, checked as a content-free draft at chosen moments."""

    def __init__(self, action: Action, case: Case, at: datetime, compiled: Sequence[Compiled],
                 base: Callable[[datetime], Facts], calendar: BusinessCalendar) -> None:
        self.action, self.case, self.at, self.base, self.calendar = action, case, at, base, calendar
        self.compiled = [c for c in compiled if _planning_rules(c)]
        window = action.window
        self.moment = window.target if window is not None and window.target.timestamp() > at.timestamp() else at
        self.kind = STEP_MESSAGES[action.action]
        self.channel = action.channel or _DEFAULT_CHANNEL.get(action.action, "email")
        #: Channels the message has been sent by so far: a don't never sends it back to one.
        self.tried = {self.channel}
        self._derived: dict[tuple[float, str], Mapping[str, Any]] = {}

    def _facts(self, moment: datetime, channel: str) -> Mapping[str, Any]:
        """The case's facts with the message planned for `moment` by `channel` (derived once each)."""
        key = (moment.timestamp(), channel)
        if key not in self._derived:
            draft = Draft(self.kind, channel, tuple(self.action.to), "", moment)
            self._derived[key] = with_planned(self.base(moment), self.case, draft, self.calendar).values
        return self._derived[key]

    def _objects(self, objection: Objection, moment: datetime, channel: str) -> bool:
        """Whether `objection` still speaks with the message sent at `moment` by `channel`."""
        return bool(self.objections(moment, objection.rule, channel))

    def objections(self, moment: datetime, only: CompiledRule | None = None,
                   channel: str | None = None) -> list[Objection]:
        values = self._facts(moment, channel or self.channel)
        found = []
        for comp in self.compiled:
            for crule, holds, kinds in _planning_rules(comp):
                if only is not None and crule is not only or kinds is not None and self.kind not in kinds:
                    continue
                assert crule.condition is not None
                if not holds(values):
                    continue
                outcome = evaluate(crule.condition, values, comp.params)
                drafted = {s.condition.fact for s in outcome.supporting()
                           if (s.condition.fact or "").startswith("draft.")}
                if drafted and drafted <= PLANNED_FACTS | TIME_FACTS and drafted - {"draft.present"}:
                    found.append(Objection(comp, crule, bool(drafted & TIME_FACTS)))
        return found

    def settle(self, policy: str, order: Sequence[str]) -> tuple[Action | SetAside, list[Conflict]]:
        """The action after every binding objection, and the conflicts with the objections that do not
        bind (one per warning code)."""
        action: Action = self.action
        outvoted: dict[str, list[Objection]] = {}
        unmet: dict[str, list[Objection]] = {}
        for _ in range(8):  # each move makes progress; a few rounds settle every shipped case
            objections = self.objections(self.moment)
            objectors = list(dict.fromkeys(o.ruleset for o in objections))
            stuck = {o for group in unmet.values() for o in group}
            binding = [o for o in objections if o not in stuck and _binds(o, action, objectors, policy, order)]
            for o in objections:
                code = o.rule.rule.then.warning or ""
                if o not in binding and o not in stuck and o not in outvoted.get(code, []):
                    outvoted.setdefault(code, []).append(o)
            if not binding:
                break
            outcome = self.obey(action, binding[0])
            if outcome is None:
                unmet.setdefault(binding[0].rule.rule.then.warning or "", []).append(binding[0])
                continue
            if isinstance(outcome, SetAside):
                return outcome, []
            action = outcome
            if action.window is not None:  # a re-channelled action with no window stays at its moment
                self.moment = action.window.target
        if action.trace is not None:
            notes = [f"kept despite {', '.join(o.citation.rule for o in group)} ({code}): more sources back it"
                     for code, group in outvoted.items()]
            notes += [f"kept despite {', '.join(o.citation.rule for o in group)} ({code}): the don'ts leave it "
                      "no other channel" for code, group in unmet.items()]
            action = replace(action, trace=action.trace.changed(*notes))
        return action, ([_conflict(action, group) for group in outvoted.values()]
                        + [_conflict(action, group, "kept: the don'ts leave it no other channel")
                           for group in unmet.values()])

    def obey(self, action: Action, objection: Objection) -> Action | SetAside | None:
        """The action moved to where `objection` no longer speaks, or sent by another channel, or set
        aside; None when another don't already moved it off every channel this one allows."""
        cite = objection.citation
        if not objection.timing:
            for channel in _ALTERNATIVES.get(action.action, ()):
                if channel not in self.tried and not self._objects(objection, self.moment, channel):
                    note = f"by {channel.replace('_', ' ')} because {cite.rule} says: {cite.says}"
                    self.channel = channel
                    self.tried.add(channel)
                    trace = action.trace.changed(note) if action.trace else None
                    return replace(action, channel=channel, trace=trace,
                                   overridden_by=action.overridden_by + (Override(cite.rule, cite.says),))
        if objection.timing:
            moved = self._later(action, objection)
            if moved is not None:
                window = action.window
                closes = window.closes if window is not None else None
                soft = window.soft if window is not None else False
                note = f"moved to {moved:%Y-%m-%d %H:%M} because {cite.rule} says: {cite.says}"
                new_window = Window(moved, moved, closes, (window.steps if window else ()) + (note,), soft)
                trace = action.trace.changed(note) if action.trace else None
                return replace(action, window=new_window, state=new_window.state(self.at), trace=trace,
                               overridden_by=action.overridden_by + (Override(cite.rule, cite.says),))
        if not objection.timing and len(self.tried) > 1:
            return None
        return SetAside(action, f"{cite.rule} says: {cite.says}", (cite,))

    def _later(self, action: Action, objection: Objection) -> datetime | None:
        closes = action.window.closes if action.window is not None else None
        params = objection.compiled.params
        hours = (int(params.get("call_hours_start", WORKING_HOURS[0])), int(params.get("call_hours_end", WORKING_HOURS[1])))
        business_only = bool(params.get("call_hours_business_days_only", True))
        moment = self.moment
        limit = moment + timedelta(days=_HORIZON)
        while True:
            found = self.calendar.working_moment(moment, closes, hours, business_only)
            if found is None or found.timestamp() > limit.timestamp():
                return None
            if not self._objects(objection, found, self.channel):
                return found
            moment = start_of_day(local_date(found, self.case.timezone) + timedelta(days=1), self.case.timezone)


@lru_cache(maxsize=256)
def _planning_rules(compiled: Compiled) -> tuple[tuple[CompiledRule, Predicate, frozenset[str] | None], ...]:
    """The warning rules of a ruleset that test a planned message's kind, channel, recipients or time,
    each with its predicate and the draft kinds it can speak on (None: any)."""
    found = []
    for crule in compiled.rules:
        if crule.rule.then.warning is None or crule.condition is None:
            continue
        facts = {leaf.fact for leaf in crule.condition.leaves() if leaf.fact}
        if facts & (PLANNED_FACTS | TIME_FACTS) - {"draft.present"} and not _needs_content(crule.condition):
            found.append((crule, predicate(crule.condition, compiled.params), _kinds(crule.condition)))
    return tuple(found)


def _needs_content(condition: Condition) -> bool:
    """Whether the condition requires a test on what a draft says (its words, not its kind, channel,
    recipients or time): such a rule objects to wording, never to a planned message."""
    required = [condition] if condition.kind == "test" else list(condition.children) if condition.kind == "all" else []
    planned = PLANNED_FACTS | TIME_FACTS
    return any(leaf.kind == "test" and (leaf.fact or "").startswith("draft.") and leaf.fact not in planned
               for leaf in required)


def _kinds(condition: Condition) -> frozenset[str] | None:
    """The draft kinds a condition can hold for, when a test it requires names them."""
    tests = [condition] if condition.kind == "test" else list(condition.children) if condition.kind == "all" else []
    for leaf in tests:
        if leaf.kind == "test" and leaf.fact == "draft.kind" and leaf.op in ("eq", "in"):
            return frozenset([leaf.value] if leaf.op == "eq" else leaf.value)
    return None
