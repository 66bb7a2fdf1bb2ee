"""The bounds on what a case, ruleset or profile may hold, and on the dates and numbers in them.

Reading a file already bounds its bytes, its values and any one list (`_yaml`). These are the
bounds of each kind of document, checked before the schema or anything later sees it, so that
no later step (the schema, the facts, the engine, the calendar, drafting) is handed more than it
finishes quickly, and no date arithmetic leaves the calendar. docs/problems.md lists them all.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Mapping

from followup_rules.core._yaml import Document
from followup_rules.core.problems import Problem

#: Characters of any text not listed in a kind's `text` limits.
MAX_TEXT = 10_000
#: Characters of a draft: a long letter is 20,000; a megabyte is still checked in well under a second.
MAX_DRAFT = 1_048_576
#: The calendar every moment must fall in (case times, dates and `--at`): far from datetime's own
#: ends, so a window of the longest span allowed below never overflows, and holidays stay known.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)
#: The longest window offset per unit (about ten years), from its anchor.
WINDOW_SPAN = {"hours": 87_840, "days": 3_660, "business_days": 2_610}
#: The shortest window counted in hours (a minute).
MIN_HOURS = 1 / 60
#: The largest magnitude of a number a rule compares or a parameter holds: durable-rules reads
#: numbers as 64-bit integers or doubles, and compares wrongly past about 10**19.
MAX_NUMBER = 10 ** 18
#: Steps of an `extends` chain, and rules of a ruleset once its chain is applied.
MAX_EXTENDS = 8
MAX_RULES = 500
#: Characters of a `matches` pattern.
MAX_PATTERN = 1_000

#: Items per list, by path (`*` stands for any position or key).
CASE_ITEMS: Mapping[tuple[str, ...], int] = {("interviews",): 20, ("interviews", "*", "interviewers"): 50, ("interviews", "*", "topics"): 50,
              ("contacts",): 50, ("messages",): 1_000, ("materials",): 200, ("employer", "instructions", "materials"): 50,
              ("draft", "to"): 50}
CASE_TEXT: Mapping[tuple[str, ...], int] = {("draft", "body"): MAX_DRAFT, ("messages", "*", "body"): 100_000, ("candidate", "timezone"): 64}
RULESET_ITEMS: Mapping[tuple[str, ...], int] = {("rules",): MAX_RULES, ("overrides",): MAX_RULES, ("parameters",): 100}
PROFILE_ITEMS: Mapping[tuple[str, ...], int] = {("rulesets",): 100, ("precedence",): 100}


def window_order(unit: str, opens: float | None, target: float | None,
                 closes: float | None) -> list[tuple[str, str]]:
    """What is out of order in a window's offsets: the key each problem is about, and why (an
    offset given as None is not checked). Counted in hours, a window shorter than a minute holds no
    moment to act in; counted in days, opening and closing on one day is that whole day."""
    found = []
    if opens is not None and closes is not None:
        if closes < opens:
            found.append(("closes", f"window closes ({closes}) before it opens ({opens})"))
        elif unit == "hours" and closes - opens < MIN_HOURS:
            found.append(("closes", f"window from {opens:g} to {closes:g} hours is shorter than a minute: "
                                    "it holds no moment to act in"))
    if target is not None and opens is not None and target < opens:
        found.append(("target", f"window target ({target}) is before it opens ({opens})"))
    if target is not None and closes is not None and target > closes:
        found.append(("target", f"window target ({target}) is after it closes ({closes})"))
    return found


def check_limits(doc: Document, items: Mapping[tuple[str, ...], int],
                 text: Mapping[tuple[str, ...], int] | None = None) -> list[Problem]:
    """A located FR007 for each list longer than `items` allows and each text longer than its limit."""
    problems: list[Problem] = []

    def walk(value: Any, path: tuple[Any, ...], shape: tuple[str, ...]) -> None:
        if isinstance(value, str):
            most = (text or {}).get(shape, MAX_TEXT)
            if len(value) > most:
                problems.append(doc.problem(path, "FR007", f"text of {len(value):,} characters at "
                                            f"{_dotted(path)}, over the limit of {most:,}"))
            return
        if isinstance(value, list):
            limit = items.get(shape)
            if limit is not None and len(value) > limit:
                problems.append(doc.problem(path + (limit,), "FR007", f"{len(value):,} items at {_dotted(path)}, "
                                            f"over the limit of {limit:,}"))
                return
            for i, item in enumerate(value):
                walk(item, path + (i,), shape + ("*",))
        elif isinstance(value, dict):
            limit = items.get(shape)
            if limit is not None and len(value) > limit:
                problems.append(doc.problem(path, "FR007", f"{len(value):,} entries at {_dotted(path)}, "
                                            f"over the limit of {limit:,}"))
                return
            for key, item in value.items():
                walk(item, path + (key,), shape + (key,))

    walk(doc.data, (), ())
    return problems


def within_calendar(moment: date | datetime) -> bool:
    """Whether a date, or the date of an instant, lies in the supported calendar."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return FIRST_DAY <= day <= LAST_DAY


def calendar_hint() -> str:
    return f"dates must lie between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) or "the top level"
