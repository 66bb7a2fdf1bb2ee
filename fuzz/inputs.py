"""Hypothesis strategies for the fuzz suite: cases, rulesets and profiles, valid and mutated, as files.

Each input starts valid (a shipped example, a ruleset built from the vocabulary, a profile of the
shipped rulesets), then a few mutations are drawn: a value replaced by anything (huge numbers,
edge dates, control characters, paths out of the folder, catastrophic patterns, ranges that are
not semver), a key removed or added, and the text itself cut, spliced or tagged. Used by
tests/test_fuzz.py (CI size) and fuzz/run.py (the long run).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from followup_rules.core._yaml import load_file
from followup_rules.core.vocabulary import ACTIONS, ANCHORS, FACTS, UNITS, WARNINGS

ROOT = Path(__file__).resolve().parents[1]
CASES = [load_file(p).data for p in sorted((ROOT / "examples").glob("*.yaml"))]
DRAFT = (ROOT / "examples" / "draft-five-paragraphs.txt").read_text(encoding="utf-8")
SHIPPED = ("levo-5-things", "how-often", "pro-tips", "comprehensive-guide", "remotejobscape-dos-donts")

NASTY_TEXT = ["", " ", "\x00", "a\x07b", "\u202e", "é" * 3, "x" * 20_000, "../../etc/passwd", "/dev/zero",
              "/etc/passwd", "^(a+)+$", "(a|aa)+", "(?<=x)", "[", "{{ 7*7 }}", "{% for %}", "1.0.0+build.5",
              "^banana", ">=x", "0001-01-01T00:00:00", "9999-12-31T23:59:59", "2025-02-30", "2025-03-06T25:00",
              "America/New_York", "A" * 256, "Europe/Nowhere", "*", "&a", "<<", "!!python/object:os.system"]
NASTY_NUMBERS = [0, -1, 1, 24, 10**9, -(10**9), 10**18, 10**19, 2**63, 10**400, 1e308, -1e-308, 0.1, 5e-05]


def anything(depth: int = 0) -> st.SearchStrategy[Any]:
    """Any YAML value, leaning to the ones that broke things."""
    scalars = st.one_of(st.none(), st.booleans(), st.sampled_from(NASTY_NUMBERS), st.integers(), st.floats(),
                        st.sampled_from(NASTY_TEXT), st.text(max_size=40))
    if depth >= 2:
        return scalars
    return st.one_of(scalars, st.lists(anything(depth + 1), max_size=4),
                     st.dictionaries(st.text(max_size=8), anything(depth + 1), max_size=3))


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside `data`."""
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths(value, prefix + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found += paths(value, prefix + (i,))
    return found


def _set(data: Any, path: tuple[Any, ...], value: Any, delete: bool = False) -> None:
    for step in path[:-1]:
        data = data[step]
    if delete:
        del data[path[-1]]
    else:
        data[path[-1]] = value


@st.composite
def mutated(draw: st.DrawFn, base: Any, most: int = 3) -> Any:
    """`base` (copied) with up to `most` values replaced, removed or added."""
    data = json.loads(json.dumps(base, default=str))
    for _ in range(draw(st.integers(0, most))):
        where = paths(data)
        if not where:
            break
        path = draw(st.sampled_from(where))
        how = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if how == "add" and isinstance(data, dict):
            target = data
            for step in path[:-1]:
                target = target[step]
            if isinstance(target, dict):
                target[draw(st.text(min_size=1, max_size=10))] = draw(anything())
                continue
        _set(data, path, draw(anything()), delete=how == "delete")
    return data


@st.composite
def as_text(draw: st.DrawFn, data: Any) -> str:
    """`data` as YAML or JSON, sometimes with its text cut, spliced or given a tag or a merge key."""
    text = json.dumps(data, default=str) if draw(st.booleans()) and draw(st.booleans()) else yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, width=1_000_000)
    how = draw(st.sampled_from(["as is"] * 6 + ["cut", "splice", "tag", "merge", "anchor"]))
    at = draw(st.integers(0, len(text)))
    if how == "cut":
        text = text[:at]
    elif how == "splice":
        text = text[:at] + draw(st.sampled_from(NASTY_TEXT + [": x", "\n- ", "\t", "&a [*a]", "'", '"'])) + text[at:]
    elif how == "tag":
        text = draw(st.sampled_from(["!!python/name:os.system ", "!!binary ", "!!timestamp ", "!!set "])) + text
    elif how == "merge":
        text = "<<: " + draw(st.sampled_from(["1", "[1]", "x", "{a: 1}"])) + "\n" + text
    elif how == "anchor":
        text = "a: &a [x, x, x]\nb: &b [*a, *a, *a]\n" + text
    return text


