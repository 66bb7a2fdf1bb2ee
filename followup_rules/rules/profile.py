"""Profiles: which rulesets to use, how to merge them, and which readings to flip (followup.yaml)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from followup_rules.core import _schema
from followup_rules.core._yaml import load_file
from followup_rules.core.problems import Problem, UserError, did_you_mean
from followup_rules.core.ruleset import Ruleset
from followup_rules.core.vocabulary import value_fits

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


def load_profile(path: str | os.PathLike[str]) -> Profile:
    """Load and check a profile file."""
    doc = load_file(path)
    if not isinstance(doc.data, dict):
        raise UserError([doc.problem((), "FR006", "a profile must be a mapping such as `rulesets:` or `params:`")])
    problems = _schema.validate(doc, "profile")
    if problems:
        raise UserError(problems)
    data = doc.data
    return Profile(tuple(data.get("rulesets") or ()), data.get("industry"), data.get("policy"),
                   tuple(data.get("precedence") or ()), data.get("params") or {}, str(path))


def check_params(params: Mapping[str, Mapping[str, Any]], rulesets: Sequence[Ruleset],
                 where: str = "") -> None:
    """Raise UserError unless every parameter names a selected ruleset's parameter with a fitting value."""
    by_id = {r.id: r for r in rulesets}
    problems = []
    for rid, values in params.items():
        ruleset = by_id.get(rid)
        if ruleset is None:
            problems.append(Problem(where, 0, 0, "FR039", f"parameters for {rid!r}, which is not selected",
                                    did_you_mean(rid, by_id)))
            continue
        for name, value in values.items():
            spec = ruleset.parameters.get(name)
            if spec is None:
                problems.append(Problem(where, 0, 0, "FR039", f"{rid} has no parameter {name!r}",
                                        did_you_mean(name, ruleset.parameters) or
                                        "its parameters: " + (", ".join(ruleset.parameters) or "none")))
            elif not value_fits(spec.type, (), value):
                problems.append(Problem(where, 0, 0, "FR039",
                                        f"{rid} parameter {name!r} is {spec.type}; {value!r} is not"))
    if problems:
        raise UserError(problems)
