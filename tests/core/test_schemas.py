"""The shipped JSON Schemas: well-formed, documented, strict, in step with the vocabulary and examples."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from _examples import moment_of
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from followup_rules.core import vocabulary

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ("case", "ruleset", "advice")
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
#: Keywords whose subschemas only add constraints to an object described elsewhere.
CONDITIONAL = frozenset({"if", "then", "else"})


class _TextTimestampLoader(yaml.SafeLoader):
    """SafeLoader that leaves timestamps as text, as the case loader does (the schema wants strings)."""


_TextTimestampLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_schema(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(load_schema(name))


def load_example(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_TextTimestampLoader)


def suggested_at(path: Path) -> datetime:
    """The `# at:` moment an example suggests in its header comment."""
    return datetime.fromisoformat(moment_of(path))


def subschemas(node: Any, where: str = "#", keyword: str = "") -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every schema object in `node`, with its JSON pointer and the keyword it sits under."""
    if isinstance(node, dict):
        yield where, keyword, node
        for key, value in node.items():
            if key in ("properties", "$defs", "dependentSchemas", "patternProperties"):
                for name, sub in value.items():
                    yield from subschemas(sub, f"{where}/{key}/{name}", key)
            elif key in ("allOf", "anyOf", "oneOf", "prefixItems"):
                for i, sub in enumerate(value):
                    yield from subschemas(sub, f"{where}/{key}/{i}", key)
            elif isinstance(value, dict) and key not in ("dependentRequired", "const", "default", "enum"):
                yield from subschemas(value, f"{where}/{key}", key)


def errors(name: str, instance: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator(name).iter_errors(instance)]


def minimal_case() -> dict[str, Any]:
    return {
        "candidate": {"name": "Ana Souza", "timezone": "America/New_York"},
        "application": {"company": "Contoso", "position": "Analyst"},
        "interviews": [{"start": "2025-03-06T14:00:00", "end": "2025-03-06T15:00:00",
                        "interviewers": [{"id": "pat", "name": "Pat Lee"}]}],
    }


def minimal_advice() -> dict[str, Any]:
    citation = {"rule": "levo-5-things/thank-you-day-of-or-next", "source": "001_e08dceeb9b726398.txt",
                "quote": "Thank whoever interviewed you", "says": "Thank every interviewer.",
                "strength": "must",
                "window": {"opens": "2025-03-06T00:00:00-05:00", "target": "2025-03-06T15:00:00-05:00",
                           "closes": "2025-03-07T23:59:59.999999-05:00", "soft_close": False}}
    action = {"action": "send_thank_you", "sentence": "Send Pat Lee a thank-you email today.", "strength": "must",
              "to": ["pat"], "names": ["Pat Lee"], "channel": "email", "window": citation["window"],
              "state": "open", "projected": None, "about": None, "include": ["reference_specific_topic"],
              "style": [{"code": "concise", "max_paragraphs": 3}, {"code": "proofread"}],
              "ordinal": None, "code": None, "by": [citation], "dissent": [], "overridden_by": []}
    warning = {"code": "thank_you_late", "severity": "warning", "subject": "history", "note": "", "by": [citation],
               "evidence": {"thank_you.sent": False}}
    return {"at": "2025-03-06T16:00:00-05:00", "case": "case.yaml", "timezone": "America/New_York",
            "policy": "agreement",
            "rulesets": [{"id": "levo-5-things", "version": "1.0.0", "digest": "sha256:" + "ab" * 32,
                          "source": "001_e08dceeb9b726398.txt", "title": "5 Things"}],
            "actions": [action], "warnings": [warning], "conflicts": [], "set_aside": [], "expectations": [],
            "per_source": [{"ruleset": "levo-5-things", "actions": [action], "warnings": [warning],
                            "expectations": []}]}


def doc_block(doc: str) -> Any:
    """The first ```yaml block of a file in docs/."""
    text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    match = re.search(r"```yaml\n(.*?)```", text, re.DOTALL)
    assert match
    return yaml.load(match.group(1), Loader=_TextTimestampLoader)


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_is_valid_2020_12(name: str) -> None:
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", SCHEMAS)
def test_every_object_is_closed_and_every_property_documented(name: str) -> None:
    open_objects, undocumented = [], []
    for where, keyword, node in subschemas(load_schema(name)):
        if "properties" in node and keyword not in CONDITIONAL and node.get("additionalProperties") is not False:
            open_objects.append(where)
        for prop, sub in node.get("properties", {}).items():
            if not isinstance(sub, dict) or not sub.get("description"):
                undocumented.append(f"{where}/properties/{prop}")
    assert open_objects == []
    assert undocumented == []


