"""The one pipeline every command and the Python API run: select rulesets, then evaluate a case.

`select` turns what the user chose (arguments, the profile, the lock file) into a `Selection`;
`evaluate` derives a case's facts at a moment and fires the engine once; `advise` and `explain`
resolve that one evaluation into advice or an explanation. Nothing else picks rulesets, derives
facts, chooses the business calendar or fires the engine.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from followup_rules.core.business_days import BusinessCalendar
from followup_rules.core.case import Case, case_from_mapping, load_case
from followup_rules.core.limits import calendar_hint, within_calendar
from followup_rules.core.moments import parse_moment
from followup_rules.core.problems import UserError, did_you_mean
from followup_rules.core.ruleset import Ruleset
from followup_rules.engine.compiler import Compiled, compile_ruleset
from followup_rules.engine.durable import Engine
from followup_rules.facts.derive import Facts, derive
from followup_rules.resolve.advice import Advice
from followup_rules.resolve.evaluation import Evaluation
from followup_rules.resolve.policy import POLICIES
from followup_rules.resolve.resolver import build_advice, next_situation, settled, with_next
from followup_rules.rules.library import Library
from followup_rules.rules.lock import LOCK_NAME, read_lock
from followup_rules.rules.profile import PROFILE_NAME, Profile, check_params, load_profile

if TYPE_CHECKING:
    from followup_rules.resolve.explanation import Explanation

CaseLike = Case | Mapping[str, Any] | str | os.PathLike[str]
Params = Mapping[str, Mapping[str, Any]]
PathLike = str | os.PathLike[str]

#: The policy when neither the command line nor the profile names one.
DEFAULT_POLICY = "agreement"
#: The industry that has no overlay of its own.
NO_OVERLAY = "other"


@dataclass(frozen=True, eq=False)
class Selection:
    """The rulesets to evaluate, compiled with their parameters, how to merge them, and why these."""

    rulesets: tuple[Ruleset, ...]
    compiled: tuple[Compiled, ...]
    policy: str
    precedence: tuple[str, ...]
    library: Library
    origin: str
    profile: Profile

    @property
    def order(self) -> tuple[str, ...]:
        """Ruleset ids in precedence order: the given precedence, else the selection order."""
        return self.precedence or tuple(r.id for r in self.rulesets)


def as_case(case: CaseLike) -> Case:
    """A case from a `Case`, a mapping (validated) or a file path."""
    if isinstance(case, Case):
        return case
    if isinstance(case, Mapping):
        return case_from_mapping(case)
    return load_case(case)


def moment(at: datetime | str | None, case: Case) -> datetime:
    """`at` as an aware moment; naive values are read in the candidate's timezone; None is now."""
    if at is None:
        chosen = datetime.now(timezone.utc).astimezone(case.timezone)
    elif isinstance(at, str):
        try:
            chosen = parse_moment(at, case.timezone)
        except OverflowError:
            raise UserError(f"--at {at} is outside the supported calendar ({calendar_hint()})") from None
        except ValueError as exc:
            raise UserError(f"--at: {exc}") from None
    else:
        chosen = at if at.tzinfo else at.replace(tzinfo=case.timezone)
    if not within_calendar(chosen):
        raise UserError(f"--at {chosen.date().isoformat()} is outside the supported calendar ({calendar_hint()})")
    return chosen


@lru_cache(maxsize=8)
def default_library() -> Library:
    """The shipped rulesets, FOLLOWUP_RULES_PATH, and rulesets provided by plugins."""
    return library_with(())


def library_with(paths: Sequence[PathLike]) -> Library:
    """The default search path plus `paths` (searched first, before plugin rulesets)."""
    from followup_rules.plugin.manager import plugins

    return Library([*paths, *[p for result in plugins().hook.followup_rulesets() for p in result]])


def find_upward(name: str, start: Path) -> Path | None:
    """`name` in `start` or the nearest of its parents, as git and sqlfluff find their files."""
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / name
        if path.is_file():
            return path
    return None


@dataclass(frozen=True)
class Choices:
    """What a user chose about rulesets, as the command line or a batch job gives it."""

    rulesets: tuple[str, ...] = ()
    rules_path: tuple[str, ...] = ()
    industry: str | None = None
    policy: str | None = None
    precedence: tuple[str, ...] = ()
    lock: str | None = None
    profile_file: str | None = None

    @property
    def files(self) -> tuple[str, ...]:
        """The files named that the selection reads (never to be written over)."""
        return tuple(p for p in (self.profile_file, self.lock, *self.rules_path) if p)

    def select(self, case: Case | None, search_from: Path | None = None) -> Selection:
        """`select` for `case` with these choices, the profile and lock found from `search_from`
        (default: the current folder) up."""
        return select(case, rulesets=self.rulesets, industry=self.industry, rules_path=self.rules_path,
                      policy=self.policy, precedence=self.precedence, profile=self.profile_file, lock=self.lock,
                      search_from=search_from or Path.cwd())


