"""Diff two versions of a ruleset: rules added, removed and changed, and the test cases whose advice changed.

Each test case (those of NEW, then those only OLD has) is run under both versions with
`testing.RuleTest`; its advice is the rules that fired, the actions with their state and window,
the warnings and the expectations. A case file named by a relative path is read next to the
ruleset that holds the test, so both versions see the same case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from followup_rules.authoring.testing import RuleTest, case_file
from followup_rules.core.problems import UserError
from followup_rules.core.ruleset import Condition, Parameter, ParamRef, Rule, Ruleset, Then, WindowDef
from followup_rules.resolve.advice import SourceResult, iso
from followup_rules.rules.load import load_ruleset


@dataclass(frozen=True)
class Change:
    """One field that differs, as text before and after (None: absent)."""

    field: str
    before: str | None
    after: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class RuleChange:
    """A rule both versions have, and how it changed."""

    rule: str
    changes: tuple[Change, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "changes": [c.to_dict() for c in self.changes]}


@dataclass(frozen=True)
class Snapshot:
    """The advice one version gives in one test case, or the error that stopped it."""

    fired: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    expectations: tuple[str, ...] = ()
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.error is not None:
            return {"error": self.error}
        return {"fired": list(self.fired), "actions": list(self.actions), "warnings": list(self.warnings),
                "expectations": list(self.expectations)}


@dataclass(frozen=True)
class AdviceChange:
    """A test case whose advice differs between the versions."""

    test: str
    before: Snapshot
    after: Snapshot

    def changes(self) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
        """Per part of the advice: what only OLD gives and what only NEW gives."""
        if self.before.error is not None or self.after.error is not None:
            return [("error", _opt(self.before.error), _opt(self.after.error))]
        found = []
        for part in ("fired", "actions", "warnings", "expectations"):
            old, new = getattr(self.before, part), getattr(self.after, part)
            gone, came = tuple(x for x in old if x not in new), tuple(x for x in new if x not in old)
            if gone or came:
                found.append((part, gone, came))
        return found

    def to_dict(self) -> dict[str, Any]:
        return {"test": self.test, "before": self.before.to_dict(), "after": self.after.to_dict(),
                "changes": [{"part": p, "removed": list(g), "added": list(c)} for p, g, c in self.changes()]}


def _opt(text: str | None) -> tuple[str, ...]:
    return () if text is None else (text,)


@dataclass
class RulesetDiff:
    """Everything that differs between two versions of a ruleset."""

    old: Ruleset
    new: Ruleset
    ruleset: list[Change] = field(default_factory=list)
    added: list[Rule] = field(default_factory=list)
    removed: list[Rule] = field(default_factory=list)
    changed: list[RuleChange] = field(default_factory=list)
    tests_added: list[str] = field(default_factory=list)
    tests_removed: list[str] = field(default_factory=list)
    advice: list[AdviceChange] = field(default_factory=list)
    same_advice: list[str] = field(default_factory=list)
    not_run: list[tuple[str, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.ruleset or self.added or self.removed or self.changed or self.tests_added
                    or self.tests_removed or self.advice)

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": {"id": self.old.id, "version": self.old.version, "digest": self.old.digest, "path": self.old.path},
            "new": {"id": self.new.id, "version": self.new.version, "digest": self.new.digest, "path": self.new.path},
            "ruleset": [c.to_dict() for c in self.ruleset],
            "added": [_rule_dict(r) for r in self.added],
            "removed": [_rule_dict(r) for r in self.removed],
            "changed": [c.to_dict() for c in self.changed],
            "tests": {"added": self.tests_added, "removed": self.tests_removed,
                      "different_advice": [a.to_dict() for a in self.advice], "same_advice": self.same_advice,
                      "not_run": [{"test": n, "error": e} for n, e in self.not_run]},
        }


# -- describing rules ---------------------------------------------------------------------------------

def window_text(window: WindowDef | None) -> str | None:
    """A window as `anchor + opens..closes unit (target t)`."""
    if window is None:
        return None
    closes = "no close" if window.closes is None else _offset(window.closes)
    target = "" if window.target is None else f" (target {_offset(window.target)})"
    return f"{window.anchor} + {_offset(window.opens)}..{closes} {window.unit}{target}"


def _offset(value: Any) -> str:
    return f"{{param: {value.name}}}" if isinstance(value, ParamRef) else json.dumps(value)


def _condition(cond: Condition | None) -> str | None:
    return None if cond is None else cond.describe()


def _then_fields(then: Then) -> dict[str, str | None]:
    def listed(values: Sequence[Any]) -> str | None:
        return ", ".join(values) if values else None

    styles = [s.code if s.max_paragraphs is None else f"{s.code} (max {s.max_paragraphs} paragraphs)"
              for s in then.style]
    return {"then.action": then.action, "then.warning": then.warning, "then.to": then.to,
            "then.channel": then.channel, "then.include": listed(then.include), "then.style": listed(styles),
            "then.ordinal": None if then.ordinal is None else str(then.ordinal), "then.code": then.code,
            "then.late_warning": then.late_warning,
            "then.severity": then.severity if then.warning else None, "then.evidence": listed(then.evidence),
            "window": window_text(then.window)}


def _rule_fields(rule: Rule) -> dict[str, str | None]:
    return {"kind": rule.kind, "strength": rule.strength, "topic": rule.topic or None, "says": rule.says,
            "when": _condition(rule.when), **_then_fields(rule.then),
            "quote": " + ".join(f"“{q}”" for q in rule.quotes), "priority": str(rule.priority)}


def _rule_dict(rule: Rule) -> dict[str, Any]:
    return {"id": rule.id, **{k: v for k, v in _rule_fields(rule).items() if v is not None}}


def summary(rule: Rule) -> str:
    """One line naming a rule's id, kind, outcome and window."""
    outcome = rule.then.action or rule.then.warning
    window = window_text(rule.then.window)
    return f"{rule.id} [{rule.kind}] {outcome}" + (f" {window}" if window else "")


