"""Checking a draft message against the rules: each problem the rules find, and where it is.

A draft is put into a case as its ``draft`` and the selected rules that read the draft are evaluated
as for ``explain``. A warning rule speaks on the draft when a test of a ``draft.*`` fact is part of
what made it fire (a rule that fired only on the case's history is the advice's business, not
the draft's). Each such rule is located in the text through the findings of ``draft.analyse``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Mapping, Sequence

from followup_rules.core._reading import read_text
from followup_rules.core.case import Case, Draft
from followup_rules.core.problems import Problem, UserError
from followup_rules.core.ruleset import Condition
from followup_rules.engine.compiler import Compiled
from followup_rules.engine.conditions import Outcome, evaluate
from followup_rules.facts.derive import Facts
from followup_rules.facts.draft_text import DraftAnalysis, Flag
from followup_rules.pipeline import Selection, facts_of, moment, select
from followup_rules.resolve.advice import iso

#: The draft facts that count findings, and the finding kind each counts.
FINDING_KINDS: Mapping[str, str] = {
    "draft.emoji_count": "emoji",
    "draft.exclamation_run": "exclamation",
    "draft.placeholder_count": "placeholder",
    "draft.slang_count": "slang",
    "draft.pushy_count": "pushy",
    "draft.overshare_count": "overshare",
    "draft.assumes_outcome_count": "assumes_outcome",
    "draft.negative_count": "negative",
    "draft.mentions_competing_offer": "competing_offer",
}
_FACT_OF_KIND = {kind: fact for fact, kind in FINDING_KINDS.items()}
# Facts that only say which draft it is; they locate a problem only when nothing else does.
_QUALIFIERS = ("draft.kind", "draft.channel")
_SYMBOLS = {"eq": "", "ne": "not ", "lt": "< ", "le": "<= ", "gt": "> ", "ge": ">= ", "in": "one of ",
            "not_in": "none of ", "matches": "matching ", "exists": "set: "}
_NEGATED = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "le": "gt", "gt": "le", "in": "not_in",
            "not_in": "in"}


@dataclass(frozen=True)
class Location:
    """Where in the draft a rule's problem is: a finding's words, or line 1 with a detail."""

    line: int
    column: int
    fact: str
    text: str = ""
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "fact": self.fact, "text": self.text,
                "detail": self.detail}


@dataclass(frozen=True)
class DraftProblem:
    """A fired warning rule that speaks on the draft, with each place it points at."""

    rule: str
    kind: str
    code: str
    severity: str
    says: str
    quotes: tuple[str, ...]
    source: str | None
    locations: tuple[Location, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "kind": self.kind, "code": self.code, "severity": self.severity,
                "says": self.says, "quote": list(self.quotes), "source": self.source,
                "locations": [loc.to_dict() for loc in self.locations]}


@dataclass(frozen=True)
class DraftCheck:
    """The result of checking one draft: its problems and the findings no fired rule points at."""

    draft: str
    case: str
    at: datetime
    rulesets: tuple[tuple[str, str], ...]
    policy: str
    analysis: DraftAnalysis
    problems: tuple[DraftProblem, ...]
    unclaimed: tuple[Flag, ...]

    @property
    def failed(self) -> bool:
        """Whether a `kind: dont` rule fired on the draft."""
        return any(p.kind == "dont" for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "draft": self.draft, "case": self.case, "at": iso(self.at),
            "rulesets": [{"id": rid, "version": version} for rid, version in self.rulesets], "policy": self.policy,
            "failed": self.failed,
            "problems": [p.to_dict() for p in self.problems],
            "unclaimed_findings": [_finding_dict(f) for f in self.unclaimed],
            "analysis": {k: v for k, v in self.analysis.to_dict().items() if k != "findings"},
        }

    def text(self) -> str:
        """One compiler-style line per place, each rule's quotes under its lines, then a summary."""
        lines: list[str] = []
        for problem in self.problems:
            for loc in problem.locations:
                what = f'"{loc.text}"' if loc.text else loc.detail
                lines.append(f"{self.draft}:{loc.line}:{loc.column}: {problem.code} {problem.rule} — {what}")
            lines.extend(f"    “{quote}”" for quote in problem.quotes)
        for finding in self.unclaimed:
            lines.append(f'{self.draft}:{finding.line}:{finding.column}: note: {finding.kind} "{finding.text}"'
                         f" (no selected rule fired on {_FACT_OF_KIND[finding.kind]})")
        donts = sum(1 for p in self.problems if p.kind == "dont")
        if self.problems:
            lines.append(f"{len(self.problems)} rule(s) found problems in the draft, {donts} of them don'ts")
        else:
            lines.append("no rule found a problem in the draft")
        return "\n".join(lines) + "\n"


def _finding_dict(finding: Flag) -> dict[str, Any]:
    return {"kind": finding.kind, "line": finding.line, "column": finding.column, "text": finding.text,
            "fact": _FACT_OF_KIND[finding.kind]}


def read_draft(path: str | os.PathLike[str]) -> str:
    """The text of a draft file; a missing, empty, oversized, non-UTF-8 or not regular file is a UserError."""
    name = str(path)
    text = read_text(path, hint="a draft is a short text file")
    if not text.strip():
        raise UserError([Problem(name, 1, 1, "FR004", "the draft is empty", "write the message body in it")])
    return text


def with_draft(case: Case, body: str, channel: str | None = None, kind: str | None = None,
               at: datetime | None = None) -> Case:
    """`case` with `body` as its draft, planned for `at` (default: the case's draft's time, else the check's).

    Channel, kind and recipients default to those of the case's draft, then email, follow_up and
    the primary contact.
    """
    old = case.draft
    return replace(case, draft=Draft(
        kind=kind or (old.kind if old else "follow_up"),
        channel=channel or (old.channel if old else "email"),
        to=old.to if old else (),
        body=body,
        at=at or (old.at if old else None),
    ))