def select(case: Case | None = None, *, rulesets: Sequence[str | Ruleset] = (), industry: str | None = None,
           rules_path: Sequence[PathLike] = (), policy: str | None = None, precedence: Sequence[str] = (),
           params: Params | None = None, profile: Profile | PathLike | None = None, lock: PathLike | None = None,
           library: Library | None = None, search_from: Path | None = None, locked: bool = True) -> Selection:
    """The rulesets and merge policy for `case`, from the most specific choice down.

    Rulesets come from `rulesets` (ids, ``id@range`` or loaded rulesets), else the lock file, else
    the profile's list, else every source ruleset plus the case's industry overlay. `industry` adds
    that overlay to a list (or replaces the case's in the default). The policy is `policy`, else the
    profile's, else agreement; `params` and `precedence` likewise fall back to the profile's.
    With `search_from`, ``followup.yaml`` and ``followup.lock`` are looked for there and in its
    parents when not given; `locked=False` ignores lock files (when writing a new one). A choice
    that cannot be honoured is a UserError, never ignored.
    """
    lib = library or (library_with(rules_path) if rules_path else default_library())
    chosen_profile = _profile(profile, search_from)
    lock_file = _lock(lock, search_from, explicit_rulesets=bool(rulesets)) if locked else None
    overlay = industry or chosen_profile.industry
    if rulesets:
        picked = [r if isinstance(r, Ruleset) else _named(lib, r) for r in rulesets]
        origin = "--ruleset"
    elif lock_file is not None:
        picked = read_lock(lock_file, lib)
        origin = f"lock {lock_file}"
        _check_locked_overlay(picked, industry, lock_file)
        overlay = None
    elif chosen_profile.rulesets:
        picked = [_profile_ruleset(lib, chosen_profile, i) for i in range(len(chosen_profile.rulesets))]
        origin = f"profile {chosen_profile.path}"
    else:
        picked = lib.default_profile("" if overlay else (case.industry if case is not None else ""))
        origin = f"profile {chosen_profile.path}" if chosen_profile.path else "default profile"
    if overlay and overlay != NO_OVERLAY:
        picked = _with_overlay(picked, overlay, lib)
    the_policy = policy or chosen_profile.policy or DEFAULT_POLICY
    if the_policy not in POLICIES:
        raise UserError(f"unknown policy {the_policy!r}; use one of {', '.join(POLICIES)}")
    order = _precedence(tuple(precedence), chosen_profile, the_policy, picked)
    the_params = params if params is not None else chosen_profile.params
    if the_params:
        check_params(the_params, picked, chosen_profile.doc if params is None else None)
    compiled = tuple(compile_ruleset(r, the_params.get(r.id)) for r in picked)
    return Selection(tuple(picked), compiled, the_policy, order, lib, origin, chosen_profile)


def _profile(profile: Profile | PathLike | None, search_from: Path | None) -> Profile:
    if isinstance(profile, Profile):
        return profile
    if profile is not None:
        return load_profile(profile)
    found = find_upward(PROFILE_NAME, search_from) if search_from is not None else None
    return load_profile(found) if found is not None else Profile()


def _named(library: Library, spec: str) -> Ruleset:
    """The ruleset `spec` names (``--ruleset``); one that is not available is an error that says so."""
    try:
        return library.get(spec)
    except UserError as exc:
        if any(p.file for p in exc.problems):
            raise
        raise UserError("; ".join(f"--ruleset {spec}: {p.message}" + (f" ({p.hint})" if p.hint else "")
                                  for p in exc.problems)) from None


def _profile_ruleset(library: Library, profile: Profile, index: int) -> Ruleset:
    """The profile's ruleset number `index`; one that is not available is an error at its line."""
    try:
        return library.get(profile.rulesets[index])
    except UserError as exc:
        if profile.doc is None or any(p.file for p in exc.problems):
            raise
        raise UserError([profile.doc.problem(("rulesets", index), "FR037", p.message, p.hint)
                         for p in exc.problems]) from None


def _lock(lock: PathLike | None, search_from: Path | None, explicit_rulesets: bool) -> Path | None:
    if lock is not None:
        if explicit_rulesets:
            raise UserError(f"--lock {lock} and --ruleset both name the rulesets; give one of them")
        path = Path(lock)
        if not path.is_file():
            from followup_rules.core.problems import Problem

            raise UserError([Problem(str(lock), 1, 1, "FR001", "no such lock file")])
        return path
    if explicit_rulesets or search_from is None:
        return None
    return find_upward(LOCK_NAME, search_from)