def test_walk_reaches_nested_definitions() -> None:
    places = {where for where, _, _ in subschemas(load_schema("ruleset"))}
    assert "#/$defs/rule/properties/then/properties/window/properties/closes" in places
    assert "#/properties/overrides/additionalProperties/properties/rule" in places


@pytest.mark.parametrize("name, tuple_name", [
    ("#/properties/application/properties/industry", "INDUSTRIES"),
    ("#/properties/application/properties/culture", "CULTURES"),
    ("#/properties/interviews/items/properties/mode", "MODES"),
    ("#/properties/interviews/items/properties/format", "FORMATS"),
    ("#/properties/interviews/items/properties/self_assessment", "ASSESSMENTS"),
    ("#/properties/interviews/items/properties/interviewers/items/properties/role", "ROLES"),
    ("#/properties/interviews/items/properties/interviewers/items/properties/preferred_channel", "PREFERRED"),
    ("#/properties/messages/items/properties/channel", "CHANNELS"),
    ("#/properties/competing_offer/properties/status", "OFFER_STATUSES"),
    ("#/properties/draft/properties/kind", "OUT_KINDS"),
])
def test_case_enums_match_vocabulary(name: str, tuple_name: str) -> None:
    nodes = {where: node for where, _, node in subschemas(load_schema("case"))}
    assert nodes[name]["enum"] == list(getattr(vocabulary, tuple_name))


def test_message_kinds_follow_direction() -> None:
    assert set(load_schema("case")["properties"]["messages"]["items"]["properties"]["kind"]["enum"]) == (
        set(vocabulary.OUT_KINDS) | set(vocabulary.IN_KINDS))
    case = minimal_case()
    case["messages"] = [{"at": "2025-03-07T09:00:00", "direction": "out", "kind": "rejection",
                         "channel": "email"}]
    assert errors("case", case) == ["messages/0/kind: 'rejection' is not one of " + repr(list(vocabulary.OUT_KINDS))]
    case["messages"][0]["direction"] = "in"
    assert errors("case", case) == []


def test_ruleset_enums_match_vocabulary() -> None:
    then = load_schema("ruleset")["$defs"]["rule"]["properties"]["then"]["properties"]
    assert then["to"]["enum"] == list(vocabulary.RECIPIENTS)
    assert then["channel"]["enum"] == list(vocabulary.CHANNELS)
    assert then["window"]["properties"]["unit"]["enum"] == list(vocabulary.UNITS)