def check_draft(case: Case, body: str, name: str = "<draft>", at: datetime | str | None = None,
                selection: Selection | None = None, channel: str | None = None, kind: str | None = None) -> DraftCheck:
    """Every warning rule that speaks on `body` as `case`'s draft at `at`, located in the text.

    A given `at` is also when the draft is to be sent; without one the check runs now and the
    draft keeps the sending time of the case's draft, if it has one. `selection` defaults to the
    default rulesets for the case.
    """
    when = moment(at, case)
    the_case = with_draft(case, body, channel, kind, when if at is not None else None)
    chosen = selection or select(the_case)
    facts, _ = facts_of(the_case, when)
    analysis = facts.draft
    assert analysis is not None, "a case with a draft has its analysis"
    problems = problems_in(the_case, facts, chosen.compiled)
    claimed = {(loc.line, loc.column, loc.detail) for p in problems for loc in p.locations if loc.text}
    unclaimed = tuple(f for f in analysis.findings if (f.line, f.column, f.kind) not in claimed)
    return DraftCheck(name, the_case.name, when, tuple((c.ruleset.id, c.ruleset.version) for c in chosen.compiled),
                      chosen.policy, analysis, problems, unclaimed)


def problems_in(case: Case, facts: Facts, compiled: Sequence[Compiled]) -> tuple[DraftProblem, ...]:
    """The warning rules of `compiled` that speak on the case's draft, given the facts of the case
    with that draft; sorted by place.

    Only rules reading a ``draft.*`` fact can speak on a draft, and locating a problem needs every
    condition's outcome, so they are decided by the explain evaluator (the specification the engine
    is tested against) rather than by another engine run.
    """
    analysis = facts.draft
    assert analysis is not None, "a case with a draft has its analysis"
    problems = []
    for comp in compiled:
        for crule in comp.rules:
            rule = crule.rule
            if rule.then.warning is None or crule.condition is None or not _reads_draft(crule.condition):
                continue
            outcome = evaluate(crule.condition, facts.values, comp.params)
            if not outcome.passed:
                continue
            tests = [t for t in _supporting(outcome) if (t.condition.fact or "").startswith("draft.")]
            if not tests:
                continue
            locations = _locate(tests, analysis, case.interview.topics)
            problems.append(DraftProblem(crule.key, rule.kind, rule.then.warning, rule.then.severity,
                                         rule.says, rule.quotes, comp.ruleset.source_of(rule), locations))
    problems.sort(key=lambda p: (p.locations[0].line, p.locations[0].column, p.rule))
    return tuple(problems)


def _reads_draft(condition: Condition) -> bool:
    return any((leaf.fact or "").startswith("draft.") for leaf in condition.leaves())


@dataclass(frozen=True)
class _Support:
    """A leaf test that helped a condition pass; `negated` when it did so by failing under `not`."""

    condition: Condition
    actual: Any
    expected: Any
    negated: bool


def _supporting(outcome: Outcome, negated: bool = False) -> list[_Support]:
    """The leaf tests on a passing path of `outcome`: what made the rule fire."""
    c = outcome.condition
    if c.kind == "test":
        return [_Support(c, outcome.actual, outcome.expected, negated)] if outcome.passed else []
    if not outcome.passed:
        return []
    if c.kind == "not":
        # the inner condition failed; its failing tests are what the rule saw
        return [_Support(o.condition, o.actual, o.expected, not negated)
                for o in outcome.children[0].failing_tests() if o.condition.kind == "test"]
    return [s for child in outcome.children for s in _supporting(child, negated)]


def _locate(tests: list[_Support], analysis: DraftAnalysis, topics: Sequence[str]) -> tuple[Location, ...]:
    """The places in the draft that `tests` (passing tests of draft facts) point at."""
    by_fact: dict[str, _Support] = {}
    for t in tests:
        by_fact.setdefault(t.condition.fact or "", t)
    measured = [f for f in by_fact if f != "draft.present" and f not in _QUALIFIERS]
    facts = measured or [f for f in by_fact if f in _QUALIFIERS] or list(by_fact)
    locations: list[Location] = []
    for fact in facts:
        support = by_fact[fact]
        found = [f for f in analysis.findings if f.kind == FINDING_KINDS.get(fact)]
        if found:
            locations += [Location(f.line, f.column, fact, f.text, f.kind) for f in found]
        elif fact == "draft.paragraphs":
            locations.append(Location(1, 1, fact, detail=_paragraphs(support)))
        elif fact == "draft.mentions_topic":
            named = ", ".join(topics) if topics else "none recorded"
            locations.append(Location(1, 1, fact, detail=f"names none of the interview's topics ({named})"))
        else:
            locations.append(Location(1, 1, fact, detail=_measure(support)))
    return tuple(sorted(locations, key=lambda loc: (loc.line, loc.column, loc.fact, loc.text)))


def _op(support: _Support) -> str:
    op = support.condition.op
    return _NEGATED.get(op, op) if support.negated else op


def _paragraphs(support: _Support) -> str:
    op, limit = _op(support), support.expected
    most = {"gt": limit, "ge": limit - 1}.get(op) if isinstance(limit, int) else None
    if most is None:
        return f"{support.actual} paragraphs"
    return f"{support.actual} paragraphs; the rule allows at most {most}"


def _measure(support: _Support) -> str:
    fact = support.condition.fact
    when = f"{_SYMBOLS[_op(support)]}{_show(support.expected)}"
    return f"{fact} is {_show(support.actual)}; the rule fires when it is {when}"


def _show(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false", None: "null"}[value]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)