def _check_locked_overlay(locked: Sequence[Ruleset], industry: str | None, lock_file: Path) -> None:
    """A lock pins its overlay: asking for another industry cannot be honoured."""
    if not industry:
        return
    overlays = [r.id for r in locked if r.id.startswith("industry-")]
    if overlays != [f"industry-{industry}"]:
        pinned = ", ".join(overlays) or "no industry overlay"
        raise UserError(f"--industry {industry}: the lock file {lock_file} pins {pinned}; lock again with "
                        f"`followup rulesets lock --industry {industry}` or choose rulesets with --ruleset")


def _with_overlay(picked: list[Ruleset], industry: str, library: Library) -> list[Ruleset]:
    """The selection with the overlay of `industry`; another overlay already chosen is an error."""
    wanted = f"industry-{industry}"
    others = [r.id for r in picked if r.id.startswith("industry-") and r.id != wanted]
    if others:
        raise UserError(f"--industry {industry} and {', '.join(others)} are two industry overlays; choose one")
    if any(r.id == wanted for r in picked):
        return picked
    return [*picked, library.get(wanted)]


def _precedence(given: tuple[str, ...], profile: Profile, policy: str, picked: Sequence[Ruleset]) -> tuple[str, ...]:
    if given and policy != "precedence":
        raise UserError(f"--precedence orders rulesets for --policy precedence, but the policy is {policy}")
    order = given or (profile.precedence if policy == "precedence" else ())
    ids = [r.id for r in picked]
    for rid in order:
        if rid not in ids:
            raise UserError(f"precedence names {rid!r}, which is not selected "
                            f"({did_you_mean(rid, ids) or 'selected: ' + ', '.join(ids)})")
    return tuple(order)


@lru_cache(maxsize=16)
def engine_for(compiled: tuple[Compiled, ...]) -> Engine:
    """The engine for these compiled rulesets, built once per process and kept while it is among the
    16 used last (an engine of the shipped rulesets holds a few MB in durable-rules, freed with it)."""
    return Engine(compiled)


def calendar_for(case: Case, plugins: bool = True) -> BusinessCalendar:
    """The business calendar of a case: a plugin's, else the candidate's public holidays."""
    if plugins:
        from followup_rules.plugin.manager import plugins as loaded

        provided: BusinessCalendar | None = loaded().hook.followup_calendar(case=case)
        if provided is not None:
            return provided
    return BusinessCalendar(case.country, case.subdivision)


def facts_of(case: Case, at: datetime, plugins: bool = True) -> tuple[Facts, BusinessCalendar]:
    """The facts of `case` at `at` (plugins may adjust them) and the calendar they were counted in."""
    calendar = calendar_for(case, plugins)
    facts = derive(case, at, calendar)
    if plugins:
        from followup_rules.plugin.manager import enrich

        facts = enrich(facts, case, at)
    return facts, calendar


def evaluate(case: Case, at: datetime, compiled: tuple[Compiled, ...], plugins: bool = True) -> Evaluation:
    """Derive the facts of `case` at `at` and fire the engine once; `plugins=False` leaves installed
    plugins out (ruleset tests must not depend on them)."""
    facts, calendar = facts_of(case, at, plugins)
    fired = engine_for(compiled).fire(facts.values)
    return Evaluation(case, at, compiled, facts, frozenset(fired), calendar)


def advise(case: Case, at: datetime, selection: Selection, observe: bool = True, ahead: bool = True) -> Advice:
    """The advice for `case` at `at`; with `ahead`, also what comes next once the advised steps are
    done (one more evaluation, of the projected case). Observing plugins see it unless `observe` is
    false."""
    advice = _advice(evaluate(case, at, selection.compiled), selection, ahead)
    if observe:
        from followup_rules.plugin.manager import observe as notify

        notify(advice, case)
    return advice


def explain(case: Case, at: datetime, selection: Selection) -> Explanation:
    """Every rule's verdict for `case` at `at`, and how each advised action was merged."""
    from followup_rules.resolve.explanation import build_explanation  # advice, the common path, needs none

    evaluation = evaluate(case, at, selection.compiled)
    return build_explanation(evaluation, _advice(evaluation, selection, ahead=True))


def _advice(evaluation: Evaluation, selection: Selection, ahead: bool) -> Advice:
    advice = build_advice(evaluation, selection.policy, selection.order)
    projection = next_situation(evaluation, advice) if ahead else None
    if projection is None:
        return advice
    later, moment, precondition = projection
    following = build_advice(evaluate(later, moment, selection.compiled), selection.policy, selection.order,
                             settled(advice))
    return with_next(advice, following, precondition)
