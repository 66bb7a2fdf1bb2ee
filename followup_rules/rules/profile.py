"""Profiles: which rulesets to use, how to merge them, and which readings to flip (followup.yaml)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from followup_rules.core import _schema
from followup_rules.core._yaml import Document, load_file
from followup_rules.core.limits import MAX_NUMBER, PROFILE_ITEMS, WINDOW_SPAN, check_limits, window_order
from followup_rules.core.problems import Problem, UserError, did_you_mean
from followup_rules.core.ruleset import ParamRef, Ruleset
from followup_rules.core.vocabulary import value_fits
from followup_rules.rules._semver import parse_spec, range_problem

PROFILE_NAME = "followup.yaml"


@dataclass(frozen=True)
class Profile:
    """A profile's choices; empty fields leave the defaults (or the command line) in charge."""

    rulesets: tuple[str, ...] = ()
    industry: str | None = None
    policy: str | None = None
    precedence: tuple[str, ...] = ()
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    path: str = ""
    doc: Document | None = field(default=None, repr=False, compare=False)


def load_profile(path: str | os.PathLike[str]) -> Profile:
    """Load and check a profile file."""
    doc = load_file(path)
    if not isinstance(doc.data, dict):
        raise UserError([doc.problem((), "FR006", "a profile must be a mapping such as `rulesets:` or `params:`")])
    problems = check_limits(doc, PROFILE_ITEMS) or _schema.validate(doc, "profile")
    for i, spec in enumerate(doc.data.get("rulesets") or () if not problems else ()):
        reason = range_problem(parse_spec(spec)[1]) if isinstance(spec, str) else None
        if reason:
            problems.append(doc.problem(("rulesets", i), "FR037", reason))
    if problems:
        raise UserError(problems)
    data = doc.data
    return Profile(tuple(data.get("rulesets") or ()), data.get("industry"), data.get("policy"),
                   tuple(data.get("precedence") or ()), data.get("params") or {}, str(path), doc)


Place = Callable[[str, "str | None"], tuple[Any, ...]]


def _in_profile(rid: str, name: str | None) -> tuple[Any, ...]:
    return ("params", rid) + ((name,) if name is not None else ())


def check_params(params: Mapping[str, Mapping[str, Any]], rulesets: Sequence[Ruleset],
                 doc: Document | None = None, place: Place = _in_profile) -> None:
    """Raise UserError unless every parameter names a selected ruleset's parameter with a fitting value.

    With `doc` (the profile, or a ruleset whose test sets parameters) each problem is located at
    `place(ruleset id, parameter)` in it; without, the problems are not in a file (the Python API).
    """
    by_id = {r.id: r for r in rulesets}
    problems = []

    def add(rid: str, name: str | None, message: str, hint: str = "") -> None:
        if doc is None:
            problems.append(Problem("", 0, 0, "FR039", message, hint))
        else:
            problems.append(doc.problem(place(rid, name), "FR039", message, hint, on_key=True))

    for rid, values in params.items():
        ruleset = by_id.get(rid)
        if ruleset is None:
            add(rid, None, f"parameters for {rid!r}, which is not selected", did_you_mean(rid, by_id))
            continue
        for name, value in values.items():
            spec = ruleset.parameters.get(name)
            if spec is None:
                add(rid, name, f"{rid} has no parameter {name!r}", did_you_mean(name, ruleset.parameters) or
                    "its parameters: " + (", ".join(ruleset.parameters) or "none"))
            elif not value_fits(spec.type, (), value):
                add(rid, name, f"{rid} parameter {name!r} is {spec.type}; {value!r} is not")
            elif (reason := _out_of_bounds(ruleset, name, value, values)) is not None:
                add(rid, name, f"{rid} parameter {name!r}: {reason}")
    if problems:
        raise UserError(problems)


def _out_of_bounds(ruleset: Ruleset, name: str, value: Any, given: Mapping[str, Any]) -> str | None:
    """Why a number does not fit a parameter (as a number, or as a window offset with the other
    parameters `given` beside it), or None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if abs(value) > MAX_NUMBER:
        return f"{value!r} is larger than {MAX_NUMBER:,}, the largest number a rule may use"
    for rule in ruleset.rules:
        window = rule.then.window
        if window is None:
            continue
        offsets = (window.opens, window.target, window.closes)
        if not any(isinstance(o, ParamRef) and o.name == name for o in offsets):
            continue
        span = WINDOW_SPAN.get(window.unit)
        if span is not None and abs(value) > span:
            return (f"{value!r} {window.unit.replace('_', ' ')} in a window of rule {rule.id!r}, beyond the "
                    f"{span:,} a window may reach")
        opens, target, closes = (_offset(ruleset, o, {**given, name: value}) for o in offsets)
        disorder = window_order(window.unit, opens, target, closes)
        if disorder:
            return f"{value!r} in the window of rule {rule.id!r}: {disorder[0][1]}"
    return None


def _offset(ruleset: Ruleset, offset: float | ParamRef | None, given: Mapping[str, Any]) -> float | None:
    """A window offset's number, a parameter's from `given` or its default; None when not a number."""
    if isinstance(offset, ParamRef):
        spec = ruleset.parameters.get(offset.name)
        offset = given.get(offset.name, spec.default if spec is not None else None)
    return offset if isinstance(offset, (int, float)) and not isinstance(offset, bool) else None
