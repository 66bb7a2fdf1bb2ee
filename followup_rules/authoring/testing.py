"""Data-driven ruleset tests: the YAML `tests:` of a ruleset, run with coverage.

Rule authors reuse this from pytest::

    from followup_rules.testing import collect_paths
    @pytest.mark.parametrize("case", collect_paths(["my-rules/"]), ids=str)
    def test_rules(case): case.check()
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Sequence

from followup_rules.core._reading import confined
from followup_rules.core._yaml import Document, load_file
from followup_rules.core.case import Case, case_from_mapping
from followup_rules.core.problems import Problem, UserError
from followup_rules.core.ruleset import Ruleset
from followup_rules.engine.compiler import compile_ruleset
from followup_rules.engine.conditions import evaluate as evaluate_condition
from followup_rules.resolve.advice import SourceResult
from followup_rules.rules.profile import check_params
from followup_rules.rules.validate import ruleset_files


def deep_merge(base: Any, patch: Any) -> Any:
    """`patch` over `base`: mappings merge key by key, anything else (lists too) replaces."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return merged
    return copy.deepcopy(patch)


class TestFailure(AssertionError):
    """A ruleset test whose advice differs from what it expects."""


@dataclass
class RuleTest:
    """One YAML test of one ruleset."""

    ruleset: Ruleset
    name: str
    spec: Mapping[str, Any]
    fired: set[str] = field(default_factory=set)
    leaves: dict[str, list[tuple[int, bool]]] = field(default_factory=dict)
    leaf_text: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.ruleset.id}@{self.ruleset.version}::{self.name}"

    def case(self) -> Case:
        raw = self.spec["case"]
        data = case_file(self.ruleset, self.spec) if isinstance(raw, str) else raw
        data = deep_merge(data, self.spec.get("patch") or {})
        return case_from_mapping(data, f"{self.ruleset.path}#{self.name}")

    def run(self) -> tuple[SourceResult, dict[str, Any], list[str]]:
        """Evaluate; returns the ruleset's result, the facts, and a list of failures.

        Installed plugins are left out: a ruleset's tests must pass the same everywhere."""
        from followup_rules.pipeline import evaluate, moment
        from followup_rules.resolve.position import source_result

        case = self.case()
        at = moment(str(self.spec["at"]), case)
        params = self.spec.get("params")
        if params:
            index = next((i for i, test in enumerate(self.ruleset.tests) if test is self.spec), 0)
            check_params({self.ruleset.id: params}, [self.ruleset], self.ruleset.doc,
                         lambda _, name: ("tests", index, "params") + ((name,) if name is not None else ()))
        compiled = compile_ruleset(self.ruleset, params)
        evaluation = evaluate(case, at, (compiled,), plugins=False)
        facts = evaluation.facts
        self.fired = set(evaluation.fired)
        for crule in compiled.rules:
            if crule.condition is not None:
                outcome = evaluate_condition(crule.condition, facts.values, compiled.params)
                leaves = _leaf_outcomes(outcome)
                self.leaves[crule.rule.id] = [(i, leaf.passed) for i, leaf in enumerate(leaves)]
                self.leaf_text[crule.rule.id] = [leaf.condition.describe() for leaf in leaves]
        result = source_result(compiled, evaluation.fired, facts, case, evaluation.calendar)
        return result, dict(facts.values), self._failures(result, at, facts.values)

    def _failures(self, result: SourceResult, at: datetime, facts: Mapping[str, Any]) -> list[str]:
        rid = self.ruleset.id
        expect = self.spec.get("expect") or {}
        failures = []
        for want in expect.get("actions") or []:
            cite = f"{rid}/{want['rule']}"
            got = [a for a in result.actions if any(c.rule == cite for c in a.by)
                   and a.action == want.get("action", a.action)]
            if not got and want.get("action", "set_expectation") == "set_expectation" and any(
                    c.rule == cite for e in result.expectations for c in e.by):
                continue
            if not got:
                failures.append(f"expected an action from {want['rule']}, got none; actions: "
                                + (", ".join(f"{a.action} ({a.by[0].rule})" for a in result.actions) or "none")
                                + _facts_of(self.ruleset, want["rule"], facts))
                continue
            failures += _compare_action(want, got[0], at)
        for want in expect.get("warnings") or []:
            cite = f"{rid}/{want['rule']}"
            if not any(w.code == want["code"] and any(c.rule == cite for c in w.by) for w in result.warnings):
                failures.append(f"expected warning {want['code']} from {want['rule']}; warnings: "
                                + (", ".join(f"{w.code} ({w.by[0].rule})" for w in result.warnings) or "none")
                                + _facts_of(self.ruleset, want["rule"], facts))
        for rule_id in expect.get("silent") or []:
            if f"{rid}/{rule_id}" in self.fired:
                failures.append(f"expected {rule_id} to stay silent, but it fired"
                                + _facts_of(self.ruleset, rule_id, facts))
        return failures

    def check(self) -> None:
        """Run and raise TestFailure listing expected vs actual."""
        failures = self.run()[2]
        if failures:
            raise TestFailure(f"{self}:\n  " + "\n  ".join(failures))


