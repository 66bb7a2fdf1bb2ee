"""The regular expressions of `matches` tests: run by RE2, in time linear in the text.

A ruleset is a stranger's data, and Python's `re` backtracks: `^(a+)+$` on a long line of a's
takes longer than the universe. RE2 (Google's engine, the `google-re2` bindings) never
backtracks, so every pattern that compiles runs in linear time, whatever the text. The validator
still refuses patterns that would backtrack catastrophically in a backtracking engine (nested
unbounded repetition, a repeated choice between alternatives that start alike): a ruleset is
published, and its readers test its patterns with such engines.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Protocol

import re2

from followup_rules.core.limits import MAX_PATTERN


class Pattern(Protocol):
    """A compiled pattern: only `search` is used."""

    def search(self, text: str) -> object | None: ...


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 prints every syntax error to stderr otherwise
    return options


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> Pattern:
    """The RE2 pattern (checked by `pattern_problem` when its ruleset was loaded)."""
    compiled: Pattern = re2.compile(pattern, options=_OPTIONS)
    return compiled


def matches(pattern: str, actual: object) -> bool:
    """Whether `pattern` is found anywhere in `actual` (False for anything but a string)."""
    return isinstance(actual, str) and compile_pattern(pattern).search(actual) is not None


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be a `matches` value, or None when it can."""
    if len(pattern) > MAX_PATTERN:
        return f"the pattern is {len(pattern):,} characters long, over the limit of {MAX_PATTERN:,}"
    try:
        re2.compile(pattern, options=_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        return f"invalid regular expression (RE2 syntax: no backreferences or lookaround): {reason}"
    try:
        from re import _parser  # type: ignore[attr-defined]

        tree = _parser.parse(pattern)
    except (re.error, OverflowError, RecursionError) as exc:
        return f"invalid regular expression: {exc}"
    risk = _backtracking(list(tree), repeated=False)
    return f"the pattern could backtrack catastrophically: {risk}" if risk else None


_OPTIONS = _options()


def _backtracking(items: list[Any], repeated: bool) -> str | None:
    """The first construct of a parsed pattern that is exponential for a backtracking engine.

    `repeated` says whether `items` sit inside a repetition (the star-height rule of safe-regex,
    with choices whose alternatives start alike counted too).
    """
    from re import _constants as c  # type: ignore[attr-defined]

    for op, arg in items:
        found = None
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, body = arg
            if repeated and (high == c.MAXREPEAT or high - low > 1):
                return "a repetition inside a repetition, such as (a+)+; repeat the inner part a fixed number of times"
            found = _backtracking(list(body), repeated or high > 1)
        elif op == c.BRANCH:
            branches = [list(branch) for branch in arg[1]]
            if repeated and _overlap(branches):
                return "a repeated choice between alternatives that start alike, such as (a|ab)+"
            found = next((f for branch in branches if (f := _backtracking(branch, repeated))), None)
        elif op in (c.SUBPATTERN, c.ASSERT, c.ASSERT_NOT, c.ATOMIC_GROUP):
            found = _backtracking(list(arg[-1]), repeated)
        if found:
            return found
    return None


def _overlap(branches: list[list[Any]]) -> bool:
    """Whether two alternatives start with the same character, or one is empty (classes are not compared)."""
    from re import _constants as c  # type: ignore[attr-defined]

    if any(not branch for branch in branches):
        return True  # an empty alternative matches wherever another does
    literals = [branch[0][1] for branch in branches if branch[0][0] == c.LITERAL]
    return len(literals) != len(set(literals))
