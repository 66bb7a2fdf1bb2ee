"""The Python API: advise, explain and project a case at a moment.

Each function selects rulesets with `pipeline.select`, exactly as the commands do, except that no
``followup.yaml`` or ``followup.lock`` is looked for: an application passes `profile` or `lock`
when it wants one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from followup_rules.core.ruleset import Ruleset
from followup_rules.pipeline import (
    CaseLike,
    Params,
    PathLike,
    Selection,
    as_case,
    default_library,
    library_with,
    moment,
    select,
)
from followup_rules.projection import Timeline
from followup_rules.resolve.advice import Advice
from followup_rules.resolve.explanation import Explanation
from followup_rules.rules.library import Library
from followup_rules.rules.profile import Profile

__all__ = ["advise", "as_case", "default_library", "explain", "library_with", "project", "selection"]

RulesetsLike = Sequence[Ruleset | str] | None


def selection(case: CaseLike | None = None, rulesets: RulesetsLike = None, policy: str | None = None,
              params: Params | None = None, precedence: Sequence[str] = (), library: Library | None = None, *,
              industry: str | None = None, profile: Profile | PathLike | None = None,
              lock: PathLike | None = None) -> Selection:
    """The rulesets and policy the other functions use, for inspection or reuse."""
    the_case = as_case(case) if case is not None else None
    return select(the_case, rulesets=rulesets or (), industry=industry, policy=policy, precedence=precedence,
                  params=params, profile=profile, lock=lock, library=library)


def advise(case: CaseLike, at: datetime | str | None = None, rulesets: RulesetsLike = None,
           policy: str | None = None, params: Params | None = None, precedence: Sequence[str] = (),
           library: Library | None = None, *, industry: str | None = None,
           profile: Profile | PathLike | None = None, lock: PathLike | None = None) -> Advice:
    """What to do now and next for `case` at `at`, each item citing the rules behind it.

    `rulesets` are ids, ``id@range`` strings or loaded rulesets (default: every source ruleset plus
    the case's industry overlay, or the profile's); `params` is ``{ruleset: {parameter: value}}``.
    """
    from followup_rules import pipeline

    the_case = as_case(case)
    chosen = selection(the_case, rulesets, policy, params, precedence, library, industry=industry,
                       profile=profile, lock=lock)
    return pipeline.advise(the_case, moment(at, the_case), chosen)


def explain(case: CaseLike, at: datetime | str | None = None, rulesets: RulesetsLike = None,
            params: Params | None = None, library: Library | None = None, *, policy: str | None = None,
            industry: str | None = None, profile: Profile | PathLike | None = None,
            lock: PathLike | None = None) -> Explanation:
    """Every rule's verdict for `case` at `at`, each condition with its actual value."""
    from followup_rules import pipeline

    the_case = as_case(case)
    chosen = selection(the_case, rulesets, policy, params, (), library, industry=industry, profile=profile,
                       lock=lock)
    return pipeline.explain(the_case, moment(at, the_case), chosen)


def project(case: CaseLike, at: datetime | str | None = None, rulesets: RulesetsLike = None,
            policy: str | None = None, max_steps: int = 12, params: Params | None = None,
            precedence: Sequence[str] = (), library: Library | None = None, *, industry: str | None = None,
            profile: Profile | PathLike | None = None, lock: PathLike | None = None) -> Timeline:
    """The whole plan for `case` from `at` on, if nothing new arrives from the employer."""
    from followup_rules import projection

    the_case = as_case(case)
    chosen = selection(the_case, rulesets, policy, params, precedence, library, industry=industry,
                       profile=profile, lock=lock)
    return projection.project(the_case, moment(at, the_case), chosen, max_steps)