def case_file(ruleset: Ruleset, spec: Mapping[str, Any]) -> Any:
    """The data of the case file a test (`spec`, one of the ruleset's tests) names: a regular file
    inside the ruleset's own folder.

    A ruleset may come from a stranger: its tests read nothing outside its folder (no absolute
    path, no `..`, no link out of it), and nothing but a small regular file (no device or pipe).
    """
    name = str(spec["case"])
    target = confined(Path(ruleset.path).parent, name)
    if target is None:
        doc = ruleset.doc or Document(ruleset.path, {})
        index = next((i for i, test in enumerate(ruleset.tests) if test is spec), None)
        where: tuple[Any, ...] = ("tests", index, "case") if index is not None else ("tests",)
        raise UserError([doc.problem(where, "FR008", f"test case {name!r} is not a file inside the ruleset's "
                                     f"folder", "keep test cases beside the ruleset, e.g. cases/base.yaml")])
    return load_file(target).data


def _leaf_outcomes(outcome: Any) -> list[Any]:
    if outcome.condition.kind == "test":
        return [outcome]
    return [leaf for child in outcome.children for leaf in _leaf_outcomes(child)]


def _facts_of(ruleset: Ruleset, rule_id: str, facts: Mapping[str, Any]) -> str:
    try:
        rule = ruleset.rule(rule_id)
    except KeyError:
        return f" (no rule {rule_id!r} in {ruleset.id})"
    names = sorted({leaf.fact for leaf in rule.when.leaves() if leaf.fact}) if rule.when else []
    return ("\n       facts: " + ", ".join(f"{n}={facts.get(n)!r}" for n in names)) if names else ""


def _compare_action(want: Mapping[str, Any], got: Any, at: datetime) -> list[str]:
    from followup_rules.core.moments import parse_moment

    problems = []
    for key in ("state", "channel"):
        if key in want and getattr(got, key) != want[key]:
            problems.append(f"{want['rule']}: {key} expected {want[key]!r}, got {getattr(got, key)!r}")
    if "to" in want and sorted(got.to) != sorted(want["to"]):
        problems.append(f"{want['rule']}: to expected {sorted(want['to'])}, got {sorted(got.to)}")
    for key in ("opens", "target", "closes"):
        if key not in want:
            continue
        actual = getattr(got.window, key) if got.window else None
        zone = at.tzinfo
        assert zone is not None
        expected = parse_moment(str(want[key]), zone) if want[key] is not None else None
        if actual != expected:
            problems.append(f"{want['rule']}: {key} expected {expected.isoformat() if expected else None}, "
                            f"got {actual.isoformat() if actual else None}")
    return problems


def collect(ruleset: Ruleset) -> list[RuleTest]:
    return [RuleTest(ruleset, str(spec["name"]), spec) for spec in ruleset.tests]


def collect_paths(paths: Sequence[str] = ()) -> list[RuleTest]:
    """Every test of the rulesets in `paths` (default: the shipped rulesets)."""
    from followup_rules.pipeline import library_with
    from followup_rules.rules.library import load_cached

    tests: list[RuleTest] = []
    library = None
    for file in ruleset_files(paths):
        ruleset = load_cached(file)
        if ruleset.extends:
            library = library or library_with(paths)
            ruleset = library.resolve(ruleset)
        tests += collect(ruleset)
    return tests