def test_examples_are_all_there() -> None:
    assert {p.name for p in EXAMPLES} >= {
        "just-after-interview.yaml", "decision-date-passed.yaml", "reply-with-new-date.yaml",
        "rejection.yaml", "competing-offer-written.yaml", "group-interview.yaml",
        "panel-multiple-interviewers.yaml", "draft-with-problems.yaml"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_validates_and_has_header(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ") and len(lines[0]) > 20
    at = suggested_at(path)
    assert at.tzinfo is not None
    assert errors("case", load_example(path)) == []


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_at_is_after_the_interview(path: Path) -> None:
    case = load_example(path)
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(case["candidate"]["timezone"])
    ends = [datetime.fromisoformat(i["end"]) for i in case["interviews"]]
    latest = max(e if e.tzinfo else e.replace(tzinfo=zone) for e in ends)
    assert suggested_at(path) > latest


def test_just_after_interview_is_one_hour_after_the_end() -> None:
    path = ROOT / "examples" / "just-after-interview.yaml"
    case = load_example(path)
    from zoneinfo import ZoneInfo

    end = datetime.fromisoformat(case["interviews"][0]["end"]).replace(
        tzinfo=ZoneInfo(case["candidate"]["timezone"]))
    assert suggested_at(path) - end == timedelta(hours=1)
    assert not [m for m in case.get("messages", []) if m["kind"] == "thank_you"]


def test_example_timezones_cover_new_york_and_berlin_with_countries() -> None:
    candidates = [load_example(p)["candidate"] for p in EXAMPLES]
    zones = {c["timezone"] for c in candidates}
    assert {"America/New_York", "Europe/Berlin"} <= zones
    assert all(c.get("country") for c in candidates)


def test_docs_examples_validate() -> None:
    assert errors("case", doc_block("case-format.md")) == []
    ruleset = doc_block("rule-language.md")
    assert errors("ruleset", ruleset) == []


@pytest.mark.parametrize("change, expected", [
    (lambda c: c["application"].update(industry="retail"), "application/industry: 'retail' is not one of"),
    (lambda c: c["candidate"].update(time_zone="Europe/Berlin"), "candidate: Additional properties"),
    (lambda c: c["candidate"].pop("timezone"), "candidate: 'timezone' is a required property"),
    (lambda c: c["interviews"][0].update(interviewers=[]), "interviews/0/interviewers: [] should be non-empty"),
    (lambda c: c["interviews"][0]["interviewers"][0].update(id="pat lee"), "interviews/0/interviewers/0/id: 'pat lee' does not match"),
    (lambda c: c["interviews"][0].update(end="2025-03-06 15:00"), "interviews/0/end: '2025-03-06 15:00' does not match"),
    (lambda c: c.update(employer={"decision_date": "14.03.2025"}), "employer/decision_date: '14.03.2025' does not match"),
    (lambda c: c.update(interviews=[]), "interviews: [] should be non-empty"),
    (lambda c: c["candidate"].update(country="USA"), "candidate/country: 'USA' does not match"),
])
def test_invalid_cases_are_rejected(change: Any, expected: str) -> None:
    case = minimal_case()
    assert errors("case", case) == []
    change(case)
    found = errors("case", case)
    assert len(found) == 1 and found[0].startswith(expected), found


@pytest.mark.parametrize("moment", [
    "2025-03-06T14:00", "2025-03-06T14:00:00", "2025-03-06T14:00:00.123456", "2025-03-06T14:00:00Z",
    "2025-03-06T14:00:00-05:00", "2025-03-06T14:00+01:00",
])
def test_timestamps_with_and_without_offset_are_accepted(moment: str) -> None:
    case = minimal_case()
    case["interviews"][0]["start"] = moment
    case["materials"] = [{"item": "references", "origin": "requested_by_employer",
                          "requested_at": moment, "sent_at": None}]
    case["draft"] = {"to": ["pat"], "at": None, "body": "Dear Pat,"}
    assert errors("case", case) == []


@pytest.mark.parametrize("moment", ["2025-03-06", "2025-13-06T14:00:00", "2025-03-06T24:00:00",
                                    "2025-03-06T14:00:00-0500", "2025-03-06T14:00:00.1234567"])
def test_malformed_timestamps_are_rejected(moment: str) -> None:
    case = minimal_case()
    case["interviews"][0]["start"] = moment
    assert len(errors("case", case)) == 1


def test_yaml_booleans_are_not_codes() -> None:
    case = minimal_case()
    case["candidate"]["subdivision"] = True  # what an unquoted `ON` becomes in YAML 1.1
    assert errors("case", case) == ["candidate/subdivision: True is not of type 'string'"]


def minimal_ruleset() -> dict[str, Any]:
    return {"id": "coach-own", "version": "0.1.0", "title": "My rules", "rules": [{
        "id": "thank-fast", "kind": "do", "strength": "should", "topic": "thank-you-timing",
        "says": "Thank them the same day.", "quote": "Thank them the same day.",
        "when": {"all": [{"fact": "thank_you.sent", "op": "eq", "value": False},
                         {"not": {"param": "strict", "op": "eq", "value": True}}]},
        "then": {"action": "send_thank_you", "to": "all_interviewers",
                 "style": ["concise", {"code": "concise", "max_paragraphs": 2}],
                 "window": {"anchor": "interview_end", "unit": "hours", "opens": 0,
                            "target": {"param": "delay"}, "closes": None}}}],
        "parameters": {"strict": {"type": "bool", "default": False, "description": "Be strict."},
                       "delay": {"type": "int", "default": 4, "description": "Hours to wait."}}}


def test_minimal_ruleset_is_valid() -> None:
    assert errors("ruleset", minimal_ruleset()) == []


@pytest.mark.parametrize("change, expected", [
    (lambda r: r.update(id="Coach_Own"), "id: 'Coach_Own' does not match"),
    (lambda r: r.update(version="1.0"), "version: '1.0' does not match"),
    (lambda r: r["rules"][0]["when"]["all"][0].update(fatc="x"), "rules/0/when/all/0: Additional properties"),
    (lambda r: r["rules"][0]["when"]["all"][0].pop("value"), "rules/0/when/all/0: 'value' is a dependency of 'fact'"),
    (lambda r: r["rules"][0].update(when={}), "rules/0/when: {} should be non-empty"),
    (lambda r: r["rules"][0]["then"]["window"].update(unit="weeks"), "rules/0/then/window/unit: 'weeks' is not one of"),
    (lambda r: r["rules"][0]["then"]["window"].update(opens={"parm": "delay"}), "rules/0/then/window/opens: "),
    (lambda r: r["rules"][0]["then"].update(too="pat"), "rules/0/then: Additional properties"),
    (lambda r: r["rules"][0].update(priority=70000), "rules/0/priority: 70000 is greater than the maximum"),
    (lambda r: r["rules"][0].update(quote=[]), "rules/0/quote: [] should be non-empty"),
    (lambda r: r["parameters"]["delay"].update(default="four"), "parameters/delay/default: 'four' is not of type 'integer'"),
    (lambda r: r.update(overrides={"thank-fast": {"rule": r["rules"][0]}}), "overrides/thank-fast: 'reason' is a required property"),
    (lambda r: r.update(tests=[{"name": "t", "case": "c.yaml", "at": "2025-03-06T16:00:00",
                                "expect": {"actions": [{"rule": "thank-fast", "state": "due"}]}}]),
     "tests/0/expect/actions/0/state: 'due' is not one of"),
])
def test_invalid_rulesets_are_rejected(change: Any, expected: str) -> None:
    ruleset = minimal_ruleset()
    change(ruleset)
    found = errors("ruleset", ruleset)
    assert any(f.startswith(expected) for f in found), found


def test_advice_shape() -> None:
    advice = minimal_advice()
    assert errors("advice", advice) == []
    broken = copy.deepcopy(advice)  # keeps per_source sharing the top-level action and warning
    del broken["actions"][0]["dissent"]
    broken["rulesets"][0]["digest"] = "sha256:abc"
    broken["warnings"][0]["severity"] = "fatal"
    broken["at"] = "2025-03-06T16:00:00"
    assert sorted(errors("advice", broken)) == sorted([
        "actions/0: 'dissent' is a required property",
        "per_source/0/actions/0: 'dissent' is a required property",
        "per_source/0/warnings/0/severity: 'fatal' is not one of ['info', 'warning', 'error']",
        "rulesets/0/digest: 'sha256:abc' does not match '^sha256:[0-9a-f]{64}$'",
        "warnings/0/severity: 'fatal' is not one of ['info', 'warning', 'error']",
        "at: '2025-03-06T16:00:00' does not match " + repr(load_schema("advice")["properties"]["at"]["pattern"]),
    ])


def _leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaf_paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaf_paths(item, path + (index,))


def _example_cases() -> list[dict[str, Any]]:
    return [yaml.load(path.read_text(encoding="utf-8"), Loader=_TextTimestampLoader) for path in EXAMPLES]


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False)
                           | st.text(max_size=12) | st.sampled_from(["pat", "email", "2025-03-06T14:00:00", "US"]),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                         max_size=3), max_leaves=6)


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_the_compiled_case_validator_agrees_with_jsonschema(data: Any) -> None:
    # The compiled validator answers first for cases: it must never accept what jsonschema rejects.
    from followup_rules.core import _schema

    case = copy.deepcopy(data.draw(st.sampled_from([minimal_case(), *_example_cases()])))
    path = data.draw(st.sampled_from(list(_leaf_paths(case))[1:]))
    parent = case
    for key in path[:-1]:
        parent = parent[key]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(JSON_VALUES)
    assert _schema._passes_compiled(case, "case") == (errors("case", case) == [])


def test_the_compiled_case_validator_accepts_every_example() -> None:
    from followup_rules.core import _schema

    assert all(_schema._passes_compiled(case, "case") for case in _example_cases())