def _field_changes(before: Mapping[str, str | None], after: Mapping[str, str | None]) -> tuple[Change, ...]:
    return tuple(Change(k, before.get(k), after.get(k)) for k in dict.fromkeys([*before, *after])
                 if before.get(k) != after.get(k))


def _parameter(p: Parameter | None) -> str | None:
    return None if p is None else f"{p.type} = {json.dumps(p.default)}"


def _ruleset_changes(old: Ruleset, new: Ruleset) -> list[Change]:
    top = _field_changes(
        {"id": old.id, "version": old.version, "title": old.title, "source": old.source_file,
         "extends": old.extends, "applies_when": _condition(old.applies_when)},
        {"id": new.id, "version": new.version, "title": new.title, "source": new.source_file,
         "extends": new.extends, "applies_when": _condition(new.applies_when)})
    params = _field_changes({f"parameter {n}": _parameter(p) for n, p in old.parameters.items()},
                            {f"parameter {n}": _parameter(p) for n, p in new.parameters.items()})
    return [*top, *params]


# -- running test cases -------------------------------------------------------------------------------

def _standalone(spec: Mapping[str, Any], home: Ruleset) -> dict[str, Any]:
    """The test spec with its case read next to the ruleset that holds it, so any version can run it."""
    standalone = dict(spec)
    if isinstance(spec.get("case"), str):
        standalone["case"] = case_file(home, spec)
    return standalone


def snapshot(ruleset: Ruleset, name: str, spec: Mapping[str, Any]) -> Snapshot:
    """The advice `ruleset` gives in one test case."""
    test = RuleTest(ruleset, name, spec)
    try:
        result, _, _ = test.run()
    except UserError as exc:
        return Snapshot(error="; ".join(str(p) for p in exc.problems))
    prefix = f"{ruleset.id}/"
    fired = tuple(sorted(key.removeprefix(prefix) for key in test.fired))
    return Snapshot(fired, *_advice(result))


def _advice(result: SourceResult) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    actions = []
    for a in result.actions:
        window = (f" opens {iso(a.window.opens)}, target {iso(a.window.target)}, closes {iso(a.window.closes)}"
                  if a.window else "")
        actions.append(f"{a.action} ({a.state}){window}")
    warnings = sorted({w.code for w in result.warnings})
    expectations = sorted({e.code for e in result.expectations})
    return tuple(sorted(actions)), tuple(warnings), tuple(expectations)


def diff(old: Ruleset, new: Ruleset) -> RulesetDiff:
    """What changed from `old` to `new`, test cases' advice included."""
    result = RulesetDiff(old, new, _ruleset_changes(old, new))
    old_rules = {r.id: r for r in old.rules}
    new_rules = {r.id: r for r in new.rules}
    result.added = [r for r in new.rules if r.id not in old_rules]
    result.removed = [r for r in old.rules if r.id not in new_rules]
    for rule in new.rules:
        if rule.id in old_rules:
            changes = _field_changes(_rule_fields(old_rules[rule.id]), _rule_fields(rule))
            if changes:
                result.changed.append(RuleChange(rule.id, changes))
    old_tests = {str(t["name"]): t for t in old.tests}
    new_tests = {str(t["name"]): t for t in new.tests}
    result.tests_added = [n for n in new_tests if n not in old_tests]
    result.tests_removed = [n for n in old_tests if n not in new_tests]
    cases = [(n, s, new) for n, s in new_tests.items()]
    cases += [(n, s, old) for n, s in old_tests.items() if n not in new_tests]
    for name, raw, home in cases:
        try:
            spec = _standalone(raw, home)
        except UserError as exc:
            result.not_run.append((name, "; ".join(str(p) for p in exc.problems)))
            continue
        before, after = snapshot(old, name, spec), snapshot(new, name, spec)
        if before == after:
            result.same_advice.append(name)
        else:
            result.advice.append(AdviceChange(name, before, after))
    return result


