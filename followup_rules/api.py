"""The Python API: `advise` and `explain` a case at a moment."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Mapping, Sequence

from followup_rules.core.advice import Advice
from followup_rules.core.case import Case, case_from_mapping, load_case
from followup_rules.engine.compiler import Compiled, compile_ruleset
from followup_rules.engine.durable import Engine
from followup_rules.resolve.explain import Explanation, build_explanation
from followup_rules.facts.derive import Facts, derive
from followup_rules.rules.library import Library
from followup_rules.core.problems import UserError
from followup_rules.resolve.merge import POLICIES, build_advice
from followup_rules.core.ruleset import Ruleset
from followup_rules.core.calendar import BusinessCalendar

CaseLike = Case | Mapping[str, Any] | str | os.PathLike[str]
RulesetsLike = Sequence[Ruleset | str] | None
Params = Mapping[str, Mapping[str, Any]]


def as_case(case: CaseLike) -> Case:
    if isinstance(case, Case):
        return case
    if isinstance(case, Mapping):
        return case_from_mapping(case)
    return load_case(case)


@lru_cache(maxsize=8)
def default_library() -> Library:
    """The shipped rulesets, FOLLOWUP_RULES_PATH, and rulesets provided by plugins."""
    return library_with(())


def library_with(paths: Sequence[str | os.PathLike[str]]) -> Library:
    """The default search path plus `paths` (searched first, before plugin rulesets)."""
    from followup_rules.plugin.manager import plugins

    return Library([*paths, *[p for result in plugins().hook.followup_rulesets() for p in result]])


def select(case: Case, rulesets: RulesetsLike = None, library: Library | None = None) -> list[Ruleset]:
    """The rulesets to use: given ones (objects or ``id@range``), or the default profile."""
    lib = library or default_library()
    if not rulesets:
        return lib.default_profile(case.industry)
    return [r if isinstance(r, Ruleset) else lib.get(r) for r in rulesets]


@lru_cache(maxsize=64)
def _engine(compiled: tuple[Compiled, ...]) -> Engine:
    return Engine(compiled)


def compile_all(rulesets: Sequence[Ruleset], params: Params | None = None) -> tuple[Compiled, ...]:
    """Compile each ruleset with its parameters from `params` (checked: unknown names are errors)."""
    params = params or {}
    if params:
        from followup_rules.rules.profile import check_params

        check_params(params, rulesets)
    return tuple(compile_ruleset(r, params.get(r.id)) for r in rulesets)


def engine_for(compiled: tuple[Compiled, ...]) -> Engine:
    """The engine for these compiled rulesets, built once per process."""
    return _engine(compiled)


def moment(at: datetime | str | None, case: Case) -> datetime:
    """`at` as an aware moment; naive values are read in the candidate's timezone; None is now."""
    from followup_rules.core.moments import parse_moment

    if at is None:
        return datetime.now(timezone.utc).astimezone(case.timezone)
    if isinstance(at, str):
        try:
            return parse_moment(at, case.timezone)
        except ValueError as exc:
            raise UserError(f"--at: {exc}") from None
    return at if at.tzinfo else at.replace(tzinfo=case.timezone)


def evaluate(case: Case, at: datetime, compiled: tuple[Compiled, ...]) -> tuple[Facts, set[str], BusinessCalendar]:
    """Facts of the case and the keys of every rule that fired."""
    from followup_rules.plugin.manager import enrich, plugins

    hook = plugins().hook
    calendar = hook.followup_calendar(case=case) or BusinessCalendar(case.country, case.subdivision)
    facts = enrich(derive(case, at, calendar), case, at)
    return facts, engine_for(compiled).fire(facts.values), calendar


def advise(case: CaseLike, at: datetime | str | None = None, rulesets: RulesetsLike = None,
           policy: str = "agreement", params: Params | None = None, precedence: Sequence[str] = (),
           library: Library | None = None) -> Advice:
    """What to do now and next for `case` at `at`, each item citing the rules behind it."""
    if policy not in POLICIES:
        raise UserError(f"unknown policy {policy!r}; use one of {', '.join(POLICIES)}")
    the_case = as_case(case)
    when = moment(at, the_case)
    compiled = compile_all(select(the_case, rulesets, library), params)
    facts, fired, calendar = evaluate(the_case, when, compiled)
    advice = build_advice(the_case, when, compiled, fired, facts, policy, calendar, precedence)
    from followup_rules.plugin.manager import observe

    observe(advice, the_case)
    return advice


def explain(case: CaseLike, at: datetime | str | None = None, rulesets: RulesetsLike = None,
            params: Params | None = None, library: Library | None = None) -> Explanation:
    """Every rule's verdict for `case` at `at`, each condition with its actual value."""
    the_case = as_case(case)
    when = moment(at, the_case)
    compiled = compile_all(select(the_case, rulesets, library), params)
    facts, fired, calendar = evaluate(the_case, when, compiled)
    return build_explanation(the_case, when, compiled, fired, facts, calendar)