@dataclass
class Report:
    """Results of running ruleset tests, with per-rule and per-condition coverage."""

    results: list[tuple[str, list[str]]]
    coverage: dict[str, dict[str, Any]]
    #: Problems of the tests' own input (a bad case, a case path outside the ruleset's folder).
    errors: list[Problem] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(1 for _, failures in self.results if failures)

    def missing(self) -> list[str]:
        gaps = []
        for rule, cov in sorted(self.coverage.items()):
            if not cov["fired"]:
                gaps.append(f"{rule}: never fired by a test")
            if not cov["silent"]:
                gaps.append(f"{rule}: never left silent by a test")
            text = cov.get("conditions_text") or []
            gaps += [f"{rule}: condition {i + 1} ({text[i] if i < len(text) else '?'}) never {outcome}"
                     for i, outcome in cov["conditions_missing"]]
        return gaps

    def percent(self) -> float:
        """Share of rules seen both firing and silent (each counts twice)."""
        total = sum(2 for _ in self.coverage)
        done = sum(int(c["fired"]) + int(c["silent"]) for c in self.coverage.values())
        return 100.0 * done / total if total else 100.0

    def coverage_percent(self) -> float:
        """Share of outcomes seen: each rule firing and silent, each condition true and false."""
        total = sum(2 + 2 * c["conditions_total"] for c in self.coverage.values())
        missing = sum(int(not c["fired"]) + int(not c["silent"]) + len(c["conditions_missing"])
                      for c in self.coverage.values())
        return 100.0 * (total - missing) / total if total else 100.0

    def text(self) -> str:
        lines = [("FAIL " if f else "ok   ") + name + "".join("\n       " + x for x in f) for name, f in self.results]
        lines.append("")
        lines.append(f"{'rule':<60} fired  silent  conditions")
        for rule, cov in sorted(self.coverage.items()):
            seen = cov["conditions_total"] * 2 - len(cov["conditions_missing"])
            lines.append(f"{rule:<60} {'yes' if cov['fired'] else 'NO':<6} {'yes' if cov['silent'] else 'NO':<7} "
                         f"{seen}/{cov['conditions_total'] * 2}")
        passed = len(self.results) - self.failed
        lines.append(f"\nrule coverage {self.percent():.1f}% (fired and silent); "
                     f"outcome coverage {self.coverage_percent():.1f}% (conditions true and false too)")
        lines.append(f"{passed} passed, {self.failed} failed")
        return "\n".join(lines) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {"tests": [{"name": n, "passed": not f, "failures": f} for n, f in self.results],
                "coverage": {r: {**c, "conditions_missing": [list(m) for m in c["conditions_missing"]]}
                             for r, c in sorted(self.coverage.items())},
                "rule_coverage_percent": round(self.percent(), 1),
                "coverage_percent": round(self.coverage_percent(), 1), "missing": self.missing(),
                "passed": len(self.results) - self.failed, "failed": self.failed}


def _own_rules(ruleset: Ruleset) -> list[Any]:
    """The rules a ruleset's tests answer for: its own and its overrides, not inherited ones."""
    me = f"{ruleset.id}@{ruleset.version}"
    return [r for r in ruleset.rules if not r.chain or r.chain[-1].startswith(me)]


def run_tests(tests: Sequence[RuleTest]) -> Report:
    results: list[tuple[str, list[str]]] = []
    errors: list[Problem] = []
    seen: dict[str, dict[str, Any]] = {}
    for test in tests:
        rules = _own_rules(test.ruleset)
        version = f"{test.ruleset.id}@{test.ruleset.version}"
        for rule in rules:
            seen.setdefault(f"{version}/{rule.id}", {"fired": False, "silent": False, "outcomes": set(),
                                                     "conditions_total": 0})
        try:
            failures = test.run()[2]
        except UserError as exc:
            failures = [f"bad test input: {p}" for p in exc.problems]
            errors += exc.problems
        results.append((str(test), failures))
        for rule in rules:
            key = f"{version}/{rule.id}"
            seen[key]["fired" if test.ruleset.cite(rule) in test.fired else "silent"] = True
            seen[key]["outcomes"].update(test.leaves.get(rule.id, []))
            seen[key]["conditions_total"] = max(seen[key]["conditions_total"], len(test.leaves.get(rule.id, [])))
            seen[key].setdefault("conditions_text", test.leaf_text.get(rule.id))
    coverage = {}
    for key, cov in seen.items():
        missing = [(i, word) for i in range(cov["conditions_total"]) for word, flag in (("true", True), ("false", False))
                   if (i, flag) not in cov["outcomes"]]
        coverage[key] = {"fired": cov["fired"], "silent": cov["silent"], "conditions_total": cov["conditions_total"],
                         "conditions_missing": missing, "conditions_text": cov.get("conditions_text") or []}
    return Report(results, coverage, sorted(set(errors)))


def run_paths(paths: Sequence[str] = ()) -> Report:
    return run_tests(collect_paths(paths))