def diff_paths(old: str, new: str) -> RulesetDiff:
    """Diff two ruleset files."""
    return diff(load_ruleset(old), load_ruleset(new))


# -- output -------------------------------------------------------------------------------------------

def text(d: RulesetDiff) -> str:
    """The diff for people."""
    lines = [f"{d.old.id} {d.old.version} -> {d.new.id} {d.new.version}  ({d.old.path} -> {d.new.path})"]
    if d.empty:
        return "\n".join(lines + ["no differences"]) + "\n"
    for c in d.ruleset:
        lines.append(f"  ~ {c.field}: {c.before or '(none)'} -> {c.after or '(none)'}")
    if d.added:
        lines.append(f"\nrules added ({len(d.added)}):")
        lines += [f"  + {summary(r)}\n      says  {r.says}" for r in d.added]
    if d.removed:
        lines.append(f"\nrules removed ({len(d.removed)}):")
        lines += [f"  - {summary(r)}" for r in d.removed]
    if d.changed:
        lines.append(f"\nrules changed ({len(d.changed)}):")
        for rc in d.changed:
            lines.append(f"  ~ {rc.rule}")
            for c in rc.changes:
                lines += [f"      {c.field}:", f"        before  {c.before or '(none)'}",
                          f"        after   {c.after or '(none)'}"]
    if d.tests_added or d.tests_removed:
        lines.append("\ntests:")
        lines += [f"  + {n}" for n in d.tests_added] + [f"  - {n}" for n in d.tests_removed]
    lines.append(f"\ntest cases with different advice ({len(d.advice)} of {len(d.advice) + len(d.same_advice)}):")
    for a in d.advice:
        lines.append(f"  ! {a.test}")
        for part, gone, came in a.changes():
            lines += [f"      {part}  - {x}" for x in gone] + [f"      {part}  + {x}" for x in came]
    if d.not_run:
        lines.append(f"\ntest cases not run ({len(d.not_run)}):")
        lines += [f"  ? {name}: {error}" for name, error in d.not_run]
    return "\n".join(lines) + "\n"


def markdown(d: RulesetDiff) -> str:
    """The diff as a changelog entry."""
    lines = [f"## {d.new.id} {d.new.version}", ""]
    lines.append(f"Changes from {d.old.id} {d.old.version}." if not d.empty else f"No changes from {d.old.version}.")
    if d.ruleset:
        lines += ["", "### Ruleset", ""]
        lines += [f"- {c.field}: {_md(c.before)} → {_md(c.after)}" for c in d.ruleset]
    if d.added:
        lines += ["", "### Added", ""]
        lines += [f"- `{r.id}` ({r.kind}, {r.then.action or r.then.warning}"
                  + (f", {window_text(r.then.window)}" if r.then.window else "") + f"): {r.says}" for r in d.added]
    if d.removed:
        lines += ["", "### Removed", ""]
        lines += [f"- `{r.id}` ({r.kind}, {r.then.action or r.then.warning}): {r.says}" for r in d.removed]
    if d.changed:
        lines += ["", "### Changed", ""]
        for rc in d.changed:
            lines.append(f"- `{rc.rule}`")
            lines += [f"  - {c.field}: {_md(c.before)} → {_md(c.after)}" for c in rc.changes]
    if d.tests_added or d.tests_removed:
        lines += ["", "### Tests", ""]
        lines += [f"- added `{n}`" for n in d.tests_added] + [f"- removed `{n}`" for n in d.tests_removed]
    if d.advice:
        lines += ["", "### Advice changes in test cases", ""]
        for a in d.advice:
            lines.append(f"- `{a.test}`")
            for part, gone, came in a.changes():
                lines += [f"  - {part}: no longer {_md(x)}" for x in gone] + [f"  - {part}: now {_md(x)}" for x in came]
    if d.not_run:
        lines += ["", "### Test cases not run", ""]
        lines += [f"- `{name}`: {error}" for name, error in d.not_run]
    return "\n".join(lines) + "\n"


def _md(value: str | None) -> str:
    return "*(none)*" if value is None else "`" + value.replace("`", "'") + "`"