def cases() -> st.SearchStrategy[str]:
    """A case file's text: a shipped example, maybe mutated."""
    return st.sampled_from(CASES).flatmap(mutated).flatmap(as_text)


@st.composite
def condition(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    if depth < 2 and draw(st.integers(0, 3)) == 0:
        kind = draw(st.sampled_from(["all", "any", "not"]))
        if kind == "not":
            return {"not": draw(condition(depth + 1))}
        return {kind: draw(st.lists(condition(depth + 1), min_size=1, max_size=3))}
    fact = FACTS[draw(st.sampled_from(sorted(FACTS)))]
    if fact.type == "string":
        return {"fact": fact.name, "op": "matches", "value": draw(st.sampled_from(["(?i)asap", "!{2,}", "^Dear"]))}
    if fact.type == "bool":
        return {"fact": fact.name, "op": "eq", "value": draw(st.booleans())}
    if fact.type == "enum":
        values = draw(st.lists(st.sampled_from(fact.values), min_size=1, max_size=3, unique=True))
        return {"fact": fact.name, "op": draw(st.sampled_from(["in", "not_in"])), "value": values}
    return {"fact": fact.name, "op": draw(st.sampled_from(["lt", "le", "gt", "ge", "eq", "ne"])),
            "value": draw(st.integers(-5, 400))}


@st.composite
def ruleset_data(draw: st.DrawFn) -> dict[str, Any]:
    """A ruleset built from the vocabulary: valid as far as its conditions go."""
    rules = []
    for i in range(draw(st.integers(1, 6))):
        warn = draw(st.booleans())
        then: dict[str, Any] = ({"warning": draw(st.sampled_from(WARNINGS))} if warn else
                                {"action": draw(st.sampled_from([a for a in ACTIONS if a != "set_expectation"]))})
        if not warn and draw(st.booleans()):
            opens = draw(st.integers(0, 30))
            then["window"] = {"anchor": draw(st.sampled_from(ANCHORS)), "unit": draw(st.sampled_from(UNITS)),
                              "opens": opens, "closes": opens + draw(st.integers(0, 30))}
        rules.append({"id": f"rule-{i}", "kind": "dont" if warn else "do", "strength": "should", "topic": "tone",
                      "says": "Generated.", "quote": "Generated.", "when": draw(condition()), "then": then})
    data: dict[str, Any] = {"id": "fuzzed", "version": "1.0.0", "title": "Fuzzed", "rules": rules}
    if draw(st.integers(0, 3)) == 0:
        data["applies_when"] = draw(condition())
    if draw(st.integers(0, 4)) == 0:
        data["extends"] = draw(st.sampled_from(SHIPPED)) + draw(st.sampled_from(["", "@^1", "@>=1,<2", "@~1.0"]))
    if draw(st.integers(0, 2)) == 0:
        data["tests"] = [{"name": "t", "case": draw(st.sampled_from(CASES)), "at": "2025-03-07T10:00:00",
                          "expect": {"silent": []}}]
    return data


def rulesets() -> st.SearchStrategy[str]:
    """A ruleset file's text: built from the vocabulary, maybe mutated."""
    return ruleset_data().flatmap(mutated).flatmap(as_text)


def profiles() -> st.SearchStrategy[str]:
    """A profile's text: shipped rulesets, a policy, parameters; maybe mutated."""
    base = st.fixed_dictionaries({
        "rulesets": st.lists(st.sampled_from(SHIPPED).map(lambda r: f"{r}@^1"), min_size=1, max_size=3, unique=True),
        "policy": st.sampled_from(["agreement", "strictest"]),
    }, optional={"params": st.just({"how-often": {"thank_you_counts_as_follow_up": False}})})
    return base.flatmap(mutated).flatmap(as_text)
