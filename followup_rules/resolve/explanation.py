"""Why each rule fired or not: every condition with its actual value, windows step by step."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Sequence

from followup_rules.core.problems import UserError, did_you_mean
from followup_rules.engine.conditions import Outcome, evaluate, flip_hint
from followup_rules.resolve.advice import Advice, MergeTrace, RulesetRef, Window, iso
from followup_rules.resolve.evaluation import Evaluation
from followup_rules.resolve.position import cancelled_by_reply
from followup_rules.resolve.windows import place


@dataclass(frozen=True)
class Verdict:
    """One rule's verdict for a case."""

    rule: str
    kind: str
    says: str
    source: str | None
    title: str
    quotes: tuple[str, ...]
    fired: bool
    outcome: Outcome | None
    window: Window | None
    state: str | None
    note: str
    chain: tuple[str, ...]

    def why_not(self) -> list[dict[str, Any]]:
        """For a rule that did not fire: each failing test, its actual value and what would flip it."""
        if self.fired or self.outcome is None:
            return []
        return [{"condition": o.condition.describe(), "actual": o.actual, "hint": flip_hint(o)}
                for o in self.outcome.failing_tests()]

    def to_dict(self) -> dict[str, Any]:
        then = {"window": self.window.to_dict() if self.window else None,
                "steps": list(self.window.steps) if self.window else [], "state": self.state}
        return {"rule": self.rule, "kind": self.kind, "fired": self.fired, "says": self.says,
                "source": self.source, "title": self.title, "quote": list(self.quotes),
                "conditions": self.outcome.to_dict() if self.outcome else None,
                "why_not": self.why_not(), "note": self.note, "chain": list(self.chain), **then}


@dataclass(frozen=True)
class Merged:
    """How one advised action (numbered as `followup advise` numbers it) was merged from its sources."""

    number: int
    action: str
    sentence: str
    trace: MergeTrace

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "action": self.action, "sentence": self.sentence, **self.trace.to_dict()}


@dataclass(frozen=True)
class Explanation:
    """Every rule's verdict at a moment, the facts they saw, the rulesets and policy selected, and how
    each advised action was merged."""

    at: datetime
    case: str
    timezone: str
    verdicts: tuple[Verdict, ...]
    facts: dict[str, Any]
    rulesets: tuple[RulesetRef, ...] = ()
    policy: str = ""
    merges: tuple[Merged, ...] = ()
    #: Notes for the reader (a rule asked about with --why-not that fired).
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"at": iso(self.at), "case": self.case, "timezone": self.timezone, "policy": self.policy,
                "rulesets": [r.to_dict() for r in self.rulesets], "merges": [m.to_dict() for m in self.merges],
                "notes": list(self.notes),
                "rules": [v.to_dict() for v in self.verdicts], "facts": dict(sorted(self.facts.items()))}

    def only(self, rules: Sequence[str] = (), why_not: bool = False) -> Explanation:
        """The explanation restricted to some rules (``id`` or ``ruleset/id``; an unknown one is a
        UserError with a did-you-mean) and the merges they take part in, or to rules that did not fire.
        A rule asked about with `why_not` that fired is kept, with a note saying so."""
        wanted = [self._find(rule) for rule in rules]
        keys = {v.rule for group in wanted for v in group}
        notes = tuple(f"{v.rule} fired: {v.says}" for v in self.verdicts if why_not and v.rule in keys and v.fired)
        kept = tuple(v for v in self.verdicts if (not keys or v.rule in keys)
                     and (not why_not or not v.fired or v.rule in keys))
        merges = self.merges if not keys else tuple(
            m for m in self.merges if any(rule in keys for p in m.trace.positions for rule in p.rules))
        return replace(self, verdicts=kept, merges=merges, notes=self.notes + notes)

    def _find(self, rule: str) -> list[Verdict]:
        found = [v for v in self.verdicts if v.rule == rule or v.rule.endswith("/" + rule)]
        if not found:
            known = [v.rule for v in self.verdicts] + [v.rule.split("/", 1)[1] for v in self.verdicts]
            raise UserError(f"no rule {rule!r} in the selected rulesets"
                            + (f" ({hint})" if (hint := did_you_mean(rule, known)) else ""))
        return found


def build_explanation(evaluation: Evaluation, advice: Advice | None = None) -> Explanation:
    """Every rule's verdict in one evaluation, each condition evaluated with its actual value."""
    case, at, facts, fired, calendar = (evaluation.case, evaluation.at, evaluation.facts, evaluation.fired,
                                        evaluation.calendar)
    verdicts = []
    for comp in evaluation.compiled:
        ruleset = comp.ruleset
        for crule in comp.rules:
            rule = crule.rule
            outcome = evaluate(crule.condition, facts.values, comp.params) if crule.condition else None
            did_fire = crule.key in fired
            window = place(rule, comp.params, facts, case, calendar) if did_fire else None
            note = ""
            if did_fire and (cancelled := cancelled_by_reply(rule, window, facts)):
                note = f"cancelled: the employer replied on {cancelled:%Y-%m-%d %H:%M}"
            verdicts.append(Verdict(
                crule.key, rule.kind, rule.says, ruleset.source_of(rule), ruleset.source_title or ruleset.title,
                rule.quotes, did_fire, outcome, window, window.state(at) if window else None,
                note or (f"override: {rule.override_reason}" if rule.override_reason else ""),
                rule.chain or ruleset.chain))
    merges = tuple(Merged(n, a.action, a.sentence, a.trace) for n, a in enumerate(advice.actions, 1)
                   if a.trace is not None) if advice else ()
    return Explanation(at, case.name, case.timezone_name, tuple(verdicts), dict(facts.values),
                       tuple(RulesetRef.of(c.ruleset) for c in evaluation.compiled),
                       advice.policy if advice else "", merges)
