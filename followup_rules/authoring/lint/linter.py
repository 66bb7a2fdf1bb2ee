"""Lint rulesets: rules that can never fire, rules a more general rule shadows, rules whose advice
contradicts another rule's under conditions that can hold together, and unused parameters.

Reasoning is per fact, over value sets (`value_sets`), in the condition space (`space`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from followup_rules.authoring.lint.space import MAX_BOXES, Box, Dnf, Space, TooComplex
from followup_rules.authoring.lint.timing import follow_region, window_text
from followup_rules.authoring.lint.value_sets import FALSE
from followup_rules.core.problems import Problem
from followup_rules.core.ruleset import ParamRef, Rule, Ruleset, Then
from followup_rules.engine.compiler import full_condition
from followup_rules.rules.load import load_ruleset
from followup_rules.rules.validate import ruleset_files

#: Regions shown in one message; the JSON output carries them all.
SHOWN_REGIONS = 3

CODES: dict[str, str] = {
    "FR050": "a rule can never fire: its tests contradict each other",
    "FR051": "a rule is shadowed: a more general rule of its ruleset gives the same advice",
    "FR052": "two rules of one ruleset give contradictory advice under conditions that can hold together",
    "FR053": "two rulesets of one source give contradictory advice under conditions that can hold together",
    "FR054": "two sources give contradictory advice under conditions that can hold together (by design)",
    "FR055": "a window counted in calendar days opens before a warning measured in elapsed time clears",
    "FR056": "a parameter is declared but no condition or window uses it",
    "FR057": "a rule's condition is too complex to lint",
}

#: Warnings (and the one action) that advise against an action: following the action where the
#: other rule holds is contradictory advice. Warnings on the message itself (MESSAGE_WARNINGS) count
#: only where the message following the action would raise them; the others judge the state.
OPPOSED: dict[str, frozenset[str]] = {
    "send_follow_up": frozenset({"follow_up_too_early", "too_many_follow_ups", "stop_following_up"}),
    "place_call": frozenset({"call_after_email", "calling_too_frequently"}),
    "send_thank_you": frozenset({"thank_you_too_early"}),
    "notify_competing_offer": frozenset({"unverified_competing_offer"}),
}
MESSAGE_WARNINGS = frozenset({"follow_up_too_early", "thank_you_too_early", "call_after_email",
                              "unverified_competing_offer"})
#: Warnings on when a message is sent, about which an action without a window claims nothing.
_TIMING_WARNINGS = frozenset({"follow_up_too_early", "thank_you_too_early"})


@dataclass(frozen=True)
class Finding:
    """One lint finding: the problem to show, what kind it is, the rules and the region of facts."""

    problem: Problem
    kind: str
    rules: tuple[str, ...] = ()
    regions: tuple[Mapping[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {**self.problem.to_dict(), "kind": self.kind, "rules": list(self.rules),
                "regions": [dict(r) for r in self.regions]}


def _where(ruleset: Ruleset, path: tuple[Any, ...], key: bool = False) -> tuple[int, int]:
    if ruleset.doc is None or not ruleset.doc.marks:
        return (1, 1)
    if key and tuple(path) in ruleset.doc.key_marks:
        return ruleset.doc.key_marks[tuple(path)]
    return ruleset.doc.where(path)


def _problem(ruleset: Ruleset, path: tuple[Any, ...], code: str, severity: str, message: str,
             hint: str = "", key: bool = False) -> Problem:
    line, column = _where(ruleset, path, key)
    return Problem(ruleset.path, line, column, code, message, hint, severity)


def _outcome(then: Then) -> tuple[Any, ...]:
    return (then.action, then.warning, then.window, then.to, then.channel, then.ordinal, then.code,
            then.late_warning, then.severity)


def _adds_nothing(narrow: Then, wide: Then) -> bool:
    """Whether `narrow` gives nothing beyond `wide`: the same outcome, no other content or style."""
    return (_outcome(narrow) == _outcome(wide) and set(narrow.include) <= set(wide.include)
            and set(narrow.style) <= set(wide.style) and set(narrow.evidence) <= set(wide.evidence))


def _region_text(regions: Sequence[Sequence[tuple[str, str]]]) -> str:
    shown = ["; ".join(f"{k} {v}" for k, v in r) or "always" for r in regions[:SHOWN_REGIONS]]
    more = f" (and {len(regions) - SHOWN_REGIONS} more regions)" if len(regions) > SHOWN_REGIONS else ""
    return " | ".join(shown) + more



@dataclass
class _Rule:
    ruleset: Ruleset
    rule: Rule
    dnf: Dnf | None  # None when too complex

    @property
    def cite(self) -> str:
        return self.ruleset.cite(self.rule)


class Linter:
    """Lints a set of rulesets together."""

    def __init__(self, rulesets: Sequence[Ruleset]) -> None:
        self.rulesets = list(rulesets)
        self.space = Space()
        self.nominal = Space(self.space.domains, nominal=True)
        self.findings: list[Finding] = []
        self.rules: list[_Rule] = []
        self._negated: dict[int, Dnf | None] = {}

    def run(self) -> list[Finding]:
        for ruleset in self.rulesets:
            for rule in ruleset.rules:
                self.rules.append(self._prepare(ruleset, rule))
            self._unused(ruleset)
        live = [r for r in self.rules if r.dnf is not None and r.dnf.boxes]
        self._shadowed(live)
        self._contradictions(live)
        return sorted(self.findings, key=lambda f: f.problem)

    def _add(self, finding: Finding) -> None:
        self.findings.append(finding)

    def _prepare(self, ruleset: Ruleset, rule: Rule) -> _Rule:
        cite = ruleset.cite(rule)
        try:
            dnf = self.space.dnf(ruleset, full_condition(ruleset, rule))
        except TooComplex:
            self._add(Finding(_problem(ruleset, rule.path, "FR057", "info",
                                       f"rule {cite} expands to more than {MAX_BOXES} cases; lint skipped it",
                                       "split it into several rules"), "too_complex", (cite,)))
            return _Rule(ruleset, rule, None)
        if not dnf.boxes:
            reasons = "; ".join(dnf.conflicts[:SHOWN_REGIONS]) + (
                f" (and {len(dnf.conflicts) - SHOWN_REGIONS} more)" if len(dnf.conflicts) > SHOWN_REGIONS else "")
            self._add(Finding(_problem(ruleset, rule.path, "FR050", "error",
                                       f"rule {cite} can never fire: {reasons}",
                                       "remove the contradictory test or split the rule"), "impossible", (cite,)))
        return _Rule(ruleset, rule, dnf)

    def implies(self, a: _Rule, b: _Rule) -> bool:
        """Whether every case that fires `a` fires `b`."""
        assert a.dnf is not None
        if id(b.rule) not in self._negated:
            try:
                self._negated[id(b.rule)] = self.space.dnf(b.ruleset, full_condition(b.ruleset, b.rule), True)
            except TooComplex:
                self._negated[id(b.rule)] = None
        negated = self._negated[id(b.rule)]
        try:
            return negated is not None and not self.space.both(a.dnf, negated).boxes
        except TooComplex:
            return False

    def _shadowed(self, live: list[_Rule]) -> None:
        for i, narrow in enumerate(live):
            for j, wide in enumerate(live):
                if i == j or narrow.ruleset is not wide.ruleset:
                    continue
                if not _adds_nothing(narrow.rule.then, wide.rule.then) or not self.implies(narrow, wide):
                    continue
                mutual = _adds_nothing(wide.rule.then, narrow.rule.then) and self.implies(wide, narrow)
                if mutual and j > i:
                    continue
                then = narrow.rule.then
                what = f"{then.action or then.warning}" + (f" {window_text(then.window)}" if then.window else "")
                line, _ = _where(wide.ruleset, wide.rule.path)
                assert narrow.dnf is not None
                shown = self._tested(narrow)
                regions = tuple(dict.fromkeys(tuple(sorted(
                    (k, v) for k, v in self.space.region(b).items() if k in shown)) for b in narrow.dnf.boxes))
                self._add(Finding(_problem(
                    narrow.ruleset, narrow.rule.path, "FR051", "warning",
                    f"rule {narrow.cite} is shadowed by {wide.cite}: wherever it fires ({_region_text(regions)}), "
                    f"{wide.cite} {'equally' if mutual else 'also'} fires with the same {what}",
                    f"{wide.cite} is at line {line}; drop {narrow.rule.id} or merge its quote into it"),
                    "shadowed", (narrow.cite, wide.cite), tuple(dict(r) for r in regions)))
                break

    def _contradictions(self, live: list[_Rule]) -> None:
        for doer in live:
            then = doer.rule.then
            against = OPPOSED.get(then.action or "")
            if not against:
                continue
            for other in live:
                said = other.rule.then.warning or other.rule.then.action
                if other is doer or said not in against:
                    continue
                if then.window is None and said in _TIMING_WARNINGS:
                    # A windowless action claims no timing: it joins the timed advice of the sources.
                    continue
                self._contradiction(doer, other, str(said))

    def _contradiction(self, doer: _Rule, other: _Rule, said: str) -> None:
        assert doer.dnf is not None and other.dnf is not None
        space = self.space
        then = doer.rule.then
        same = doer.ruleset is other.ruleset
        try:
            against = other.dnf
            if said in MESSAGE_WARNINGS:
                against = space.both(against, self._without_draft(other))
            wide = space.both(space.both(doer.dnf, follow_region(doer.ruleset, then, False)), against)
            if not wide.boxes:
                return
            exact = self.nominal.both(self.nominal.both(doer.dnf, follow_region(doer.ruleset, then, True)), against)
        except TooComplex:
            return
        if same:
            code, severity = ("FR052", "error") if exact.boxes else ("FR055", "warning")
        elif doer.ruleset.source_file and doer.ruleset.source_file == other.ruleset.source_file:
            code, severity = "FR053", "warning"
        else:
            code, severity = "FR054", "info"
        boxes = exact.boxes if code == "FR052" else wide.boxes
        shown = self._tested(doer) | self._tested(other)
        regions = tuple(dict.fromkeys(tuple(sorted(
            (k, v) for k, v in space.region(b).items() if k in shown)) for b in boxes))
        verb = "warns" if other.rule.then.warning else "says"
        message = (f"{doer.cite} recommends {then.action} {window_text(then.window)} while {other.cite} "
                   f"{verb} {said}; both hold where {_region_text(regions)}")
        if code == "FR055":
            hint = ("the two agree when a day is 24 hours from the anchor and every day a business day, so they "
                    "clash only at day boundaries, weekends or holidays; count the window and the warning "
                    "in the same unit")
        else:
            line, _ = _where(other.ruleset, other.rule.path)
            hint = f"{other.cite} is at {other.ruleset.path}:{line}"
        self._add(Finding(_problem(doer.ruleset, doer.rule.path, code, severity, message, hint),
                          "contradiction", (doer.cite, other.cite), tuple(dict(r) for r in regions)))

    def _without_draft(self, rule: _Rule) -> Dnf:
        """The states in which `rule` stays silent while no draft is written: a warning on a message
        contradicts an action only where the message following the action raises it."""
        silent = self.space.dnf(rule.ruleset, full_condition(rule.ruleset, rule.rule), negate=True)
        no_draft = self.space.both(silent, Dnf((Box({"draft.present": FALSE}, {"draft.present": ("no draft",)}),)))
        return Dnf(tuple(Box({k: v for k, v in b.sets.items() if not k.startswith("draft.")},
                             {k: v for k, v in b.why.items() if not k.startswith("draft.")})
                         for b in no_draft.boxes))

    def _tested(self, rule: _Rule) -> set[str]:
        """The facts and parameters a rule's own tests (not the implied anchor tests) look at."""
        cond = full_condition(rule.ruleset, rule.rule)
        leaves = [leaf for leaf in cond.leaves() if not leaf.implicit] if cond is not None else []
        return {self.space.leaf(rule.ruleset, leaf)[0] for leaf in leaves}

    def _unused(self, ruleset: Ruleset) -> None:
        used: set[str] = set()
        conditions = [ruleset.applies_when] + [r.when for r in ruleset.rules]
        for cond in conditions:
            for leaf in cond.leaves() if cond is not None else ():
                if leaf.param is not None:
                    used.add(leaf.param)
                if isinstance(leaf.value, ParamRef):
                    used.add(leaf.value.name)
        for rule in ruleset.rules:
            window = rule.then.window
            for value in (window.opens, window.target, window.closes) if window else ():
                if isinstance(value, ParamRef):
                    used.add(value.name)
        for name in ruleset.parameters:
            if name not in used:
                self._add(Finding(_problem(ruleset, ("parameters", name), "FR056", "warning",
                                           f"parameter {name!r} of {ruleset.id} is never used",
                                           "use it in a condition or window, or remove it", key=True),
                                  "unused_parameter"))


def lint(rulesets: Sequence[Ruleset]) -> list[Finding]:
    """Every finding within and across `rulesets`, sorted by position."""
    return Linter(rulesets).run()


def lint_paths(paths: Sequence[str] = ()) -> list[Finding]:
    """Lint the ruleset files in `paths` (folders searched; default: the shipped rulesets)."""
    return lint([load_ruleset(Path(file)) for file in ruleset_files(paths)])


def text(findings: Sequence[Finding]) -> str:
    """Findings for people, one per line, and a count by severity."""
    lines = [f"{f.problem.severity}: {f.problem}" for f in findings]
    counts = {s: sum(1 for f in findings if f.problem.severity == s) for s in ("error", "warning", "info")}
    lines.append(f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} info")
    return "\n".join(lines) + "\n"
