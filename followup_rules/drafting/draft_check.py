"""Checking a draft message against the rules: each problem the rules find, and where it is.

A draft is put into a case as its ``draft`` and the selected rules that read the draft are evaluated
as for ``explain``. A warning rule speaks on the draft when a test of a ``draft.*`` fact is part of
what made it fire (a rule that fired only on the case's history is the advice's business, not
the draft's). Each such rule is located in the text through the findings of ``draft.analyse``;
a place several rules point at (often of several sources) is one `Finding` that lists them all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Sequence

from followup_rules.core._reading import read_text
from followup_rules.core.case import Case, Draft
from followup_rules.core.problems import Problem, UserError
from followup_rules.drafting._located import FACT_OF_KIND, FINDING_KINDS, Location, locate, reads_draft
from followup_rules.engine.compiler import Compiled
from followup_rules.engine.conditions import evaluate
from followup_rules.facts.derive import Facts
from followup_rules.facts.draft_text import DraftAnalysis, Flag
from followup_rules.pipeline import Selection, facts_of, moment, select
from followup_rules.resolve.advice import iso

__all__ = ["FINDING_KINDS", "DraftCheck", "DraftProblem", "Finding", "Location", "check_draft", "problems_in",
           "read_draft", "with_draft"]

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
class Finding:
    """One place in the draft and every fired rule that objects to it."""

    location: Location
    problems: tuple[DraftProblem, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.code for p in self.problems))

    def says(self) -> str:
        """What is at the place: the words (with their fix) or the measure."""
        loc = self.location
        if not loc.text:
            return loc.detail
        words = " ".join(loc.text.split())
        return f'"{words}"' + (f' (did you mean "{loc.fix}"?)' if loc.fix else "")

    def to_dict(self) -> dict[str, Any]:
        return {**self.location.to_dict(), "codes": list(self.codes),
                "rules": [{"rule": p.rule, "source": p.source, "code": p.code, "kind": p.kind,
                           "severity": p.severity, "quote": list(p.quotes)} for p in self.problems]}


def findings_of(problems: Sequence[DraftProblem]) -> tuple[Finding, ...]:
    """The places of `problems`, each once with every problem at it, in the order of the text."""
    places: dict[tuple[int, int, str, str], list[DraftProblem]] = {}
    first: dict[tuple[int, int, str, str], Location] = {}
    for problem in problems:
        for loc in problem.locations:
            key = (loc.line, loc.column, loc.text, "" if loc.text else loc.detail)
            first.setdefault(key, loc)
            if problem not in places.setdefault(key, []):
                places[key].append(problem)
    return tuple(Finding(first[key], tuple(places[key])) for key in sorted(places))


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
    #: Rules the merged advice outvoted for this kind of message (shown, not failing).
    outvoted: frozenset[str] = frozenset()

    @property
    def findings(self) -> tuple[Finding, ...]:
        return findings_of(self.problems)

    @property
    def failed(self) -> bool:
        """Whether a `kind: dont` rule fired on the draft (one the advice outvoted does not count)."""
        return any(p.kind == "dont" and p.rule not in self.outvoted for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "draft": self.draft, "case": self.case, "at": iso(self.at),
            "rulesets": [{"id": rid, "version": version} for rid, version in self.rulesets], "policy": self.policy,
            "failed": self.failed,
            "problems": [{**p.to_dict(), "outvoted": p.rule in self.outvoted} for p in self.problems],
            "findings": [f.to_dict() for f in self.findings],
            "unclaimed_findings": [_finding_dict(f) for f in self.unclaimed],
            "analysis": {k: v for k, v in self.analysis.to_dict().items() if k != "findings"},
        }

    def text(self) -> str:
        """One compiler-style line per place naming every rule that objects to it, their quotes
        under it (each rule's once, at its first place), then a summary."""
        lines: list[str] = []
        quoted: set[str] = set()
        for finding in self.findings:
            loc = finding.location
            rules = ", ".join(p.rule for p in finding.problems)
            aside = " (outvoted: the advice follows the sources that back this message)" \
                if all(p.rule in self.outvoted for p in finding.problems) else ""
            lines.append(f"{self.draft}:{loc.line}:{loc.column}: {'/'.join(finding.codes)} {rules} — "
                         f"{finding.says()}{aside}")
            for problem in finding.problems:
                if problem.rule not in quoted:
                    quoted.add(problem.rule)
                    lines.extend(f"    “{quote}”" for quote in problem.quotes)
        for flag in self.unclaimed:
            fix = f' (did you mean "{flag.fix}"?)' if flag.fix else ""
            lines.append(f'{self.draft}:{flag.line}:{flag.column}: note: {flag.kind} "{flag.text}"{fix}'
                         f" (no selected rule fired on {FACT_OF_KIND[flag.kind]})")
        donts = sum(1 for p in self.problems if p.kind == "dont")
        outvoted = sum(1 for p in self.problems if p.rule in self.outvoted)
        if self.problems:
            lines.append(f"{len(self.problems)} rule(s) found problems in the draft, {donts} of them don'ts"
                         + (f"; the advice outvoted {outvoted} of them" if outvoted else ""))
        else:
            lines.append("no rule found a problem in the draft")
        return "\n".join(lines) + "\n"


def _finding_dict(finding: Flag) -> dict[str, Any]:
    return {"kind": finding.kind, "line": finding.line, "column": finding.column, "text": finding.text,
            "fix": finding.fix, "fact": FACT_OF_KIND[finding.kind]}


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
                selection: Selection | None = None, channel: str | None = None, kind: str | None = None,
                outvoted: frozenset[str] = frozenset()) -> DraftCheck:
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
    # A fired rule on a counted fact locates every finding of its kind.
    claimed = {loc.detail for p in problems for loc in p.locations if loc.text}
    unclaimed = tuple(f for f in analysis.findings if f.kind not in claimed)
    return DraftCheck(name, the_case.name, when, tuple((c.ruleset.id, c.ruleset.version) for c in chosen.compiled),
                      chosen.policy, analysis, problems, unclaimed, outvoted)


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
            if rule.then.warning is None or crule.condition is None or not reads_draft(crule.condition):
                continue
            outcome = evaluate(crule.condition, facts.values, comp.params)
            if not outcome.passed:
                continue
            tests = [t for t in outcome.supporting() if (t.condition.fact or "").startswith("draft.")]
            if not tests:
                continue
            body = case.draft.body if case.draft else ""
            locations = locate(tests, analysis, case.interview.topics, body)
            problems.append(DraftProblem(crule.key, rule.kind, rule.then.warning, rule.then.severity,
                                         rule.says, rule.quotes, comp.ruleset.source_of(rule), locations))
    problems.sort(key=lambda p: (p.locations[0].line, p.locations[0].column, p.rule))
    return tuple(problems)
