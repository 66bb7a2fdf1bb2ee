"""Why each rule fired or not: every condition with its actual value, windows step by step."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from followup_rules.engine.conditions import Outcome, evaluate, flip_hint
from followup_rules.resolve.advice import RulesetRef, Window, iso
from followup_rules.resolve.evaluation import Evaluation
from followup_rules.resolve.merge import cancelled_by_reply
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
class Explanation:
    """Every rule's verdict at a moment, the facts they saw, and the rulesets and policy selected."""

    at: datetime
    case: str
    timezone: str
    verdicts: tuple[Verdict, ...]
    facts: dict[str, Any]
    rulesets: tuple[RulesetRef, ...] = ()
    policy: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"at": iso(self.at), "case": self.case, "timezone": self.timezone, "policy": self.policy,
                "rulesets": [r.to_dict() for r in self.rulesets],
                "rules": [v.to_dict() for v in self.verdicts], "facts": dict(sorted(self.facts.items()))}

    def only(self, rule: str | None = None, why_not: bool = False) -> "Explanation":
        """The explanation restricted to one rule (``id`` or ``ruleset/id``) or to rules that did not fire."""
        kept = [v for v in self.verdicts
                if (rule is None or v.rule == rule or v.rule.endswith("/" + rule)) and not (why_not and v.fired)]
        return replace(self, verdicts=tuple(kept))


def build_explanation(evaluation: Evaluation, policy: str = "") -> Explanation:
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
    return Explanation(at, case.name, case.timezone_name, tuple(verdicts), dict(facts.values),
                       tuple(RulesetRef.of(c.ruleset) for c in evaluation.compiled), policy)
